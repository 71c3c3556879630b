// connect.js - the Connect protocol with the JSON codec, as envd speaks it:
// unary calls (application/json) and server streams (application/connect+json,
// 5-byte envelopes, a final end-of-stream frame with flags 0x02).
'use strict';

const CODE_STATUS = {
	canceled: 499, unknown: 500, invalid_argument: 400, deadline_exceeded: 504,
	not_found: 404, already_exists: 409, permission_denied: 403,
	resource_exhausted: 429, failed_precondition: 400, aborted: 409,
	out_of_range: 400, unimplemented: 501, internal: 500, unavailable: 503,
	data_loss: 500, unauthenticated: 401,
};

class RpcError extends Error {
	constructor(code, message) {
		super(message);
		this.code = code;
	}
}

// frame: one envelope (flags, big-endian length, JSON payload).
function frame(obj, flags) {
	const payload = Buffer.from(JSON.stringify(obj));
	const head = Buffer.alloc(5);
	head[0] = flags || 0;
	head.writeUInt32BE(payload.length, 1);
	return Buffer.concat([head, payload]);
}

// parseEnvelopes: the complete envelopes of a request body.
function parseEnvelopes(buf) {
	const out = [];
	let off = 0;
	while (off + 5 <= buf.length) {
		const flags = buf[off];
		const len = buf.readUInt32BE(off + 1);
		if (off + 5 + len > buf.length) throw new RpcError('invalid_argument', 'truncated envelope');
		if (flags & 1) throw new RpcError('internal', 'compressed envelopes are not supported');
		out.push(JSON.parse(buf.subarray(off + 5, off + 5 + len).toString('utf8') || '{}'));
		off += 5 + len;
	}
	if (off !== buf.length) throw new RpcError('invalid_argument', 'trailing bytes after the envelopes');
	return out;
}

function unaryError(res, err) {
	const code = err.code && CODE_STATUS[err.code] ? err.code : 'internal';
	const body = JSON.stringify({ code, message: err.message });
	res.writeHead(CODE_STATUS[code], { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

function unaryOk(res, obj) {
	const body = JSON.stringify(obj || {});
	res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

// Stream: a server-streaming response.  send() writes a message frame,
// end(err) the end-of-stream frame.  Keepalive messages go out after
// `keepaliveSec` seconds without a message; stall() stops all output (a
// fault for tests) while keeping the connection open.
class Stream {
	constructor(res, keepaliveSec, keepaliveMsg) {
		this.res = res;
		this.closed = false;
		this.stalled = false;
		this.keepaliveMs = Math.max(1, keepaliveSec) * 1000;
		this.keepaliveMsg = keepaliveMsg;
		this.timer = null;
		this.onClose = null;
		res.writeHead(200, { 'Content-Type': 'application/connect+json' });
		res.on('close', () => {
			const was = this.closed;
			this.closed = true;
			clearTimeout(this.timer);
			if (!was && this.onClose) this.onClose();
		});
		this.arm();
	}

	arm() {
		clearTimeout(this.timer);
		if (this.closed || this.stalled || !this.keepaliveMsg) return;
		this.timer = setTimeout(() => {
			this.write(frame(this.keepaliveMsg, 0));
			this.arm();
		}, this.keepaliveMs);
	}

	write(buf) {
		if (this.closed || this.stalled) return;
		this.res.write(buf);
	}

	send(obj) {
		this.write(frame(obj, 0));
		this.arm();
	}

	stall() {
		this.stalled = true;
		clearTimeout(this.timer);
	}

	end(err, metadata) {
		if (this.closed) return;
		clearTimeout(this.timer);
		if (this.stalled) return; // a stalled stream never ends by itself
		const tail = {};
		if (err) tail.error = { code: err.code || 'internal', message: err.message };
		if (metadata) tail.metadata = metadata;
		this.res.end(frame(tail, 2));
		this.closed = true;
	}
}

module.exports = { RpcError, frame, parseEnvelopes, unaryError, unaryOk, Stream, CODE_STATUS };
