/*
 * endpoint - where S3 requests go: the region, the endpoint (AWS or a
 * custom one such as MinIO or Ceph), the addressing style, and the URL,
 * Host and path of each request.
 *
 * Region: the caller's flag, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * `region`, else us-east-1.  Endpoint: the flag, AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL, the profile's services section (`s3 = endpoint_url =
 * URL`), the profile's `endpoint_url`, else AWS; configured (not flag)
 * endpoints are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 * Style: virtual-hosted on AWS for DNS-compatible bucket names (no dots
 * over https, whose wildcard certificate would not match), path style
 * otherwise and for custom endpoints; the caller's option, else the
 * profile's `s3 = addressing_style = path|virtual|auto`, overrides.
 * Keys are percent-encoded as S3 signs them ('/' kept, "//" kept).
 */
#ifndef S3_ENDPOINT_H
#define S3_ENDPOINT_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct rerr;
struct profile;

enum endpoint_style {
	ENDPOINT_AUTO, /* decided per bucket */
	ENDPOINT_PATH,
	ENDPOINT_VIRTUAL,
};

struct endpoint_opts {
	const char *region;        /* --region, or NULL */
	const char *endpoint;      /* --endpoint, or NULL */
	const char *profile;       /* --profile, or NULL */
	enum endpoint_style style; /* AUTO: the profile's, else auto */
};

struct endpoint {
	char *region;
	const char *region_from; /* "--region", "AWS_REGION", ..., "default" */
	char *url;               /* the custom endpoint; NULL on AWS */
	const char *url_from;    /* "--endpoint", "AWS_ENDPOINT_URL_S3", ... */
	char *scheme;            /* "https" or "http" */
	char *host;    /* custom endpoint's host[:port]; NULL on AWS */
	char *base;    /* custom endpoint's path prefix, "" or "/p" */
	bool loopback; /* the custom endpoint is on this machine */
	enum endpoint_style style;
};

/* One request's target.  `path` is both what goes on the wire and what
 * the signer is given (it canonicalises it with SIGV4_S3). */
struct endpoint_req {
	struct buf url;  /* absolute URL */
	struct buf host; /* Host header value */
	struct buf path; /* encoded path, without the query */
};

#define ENDPOINT_REQ_INIT                    \
	{                                    \
		BUF_INIT, BUF_INIT, BUF_INIT \
	}

/* Resolve region, endpoint and style (the profile's files are read).
 * Returns 0, or -EINVAL (bad region, URL or style) / a file's -errno with
 * `e` saying which setting is wrong.  Release `ep` even on error. */
int endpoint_resolve(
    const struct endpoint_opts *o, struct endpoint *ep, struct rerr *e);
/* The same with the profile already loaded (NULL: no files). */
int endpoint_resolve_with(const struct endpoint_opts *o,
    const struct profile *p, struct endpoint *ep, struct rerr *e);
void endpoint_release(struct endpoint *ep);
/* Whether the endpoint is AWS's own (not a custom URL). */
bool endpoint_is_aws(const struct endpoint *ep);

/* Whether `bucket` can be a host label: 3-63 of [a-z0-9.-], letters or
 * digits at both ends, no "..", "-." or ".-", not an IPv4 address, and no
 * dot at all when `https`. */
bool endpoint_bucket_virtual_ok(const char *bucket, bool https);
/* Whether `region` is well formed ([a-z0-9-], 1-63): it goes in host
 * names, so a reply's hint must pass this first. */
bool endpoint_region_ok(const char *region);

/*
 * The URL, Host and path for (bucket, key, query): `bucket` NULL for the
 * service (ListBuckets), `key` NULL for the bucket itself, `query` raw and
 * already encoded (NULL or "" for none).  Returns 0, or -EINVAL when the
 * bucket cannot be addressed in the forced virtual style.
 */
int endpoint_build(const struct endpoint *ep, const char *bucket,
    const char *key, const char *query, struct endpoint_req *out,
    struct rerr *e);
void endpoint_req_release(struct endpoint_req *r);

/*
 * The region a reply points to: the x-amz-bucket-region header `hdr`
 * (NULL if none), else the <Region> of an error body (301 PermanentRedirect,
 * 400 AuthorizationHeaderMalformed).  Copies it into `out` (`n` bytes) and
 * returns 0, or -ENOENT when there is no well-formed hint.
 */
int endpoint_region_hint(
    const char *hdr, const char *body, size_t len, char *out, size_t n);
/* Move `ep` to `region`: on AWS the host follows, elsewhere only the
 * signing region changes.  Returns 0 or -EINVAL for a malformed region. */
int endpoint_set_region(
    struct endpoint *ep, const char *region, struct rerr *e);

/*
 * The endpoint URL of another AWS `service` (e.g. "sts") for the profile
 * `p` (may be NULL): AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the
 * services section, the profile's endpoint_url, else
 * https://SERVICE.REGION.amazonaws.com (https://SERVICE.amazonaws.com when
 * `region` is NULL).  Returns a malloc'd string.
 */
char *endpoint_service_url(
    const char *service, const struct profile *p, const char *region);

#endif
