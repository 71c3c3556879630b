/*
 * client - one S3 client and its request pipeline: URL (endpoint.h),
 * signature (sigv4.h, S3 mode), transfer (http.h) and the reply turned into
 * 0 or -errno with a struct rerr (HTTP status, S3 code, request id).
 *
 * A client holds one http_client (connections reused across requests and
 * threads), the signing-key cache, the region learnt for each bucket and
 * the clock offset learnt from the server; all are shared under one mutex,
 * so any number of threads may call s3_request on the same client.
 *
 * Retries: 500, 502, 503, 504, 429, SlowDown/InternalError/RequestTimeout
 * replies, connection resets, stalls and unparsable 2xx bodies are tried
 * again, up to `max_attempts` in all, after a sleep drawn uniformly from
 * [0, min(cap, base * 2^attempt)] ("full jitter"), honouring a Retry-After
 * up to the cap.  A body is re-read from offset 0 on each attempt; a
 * download resumes with a Range from the first byte not yet delivered and
 * an If-Match on the first reply's ETag.  A give-up logs one warning.
 *
 * A wrong region (301 PermanentRedirect, 307, 400 AuthorizationHeaderMalformed
 * with a hint) is followed with one re-signed attempt and remembered for the
 * bucket; RequestTimeTooSkewed corrects the clock once and keeps the offset.
 * Secrets never reach a log line or an error message.
 */
#ifndef S3_CLIENT_H
#define S3_CLIENT_H

#include "roma.h"
#include "s3/endpoint.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct rerr;
struct http_resp;
struct creds_provider;
struct s3_client;

#define S3_TO_END          UINT64_MAX /* a range length: to the end */
#define S3_MAX_ATTEMPTS    5
#define S3_BACKOFF_BASE_MS 100
#define S3_BACKOFF_CAP_MS  10000
#define S3_REGION_MAX      64

struct s3_client_opts {
	const char *region;        /* NULL: AWS_REGION, profile, us-east-1 */
	const char *endpoint;      /* NULL: AWS_ENDPOINT_URL_S3, ..., AWS */
	const char *profile;       /* NULL: AWS_PROFILE, "default" */
	enum endpoint_style style; /* ENDPOINT_AUTO: the profile's, else auto */
	const char *ca_bundle;     /* --ca-bundle, or NULL */
	bool anonymous;            /* unsigned requests (--no-sign-request) */
	struct creds_provider *creds; /* borrowed; NULL: the default chain */
	long connect_timeout_ms;      /* 0: 10 s */
	long timeout_ms;              /* whole request; 0: none */
	long stall_s;          /* below 1 B/s this long is a stall; 0: 30 */
	unsigned max_attempts; /* 0: S3_MAX_ATTEMPTS; 1: no retries */
	unsigned backoff_base_ms, backoff_cap_ms; /* 0: the defaults */
	uint64_t part_size;   /* multipart transfers; 0: 8 MiB */
	unsigned concurrency; /* parallel part requests; 0: 8 */
	/* x-amz-request-payer: requester on every request, as a Requester
	 * Pays bucket wants from anyone but its owner (DELETE, GET, HEAD,
	 * POST and PUT alike). */
	bool request_payer;
};

/*
 * A request body of `size` bytes: `data`, or `read`, which fills exactly
 * `n` bytes from offset `off` (as pread does) and returns 0 or -errno.
 * `read` is called again for the same bytes on a retry, and from several
 * threads at once by multipart transfers.
 */
struct s3_body {
	const void *data;
	uint64_t size;
	int (*read)(void *p, size_t n, uint64_t off, void *arg);
	void *arg;
};

#define S3_REQ_NO_RETRY  0x1u /* one attempt (region/skew fixes still run) */
#define S3_REQ_NO_CANCEL 0x2u /* ignores the thread's cancel flag */

