// sandbox.js - one emulated E2B sandbox: a private mount namespace held open by
// a small "holder" process, a home directory under the state directory, the
// users root and user, and the processes started inside it.
//
// Layout of the namespace (made by the holder, root inside, propagation
// private, so nothing mounted here is seen by the host or other sandboxes):
//   /home        <- <dir>/homes        (/home/user is <dir>/homes/user)
//   /root        <- <dir>/root
//   /tmp         <- <dir>/tmp          (mode 1777)
//   /etc/passwd, /etc/group <- copies of the host's with the user "user" added
// Everything else (/usr, /work, the network, /dev/fuse) is the host's.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// pickUserUid: the uid for the sandbox user "user": the host's "user" if it
// exists, else the first uid >= 1000 that the host's passwd does not use.
function pickUserUid() {
	let lines = [];
	try {
		lines = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
	} catch (e) { /* none */ }
	const used = new Set();
	for (const l of lines) {
		const f = l.split(':');
		if (f.length < 4) continue;
		if (f[0] === 'user') return Number(f[2]);
		used.add(Number(f[2]));
	}
	let u = 1000;
	while (used.has(u)) u++;
	return u;
}

function rewriteDb(file, uid, isGroup) {
	let lines = [];
	try {
		lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
	} catch (e) { /* none */ }
	lines = lines.filter((l) => {
		const f = l.split(':');
		return f[0] !== 'user' && Number(f[2]) !== uid;
	});
	lines.push(isGroup ? `user:x:${uid}:` : `user:x:${uid}:${uid}:user:/home/user:/bin/bash`);
	return lines.join('\n') + '\n';
}

class Sandbox {
	constructor(server, fields) {
		Object.assign(this, fields);
		this.server = server;
		this.procs = new Map(); // pid -> envd process record (envd.js)
		this.contexts = new Map(); // code interpreter contexts (codeint.js)
		this.sockets = new Set(); // live data-plane sockets, cut when it dies
		this.watchers = new Map();
		this.holder = null;
		this.nsLink = null;
		this.timer = null;
		this.dead = false;
	}

	get users() {
		return this.server.users;
	}

