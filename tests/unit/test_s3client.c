/* Unit tests for the S3 client: the error and retry tables, backoff
 * bounds, HTTP dates, the pinned clock, URLs for tricky keys, and the
 * request pipeline against a canned HTTP server on a loopback thread
 * (retries, give-up, region hints, clock skew, a 200 <Error>, a resumed
 * download, signed payloads over plain HTTP) and the encryption, ACL,
 * storage class and requester-pays headers each request carries. */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/ops.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "httpd_harness.h"

#define EMPTY_SHA \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define NOW_ISO "2015-08-30T12:36:00Z"

/* Queue an S3 XML error reply. */
static void
xml_error(
    struct httpd *s, const char *status, const char *code, const char *extra)
{
	char body[1024];

	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
	    "<Message>m-%s</Message>%s<RequestId>RID1</RequestId></Error>",
	    code, code, extra);
	httpd_reply(s, status, "Content-Type: application/xml\r\n", body);
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
new_client(const char *endpoint, unsigned attempts)
{
	struct s3_client_opts o = { 0 };
	struct s3_client *c;
	struct rerr e;

	clean_env();
	o.endpoint = endpoint;
	o.max_attempts = attempts;
	o.backoff_base_ms = 1;
	o.backoff_cap_ms = 5;
	c = s3_client_new(&o, &e);
	if (c == NULL)
		fail_msg("s3_client_new: %s", rerr_str(&e));
	return c;
}

/* Start `s` and a client of it making up to `attempts` per request. */
static struct s3_client *
start(struct httpd *s, unsigned attempts)
{
	httpd_start(s);
	return new_client(httpd_url(s, ""), attempts);
}

