#include "roma.h"
#include "e2b/api.h"
#include "e2b/config.h"
#include "e2b/connect.h"
#include "e2b/envd.h"
#include "e2b/text.h"
#include "e2b/utf8.h"
#include "net/http.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_GRACE_MS 15000L

void
e2b_dp_init(struct e2b_dp *dp, struct e2b_api *api, const struct e2b_sandbox *s)
{
	memset(dp, 0, sizeof(*dp));
	dp->api = api;
	dp->id = s->id;
	dp->envd_token = s->envd_token;
	dp->traffic_token = s->traffic_token;
	dp->domain = s->domain;
	dp->envd_version = s->envd_version;
}

void
e2b_dp_request(const struct e2b_dp *dp, unsigned port, const char *path,
    bool token, struct buf *url, struct e2b_hdrs *h)
{
	bool routing;

	e2b_config_sandbox_base(
	    dp->api->cfg, dp->id, dp->domain, port, url, &routing);
	buf_adds(url, path);
	/* Always sent: harmless for host addressing, needed otherwise. */
	e2b_hdrs_add(h, "E2b-Sandbox-Id: %s", dp->id);
	e2b_hdrs_add(h, "E2b-Sandbox-Port: %u", port);
	if (token && dp->envd_token && !dp->api->cfg->debug)
		e2b_hdrs_add(h, "X-Access-Token: %s", dp->envd_token);
	if (port == E2B_JUPYTER_PORT && dp->traffic_token)
		e2b_hdrs_add(
		    h, "E2B-Traffic-Access-Token: %s", dp->traffic_token);
	e2b_hdrs_add(h, "Expect:");
	(void)routing;
}

int
e2b_dp_http_error(const struct e2b_dp *dp, int status, const char *body,
    size_t n, struct rerr *e)
{
	struct json *j = json_parse(body, n);
	const char *m = json_get_str(j, "message");
	struct e2b_rpc_err rpc;
	int r;

	if (status == 502)
		r = rerr_http(e, -EHOSTDOWN, status, "TimeoutError", NULL,
		    "sandbox %s is not running anymore (its timeout passed "
		    "or it was killed)%s%s",
		    dp->id, m ? ": " : "", m ? m : "");
	else if (e2b_connect_error_body(body, n, &rpc) && rpc.code[0] &&
	    !(rpc.code[0] >= '0' && rpc.code[0] <= '9'))
		r = rerr_http(e, e2b_connect_errno(rpc.code), status,
		    e2b_connect_class(rpc.code), NULL, "%s: %s", rpc.code,
		    rpc.msg);
	else if (status == 401)
		r = rerr_http(e, -EACCES, status, "AuthenticationError", NULL,
		    "envd refused the access token: %s", m ? m : "401");
	else if (status == 404)
		r = rerr_http(e, -ENOENT, status, "NotFoundError", NULL, "%s",
		    m ? m : "not found");
	else if (status == 429)
		r = rerr_http(e, -EAGAIN, status, "RateLimitError", NULL, "%s",
		    m ? m : "rate limited");
	else if (status == 507)
		r = rerr_http(e, -ENOSPC, status, "NotEnoughSpaceError", NULL,
		    "%s", m ? m : "not enough disk space in the sandbox");
	else
		r = rerr_http(e, status == 400 ? -EINVAL : -EIO, status,
		    "SandboxError", NULL, "%d: %s", status,
		    m ? m : "envd request failed");
	json_free(j);
	return r;
}

/* Authorization: Basic base64("<user>:") selects the user envd acts as. */
static void
add_user(const struct e2b_dp *dp, struct e2b_hdrs *h)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (dp->user == NULL)
		return;
	buf_addf(&a, "%s:", dp->user);
	b64_encode(&b, a.ptr, a.len);
	e2b_hdrs_add(h, "Authorization: Basic %s", b.ptr);
	buf_release(&a);
	buf_release(&b);
}

