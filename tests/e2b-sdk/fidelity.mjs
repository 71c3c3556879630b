// fidelity.mjs - drive tests/e2b-server through E2B's official JS SDKs (the
// versions pinned in package-lock.json) and print one "ok - ..." or
// "not ok - ..." line per check.  Needs E2B_API_URL, E2B_SANDBOX_URL and
// E2B_API_KEY pointing at the server (tests/lib.sh t_start_e2b exports them);
// fault injection goes to $E2B_API_URL/__e2b/fault.
import { Sandbox } from '@e2b/code-interpreter';
import {
	Sandbox as BaseSandbox, CommandExitError, TimeoutError, FileNotFoundError, SandboxNotFoundError,
	AuthenticationError, RateLimitError, ServiceBusyError,
} from 'e2b';

const API = process.env.E2B_API_URL;
const RUN = `fid${process.pid}`;
let failed = 0;

function ok(name) {
	console.log(`ok - ${name}`);
}

function notOk(name, why) {
	failed++;
	console.log(`not ok - ${name}`);
	if (why) console.log(`#   ${String(why).split('\n').slice(0, 4).join('\n#   ')}`);
}

function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

function eq(got, want, what) {
	const g = JSON.stringify(got);
	const w = JSON.stringify(want);
	if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

async function check(name, fn) {
	try {
		await fn();
		ok(name);
	} catch (e) {
		notOk(name, e && (e.stack || e.message || e));
	}
}

// expectError: fn must reject with an instance of cls; returns the error.
async function expectError(fn, cls) {
	let err = null;
	try {
		await fn();
	} catch (e) {
		err = e;
	}
	assert(err, `expected ${cls.name}, got success`);
	assert(err instanceof cls, `expected ${cls.name}, got ${err.name}: ${err.message}`);
	return err;
}

async function fault(spec) {
	const r = await fetch(`${API}/__e2b/fault`, {
		method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec),
	});
	assert(r.ok, `fault injection failed: ${r.status}`);
}

async function clearFaults() {
	await fetch(`${API}/__e2b/fault`, { method: 'DELETE' });
}

const created = [];

