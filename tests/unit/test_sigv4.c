/*
 * test_sigv4 - the SigV4 signer against AWS's SigV4 test suite (every case
 * in tests/fixtures/sigv4: canonical request, string to sign, Authorization
 * and signed request), S3-mode cases whose expected values were computed
 * once with botocore 1.43 (S3SigV4Auth, S3SigV4QueryAuth), and the uri,
 * time and rawreq helpers the signer stands on.
 */
#include "roma.h"
#include "s3/rawreq.h"
#include "s3/sigv4.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/time.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_harness.h"

#define AKID       "AKIDEXAMPLE"
#define SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME 1440938160 /* 20150830T123600Z */
#define SUITE_N    34         /* .req files in the suite */

/* The suite's session tokens (the case's .creq; post-sts-token/readme.txt). */
#define TOKEN_VANILLA \
	"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define TOKEN_STS                                                               \
	"AQoDYXdzEPT//////////"                                                 \
	"wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp" \
	"SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"                               \
	"kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp7" \
	"5YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+"                                   \
	"xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSY" \
	"vKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

/* Cases that need more than the defaults. */
static const struct {
	const char *name;
	const char *token;
	unsigned flags;
	const char *sreq_sig; /* see below */
} special[] = {
	/* Upstream defect: this .sreq carries get-vanilla's signature, not
	 * the one in its own .authz (botocore agrees with the .authz).  The
	 * test checks the .sreq with that one value corrected. */
	{ "get-vanilla-with-session-token", TOKEN_VANILLA, 0,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "post-sts-header-after", TOKEN_STS, SIGV4_TOKEN_UNSIGNED, NULL },
	{ "post-sts-header-before", TOKEN_STS, 0, NULL },
};

static void
read_sibling(const char *req_path, const char *ext, struct buf *b)
{
	struct buf p = BUF_INIT;

	buf_add(&p, req_path, strlen(req_path) - 4);
	buf_adds(&p, ext);
	fixture_read(p.ptr, b);
	buf_release(&p);
}

static void
replace(struct buf *b, const char *from, const char *to)
{
	char *at = strstr(b->ptr, from);
	struct buf r = BUF_INIT;

	assert_non_null(at);
	buf_add(&r, b->ptr, (size_t)(at - b->ptr));
	buf_adds(&r, to);
	buf_adds(&r, at + strlen(from));
	buf_release(b);
	*b = r;
}

static void
suite_case(void **state)
{
	const char *path = *state, *base = strrchr(path, '/') + 1;
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_params p = { 0 };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	const char *fix = NULL;
	struct rawreq rq;
	struct rerr e;
	size_t i;

	p.creds = &cr;
	p.region = "us-east-1";
	p.service = "service";
	p.when = SUITE_TIME;
	for (i = 0; i < ARRAY_SIZE(special); i++)
		if (strncmp(base, special[i].name, strlen(special[i].name)) ==
		        0 &&
		    base[strlen(special[i].name)] == '.') {
			cr.session_token = special[i].token;
			p.flags = special[i].flags;
			fix = special[i].sreq_sig;
		}
	fixture_read(path, &in);
	assert_int_equal(rawreq_parse(in.ptr, in.len, &rq, &e), 0);
	assert_int_equal(sigv4_sign(&rq.req, &p, &s, &e), 0);
	read_sibling(path, ".creq", &want);
	assert_string_equal(s.creq.ptr, want.ptr);
	read_sibling(path, ".sts", &want);
	assert_string_equal(s.sts.ptr, want.ptr);
	read_sibling(path, ".authz", &want);
	assert_string_equal(s.authz.ptr, want.ptr);
	read_sibling(path, ".sreq", &want);
	if (fix != NULL)
		replace(&want, fix, s.signature);
	assert_int_equal(rawreq_format(&rq, &s, &got), 0);
	assert_string_equal(got.ptr, want.ptr);
	sigv4_signed_release(&s);
	rawreq_release(&rq);
	buf_release(&in);
	buf_release(&want);
	buf_release(&got);
}

