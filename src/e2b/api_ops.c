#include "roma.h"
#include "e2b/api.h"
#include "e2b/api_int.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char *
dup_member(const struct json *j, const char *key)
{
	const char *s = json_get_str(j, key);

	return s && *s ? xstrdup(s) : NULL;
}

int
e2b_sandbox_parse(const struct json *j, struct e2b_sandbox *s, struct rerr *e)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_obj(j) || json_get_str(j, "sandboxID") == NULL)
		return rerr_set(
		    e, -EPROTO, "E2B API: the reply holds no sandboxID");
	s->id = dup_member(j, "sandboxID");
	s->template_id = dup_member(j, "templateID");
	s->alias = dup_member(j, "alias");
	s->envd_version = dup_member(j, "envdVersion");
	s->envd_token = dup_member(j, "envdAccessToken");
	s->traffic_token = dup_member(j, "trafficAccessToken");
	s->domain = dup_member(j, "domain");
	s->state = dup_member(j, "state");
	s->started_at = dup_member(j, "startedAt");
	s->end_at = dup_member(j, "endAt");
	if (s->envd_token)
		log_add_secret(s->envd_token);
	if (s->traffic_token)
		log_add_secret(s->traffic_token);
	s->info = json_dup(j);
	json_del(s->info, "envdAccessToken");
	json_del(s->info, "trafficAccessToken");
	return 0;
}

void
e2b_sandbox_release(struct e2b_sandbox *s)
{
	if (s->envd_token)
		explicit_bzero(s->envd_token, strlen(s->envd_token));
	if (s->traffic_token)
		explicit_bzero(s->traffic_token, strlen(s->traffic_token));
	free(s->id);
	free(s->template_id);
	free(s->alias);
	free(s->envd_version);
	free(s->envd_token);
	free(s->traffic_token);
	free(s->domain);
	free(s->state);
	free(s->started_at);
	free(s->end_at);
	json_free(s->info);
	memset(s, 0, sizeof(*s));
}

/* Add "k=v" pairs as an object member `key` (nothing when empty). */
static void
add_pairs(struct json *obj, const char *key, const char *const *kv)
{
	struct json *m;
	const char *eq;
	char *k;

	if (kv == NULL || kv[0] == NULL)
		return;
	m = json_add_object(obj, key);
	for (; *kv; kv++) {
		eq = strchr(*kv, '=');
		k = xstrndup(*kv, eq ? (size_t)(eq - *kv) : strlen(*kv));
		json_add_str(m, k, eq ? eq + 1 : "");
		free(k);
	}
}

static struct json *
create_body(const struct e2b_create *o, bool v1)
{
	struct json *b = json_new_object();

	json_add_str(b, "templateID", o->template_id ? o->template_id : "base");
	add_pairs(b, "metadata", o->metadata);
	add_pairs(b, "envVars", o->envs);
	if (o->timeout_s > 0 || v1)
		json_add_num(
		    b, "timeout", o->timeout_s > 0 ? o->timeout_s : 300);
	if (o->auto_pause)
		json_add_bool(b, "autoPause", true);
	if (v1)
		json_add_bool(b, "secure", true);
	return b;
}

static int
sandbox_reply(
    const struct http_resp *resp, struct e2b_sandbox *out, struct rerr *e)
{
	struct json *j;
	int r;

	if ((r = e2b_api_json(resp, &j, e)) != 0)
		return r;
	r = e2b_sandbox_parse(j, out, e);
	json_free(j);
	return r;
}

/* Whether a 404/405 means "no such route" rather than a real answer. */
static bool
no_route(const struct http_resp *resp)
{
	if (resp->status == 405)
		return true;
	return resp->status == 404 &&
	    memmem(resp->body.ptr, resp->body.len, "emplate", 7) == NULL;
}

