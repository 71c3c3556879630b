/* Unit tests for net/http without a network: error mapping, and requests
 * against a tiny HTTP/1.1 server on a loopback thread (status, headers,
 * bodies, caps, cut-short replies, refused and stalled connections,
 * keep-alive through the handle pool, and redacted traces). */
#include "roma.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/rerr.h"

#include <curl/curl.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "httpd_harness.h"

static struct tls_ca ca = TLS_CA_INIT;
static struct buf trace = BUF_INIT;

static struct http_client *
client(long timeout_ms)
{
	struct http_opts o = { 0 };
	struct http_client *c;
	struct rerr e;

	o.ca = &ca;
	o.timeout_ms = timeout_ms;
	o.user_agent = "roma-test/1";
	c = http_client_new(&o, &e);
	assert_non_null(c);
	return c;
}

/* One request to `path` on a server started for it, from a new client;
 * the server is stopped after, its records left for the test to check. */
static int
exchange(struct httpd *s, struct http_req *req, const char *path,
    struct http_resp *resp, struct rerr *e)
{
	struct http_client *c = client(5000);
	int r;

	httpd_start(s);
	req->url = httpd_url(s, path);
	r = http_do(c, req, resp, e);
	http_client_free(c);
	httpd_stop(s);
	return r;
}

static int
setup_group(void **state)
{
	(void)state;
	httpd_client_init(&ca);
	return 0;
}

static int
teardown_group(void **state)
{
	(void)state;
	tls_ca_release(&ca);
	buf_release(&trace);
	return 0;
}

static void
test_map_error(void **state)
{
	static const struct {
		int code, os, want;
	} t[] = {
		{ CURLE_OK, 0, 0 },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, -EINVAL },
		{ CURLE_URL_MALFORMAT, 0, -EINVAL },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, -EHOSTUNREACH },
		{ CURLE_COULDNT_RESOLVE_PROXY, 0, -EHOSTUNREACH },
		{ CURLE_COULDNT_CONNECT, ECONNREFUSED, -ECONNREFUSED },
		{ CURLE_COULDNT_CONNECT, 0, -ECONNREFUSED },
		{ CURLE_COULDNT_CONNECT, ENETUNREACH, -ENETUNREACH },
		{ CURLE_COULDNT_CONNECT, EHOSTUNREACH, -EHOSTUNREACH },
		{ CURLE_OPERATION_TIMEDOUT, 0, -ETIMEDOUT },
		{ CURLE_PARTIAL_FILE, 0, -ECONNRESET },
		{ CURLE_RECV_ERROR, ECONNRESET, -ECONNRESET },
		{ CURLE_SEND_ERROR, EPIPE, -ECONNRESET },
		{ CURLE_GOT_NOTHING, 0, -ECONNRESET },
		{ CURLE_HTTP2_STREAM, 0, -ECONNRESET },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, -EKEYREJECTED },
		{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, -EKEYREJECTED },
		{ CURLE_SSL_CACERT_BADFILE, 0, -EINVAL },
		{ CURLE_SSL_CERTPROBLEM, 0, -EINVAL },
		{ CURLE_SSL_CONNECT_ERROR, 0, -EPROTO },
		{ CURLE_WEIRD_SERVER_REPLY, 0, -EPROTO },
		{ CURLE_TOO_MANY_REDIRECTS, 0, -ELOOP },
		{ CURLE_OUT_OF_MEMORY, 0, -ENOMEM },
		{ CURLE_FILESIZE_EXCEEDED, 0, -EFBIG },
		{ CURLE_FAILED_INIT, 0, -EIO },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (http_map_error(t[i].code, t[i].os) != t[i].want)
			fail_msg("curl code %d (os %d): got %d, want %d",
			    t[i].code, t[i].os,
			    http_map_error(t[i].code, t[i].os), t[i].want);
}