int
e2b_envd_unary(const struct e2b_dp *dp, const char *method,
    const struct json *req, struct json **reply, struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, body = BUF_INIT, shown = BUF_INIT;
	int r;

	if (reply)
		*reply = NULL;
	e2b_dp_request(dp, E2B_ENVD_PORT, method, true, &url, &h);
	e2b_hdrs_add(&h, "Content-Type: application/json");
	e2b_hdrs_add(&h, "Connect-Protocol-Version: 1");
	add_user(dp, &h);
	json_print(req, &body);
	hr.method = "POST";
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.body = body.ptr;
	hr.body_len = body.len;
	hr.timeout_ms = dp->api->request_timeout_ms;
	if (log_on(LOG_LEVEL_DEBUG, LOG_E2B)) {
		e2b_log_json(req, &shown);
		log_debug(LOG_E2B, "envd %s %s", method, shown.ptr);
	}
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0)
		goto out;
	if (resp.status != 200) {
		r = e2b_dp_http_error(
		    dp, resp.status, resp.body.ptr, resp.body.len, e);
		goto out;
	}
	if (reply &&
	    (*reply = json_parse(resp.body.ptr, resp.body.len)) == NULL)
		r = rerr_set(
		    e, -EPROTO, "envd %s: the reply is not JSON", method);
out:
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&body);
	buf_release(&shown);
	return r;
}

/* The state of one Start/Connect stream. */
struct stream {
	const struct e2b_proc_cb *cb;
	struct e2b_proc_result *res;
	struct e2b_cframer fr;
	struct e2b_utf8 u_out, u_err;
	struct buf tmp, text;
	struct e2b_rpc_err end_err;
	bool started, end_error;
	struct rerr *e;
};

static int
emit_text(struct stream *s, struct e2b_utf8 *u, const char *b64, bool flush,
    int (*fn)(const char *, size_t, void *))
{
	int r = 0;

	buf_reset(&s->tmp);
	buf_reset(&s->text);
	if (b64 && b64_decode(&s->tmp, b64, strlen(b64)) != 0)
		return rerr_set(s->e, -EPROTO, "envd: output is not base64");
	e2b_utf8_feed(u, s->tmp.ptr, s->tmp.len, &s->text);
	if (flush)
		e2b_utf8_flush(u, &s->text);
	if (fn && s->text.len > 0)
		r = fn(s->text.ptr, s->text.len, s->cb->arg);
	return r;
}

static void
on_end(struct stream *s, const struct json *end)
{
	struct e2b_proc_result *res = s->res;
	const char *st = json_get_str(end, "status");
	const char *er = json_get_str(end, "error");
	int64_t code = 0;

	res->ended = true;
	json_get_int(end, "exitCode", &code);
	res->exit_code = (int)code;
	json_get_bool(end, "exited", &res->exited);
	snprintf(res->status, sizeof(res->status), "%s", st ? st : "");
	snprintf(res->error, sizeof(res->error), "%s", er ? er : "");
}

static int
on_event(struct stream *s, const struct json *ev)
{
	const struct json *x;
	int64_t pid;

	if ((x = json_get(ev, "start")) != NULL) {
		s->started = true;
		if (json_get_int(x, "pid", &pid))
			s->res->pid = (uint32_t)pid;
		if (s->cb->on_start)
			s->cb->on_start(s->res->pid, s->cb->arg);
		return 0;
	}
	if (json_get(ev, "keepalive") != NULL)
		return 0;
	if (!s->started)
		return rerr_set(s->e, -EPROTO, "envd: expected start event");
	if ((x = json_get(ev, "data")) != NULL) {
		if (json_get_str(x, "stderr"))
			return emit_text(s, &s->u_err,
			    json_get_str(x, "stderr"), false, s->cb->on_stderr);
		return emit_text(s, &s->u_out,
		    json_get_str(x, "stdout") ? json_get_str(x, "stdout")
		                              : json_get_str(x, "pty"),
		    false, s->cb->on_stdout);
	}
	if ((x = json_get(ev, "end")) != NULL)
		on_end(s, x);
	return 0;
}

static int
on_frame(unsigned flags, const char *p, size_t n, void *arg)
{
	struct stream *s = arg;
	struct json *j;
	int r;

	if (flags & E2B_CONNECT_END) {
		r = e2b_connect_end(p, n, &s->end_err);
		if (r < 0)
			return rerr_set(s->e, r, "envd: malformed end frame");
		s->end_error = r == 1;
		return 0;
	}
	if ((j = json_parse(p, n)) == NULL)
		return rerr_set(s->e, -EPROTO, "envd: a frame is not JSON");
	r = on_event(s, json_get(j, "event"));
	json_free(j);
	return r;
}

