/*
 * The S3 client: what it shares between requests and threads (HTTP client,
 * signing-key cache, learnt regions and clock skew), how one request is
 * signed, and presigned URLs.  The retry loop is in request.c.
 */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/creds.h"
#include "s3/endpoint.h"
#include "s3/sigv4.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PART_SIZE   (8ull << 20)
#define DEFAULT_CONCURRENCY 8u

static void
client_defaults(struct s3_client *c, const struct s3_client_opts *o)
{
	c->max_attempts = o->max_attempts ? o->max_attempts : S3_MAX_ATTEMPTS;
	c->backoff_base_ms =
	    o->backoff_base_ms ? o->backoff_base_ms : S3_BACKOFF_BASE_MS;
	c->backoff_cap_ms =
	    o->backoff_cap_ms ? o->backoff_cap_ms : S3_BACKOFF_CAP_MS;
	c->part_size = o->part_size ? o->part_size : DEFAULT_PART_SIZE;
	c->concurrency = o->concurrency ? o->concurrency : DEFAULT_CONCURRENCY;
	c->anonymous = o->anonymous;
	c->request_payer = o->request_payer;
}

static int
client_http(struct s3_client *c, const struct s3_client_opts *o, struct rerr *e)
{
	struct http_opts ho = { 0 };
	int r;

	if ((r = tls_ca_find(o->ca_bundle, &c->ca, e)) != 0)
		return r;
	ho.ca = &c->ca;
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.timeout_ms = o->timeout_ms;
	ho.low_speed_time = o->stall_s;
	/* Parallel parts each hold a connection: keep them all warm. */
	ho.pool_size = c->concurrency > 8 ? c->concurrency + 2 : 0;
	if ((c->http = http_client_new(&ho, e)) == NULL)
		return e && e->err ? -e->err : -EIO;
	return 0;
}

struct s3_client *
s3_client_new(const struct s3_client_opts *o, struct rerr *e)
{
	struct endpoint_opts eo = { o->region, o->endpoint, o->profile,
		o->style };
	struct creds_opts co = { 0 };
	struct s3_client *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	client_defaults(c, o);
	c->ca = (struct tls_ca)TLS_CA_INIT;
	if (endpoint_resolve(&eo, &c->ep, e) != 0 ||
	    client_http(c, o, e) != 0) {
		s3_client_free(c);
		return NULL;
	}
	c->keys = sigv4_keycache_new();
	if (o->creds) {
		c->creds = o->creds;
	} else if (!o->anonymous) {
		co.profile = o->profile;
		co.ca = &c->ca;
		co.region = c->ep.region;
		c->creds = c->own_creds = creds_provider_new(&co, s3_clock);
	}
	log_debug(LOG_S3, "s3: region %s (from %s), endpoint %s%s",
	    c->ep.region, c->ep.region_from, c->ep.url ? c->ep.url : "AWS",
	    c->ep.url ? "" : " (default)");
	return c;
}

void
s3_client_free(struct s3_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	creds_provider_free(c->own_creds);
	sigv4_keycache_free(c->keys);
	http_client_free(c->http);
	tls_ca_release(&c->ca);
	endpoint_release(&c->ep);
	for (i = 0; i < c->nregions; i++)
		free(c->regions[i].bucket);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const struct endpoint *
s3_client_endpoint(const struct s3_client *c)
{
	return &c->ep;
}

uint64_t
s3_client_part_size(const struct s3_client *c)
{
	return c->part_size;
}

unsigned
s3_client_concurrency(const struct s3_client *c)
{
	return c->concurrency;
}

void
s3_client_bucket_region(
    struct s3_client *c, const char *bucket, char out[S3_REGION_MAX])
{
	const char *r = c->ep.region;
	size_t i;

	pthread_mutex_lock(&c->mu);
	for (i = 0; bucket && i < c->nregions; i++)
		if (strcmp(c->regions[i].bucket, bucket) == 0)
			r = c->regions[i].region;
	snprintf(out, S3_REGION_MAX, "%s", r);
	pthread_mutex_unlock(&c->mu);
}

void
s3_client_set_bucket_region(
    struct s3_client *c, const char *bucket, const char *region)
{
	size_t i;

	if (bucket == NULL || !endpoint_region_ok(region) ||
	    strlen(region) >= S3_REGION_MAX)
		return;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->nregions; i++)
		if (strcmp(c->regions[i].bucket, bucket) == 0)
			break;
	if (i == c->nregions) {
		/* Full: forget the oldest; it is only a cache. */
		if (c->nregions == ARRAY_SIZE(c->regions)) {
			free(c->regions[0].bucket);
			memmove(&c->regions[0], &c->regions[1],
			    sizeof(c->regions[0]) * (c->nregions - 1));
			i = --c->nregions;
		}
		c->regions[i].bucket = xstrdup(bucket);
		c->nregions++;
	}
	snprintf(c->regions[i].region, S3_REGION_MAX, "%s", region);
	pthread_mutex_unlock(&c->mu);
}

