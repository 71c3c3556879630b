#!/usr/bin/env node
// server.js - a local E2B-compatible server for tests and offline work:
// the control-plane REST API, envd (Connect+JSON, /files) and the code
// interpreter (/execute, /contexts) on one loopback port.  Each sandbox is a
// private mount namespace with local processes.  See README.md.
'use strict';

const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { Sandbox, pickUserUid } = require('./sandbox');
const { handleEnvd } = require('./envd');
const { handleCodeInterpreter } = require('./codeint');

const ENVD_PORT = 49983;
const CI_PORT = 49999;
const ENVD_VERSION = '0.6.13';
const DEBUG_ID = 'debug_sandbox_id';

function usage(code) {
	process.stderr.write(`usage: server.js --port PORT [options]
  --port N            listen on 127.0.0.1:N (0 = pick one; the port is printed)
  --state-dir DIR     sandbox homes and files (default: a new temp directory)
  --api-key KEY       the only accepted X-API-Key (default: any non-empty key)
  --domain D          the sandbox domain for host routing <port>-<id>.D (default localhost:PORT)
  --max-timeout S     longest sandbox timeout in seconds (default 3600)
  --interpreter-user U  user running code-interpreter kernels: root|user (default root)
  --keepalive S       default envd keepalive interval when the client sends none (default 90)
  --debug-ports       also serve E2B_DEBUG=true clients: API on 3000, envd on 49983 and the
                      code interpreter on 49999, all for sandbox "${DEBUG_ID}"
  --quiet             no request log on stderr
`);
	process.exit(code);
}

function parseArgs(argv) {
	const o = {
		port: null, stateDir: null, apiKey: null, domain: null, maxTimeout: 3600,
		interpreterUser: 'root', keepalive: 90, debugPorts: false, quiet: false,
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) usage(2);
			return argv[++i];
		};
		if (a === '--port') o.port = Number(val());
		else if (a === '--state-dir') o.stateDir = val();
		else if (a === '--api-key') o.apiKey = val();
		else if (a === '--domain') o.domain = val();
		else if (a === '--max-timeout') o.maxTimeout = Number(val());
		else if (a === '--interpreter-user') o.interpreterUser = val();
		else if (a === '--keepalive') o.keepalive = Number(val());
		else if (a === '--debug-ports') o.debugPorts = true;
		else if (a === '--quiet') o.quiet = true;
		else if (a === '-h' || a === '--help') usage(0);
		else {
			process.stderr.write(`server.js: unknown argument ${a}\n`);
			usage(2);
		}
	}
	if (o.port === null || !Number.isInteger(o.port)) usage(2);
	if (!['root', 'user'].includes(o.interpreterUser)) usage(2);
	return o;
}

function readDb(file) {
	const m = new Map();
	try {
		for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
			const f = l.split(':');
			if (f.length >= 3) m.set(Number(f[2]), f[0]);
		}
	} catch (e) { /* none */ }
	return m;
}

function newId() {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = crypto.randomBytes(20);
	let s = 'i';
	for (const b of bytes) s += alphabet[b % alphabet.length];
	return s;
}

function rfc3339(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sendJson(res, status, obj, headers) {
	const body = JSON.stringify(obj);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(headers || {}) });
	res.end(body);
}

function apiError(res, status, message, headers) {
	sendJson(res, status, { code: status, message }, headers);
}

function notFoundMsg(id) {
	return `Sandbox "${id}" doesn't exist or you don't have access to it`;
}

// parseMetadataFilter: the SDK's metadata query: "k=v&k2=v2" with each key and
// value URL-encoded once more (the whole string arrives URL-encoded too).
function parseMetadataFilter(s) {
	const out = [];
	if (!s) return out;
	for (const [k, v] of new URLSearchParams(s)) {
		let kk = k;
		let vv = v;
		try {
			kk = decodeURIComponent(k);
			vv = decodeURIComponent(v);
		} catch (e) { /* leave as is */ }
		out.push([kk, vv]);
	}
	return out;
}

