/* Unit tests for the S3 client: the error and retry tables, backoff
 * bounds, HTTP dates, the pinned clock, URLs for tricky keys, and the
 * request pipeline against a canned HTTP server on a loopback thread
 * (retries, give-up, region hints, clock skew, a 200 <Error>, a resumed
 * download, signed payloads over plain HTTP). */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/ops.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/rerr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#define MAXREQ 6
#define EMPTY_SHA \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define NOW_ISO "2015-08-30T12:36:00Z"

/* The server answers request i with replies[i]; a reply holding
 * "Connection: close" ends its connection. */
struct srv {
	int lfd, port;
	pthread_t tid;
	char *replies[MAXREQ];
	int nreq;
	struct buf seen[MAXREQ];
	struct cancel *cancel; /* set once the first request is in */
};

static int
listen_any(int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static bool
read_request(int fd, struct buf *b)
{
	char chunk[4096], *end, *cl;
	size_t want = 0, hlen;
	ssize_t n;

	while ((end = strstr(b->ptr, "\r\n\r\n")) == NULL) {
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			return false;
		buf_add(b, chunk, (size_t)n);
	}
	hlen = (size_t)(end + 4 - b->ptr);
	if ((cl = strcasestr(b->ptr, "\r\nContent-Length:")) && cl < end)
		want = strtoul(cl + 17, NULL, 10);
	while (b->len < hlen + want) {
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			return false;
		buf_add(b, chunk, (size_t)n);
	}
	return true;
}

static void *
serve(void *arg)
{
	struct srv *s = arg;
	struct timeval tv = { 5, 0 };
	const char *r;
	int fd;

	while (s->nreq < MAXREQ && s->replies[s->nreq]) {
		if ((fd = accept(s->lfd, NULL, NULL)) < 0)
			break;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (s->nreq < MAXREQ && s->replies[s->nreq] &&
		    read_request(fd, &s->seen[s->nreq])) {
			r = s->replies[s->nreq++];
			if (s->cancel != NULL)
				cancel_set(s->cancel);
			if (write(fd, r, strlen(r)) < 0 ||
			    strstr(r, "Connection: close"))
				break;
		}
		close(fd);
	}
	return NULL;
}

/* A reply with a Content-Length matching `body` unless `len` says. */
static char *
reply(const char *status, const char *hdrs, const char *body, long len)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "HTTP/1.1 %s\r\n%sContent-Length: %ld\r\n\r\n%s", status,
	    hdrs, len >= 0 ? len : (long)strlen(body), body);
	return buf_detach(&b, NULL);
}

static char *
xml_error(const char *status, const char *code, const char *extra)
{
	char body[1024];

	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
	    "<Message>m-%s</Message>%s<RequestId>RID1</RequestId></Error>",
	    code, code, extra);
	return reply(status, "Content-Type: application/xml\r\n", body, -1);
}

static void
srv_start(struct srv *s)
{
	int i;

	for (i = 0; i < MAXREQ; i++)
		buf_init(&s->seen[i], 0);
	s->lfd = listen_any(&s->port);
	assert_int_equal(pthread_create(&s->tid, NULL, serve, s), 0);
}

static void
srv_stop(struct srv *s)
{
	int i;

	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->tid, NULL);
	close(s->lfd);
	for (i = 0; i < MAXREQ; i++) {
		free(s->replies[i]);
		buf_release(&s->seen[i]);
	}
}

static void
clean_env(void)
{
	static const char *const unset[] = { "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_S3", "AWS_CA_BUNDLE" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unset); i++)
		unsetenv(unset[i]);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY",
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	setenv("ROMA_TEST_NOW", NOW_ISO, 1);
}

static struct s3_client *
new_client(int port, unsigned attempts)
{
	struct s3_client_opts o = { 0 };
	struct s3_client *c;
	char url[64];
	struct rerr e;

	clean_env();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	o.endpoint = port ? url : NULL;
	o.max_attempts = attempts;
	o.backoff_base_ms = 1;
	o.backoff_cap_ms = 5;
	c = s3_client_new(&o, &e);
	if (c == NULL)
		fail_msg("s3_client_new: %s", rerr_str(&e));
	return c;
}