time_t
s3_client_now(struct s3_client *c)
{
	long skew;

	pthread_mutex_lock(&c->mu);
	skew = c->skew;
	pthread_mutex_unlock(&c->mu);
	return s3_clock() + skew;
}

void
s3_client_set_skew(struct s3_client *c, time_t server_time)
{
	long skew = (long)(server_time - s3_clock());

	pthread_mutex_lock(&c->mu);
	c->skew = skew;
	pthread_mutex_unlock(&c->mu);
	log_debug(LOG_S3,
	    "s3: clock off by %ld s from the server's; correcting", skew);
}

int
s3_target_build(struct s3_client *c, const char *bucket, const char *key,
    const char *query, struct s3_target *t, struct rerr *e)
{
	struct endpoint ep = c->ep;

	/* A copy pointing at the bucket's region: on AWS the host follows. */
	s3_client_bucket_region(c, bucket, t->region);
	ep.region = t->region;
	return endpoint_build(&ep, bucket, key, query, &t->req, e);
}

void
s3_target_release(struct s3_target *t)
{
	endpoint_req_release(&t->req);
}

int
s3_client_creds(struct s3_client *c, struct creds *cr, struct rerr *e)
{
	if (c->creds == NULL) {
		cr->anonymous = true;
		return 0;
	}
	return creds_provider_get(c->creds, cr, e);
}

/* Split "Name: value" lines into the signer's view; `n` entries max. */
static size_t
split_headers(const char *const *lines, struct sigv4_header *h, size_t n,
    struct buf *names)
{
	size_t i = 0, off[S3_HEADERS_MAX];
	const char *colon;

	buf_reset(names);
	for (; lines && *lines && i < n && i < S3_HEADERS_MAX; lines++) {
		if ((colon = strchr(*lines, ':')) == NULL)
			continue;
		off[i] = names->len;
		buf_add(names, *lines, (size_t)(colon - *lines));
		buf_addc(names, '\0');
		h[i].value = colon + 1 + strspn(colon + 1, " \t");
		i++;
	}
	/* The buffer no longer moves: point the names into it. */
	for (n = 0; n < i; n++)
		h[n].name = names->ptr + off[n];
	return i;
}

int
s3_sign_headers(struct s3_client *c, const struct s3_signing *s,
    struct s3_headers *out, struct rerr *e)
{
	struct sigv4_header h[S3_HEADERS_MAX + 1];
	struct sigv4_req req = { s->method, s->target->req.path.ptr, s->query,
		h, 0, NULL, 0 };
	struct sigv4_params p = { 0 };
	struct sigv4_signed sg = SIGV4_SIGNED_INIT;
	struct sigv4_creds sc;
	struct creds cr = { 0 };
	struct buf names = BUF_INIT;
	size_t i;
	int r;