class Server {
	constructor(opts) {
		this.opts = opts;
		this.sandboxes = new Map();
		this.gone = new Map(); // id -> when it ended (answers 404/502 afterwards)
		this.faults = [];
		this.log = [];
		this.hostUsers = readDb('/etc/passwd');
		this.hostGroups = readDb('/etc/group');
		const uid = pickUserUid();
		this.users = {
			root: { name: 'root', uid: 0, gid: 0, home: '/root' },
			user: { name: 'user', uid, gid: uid, home: '/home/user' },
		};
		this.ownStateDir = !opts.stateDir;
		this.stateDir = opts.stateDir || fs.mkdtempSync(path.join(os.tmpdir(), 'e2b-server.'));
		fs.mkdirSync(this.stateDir, { recursive: true });
	}

	// ------------------------------------------------------------ routing ---

	async handle(req, res, listener) {
		const started = Date.now();
		const url = new URL(req.url, 'http://localhost');
		let bodyPromise = null;
		const ctx = {
			server: this,
			readBody: () => {
				if (!bodyPromise) {
					bodyPromise = new Promise((resolve, reject) => {
						const chunks = [];
						req.on('data', (c) => chunks.push(c));
						req.on('end', () => resolve(Buffer.concat(chunks)));
						req.on('error', reject);
					});
				}
				return bodyPromise;
			},
			readJson: async () => {
				const b = await ctx.readBody();
				if (!b.length) return {};
				try {
					return JSON.parse(b.toString('utf8'));
				} catch (e) {
					return undefined;
				}
			},
		};
		const entry = {
			t: started, method: req.method, path: url.pathname, query: url.search, host: req.headers.host || '',
			sandboxId: null, port: null, status: 0, fault: null,
			headers: {
				'e2b-sandbox-id': req.headers['e2b-sandbox-id'], 'e2b-sandbox-port': req.headers['e2b-sandbox-port'],
				'connect-timeout-ms': req.headers['connect-timeout-ms'], 'keepalive-ping-interval': req.headers['keepalive-ping-interval'],
				'content-type': req.headers['content-type'], 'user-agent': req.headers['user-agent'],
				'x-api-key': req.headers['x-api-key'] !== undefined ? '<redacted>' : undefined,
				'x-access-token': req.headers['x-access-token'] !== undefined ? '<redacted>' : undefined,
				authorization: req.headers.authorization !== undefined ? '<redacted>' : undefined,
			},
		};
		res.on('finish', () => { entry.status = res.statusCode; });
		res.on('close', () => {
			entry.status = entry.status || res.statusCode;
			entry.ms = Date.now() - started;
			if (!this.opts.quiet) {
				process.stderr.write(`${new Date(started).toISOString()} ${req.method} ${url.pathname}${entry.sandboxId ? ' [' + entry.sandboxId + ':' + entry.port + ']' : ''} -> ${entry.status}${entry.fault ? ' (fault ' + entry.fault + ')' : ''} ${entry.ms}ms\n`);
			}
		});

		if (url.pathname.startsWith('/__e2b/') && !listener.fixed) {
			return this.control(ctx, req, res, url);
		}
		this.log.push(entry);
		if (this.log.length > 5000) this.log.splice(0, 1000);

		// Routing: the host name <port>-<id>.<domain>, else the routing headers,
		// else the control plane.  The fixed debug listeners pin one target.
		let sid = null;
		let port = null;
		if (listener.fixed) {
			if (listener.fixed !== 'api') {
				sid = DEBUG_ID;
				port = listener.fixed;
			}
		} else {
			const host = (req.headers.host || '').split(':')[0];
			const hm = /^(\d+)-([a-z0-9_]+)\./.exec(host);
			const hid = req.headers['e2b-sandbox-id'];
			const hport = req.headers['e2b-sandbox-port'];
			if (hm) {
				port = Number(hm[1]);
				sid = hm[2];
			} else if (hid !== undefined || hport !== undefined) {
				if (hid === undefined) return apiError(res, 400, 'Missing header: E2b-Sandbox-Id');
				if (hport === undefined) return apiError(res, 400, 'Missing header: E2b-Sandbox-Port');
				sid = hid;
				port = Number(hport);
				if (!Number.isInteger(port) || port <= 0 || port > 65535) return apiError(res, 400, 'invalid sandbox port');
			}
		}
		entry.sandboxId = sid;
		entry.port = port;

		const fault = this.takeFault(req, url, sid);
		if (fault) {
			entry.fault = fault.mode === 'status' ? String(fault.status) : fault.mode;
			if (fault.mode === 'status') {
				const headers = {};
				if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
				return apiError(res, fault.status, fault.message || http.STATUS_CODES[fault.status] || 'injected fault', headers);
			}
			if (fault.mode === 'reset') {
				req.socket.destroy();
				return;
			}
			if (fault.mode === 'stall') {
				return; // never answer; the client's own timeout must fire
			}
			if (fault.mode === 'delay') {
				await new Promise((r) => setTimeout(r, (fault.seconds || 1) * 1000));
			}
			ctx.fault = fault; // 'stall-stream' is applied by the stream handlers
		}

		try {
			if (sid === null) return await this.api(ctx, req, res, url);
			return await this.dataPlane(ctx, req, res, url, sid, port);
		} catch (e) {
			process.stderr.write(`error handling ${req.method} ${url.pathname}: ${e.stack || e}\n`);
			if (!res.headersSent) {
				if (e.gone) return this.sandboxGone(res, sid);
				return apiError(res, 500, String(e.message || e));
			}
			res.destroy();
		}
	}

