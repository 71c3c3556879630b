#include "roma.h"
#include "e2b/api.h"
#include "e2b/config.h"
#include "e2b/envd.h"
#include "e2b/interp.h"
#include "e2b/ndjson.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct exec_state {
	const struct e2b_run *run;
	struct e2b_exec *x;
	struct e2b_lines lines;
	struct rerr *e;
};

static int
on_line(const char *line, size_t n, void *arg)
{
	struct exec_state *s = arg;
	const char *text;
	int k = e2b_exec_line(s->x, line, n, &text);

	if (k < 0) {
		log_debug(LOG_E2B,
		    "interp: skipping a line that is not a "
		    "message");
		return 0;
	}
	if (k == E2B_MSG_STDOUT && s->run->on_stdout)
		return s->run->on_stdout(text, strlen(text), s->run->arg);
	if (k == E2B_MSG_STDERR && s->run->on_stderr)
		return s->run->on_stderr(text, strlen(text), s->run->arg);
	return 0;
}

static int
on_body(const void *p, size_t n, void *arg)
{
	struct exec_state *s = arg;

	return e2b_lines_feed(&s->lines, p, n, on_line, s);
}

static struct json *
run_body(const struct e2b_run *run)
{
	struct json *b = json_new_object(), *ev;
	const char *const *kv;
	const char *eq;
	char *k;

	json_add_str(b, "code", run->code);
	if (run->context_id)
		json_add_str(b, "context_id", run->context_id);
	if (run->language)
		json_add_str(b, "language", run->language);
	if (run->envs && run->envs[0]) {
		ev = json_add_object(b, "env_vars");
		for (kv = run->envs; *kv; kv++) {
			eq = strchr(*kv, '=');
			k = xstrndup(
			    *kv, eq ? (size_t)(eq - *kv) : strlen(*kv));
			json_add_str(ev, k, eq ? eq + 1 : "");
			free(k);
		}
	}
	return b;
}

/* The code interpreter's errors are plain text. */
static int
interp_error(
    const struct e2b_dp *dp, const struct http_resp *resp, struct rerr *e)
{
	size_t n = resp->body.len;

	while (n > 0 && strchr(" \r\n", resp->body.ptr[n - 1]))
		n--;
	if (resp->status == 502)
		return e2b_dp_http_error(dp, 502, resp->body.ptr, n, e);
	if (resp->status == 404)
		return rerr_http(e, -ENOENT, 404, "NotFoundError", NULL, "%.*s",
		    (int)(n > 300 ? 300 : n), resp->body.ptr);
	return rerr_http(e, resp->status == 400 ? -EINVAL : -EIO, resp->status,
	    "SandboxError", NULL, "%d: %.*s", resp->status,
	    (int)(n > 300 ? 300 : n), resp->body.ptr);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int
run_failed(const struct e2b_dp *dp, const struct e2b_run *run, int r, long t0,
    struct rerr *e)
{
	long took = now_ms() - t0;

	if (r != -ETIMEDOUT)
		return r;
	if (run->timeout_ms > 0 && took >= run->timeout_ms)
		return rerr_set(
		    e, r, "execution timed out after %ld ms", run->timeout_ms);
	return rerr_set(e, r,
	    "the code interpreter stream stalled: nothing arrived for %ld s "
	    "(sandbox %s may be overloaded or gone; see --stall-timeout)",
	    dp->api->stall_ms / 1000, dp->id);
}

int
e2b_interp_run(const struct e2b_dp *dp, const struct e2b_run *run,
    struct e2b_exec *x, struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, body = BUF_INIT;
	struct json *b = run_body(run);
	struct exec_state s = { run, x, { BUF_INIT }, e };
	long t0 = now_ms();
	int r;

	e2b_lines_init(&s.lines);
	e2b_dp_request(dp, E2B_JUPYTER_PORT, "/execute", true, &url, &h);
	e2b_hdrs_add(&h, "Content-Type: application/json");
	json_print(b, &body);
	hr.method = "POST";
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.body = body.ptr;
	hr.body_len = body.len;
	hr.write = on_body;
	hr.write_arg = &s;
	hr.timeout_ms = run->timeout_ms;
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0) {
		r = run_failed(dp, run, r, t0, e);
		goto out;
	}
	if (resp.status != 200) {
		r = interp_error(dp, &resp, e);
		goto out;
	}
	if ((r = e2b_lines_finish(&s.lines, on_line, &s)) != 0)
		goto out;
	if (!x->ended)
		r = rerr_set(e, -EPROTO,
		    "the execution ended without end_of_execution (the "
		    "connection closed early)");
out:
	e2b_lines_release(&s.lines);
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	json_free(b);
	buf_release(&url);
	buf_release(&body);
	return r;
}

/* One call to /contexts...; the reply parsed into *out when wanted. */
static int
ctx_call(const struct e2b_dp *dp, const char *method, const char *path,
    const struct json *body, struct json **out, struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, bb = BUF_INIT;
	int r;

	if (out)
		*out = NULL;
	/* The SDK sends no access token to /contexts. */
	e2b_dp_request(dp, E2B_JUPYTER_PORT, path, false, &url, &h);
	if (body) {
		e2b_hdrs_add(&h, "Content-Type: application/json");
		json_print(body, &bb);
		hr.body = bb.ptr;
		hr.body_len = bb.len;
	}
	hr.method = method;
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.timeout_ms = dp->api->request_timeout_ms;
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0)
		goto out;
	if (resp.status != 200)
		r = interp_error(dp, &resp, e);
	else if (out &&
	    (*out = json_parse(resp.body.ptr, resp.body.len)) == NULL)
		r = rerr_set(e, -EPROTO, "%s: the reply is not JSON", path);
out:
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&bb);
	return r;
}

int
e2b_interp_ctx_create(const struct e2b_dp *dp, const char *language,
    const char *cwd, struct json **out, struct rerr *e)
{
	struct json *b = json_new_object();
	int r;

	if (language)
		json_add_str(b, "language", language);
	if (cwd)
		json_add_str(b, "cwd", cwd);
	r = ctx_call(dp, "POST", "/contexts", b, out, e);
	json_free(b);
	return r;
}

int
e2b_interp_ctx_list(const struct e2b_dp *dp, struct json **out, struct rerr *e)
{
	return ctx_call(dp, "GET", "/contexts", NULL, out, e);
}

static int
ctx_one(const struct e2b_dp *dp, const char *method, const char *id,
    const char *sfx, struct rerr *e)
{
	struct buf p = BUF_INIT;
	struct json *empty = NULL;
	int r;

	buf_adds(&p, "/contexts/");
	uri_encode(&p, id, strlen(id), 0);
	buf_adds(&p, sfx);
	if (strcmp(method, "POST") == 0)
		empty = json_new_object();
	r = ctx_call(dp, method, p.ptr, empty, NULL, e);
	json_free(empty);
	buf_release(&p);
	return r;
}

int
e2b_interp_ctx_restart(const struct e2b_dp *dp, const char *id, struct rerr *e)
{
	return ctx_one(dp, "POST", id, "/restart", e);
}

int
e2b_interp_ctx_delete(const struct e2b_dp *dp, const char *id, struct rerr *e)
{
	return ctx_one(dp, "DELETE", id, "", e);
}