struct paths {
	char **v;
	size_t n;
};

static void
find_reqs(const char *dir, struct paths *ps)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf p = BUF_INIT;
	size_t len;

	if (d == NULL)
		fail_msg("cannot open %s (set ROMA_TEST_DIR)", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, de->d_name);
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".req") == 0) {
			ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
			ps->v[ps->n++] = xstrdup(p.ptr);
		} else if (de->d_type == DT_DIR) {
			find_reqs(p.ptr, ps);
		}
	}
	closedir(d);
	buf_release(&p);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- S3 mode, against botocore ---- */

struct s3case {
	const char *name;
	const char *req;
	unsigned flags;
	enum sigv4_payload payload;
	const char *sig; /* botocore's */
};

#define S3F  (SIGV4_S3 | SIGV4_CONTENT_SHA256)
#define HOST "Host: examplebucket.s3.amazonaws.com\n"

static const struct s3case s3cases[] = {
	{ "space raw", "GET /my file.txt HTTP/1.1\n" HOST, S3F, 0,
	    "bcf3e25a3a5c0c52bf791c383ec02fe699682ecbdad6d2943e14b404910e2f98" },
	{ "space encoded", "GET /my%20file.txt HTTP/1.1\n" HOST, S3F, 0,
	    "bcf3e25a3a5c0c52bf791c383ec02fe699682ecbdad6d2943e14b404910e2f98" },
	{ "plus", "GET /a%2Bb%2bc HTTP/1.1\n" HOST, S3F, 0,
	    "bc16a8d0823cd657db933c8523cb1b8995c87d7335e885725cf5507b58cd9f76" },
	/* A raw '+' is a plus, never a space. */
	{ "plus raw", "GET /a+b+c HTTP/1.1\n" HOST, S3F, 0,
	    "bc16a8d0823cd657db933c8523cb1b8995c87d7335e885725cf5507b58cd9f76" },
	{ "percent", "GET /100%25.txt HTTP/1.1\n" HOST, S3F, 0,
	    "ce6ba52366eef828e9b8c2f51d463242a7453b3a809f4f8f4d2e3b25645d48ec" },
	{ "unicode", "GET /%C3%BCber/%E2%98%83.txt HTTP/1.1\n" HOST, S3F, 0,
	    "d05bf10912ce360c14f9cd716cd09dea59040dbd93226508489991d8ed163d3d" },
	{ "unicode raw",
	    "GET /\xc3\xbc"
	    "ber/\xe2\x98\x83.txt HTTP/1.1\n" HOST,
	    S3F, 0,
	    "d05bf10912ce360c14f9cd716cd09dea59040dbd93226508489991d8ed163d3d" },
	{ "slashes and dots kept",
	    "GET /examplebucket//a//b/./c/../d HTTP/1.1\nHost: s3.amazonaws.com\n",
	    S3F, 0,
	    "42fa4480d5040a91f0071d0cab56333bb2288c01e0b609348b6112b54572a9ac" },
	{ "query re-encoded and sorted",
	    "GET /?list-type=2&prefix=a%20b%2Bc&delimiter=/ HTTP/1.1\n" HOST,
	    S3F, 0,
	    "7dfa043b36b6391e9f72ea504dcda8128f1ddd9368493a1699aea8cb310cf2f7" },
	{ "signed body",
	    "PUT /test$file.text HTTP/1.1\n" HOST "\nWelcome to Amazon S3.",
	    S3F, 0,
	    "3c6ddbad8045813685f6c44c9bfd562328d5835f7fc3f4a0fdd637a27fa0a31d" },
	{ "unsigned payload", "PUT /key HTTP/1.1\n" HOST "\nhello world", S3F,
	    SIGV4_PAYLOAD_UNSIGNED,
	    "47b4a81012028b74fd0665dc4066755f43e7f5eea9b79f2c78c62d5136f7de83" },
};

static void
s3_params(struct sigv4_params *p, const struct sigv4_creds *cr)
{
	memset(p, 0, sizeof(*p));
	p->creds = cr;
	p->region = "us-east-1";
	p->service = "s3";
	p->when = SUITE_TIME;
}