	takeFault(req, url, sid) {
		for (let i = 0; i < this.faults.length; i++) {
			const f = this.faults[i];
			if (f.method && f.method !== req.method) continue;
			if (f.sandbox && f.sandbox !== sid) continue;
			if (f.path) {
				const ok = f.path.endsWith('*') ? url.pathname.startsWith(f.path.slice(0, -1)) : url.pathname === f.path;
				if (!ok) continue;
			}
			if (f.skip > 0) {
				f.skip--;
				continue;
			}
			f.count--;
			if (f.count <= 0) this.faults.splice(i, 1);
			return f;
		}
		return null;
	}

	// ------------------------------------------------------ control (tests) ---

	async control(ctx, req, res, url) {
		const p = url.pathname;
		if (p === '/__e2b/fault' && req.method === 'POST') {
			const body = await ctx.readJson();
			if (!body || typeof body !== 'object') return apiError(res, 400, 'JSON body required');
			const f = {
				path: body.path || null, method: body.method || null, sandbox: body.sandbox || null,
				count: body.count === undefined ? 1 : Number(body.count), skip: Number(body.skip || 0),
				mode: body.mode || 'status', status: Number(body.status || 503),
				retryAfter: body.retryAfter, message: body.message, seconds: body.seconds,
			};
			if (!['status', 'reset', 'stall', 'stall-stream', 'delay'].includes(f.mode)) return apiError(res, 400, `unknown mode ${f.mode}`);
			this.faults.push(f);
			return sendJson(res, 200, f);
		}
		if (p === '/__e2b/fault' && req.method === 'DELETE') {
			this.faults = [];
			return sendJson(res, 200, {});
		}
		if (p === '/__e2b/faults' && req.method === 'GET') return sendJson(res, 200, this.faults);
		if (p === '/__e2b/requests' && req.method === 'GET') return sendJson(res, 200, this.log);
		if (p === '/__e2b/requests' && req.method === 'DELETE') {
			this.log = [];
			return sendJson(res, 200, {});
		}
		if (p === '/__e2b/sandboxes' && req.method === 'GET') {
			return sendJson(res, 200, [...this.sandboxes.values()].map((sb) => ({
				sandboxID: sb.sandboxID, state: sb.state, holderPid: sb.holder ? sb.holder.pid : null,
				dir: sb.dir, endAt: rfc3339(sb.endAt), pids: sb.nsPids(),
			})));
		}
		return apiError(res, 404, `no control endpoint ${req.method} ${p}`);
	}