/* Free the client, then stop the server and drop what it saw. */
static void
finish(struct s3_client *c, struct httpd *s)
{
	s3_client_free(c);
	httpd_stop(s);
	httpd_release(s);
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
	struct s3_client *c = new_client(NULL, 1);
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
	struct httpd s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	xml_error(&s, "503 Slow Down", "SlowDown", "");
	httpd_reply(&s, "500 Internal Server Error", "", "");
	httpd_reply(&s, "200 OK", "ETag: \"e1\"\r\n", "hello");
	c = start(&s, 3);
	assert_int_equal(s3_get_object(c, "bkt", "a b+c", &g, NULL, &e), 0);
	assert_string_equal(got.ptr, "hello");
	assert_int_equal(s.nreq, 3);
	assert_non_null(
	    strcasestr(s.req[0].ptr, "GET /bkt/a%20b%2Bc HTTP/1.1"));
	assert_non_null(
	    strcasestr(s.req[0].ptr, "x-amz-content-sha256: " EMPTY_SHA));
	assert_non_null(strcasestr(s.req[0].ptr,
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request"));
	assert_null(strcasestr(s.req[0].ptr, "Range:"));
	finish(c, &s);
	buf_release(&got);
}

static void
test_give_up(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct s3_object_info info = { 0 };
	struct rerr e;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		xml_error(&s, "503 Slow Down", "SlowDown", "");
	c = start(&s, 3);
	assert_int_equal(
	    s3_head_object(c, "bkt", "k", NULL, &info, &e), -EAGAIN);
	assert_int_equal(e.http_status, 503);
	assert_int_equal(s.nreq, 3);
	finish(c, &s);
}

/* A caller who gave up (its thread's cancel flag) gets -EINTR at once: no
 * retry of the 503; an abort, a clean-up, still goes out. */
static void
cancel_on_first(int i, void *arg)
{
	if (i == 0)
		cancel_set(arg);
}

static void
test_cancelled(void **state)
{
	struct httpd s = { .on_request = cancel_on_first };
	struct s3_client *c;
	struct s3_object_info info = { 0 };
	struct cancel cn;
	struct rerr e;

	(void)state;
	xml_error(&s, "503 Slow Down", "SlowDown", "");
	httpd_reply(&s, "204 No Content", "", "");
	cancel_init(&cn);
	s.arg = &cn;
	c = start(&s, 3);
	cancel_watch(&cn);
	assert_int_equal(
	    s3_head_object(c, "bkt", "k", NULL, &info, &e), -EINTR);
	assert_int_equal(s.nreq, 1);
	assert_non_null(strstr(e.msg, "HEAD s3://bkt/k: interrupted"));
	assert_int_equal(s3_mpu_abort(c, "bkt", "k", "id1", &e), 0);
	assert_int_equal(s.nreq, 2);
	assert_non_null(strstr(s.req[1].ptr, "DELETE /bkt/k?uploadId=id1"));
	cancel_watch(NULL);
	finish(c, &s);
}

static void
test_not_found(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	xml_error(&s, "404 Not Found", "NoSuchKey", "");
	httpd_reply(&s, "404 Not Found", "", "");
	c = start(&s, 3);
	assert_int_equal(s3_get_object(c, "bkt", "k", &g, NULL, &e), -ENOENT);
	assert_string_equal(e.code, "NoSuchKey");
	assert_string_equal(e.request_id, "RID1");
	assert_int_equal(e.http_status, 404);
	assert_int_equal(got.len, 0);
	assert_null(strstr(e.msg, "Signature"));
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_int_equal(s.nreq, 2);
	finish(c, &s);
}

static void
test_region_hint(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	char region[S3_REGION_MAX];
	struct rerr e;

	(void)state;
	/* A HEAD has no body: the hint is the header. */
	httpd_reply(&s, "301 Moved Permanently",
	    "x-amz-bucket-region: eu-west-1\r\n", "");
	httpd_reply(&s, "200 OK", "x-amz-bucket-region: eu-west-1\r\n", "");
	httpd_reply(&s, "204 No Content", "", "");
	/* Another bucket: the hint is in the error body. */
	xml_error(&s, "400 Bad Request", "AuthorizationHeaderMalformed",
	    "<Region>ap-south-1</Region>");
	httpd_reply(&s, "204 No Content", "", "");
	c = start(&s, 1);
	assert_int_equal(s3_head_bucket(c, "bkt", region, &e), 0);
	assert_string_equal(region, "eu-west-1");
	assert_non_null(strcasestr(s.req[1].ptr, "/eu-west-1/s3/aws4_request"));
	/* Remembered for later requests. */
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_non_null(strcasestr(s.req[2].ptr, "/eu-west-1/s3/aws4_request"));
	assert_int_equal(s3_delete_object(c, "other", "k", &e), 0);
	assert_non_null(strcasestr(s.req[3].ptr, "/us-east-1/s3/aws4_request"));
	assert_non_null(
	    strcasestr(s.req[4].ptr, "/ap-south-1/s3/aws4_request"));
	finish(c, &s);
}

static void
test_clock_skew(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct rerr e;

	(void)state;
	xml_error(&s, "403 Forbidden", "RequestTimeTooSkewed",
	    "<ServerTime>2015-08-30T13:36:00Z</ServerTime>");
	httpd_reply(&s, "204 No Content", "", "");
	c = start(&s, 1);
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	assert_non_null(
	    strcasestr(s.req[0].ptr, "X-Amz-Date: 20150830T123600Z"));
	assert_non_null(
	    strcasestr(s.req[1].ptr, "X-Amz-Date: 20150830T133600Z"));
	assert_int_equal(s3_client_now(c), 1440938160 + 3600);
	finish(c, &s);
}

static void
test_error_in_200(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct s3_part part = { 1, "p1" };
	struct s3_put_result res = { "", 0 };
	struct rerr e;

	(void)state;
	xml_error(&s, "200 OK", "InternalError", "");
	httpd_reply(&s, "200 OK", "",
	    "<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key>"
	    "<ETag>\"abc-1\"</ETag></CompleteMultipartUploadResult>");
	xml_error(&s, "200 OK", "AccessDenied", "");
	c = start(&s, 3);
	assert_int_equal(
	    s3_mpu_complete(c, "bkt", "k", "U1", &part, 1, NULL, &res, &e), 0);
	assert_string_equal(res.etag, "abc-1");
	assert_non_null(strcasestr(s.req[0].ptr, "POST /bkt/k?uploadId=U1 "));
	assert_int_equal(
	    s3_mpu_complete(c, "bkt", "k", "U1", &part, 1, NULL, &res, &e),
	    -EACCES);
	assert_string_equal(e.code, "AccessDenied");
	assert_int_equal(s.nreq, 3);
	finish(c, &s);
}

static void
test_resume(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct buf got = BUF_INIT;
	struct s3_get_opts g = { .sink = collect, .arg = &got };
	struct rerr e;

	(void)state;
	/* Ten bytes promised, four sent, then the connection drops. */
	s.replies[0] =
	    "HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nConnection: close\r\n"
	    "Content-Length: 10\r\n\r\n0123";
	httpd_reply(&s, "206 Partial Content",
	    "ETag: \"abc\"\r\nContent-Range: bytes 4-9/10\r\n", "456789");
	c = start(&s, 3);
	assert_int_equal(s3_get_object(c, "bkt", "k", &g, NULL, &e), 0);
	assert_string_equal(got.ptr, "0123456789");
	assert_non_null(strcasestr(s.req[1].ptr, "Range: bytes=4-\r\n"));
	assert_non_null(strcasestr(s.req[1].ptr, "If-Match: \"abc\"\r\n"));
	finish(c, &s);
	buf_release(&got);
}

static int
read_body(void *p, size_t n, uint64_t off, void *arg)
{
	memcpy(p, (const char *)arg + off, n);
	return 0;
}

/* Put "abc" through a first attempt that fails; the second's request. */
static void
put_twice(struct httpd *s, struct s3_client *c)
{
	struct s3_body b = { NULL, 3, read_body, (void *)"abc" };
	struct s3_meta m = { "Colour", "blue" };
	struct s3_put_opts o = {
		.content_type = "text/plain", .meta = &m, .nmeta = 1
	};
	struct s3_put_result res;
	struct rerr e;

	assert_int_equal(s3_put_object(c, "bkt", "k", &b, &o, &res, &e), 0);
	assert_string_equal(res.etag, "900150983cd24fb0");
	assert_non_null(strcasestr(s->req[1].ptr, "\r\n\r\nabc"));
	assert_non_null(strcasestr(s->req[1].ptr, "x-amz-meta-Colour: blue"));
	assert_non_null(strcasestr(s->req[1].ptr, "Content-Type: text/plain"));
	/* Header injection is refused before anything is sent. */
	m.value = "x\r\nEvil: 1";
	assert_int_equal(
	    s3_put_object(c, "bkt", "k", &b, &o, &res, &e), -EINVAL);
	assert_int_equal(s->nreq, 2);
}

static void
test_signed_payload(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	char url[64];

	(void)state;
	/* To a loopback endpoint no network can alter the body: unsigned. */
	httpd_reply(&s, "500 Oops", "", "");
	httpd_reply(&s, "200 OK", "ETag: \"900150983cd24fb0\"\r\n", "");
	c = start(&s, 2);
	put_twice(&s, c);
	assert_non_null(strcasestr(
	    s.req[1].ptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"));
	finish(c, &s);
	/* Any other plain-HTTP host gets the body's hash signed, on every
	 * attempt.  0.0.0.0 is such a host to roma, and Linux connects it
	 * to this machine. */
	memset(&s, 0, sizeof(s));
	httpd_reply(&s, "500 Oops", "", "");
	httpd_reply(&s, "200 OK", "ETag: \"900150983cd24fb0\"\r\n", "");
	httpd_start(&s);
	snprintf(url, sizeof(url), "http://0.0.0.0:%d", s.port);
	c = new_client(url, 2);
	put_twice(&s, c);
	assert_non_null(strcasestr(s.req[1].ptr,
	    "x-amz-content-sha256: "
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	finish(c, &s);
}

#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_MD5 "tP/LI3N87DFaSk0aoqYgzg=="

static void
test_ssec_key(void **state)
{
	struct s3_objcfg cfg = { 0 };
	char raw[33];
	struct rerr e;

	(void)state;
	/* Padding left off, white space around: the same key. */
	assert_int_equal(
	    s3_ssec_key(
	        " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", &cfg, &e),
	    0);
	assert_int_equal(cfg.sse, S3_SSE_C);
	assert_string_equal(cfg.ssec_key, KEY_B64);
	assert_string_equal(cfg.ssec_md5, KEY_MD5);
	/* 32 characters are 24 bytes once decoded: refused, key not named. */
	memset(raw, 'A', 32);
	raw[32] = '\0';
	assert_int_equal(s3_ssec_key(raw, &cfg, &e), -EINVAL);
	assert_non_null(strstr(rerr_str(&e), "24 bytes"));
	assert_null(strstr(rerr_str(&e), raw));
	assert_int_equal(s3_ssec_key("not base64!", &cfg, &e), -EINVAL);
	assert_true(s3_acl_known("bucket-owner-full-control"));
	assert_false(s3_acl_known("log-delivery-write"));
	assert_false(s3_acl_known("Private"));
	assert_true(s3_storage_class_known("STANDARD_IA"));
	assert_false(s3_storage_class_known("standard"));
	assert_non_null(strstr(s3_storage_class_names(), "GLACIER_IR"));
}

static bool
has(const struct buf *req, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return strcasestr(req->ptr, want) != NULL;
}

#define SSEC_KEY_LINE "x-amz-server-side-encryption-customer-key: " KEY_B64
#define SSEC_SRC_LINE \
	"x-amz-copy-source-server-side-encryption-customer-key: " KEY_B64

/* SSE-C: the key on writes, reads, parts and (twice) copies; never with
 * SSE-S3's header.  Requester pays: on every request. */
static void
test_ssec_requests(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct s3_objcfg cfg = { 0 };
	struct s3_body b = { "abc", 3, NULL, NULL };
	struct s3_put_opts po = { .cfg = &cfg };
	struct s3_copy_opts co = { .cfg = &cfg };
	struct s3_object_info info = { 0 };
	char etag[S3_ETAG_MAX];
	struct rerr e;
	int i;

	(void)state;
	assert_int_equal(s3_ssec_key(KEY_B64, &cfg, &e), 0);
	for (i = 0; i < 3; i++)
		httpd_reply(&s, "200 OK", "ETag: \"e1\"\r\n", "");
	httpd_reply(&s, "200 OK", "",
	    "<CopyObjectResult><ETag>\"e2\"</ETag></CopyObjectResult>");
	httpd_reply(&s, "204 No Content", "", "");
	c = start(&s, 1);
	c->request_payer = true;
	assert_int_equal(s3_put_object(c, "bkt", "k", &b, &po, NULL, &e), 0);
	assert_int_equal(s3_head_object(c, "bkt", "k", &cfg, &info, &e), 0);
	assert_int_equal(
	    s3_mpu_part(c, "bkt", "k", "U1", 1, &b, &cfg, etag, &e), 0);
	assert_int_equal(
	    s3_copy_object(c, "bkt", "k", "bkt", "k2", &co, NULL, &e), 0);
	assert_int_equal(s3_delete_object(c, "bkt", "k", &e), 0);
	for (i = 0; i < 4; i++) {
		assert_true(has(&s.req[i], SSEC_KEY_LINE));
		assert_true(has(&s.req[i],
		    "x-amz-server-side-encryption-customer-key-MD5: " KEY_MD5));
		assert_true(has(&s.req[i],
		    "x-amz-server-side-encryption-customer-algorithm: AES256"));
		assert_null(
		    strcasestr(s.req[i].ptr, "x-amz-server-side-encryption: "));
		assert_null(strcasestr(s.req[i].ptr, "x-amz-storage-class"));
		assert_null(strcasestr(s.req[i].ptr, "x-amz-acl"));
	}
	assert_true(has(&s.req[3], SSEC_SRC_LINE));
	assert_null(strcasestr(s.req[2].ptr, "x-amz-copy-source-server"));
	assert_null(strcasestr(s.req[4].ptr, "customer"));
	for (i = 0; i < 5; i++)
		assert_true(has(&s.req[i], "x-amz-request-payer: requester"));
	s3_object_info_release(&info);
	finish(c, &s);
}

#define KEY2_B64 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define KEY2_MD5 "v2HomVYPq94vbXb0BabrcA=="

/* A copy whose source has its own key (copy_src): the source's key on the
 * source's HEAD and as the copy-source key; the copy's own on the copy. */
static void
test_ssec_copy_source(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct s3_objcfg src = { 0 }, dst = { .copy_src = &src };
	struct s3_copy_opts co = { .cfg = &dst };
	char etag[S3_ETAG_MAX];
	struct rerr e;
	int i;

	(void)state;
	assert_int_equal(s3_ssec_key(KEY2_B64, &src, &e), 0);
	assert_int_equal(s3_ssec_key(KEY_B64, &dst, &e), 0);
	httpd_reply(&s, "200 OK", "ETag: \"e1\"\r\n", "");
	httpd_reply(&s, "200 OK", "",
	    "<CopyObjectResult><ETag>\"e2\"</ETag></CopyObjectResult>");
	httpd_reply(&s, "200 OK", "",
	    "<CopyPartResult><ETag>\"p1\"</ETag></CopyPartResult>");
	httpd_reply(&s, "200 OK", "",
	    "<CopyObjectResult><ETag>\"e3\"</ETag></CopyObjectResult>");
	c = start(&s, 1);
	assert_int_equal(
	    s3_copy(c, "bkt", "k", "bkt", "k2", &co, NULL, NULL, &e), 0);
	assert_int_equal(s3_mpu_part_copy(c, "bkt", "k2", "U1", 1, "bkt", "k",
	                     0, 3, NULL, &dst, etag, &e),
	    0);
	assert_true(strncmp(s.req[0].ptr, "HEAD /bkt/k ", 12) == 0);
	assert_true(has(
	    &s.req[0], "x-amz-server-side-encryption-customer-key: " KEY2_B64));
	assert_null(strcasestr(s.req[0].ptr, "x-amz-copy-source-server"));
	assert_null(strcasestr(s.req[0].ptr, KEY_B64));
	for (i = 1; i < 3; i++) {
		assert_true(has(&s.req[i], SSEC_KEY_LINE));
		assert_true(has(&s.req[i],
		    "x-amz-server-side-encryption-customer-key-MD5: " KEY_MD5));
		assert_true(has(&s.req[i],
		    "x-amz-copy-source-server-side-encryption-customer-key: " KEY2_B64));
		assert_true(has(&s.req[i],
		    "x-amz-copy-source-server-side-encryption-customer-key-MD5: " KEY2_MD5));
	}
	/* A source without a key under a copy with one: no source lines. */
	memset(&src, 0, sizeof(src));
	assert_int_equal(
	    s3_copy_object(c, "bkt", "k", "bkt", "k3", &co, NULL, &e), 0);
	assert_true(has(&s.req[3], SSEC_KEY_LINE));
	assert_null(strcasestr(s.req[3].ptr, "x-amz-copy-source-server"));
	finish(c, &s);
}

/* SSE-KMS, ACL and class on creating requests only; a per-call class
 * wins over the config's. */
static void
test_write_headers(void **state)
{
	struct httpd s = { 0 };
	struct s3_client *c;
	struct s3_objcfg cfg = { .sse = S3_SSE_KMS,
		.kms_key_id = "arn:aws:kms:us-east-1:1:key/k",
		.acl = "bucket-owner-full-control",
		.storage_class = "STANDARD_IA" };
	struct s3_body b = { "abc", 3, NULL, NULL };
	struct s3_put_opts po = { .cfg = &cfg };
	char etag[S3_ETAG_MAX], *id = NULL;
	struct rerr e;

	(void)state;
	httpd_reply(&s, "200 OK", "ETag: \"e1\"\r\n", "");
	httpd_reply(&s, "200 OK", "",
	    "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
	    "</InitiateMultipartUploadResult>");
	httpd_reply(&s, "200 OK", "ETag: \"p1\"\r\n", "");
	httpd_reply(&s, "200 OK", "ETag: \"e3\"\r\n", "");
	c = start(&s, 1);
	assert_int_equal(s3_put_object(c, "bkt", "k", &b, &po, NULL, &e), 0);
	assert_int_equal(s3_mpu_create(c, "bkt", "k", &po, &id, &e), 0);
	assert_int_equal(
	    s3_mpu_part(c, "bkt", "k", id, 1, &b, &cfg, etag, &e), 0);
	po.storage_class = "STANDARD";
	assert_int_equal(s3_put_object(c, "bkt", "k", &b, &po, NULL, &e), 0);
	assert_true(has(&s.req[0], "x-amz-server-side-encryption: aws:kms"));
	assert_true(has(&s.req[1], "x-amz-server-side-encryption: aws:kms"));
	assert_true(has(&s.req[1],
	    "x-amz-server-side-encryption-aws-kms-key-id: "
	    "arn:aws:kms:us-east-1:1:key/k"));
	assert_true(has(&s.req[1], "x-amz-acl: bucket-owner-full-control"));
	assert_true(has(&s.req[1], "x-amz-storage-class: STANDARD_IA"));
	/* UploadPart takes none of them (S3 refuses SSE headers there). */
	assert_null(strcasestr(s.req[2].ptr, "x-amz-server-side"));
	assert_null(strcasestr(s.req[2].ptr, "x-amz-acl"));
	assert_null(strcasestr(s.req[2].ptr, "x-amz-storage-class"));
	assert_null(strcasestr(s.req[2].ptr, "x-amz-request-payer"));
	assert_true(has(&s.req[3], "x-amz-storage-class: STANDARD"));
	assert_null(strcasestr(s.req[3].ptr, "STANDARD_IA"));
	/* A CR or LF in a setting would inject a header: refused. */
	cfg.kms_key_id = "k\r\nEvil: 1";
	assert_int_equal(
	    s3_put_object(c, "bkt", "k", &b, &po, NULL, &e), -EINVAL);
	free(id);
	finish(c, &s);
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
		cmocka_unit_test(test_ssec_key),
		cmocka_unit_test(test_ssec_requests),
		cmocka_unit_test(test_ssec_copy_source),
		cmocka_unit_test(test_write_headers),
	};

	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