static void
test_get(void **state)
{
	struct httpd s = { .replies = { "HTTP/1.1 200 OK\r\n"
		                        "Content-Length: 5\r\n"
		                        "ETag:   \"abc\"  \r\n"
		                        "x-amz-request-id: REQ1\r\n"
		                        "X-Dup: one\r\n"
		                        "X-Dup: two\r\n"
		                        "\r\nhello" } };
	const char *const hdrs[] = { "X-Test: 1", NULL };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { .headers = hdrs };

	(void)state;
	assert_int_equal(exchange(&s, &req, "/k?a=1", &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.status_line, "HTTP/1.1 200 OK");
	assert_string_equal(resp.body.ptr, "hello");
	assert_string_equal(http_resp_header(&resp, "etag"), "\"abc\"");
	assert_string_equal(
	    http_resp_header(&resp, "X-AMZ-REQUEST-ID"), "REQ1");
	assert_string_equal(http_resp_header(&resp, "content-length"), "5");
	assert_string_equal(http_resp_header(&resp, "x-dup"), "one");
	assert_null(http_resp_header(&resp, "x-missing"));
	assert_null(http_resp_header(&resp, "etag:"));
	assert_non_null(strstr(s.seen.ptr, "GET /k?a=1 HTTP/1.1\r\n"));
	assert_non_null(strstr(s.seen.ptr, "\r\nX-Test: 1\r\n"));
	assert_non_null(strstr(s.seen.ptr, "\r\nUser-Agent: roma-test/1\r\n"));
	httpd_release(&s);
	http_resp_release(&resp);
	assert_null(http_resp_header(&resp, "etag"));
}

static void
test_put_and_keepalive(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct httpd s = { .replies = { ok, ok, ok } };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct http_client *c;

	(void)state;
	httpd_start(&s);
	c = client(5000);
	req.url = httpd_url(&s, "/obj");
	req.method = "PUT";
	req.body = "payload";
	req.body_len = 7;
	assert_int_equal(http_do(c, &req, &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	req.method = "POST";
	req.body = NULL;
	req.body_len = 0;
	assert_int_equal(http_do(c, &req, &resp, NULL), 0);
	req.method = "DELETE";
	assert_int_equal(http_do(c, &req, &resp, NULL), 0);
	http_client_free(c);
	httpd_stop(&s);
	/* Three requests, one connection: the pooled handle kept it. */
	assert_int_equal(s.nreq, 3);
	assert_int_equal(s.nconn, 1);
	assert_non_null(strstr(s.seen.ptr, "PUT /obj HTTP/1.1\r\n"));
	assert_non_null(strstr(s.seen.ptr, "\r\n\r\npayloadPOST /obj "));
	assert_non_null(strstr(s.seen.ptr, "\r\nDELETE /obj HTTP/1.1\r\n"));
	httpd_release(&s);
	http_resp_release(&resp);
}

struct src {
	const char *p;
	size_t left;
	int fail;
};

static ssize_t
read_src(void *dst, size_t n, void *arg)
{
	struct src *s = arg;

	if (s->fail)
		return -EIO;
	if (n > s->left)
		n = s->left;
	memcpy(dst, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static int
write_sink(const void *p, size_t n, void *arg)
{
	return buf_add(arg, p, n);
}

static void
test_callbacks(void **state)
{
	struct httpd s = { .replies = {
		               "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
		               "\r\nbody",
		               "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n"
		               "\r\nmissing" } };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct src src = { "streamed", 8, 0 };
	struct buf sink = BUF_INIT;
	struct http_client *c;

	(void)state;
	httpd_start(&s);
	c = client(5000);
	req.url = httpd_url(&s, "/cb");
	req.method = "PUT";
	req.read = read_src;
	req.read_arg = &src;
	req.body_len = 8;
	req.write = write_sink;
	req.write_arg = &sink;
	assert_int_equal(http_do(c, &req, &resp, NULL), 0);
	assert_string_equal(sink.ptr, "body");
	assert_int_equal(resp.body.len, 0);
	assert_non_null(strstr(s.seen.ptr, "\r\n\r\nstreamed"));
	/* An error reply's body is kept for the caller, not streamed. */
	req.method = NULL;
	req.read = NULL;
	req.body_len = 0;
	buf_reset(&sink);
	assert_int_equal(http_do(c, &req, &resp, NULL), 0);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body.ptr, "missing");
	assert_int_equal(sink.len, 0);
	http_client_free(c);
	httpd_stop(&s);
	httpd_release(&s);
	http_resp_release(&resp);
	buf_release(&sink);
}

static void
test_read_error(void **state)
{
	struct httpd s = { .replies = { HTTPD_HANGUP } };
	struct src src = { "x", 1, 1 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { .method = "PUT",
		.read = read_src,
		.read_arg = &src,
		.body_len = 1 };
	struct rerr e;

	(void)state;
	assert_int_equal(exchange(&s, &req, "/", &resp, &e), -EIO);
	assert_non_null(strstr(e.msg, "transfer stopped"));
	httpd_release(&s);
	http_resp_release(&resp);
}

static void
test_body_cap(void **state)
{
	struct httpd s = { .replies = {
		               "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
		               "\r\n0123456789" } };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { .body_max = 9 };
	struct rerr e;

	(void)state;
	assert_int_equal(
	    exchange(&s, &req, "/big?X-Amz-Signature=secret", &resp, &e),
	    -E2BIG);
	assert_non_null(strstr(e.msg, "9 bytes"));
	/* The message names the server, never the query. */
	assert_null(strstr(e.msg, "secret"));
	assert_null(strstr(e.msg, "/big"));
	httpd_release(&s);
	http_resp_release(&resp);
}

static void
test_cut_short(void **state)
{
	struct httpd s = { .replies = { HTTPD_HANGUP } };
	struct httpd s2 = { .replies = {
		                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
		                "Connection: close\r\n\r\nonly some",
		                HTTPD_HANGUP } };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct http_client *c;
	struct rerr e;

	(void)state;
	/* Nothing at all: the connection closes before any reply. */
	httpd_start(&s);
	c = client(5000);
	req.url = httpd_url(&s, "/");
	assert_int_equal(http_do(c, &req, &resp, &e), -ECONNRESET);
	httpd_stop(&s);
	/* A body shorter than announced. */
	httpd_start(&s2);
	req.url = httpd_url(&s2, "/");
	assert_int_equal(http_do(c, &req, &resp, &e), -ECONNRESET);
	http_client_free(c);
	httpd_stop(&s2);
	httpd_release(&s);
	httpd_release(&s2);
	http_resp_release(&resp);
}

static void
test_refused(void **state)
{
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct http_client *c;
	struct httpd s = { 0 };
	struct rerr e;

	(void)state;
	httpd_start(&s);
	httpd_stop(&s); /* nobody listens there now */
	c = client(5000);
	req.url = httpd_url(&s, "/");
	assert_int_equal(http_do(c, &req, &resp, &e), -ECONNREFUSED);
	assert_int_equal(e.err, ECONNREFUSED);
	assert_non_null(strstr(e.msg, "http://127.0.0.1:"));
	http_client_free(c);
	httpd_release(&s);
	http_resp_release(&resp);
}

static void
test_timeout(void **state)
{
	struct httpd s = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { .timeout_ms = 300 };
	struct rerr e;

	(void)state;
	/* No replies: the kernel accepts the connection, nobody answers. */
	assert_int_equal(exchange(&s, &req, "/", &resp, &e), -ETIMEDOUT);
	httpd_release(&s);
	http_resp_release(&resp);
}

static void *
cancel_later(void *arg)
{
	usleep(300 * 1000);
	cancel_set(arg);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The thread's cancel flag stops a transfer nobody answers, within the
 * progress callback's second, and one that has not started at once. */
static void
test_cancel(void **state)
{
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct http_client *c;
	struct cancel cn;
	pthread_t tid;
	struct rerr e;
	double t0;
	char u[64];
	int port, fd;

	(void)state;
	fd = httpd_listen_any(&port);
	c = client(30000);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", port);
	req.url = u;
	cancel_init(&cn);
	assert_null(cancel_watch(&cn));
	assert_int_equal(pthread_create(&tid, NULL, cancel_later, &cn), 0);
	t0 = now_s();
	assert_int_equal(http_do(c, &req, &resp, &e), -EINTR);
	assert_true(now_s() - t0 < 3.0);
	assert_non_null(strstr(e.msg, "interrupted"));
	pthread_join(tid, NULL);
	/* Already cancelled: no connection at all. */
	t0 = now_s();
	assert_int_equal(http_do(c, &req, &resp, &e), -EINTR);
	assert_true(now_s() - t0 < 0.5);
	assert_ptr_equal(cancel_watch(NULL), &cn);
	http_client_free(c);
	close(fd);
	http_resp_release(&resp);
}

static void
test_bad_urls(void **state)
{
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { 0 };
	struct http_client *c;
	struct rerr e;

	(void)state;
	c = client(5000);
	/* Only http and https are spoken. */
	req.url = "file:///etc/passwd";
	assert_int_equal(http_do(c, &req, &resp, &e), -EINVAL);
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(http_do(c, &req, &resp, &e), -EINVAL);
	req.url = "http://user:pw@[::1/";
	assert_int_equal(http_do(c, &req, &resp, &e), -EINVAL);
	assert_null(strstr(e.msg, "pw"));
	http_client_free(c);
	http_resp_release(&resp);
}

static void
test_no_ca(void **state)
{
	struct tls_ca none = TLS_CA_INIT;
	struct http_opts o = { 0 };
	struct rerr e;

	(void)state;
	o.ca = &none;
	assert_null(http_client_new(&o, &e));
	assert_int_equal(e.err, EINVAL);
}

static void
capture(const char *line, void *arg)
{
	(void)arg;
	buf_adds(&trace, line);
	buf_addc(&trace, '\n');
}

static void
test_trace_redacted(void **state)
{
	static const char text[] =
	    "PUT /k?X-Amz-Signature=0badc0de HTTP/1.1\r\n"
	    "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/"
	    "us-east-1/s3/aws4_request, SignedHeaders=host, "
	    "Signature=deadbeef\r\n"
	    "X-Amz-Security-Token: tok3n\r\n\r\n";

	(void)state;
	log_set_sink(capture, NULL);
	log_set_level(LOG_LEVEL_TRACE);
	buf_reset(&trace);
	http_trace('>', text, sizeof(text) - 1);
	assert_string_equal(trace.ptr,
	    "roma: trace(http): > PUT /k?X-Amz-Signature=<redacted> HTTP/1.1\n"
	    "roma: trace(http): > Authorization: AWS4-HMAC-SHA256 "
	    "Credential=AKID/20150830/us-east-1/s3/aws4_request, "
	    "SignedHeaders=host, Signature=<redacted>\n"
	    "roma: trace(http): > X-Amz-Security-Token: <redacted>\n");
	log_set_level(LOG_LEVEL_WARN);
	log_set_sink(NULL, NULL);
}

static void
test_trace_live(void **state)
{
	struct httpd s = { .replies = {
		               "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
		               "X-Amz-Security-Token: srv-tok3n\r\n"
		               "\r\nbody-data" } };
	const char *const hdrs[] = { "Authorization: AWS4-HMAC-SHA256 "
		                     "Credential=AKID/x, SignedHeaders=host, "
		                     "Signature=deadbeef",
		"X-API-Key: e2b_s3cret", NULL };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_req req = { .headers = hdrs };

	(void)state;
	log_set_sink(capture, NULL);
	log_configure("trace:http");
	buf_reset(&trace);
	assert_int_equal(exchange(&s, &req, "/t", &resp, NULL), 0);
	httpd_release(&s);
	log_configure("warn");
	log_set_sink(NULL, NULL);
	assert_non_null(strstr(trace.ptr, "> GET /t HTTP/1.1\n"));
	assert_non_null(strstr(trace.ptr, "Credential=AKID/x"));
	assert_non_null(strstr(trace.ptr, "< HTTP/1.1 200 OK\n"));
	assert_null(strstr(trace.ptr, "deadbeef"));
	assert_null(strstr(trace.ptr, "s3cret"));
	assert_null(strstr(trace.ptr, "tok3n"));
	assert_null(strstr(trace.ptr, "body-data")); /* never bodies */
	http_resp_release(&resp);
}

static void
test_version(void **state)
{
	(void)state;
	assert_string_equal(
	    http_version(), curl_version_info(CURLVERSION_NOW)->version);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_error),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_put_and_keepalive),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_no_ca),
		cmocka_unit_test(test_trace_redacted),
		cmocka_unit_test(test_trace_live),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