	// ------------------------------------------------------- control plane ---

	checkKey(req, res) {
		const key = req.headers['x-api-key'];
		if (key && (!this.opts.apiKey || key === this.opts.apiKey)) return true;
		apiError(res, 401, 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.');
		return false;
	}

	sandboxJson(sb) {
		return {
			sandboxID: sb.sandboxID,
			templateID: sb.templateID,
			alias: sb.alias,
			clientID: sb.clientID,
			envdVersion: ENVD_VERSION,
			envdAccessToken: sb.accessToken || undefined,
			trafficAccessToken: sb.trafficToken || null,
			domain: null,
		};
	}

	listedJson(sb) {
		return {
			templateID: sb.templateID,
			alias: sb.alias,
			sandboxID: sb.sandboxID,
			clientID: sb.clientID,
			startedAt: rfc3339(sb.startedAt),
			endAt: rfc3339(sb.endAt),
			cpuCount: 2,
			memoryMB: 512,
			diskSizeMB: 1024,
			metadata: sb.metadata,
			state: sb.state,
			envdVersion: ENVD_VERSION,
			volumeMounts: [],
		};
	}

	detailJson(sb) {
		return {
			...this.listedJson(sb),
			envdAccessToken: sb.accessToken || undefined,
			allowInternetAccess: sb.allowInternetAccess,
			domain: null,
			lifecycle: { autoResume: !!sb.autoResume, onTimeout: sb.autoPause ? 'pause' : 'kill' },
		};
	}

	validTimeout(res, t) {
		if (!Number.isFinite(t) || t <= 0) {
			apiError(res, 400, 'Timeout must be greater than 0');
			return false;
		}
		if (t > this.opts.maxTimeout) {
			const hours = this.opts.maxTimeout / 3600;
			apiError(res, 400, `Timeout cannot be greater than ${Number.isInteger(hours) ? hours : hours.toFixed(2)} hours`);
			return false;
		}
		return true;
	}

	schedule(sb) {
		clearTimeout(sb.timer);
		if (sb.state !== 'running') return;
		const ms = Math.max(0, sb.endAt - Date.now());
		sb.timer = setTimeout(() => this.expire(sb), Math.min(ms, 2 ** 31 - 1));
	}

	expire(sb) {
		if (sb.dead) return;
		if (Date.now() < sb.endAt - 5) return this.schedule(sb);
		if (sb.autoPause) {
			sb.pause();
			return;
		}
		this.killSandbox(sb);
	}

	killSandbox(sb) {
		this.sandboxes.delete(sb.sandboxID);
		this.gone.set(sb.sandboxID, Date.now());
		sb.destroy();
	}

	async createSandbox(body, v2, fixedId) {
		const templateID = body.templateID;
		const id = fixedId || newId();
		const timeout = body.timeout === undefined || body.timeout === null ? (v2 ? 300 : 15) : Number(body.timeout);
		const secure = v2 ? true : !!body.secure;
		const network = body.network || {};
		const now = Date.now();
		const dir = path.join(this.stateDir, `${id}-${crypto.randomBytes(3).toString('hex')}`);
		const sb = new Sandbox(this, {
			sandboxID: id,
			templateID,
			alias: templateID,
			clientID: crypto.randomBytes(4).toString('hex'),
			metadata: body.metadata && typeof body.metadata === 'object' ? body.metadata : {},
			envVars: body.envVars && typeof body.envVars === 'object' ? body.envVars : {},
			startedAt: now,
			endAt: now + timeout * 1000,
			state: 'running',
			accessToken: secure ? crypto.randomBytes(16).toString('hex') : null,
			trafficToken: network.allowPublicTraffic === false ? crypto.randomBytes(16).toString('hex') : null,
			allowInternetAccess: body.allow_internet_access === undefined ? null : body.allow_internet_access,
			autoPause: !!body.autoPause,
			autoResume: !!(body.autoResume && body.autoResume.enabled),
			dir,
		});
		await sb.start();
		this.sandboxes.set(id, sb);
		this.schedule(sb);
		return sb;
	}

	async api(ctx, req, res, url) {
		const p = url.pathname;
		const method = req.method;
		if (p === '/health' && method === 'GET') {
			res.writeHead(200, { 'Content-Type': 'text/plain' });
			res.end('Health check successful');
			return;
		}
		if (!this.checkKey(req, res)) return;

		if ((p === '/v2/sandboxes' || p === '/sandboxes') && method === 'POST') {
			const body = await ctx.readJson();
			if (!body || typeof body !== 'object') return apiError(res, 400, 'Invalid request body');
			if (!body.templateID || typeof body.templateID !== 'string') return apiError(res, 400, 'Invalid request body: templateID is required');
			const v2 = p === '/v2/sandboxes';
			if (body.timeout !== undefined && !this.validTimeout(res, Number(body.timeout))) return;
			let sb;
			try {
				sb = await this.createSandbox(body, v2);
			} catch (e) {
				return sendJson(res, 500, { code: 500, message: `Failed to create sandbox: ${e.message}`, error_code: 'sandbox_create_failed' });
			}
			return sendJson(res, 201, this.sandboxJson(sb));
		}

		if ((p === '/v2/sandboxes' || p === '/sandboxes') && method === 'GET') {
			const v2 = p === '/v2/sandboxes';
			const q = url.searchParams;
			const meta = parseMetadataFilter(q.get('metadata'));
			let states = ['running', 'paused'];
			if (!v2) states = ['running'];
			if (v2 && q.get('state')) states = q.get('state').split(',').map((s) => s.trim()).filter(Boolean);
			for (const s of states) if (!['running', 'paused'].includes(s)) return apiError(res, 400, `Invalid state: ${s}`);
			const order = q.get('order') || 'desc';
			if (!['asc', 'desc'].includes(order)) return apiError(res, 400, `Invalid order: ${order}`);
			let list = [...this.sandboxes.values()].filter((sb) => states.includes(sb.state)
				&& meta.every(([k, v]) => sb.metadata[k] === v));
			const template = q.get('template');
			if (template) list = list.filter((sb) => sb.templateID === template || sb.alias === template);
			const after = q.get('startedAfter');
			if (after) list = list.filter((sb) => sb.startedAt > Date.parse(after));
			const key = (sb) => `${String(sb.startedAt).padStart(15, '0')}__${sb.sandboxID}`;
			list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
			if (order === 'desc') list.reverse();
			if (!v2) return sendJson(res, 200, list.map((sb) => this.listedJson(sb)));
			const limit = q.get('limit') === null ? 100 : Number(q.get('limit'));
			if (!Number.isInteger(limit) || limit < 1 || limit > 100) return apiError(res, 400, 'limit must be between 1 and 100');
			const token = q.get('nextToken');
			if (token) {
				let cursor;
				try {
					cursor = Buffer.from(token, 'base64url').toString('utf8');
				} catch (e) {
					return apiError(res, 400, 'Invalid next token');
				}
				const k = cursor.replace(/__asc$/, '');
				list = list.filter((sb) => (order === 'desc' ? key(sb) < k : key(sb) > k));
			}
			const running = list.filter((sb) => sb.state === 'running').length;
			const page = list.slice(0, limit);
			const headers = {};
			if (states.includes('running')) headers['X-Total-Running'] = String(running);
			if (list.length > limit) {
				const last = page[page.length - 1];
				headers['X-Next-Token'] = Buffer.from(key(last) + (order === 'asc' ? '__asc' : '')).toString('base64url');
			}
			return sendJson(res, 200, page.map((sb) => this.listedJson(sb)), headers);
		}

		const m = /^\/(v2\/)?sandboxes\/([^/]+)(\/[a-z]+)?$/.exec(p);
		if (!m) return apiError(res, 404, `no route for ${method} ${p}`);
		const v2 = !!m[1];
		const id = decodeURIComponent(m[2]);
		const action = m[3] || '';
		const sb = this.sandboxes.get(id);
		const missing = () => apiError(res, 404, notFoundMsg(id));

		if (!v2 && action === '' && method === 'GET') {
			if (!sb) return missing();
			return sendJson(res, 200, this.detailJson(sb));
		}
		if (!v2 && action === '' && method === 'DELETE') {
			if (!sb) return missing();
			this.killSandbox(sb);
			res.writeHead(204);
			res.end();
			return;
		}
		if (!v2 && action === '/timeout' && method === 'POST') {
			const body = await ctx.readJson();
			if (!body || body.timeout === undefined) return apiError(res, 400, 'Invalid request body: timeout is required');
			if (!sb) return missing();
			let t = Number(body.timeout);
			if (t < 0) t = 0;
			if (t > this.opts.maxTimeout && !this.validTimeout(res, t)) return;
			sb.endAt = Date.now() + t * 1000;
			this.schedule(sb);
			res.writeHead(204);
			res.end();
			return;
		}
		if (!v2 && action === '/refreshes' && method === 'POST') {
			const body = (await ctx.readJson()) || {};
			if (!sb) return missing();
			const d = Number(body.duration || 0);
			if (!(d >= 0 && d <= 3600)) return apiError(res, 400, 'duration must be between 0 and 3600');
			sb.endAt = Math.max(sb.endAt, Date.now() + d * 1000);
			this.schedule(sb);
			res.writeHead(204);
			res.end();
			return;
		}
		if (!v2 && action === '/pause' && method === 'POST') {
			if (!sb) return missing();
			if (sb.state !== 'running') return apiError(res, 409, `Sandbox '${id}' cannot be paused while in '${sb.state}' state`);
			clearTimeout(sb.timer);
			sb.pause();
			res.writeHead(204);
			res.end();
			return;
		}
		if (action === '/connect' && method === 'POST') {
			const body = (await ctx.readJson()) || {};
			if (body.timeout === undefined && !v2) return apiError(res, 400, 'Invalid request body: timeout is required');
			const t = body.timeout === undefined ? 300 : Number(body.timeout);
			if (!this.validTimeout(res, t)) return;
			if (!sb) return missing();
			if (sb.state === 'paused') {
				sb.resume();
				sb.endAt = Date.now() + t * 1000;
				this.schedule(sb);
				return sendJson(res, 201, this.sandboxJson(sb));
			}
			sb.endAt = Math.max(sb.endAt, Date.now() + t * 1000);
			this.schedule(sb);
			return sendJson(res, 200, this.sandboxJson(sb));
		}
		if (!v2 && action === '/resume' && method === 'POST') {
			const body = await ctx.readJson();
			if (!body || body.timeout === undefined) return apiError(res, 400, 'Invalid request body: value is required but missing');
			const t = Number(body.timeout);
			if (!this.validTimeout(res, t)) return;
			if (!sb) return apiError(res, 404, `Paused sandbox ${id} not found`);
			if (sb.state !== 'paused') return apiError(res, 409, `Sandbox ${id} is already running`);
			sb.resume();
			sb.endAt = Date.now() + t * 1000;
			this.schedule(sb);
			return sendJson(res, 201, this.sandboxJson(sb));
		}
		if (!v2 && action === '/metrics' && method === 'GET') {
			if (!sb) return missing();
			const now = Date.now();
			return sendJson(res, 200, [{
				timestamp: rfc3339(now), timestampUnix: Math.floor(now / 1000), cpuCount: 2, cpuUsedPct: 0,
				memUsed: 0, memTotal: 512 * 1048576, memCache: 0, diskUsed: 0, diskTotal: 1024 * 1048576,
			}]);
		}
		return apiError(res, 404, `no route for ${method} ${p}`);
	}

	// ---------------------------------------------------------- data plane ---

	sandboxGone(res, sid) {
		sendJson(res, 502, { sandboxId: sid, message: 'The sandbox was not found', code: 502 });
	}

	async dataPlane(ctx, req, res, url, sid, port) {
		let sb = this.sandboxes.get(sid);
		if (!sb && sid === DEBUG_ID && this.opts.debugPorts) {
			sb = await this.debugSandbox();
		}
		if (!sb || sb.state !== 'running' || !sb.holder) return this.sandboxGone(res, sid);
		ctx.sb = sb;
		sb.sockets.add(req.socket);
		res.on('close', () => sb.sockets.delete(req.socket));
		if (port === ENVD_PORT) return handleEnvd(ctx, req, res, url);
		if (sb.trafficToken && req.headers['e2b-traffic-access-token'] !== sb.trafficToken) {
			return sendJson(res, 403, {
				sandboxId: sid, code: 403,
				message: "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing",
			});
		}
		if (port === CI_PORT) return handleCodeInterpreter(ctx, req, res, url);
		return this.proxy(ctx, req, res, url, sid, port);
	}

	async debugSandbox() {
		// Debug clients never create it: made on first use, for 30 days, and
		// made again if it was killed.
		const cur = this.sandboxes.get(DEBUG_ID);
		if (!cur && this.debugPending && this.debugSettled) this.debugPending = null;
		if (!this.debugPending) {
			this.debugSettled = false;
			this.debugPending = this.createSandbox({ templateID: 'base', timeout: 30 * 86400 }, true, DEBUG_ID)
				.then((sb) => {
					sb.accessToken = null; // debug clients send none
					this.debugSettled = true;
					return sb;
				}, (e) => {
					this.debugPending = null;
					throw e;
				});
		}
		return this.debugPending;
	}

	// proxy: any other port is a server the sandbox runs on the shared
	// loopback network.
	proxy(ctx, req, res, url, sid, port) {
		const headers = { ...req.headers };
		delete headers['e2b-sandbox-id'];
		delete headers['e2b-sandbox-port'];
		headers.host = `127.0.0.1:${port}`;
		const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, (ur) => {
			res.writeHead(ur.statusCode, ur.headers);
			ur.pipe(res);
		});
		up.on('error', () => {
			if (res.headersSent) return res.destroy();
			sendJson(res, 502, { sandboxId: sid, message: 'The sandbox is running but port is not open', port, code: 502 });
		});
		req.pipe(up);
	}

