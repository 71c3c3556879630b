/*
 * s3_request: one S3 request with its retries.  Each attempt builds the
 * URL for the bucket's current region, signs with the corrected clock,
 * sends, and reads the reply into 0 or -errno plus what to do next:
 * nothing, back off and retry, fix the region, or fix the clock.
 */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/xml.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/str.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH_CHUNK       (1u << 20)
#define SKEW_MAX_S       (15 * 60) /* what S3 allows */
#define BACKOFF_SLICE_MS 100

enum next { NEXT_FAIL, NEXT_RETRY, NEXT_REGION, NEXT_SKEW };

/* One request across its attempts. */
struct pipe {
	struct s3_client *c;
	const struct s3_req *q;
	const char *method;
	struct http_resp *resp;
	char payload[SIGV4_HEX_LEN + 1];
	uint64_t body_off;  /* this attempt's read cursor */
	uint64_t delivered; /* bytes given to q->sink over all attempts */
	uint64_t start;     /* `delivered` when this attempt began */
	bool range_sent, first_write;
	int cb_err;    /* the caller's callback failed: never retried */
	int proto_err; /* the reply cannot be spliced onto what we have */
	char etag[160];
	enum next next;
	unsigned retry_after_ms;
};

static const char *
safe(const char *s)
{
	return s ? s : "";
}

/* "GET s3://bucket/key" for messages, the key cut to fit. */
static void
describe(const struct pipe *p, char *out, size_t n)
{
	snprintf(out, n, "%s s3://%.63s%s%.300s", p->method, safe(p->q->bucket),
	    p->q->key ? "/" : "", safe(p->q->key));
}

static int
hash_reader(
    const struct s3_body *b, char hex[SIGV4_HEX_LEN + 1], struct rerr *e)
{
	struct crypto_sha256 *h = crypto_sha256_new();
	unsigned char d[CRYPTO_SHA256_LEN];
	/* Large reads for large bodies; a small one costs no 1 MiB mmap. */
	size_t max = b->size < HASH_CHUNK ? (size_t)b->size : HASH_CHUNK;
	char *chunk = malloc(max ? max : 1);
	uint64_t off;
	size_t n;
	int r = 0;

	if (chunk == NULL)
		abort();
	for (off = 0; off < b->size; off += n) {
		n = b->size - off < max ? (size_t)(b->size - off) : max;
		if ((r = b->read(chunk, n, off, b->arg)) != 0)
			break;
		crypto_sha256_update(h, chunk, n);
	}
	crypto_sha256_final(h, d);
	free(chunk);
	if (r != 0)
		return rerr_set(
		    e, r, "reading the request body: %s", strerror(-r));
	crypto_hex(d, sizeof(d), hex);
	return 0;
}

/* UNSIGNED-PAYLOAD where the transport already keeps the body intact: TLS,
 * or a loopback endpoint no network lies on (hashing costs seconds of CPU
 * per GiB).  Over plain HTTP across a network the signature must cover the
 * body, so hash it first. */
static int
payload_hash(struct pipe *p, struct rerr *e)
{
	const struct s3_body *b = p->q->body;
	unsigned char d[CRYPTO_SHA256_LEN];

	if (b == NULL || (b->size == 0 && b->read == NULL)) {
		s3_payload_empty(p->payload);
		return 0;
	}
	if (strcmp(p->c->ep.scheme, "https") == 0 || p->c->ep.loopback ||
	    p->c->creds == NULL) {
		snprintf(p->payload, sizeof(p->payload), "%s", SIGV4_UNSIGNED);
		return 0;
	}
	if (b->read)
		return hash_reader(b, p->payload, e);
	crypto_sha256(b->data, (size_t)b->size, d);
	crypto_hex(d, sizeof(d), p->payload);
	return 0;
}

static ssize_t
body_read(void *dst, size_t n, void *arg)
{
	struct pipe *p = arg;
	const struct s3_body *b = p->q->body;
	int r;

	if (n > b->size - p->body_off)
		n = (size_t)(b->size - p->body_off);
	if (n == 0)
		return 0;
	if (b->read == NULL) {
		memcpy(dst, (const char *)b->data + p->body_off, n);
	} else if ((r = b->read(dst, n, p->body_off, b->arg)) != 0) {
		p->cb_err = r;
		return r;
	}
	p->body_off += n;
	return (ssize_t)n;
}