struct s3_req {
	const char *method;         /* NULL: GET */
	const char *bucket;         /* NULL: the service (ListBuckets) */
	const char *key;            /* NULL: the bucket itself */
	const char *query;          /* encoded, without '?'; NULL: none */
	const char *const *headers; /* NULL-terminated "Name: value", signed */
	const struct s3_body
	    *body; /* NULL: none (PUT/POST send an empty one) */
	/* GET: a Range when range_len is non-zero (S3_TO_END: open-ended). */
	uint64_t range_off, range_len;
	/* A 2xx body goes to `sink` (0 or -errno) if set, else resp->body. */
	int (*sink)(const void *p, size_t n, void *arg);
	void *sink_arg;
	/* Called on a buffered 2xx reply inside the retry loop: -EBADMSG (a
	 * truncated or unparsable body) is retried like a 503. */
	int (*parse)(const struct http_resp *resp, void *arg, struct rerr *e);
	void *parse_arg;
	size_t body_max; /* buffered body cap; 0: 16 MiB */
	unsigned flags;
};

/* Create a client: resolves region and endpoint, CA trust and (unless
 * anonymous) credentials lazily on the first request.  Returns NULL with
 * `e` set (-EINVAL for a bad setting, -ENOENT for a missing CA...). */
struct s3_client *s3_client_new(const struct s3_client_opts *o, struct rerr *e);
void s3_client_free(struct s3_client *c);
/* The resolved endpoint (region and where it came from, URL, style). */
const struct endpoint *s3_client_endpoint(const struct s3_client *c);
/* Multipart defaults from the options. */
uint64_t s3_client_part_size(const struct s3_client *c);
unsigned s3_client_concurrency(const struct s3_client *c);
/* The region requests for `bucket` are signed for (learnt or default);
 * copied into `out` (S3_REGION_MAX bytes). */
void s3_client_bucket_region(
    struct s3_client *c, const char *bucket, char out[S3_REGION_MAX]);
/* Remember `region` for `bucket` (a HEAD bucket's x-amz-bucket-region). */
void s3_client_set_bucket_region(
    struct s3_client *c, const char *bucket, const char *region);
/* The corrected time: the system clock plus the learnt skew. */
time_t s3_client_now(struct s3_client *c);

/*
 * Perform `q`.  Returns 0 on a 2xx reply (and `parse` success), else
 * -errno with `e` filled (see s3_map_error).  `resp` (HTTP_RESP_INIT) holds
 * the last reply's status and headers, and its body unless streamed;
 * release it even on error.  -EINTR, without retries, once the calling
 * thread's cancel flag (util/cancel.h) is set, unless S3_REQ_NO_CANCEL.
 */
int s3_request(struct s3_client *c, const struct s3_req *q,
    struct http_resp *resp, struct rerr *e);

/*
 * Presign `method` on bucket/key (key may be NULL) for `expires` seconds
 * (1..604800) at the corrected time; appends the URL to `url`.  Anonymous
 * clients get the plain URL.  Returns 0, -EINVAL or a credentials error.
 */
int s3_presign(struct s3_client *c, const char *method, const char *bucket,
    const char *key, long expires, struct buf *url, struct rerr *e);

/* ---- Pieces of the pipeline, exposed for unit tests. ---- */

/* The -errno for an S3 error `code` (may be NULL or "") and HTTP `status`. */
int s3_map_error(int status, const char *code);
/* Whether a reply with `status` and `code` may be retried. */
bool s3_retryable_status(int status, const char *code);
/* Whether a transport or parse error (-errno) may be retried. */
bool s3_retryable_errno(int err);
/* The sleep before attempt `attempt` + 1 (attempt >= 1), in ms, given a
 * uniform random `rnd` in [0, 2^32): full jitter under the cap. */
unsigned s3_backoff_ms(
    unsigned attempt, unsigned base_ms, unsigned cap_ms, uint32_t rnd);
/* Parse an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"; also the obsolete
 * RFC 850 and asctime forms) into `t`.  Returns 0 or -EINVAL. */
int s3_parse_http_date(const char *s, time_t *t);
/* The clock: time(NULL), or ROMA_TEST_NOW (epoch seconds or ISO 8601) in
 * dev builds. */
time_t s3_clock(void);
/* Strip the quotes of an ETag into `out` (`n` bytes). */
void s3_etag_unquote(const char *etag, char *out, size_t n);

#endif