	// start: directories, passwd/group, and the holder in a new mount namespace.
	async start() {
		const d = this.dir;
		const uid = this.server.users.user.uid;
		for (const sub of ['homes', 'homes/user', 'root', 'tmp']) fs.mkdirSync(path.join(d, sub), { recursive: true });
		fs.chmodSync(path.join(d, 'homes'), 0o755);
		fs.chmodSync(path.join(d, 'root'), 0o700);
		fs.chmodSync(path.join(d, 'tmp'), 0o1777);
		fs.chownSync(path.join(d, 'homes/user'), uid, uid);
		fs.chmodSync(path.join(d, 'homes/user'), 0o755);
		fs.writeFileSync(path.join(d, 'passwd'), rewriteDb('/etc/passwd', uid, false));
		fs.writeFileSync(path.join(d, 'group'), rewriteDb('/etc/group', uid, true));
		fs.chmodSync(path.join(d, 'passwd'), 0o644);
		fs.chmodSync(path.join(d, 'group'), 0o644);

		// Bind sources live under d: a target that is an ancestor of d would
		// hide them, so that one is mounted last.
		const real = fs.realpathSync(d);
		const binds = [
			['homes', '/home'], ['root', '/root'], ['passwd', '/etc/passwd'],
			['group', '/etc/group'], ['tmp', '/tmp'],
		];
		binds.sort((a, b) => (real.startsWith(a[1] + '/') ? 1 : 0) - (real.startsWith(b[1] + '/') ? 1 : 0));
		let script = 'set -e\n';
		for (const [src, dst] of binds) script += `mount --bind "$1/${src}" ${dst}\n`;
		script += 'echo ready\nread _ || true\n';
		const h = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'holder', real], {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: { PATH: SAFE_PATH },
		});
		this.holder = h;
		let err = '';
		h.stderr.on('data', (b) => { err += b; });
		await new Promise((resolve, reject) => {
			let out = '';
			const t = setTimeout(() => reject(new Error('sandbox namespace did not start: ' + err)), 10000);
			h.stdout.on('data', (b) => {
				out += b;
				if (out.includes('ready')) {
					clearTimeout(t);
					resolve();
				}
			});
			h.on('exit', (code) => {
				clearTimeout(t);
				reject(new Error(`sandbox namespace failed (exit ${code}): ${err.trim()}`));
			});
			h.on('error', (e) => { clearTimeout(t); reject(e); });
		});
		h.removeAllListeners('exit');
		h.on('exit', () => { this.holder = null; });
		this.nsLink = fs.readlinkSync(`/proc/${h.pid}/ns/mnt`);
	}

	// p: a path inside the sandbox, seen from the host (through the holder's
	// root, which shows the namespace's mounts).
	hostPath(p) {
		if (!this.holder) throw Object.assign(new Error('sandbox is not running'), { gone: true });
		return `/proc/${this.holder.pid}/root${p}`;
	}

	resolveUser(name) {
		return this.server.users[name] || null;
	}

	// resolvePath: envd's ExpandAndResolve: "~" and relative paths against
	// the user's home; the result is normalised and absolute.
	resolvePath(p, user) {
		const home = user.home;
		if (p === undefined || p === null || p === '') p = home;
		if (p === '~') p = home;
		else if (p.startsWith('~/')) p = home + p.slice(1);
		if (!p.startsWith('/')) p = home + '/' + p;
		return path.posix.normalize(p).replace(/(.)\/$/, '$1');
	}

	// spawnIn: run argv inside the namespace as user, cwd (in-sandbox path).
	spawnIn(user, argv, opts) {
		if (!this.holder) throw Object.assign(new Error('sandbox is not running'), { gone: true });
		// nsenter's --wd would resolve the directory on the host side: a tiny
		// shell changes into it inside the namespace and execs the command.
		const pre = ['--mount=/proc/' + this.holder.pid + '/ns/mnt', '--'];
		if (user.uid !== 0) {
			pre.push('setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--');
		}
		pre.push('/bin/sh', '-c', 'cd -- "$0" && exec "$@"', opts.cwd || user.home);
		return spawn('nsenter', pre.concat(argv), {
			env: opts.env,
			stdio: opts.stdio,
			detached: true,
		});
	}

	baseEnv(user) {
		return {
			PATH: SAFE_PATH,
			HOME: user.home,
			USER: user.name,
			LOGNAME: user.name,
			E2B_SANDBOX: 'true',
			E2B_SANDBOX_ID: this.sandboxID,
			E2B_TEMPLATE_ID: this.templateID,
			...(this.envVars || {}),
		};
	}

	// nsPids: every process whose mount namespace is this sandbox's.
	nsPids() {
		const out = [];
		if (!this.nsLink) return out;
		for (const name of fs.readdirSync('/proc')) {
			if (!/^\d+$/.test(name)) continue;
			try {
				if (fs.readlinkSync(`/proc/${name}/ns/mnt`) === this.nsLink) out.push(Number(name));
			} catch (e) { /* gone or not ours to read */ }
		}
		return out;
	}

	signalAll(sig) {
		for (const pid of this.nsPids()) {
			try {
				process.kill(pid, sig);
			} catch (e) { /* already gone */ }
		}
	}

	pause() {
		this.state = 'paused';
		this.cutSockets();
		this.signalAll('SIGSTOP');
	}

	resume() {
		this.state = 'running';
		this.signalAll('SIGCONT');
	}

	cutSockets() {
		for (const s of this.sockets) s.destroy();
		this.sockets.clear();
	}

	// destroy: kill everything in the namespace, the holder last, and remove
	// the state directory.
	destroy() {
		if (this.dead) return;
		this.dead = true;
		clearTimeout(this.timer);
		this.cutSockets();
		for (const w of this.watchers.values()) w.close();
		for (const c of this.contexts.values()) c.kill();
		this.signalAll('SIGKILL');
		if (this.holder) {
			try {
				this.holder.kill('SIGKILL');
			} catch (e) { /* gone */ }
		}
		// Give the kernel a moment to tear down mounts, then drop the files.
		setTimeout(() => {
			try {
				execFileSync('rm', ['-rf', '--one-file-system', this.dir], { stdio: 'ignore' });
			} catch (e) { /* keep it */ }
		}, 200);
	}
}

module.exports = { Sandbox, pickUserUid, SAFE_PATH };