static int
reply_status(const struct http_resp *resp)
{
	int status = 0;

	if (sscanf(resp->status_line, "HTTP/%*s %d", &status) != 1)
		return 0;
	return status;
}

/* Before the first byte of an attempt: is this the part we asked for? */
static int
check_first_write(struct pipe *p)
{
	const char *etag = http_resp_header(p->resp, "ETag");
	int status = reply_status(p->resp);

	p->first_write = false;
	if (p->range_sent && status != 206 &&
	    (p->q->range_off + p->start != 0 || p->q->range_len != S3_TO_END)) {
		p->proto_err = -EPROTO;
		return -EPROTO;
	}
	if (p->etag[0] == '\0' && etag)
		snprintf(p->etag, sizeof(p->etag), "%s", etag);
	return 0;
}

static int
sink_write(const void *ptr, size_t n, void *arg)
{
	struct pipe *p = arg;
	int r;

	if (p->first_write && (r = check_first_write(p)) != 0)
		return r;
	if ((r = p->q->sink(ptr, n, p->q->sink_arg)) != 0) {
		p->cb_err = r;
		return r;
	}
	p->delivered += n;
	return 0;
}

/* The request's own header lines plus Range and a resume's If-Match. */
static void
own_headers(struct pipe *p, struct s3_headers *h)
{
	const struct s3_req *q = p->q;
	uint64_t off = q->range_off + p->delivered;
	bool has_if_match = false;
	size_t i;

	for (i = 0; q->headers && q->headers[i]; i++) {
		s3_headers_add(h, "%s", q->headers[i]);
		has_if_match |= str_istarts_with(q->headers[i], "If-Match:");
	}
	if (p->c->request_payer)
		s3_headers_add(h, "x-amz-request-payer: requester");
	p->range_sent = q->range_len != 0 || p->delivered != 0;
	if (p->range_sent && (q->range_len == 0 || q->range_len == S3_TO_END))
		s3_headers_add(h, "Range: bytes=%" PRIu64 "-", off);
	else if (p->range_sent)
		s3_headers_add(h, "Range: bytes=%" PRIu64 "-%" PRIu64, off,
		    q->range_off + q->range_len - 1);
	/* A resumed download must not splice two versions of an object. */
	if (p->delivered != 0 && !has_if_match && p->etag[0])
		s3_headers_add(h, "If-Match: %s", p->etag);
}

static int on_reply(struct pipe *p, struct rerr *e);

static int
attempt(struct pipe *p, struct rerr *e)
{
	struct s3_target t = S3_TARGET_INIT;
	struct s3_headers own = { { NULL }, 0 }, all = { { NULL }, 0 };
	struct s3_signing s = { p->method, &t, p->q->query, NULL, p->payload };
	struct http_req hr = { 0 };
	int r;

	p->next = NEXT_FAIL;
	p->body_off = 0;
	p->start = p->delivered;
	p->first_write = true;
	own_headers(p, &own);
	s.headers = (const char *const *)own.lines;
	if ((r = s3_target_build(
	         p->c, p->q->bucket, p->q->key, p->q->query, &t, e)) != 0 ||
	    (r = s3_sign_headers(p->c, &s, &all, e)) != 0)
		goto out;
	hr.method = p->method;
	hr.url = t.req.url.ptr;
	hr.headers = (const char *const *)all.lines;
	if (p->q->body) {
		hr.read = body_read;
		hr.read_arg = p;
		hr.body_len = p->q->body->size;
	}
	if (p->q->sink) {
		hr.write = sink_write;
		hr.write_arg = p;
	}
	hr.body_max = p->q->body_max;
	r = http_do(p->c->http, &hr, p->resp, e);
	if (r == 0)
		r = on_reply(p, e);
	else if (p->cb_err == 0 && p->proto_err == 0 && s3_retryable_errno(r))
		p->next = NEXT_RETRY;
out:
	s3_headers_release(&own);
	s3_headers_release(&all);
	s3_target_release(&t);
	return r;
}

