// envd.js - the sandbox daemon on port 49983: process.Process and
// filesystem.Filesystem over Connect+JSON, /files, /health, /envs, /metrics.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const zlib = require('zlib');
const { RpcError, parseEnvelopes, unaryError, unaryOk, Stream, frame } = require('./connect');

const GO_SIGNAL_NAMES = {
	SIGHUP: 'hangup', SIGINT: 'interrupt', SIGQUIT: 'quit', SIGILL: 'illegal instruction',
	SIGTRAP: 'trace/breakpoint trap', SIGABRT: 'aborted', SIGBUS: 'bus error',
	SIGFPE: 'floating point exception', SIGKILL: 'killed', SIGUSR1: 'user defined signal 1',
	SIGSEGV: 'segmentation fault', SIGUSR2: 'user defined signal 2', SIGPIPE: 'broken pipe',
	SIGALRM: 'alarm clock', SIGTERM: 'terminated',
};
const RETAIN_ENDED_MS = 60000;

// pick: a proto3 JSON field, accepted in lowerCamelCase or its proto name.
function pick(obj, camel, snake) {
	if (!obj || typeof obj !== 'object') return undefined;
	if (obj[camel] !== undefined) return obj[camel];
	return snake ? obj[snake] : undefined;
}

function shq(s) {
	return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

// ---------------------------------------------------------------- users ---

// requestUser: the user from "Authorization: Basic base64(name:)", else the
// default user "user" (envd's default for the stock templates).
function requestUser(sb, req) {
	const h = req.headers.authorization;
	let name = 'user';
	if (h && /^basic /i.test(h)) {
		const dec = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
		name = dec.split(':')[0];
	}
	const u = sb.resolveUser(name);
	if (!u) throw new RpcError('unauthenticated', `invalid username: '${name}'`);
	return u;
}

// --------------------------------------------------------- entry infos ---

function goModeString(st) {
	let t = '';
	if (st.isDirectory()) t += 'd';
	if (st.isSymbolicLink()) t += 'L';
	if (st.isBlockDevice() || st.isCharacterDevice()) t += 'D';
	if (st.isFIFO()) t += 'p';
	if (st.isSocket()) t += 'S';
	if (st.mode & 0o4000) t += 'u';
	if (st.mode & 0o2000) t += 'g';
	if (st.isCharacterDevice()) t += 'c';
	if (st.mode & 0o1000) t += 't';
	if (t === '') t = '-';
	const rwx = 'rwxrwxrwx';
	let p = '';
	for (let i = 0; i < 9; i++) p += st.mode & (1 << (8 - i)) ? rwx[i] : '-';
	return t + p;
}

// rfc3339Nanos: a protobuf Timestamp in JSON (0, 3, 6 or 9 fraction digits).
function rfc3339Nanos(ns) {
	const sec = ns / 1000000000n;
	let frac = Number(ns % 1000000000n);
	const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
	if (frac === 0) return base + 'Z';
	let digits = String(frac).padStart(9, '0');
	if (digits.endsWith('000000')) digits = digits.slice(0, 3);
	else if (digits.endsWith('000')) digits = digits.slice(0, 6);
	return base + '.' + digits + 'Z';
}

function nameOfId(server, id, group) {
	if (id === 0) return 'root';
	if (id === server.users.user.uid) return 'user';
	const map = group ? server.hostGroups : server.hostUsers;
	return map.get(id) || String(id);
}

function entryInfo(sb, p) {
	const hp = sb.hostPath(p);
	const st = fs.lstatSync(hp, { bigint: true });
	const num = fs.lstatSync(hp);
	let type = 'FILE_TYPE_FILE';
	if (num.isDirectory()) type = 'FILE_TYPE_DIRECTORY';
	else if (num.isSymbolicLink()) type = 'FILE_TYPE_SYMLINK';
	const e = {
		name: p === '/' ? '/' : path.posix.basename(p),
		type,
		path: p,
		size: String(st.size),
		mode: num.mode & 0o777,
		permissions: goModeString(num),
		owner: nameOfId(sb.server, num.uid, false),
		group: nameOfId(sb.server, num.gid, true),
		modifiedTime: rfc3339Nanos(st.mtimeNs),
	};
	if (num.isSymbolicLink()) {
		try {
			const t = fs.readlinkSync(hp);
			e.symlinkTarget = t.startsWith('/') ? t : path.posix.join(path.posix.dirname(p), t);
		} catch (err) { /* dangling is fine */ }
	}
	return e;
}

function lstatOrNull(hp) {
	try {
		return fs.lstatSync(hp);
	} catch (e) {
		if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
		throw e;
	}
}

function statOrNull(hp) {
	try {
		return fs.statSync(hp);
	} catch (e) {
		if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
		throw e;
	}
}

// mkdirs: create p and its missing parents, owned by user.
function mkdirs(sb, p, user) {
	const parts = p.split('/').filter(Boolean);
	let cur = '';
	for (const part of parts) {
		cur += '/' + part;
		const hp = sb.hostPath(cur);
		const st = statOrNull(hp);
		if (st) {
			if (!st.isDirectory()) throw new RpcError('invalid_argument', `path '${cur}' is not a directory`);
			continue;
		}
		fs.mkdirSync(hp, { mode: 0o755 });
		fs.chownSync(hp, user.uid, user.gid);
	}
}

function fsError(e, p) {
	if (e instanceof RpcError) return e;
	if (e.gone) return new RpcError('unavailable', 'sandbox is not running');
	if (e.code === 'ENOENT') return new RpcError('not_found', `file not found: ${p}`);
	if (e.code === 'EACCES' || e.code === 'EPERM') return new RpcError('permission_denied', `${e.code}: ${p}`);
	if (e.code === 'ENOTDIR') return new RpcError('invalid_argument', `not a directory: ${p}`);
	if (e.code === 'ENOSPC') return new RpcError('resource_exhausted', 'not enough disk space available');
	return new RpcError('internal', String(e.message || e));
}

// ------------------------------------------------------------ processes ---

class Proc {
	constructor(sb, pid, config, tag, child, isPty, stdinOpen) {
		this.sb = sb;
		this.pid = pid;
		this.config = config;
		this.tag = tag;
		this.child = child;
		this.isPty = isPty;
		this.stdinOpen = stdinOpen;
		this.subs = new Set();
		this.ended = null;
	}

	broadcast(ev) {
		for (const s of this.subs) s.send({ event: ev });
	}

	finish(code, signal) {
		if (this.ended) return;
		const end = {};
		if (signal) {
			const st = 'signal: ' + (GO_SIGNAL_NAMES[signal] || signal);
			end.exitCode = -1;
			end.status = st;
			end.error = st;
		} else {
			if (code) end.exitCode = code;
			end.exited = true;
			end.status = `exit status ${code}`;
			if (code) end.error = `exit status ${code}`;
		}
		this.ended = end;
		for (const s of this.subs) {
			if (s.deadlineHit) continue;
			s.send({ event: { end } });
			s.end();
		}
		this.subs.clear();
		setTimeout(() => {
			if (this.sb.procs.get(this.pid) === this) this.sb.procs.delete(this.pid);
		}, RETAIN_ENDED_MS).unref();
	}
}

function findProc(sb, sel) {
	const pid = pick(sel, 'pid');
	const tag = pick(sel, 'tag');
	if (pid !== undefined && pid !== null && pid !== '') {
		const p = sb.procs.get(Number(pid));
		if (!p) throw new RpcError('not_found', `process with pid ${pid} not found`);
		return p;
	}
	if (tag !== undefined) {
		for (const p of sb.procs.values()) if (p.tag === tag && !p.ended) return p;
		for (const p of sb.procs.values()) if (p.tag === tag) return p;
		throw new RpcError('not_found', `process with tag ${tag} not found`);
	}
	throw new RpcError('invalid_argument', 'invalid process selector');
}

function startProc(sb, user, msg) {
	const pc = pick(msg, 'process') || {};
	const cmd = pick(pc, 'cmd');
	if (!cmd) throw new RpcError('invalid_argument', 'missing cmd');
	const args = (pick(pc, 'args') || []).map(String);
	const envs = pick(pc, 'envs') || {};
	const cwd = sb.resolvePath(pick(pc, 'cwd') || '/home/user', user);
	const st = statOrNull(sb.hostPath(cwd));
	if (!st || !st.isDirectory()) throw new RpcError('invalid_argument', `cwd '${cwd}' does not exist`);
	const pty = pick(msg, 'pty');
	const tag = pick(msg, 'tag');
	let stdin = pick(msg, 'stdin');
	if (stdin === undefined || stdin === null) stdin = true;
	const env = { ...sb.baseEnv(user), ...envs };
	let argv;
	if (pty) {
		const size = pick(pty, 'size') || {};
		const cols = Number(pick(size, 'cols') || 80);
		const rows = Number(pick(size, 'rows') || 24);
		const inner = `stty cols ${cols} rows ${rows} 2>/dev/null; exec ${[cmd, ...args].map(shq).join(' ')}`;
		argv = ['script', '-q', '-f', '-e', '-c', inner, '/dev/null'];
		env.SHELL = '/bin/sh';
		stdin = true;
	} else {
		argv = [cmd, ...args];
	}
	const child = sb.spawnIn(user, argv, { cwd, env, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
	if (!child.pid) throw new RpcError('internal', `failed to start ${cmd}`);
	const config = { cmd, args, envs, cwd };
	const proc = new Proc(sb, child.pid, config, tag, child, !!pty, !!stdin);
	sb.procs.set(child.pid, proc);
	const onData = (kind) => (b) => proc.broadcast({ data: { [kind]: b.toString('base64') } });
	child.stdout.on('data', onData(pty ? 'pty' : 'stdout'));
	child.stderr.on('data', onData(pty ? 'pty' : 'stderr'));
	if (child.stdin) child.stdin.on('error', () => {});
	let exitInfo = null;
	let finished = false;
	const done = () => {
		if (finished || !exitInfo) return;
		finished = true;
		proc.finish(exitInfo[0], exitInfo[1]);
	};
	child.on('exit', (code, signal) => {
		exitInfo = [code, signal];
		// Output still in the pipes comes before the end event; a grandchild
		// holding them open does not delay it for long.
		setTimeout(done, 300);
	});
	child.on('close', done);
	child.on('error', () => {
		exitInfo = exitInfo || [127, null];
		done();
	});
	return proc;
}

// --------------------------------------------------------- the handler ---

function accessTokenOk(sb, req) {
	if (!sb.accessToken) return true;
	return req.headers['x-access-token'] === sb.accessToken;
}

function deny401(res) {
	const body = JSON.stringify({ code: 401, message: 'unauthorized access, please provide a valid access token or method signing if supported' });
	res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

function httpJsonError(res, status, message) {
	const body = JSON.stringify({ code: status, message });
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

// signatureOk: the v1 signature of a signed /files URL.
function signatureOk(sb, url, op) {
	const sig = url.searchParams.get('signature');
	if (!sig || !sb.accessToken) return false;
	const p = url.searchParams.get('path') || '';
	const user = url.searchParams.get('username') || '';
	const exp = url.searchParams.get('signature_expiration');
	let raw = `${p}:${op}:${user}:${sb.accessToken}`;
	if (exp) {
		if (Number(exp) < Date.now() / 1000) return false;
		raw += `:${exp}`;
	}
	const want = 'v1_' + crypto.createHash('sha256').update(raw).digest('base64').replace(/=+$/, '');
	return want === sig;
}

async function handleEnvd(ctx, req, res, url) {
	const { sb } = ctx;
	const p = url.pathname;
	if (p === '/health' && req.method === 'GET') {
		res.writeHead(204);
		res.end();
		return;
	}
	if (p === '/files') {
		const op = req.method === 'GET' ? 'read' : 'write';
		const hasHeader = req.headers['x-access-token'] !== undefined;
		if (sb.accessToken && !(hasHeader ? accessTokenOk(sb, req) : signatureOk(sb, url, op))) return deny401(res);
		if (req.method === 'GET') return filesGet(ctx, req, res, url);
		if (req.method === 'POST') return filesPost(ctx, req, res, url);
		return httpJsonError(res, 405, 'method not allowed');
	}
	if (!accessTokenOk(sb, req)) return deny401(res);
	if (p === '/envs' && req.method === 'GET') {
		const body = JSON.stringify(sb.envVars || {});
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(body);
		return;
	}
	if (p === '/metrics' && req.method === 'GET') {
		const os = require('os');
		const body = JSON.stringify({
			ts: Math.floor(Date.now() / 1000), cpu_count: os.cpus().length, cpu_used_pct: 0,
			mem_total: os.totalmem(), mem_used: os.totalmem() - os.freemem(), mem_cache: 0,
			mem_total_mib: Math.floor(os.totalmem() / 1048576),
			mem_used_mib: Math.floor((os.totalmem() - os.freemem()) / 1048576), disk_used: 0, disk_total: 0,
		});
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(body);
		return;
	}
	const m = /^\/(process\.Process|filesystem\.Filesystem)\/([A-Za-z]+)$/.exec(p);
	if (!m || req.method !== 'POST') return httpJsonError(res, 404, `no handler for ${req.method} ${p}`);
	const method = m[1] + '/' + m[2];
	const body = await ctx.readBody();
	const ctype = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
	const streaming = STREAMS[method];
	if (streaming) {
		if (ctype !== 'application/connect+json') {
			res.writeHead(415, { 'Accept-Post': 'application/connect+json' });
			res.end();
			return;
		}
		let msgs;
		try {
			msgs = parseEnvelopes(body);
		} catch (e) {
			msgs = null;
			const s = new Stream(res, 90, null);
			s.end(e instanceof RpcError ? e : new RpcError('invalid_argument', String(e.message)));
			return;
		}
		const ka = Number(req.headers['keepalive-ping-interval']) || ctx.server.opts.keepalive;
		const tmo = Number(req.headers['connect-timeout-ms']) || 0;
		return streaming(ctx, req, res, msgs, { keepalive: ka, timeoutMs: tmo });
	}
	const unary = UNARY[method];
	if (!unary) return unaryError(res, new RpcError('unimplemented', `${method} is not implemented`));
	if (ctype !== 'application/json') {
		res.writeHead(415, { 'Accept-Post': 'application/json' });
		res.end();
		return;
	}
	try {
		const msg = body.length ? JSON.parse(body.toString('utf8')) : {};
		const user = requestUser(sb, req);
		unaryOk(res, await unary(ctx, msg, user, req));
	} catch (e) {
		unaryError(res, e instanceof SyntaxError ? new RpcError('invalid_argument', e.message) : fsError(e, ''));
	}
}

// ------------------------------------------------------ process service ---

function streamStart(ctx, req, res, msgs, opt) {
	const { sb } = ctx;
	const s = new Stream(res, opt.keepalive, { event: { keepalive: {} } });
	let proc;
	try {
		const user = requestUser(sb, req);
		proc = startProc(sb, user, msgs[0] || {});
	} catch (e) {
		s.end(fsError(e, ''));
		return;
	}
	s.send({ event: { start: { pid: proc.pid } } });
	if (ctx.fault && ctx.fault.mode === 'stall-stream') s.stall();
	proc.subs.add(s);
	s.onClose = () => proc.subs.delete(s);
	if (opt.timeoutMs > 0) {
		const t = setTimeout(() => {
			if (proc.ended) return;
			s.deadlineHit = true;
			try {
				process.kill(-proc.pid, 'SIGKILL');
			} catch (e) {
				try { process.kill(proc.pid, 'SIGKILL'); } catch (e2) { /* gone */ }
			}
			proc.subs.delete(s);
			s.end(new RpcError('deadline_exceeded', 'context deadline exceeded'));
		}, opt.timeoutMs);
		res.on('close', () => clearTimeout(t));
	}
}

function streamConnect(ctx, req, res, msgs, opt) {
	const { sb } = ctx;
	const s = new Stream(res, opt.keepalive, { event: { keepalive: {} } });
	let proc;
	try {
		proc = findProc(sb, pick(msgs[0] || {}, 'process'));
	} catch (e) {
		s.end(e);
		return;
	}
	s.send({ event: { start: { pid: proc.pid } } });
	if (ctx.fault && ctx.fault.mode === 'stall-stream') s.stall();
	if (proc.ended) {
		s.send({ event: { end: proc.ended } });
		s.end();
		return;
	}
	proc.subs.add(s);
	s.onClose = () => proc.subs.delete(s);
	if (opt.timeoutMs > 0) {
		const t = setTimeout(() => {
			proc.subs.delete(s);
			s.end(new RpcError('deadline_exceeded', 'context deadline exceeded'));
		}, opt.timeoutMs);
		res.on('close', () => clearTimeout(t));
	}
}

function writeInput(proc, input) {
	const data = pick(input, 'stdin') ?? pick(input, 'pty');
	if (data === undefined) return;
	if (!proc.child.stdin || !proc.stdinOpen || proc.ended) {
		throw new RpcError('failed_precondition', `stdin of process ${proc.pid} is not open`);
	}
	proc.child.stdin.write(Buffer.from(data, 'base64'));
}

const SIGNALS = { SIGNAL_SIGKILL: 'SIGKILL', SIGNAL_SIGTERM: 'SIGTERM', 9: 'SIGKILL', 15: 'SIGTERM' };

// StreamInput (client streaming): all envelopes arrive in the request body.
async function streamInput(ctx, req, res, msgs) {
	const { sb } = ctx;
	res.writeHead(200, { 'Content-Type': 'application/connect+json' });
	try {
		let proc = null;
		for (const m of msgs) {
			const start = pick(m, 'start');
			const data = pick(m, 'data');
			if (start) proc = findProc(sb, pick(start, 'process'));
			if (data) {
				if (!proc) throw new RpcError('failed_precondition', 'no start message');
				writeInput(proc, pick(data, 'input'));
			}
		}
		res.write(frame({}, 0));
		res.end(frame({}, 2));
	} catch (e) {
		const err = fsError(e, '');
		res.end(frame({ error: { code: err.code, message: err.message } }, 2));
	}
}

// ---------------------------------------------------- filesystem service ---

function listDir(sb, p, depth, out) {
	const names = fs.readdirSync(sb.hostPath(p)).sort();
	for (const n of names) {
		const cp = p === '/' ? '/' + n : p + '/' + n;
		let e;
		try {
			e = entryInfo(sb, cp);
		} catch (err) {
			continue;
		}
		out.push(e);
		if (depth > 1 && e.type === 'FILE_TYPE_DIRECTORY') {
			try {
				listDir(sb, cp, depth - 1, out);
			} catch (err) { /* unreadable */ }
		}
	}
}

function copyRecursive(src, dst) {
	fs.cpSync(src, dst, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

const UNARY = {
	'process.Process/List': (ctx) => {
		const processes = [];
		for (const p of ctx.sb.procs.values()) {
			if (p.ended) continue;
			const info = { config: { cmd: p.config.cmd, args: p.config.args, envs: p.config.envs, cwd: p.config.cwd }, pid: p.pid };
			if (p.tag !== undefined) info.tag = p.tag;
			processes.push(info);
		}
		return { processes };
	},
	'process.Process/SendInput': (ctx, msg) => {
		writeInput(findProc(ctx.sb, pick(msg, 'process')), pick(msg, 'input') || {});
		return {};
	},
	'process.Process/CloseStdin': (ctx, msg) => {
		const proc = findProc(ctx.sb, pick(msg, 'process'));
		if (proc.isPty) throw new RpcError('failed_precondition', 'cannot close stdin of a pty process');
		if (proc.child.stdin && proc.stdinOpen) proc.child.stdin.end();
		proc.stdinOpen = false;
		return {};
	},
	'process.Process/SendSignal': (ctx, msg) => {
		const proc = findProc(ctx.sb, pick(msg, 'process'));
		const sig = SIGNALS[pick(msg, 'signal')];
		if (!sig) throw new RpcError('invalid_argument', `invalid signal: ${pick(msg, 'signal')}`);
		if (proc.ended) throw new RpcError('not_found', `process with pid ${proc.pid} not found`);
		try {
			process.kill(proc.pid, sig);
		} catch (e) {
			throw new RpcError('internal', `error sending signal: ${e.message}`);
		}
		return {};
	},
	'process.Process/Update': (ctx, msg) => {
		const proc = findProc(ctx.sb, pick(msg, 'process'));
		if (pick(msg, 'pty') && !proc.isPty) throw new RpcError('failed_precondition', 'process is not a pty');
		return {};
	},
	'filesystem.Filesystem/Stat': (ctx, msg, user) => {
		const p = ctx.sb.resolvePath(pick(msg, 'path'), user);
		if (!lstatOrNull(ctx.sb.hostPath(p))) throw new RpcError('not_found', `file not found: ${p}`);
		return { entry: entryInfo(ctx.sb, p) };
	},
	'filesystem.Filesystem/MakeDir': (ctx, msg, user) => {
		const p = ctx.sb.resolvePath(pick(msg, 'path'), user);
		const st = statOrNull(ctx.sb.hostPath(p));
		if (st && st.isDirectory()) throw new RpcError('already_exists', `directory already exists: ${p}`);
		if (st) throw new RpcError('invalid_argument', `path already exists but it is not a directory: ${p}`);
		mkdirs(ctx.sb, p, user);
		return { entry: entryInfo(ctx.sb, p) };
	},
	'filesystem.Filesystem/Move': (ctx, msg, user) => {
		const src = ctx.sb.resolvePath(pick(msg, 'source'), user);
		const dst = ctx.sb.resolvePath(pick(msg, 'destination'), user);
		const hs = ctx.sb.hostPath(src);
		const hd = ctx.sb.hostPath(dst);
		if (!lstatOrNull(hs)) throw new RpcError('not_found', `source file not found: ${src}`);
		mkdirs(ctx.sb, path.posix.dirname(dst), user);
		try {
			fs.renameSync(hs, hd);
		} catch (e) {
			if (e.code !== 'EXDEV') throw fsError(e, src);
			copyRecursive(hs, hd);
			fs.rmSync(hs, { recursive: true, force: true });
		}
		return { entry: entryInfo(ctx.sb, dst) };
	},
	'filesystem.Filesystem/ListDir': (ctx, msg, user) => {
		const p = ctx.sb.resolvePath(pick(msg, 'path'), user);
		const depth = Math.max(1, Number(pick(msg, 'depth') || 1));
		const st = statOrNull(ctx.sb.hostPath(p));
		if (!st) throw new RpcError('not_found', `directory not found: ${p}`);
		if (!st.isDirectory()) throw new RpcError('invalid_argument', `path is not a directory: ${p}`);
		const entries = [];
		listDir(ctx.sb, p, depth, entries);
		return { entries };
	},
	'filesystem.Filesystem/Remove': (ctx, msg, user) => {
		const p = ctx.sb.resolvePath(pick(msg, 'path'), user);
		const hp = ctx.sb.hostPath(p);
		if (!lstatOrNull(hp)) throw new RpcError('not_found', `file not found: ${p}`);
		fs.rmSync(hp, { recursive: true, force: true });
		return {};
	},
	'filesystem.Filesystem/CreateWatcher': (ctx, msg, user) => {
		const w = makeWatcher(ctx.sb, msg, user, null);
		return { watcherId: w.id };
	},
	'filesystem.Filesystem/GetWatcherEvents': (ctx, msg) => {
		const w = ctx.sb.watchers.get(pick(msg, 'watcherId', 'watcher_id'));
		if (!w) throw new RpcError('not_found', `watcher with id ${pick(msg, 'watcherId', 'watcher_id')} not found`);
		const events = w.buffer;
		w.buffer = [];
		return { events };
	},
	'filesystem.Filesystem/RemoveWatcher': (ctx, msg) => {
		const id = pick(msg, 'watcherId', 'watcher_id');
		const w = ctx.sb.watchers.get(id);
		if (!w) throw new RpcError('not_found', `watcher with id ${id} not found`);
		w.close();
		return {};
	},
};

// makeWatcher: an inotify watch (fs.watch) on a directory; events go to
// onEvent, or into a buffer for GetWatcherEvents.
function makeWatcher(sb, msg, user, onEvent) {
	const p = sb.resolvePath(pick(msg, 'path'), user);
	const hp = sb.hostPath(p);
	const st = statOrNull(hp);
	if (!st) throw new RpcError('not_found', `path ${p} not found`);
	if (!st.isDirectory()) throw new RpcError('invalid_argument', `path ${p} not a directory`);
	const recursive = !!pick(msg, 'recursive');
	const includeEntry = !!pick(msg, 'includeEntry', 'include_entry');
	const w = { id: crypto.randomUUID(), buffer: [], watcher: null };
	w.watcher = fs.watch(hp, { recursive }, (kind, filename) => {
		if (!filename) return;
		const full = path.posix.join(p, filename);
		let type = 'EVENT_TYPE_WRITE';
		let exists = false;
		try {
			fs.lstatSync(path.join(hp, filename));
			exists = true;
		} catch (e) { /* removed */ }
		if (kind === 'rename') type = exists ? 'EVENT_TYPE_CREATE' : 'EVENT_TYPE_REMOVE';
		const ev = { name: filename, type };
		if (includeEntry && exists) {
			try {
				ev.entry = entryInfo(sb, full);
			} catch (e) { /* gone meanwhile */ }
		}
		if (onEvent) onEvent(ev);
		else w.buffer.push(ev);
	});
	w.watcher.on('error', () => {});
	w.close = () => {
		try {
			w.watcher.close();
		} catch (e) { /* closed */ }
		sb.watchers.delete(w.id);
	};
	sb.watchers.set(w.id, w);
	return w;
}

function streamWatch(ctx, req, res, msgs, opt) {
	const s = new Stream(res, opt.keepalive, { keepalive: {} });
	let w;
	try {
		const user = requestUser(ctx.sb, req);
		w = makeWatcher(ctx.sb, msgs[0] || {}, user, (ev) => s.send({ filesystem: ev }));
	} catch (e) {
		s.end(fsError(e, ''));
		return;
	}
	s.send({ start: {} });
	if (ctx.fault && ctx.fault.mode === 'stall-stream') s.stall();
	s.onClose = () => w.close();
	if (opt.timeoutMs > 0) {
		const t = setTimeout(() => {
			w.close();
			s.end(new RpcError('deadline_exceeded', 'context deadline exceeded'));
		}, opt.timeoutMs);
		res.on('close', () => clearTimeout(t));
	}
}

const STREAMS = {
	'process.Process/Start': streamStart,
	'process.Process/Connect': streamConnect,
	'process.Process/StreamInput': streamInput,
	'filesystem.Filesystem/WatchDir': streamWatch,
};

// ----------------------------------------------------------------- /files ---

function filesUser(ctx, url) {
	const name = url.searchParams.get('username') || 'user';
	return ctx.sb.resolveUser(name);
}

const MIME = {
	'.txt': 'text/plain; charset=utf-8', '.json': 'application/json', '.html': 'text/html; charset=utf-8',
	'.py': 'text/x-python; charset=utf-8', '.png': 'image/png', '.jpg': 'image/jpeg', '.csv': 'text/csv; charset=utf-8',
};

function acceptsGzip(h) {
	if (!h) return false;
	return h.split(',').some((part) => {
		const [name, ...params] = part.trim().split(';');
		if (name.trim().toLowerCase() !== 'gzip') return false;
		const q = params.find((x) => x.trim().startsWith('q='));
		return !q || Number(q.trim().slice(2)) > 0;
	});
}

function filesGet(ctx, req, res, url) {
	const { sb } = ctx;
	const user = filesUser(ctx, url);
	if (!user) return httpJsonError(res, 401, `invalid username: '${url.searchParams.get('username')}'`);
	const p = sb.resolvePath(url.searchParams.get('path'), user);
	const hp = sb.hostPath(p);
	const st = statOrNull(hp);
	if (!st) return httpJsonError(res, 404, `path '${p}' does not exist`);
	if (st.isDirectory()) return httpJsonError(res, 400, `path '${p}' is a directory`);
	const headers = {
		'Content-Type': MIME[path.extname(p).toLowerCase()] || 'application/octet-stream',
		'Content-Disposition': `inline; filename="${path.posix.basename(p)}"`,
		'Last-Modified': st.mtime.toUTCString(),
		'Accept-Ranges': 'bytes',
		Vary: 'Accept-Encoding',
	};
	const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
	if (range && (range[1] !== '' || range[2] !== '')) {
		let start;
		let end;
		if (range[1] === '') {
			start = Math.max(0, st.size - Number(range[2]));
			end = st.size - 1;
		} else {
			start = Number(range[1]);
			end = range[2] === '' ? st.size - 1 : Math.min(Number(range[2]), st.size - 1);
		}
		if (start >= st.size || start > end) {
			res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
			res.end();
			return;
		}
		headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
		headers['Content-Length'] = end - start + 1;
		res.writeHead(206, headers);
		fs.createReadStream(hp, { start, end }).pipe(res);
		return;
	}
	const rs = fs.createReadStream(hp);
	rs.on('error', () => res.destroy());
	if (st.size > 0 && acceptsGzip(req.headers['accept-encoding'])) {
		headers['Content-Encoding'] = 'gzip';
		res.writeHead(200, headers);
		rs.pipe(zlib.createGzip()).pipe(res);
		return;
	}
	headers['Content-Length'] = st.size;
	res.writeHead(200, headers);
	rs.pipe(res);
}

// parseMultipart: the parts of a multipart/form-data body.
function parseMultipart(buf, boundary) {
	const parts = [];
	const delim = Buffer.from('--' + boundary);
	let pos = buf.indexOf(delim);
	if (pos < 0) throw new Error('no multipart boundary in the body');
	for (;;) {
		pos += delim.length;
		if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) break; // closing "--"
		if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
		const headEnd = buf.indexOf('\r\n\r\n', pos);
		if (headEnd < 0) throw new Error('truncated multipart headers');
		const head = buf.subarray(pos, headEnd).toString('utf8');
		const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
		if (next < 0) throw new Error('truncated multipart body');
		const headers = {};
		for (const line of head.split('\r\n')) {
			const i = line.indexOf(':');
			if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
		const cd = headers['content-disposition'] || '';
		const name = /\bname="((?:[^"\\]|\\.)*)"/i.exec(cd);
		const filename = /\bfilename="((?:[^"\\]|\\.)*)"/i.exec(cd);
		parts.push({
			name: name ? name[1] : '',
			filename: filename ? filename[1].replace(/\\(.)/g, '$1') : null,
			data: buf.subarray(headEnd + 4, next),
		});
		pos = next + 2;
	}
	return parts;
}

function writeFileAs(sb, p, data, user) {
	const hp = sb.hostPath(p);
	const st = statOrNull(hp);
	if (st && st.isDirectory()) throw Object.assign(new Error(`path '${p}' is a directory`), { status: 400 });
	mkdirs(sb, path.posix.dirname(p), user);
	fs.writeFileSync(hp, data);
	if (!st) fs.chownSync(hp, user.uid, user.gid);
	return { path: p, name: path.posix.basename(p), type: 'file' };
}

async function filesPost(ctx, req, res, url) {
	const { sb } = ctx;
	const user = filesUser(ctx, url);
	if (!user) return httpJsonError(res, 401, `invalid username: '${url.searchParams.get('username')}'`);
	let body = await ctx.readBody();
	try {
		const enc = (req.headers['content-encoding'] || '').toLowerCase();
		if (enc === 'gzip') body = zlib.gunzipSync(body);
		else if (enc && enc !== 'identity') return httpJsonError(res, 400, `unsupported content encoding: ${enc}`);
		const ctype = req.headers['content-type'] || '';
		const qpath = url.searchParams.get('path');
		const out = [];
		if (/^multipart\/form-data/i.test(ctype)) {
			const b = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ctype);
			if (!b) return httpJsonError(res, 400, 'missing multipart boundary');
			const parts = parseMultipart(body, (b[1] || b[2]).trim()).filter((x) => x.name === 'file');
			const seen = new Set();
			for (const part of parts) {
				const target = qpath || part.filename;
				if (!target) return httpJsonError(res, 400, 'no path for a file part');
				const p = sb.resolvePath(target, user);
				if (seen.has(p)) return httpJsonError(res, 400, `cannot upload the same path twice: ${p}`);
				seen.add(p);
				out.push(writeFileAs(sb, p, part.data, user));
			}
		} else if (/^application\/octet-stream/i.test(ctype) || ctype === '') {
			if (!qpath) return httpJsonError(res, 400, 'path is required for application/octet-stream uploads');
			out.push(writeFileAs(sb, sb.resolvePath(qpath, user), body, user));
		} else {
			return httpJsonError(res, 400, `unsupported content type: ${ctype}`);
		}
		const resp = JSON.stringify(out);
		res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(resp) });
		res.end(resp);
	} catch (e) {
		if (e.status) return httpJsonError(res, e.status, e.message);
		if (e.code === 'ENOSPC') return httpJsonError(res, 507, 'not enough disk space available');
		if (e instanceof RpcError) return httpJsonError(res, 400, e.message);
		return httpJsonError(res, 500, String(e.message || e));
	}
}

module.exports = { handleEnvd };