static void
test_error_map(void **state)
{
	(void)state;
	assert_int_equal(s3_map_error(404, "NoSuchKey"), -ENOENT);
	assert_int_equal(s3_map_error(404, ""), -ENOENT);
	assert_int_equal(s3_map_error(404, "NoSuchBucket"), -ENXIO);
	assert_int_equal(s3_map_error(404, "NoSuchUpload"), -ENOENT);
	assert_int_equal(s3_map_error(403, NULL), -EACCES);
	assert_int_equal(s3_map_error(403, "SignatureDoesNotMatch"), -EACCES);
	assert_int_equal(s3_map_error(403, "InvalidAccessKeyId"), -EACCES);
	assert_int_equal(s3_map_error(409, "BucketAlreadyOwnedByYou"), -EEXIST);
	assert_int_equal(s3_map_error(409, "BucketAlreadyExists"), -EEXIST);
	assert_int_equal(s3_map_error(409, "BucketNotEmpty"), -ENOTEMPTY);
	assert_int_equal(s3_map_error(412, "PreconditionFailed"), -ESTALE);
	assert_int_equal(s3_map_error(416, "InvalidRange"), -ERANGE);
	assert_int_equal(s3_map_error(503, "SlowDown"), -EAGAIN);
	assert_int_equal(s3_map_error(429, ""), -EAGAIN);
	assert_int_equal(s3_map_error(403, "RequestTimeTooSkewed"), -ETIME);
	assert_int_equal(s3_map_error(400, "EntityTooLarge"), -EFBIG);
	assert_int_equal(s3_map_error(400, "InvalidArgument"), -EINVAL);
	assert_int_equal(s3_map_error(501, "NotImplemented"), -EOPNOTSUPP);
	assert_int_equal(s3_map_error(418, ""), -EIO);
}

static void
test_retry_classes(void **state)
{
	static const int yes[] = { 500, 502, 503, 504, 429 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(yes); i++)
		assert_true(s3_retryable_status(yes[i], ""));
	assert_true(s3_retryable_status(400, "RequestTimeout"));
	assert_true(s3_retryable_status(200, "InternalError"));
	assert_false(s3_retryable_status(404, "NoSuchKey"));
	assert_false(s3_retryable_status(403, "AccessDenied"));
	assert_false(s3_retryable_status(400, "InvalidArgument"));
	assert_false(s3_retryable_status(501, ""));
	assert_true(s3_retryable_errno(-ECONNRESET));
	assert_true(s3_retryable_errno(-ETIMEDOUT));
	assert_true(s3_retryable_errno(-EBADMSG));
	assert_false(s3_retryable_errno(-ECONNREFUSED));
	assert_false(s3_retryable_errno(-EACCES));
	assert_false(s3_retryable_errno(-EKEYREJECTED));
}

static void
test_backoff(void **state)
{
	unsigned a;

	(void)state;
	assert_int_equal(s3_backoff_ms(1, 100, 10000, 0), 0);
	assert_int_equal(s3_backoff_ms(1, 100, 10000, UINT32_MAX), 100);
	assert_int_equal(s3_backoff_ms(3, 100, 10000, UINT32_MAX), 400);
	assert_int_equal(s3_backoff_ms(3, 100, 10000, 1u << 31), 200);
	for (a = 1; a < 100; a++)
		assert_true(s3_backoff_ms(a, 100, 10000, UINT32_MAX) <= 10000);
	assert_int_equal(s3_backoff_ms(60, 100, 10000, UINT32_MAX), 10000);
}