static int
on_body(const void *p, size_t n, void *arg)
{
	struct stream *s = arg;

	return e2b_cframer_feed(&s->fr, p, n, on_frame, s);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Turn how a stream ended into the result. */
static int
stream_outcome(
    const struct e2b_dp *dp, struct stream *s, long timeout_ms, struct rerr *e)
{
	struct e2b_rpc_err fe;
	int r;

	if (s->end_error) {
		r = e2b_connect_errno(s->end_err.code);
		if (r == -ETIMEDOUT && timeout_ms > 0)
			return rerr_set(e, r,
			    "the command ran past its timeout of %ld ms and "
			    "was killed (%s: %s)",
			    timeout_ms, s->end_err.code, s->end_err.msg);
		if (r == -EHOSTDOWN)
			return rerr_set(e, r,
			    "sandbox %s is not running anymore (%s: %s)",
			    dp->id, s->end_err.code, s->end_err.msg);
		return rerr_http(e, r, 200, e2b_connect_class(s->end_err.code),
		    NULL, "%s: %s", s->end_err.code, s->end_err.msg);
	}
	if ((r = e2b_cframer_finish(&s->fr, &fe)) != 0)
		return rerr_set(e, r, "envd: %s", fe.msg);
	if (!s->res->ended)
		return rerr_set(e, -EPROTO, "process exited without a result");
	return 0;
}

static void
stream_init(struct stream *s, const struct e2b_proc_cb *cb,
    struct e2b_proc_result *res, struct rerr *e)
{
	memset(s, 0, sizeof(*s));
	memset(res, 0, sizeof(*res));
	s->cb = cb;
	s->res = res;
	s->e = e;
	e2b_cframer_init(&s->fr, 0);
	buf_init(&s->tmp, 0);
	buf_init(&s->text, 0);
}

static void
stream_release(struct stream *s)
{
	e2b_cframer_release(&s->fr);
	buf_release(&s->tmp);
	buf_release(&s->text);
}

static int
stream_failed(const struct e2b_dp *dp, int r, long started, struct rerr *e)
{
	long stall = dp->api->stall_ms;

	if (r == -ETIMEDOUT && now_ms() - started >= stall)
		return rerr_set(e, r,
		    "the sandbox stream stalled: nothing arrived for %ld s "
		    "(sandbox %s may be overloaded or gone; see "
		    "--stall-timeout)",
		    stall / 1000, dp->id);
	return r;
}

/* POST one enveloped request to a streaming method and follow it. */
static int
stream_call(const struct e2b_dp *dp, const char *method, const struct json *msg,
    long timeout_ms, const struct e2b_proc_cb *cb, struct e2b_proc_result *res,
    struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, body = BUF_INIT, js = BUF_INIT;
	struct buf shown = BUF_INIT;
	struct stream s;
	long t0 = now_ms();
	int r;

	stream_init(&s, cb, res, e);
	e2b_dp_request(dp, E2B_ENVD_PORT, method, true, &url, &h);
	e2b_hdrs_add(&h, "Content-Type: application/connect+json");
	e2b_hdrs_add(&h, "Connect-Protocol-Version: 1");
	e2b_hdrs_add(&h, "Keepalive-Ping-Interval: %ld",
	    dp->api->stall_ms / 3000 > 0 ? dp->api->stall_ms / 3000 : 1);
	if (timeout_ms > 0)
		e2b_hdrs_add(&h, "Connect-Timeout-Ms: %ld", timeout_ms);
	add_user(dp, &h);
	json_print(msg, &js);
	e2b_connect_envelope(&body, 0, js.ptr, js.len);
	hr.method = "POST";
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.body = body.ptr;
	hr.body_len = body.len;
	hr.write = on_body;
	hr.write_arg = &s;
	hr.timeout_ms = timeout_ms > 0 ? timeout_ms + STREAM_GRACE_MS : 0;
	if (log_on(LOG_LEVEL_DEBUG, LOG_E2B)) {
		e2b_log_json(msg, &shown);
		log_debug(LOG_E2B, "envd %s %s", method, shown.ptr);
	}
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0) {
		r = stream_failed(dp, r, t0, e);
		goto out;
	}
	if (resp.status != 200) {
		r = e2b_dp_http_error(
		    dp, resp.status, resp.body.ptr, resp.body.len, e);
		goto out;
	}
	emit_text(&s, &s.u_out, NULL, true, cb->on_stdout);
	emit_text(&s, &s.u_err, NULL, true, cb->on_stderr);
	r = stream_outcome(dp, &s, timeout_ms, e);
out:
	stream_release(&s);
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&body);
	buf_release(&shown);
	buf_release(&js);
	return r;
}