	h[0].name = "Host";
	h[0].value = s->target->req.host.ptr;
	req.nheaders =
	    1 + split_headers(s->headers, h + 1, S3_HEADERS_MAX, &names);
	for (i = 0; s->headers && s->headers[i]; i++)
		s3_headers_add(out, "%s", s->headers[i]);
	s3_headers_add(out, "Host: %s", s->target->req.host.ptr);
	if ((r = s3_client_creds(c, &cr, e)) != 0 || cr.anonymous)
		goto out;
	creds_sigv4(&cr, &sc);
	p.creds = &sc;
	p.region = s->target->region;
	p.service = "s3";
	p.when = s3_client_now(c);
	p.flags = SIGV4_S3 | SIGV4_CONTENT_SHA256;
	/* The pipe says UNSIGNED-PAYLOAD in the same slot as a hash. */
	if (strcmp(s->payload_hex, SIGV4_UNSIGNED) == 0)
		p.payload = SIGV4_PAYLOAD_UNSIGNED;
	else
		p.payload = SIGV4_PAYLOAD_HEX;
	p.payload_hex = s->payload_hex;
	p.cache = c->keys;
	pthread_mutex_lock(&c->mu); /* the key cache is not thread-safe */
	r = sigv4_sign(&req, &p, &sg, e);
	pthread_mutex_unlock(&c->mu);
	for (i = 0; r == 0 && i < sg.nadded; i++)
		s3_headers_add(
		    out, "%s: %s", sg.added[i].name, sg.added[i].value);
out:
	sigv4_signed_release(&sg);
	creds_release(&cr);
	buf_release(&names);
	return r;
}

void
s3_headers_add(struct s3_headers *h, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (h->n + 1 >= ARRAY_SIZE(h->lines))
		abort(); /* a programming error: S3_HEADERS_MAX is generous */
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	h->lines[h->n++] = buf_detach(&b, NULL);
	h->lines[h->n] = NULL;
}

void
s3_headers_release(struct s3_headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		/* The Authorization line carries a signature: wipe it. */
		memset(h->lines[i], 0, strlen(h->lines[i]));
		free(h->lines[i]);
	}
	h->n = 0;
	h->lines[0] = NULL;
}

static int
presign_signed(struct s3_client *c, struct s3_target *t, const char *method,
    long expires, struct buf *url, struct rerr *e)
{
	struct sigv4_header h = { "Host", t->req.host.ptr };
	struct sigv4_req req = { method, t->req.path.ptr, NULL, &h, 1, NULL,
		0 };
	struct sigv4_params p = { 0 };
	struct sigv4_signed sg = SIGV4_SIGNED_INIT;
	struct sigv4_creds sc;
	struct creds cr = { 0 };
	int r;

	if ((r = s3_client_creds(c, &cr, e)) != 0)
		goto out;
	if (cr.anonymous) {
		r = buf_add(url, t->req.url.ptr, t->req.url.len);
		goto out;
	}
	creds_sigv4(&cr, &sc);
	p.creds = &sc;
	p.region = t->region;
	p.service = "s3";
	p.when = s3_client_now(c);
	p.flags = SIGV4_S3;
	p.payload = SIGV4_PAYLOAD_UNSIGNED;
	p.expires = expires;
	if ((r = sigv4_presign(&req, &p, &sg, e)) == 0)
		r = sigv4_presigned_url(
		    &sg, c->ep.scheme, t->req.host.ptr, url);
out:
	sigv4_signed_release(&sg);
	creds_release(&cr);
	return r;
}

int
s3_presign(struct s3_client *c, const char *method, const char *bucket,
    const char *key, long expires, struct buf *url, struct rerr *e)
{
	struct s3_target t = S3_TARGET_INIT;
	int r;

	if (expires < 1 || expires > SIGV4_MAX_EXPIRES) {
		r = rerr_set(e, -EINVAL,
		    "presign: expiry %ld s out of range (1 to %d s)", expires,
		    SIGV4_MAX_EXPIRES);
		goto out;
	}
	if ((r = s3_target_build(c, bucket, key, NULL, &t, e)) == 0)
		r = presign_signed(
		    c, &t, method ? method : "GET", expires, url, e);
out:
	s3_target_release(&t);
	return r;
}

void
s3_payload_empty(char hex[SIGV4_HEX_LEN + 1])
{
	unsigned char d[CRYPTO_SHA256_LEN];

	crypto_sha256("", 0, d);
	crypto_hex(d, sizeof(d), hex);
}