static void
test_s3_botocore(void **state)
{
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_params p;
	struct rawreq rq;
	struct rerr e;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(s3cases); i++) {
		struct sigv4_signed s = SIGV4_SIGNED_INIT;
		const struct s3case *c = &s3cases[i];

		print_message("s3 case: %s\n", c->name);
		s3_params(&p, &cr);
		p.flags = c->flags;
		p.payload = c->payload;
		assert_int_equal(
		    rawreq_parse(c->req, strlen(c->req), &rq, &e), 0);
		assert_int_equal(sigv4_sign(&rq.req, &p, &s, &e), 0);
		assert_string_equal(s.signature, c->sig);
		assert_non_null(strstr(s.authz.ptr,
		    "SignedHeaders=host;x-amz-"
		    "content-sha256;x-amz-date,"));
		sigv4_signed_release(&s);
		rawreq_release(&rq);
	}
}

/* AWS's S3 documentation example (GET Object with a Range header). */
static void
test_s3_aws_doc(void **state)
{
	static const char req[] =
	    "GET /test.txt HTTP/1.1\n" HOST "Range: bytes=0-9\n"
	    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	    "x-amz-date: 20130524T000000Z\n";
	struct sigv4_creds cr = { "AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct sigv4_params p;
	struct rawreq rq;

	(void)state;
	s3_params(&p, &cr);
	p.flags = S3F;
	assert_int_equal(time_parse_iso8601("20130524T000000Z", &p.when), 0);
	assert_int_equal(rawreq_parse(req, strlen(req), &rq, NULL), 0);
	assert_int_equal(sigv4_sign(&rq.req, &p, &s, NULL), 0);
	assert_string_equal(s.signature,
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	assert_int_equal(s.nadded, 1); /* date and hash were already there */
	sigv4_signed_release(&s);
	rawreq_release(&rq);
}

static void
presign(const char *req, const struct sigv4_creds *cr, long expires,
    unsigned flags, struct buf *url)
{
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct sigv4_params p;
	struct rawreq rq;

	s3_params(&p, cr);
	p.flags = SIGV4_S3 | flags;
	p.payload = SIGV4_PAYLOAD_UNSIGNED;
	p.expires = expires;
	assert_int_equal(rawreq_parse(req, strlen(req), &rq, NULL), 0);
	assert_int_equal(sigv4_presign(&rq.req, &p, &s, NULL), 0);
	assert_int_equal(s.nadded, 0);
	sigv4_presigned_url(&s, "https", "examplebucket.s3.amazonaws.com", url);
	sigv4_signed_release(&s);
	rawreq_release(&rq);
}

#define CRED_Q                                               \
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" \
	"AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"

static void
test_presign(void **state)
{
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct buf url = BUF_INIT;

	(void)state;
	/* botocore's URL, byte for byte (its order is ours here). */
	presign("GET /test.txt HTTP/1.1\n" HOST, &cr, 86400, 0, &url);
	assert_string_equal(url.ptr,
	    "https://examplebucket.s3.amazonaws.com/test.txt?" CRED_Q
	    "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	    "22f95d09b0190803168fd8aa457df8a63da2968679a9db522dc3ede3c488fc6f");
	/* With a token: botocore's signature; parameters in sorted order. */
	buf_reset(&url);
	cr.session_token = "FQoGZXIvYXdzE//token+/=";
	presign("GET /my file.txt HTTP/1.1\n" HOST, &cr, 3600, 0, &url);
	assert_string_equal(url.ptr,
	    "https://examplebucket.s3.amazonaws.com/my%20file.txt?" CRED_Q
	    "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600"
	    "&X-Amz-Security-Token=FQoGZXIvYXdzE%2F%2Ftoken%2B%2F%3D"
	    "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	    "b31c4b5fbd41bda8e9caa450ea69e66dbf326ac0f62508014130d524af934648");
	/* Unsigned token: signed as without one, then appended. */
	buf_reset(&url);
	presign("GET /test.txt HTTP/1.1\n" HOST, &cr, 86400,
	    SIGV4_TOKEN_UNSIGNED, &url);
	assert_non_null(strstr(url.ptr,
	    "&X-Amz-Signature=22f95d09b0190803168fd8aa457df8a63da2968679a9db52"
	    "2dc3ede3c488fc6f&X-Amz-Security-Token=FQoGZXIvYXdzE%2F%2F"));
	buf_release(&url);
}

static void
test_errors(void **state)
{
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct sigv4_req q = { 0 };
	struct sigv4_header h[2] = { { "Host", "x" }, { "X-Amz-Date", "2" } };
	struct sigv4_params p;
	struct rerr e;

	(void)state;
	s3_params(&p, &cr);
	q.method = "GET";
	q.path = "/";
	q.headers = h;
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL); /* no Host */
	q.nheaders = 2;
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL); /* date */
	assert_non_null(strstr(e.msg, "X-Amz-Date"));
	q.nheaders = 1;
	q.path = "/%zz";
	p.flags = SIGV4_S3;
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL);
	p.flags = 0; /* generic services encode the '%' instead */
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), 0);
	assert_non_null(strstr(s.creq.ptr, "\n/%25zz\n"));
	q.query = "a=%4";
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL);
	q.query = NULL;
	p.payload = SIGV4_PAYLOAD_HEX;
	p.payload_hex = "ABC";
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL);
	p.payload = SIGV4_PAYLOAD_BODY;
	p.region = "us/east";
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL);
	p.region = "us-east-1";
	cr.secret_key = "";
	assert_int_equal(sigv4_sign(&q, &p, &s, &e), -EINVAL);
	assert_null(strstr(e.msg, SECRET));
	cr.secret_key = SECRET;
	p.expires = SIGV4_MAX_EXPIRES + 1;
	assert_int_equal(sigv4_presign(&q, &p, &s, &e), -EINVAL);
	assert_int_equal(s.nadded, 0);
	sigv4_signed_release(&s);
}