int
e2b_api_create(struct e2b_api *a, const struct e2b_create *o,
    struct e2b_sandbox *out, struct rerr *e)
{
	struct e2b_call c = { E2B_OP_CREATE, NULL, "POST", "/v2/sandboxes",
		NULL, false, true };
	struct http_resp resp = HTTP_RESP_INIT;
	struct json *body = create_body(o, false);
	int r;

	memset(out, 0, sizeof(*out));
	c.body = body;
	if ((r = e2b_api_call(a, &c, &resp, e)) != 0)
		goto out;
	if (no_route(&resp)) {
		log_debug(LOG_E2B, "no POST /v2/sandboxes: using /sandboxes");
		json_free(body);
		c.body = body = create_body(o, true);
		c.path = "/sandboxes";
		c.keep_404 = false;
		if ((r = e2b_api_call(a, &c, &resp, e)) != 0)
			goto out;
	} else if (resp.status == 404 || resp.status == 405) {
		r = e2b_api_error(
		    c.op, NULL, resp.status, resp.body.ptr, resp.body.len, e);
		goto out;
	}
	r = sandbox_reply(&resp, out, e);
out:
	json_free(body);
	http_resp_release(&resp);
	return r;
}

/* The SDK's metadata query value: each key and value encoded, joined as
 * a query string, encoded again as a value (the server decodes thrice). */
static void
metadata_query(const char *const *kv, struct buf *q)
{
	struct buf inner = BUF_INIT, once = BUF_INIT;
	const char *eq;
	size_t klen;

	for (; kv && *kv; kv++) {
		eq = strchr(*kv, '=');
		klen = eq ? (size_t)(eq - *kv) : strlen(*kv);
		if (inner.len > 0)
			buf_addc(&inner, '&');
		buf_reset(&once);
		uri_encode(&once, *kv, klen, 0);
		uri_encode(&inner, once.ptr, once.len, 0);
		buf_addc(&inner, '=');
		buf_reset(&once);
		if (eq)
			uri_encode(&once, eq + 1, strlen(eq + 1), 0);
		uri_encode(&inner, once.ptr, once.len, 0);
	}
	if (inner.len > 0) {
		buf_adds(q, "&metadata=");
		uri_encode(q, inner.ptr, inner.len, 0);
	}
	buf_release(&inner);
	buf_release(&once);
}

static void
list_path(const struct e2b_list *o, struct buf *p)
{
	buf_adds(p, "/v2/sandboxes?state=");
	buf_adds(p, o->state ? o->state : "running,paused");
	metadata_query(o->metadata, p);
	if (o->limit)
		buf_addf(p, "&limit=%u", o->limit);
	if (o->next_token) {
		buf_adds(p, "&nextToken=");
		uri_encode(p, o->next_token, strlen(o->next_token), 0);
	}
}

int
e2b_api_list(struct e2b_api *a, const struct e2b_list *o, struct json *arr,
    struct buf *next, struct rerr *e)
{
	struct e2b_call c = { E2B_OP_LIST, NULL, "GET", NULL, NULL, true,
		false };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf path = BUF_INIT;
	struct json *j = NULL;
	const char *tok;
	size_t i;
	int r;

	list_path(o, &path);
	c.path = path.ptr;
	if ((r = e2b_api_call(a, &c, &resp, e)) != 0 ||
	    (r = e2b_api_json(&resp, &j, e)) != 0)
		goto out;
	if (!json_is_arr(j)) {
		r = rerr_set(e, -EPROTO, "E2B API: the list is not an array");
		goto out;
	}
	for (i = 0; i < json_len(j); i++)
		json_push(arr, json_dup(json_at(j, i)));
	buf_reset(next);
	if ((tok = http_resp_header(&resp, "X-Next-Token")) != NULL)
		buf_adds(next, tok);
out:
	json_free(j);
	buf_release(&path);
	http_resp_release(&resp);
	return r;
}

