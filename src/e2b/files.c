#include "roma.h"
#include "e2b/api.h"
#include "e2b/config.h"
#include "e2b/envd.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/uri.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define UPLOAD_TIMEOUT_MS 3600000L

/* Whether envd takes raw octet-stream uploads (0.5.7 on); unknown: yes. */
static bool
octet_stream_ok(const char *v)
{
	unsigned a = 0, b = 0, c = 0;

	if (v == NULL || sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return true;
	if (a != 0)
		return a > 0;
	return b > 5 || (b == 5 && c >= 7);
}

static void
files_path(const struct e2b_dp *dp, const char *path, struct buf *q)
{
	buf_adds(q, "/files?path=");
	uri_encode(q, path, strlen(path), 0);
	if (dp->user) {
		buf_adds(q, "&username=");
		uri_encode(q, dp->user, strlen(dp->user), 0);
	}
}

/* A multipart body around the caller's bytes. */
struct mp {
	struct buf head, tail;
	size_t hoff, toff;
	uint64_t left;
	ssize_t (*rd)(void *, size_t, void *);
	void *arg;
};

static ssize_t
mp_read(void *dst, size_t n, void *arg)
{
	struct mp *m = arg;
	size_t k;
	ssize_t got;

	if (m->hoff < m->head.len) {
		k = m->head.len - m->hoff < n ? m->head.len - m->hoff : n;
		memcpy(dst, m->head.ptr + m->hoff, k);
		m->hoff += k;
		return (ssize_t)k;
	}
	if (m->left > 0) {
		if (n > m->left)
			n = (size_t)m->left;
		if ((got = m->rd(dst, n, m->arg)) <= 0)
			return got < 0 ? got : -EIO; /* the file shrank */
		m->left -= (uint64_t)got;
		return got;
	}
	k = m->tail.len - m->toff < n ? m->tail.len - m->toff : n;
	memcpy(dst, m->tail.ptr + m->toff, k);
	m->toff += k;
	return (ssize_t)k;
}

static void
mp_init(struct mp *m, const char *path, uint64_t len, struct e2b_hdrs *h)
{
	static const char bnd[] = "roma-e2b-7d4f0a3c9b1e";
	const char *p;

	memset(m, 0, sizeof(*m));
	m->left = len;
	buf_addf(&m->head,
	    "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"",
	    bnd);
	for (p = path; *p; p++) {
		if (*p == '"' || *p == '\r' || *p == '\n')
			buf_addf(&m->head, "%%%02X", (unsigned char)*p);
		else
			buf_addc(&m->head, *p);
	}
	buf_adds(
	    &m->head, "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
	buf_addf(&m->tail, "\r\n--%s--\r\n", bnd);
	e2b_hdrs_add(h, "Content-Type: multipart/form-data; boundary=%s", bnd);
}

static int
check_written(const struct http_resp *resp, const char *path, struct rerr *e)
{
	struct json *j = json_parse(resp->body.ptr, resp->body.len);
	int r = 0;

	if (!json_is_arr(j) || json_len(j) == 0)
		r = rerr_set(e, -EPROTO,
		    "envd: no information about the written file %s", path);
	json_free(j);
	return r;
}

int
e2b_files_write(const struct e2b_dp *dp, const char *path,
    ssize_t (*rd)(void *dst, size_t n, void *arg), void *arg, uint64_t len,
    struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, q = BUF_INIT;
	struct mp m;
	bool raw = octet_stream_ok(dp->envd_version);
	int r;

	files_path(dp, path, &q);
	e2b_dp_request(dp, E2B_ENVD_PORT, q.ptr, true, &url, &h);
	hr.method = "POST";
	hr.url = url.ptr;
	hr.timeout_ms = UPLOAD_TIMEOUT_MS;
	if (raw) {
		e2b_hdrs_add(&h, "Content-Type: application/octet-stream");
		hr.read = rd;
		hr.read_arg = arg;
		hr.body_len = len;
	} else {
		mp_init(&m, path, len, &h);
		m.rd = rd;
		m.arg = arg;
		hr.read = mp_read;
		hr.read_arg = &m;
		hr.body_len = m.head.len + len + m.tail.len;
	}
	hr.headers = (const char *const *)h.v;
	log_debug(
	    LOG_E2B, "upload %s (%llu bytes)", path, (unsigned long long)len);
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0)
		goto out;
	if (resp.status != 200)
		r = e2b_dp_http_error(
		    dp, resp.status, resp.body.ptr, resp.body.len, e);
	else
		r = check_written(&resp, path, e);
out:
	if (!raw) {
		buf_release(&m.head);
		buf_release(&m.tail);
	}
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&q);
	return r;
}

int
e2b_files_read(const struct e2b_dp *dp, const char *path,
    int (*wr)(const void *p, size_t n, void *arg), void *arg, struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT, q = BUF_INIT;
	int r;

	files_path(dp, path, &q);
	e2b_dp_request(dp, E2B_ENVD_PORT, q.ptr, true, &url, &h);
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.write = wr;
	hr.write_arg = arg;
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0)
		goto out;
	if (resp.status == 404)
		r = rerr_http(e, -ENOENT, 404, "FileNotFoundError", NULL,
		    "%s: no such file in sandbox %s", path, dp->id);
	else if (resp.status == 400 &&
	    memmem(resp.body.ptr, resp.body.len, "directory", 9))
		r = rerr_http(e, -EISDIR, 400, "InvalidArgumentError", NULL,
		    "%s: is a directory", path);
	else if (resp.status != 200)
		r = e2b_dp_http_error(
		    dp, resp.status, resp.body.ptr, resp.body.len, e);
out:
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	buf_release(&q);
	return r;
}

int
e2b_envd_health(const struct e2b_dp *dp, struct rerr *e)
{
	struct http_req hr = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct e2b_hdrs h = { { NULL }, 0 };
	struct buf url = BUF_INIT;
	int r;

	e2b_dp_request(dp, E2B_ENVD_PORT, "/health", false, &url, &h);
	hr.url = url.ptr;
	hr.headers = (const char *const *)h.v;
	hr.timeout_ms = 5000;
	if ((r = http_do(dp->api->http, &hr, &resp, e)) != 0)
		goto out;
	if (resp.status < 200 || resp.status > 299)
		r = e2b_dp_http_error(
		    dp, resp.status, resp.body.ptr, resp.body.len, e);
out:
	http_resp_release(&resp);
	e2b_hdrs_release(&h);
	buf_release(&url);
	return r;
}