static void
test_payload_hex(void **state)
{
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct sigv4_header h = { "Host", "examplebucket.s3.amazonaws.com" };
	struct sigv4_req q = { "PUT", "/test$file.text", NULL, &h, 1, NULL, 0 };
	struct sigv4_params p;

	(void)state;
	s3_params(&p, &cr);
	p.flags = S3F;
	p.payload = SIGV4_PAYLOAD_HEX;
	p.payload_hex =
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
	assert_int_equal(sigv4_sign(&q, &p, &s, NULL), 0);
	assert_string_equal(s.signature, s3cases[9].sig);
	sigv4_signed_release(&s);
}

static void
test_canonical_path(void **state)
{
	static const struct {
		const char *in;
		unsigned flags;
		const char *out;
	} t[] = {
		{ "", 0, "/" },
		{ "/a/./b/../c//d/", 0, "/a/c/d/" },
		{ "/a/b/..", 0, "/a" },
		{ "/../..", 0, "/" },
		{ "/a b/%41", 0, "/a%20b/%2541" },
		{ "/a/./b/../c//d/", SIGV4_S3, "/a/./b/../c//d/" },
		{ "/a b/%41~%7e", SIGV4_S3, "/a%20b/A~~" },
		{ "/a%2Fb", SIGV4_S3, "/a/b" },
		{ "a", SIGV4_S3, "/a" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		buf_reset(&b);
		assert_int_equal(
		    sigv4_canonical_path(t[i].in, t[i].flags, &b), 0);
		assert_string_equal(b.ptr, t[i].out);
	}
	assert_int_equal(sigv4_canonical_path("/%", SIGV4_S3, &b), -EINVAL);
	buf_release(&b);
}

static void
test_canonical_query_value(void **state)
{
	static const struct {
		const char *in, *out;
	} q[] = {
		{ "b=2&a=1&a=0&c", "a=0&a=1&b=2&c=" },
		{ "&&x=1&", "x=1" },
		{ "k=a+b&k2=%7e%2f", "k=a%2Bb&k2=~%2F" },
		{ "B=1&a=1&_=1", "B=1&_=1&a=1" },
		{ "a==b", "a=%3Db" },
	}, v[] = {
		{ "  a   b  ", "a b" },
		{ "a\r\n  b\tc", "a b c" },
		{ "", "" },
		{ "   ", "" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		buf_reset(&b);
		assert_int_equal(sigv4_canonical_query(q[i].in, &b), 0);
		assert_string_equal(b.ptr, q[i].out);
	}
	assert_int_equal(sigv4_canonical_query("a=%g0", &b), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		buf_reset(&b);
		assert_int_equal(sigv4_canonical_value(v[i].in, &b), 0);
		assert_string_equal(b.ptr, v[i].out);
	}
	buf_release(&b);
}

static void
test_keys(void **state)
{
	/* AWS's documented derivation example. */
	static const char want[] =
	    "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d";
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_keycache *c = sigv4_keycache_new();
	unsigned char k1[SIGV4_KEY_LEN], k2[SIGV4_KEY_LEN];
	char hex[2 * SIGV4_KEY_LEN + 1];
	size_t i;

	(void)state;
	sigv4_derive_key(SECRET, "20120215", "us-east-1", "iam", k1);
	for (i = 0; i < SIGV4_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", k1[i]);
	assert_string_equal(hex, want);
	sigv4_keycache_get(c, &cr, "20120215", "us-east-1", "iam", k2);
	assert_memory_equal(k1, k2, sizeof(k1));
	sigv4_keycache_get(c, &cr, "20120215", "us-east-1", "iam", k2);
	assert_memory_equal(k1, k2, sizeof(k1));
	cr.secret_key = "another secret";
	sigv4_keycache_get(c, &cr, "20120215", "us-east-1", "iam", k2);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	sigv4_keycache_get(NULL, &cr, "20120215", "us-east-1", "iam", k1);
	assert_memory_equal(k1, k2, sizeof(k1));
	sigv4_keycache_free(c);
}

static void
test_time(void **state)
{
	static const char *const bad[] = { "20150830T123600", "2015083T123600Z",
		"2015-08-30T123600Z", "20150230T000000Z", "20150229T000000Z",
		"20150830T246000Z", "19690101T000000Z", "20150830T123600Z ",
		"2015-08-30T12:36:00", "" };
	char out[TIME_AMZDATE_LEN + 1];
	time_t t;
	size_t i;

	(void)state;
	assert_int_equal(time_parse_iso8601("20150830T123600Z", &t), 0);
	assert_int_equal(t, SUITE_TIME);
	assert_int_equal(time_parse_iso8601("2015-08-30T12:36:00Z", &t), 0);
	assert_int_equal(t, SUITE_TIME);
	assert_int_equal(time_parse_iso8601("20160229T235959Z", &t), 0);
	time_amzdate(t, out);
	assert_string_equal(out, "20160229T235959Z");
	time_amzdate(0, out);
	assert_string_equal(out, "19700101T000000Z");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(time_parse_iso8601(bad[i], &t), -EINVAL);
}

static void
test_uri(void **state)
{
	struct buf b = BUF_INIT;
	struct uri_parts u;

	(void)state;
	uri_encode(&b, "a b/~+%\xff", 8, 0);
	assert_string_equal(b.ptr, "a%20b%2F~%2B%25%FF");
	buf_reset(&b);
	uri_encode(&b, "/a b/", 5, URI_KEEP_SLASH);
	assert_string_equal(b.ptr, "/a%20b/");
	buf_reset(&b);
	assert_int_equal(uri_decode(&b, "a%20b+%2f%2F", 12), 0);
	assert_string_equal(b.ptr, "a b+//");
	assert_int_equal(uri_decode(&b, "%", 1), -EINVAL);
	assert_int_equal(uri_decode(&b, "%4", 2), -EINVAL);
	assert_int_equal(uri_decode(&b, "%4g", 3), -EINVAL);
	assert_int_equal(uri_split("HTTPS://[::1]:9000/b/k?x=1#f", &u), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "9000");
	assert_string_equal(u.path, "/b/k");
	assert_string_equal(u.query, "x=1");
	uri_parts_release(&u);
	assert_int_equal(uri_split("http://h", &u), 0);
	assert_string_equal(u.path, "/");
	assert_string_equal(u.port, "");
	uri_parts_release(&u);
	assert_int_equal(uri_split("http://u:p@h/", &u), -EINVAL);
	assert_int_equal(uri_split("http://h:99999/", &u), -EINVAL);
	assert_int_equal(uri_split("h/x", &u), -EINVAL);
	assert_int_equal(uri_split("http:///x", &u), -EINVAL);
	buf_release(&b);
}

static void
test_rawreq(void **state)
{
	static const char crlf[] = "GET /a?b=c HTTP/1.1\r\nHost: h\r\n"
	                           "X-A: 1\r\n  2\r\n\r\nbody";
	struct sigv4_creds cr = { AKID, SECRET, NULL };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct sigv4_params p;
	struct buf out = BUF_INIT;
	struct rawreq rq;
	struct rerr e;

	(void)state;
	assert_int_equal(rawreq_parse(crlf, strlen(crlf), &rq, &e), 0);
	assert_string_equal(rq.req.path, "/a");
	assert_string_equal(rq.req.query, "b=c");
	assert_int_equal(rq.req.body_len, 4);
	s3_params(&p, &cr);
	assert_int_equal(sigv4_sign(&rq.req, &p, &s, &e), 0);
	assert_non_null(strstr(s.creq.ptr, "\nx-a:1 2\n"));
	rawreq_format(&rq, &s, &out);
	assert_non_null(strstr(out.ptr, "X-A: 1\r\n  2\r\nX-Amz-Date:"));
	assert_non_null(strstr(out.ptr, "\r\n\r\nbody"));
	sigv4_signed_release(&s);
	rawreq_release(&rq);
	assert_int_equal(rawreq_parse(" x", 2, &rq, &e), -EINVAL);
	assert_int_equal(
	    rawreq_parse("GET / HTTP/1.1\n x: y", 20, &rq, &e), -EINVAL);
	assert_int_equal(
	    rawreq_parse("GET / HTTP/1.1\nx\0: y", 20, &rq, &e), -EINVAL);
	assert_int_equal(rawreq_parse("GET / FTP/1\n", 12, &rq, &e), -EINVAL);
	assert_int_equal(rawreq_parse("", 0, &rq, &e), -EINVAL);
	buf_release(&out);
}

int
main(void)
{
	static const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_s3_botocore),
		cmocka_unit_test(test_s3_aws_doc),
		cmocka_unit_test(test_presign),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_payload_hex),
		cmocka_unit_test(test_canonical_path),
		cmocka_unit_test(test_canonical_query_value),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_rawreq),
	};
	struct CMUnitTest *suite;
	struct paths ps = { 0 };
	struct buf dir = BUF_INIT;
	size_t i;
	int fails;

	buf_addf(&dir, "%s/fixtures/sigv4", fixture_root());
	find_reqs(dir.ptr, &ps);
	if (ps.n != SUITE_N) {
		fprintf(stderr, "expected %d suite cases in %s, found %zu\n",
		    SUITE_N, dir.ptr, ps.n);
		return 1;
	}
	qsort(ps.v, ps.n, sizeof(*ps.v), cmp_str);
	suite = xcalloc(ps.n, sizeof(*suite));
	for (i = 0; i < ps.n; i++) {
		suite[i].name = strrchr(ps.v[i], '/') + 1;
		suite[i].test_func = suite_case;
		suite[i].initial_state = ps.v[i];
	}
	fails = _cmocka_run_group_tests("sigv4 suite", suite, ps.n, NULL, NULL);
	fails += cmocka_run_group_tests_name("sigv4", unit, NULL, NULL);
	for (i = 0; i < ps.n; i++)
		free(ps.v[i]);
	free(ps.v);
	free(suite);
	buf_release(&dir);
	return fails != 0;
}