/* The path "/sandboxes/<id><suffix>", the id encoded. */
static void
sbx_path(struct buf *p, const char *prefix, const char *id, const char *sfx)
{
	buf_adds(p, prefix);
	uri_encode(p, id, strlen(id), 0);
	buf_adds(p, sfx);
}

int
e2b_api_info(
    struct e2b_api *a, const char *id, struct e2b_sandbox *out, struct rerr *e)
{
	struct e2b_call c = { E2B_OP_INFO, id, "GET", NULL, NULL, true, false };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf path = BUF_INIT;
	int r;

	memset(out, 0, sizeof(*out));
	sbx_path(&path, "/sandboxes/", id, "");
	c.path = path.ptr;
	if ((r = e2b_api_call(a, &c, &resp, e)) == 0)
		r = sandbox_reply(&resp, out, e);
	buf_release(&path);
	http_resp_release(&resp);
	return r;
}

static int
simple(struct e2b_api *a, enum e2b_op op, const char *id, const char *method,
    const char *sfx, struct json *body, struct rerr *e)
{
	struct e2b_call c = { op, id, method, NULL, body, true, false };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf path = BUF_INIT;
	int r;

	sbx_path(&path, "/sandboxes/", id, sfx);
	c.path = path.ptr;
	r = e2b_api_call(a, &c, &resp, e);
	buf_release(&path);
	http_resp_release(&resp);
	json_free(body);
	return r;
}

int
e2b_api_kill(struct e2b_api *a, const char *id, struct rerr *e)
{
	return simple(a, E2B_OP_KILL, id, "DELETE", "", NULL, e);
}

int
e2b_api_set_timeout(
    struct e2b_api *a, const char *id, long timeout_s, struct rerr *e)
{
	struct json *b = json_new_object();

	json_add_num(b, "timeout", timeout_s);
	return simple(a, E2B_OP_TIMEOUT, id, "POST", "/timeout", b, e);
}

int
e2b_api_pause(struct e2b_api *a, const char *id, struct rerr *e)
{
	return simple(
	    a, E2B_OP_PAUSE, id, "POST", "/pause", json_new_object(), e);
}

/* Whether a 404 speaks of the sandbox (gone) rather than of the route. */
static bool
about_sandbox(const struct http_resp *resp, const char *id)
{
	const char *b = resp->body.ptr;
	size_t n = resp->body.len;

	return memmem(b, n, id, strlen(id)) != NULL ||
	    memmem(b, n, "andbox", 6) != NULL;
}

int
e2b_api_connect(struct e2b_api *a, const char *id, long timeout_s,
    struct e2b_sandbox *out, bool *resumed, struct rerr *e)
{
	struct e2b_call c = { E2B_OP_CONNECT, id, "POST", NULL, NULL, true,
		true };
	struct http_resp resp = HTTP_RESP_INIT;
	struct buf path = BUF_INIT;
	struct json *b = json_new_object();
	int r;

	memset(out, 0, sizeof(*out));
	json_add_num(b, "timeout", timeout_s > 0 ? timeout_s : 300);
	c.body = b;
	sbx_path(&path, "/v2/sandboxes/", id, "/connect");
	c.path = path.ptr;
	if ((r = e2b_api_call(a, &c, &resp, e)) != 0)
		goto out;
	if (resp.status == 405 ||
	    (resp.status == 404 && !about_sandbox(&resp, id))) {
		buf_reset(&path);
		sbx_path(&path, "/sandboxes/", id, "/connect");
		c.path = path.ptr;
		c.keep_404 = false;
		if ((r = e2b_api_call(a, &c, &resp, e)) != 0)
			goto out;
	} else if (resp.status == 404) {
		r = e2b_api_error(
		    c.op, id, 404, resp.body.ptr, resp.body.len, e);
		goto out;
	}
	if (resumed)
		*resumed = resp.status == 201;
	r = sandbox_reply(&resp, out, e);
out:
	json_free(b);
	buf_release(&path);
	http_resp_release(&resp);
	return r;
}