/* A region the reply points to, when it differs from the one we used. */
static bool
region_moved(struct pipe *p, const struct xml_error *xe)
{
	const char *hdr = http_resp_header(p->resp, "x-amz-bucket-region");
	char cur[S3_REGION_MAX], hint[S3_REGION_MAX];
	int status = p->resp->status;

	if (p->q->bucket == NULL)
		return false;
	s3_client_bucket_region(p->c, p->q->bucket, cur);
	if (hdr && strcmp(hdr, cur) != 0)
		s3_client_set_bucket_region(p->c, p->q->bucket, hdr);
	if (status != 301 && status != 307 && status != 400)
		return false;
	if (hdr == NULL)
		hdr = xe->region[0] ? xe->region : xe->bucket_region;
	if (endpoint_region_hint(hdr, NULL, 0, hint, sizeof(hint)) != 0 ||
	    strcmp(hint, cur) == 0)
		return false;
	log_debug(LOG_S3, "s3: bucket %s is in %s, not %s: retrying there",
	    p->q->bucket, hint, cur);
	s3_client_set_bucket_region(p->c, p->q->bucket, hint);
	return true;
}

/* A 403 to a HEAD has no body to say why: a Date header more than the
 * allowed 15 minutes from our corrected clock tells it was the clock. */
static bool
head_skewed(struct pipe *p, const struct xml_error *xe)
{
	time_t server, ours;

	if (strcmp(p->method, "HEAD") != 0 || p->resp->status != 403 ||
	    xe->code[0] != '\0' ||
	    s3_parse_http_date(http_resp_header(p->resp, "Date"), &server) != 0)
		return false;
	ours = s3_client_now(p->c);
	return server - ours > SKEW_MAX_S || ours - server > SKEW_MAX_S;
}

static bool
clock_skewed(struct pipe *p, const struct xml_error *xe)
{
	time_t server = xe->server_time;

	if (strcmp(xe->code, "RequestTimeTooSkewed") != 0 &&
	    !head_skewed(p, xe))
		return false;
	if (server == 0 &&
	    s3_parse_http_date(http_resp_header(p->resp, "Date"), &server) != 0)
		return false;
	s3_client_set_skew(p->c, server);
	return true;
}

static unsigned
retry_after(const struct http_resp *resp)
{
	const char *v = http_resp_header(resp, "Retry-After");
	uint64_t s;

	if (v == NULL || str_to_u64(v, 3600, &s) != 0)
		return 0;
	return (unsigned)s * 1000;
}

static int
fail_reply(struct pipe *p, const struct xml_error *xe, struct rerr *e)
{
	const char *rid = xe->request_id[0]
	    ? xe->request_id
	    : safe(http_resp_header(p->resp, "x-amz-request-id"));
	int status = p->resp->status, r = s3_map_error(status, xe->code);
	char what[400];
	const char *hint = "";

	describe(p, what, sizeof(what));
	if (strcmp(xe->code, "SignatureDoesNotMatch") == 0 ||
	    strcmp(xe->code, "InvalidAccessKeyId") == 0 ||
	    strcmp(xe->code, "InvalidToken") == 0 ||
	    strcmp(xe->code, "ExpiredToken") == 0)
		hint = "; check the credentials (access key, secret key, "
		       "session token) and the region";
	else if (r == -EINVAL && (status == 301 || status == 307))
		hint = "; the bucket is in another region: try --region";
	return rerr_http(e, r, status, xe->code, rid, "%s: %s%s%s (HTTP %d)%s",
	    what, xe->message[0] ? xe->message : p->resp->status_line,
	    xe->code[0] ? ": " : "", xe->code, status, hint);
}

/* A non-2xx reply, or a 2xx whose body is an <Error>. */
static int
error_reply(struct pipe *p, struct rerr *e)
{
	struct xml_error xe;
	const struct buf *b = &p->resp->body;

	memset(&xe, 0, sizeof(xe));
	if (b->len > 0 && xml_parse_error(b->ptr, b->len, &xe, NULL) != 0)
		memset(&xe, 0, sizeof(xe));
	if (region_moved(p, &xe))
		p->next = NEXT_REGION;
	else if (clock_skewed(p, &xe))
		p->next = NEXT_SKEW;
	else if (s3_retryable_status(p->resp->status, xe.code))
		p->next = NEXT_RETRY;
	p->retry_after_ms = retry_after(p->resp);
	return fail_reply(p, &xe, e);
}

