/*
 * sigv4 - AWS Signature Version 4: canonical request, string to sign,
 * signature, Authorization header and presigned (query-signed) URLs.
 *
 * Pure: no clock, no I/O, no environment.  Time and credentials are inputs,
 * and every stage is exposed so tests can check each.  Uses util/ only.
 * Secrets never reach an error message; derived keys are wiped after use.
 */
#ifndef S3_SIGV4_H
#define S3_SIGV4_H

#include "roma.h"
#include "util/buf.h"

#include <stddef.h>
#include <time.h>

struct rerr;

#define SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED    "UNSIGNED-PAYLOAD"
#define SIGV4_HEX_LEN     64
#define SIGV4_KEY_LEN     32
#define SIGV4_MAX_EXPIRES 604800 /* seven days, the service's limit */
#define SIGV4_MAX_ADDED   4

/* Flags of struct sigv4_params. */
#define SIGV4_NO_NORMALIZE   0x01 /* keep dot segments and "//" in the path */
#define SIGV4_SINGLE_ENCODE  0x02 /* the path is encoded once, not twice */
#define SIGV4_S3             (SIGV4_NO_NORMALIZE | SIGV4_SINGLE_ENCODE)
#define SIGV4_CONTENT_SHA256 0x04 /* add a signed x-amz-content-sha256 */
#define SIGV4_TOKEN_UNSIGNED 0x08 /* session token added after signing */

enum sigv4_payload {
	SIGV4_PAYLOAD_BODY,     /* hash req->body (none: the empty hash) */
	SIGV4_PAYLOAD_HEX,      /* params->payload_hex, 64 lower-case hex */
	SIGV4_PAYLOAD_UNSIGNED, /* "UNSIGNED-PAYLOAD" */
};

struct sigv4_header {
	const char *name;  /* any case */
	const char *value; /* as sent; may hold folded line breaks */
};

/* A request as it will go on the wire.  The path is sent as given (its
 * bytes, %-escapes included); the query is raw, without '?'. */
struct sigv4_req {
	const char *method;
	const char *path;
	const char *query; /* NULL or "" when none */
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
};

struct sigv4_creds {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" when none */
};

struct sigv4_keycache; /* date/region/service/credentials -> signing key */

struct sigv4_params {
	const struct sigv4_creds *creds;
	const char *region;
	const char *service;
	time_t when; /* signing time, UTC seconds since the epoch */
	unsigned flags;
	enum sigv4_payload payload;
	const char *payload_hex;
	long expires;                 /* presign only: 1..SIGV4_MAX_EXPIRES */
	struct sigv4_keycache *cache; /* optional */
};

/* A header the caller must add to the request, in order. */
struct sigv4_added {
	const char *name; /* static string */
	char *value;
};

/* Every stage of one signature; zero it (SIGV4_SIGNED_INIT) before use and
 * free with sigv4_signed_release. */
struct sigv4_signed {
	struct buf creq; /* canonical request */
	struct buf sts;  /* string to sign */
	char signature[SIGV4_HEX_LEN + 1];
	struct buf authz; /* header signing: the Authorization value */
	struct buf query; /* presigning: the signed query string, no '?' */
	struct buf path;  /* presigning: the path to put in the URL */
	struct sigv4_added added[SIGV4_MAX_ADDED]; /* Authorization last */
	size_t nadded;
};

#define SIGV4_SIGNED_INIT                                                \
	{                                                                \
		BUF_INIT, BUF_INIT, { 0 }, BUF_INIT, BUF_INIT, BUF_INIT, \
		    { { 0 } }, 0                                         \
	}

/*
 * sigv4_sign - sign `req` with an Authorization header.  Fills every stage
 * of `out` and lists the headers to append (X-Amz-Date when the request has
 * none, the session token, x-amz-content-sha256, Authorization).  When the
 * request has an X-Amz-Date it must match `p->when`.  Returns 0, or -EINVAL
 * (no Host, bad escape, bad parameter) with `e` saying why.
 */
int sigv4_sign(const struct sigv4_req *req, const struct sigv4_params *p,
    struct sigv4_signed *out, struct rerr *e);
/*
 * sigv4_presign - query-sign `req` for `p->expires` seconds.  Fills the
 * stages, out->path and out->query (with X-Amz-Signature); headers of `req`
 * are signed and must be sent as they are.  Returns 0 or -EINVAL.
 */
int sigv4_presign(const struct sigv4_req *req, const struct sigv4_params *p,
    struct sigv4_signed *out, struct rerr *e);
/* Append "scheme://host" + out->path + '?' + out->query to `url`. */
int sigv4_presigned_url(const struct sigv4_signed *s, const char *scheme,
    const char *host, struct buf *url);
void sigv4_signed_release(struct sigv4_signed *s);

/* The canonical URI of `path` under `flags` (SIGV4_NO_NORMALIZE,
 * SIGV4_SINGLE_ENCODE).  Returns 0 or -EINVAL on a bad escape (single
 * encoding decodes first). */
int sigv4_canonical_path(const char *path, unsigned flags, struct buf *out);
/* The canonical query of the raw query `q` (NULL allowed): pairs decoded,
 * re-encoded, sorted by key then value, "key=" for empty values. */
int sigv4_canonical_query(const char *q, struct buf *out);
/* A header value trimmed, runs of blanks and line breaks made one space. */
int sigv4_canonical_value(const char *v, struct buf *out);
/* The string to sign for `creq` at `amzdate` within `scope`. */
int sigv4_string_to_sign(const char *amzdate, const char *scope,
    const char *creq, size_t creq_len, struct buf *out);
/* The signing key for date ("20150830"), region and service. */
void sigv4_derive_key(const char *secret, const char *date, const char *region,
    const char *service, unsigned char key[SIGV4_KEY_LEN]);
/* Lower-case hex HMAC of `sts` under `key` into `hex`. */
void sigv4_signature(const unsigned char key[SIGV4_KEY_LEN], const char *sts,
    size_t sts_len, char hex[SIGV4_HEX_LEN + 1]);

/* A one-entry cache of the signing key, which only changes daily.  Not
 * thread-safe: the caller serialises.  Keyed by the access key and a hash
 * of the secret, never the secret itself. */
struct sigv4_keycache *sigv4_keycache_new(void);
void sigv4_keycache_free(struct sigv4_keycache *c);
/* The key from `c` (NULL: no caching), deriving it on a miss. */
void sigv4_keycache_get(struct sigv4_keycache *c, const struct sigv4_creds *cr,
    const char *date, const char *region, const char *service,
    unsigned char key[SIGV4_KEY_LEN]);

#endif