	// ------------------------------------------------------------- listen ---

	listen(port, fixed) {
		const srv = http.createServer({ requestTimeout: 0, headersTimeout: 60000, keepAliveTimeout: 65000 },
			(req, res) => this.handle(req, res, { fixed }));
		srv.on('clientError', (err, sock) => sock.destroy());
		return new Promise((resolve, reject) => {
			srv.once('error', reject);
			srv.listen(port, '127.0.0.1', () => resolve(srv));
		});
	}

	shutdown() {
		for (const sb of this.sandboxes.values()) sb.destroy();
		this.sandboxes.clear();
	}
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (process.getuid() !== 0) {
		process.stderr.write('server.js: must run as root (it makes a mount namespace per sandbox and switches users)\n');
		process.exit(1);
	}
	const server = new Server(opts);
	const srv = await server.listen(opts.port, null);
	const port = srv.address().port;
	if (!opts.domain) opts.domain = `localhost:${port}`;
	if (opts.debugPorts) {
		await server.listen(3000, 'api');
		await server.listen(ENVD_PORT, ENVD_PORT);
		await server.listen(CI_PORT, CI_PORT);
	}
	process.stdout.write(`e2b-server listening on http://127.0.0.1:${port} (state ${server.stateDir})\n`);
	const stop = () => {
		server.shutdown();
		setTimeout(() => {
			if (server.ownStateDir) fs.rmSync(server.stateDir, { recursive: true, force: true });
			process.exit(0);
		}, 400);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch((e) => {
	process.stderr.write(`server.js: ${e.stack || e}\n`);
	process.exit(1);
});
