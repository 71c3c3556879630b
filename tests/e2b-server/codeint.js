// codeint.js - the code interpreter on port 49999: POST /execute (NDJSON
// stream) and /contexts, each context one python3 running repl.py inside the
// sandbox's namespace.
'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const REPL_SRC = fs.readFileSync(path.join(__dirname, 'repl.py'), 'utf8');
const KEEPALIVE_MS = 5000;

// pyjson: JSON the way Python's json.dumps writes it (", " and ": ",
// non-ASCII as \uXXXX), so node-made lines look like the driver's.
function pyjson(v) {
	if (v === null || v === undefined) return 'null';
	if (typeof v === 'string') {
		return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
	}
	if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
	if (Array.isArray(v)) return '[' + v.map(pyjson).join(', ') + ']';
	return '{' + Object.keys(v).map((k) => pyjson(k) + ': ' + pyjson(v[k])).join(', ') + '}';
}

function nowIso() {
	return new Date().toISOString().replace('Z', '000Z');
}

class Context {
	constructor(sb, id, language, cwd) {
		this.sb = sb;
		this.id = id;
		this.language = language;
		this.cwd = cwd;
		this.proc = null;
		this.queue = Promise.resolve();
		this.current = null; // {onLine(line), onDone()}
	}

	toJSON() {
		return { id: this.id, language: this.language, cwd: this.cwd };
	}