async function main() {
	assert(API && process.env.E2B_SANDBOX_URL && process.env.E2B_API_KEY, 'E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY must be set');
	let sbx;

	// --- control plane ---------------------------------------------------
	await check('create with metadata, envs and a timeout', async () => {
		sbx = await Sandbox.create({ metadata: { run: RUN, role: 'main' }, envs: { FOO: 'bar' }, timeoutMs: 120000 });
		created.push(sbx);
		assert(/^[a-z0-9]+$/.test(sbx.sandboxId), `odd sandbox id ${sbx.sandboxId}`);
	});
	if (!sbx) {
		notOk('no sandbox, the remaining checks cannot run');
		return;
	}

	await check('getInfo reports template, metadata, state and endAt', async () => {
		const info = await sbx.getInfo();
		eq(info.sandboxId, sbx.sandboxId, 'sandboxId');
		eq(info.templateId, 'code-interpreter-v1', 'templateId');
		eq(info.metadata, { run: RUN, role: 'main' }, 'metadata');
		eq(info.state, 'running', 'state');
		const left = info.endAt.getTime() - Date.now();
		assert(left > 100000 && left <= 121000, `endAt ${info.endAt.toISOString()} is not ~120 s away`);
	});

	await check('setTimeout moves endAt', async () => {
		await sbx.setTimeout(600000);
		const info = await Sandbox.getInfo(sbx.sandboxId);
		const left = info.endAt.getTime() - Date.now();
		assert(left > 590000 && left <= 601000, `endAt not ~600 s away: ${left} ms`);
	});

	let other;
	await check('list filters by metadata and pages with nextToken', async () => {
		other = await BaseSandbox.create({ metadata: { run: RUN, role: 'other' } });
		created.push(other);
		const third = await BaseSandbox.create({ metadata: { run: RUN, role: 'third' } });
		created.push(third);
		const all = [];
		const pager = Sandbox.list({ query: { metadata: { run: RUN } }, limit: 2 });
		let pages = 0;
		while (pager.hasNext) {
			all.push(...await pager.nextItems());
			pages++;
			assert(pages < 10, 'paging does not end');
		}
		eq(pages, 2, 'pages of 2 for 3 sandboxes');
		eq(all.map((s) => s.sandboxId).sort(), [sbx.sandboxId, other.sandboxId, third.sandboxId].sort(), 'listed ids');
		const one = await Sandbox.list({ query: { metadata: { run: RUN, role: 'other' } } }).nextItems();
		eq(one.map((s) => s.sandboxId), [other.sandboxId], 'metadata AND filter');
		const none = await Sandbox.list({ query: { metadata: { run: RUN }, state: ['paused'] } }).nextItems();
		eq(none.length, 0, 'paused sandboxes');
		await third.kill();
	});

	await check('pause, list as paused, connect resumes', async () => {
		assert(other, 'no second sandbox');
		await BaseSandbox.pause(other.sandboxId);
		const paused = await Sandbox.list({ query: { metadata: { run: RUN }, state: ['paused'] } }).nextItems();
		eq(paused.map((s) => s.sandboxId), [other.sandboxId], 'paused list');
		eq(await BaseSandbox.pause(other.sandboxId), false, 'pausing a paused sandbox');
		const again = await BaseSandbox.connect(other.sandboxId);
		eq((await again.commands.run('echo back')).stdout, 'back\n', 'command after resume');
	});

	await check('kill returns true, then false; getInfo of a killed sandbox is SandboxNotFoundError', async () => {
		eq(await BaseSandbox.kill(other.sandboxId), true, 'first kill');
		eq(await BaseSandbox.kill(other.sandboxId), false, 'second kill');
		await expectError(() => BaseSandbox.getInfo(other.sandboxId), SandboxNotFoundError);
	});

	// --- commands ----------------------------------------------------------
	await check('commands.run: stdout, stderr, sandbox envs and per-call envs', async () => {
		const r = await sbx.commands.run('echo "$FOO $BAR"; echo warn >&2', { envs: { BAR: 'baz' } });
		eq(r.exitCode, 0, 'exit code');
		eq(r.stdout, 'bar baz\n', 'stdout');
		eq(r.stderr, 'warn\n', 'stderr');
	});

	await check('commands.run: non-zero exit is CommandExitError with the code and output', async () => {
		const e = await expectError(() => sbx.commands.run('echo out; echo err >&2; exit 3'), CommandExitError);
		eq(e.exitCode, 3, 'exitCode');
		eq(e.stdout, 'out\n', 'stdout');
		eq(e.stderr, 'err\n', 'stderr');
	});

	await check('commands.run: default user is "user" in /home/user; root on request', async () => {
		eq((await sbx.commands.run('whoami; pwd; echo $HOME')).stdout, 'user\n/home/user\n/home/user\n', 'default user');
		eq((await sbx.commands.run('whoami; id -u', { user: 'root' })).stdout, 'root\n0\n', 'root');
		eq((await sbx.commands.run('pwd', { cwd: '/tmp' })).stdout, '/tmp\n', 'cwd');
	});

	await check('commands.run: callbacks see output as it streams, multibyte text intact', async () => {
		const seen = [];
		const r = await sbx.commands.run("printf 'a\\xc3'; sleep 0.2; printf '\\xa9b\\n'", { onStdout: (d) => seen.push(d) });
		eq(r.stdout, 'a\u00e9b\n', 'joined stdout');
		assert(seen.length >= 1, 'no onStdout calls');
	});

	await check('commands.run: timeoutMs kills a long command (TimeoutError)', async () => {
		const t0 = Date.now();
		await expectError(() => sbx.commands.run('sleep 30', { timeoutMs: 700 }), TimeoutError);
		assert(Date.now() - t0 < 5000, 'took too long');
	});

	await check('background command with stdin, list, sendStdin, closeStdin, wait', async () => {
		const h = await sbx.commands.run('cat; echo done', { background: true, stdin: true });
		assert(h.pid > 0, 'no pid');
		const procs = await sbx.commands.list();
		assert(procs.some((p) => p.pid === h.pid && p.args.join(' ').includes('cat; echo done')), 'not in commands.list');
		await sbx.commands.sendStdin(h.pid, 'hello\n');
		await sbx.commands.closeStdin(h.pid);
		const r = await h.wait();
		eq(r.stdout, 'hello\ndone\n', 'stdout');
	});

	await check('background command killed with commands.kill', async () => {
		const h = await sbx.commands.run('sleep 60', { background: true, timeoutMs: 0 });
		eq(await sbx.commands.kill(h.pid), true, 'kill');
		const e = await expectError(() => h.wait(), CommandExitError);
		assert(/signal: killed/.test(e.error || e.message), `error ${e.error}`);
		eq(await sbx.commands.kill(h.pid), false, 'kill of an ended process');
	});

	await check('commands.connect to a running process sees its later output', async () => {
		const h = await sbx.commands.run('sleep 0.5; echo late', { background: true });
		const c = await sbx.commands.connect(h.pid);
		const r = await c.wait();
		eq(r.stdout, 'late\n', 'stdout via connect');
	});

	await check('pty: create, send input, output arrives', async () => {
		let out = '';
		const h = await sbx.pty.create({ cols: 80, rows: 24, onData: (d) => { out += new TextDecoder().decode(d); } });
		await sbx.pty.sendInput(h.pid, new TextEncoder().encode('echo pty-$((6*7))\nexit\n'));
		await h.wait().catch(() => null);
		assert(out.includes('pty-42'), `pty output: ${JSON.stringify(out.slice(-200))}`);
	});

	// --- files ---------------------------------------------------------------
	await check('files: write, read, exists, getInfo', async () => {
		const w = await sbx.files.write('/home/user/dir/a.txt', 'hello file');
		eq(w.path, '/home/user/dir/a.txt', 'write info path');
		eq(await sbx.files.read('/home/user/dir/a.txt'), 'hello file', 'read text');
		const bytes = await sbx.files.read('dir/a.txt', { format: 'bytes' });
		eq(Buffer.from(bytes).toString(), 'hello file', 'read bytes, relative path');
		eq(await sbx.files.exists('/home/user/dir/a.txt'), true, 'exists');
		eq(await sbx.files.exists('/home/user/nope'), false, 'not exists');
		const info = await sbx.files.getInfo('/home/user/dir/a.txt');
		eq([info.name, info.type, info.size, info.owner], ['a.txt', 'file', 10, 'user'], 'getInfo');
		eq((await sbx.commands.run('cat /home/user/dir/a.txt; stat -c %U dir/a.txt')).stdout, 'hello fileuser\n', 'seen by a command');
	});

	await check('files: write several at once, list with depth', async () => {
		await sbx.files.write([{ path: '/home/user/multi/1.txt', data: 'one' }, { path: '/home/user/multi/sub/2.txt', data: 'two' }]);
		const l1 = await sbx.files.list('/home/user/multi');
		eq(l1.map((e) => `${e.name}:${e.type}`).sort(), ['1.txt:file', 'sub:dir'], 'depth 1');
		const l2 = await sbx.files.list('/home/user/multi', { depth: 2 });
		eq(l2.map((e) => e.path).sort(), ['/home/user/multi/1.txt', '/home/user/multi/sub', '/home/user/multi/sub/2.txt'], 'depth 2');
	});

	await check('files: makeDir, rename, remove, missing file is FileNotFoundError', async () => {
		eq(await sbx.files.makeDir('/home/user/newdir/x'), true, 'makeDir');
		eq(await sbx.files.makeDir('/home/user/newdir/x'), false, 'makeDir existing');
		const moved = await sbx.files.rename('/home/user/dir/a.txt', '/home/user/newdir/b.txt');
		eq(moved.path, '/home/user/newdir/b.txt', 'rename');
		await sbx.files.remove('/home/user/newdir');
		eq(await sbx.files.exists('/home/user/newdir'), false, 'removed');
		await expectError(() => sbx.files.read('/home/user/newdir/b.txt'), FileNotFoundError);
	});

	await check('files: 3 MB binary round trip as root in /root', async () => {
		const big = Buffer.alloc(3 * 1024 * 1024);
		for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 255;
		await sbx.files.write('/root/big.bin', big, { user: 'root' });
		const back = Buffer.from(await sbx.files.read('/root/big.bin', { format: 'bytes', user: 'root' }));
		assert(back.equals(big), `round trip differs (${back.length} bytes back)`);
	});

	await check('files: watchDir reports a created file', async () => {
		await sbx.files.makeDir('/home/user/watched');
		const events = [];
		const w = await sbx.files.watchDir('/home/user/watched', (ev) => events.push(ev));
		await sbx.files.write('/home/user/watched/new.txt', 'x');
		for (let i = 0; i < 30 && !events.some((e) => e.name === 'new.txt'); i++) await new Promise((r) => setTimeout(r, 100));
		await w.stop();
		assert(events.some((e) => e.name === 'new.txt'), `events: ${JSON.stringify(events)}`);
	});

	// --- code interpreter ---------------------------------------------------------
	await check('runCode keeps state across calls; last expression is the text result', async () => {
		const a = await sbx.runCode('x = 41\nprint("set")');
		eq(a.logs.stdout, ['set\n'], 'stdout of the first cell');
		eq(a.results.length, 0, 'no result for an assignment');
		const b = await sbx.runCode('x + 1');
		eq(b.text, '42', 'text of x + 1');
		eq(b.results[0].isMainResult, true, 'main result');
		assert(b.executionCount > a.executionCount, 'execution count grows');
		const c = await sbx.runCode('"a string"');
		eq(c.text, 'a string', 'quotes stripped like E2B');
	});

	await check('runCode exception: name, value, traceback', async () => {
		const e = await sbx.runCode('def f():\n    return 1/0\nf()');
		assert(e.error, 'no error');
		eq(e.error.name, 'ZeroDivisionError', 'name');
		eq(e.error.value, 'division by zero', 'value');
		assert(/ZeroDivisionError/.test(e.error.traceback) && /1\/0/.test(e.error.traceback), `traceback: ${e.error.traceback}`);
	});

	await check('runCode display(): rich results (html) next to the main result', async () => {
		const r = await sbx.runCode('class H:\n    def _repr_html_(self):\n        return "<b>hi</b>"\ndisplay(H())\n{"k": [1, 2]}');
		eq(r.results.length, 2, 'two results');
		eq(r.results[0].html, '<b>hi</b>', 'display html');
		eq(r.results[0].isMainResult, false, 'display is not main');
		eq(r.results[1].text, "{'k': [1, 2]}", 'main result text');
	});

	await check('runCode stderr, envs and onStdout callback', async () => {
		const lines = [];
		const r = await sbx.runCode('import os, sys\nprint("e", file=sys.stderr)\nprint(os.environ["FOO"], os.environ.get("CELL"))', {
			envs: { CELL: 'c1' }, onStdout: (m) => lines.push(m.line),
		});
		eq(r.logs.stderr, ['e\n'], 'stderr');
		eq(r.logs.stdout.join(''), 'bar c1\n', 'stdout with sandbox and cell envs');
		eq(lines.join(''), 'bar c1\n', 'onStdout');
		const after = await sbx.runCode('import os\nos.environ.get("CELL")');
		eq(after.results.length, 0, 'cell env removed afterwards');
	});

	await check('code contexts: create, separate state, list, restart, remove', async () => {
		const ctx = await sbx.createCodeContext({ cwd: '/tmp' });
		assert(ctx.id, 'no context id');
		await sbx.runCode('y = 5', { context: ctx });
		eq((await sbx.runCode('y * 2', { context: ctx })).text, '10', 'state in the context');
		eq((await sbx.runCode('import os\nos.getcwd()', { context: ctx })).text, '/tmp', 'cwd');
		const other = await sbx.runCode('y');
		eq(other.error && other.error.name, 'NameError', 'default context does not see y');
		const list = await sbx.listCodeContexts();
		assert(list.some((c) => c.id === ctx.id), 'listed');
		await sbx.restartCodeContext(ctx);
		const gone = await sbx.runCode('y', { context: ctx });
		eq(gone.error && gone.error.name, 'NameError', 'state lost after restart');
		await sbx.removeCodeContext(ctx);
		assert(!(await sbx.listCodeContexts()).some((c) => c.id === ctx.id), 'removed');
	});

	// --- errors and faults --------------------------------------------------------
	await check('a wrong API key is AuthenticationError', async () => {
		await expectError(() => Sandbox.list({ apiKey: 'e2b_0000bad' }).nextItems(), AuthenticationError);
	});

	await check('429 with Retry-After is retried by the SDK', async () => {
		await fault({ path: '/v2/sandboxes', method: 'POST', status: 429, retryAfter: 1, count: 1 });
		const t0 = Date.now();
		const s = await BaseSandbox.create({ metadata: { run: RUN } });
		created.push(s);
		const dt = Date.now() - t0;
		assert(dt >= 900, `no wait for Retry-After (${dt} ms)`);
		await s.kill();
	});

	await check('429 beyond the retries is RateLimitError', async () => {
		await fault({ path: '/v2/sandboxes', method: 'POST', status: 429, retryAfter: 0, count: 5 });
		await expectError(() => BaseSandbox.create({ retries: 1 }), RateLimitError);
		await clearFaults();
	});

	await check('503 on create is ServiceBusyError', async () => {
		await fault({ path: '/v2/sandboxes', method: 'POST', status: 503, count: 1 });
		await expectError(() => BaseSandbox.create(), ServiceBusyError);
	});

	await check('a stalled command stream ends in TimeoutError at timeoutMs', async () => {
		await fault({ path: '/process.Process/Start', mode: 'stall-stream', count: 1 });
		const t0 = Date.now();
		await expectError(() => sbx.commands.run('echo never seen', { timeoutMs: 1000 }), TimeoutError);
		assert(Date.now() - t0 < 5000, 'bounded wait');
	});

	await check('a sandbox with a 2 s timeout expires: 404 on the API, gone for envd', async () => {
		const s = await BaseSandbox.create({ timeoutMs: 2000 });
		eq((await s.commands.run('echo alive')).stdout, 'alive\n', 'alive first');
		await new Promise((r) => setTimeout(r, 2600));
		eq(await s.isRunning(), false, 'isRunning after expiry');
		await expectError(() => BaseSandbox.getInfo(s.sandboxId), SandboxNotFoundError);
		let err = null;
		try {
			await s.commands.run('echo dead');
		} catch (e) {
			err = e;
		}
		assert(err && (err instanceof SandboxNotFoundError || err instanceof TimeoutError), `command on an expired sandbox: ${err && err.name}`);
		assert(!(await Sandbox.list({ query: { metadata: { run: RUN } } }).nextItems()).some((x) => x.sandboxId === s.sandboxId), 'still listed');
	});

	await check('kill the main sandbox', async () => {
		eq(await sbx.kill(), true, 'kill');
	});
}

const guard = setTimeout(() => {
	notOk('fidelity run finished within 90 s');
	process.exit(1);
}, 90000);

main().catch((e) => notOk('fidelity run', e.stack || e)).finally(async () => {
	clearTimeout(guard);
	await clearFaults().catch(() => {});
	for (const s of created) await s.kill().catch(() => {});
	process.exit(failed ? 1 : 0);
});