static void
test_http_date(void **state)
{
	time_t t = 0;

	(void)state;
	assert_int_equal(
	    s3_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	t = 0;
	assert_int_equal(
	    s3_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	t = 0;
	assert_int_equal(s3_parse_http_date("Sun Nov  6 08:49:37 1994", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(
	    s3_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", &t), -EINVAL);
	assert_int_equal(
	    s3_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT junk", &t),
	    -EINVAL);
	assert_int_equal(s3_parse_http_date("", &t), -EINVAL);
	assert_int_equal(s3_parse_http_date(NULL, &t), -EINVAL);
}

static void
test_clock_and_etag(void **state)
{
	char out[16];

	(void)state;
	setenv("ROMA_TEST_NOW", "1000", 1);
	assert_int_equal(s3_clock(), 1000);
	setenv("ROMA_TEST_NOW", NOW_ISO, 1);
	assert_int_equal(s3_clock(), 1440938160);
	s3_etag_unquote("\"abc\"", out, sizeof(out));
	assert_string_equal(out, "abc");
	s3_etag_unquote("W/\"abc\"", out, sizeof(out));
	assert_string_equal(out, "abc");
	s3_etag_unquote("plain", out, sizeof(out));
	assert_string_equal(out, "plain");
	s3_etag_unquote(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static bool
starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) == 0)
		return true;
	print_error("%s\ndoes not start with\n%s\n", s, prefix);
	return false;
}

static void
test_presign_urls(void **state)
{
	struct s3_client *c = new_client(0, 1);
	struct buf url = BUF_INIT;
	struct rerr e;

	(void)state;
	assert_int_equal(
	    s3_presign(c, "GET", "bkt", "dir/a b+c%d/\xc3\xbc", 60, &url, &e),
	    0);
	assert_true(starts(url.ptr,
	    "https://bkt.s3.us-east-1.amazonaws.com/dir/a%20b%2Bc%25d/%C3%BC?"));
	assert_non_null(strstr(url.ptr,
	    "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2F"));
	assert_non_null(strstr(url.ptr, "X-Amz-Date=20150830T123600Z"));
	assert_non_null(strstr(url.ptr, "X-Amz-Expires=60"));
	/* A learnt region moves the host and the scope. */
	s3_client_set_bucket_region(c, "bkt", "eu-west-1");
	buf_reset(&url);
	assert_int_equal(s3_presign(c, "GET", "bkt", "k", 60, &url, &e), 0);
	assert_true(
	    starts(url.ptr, "https://bkt.s3.eu-west-1.amazonaws.com/k?"));
	/* Dotted names cannot be TLS host names: path style. */
	buf_reset(&url);
	assert_int_equal(s3_presign(c, "PUT", "my.bkt", "k", 60, &url, &e), 0);
	assert_true(
	    starts(url.ptr, "https://s3.us-east-1.amazonaws.com/my.bkt/k?"));
	/* Skew learnt from the server shifts the signing time. */
	s3_client_set_skew(c, 1440938160 + 3600);
	assert_int_equal(s3_client_now(c), 1440938160 + 3600);
	buf_reset(&url);
	assert_int_equal(s3_presign(c, "GET", "bkt", "k", 60, &url, &e), 0);
	assert_non_null(strstr(url.ptr, "X-Amz-Date=20150830T133600Z"));
	assert_int_equal(
	    s3_presign(c, "GET", "bkt", "k", 0, &url, &e), -EINVAL);
	buf_release(&url);
	s3_client_free(c);
}

static int
collect(const void *p, size_t n, void *arg)
{
	return buf_add(arg, p, n);
}

static void
test_retry_then_ok(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	s.replies[0] = xml_error("503 Slow Down", "SlowDown", "");
	s.replies[1] = reply("500 Internal Server Error", "", "", -1);
	s.replies[2] = reply("200 OK", "ETag: \"e1\"\r\n", "hello", -1);
	srv_start(&s);
	c = new_client(s.port, 3);
	assert_int_equal(s3_get_object(c, "bkt", "a b+c", &g, NULL, &e), 0);
	assert_string_equal(got.ptr, "hello");
	assert_int_equal(s.nreq, 3);
	assert_non_null(
	    strcasestr(s.seen[0].ptr, "GET /bkt/a%20b%2Bc HTTP/1.1"));
	assert_non_null(
	    strcasestr(s.seen[0].ptr, "x-amz-content-sha256: " EMPTY_SHA));
	assert_non_null(strcasestr(s.seen[0].ptr,
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request"));
	assert_null(strcasestr(s.seen[0].ptr, "Range:"));
	s3_client_free(c);
	srv_stop(&s);
	buf_release(&got);
}

static void
test_give_up(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct s3_object_info info = { 0 };
	struct rerr e;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		s.replies[i] = xml_error("503 Slow Down", "SlowDown", "");
	srv_start(&s);
	c = new_client(s.port, 3);
	assert_int_equal(s3_head_object(c, "bkt", "k", &info, &e), -EAGAIN);
	assert_int_equal(e.http_status, 503);
	assert_int_equal(s.nreq, 3);
	s3_client_free(c);
	srv_stop(&s);
}

/* A caller who gave up (its thread's cancel flag) gets -EINTR at once: no
 * retry of the 503; an abort, a clean-up, still goes out. */
static void
test_cancelled(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct s3_object_info info = { 0 };
	struct cancel cn;
	struct rerr e;

	(void)state;
	s.replies[0] = xml_error("503 Slow Down", "SlowDown", "");
	s.replies[1] = reply("204 No Content", "", "", -1);
	cancel_init(&cn);
	s.cancel = &cn;
	srv_start(&s);
	c = new_client(s.port, 3);
	cancel_watch(&cn);
	assert_int_equal(s3_head_object(c, "bkt", "k", &info, &e), -EINTR);
	assert_int_equal(s.nreq, 1);
	assert_non_null(strstr(e.msg, "HEAD s3://bkt/k: interrupted"));
	assert_int_equal(s3_mpu_abort(c, "bkt", "k", "id1", &e), 0);
	assert_int_equal(s.nreq, 2);
	assert_non_null(strstr(s.seen[1].ptr, "DELETE /bkt/k?uploadId=id1"));
	cancel_watch(NULL);
	s3_client_free(c);
	srv_stop(&s);
}

static void
test_not_found(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	s.replies[0] = xml_error("404 Not Found", "NoSuchKey", "");
	s.replies[1] = reply("404 Not Found", "", "", -1);
	srv_start(&s);
	c = new_client(s.port, 3);
	assert_int_equal(s3_get_object(c, "bkt", "k", &g, NULL, &e), -ENOENT);
	assert_string_equal(e.code, "NoSuchKey");
	assert_string_equal(e.request_id, "RID1");
	assert_int_equal(e.http_status, 404);
	assert_int_equal(got.len, 0);
	assert_null(strstr(e.msg, "Signature"));
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_int_equal(s.nreq, 2);
	s3_client_free(c);
	srv_stop(&s);
}

static void
test_region_hint(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	char region[S3_REGION_MAX];
	struct rerr e;

	(void)state;
	/* A HEAD has no body: the hint is the header. */
	s.replies[0] = strdup("HTTP/1.1 301 Moved Permanently\r\n"
	                      "x-amz-bucket-region: eu-west-1\r\n"
	                      "Content-Length: 0\r\n\r\n");
	s.replies[1] =
	    reply("200 OK", "x-amz-bucket-region: eu-west-1\r\n", "", -1);
	s.replies[2] = reply("204 No Content", "", "", -1);
	/* Another bucket: the hint is in the error body. */
	s.replies[3] = xml_error("400 Bad Request",
	    "AuthorizationHeaderMalformed", "<Region>ap-south-1</Region>");
	s.replies[4] = reply("204 No Content", "", "", -1);
	srv_start(&s);
	c = new_client(s.port, 1);
	assert_int_equal(s3_head_bucket(c, "bkt", region, &e), 0);
	assert_string_equal(region, "eu-west-1");
	assert_non_null(
	    strcasestr(s.seen[1].ptr, "/eu-west-1/s3/aws4_request"));
	/* Remembered for later requests. */
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_non_null(
	    strcasestr(s.seen[2].ptr, "/eu-west-1/s3/aws4_request"));
	assert_int_equal(s3_delete_object(c, "other", "k", &e), 0);
	assert_non_null(
	    strcasestr(s.seen[3].ptr, "/us-east-1/s3/aws4_request"));
	assert_non_null(
	    strcasestr(s.seen[4].ptr, "/ap-south-1/s3/aws4_request"));
	s3_client_free(c);
	srv_stop(&s);
}

static void
test_clock_skew(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct rerr e;

	(void)state;
	s.replies[0] = xml_error("403 Forbidden", "RequestTimeTooSkewed",
	    "<ServerTime>2015-08-30T13:36:00Z</ServerTime>");
	s.replies[1] = reply("204 No Content", "", "", -1);
	srv_start(&s);
	c = new_client(s.port, 1);
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_non_null(
	    strcasestr(s.seen[0].ptr, "X-Amz-Date: 20150830T123600Z"));
	assert_non_null(
	    strcasestr(s.seen[1].ptr, "X-Amz-Date: 20150830T133600Z"));
	assert_int_equal(s3_client_now(c), 1440938160 + 3600);
	s3_client_free(c);
	srv_stop(&s);
}

static void
test_error_in_200(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct s3_part part = { 1, "p1" };
	struct s3_put_result res = { "", 0 };
	struct rerr e;

	(void)state;
	s.replies[0] = xml_error("200 OK", "InternalError", "");
	s.replies[1] = reply("200 OK", "",
	    "<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key>"
	    "<ETag>\"abc-1\"</ETag></CompleteMultipartUploadResult>",
	    -1);
	s.replies[2] = xml_error("200 OK", "AccessDenied", "");
	srv_start(&s);
	c = new_client(s.port, 3);
	assert_int_equal(
	    s3_mpu_complete(c, "bkt", "k", "U1", &part, 1, &res, &e), 0);
	assert_string_equal(res.etag, "abc-1");
	assert_non_null(strcasestr(s.seen[0].ptr, "POST /bkt/k?uploadId=U1 "));
	assert_int_equal(
	    s3_mpu_complete(c, "bkt", "k", "U1", &part, 1, &res, &e), -EACCES);
	assert_string_equal(e.code, "AccessDenied");
	assert_int_equal(s.nreq, 3);
	s3_client_free(c);
	srv_stop(&s);
}

static void
test_resume(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	/* Ten bytes promised, four sent, then the connection drops. */
	s.replies[0] = reply(
	    "200 OK", "ETag: \"abc\"\r\nConnection: close\r\n", "0123", 10);
	s.replies[1] = reply("206 Partial Content",
	    "ETag: \"abc\"\r\nContent-Range: bytes 4-9/10\r\n", "456789", -1);
	srv_start(&s);
	c = new_client(s.port, 3);
	assert_int_equal(s3_get_object(c, "bkt", "k", &g, NULL, &e), 0);
	assert_string_equal(got.ptr, "0123456789");
	assert_non_null(strcasestr(s.seen[1].ptr, "Range: bytes=4-\r\n"));
	assert_non_null(strcasestr(s.seen[1].ptr, "If-Match: \"abc\"\r\n"));
	s3_client_free(c);
	srv_stop(&s);
	buf_release(&got);
}

static int
read_body(void *p, size_t n, uint64_t off, void *arg)
{
	memcpy(p, (const char *)arg + off, n);
	return 0;
}

static void
test_signed_payload(void **state)
{
	struct srv s = { 0 };
	struct s3_client *c;
	struct s3_body b = { NULL, 3, read_body, (void *)"abc" };
	struct s3_meta m = { "Colour", "blue" };
	struct s3_put_opts o = { "text/plain", &m, 1, NULL, false };
	struct s3_put_result res;
	struct rerr e;

	(void)state;
	s.replies[0] = reply("500 Oops", "", "", -1);
	s.replies[1] =
	    reply("200 OK", "ETag: \"900150983cd24fb0\"\r\n", "", -1);
	srv_start(&s);
	c = new_client(s.port, 2);
	assert_int_equal(s3_put_object(c, "bkt", "k", &b, &o, &res, &e), 0);
	assert_string_equal(res.etag, "900150983cd24fb0");
	/* Over plain HTTP the body's hash is signed, on every attempt. */
	assert_non_null(strcasestr(s.seen[1].ptr,
	    "x-amz-content-sha256: "
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_non_null(strcasestr(s.seen[1].ptr, "\r\n\r\nabc"));
	assert_non_null(strcasestr(s.seen[1].ptr, "x-amz-meta-Colour: blue"));
	assert_non_null(strcasestr(s.seen[1].ptr, "Content-Type: text/plain"));
	/* Header injection is refused before anything is sent. */
	m.value = "x\r\nEvil: 1";
	assert_int_equal(
	    s3_put_object(c, "bkt", "k", &b, &o, &res, &e), -EINVAL);
	assert_int_equal(s.nreq, 2);
	s3_client_free(c);
	srv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_map),
		cmocka_unit_test(test_retry_classes),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_clock_and_etag),
		cmocka_unit_test(test_presign_urls),
		cmocka_unit_test(test_retry_then_ok),
		cmocka_unit_test(test_give_up),
		cmocka_unit_test(test_cancelled),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_region_hint),
		cmocka_unit_test(test_clock_skew),
		cmocka_unit_test(test_error_in_200),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_signed_payload),
	};

	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