	start() {
		const user = this.sb.resolveUser(this.sb.server.opts.interpreterUser);
		const env = { ...this.sb.baseEnv(user), MPLBACKEND: 'Agg', PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
		const p = this.sb.spawnIn(user, ['python3', '-u', '-c', REPL_SRC], {
			cwd: this.cwd, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
		});
		this.proc = p;
		let buf = '';
		p.stdio[3].on('data', (b) => {
			if (this.proc !== p) return;
			buf += b.toString('utf8');
			let i;
			while ((i = buf.indexOf('\n')) >= 0) {
				const line = buf.slice(0, i);
				buf = buf.slice(i + 1);
				const cur = this.current;
				if (!cur) continue;
				if (line === '{"type": "__done__"}') cur.onDone();
				else cur.onLine(line);
			}
		});
		const raw = (kind) => (b) => {
			if (this.proc === p && this.current) this.current.onLine(pyjson({ type: kind, text: b.toString('utf8'), timestamp: nowIso() }));
		};
		p.stdout.on('data', raw('stdout'));
		p.stderr.on('data', raw('stderr'));
		p.stdin.on('error', () => {});
		p.on('exit', () => {
			if (this.proc !== p) return; // killed on purpose; kill() reported it
			this.proc = null;
			this.failCurrent();
		});
	}

	// failCurrent: the interpreter died under a running cell.
	failCurrent() {
		const cur = this.current;
		if (!cur) return;
		cur.onLine(pyjson({
			type: 'error', name: 'UnexpectedEndOfExecution',
			value: 'Connection to the execution was closed before the execution was finished', traceback: '',
		}));
		cur.onDone();
	}

	kill() {
		const p = this.proc;
		this.proc = null;
		if (p) {
			try {
				process.kill(-p.pid, 'SIGKILL');
			} catch (e) { /* gone */ }
		}
		this.failCurrent();
	}

	restart() {
		this.kill();
		this.start();
	}

	// execute: run code; lines go to onLine; resolves when the cell is done.
	execute(code, envVars, onLine, isGone) {
		const run = () => new Promise((resolve) => {
			if (isGone()) return resolve();
			if (!this.proc) this.start();
			let settled = false;
			this.current = {
				onLine,
				onDone: () => {
					if (settled) return;
					settled = true;
					// OS-level output already in the pipes comes first.
					setTimeout(() => {
						this.current = null;
						resolve();
					}, 30);
				},
			};
			this.proc.stdin.write(JSON.stringify({ code, env_vars: envVars || {} }) + '\n');
		});
		this.queue = this.queue.then(run, run);
		return this.queue;
	}

	interrupt() {
		if (this.proc && this.current) {
			try {
				process.kill(this.proc.pid, 'SIGINT');
			} catch (e) { /* gone */ }
		}
	}
}

function text(res, status, body) {
	res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

function json(res, status, obj) {
	const body = JSON.stringify(obj);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

function normLanguage(l) {
	l = String(l || 'python').toLowerCase();
	if (l === 'py' || l === 'python3') return 'python';
	return l;
}

function defaultContext(sb) {
	let c = sb.contexts.get(sb.defaultContextId);
	if (!c) {
		sb.defaultContextId = crypto.randomUUID();
		c = new Context(sb, sb.defaultContextId, 'python', '/home/user');
		sb.contexts.set(c.id, c);
	}
	return c;
}

async function handleCodeInterpreter(ctx, req, res, url) {
	const { sb } = ctx;
	const p = url.pathname;
	if (p === '/health' && req.method === 'GET') return json(res, 200, 'OK');
	if (p === '/contexts' && req.method === 'GET') {
		defaultContext(sb);
		return json(res, 200, [...sb.contexts.values()].map((c) => c.toJSON()));
	}
	if (p === '/contexts' && req.method === 'POST') {
		const body = await ctx.readJson();
		if (body === undefined) return text(res, 400, 'invalid JSON body');
		const language = normLanguage(body.language);
		if (language !== 'python') return text(res, 400, `Language ${language} is not supported by this emulator (python only)`);
		const cwd = body.cwd || '/home/user';
		const c = new Context(sb, crypto.randomUUID(), language, cwd);
		sb.contexts.set(c.id, c);
		try {
			c.start();
		} catch (e) {
			sb.contexts.delete(c.id);
			return text(res, 500, String(e.message));
		}
		return json(res, 200, c.toJSON());
	}
	let m = /^\/contexts\/([^/]+)\/restart$/.exec(p);
	if (m && req.method === 'POST') {
		const c = sb.contexts.get(decodeURIComponent(m[1]));
		if (!c) return text(res, 404, `Context ${m[1]} not found`);
		c.restart();
		return json(res, 200, null);
	}
	m = /^\/contexts\/([^/]+)$/.exec(p);
	if (m && req.method === 'DELETE') {
		const c = sb.contexts.get(decodeURIComponent(m[1]));
		if (!c) return text(res, 404, `Context ${m[1]} not found`);
		c.kill();
		sb.contexts.delete(c.id);
		if (sb.defaultContextId === c.id) sb.defaultContextId = null;
		return json(res, 200, null);
	}
	if (p === '/execute' && req.method === 'POST') {
		const body = await ctx.readJson();
		if (body === undefined || typeof body.code !== 'string') return text(res, 422, 'code is required');
		if (body.context_id && body.language) return text(res, 400, 'Only one of context_id or language can be provided');
		let c;
		if (body.context_id) {
			c = sb.contexts.get(body.context_id);
			if (!c) return text(res, 404, `Context ${body.context_id} not found`);
		} else {
			const language = normLanguage(body.language);
			if (language !== 'python') return text(res, 400, `Language ${language} is not supported by this emulator (python only)`);
			c = defaultContext(sb);
		}
		res.writeHead(200, { 'Content-Type': 'application/json' });
		let closed = false;
		let stalled = false;
		let ka = null;
		const arm = () => {
			clearTimeout(ka);
			ka = setTimeout(() => {
				if (!closed && !stalled) res.write('{"type": "keepalive"}\n');
				arm();
			}, KEEPALIVE_MS);
		};
		arm();
		let done = false;
		res.on('close', () => {
			closed = true;
			clearTimeout(ka);
			if (!done) c.interrupt();
		});
		const stallAfterFirst = ctx.fault && ctx.fault.mode === 'stall-stream';
		await c.execute(body.code, body.env_vars, (line) => {
			if (closed || stalled) return;
			res.write(line + '\n');
			arm();
			if (stallAfterFirst) stalled = true;
		}, () => closed);
		done = true;
		clearTimeout(ka);
		if (closed || stalled) return;
		res.end('{"type": "end_of_execution"}\n');
		return;
	}
	return text(res, 404, 'Not Found');
}

module.exports = { handleCodeInterpreter, pyjson };