static void
add_envs(struct json *obj, const char *const *kv)
{
	struct json *m = json_add_object(obj, "envs");
	const char *eq;
	char *k;

	for (; kv && *kv; kv++) {
		eq = strchr(*kv, '=');
		k = xstrndup(*kv, eq ? (size_t)(eq - *kv) : strlen(*kv));
		json_add_str(m, k, eq ? eq + 1 : "");
		free(k);
	}
}

int
e2b_envd_start(const struct e2b_dp *dp, const struct e2b_proc_req *req,
    const struct e2b_proc_cb *cb, struct e2b_proc_result *res, struct rerr *e)
{
	struct json *msg = json_new_object(), *p, *args;
	int r;

	p = json_add_object(msg, "process");
	json_add_str(p, "cmd", "/bin/bash");
	args = json_add_array(p, "args");
	json_push_str(args, "-l");
	json_push_str(args, "-c");
	json_push_str(args, req->cmd);
	add_envs(p, req->envs);
	if (req->cwd)
		json_add_str(p, "cwd", req->cwd);
	if (req->tag)
		json_add_str(msg, "tag", req->tag);
	json_add_bool(msg, "stdin", req->stdin_open);
	r = stream_call(
	    dp, "/process.Process/Start", msg, req->timeout_ms, cb, res, e);
	json_free(msg);
	return r;
}

static struct json *
selector(uint32_t pid)
{
	struct json *msg = json_new_object();

	json_add_num(json_add_object(msg, "process"), "pid", pid);
	return msg;
}

int
e2b_envd_connect(const struct e2b_dp *dp, uint32_t pid,
    const struct e2b_proc_cb *cb, struct e2b_proc_result *res, struct rerr *e)
{
	struct json *msg = selector(pid);
	int r;

	r = stream_call(dp, "/process.Process/Connect", msg, 0, cb, res, e);
	json_free(msg);
	return r;
}

int
e2b_envd_send_stdin(const struct e2b_dp *dp, uint32_t pid, const void *p,
    size_t n, struct rerr *e)
{
	struct json *msg = selector(pid);
	struct buf b = BUF_INIT;
	int r;

	b64_encode(&b, p, n);
	json_add_str(json_add_object(msg, "input"), "stdin", b.ptr);
	r = e2b_envd_unary(dp, "/process.Process/SendInput", msg, NULL, e);
	json_free(msg);
	buf_release(&b);
	return r;
}

int
e2b_envd_close_stdin(const struct e2b_dp *dp, uint32_t pid, struct rerr *e)
{
	struct json *msg = selector(pid);
	int r = e2b_envd_unary(dp, "/process.Process/CloseStdin", msg, NULL, e);

	json_free(msg);
	return r;
}

int
e2b_envd_signal(const struct e2b_dp *dp, uint32_t pid, int sig, struct rerr *e)
{
	struct json *msg = selector(pid);
	int r;

	json_add_str(
	    msg, "signal", sig == 15 ? "SIGNAL_SIGTERM" : "SIGNAL_SIGKILL");
	r = e2b_envd_unary(dp, "/process.Process/SendSignal", msg, NULL, e);
	json_free(msg);
	return r;
}

/* One ProcessInfo as the SDK maps it. */
static struct json *
proc_info(const struct json *pi)
{
	const struct json *cfg = json_get(pi, "config"), *x;
	struct json *o = json_new_object();
	int64_t pid = 0;

	json_get_int(pi, "pid", &pid);
	json_add_int(o, "pid", pid);
	if (json_get_str(pi, "tag"))
		json_add_str(o, "tag", json_get_str(pi, "tag"));
	json_add_str(
	    o, "cmd", json_get_str(cfg, "cmd") ? json_get_str(cfg, "cmd") : "");
	x = json_get(cfg, "args");
	json_add(o, "args", x ? json_dup(x) : json_new_array());
	x = json_get(cfg, "envs");
	json_add(o, "envs", x ? json_dup(x) : json_new_object());
	if (json_get_str(cfg, "cwd"))
		json_add_str(o, "cwd", json_get_str(cfg, "cwd"));
	return o;
}

int
e2b_envd_list(const struct e2b_dp *dp, struct json **out, struct rerr *e)
{
	struct json *msg = json_new_object(), *reply = NULL;
	const struct json *ps;
	size_t i;
	int r;

	*out = NULL;
	r = e2b_envd_unary(dp, "/process.Process/List", msg, &reply, e);
	if (r == 0) {
		*out = json_new_array();
		ps = json_get(reply, "processes");
		for (i = 0; i < json_len(ps); i++)
			json_push(*out, proc_info(json_at(ps, i)));
	}
	json_free(msg);
	json_free(reply);
	return r;
}