static int
on_reply(struct pipe *p, struct rerr *e)
{
	struct http_resp *resp = p->resp;
	char what[400];
	int r;

	if (log_on(LOG_LEVEL_DEBUG, LOG_S3)) {
		describe(p, what, sizeof(what));
		log_debug(LOG_S3, "s3: %s: %s", what, resp->status_line);
	}
	if (resp->status < 200 || resp->status >= 300)
		return error_reply(p, e);
	if (p->q->bucket)
		region_moved(p, &(struct xml_error){ 0 });
	if (p->q->sink == NULL && xml_is_error(resp->body.ptr, resp->body.len))
		return error_reply(p, e);
	if (p->q->sink && p->first_write && (r = check_first_write(p)) != 0)
		goto proto;
	if (p->q->parse == NULL)
		return 0;
	if ((r = p->q->parse(resp, p->q->parse_arg, e)) == -EBADMSG)
		p->next = NEXT_RETRY;
	return r;
proto:
	describe(p, what, sizeof(what));
	return rerr_set(e, r, "%s: the server ignored the Range header", what);
}

static uint32_t
rnd32(void)
{
	static _Thread_local uint64_t s;
	struct timespec ts;

	if (s == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&ts;
		s |= 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 16);
}

static void
back_off(struct pipe *p, unsigned n, const struct rerr *e)
{
	struct s3_client *c = p->c;
	unsigned ms =
	    s3_backoff_ms(n, c->backoff_base_ms, c->backoff_cap_ms, rnd32());
	struct timespec ts;

	if (p->retry_after_ms > ms)
		ms = p->retry_after_ms < c->backoff_cap_ms ? p->retry_after_ms
		                                           : c->backoff_cap_ms;
	log_debug(LOG_S3, "s3: %s; attempt %u of %u in %u ms", rerr_str(e),
	    n + 1, c->max_attempts, ms);
	/* In slices, so a caller who gives up is not kept for the cap. */
	while (ms > 0 && !cancel_requested()) {
		unsigned k = ms < BACKOFF_SLICE_MS ? ms : BACKOFF_SLICE_MS;

		ts.tv_sec = k / 1000;
		ts.tv_nsec = (long)(k % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		ms -= k;
	}
}

/* Whether the failed attempt can be repeated from where it stopped. */
static bool
can_repeat(const struct pipe *p)
{
	const struct s3_req *q = p->q;

	if (p->delivered == 0)
		return true;
	if (strcmp(p->method, "GET") != 0)
		return false;
	/* Everything arrived; only the end of the exchange was lost. */
	return !(q->range_len != 0 && q->range_len != S3_TO_END &&
	    p->delivered >= q->range_len);
}

/* The caller gave up (util/cancel.h): no retry and no give-up line, as
 * nothing went wrong with the store. */
static int
interrupted(const struct pipe *p, struct rerr *e)
{
	char what[400];

	describe(p, what, sizeof(what));
	return rerr_set(e, -EINTR, "%s: interrupted", what);
}

static int
run(struct pipe *p, struct rerr *e)
{
	struct s3_client *c = p->c;
	bool region_fixed = false, skew_fixed = false;
	unsigned n = 1, max = c->max_attempts;
	int r;

	if (p->q->flags & S3_REQ_NO_RETRY)
		max = 1;
	for (;;) {
		p->retry_after_ms = 0;
		if ((r = attempt(p, e)) == 0)
			return 0;
		if (cancel_requested())
			return interrupted(p, e);
		if (p->next == NEXT_REGION && !region_fixed) {
			region_fixed = true;
		} else if (p->next == NEXT_SKEW && !skew_fixed) {
			skew_fixed = true;
		} else if (p->next == NEXT_RETRY && n < max && can_repeat(p)) {
			back_off(p, n++, e);
		} else {
			break;
		}
	}
	/* The message already names the request. */
	if (p->next == NEXT_RETRY && max > 1)
		log_warn(LOG_S3, "s3: giving up after %u attempts: %s", n,
		    rerr_str(e));
	return r;
}

int
s3_request(struct s3_client *c, const struct s3_req *q, struct http_resp *resp,
    struct rerr *e)
{
	struct pipe p = { 0 };
	struct cancel *watched = NULL;
	struct rerr le;
	int r;

	/* Our own error record, so retries and the give-up line can name
	 * the cause even when the caller passes NULL. */
	rerr_clear(&le);
	p.c = c;
	p.q = q;
	p.method = q->method ? q->method : "GET";
	p.resp = resp;
	/* A clean-up (an abort) must go out even for a caller who gave up. */
	if (q->flags & S3_REQ_NO_CANCEL)
		watched = cancel_watch(NULL);
	if ((r = payload_hash(&p, &le)) == 0)
		r = run(&p, &le);
	if (q->flags & S3_REQ_NO_CANCEL)
		cancel_watch(watched);
	if (e && r != 0)
		*e = le;
	return r;
}
