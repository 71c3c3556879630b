/*
 * client_int - the S3 client's insides, shared by client.c (state and
 * signing) and request.c (the retry loop) only.  Everything else uses
 * client.h.
 */
#ifndef S3_CLIENT_INT_H
#define S3_CLIENT_INT_H

#include "roma.h"
#include "s3/client.h"
#include "s3/endpoint.h"
#include "s3/sigv4.h"
#include "net/tls.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct creds;

#define S3_HEADERS_MAX 64 /* request headers, ours and the caller's */
#define S3_REGIONS_MAX 32 /* buckets whose region is remembered */

struct s3_client {
	struct endpoint ep; /* read-only after creation */
	struct tls_ca ca;
	struct http_client *http;
	struct creds_provider *creds;     /* NULL: anonymous */
	struct creds_provider *own_creds; /* the one we created, if any */
	bool anonymous;
	bool request_payer;
	unsigned max_attempts, backoff_base_ms, backoff_cap_ms;
	uint64_t part_size;
	unsigned concurrency;

	pthread_mutex_t mu; /* guards what follows */
	struct sigv4_keycache *keys;
	long skew; /* server time minus ours, s */
	struct {
		char *bucket;
		char region[S3_REGION_MAX];
	} regions[S3_REGIONS_MAX];
	size_t nregions;
};

/* Where one attempt goes: URL, Host, path and the signing region. */
struct s3_target {
	struct endpoint_req req;
	char region[S3_REGION_MAX];
};

#define S3_TARGET_INIT                \
	{                             \
		ENDPOINT_REQ_INIT, "" \
	}

/* Header lines for http_do, NULL-terminated, each malloc'd. */
struct s3_headers {
	char *lines[S3_HEADERS_MAX + SIGV4_MAX_ADDED + 2];
	size_t n;
};

struct s3_signing {
	const char *method;
	const struct s3_target *target;
	const char *query;
	const char *const *headers; /* the request's own, signed */
	const char *payload_hex;    /* SHA-256 hex or UNSIGNED-PAYLOAD */
};

int s3_target_build(struct s3_client *c, const char *bucket, const char *key,
    const char *query, struct s3_target *t, struct rerr *e);
void s3_target_release(struct s3_target *t);
/* Current credentials (anonymous when the client has none). */
int s3_client_creds(struct s3_client *c, struct creds *cr, struct rerr *e);
/* Fill `out` with the request's headers, Host and (unless anonymous) the
 * signature's.  Release `out` even on error. */
int s3_sign_headers(struct s3_client *c, const struct s3_signing *s,
    struct s3_headers *out, struct rerr *e);
void s3_headers_add(struct s3_headers *h, const char *fmt, ...)
    PRINTF_LIKE(2, 3);
void s3_headers_release(struct s3_headers *h);
/* Record the server's time, so later signatures use it. */
void s3_client_set_skew(struct s3_client *c, time_t server_time);
/* The hex SHA-256 of nothing. */
void s3_payload_empty(char hex[SIGV4_HEX_LEN + 1]);

#endif
