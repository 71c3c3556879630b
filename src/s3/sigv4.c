#include "roma.h"
#include "s3/sigv4.h"
#include "util/crypto.h"
#include "util/rerr.h"
#include "util/time.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Headers never signed: hop-by-hop or rewritten on the way (botocore's
 * list), and the signature itself. */
static const char *const unsigned_headers[] = {
	"authorization",
	"expect",
	"transfer-encoding",
	"user-agent",
	"x-amzn-trace-id",
};

struct pair { /* a canonical header or query parameter */
	char *key;
	char *val;
	size_t seq; /* input order, to keep sorting stable */
};

struct pairs {
	struct pair *v;
	size_t n, cap;
};

/* Everything one signature needs, shared by sign and presign. */
struct sig_ctx {
	const struct sigv4_req *req;
	const struct sigv4_params *p;
	char amzdate[TIME_AMZDATE_LEN + 1];
	char date[9];
	char scope[256];
	char payload[SIGV4_HEX_LEN + 1];
	const char *date_hdr, *token_hdr, *sha_hdr; /* found in the request */
	struct pairs hdrs;
	struct buf signed_names;
	int presign;
};

static void
pairs_add(struct pairs *ps, char *key, char *val)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = xrealloc(ps->v, ps->cap * sizeof(*ps->v));
	}
	ps->v[ps->n].key = key;
	ps->v[ps->n].val = val;
	ps->v[ps->n].seq = ps->n;
	ps->n++;
}

static void
pairs_release(struct pairs *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].key);
		free(ps->v[i].val);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static int
cmp_key_seq(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_key_val(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : strcmp(x->val, y->val);
}

/* Encode `n` bytes of `s` per SigV4 into a new string. */
static char *
encode_str(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	uri_encode(&b, s, n, 0);
	return buf_detach(&b, NULL);
}

/* Decode then encode `n` bytes of `s`; NULL on a bad escape. */
static char *
reencode(const char *s, size_t n)
{
	struct buf dec = BUF_INIT;
	char *r = NULL;

	if (uri_decode(&dec, s, n) == 0)
		r = encode_str(dec.ptr, dec.len);
	buf_release(&dec);
	return r;
}

static int
parse_query(const char *q, struct pairs *ps)
{
	const char *seg, *eq;
	size_t len;
	char *k, *v;

	for (seg = q ? q : ""; *seg != '\0'; seg += len + (seg[len] == '&')) {
		len = strcspn(seg, "&");
		if (len == 0)
			continue;
		eq = memchr(seg, '=', len);
		k = reencode(seg, eq ? (size_t)(eq - seg) : len);
		v = eq ? reencode(eq + 1, len - (size_t)(eq + 1 - seg))
		       : xstrdup("");
		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			return -EINVAL;
		}
		pairs_add(ps, k, v);
	}
	return 0;
}

static void
join_query(struct pairs *ps, struct buf *out)
{
	size_t i;

	if (ps->n > 1)
		qsort(ps->v, ps->n, sizeof(*ps->v), cmp_key_val);
	for (i = 0; i < ps->n; i++)
		buf_addf(
		    out, "%s%s=%s", i ? "&" : "", ps->v[i].key, ps->v[i].val);
}

int
sigv4_canonical_query(const char *q, struct buf *out)
{
	struct pairs ps = { 0 };
	int r;

	if ((r = parse_query(q, &ps)) == 0)
		join_query(&ps, out);
	pairs_release(&ps);
	return r;
}

/* Remove "." and ".." segments and empty ones, as botocore does: a
 * trailing '/' survives only when something is left before it. */
static void
normalize(const char *p, size_t n, struct buf *out)
{
	size_t *stack = xmalloc((n / 2 + 2) * sizeof(*stack));
	size_t i, len, depth = 0;
	int trailing = n > 0 && p[n - 1] == '/';

	for (i = 0; i < n; i += len + 1) {
		len = strcspn(p + i, "/");
		if (i + len > n)
			len = n - i;
		if (len == 0 || (len == 1 && p[i] == '.'))
			continue;
		if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (depth > 0)
				buf_truncate(out, stack[--depth]);
			continue;
		}
		stack[depth++] = out->len;
		buf_addc(out, '/');
		buf_add(out, p + i, len);
	}
	if (out->len == 0 || (trailing && depth > 0))
		buf_addc(out, '/');
	free(stack);
}

int
sigv4_canonical_path(const char *path, unsigned flags, struct buf *out)
{
	struct buf dec = BUF_INIT, norm = BUF_INIT;
	const char *s = path && *path ? path : "/";
	size_t n = strlen(s);
	int r = 0;

	if (flags & SIGV4_SINGLE_ENCODE) {
		if ((r = uri_decode(&dec, s, n)) != 0)
			goto out;
		s = dec.ptr;
		n = dec.len;
	}
	if (!(flags & SIGV4_NO_NORMALIZE)) {
		normalize(s, n, &norm);
		s = norm.ptr;
		n = norm.len;
	}
	if (n == 0 || s[0] != '/')
		buf_addc(out, '/');
	r = uri_encode(out, s, n, URI_KEEP_SLASH);
out:
	buf_release(&dec);
	buf_release(&norm);
	return r;
}

static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
sigv4_canonical_value(const char *v, struct buf *out)
{
	size_t start = out->len;
	int space = 0, r;

	for (; *v != '\0'; v++) {
		if (blank((unsigned char)*v)) {
			space = out->len > start;
			continue;
		}
		if (space && (r = buf_addc(out, ' ')) != 0)
			return r;
		space = 0;
		if ((r = buf_addc(out, *v)) != 0)
			return r;
	}
	return 0;
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == ':' || *s == 0x7f)
			return 0;
	return 1;
}

static int
is_unsigned(const char *lname)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unsigned_headers); i++)
		if (strcmp(lname, unsigned_headers[i]) == 0)
			return 1;
	return 0;
}

static void
add_header(struct sig_ctx *c, const char *name, const char *value)
{
	struct buf v = BUF_INIT;
	char *lname = xstrdup(name);
	size_t i;

	for (i = 0; lname[i] != '\0'; i++)
		lname[i] = (char)tolower((unsigned char)lname[i]);
	if (is_unsigned(lname) ||
	    ((c->p->flags & SIGV4_TOKEN_UNSIGNED) &&
	        strcmp(lname, "x-amz-security-token") == 0)) {
		free(lname);
		return;
	}
	sigv4_canonical_value(value, &v);
	pairs_add(&c->hdrs, lname, buf_detach(&v, NULL));
}

/* Note the headers signing cares about, and check the request's shape. */
static int
scan_headers(struct sig_ctx *c, struct rerr *e)
{
	const struct sigv4_req *q = c->req;
	int host = 0;
	size_t i;

	for (i = 0; i < q->nheaders; i++) {
		const char *n = q->headers[i].name;

		if (!valid_name(n) || q->headers[i].value == NULL)
			return rerr_set(e, -EINVAL, "bad header name");
		if (strcasecmp(n, "host") == 0)
			host = 1;
		else if (strcasecmp(n, "x-amz-date") == 0)
			c->date_hdr = q->headers[i].value;
		else if (strcasecmp(n, "x-amz-security-token") == 0)
			c->token_hdr = q->headers[i].value;
		else if (strcasecmp(n, "x-amz-content-sha256") == 0)
			c->sha_hdr = q->headers[i].value;
	}
	if (!host)
		return rerr_set(e, -EINVAL, "request has no Host header");
	return 0;
}

static int
check_date_header(struct sig_ctx *c, struct rerr *e)
{
	struct buf v = BUF_INIT;
	int r = 0;

	if (c->date_hdr == NULL)
		return 0;
	sigv4_canonical_value(c->date_hdr, &v);
	if (strcmp(v.ptr, c->amzdate) != 0)
		r = rerr_set(e, -EINVAL,
		    "X-Amz-Date header differs from the signing time %s",
		    c->amzdate);
	buf_release(&v);
	return r;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < SIGV4_HEX_LEN; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return 0;
	return s[i] == '\0';
}

static int
payload_hash(struct sig_ctx *c, struct rerr *e)
{
	const struct sigv4_params *p = c->p;
	unsigned char md[CRYPTO_SHA256_LEN];
	struct buf v = BUF_INIT;
	const char *want = NULL;
	int r = 0;

	if (p->payload == SIGV4_PAYLOAD_UNSIGNED) {
		want = SIGV4_UNSIGNED;
	} else if (p->payload == SIGV4_PAYLOAD_HEX) {
		if (p->payload_hex == NULL || !is_hex64(p->payload_hex)) {
			r = rerr_set(e, -EINVAL, "bad payload hash");
			goto out;
		}
		want = p->payload_hex;
	}
	if (c->sha_hdr != NULL) { /* the request already says; it must agree */
		sigv4_canonical_value(c->sha_hdr, &v);
		if (v.len == 0 || v.len > SIGV4_HEX_LEN ||
		    (want != NULL && strcmp(v.ptr, want) != 0)) {
			r = rerr_set(e, -EINVAL,
			    "x-amz-content-sha256 header disagrees with the payload");
			goto out;
		}
		want = v.ptr;
	}
	if (want != NULL) {
		memcpy(c->payload, want, strlen(want) + 1);
	} else {
		crypto_sha256(c->req->body, c->req->body_len, md);
		crypto_hex(md, sizeof(md), c->payload);
	}
out:
	buf_release(&v);
	return r;
}

static int
scope_part_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < 64 &&
	    strcspn(s, "/ \t\r\n") == strlen(s);
}

static int
check_params(
    const struct sigv4_req *q, const struct sigv4_params *p, struct rerr *e)
{
	const struct sigv4_creds *cr = p->creds;

	if (cr == NULL || cr->access_key == NULL || cr->secret_key == NULL ||
	    *cr->access_key == '\0' || *cr->secret_key == '\0' ||
	    strlen(cr->access_key) > 128 ||
	    strcspn(cr->access_key, "/ \t\r\n,") != strlen(cr->access_key))
		return rerr_set(e, -EINVAL, "missing or malformed credentials");
	if (!scope_part_ok(p->region) || !scope_part_ok(p->service))
		return rerr_set(e, -EINVAL, "bad region or service name");
	if (q->method == NULL || !valid_name(q->method))
		return rerr_set(e, -EINVAL, "bad request method");
	if (q->body == NULL && q->body_len != 0)
		return rerr_set(e, -EINVAL, "body length without a body");
	return 0;
}

static int
has_token(const struct sigv4_params *p)
{
	return p->creds->session_token != NULL &&
	    *p->creds->session_token != '\0';
}

static void
add_out(struct sigv4_signed *out, const char *name, const char *value)
{
	out->added[out->nadded].name = name;
	out->added[out->nadded].value = xstrdup(value);
	out->nadded++;
}

/* Sorted canonical headers into creq; their names into c->signed_names. */
static void
canonical_headers(struct sig_ctx *c, struct buf *creq)
{
	struct pairs *h = &c->hdrs;
	size_t i;

	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), cmp_key_seq);
	for (i = 0; i < h->n; i++) {
		if (i > 0 && strcmp(h->v[i].key, h->v[i - 1].key) == 0) {
			buf_addf(creq, ",%s", h->v[i].val);
			continue;
		}
		if (i > 0)
			buf_addc(creq, '\n');
		buf_addf(creq, "%s:%s", h->v[i].key, h->v[i].val);
		buf_addf(&c->signed_names, "%s%s", i ? ";" : "", h->v[i].key);
	}
	buf_adds(creq, "\n\n");
	buf_adds(creq, c->signed_names.ptr);
}

static void
presign_params(struct sig_ctx *c, struct pairs *q)
{
	const struct sigv4_params *p = c->p;
	struct buf cred = BUF_INIT, exp = BUF_INIT;
	size_t i;

	/* Signed headers are known before the query is built. */
	if (c->hdrs.n > 1)
		qsort(c->hdrs.v, c->hdrs.n, sizeof(*c->hdrs.v), cmp_key_seq);
	for (i = 0; i < c->hdrs.n; i++)
		if (i == 0 || strcmp(c->hdrs.v[i].key, c->hdrs.v[i - 1].key))
			buf_addf(&c->signed_names, "%s%s", i ? ";" : "",
			    c->hdrs.v[i].key);
	buf_addf(&cred, "%s/%s", p->creds->access_key, c->scope);
	buf_addf(&exp, "%ld", p->expires);
	pairs_add(q, xstrdup("X-Amz-Algorithm"), xstrdup(SIGV4_ALGORITHM));
	pairs_add(
	    q, xstrdup("X-Amz-Credential"), encode_str(cred.ptr, cred.len));
	pairs_add(q, xstrdup("X-Amz-Date"), xstrdup(c->amzdate));
	pairs_add(q, xstrdup("X-Amz-Expires"), buf_detach(&exp, NULL));
	pairs_add(q, xstrdup("X-Amz-SignedHeaders"),
	    encode_str(c->signed_names.ptr, c->signed_names.len));
	if (has_token(p) && !(p->flags & SIGV4_TOKEN_UNSIGNED))
		pairs_add(q, xstrdup("X-Amz-Security-Token"),
		    encode_str(p->creds->session_token,
		        strlen(p->creds->session_token)));
	buf_truncate(&c->signed_names, 0);
	buf_release(&cred);
}

/* The canonical request into out->creq. */
static int
build_creq(struct sig_ctx *c, struct sigv4_signed *out, struct rerr *e)
{
	const struct sigv4_req *q = c->req;
	struct pairs qs = { 0 };
	int r;

	buf_addf(&out->creq, "%s\n", q->method);
	if ((r = sigv4_canonical_path(q->path, c->p->flags, &out->creq)) != 0) {
		r = rerr_set(e, r, "bad %%-escape in the request path");
		goto out;
	}
	buf_addc(&out->creq, '\n');
	if ((r = parse_query(q->query, &qs)) != 0) {
		r = rerr_set(e, r, "bad %%-escape in the query string");
		goto out;
	}
	if (c->presign)
		presign_params(c, &qs);
	join_query(&qs, &out->creq);
	if (c->presign)
		join_query(&qs, &out->query);
	buf_addc(&out->creq, '\n');
	canonical_headers(c, &out->creq);
	buf_addf(&out->creq, "\n%s", c->payload);
out:
	pairs_release(&qs);
	return r;
}

/* Headers the signer adds and signs, collected beside the request's own. */
static void
signed_additions(struct sig_ctx *c, struct sigv4_signed *out)
{
	const struct sigv4_params *p = c->p;
	size_t i;

	for (i = 0; i < c->req->nheaders; i++)
		add_header(
		    c, c->req->headers[i].name, c->req->headers[i].value);
	if (c->presign)
		return;
	if (c->date_hdr == NULL) {
		add_out(out, "X-Amz-Date", c->amzdate);
		add_header(c, "x-amz-date", c->amzdate);
	}
	if (c->sha_hdr == NULL && (p->flags & SIGV4_CONTENT_SHA256)) {
		add_out(out, "X-Amz-Content-SHA256", c->payload);
		add_header(c, "x-amz-content-sha256", c->payload);
	}
	if (has_token(p) && c->token_hdr == NULL &&
	    !(p->flags & SIGV4_TOKEN_UNSIGNED)) {
		add_out(out, "X-Amz-Security-Token", p->creds->session_token);
		add_header(c, "x-amz-security-token", p->creds->session_token);
	}
}

/* The Authorization value, and the headers that go after signing. */
static void
authorization(struct sig_ctx *c, struct sigv4_signed *out)
{
	const struct sigv4_params *p = c->p;

	buf_addf(&out->authz,
	    SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	    p->creds->access_key, c->scope, c->signed_names.ptr,
	    out->signature);
	if ((p->flags & SIGV4_TOKEN_UNSIGNED) && has_token(p) &&
	    c->token_hdr == NULL)
		add_out(out, "X-Amz-Security-Token", p->creds->session_token);
	add_out(out, "Authorization", out->authz.ptr);
}

static int
sign_common(const struct sigv4_req *req, const struct sigv4_params *p,
    int presign, struct sigv4_signed *out, struct rerr *e)
{
	struct sig_ctx c = { 0 };
	unsigned char key[SIGV4_KEY_LEN];
	int r;

	c.req = req;
	c.p = p;
	c.presign = presign;
	buf_init(&c.signed_names, 0);
	sigv4_signed_release(out);
	if ((r = check_params(req, p, e)) != 0 ||
	    (r = scan_headers(&c, e)) != 0)
		goto out;
	time_amzdate(p->when, c.amzdate);
	memcpy(c.date, c.amzdate, 8);
	snprintf(c.scope, sizeof(c.scope), "%s/%s/%s/aws4_request", c.date,
	    p->region, p->service);
	if ((r = check_date_header(&c, e)) != 0 ||
	    (r = payload_hash(&c, e)) != 0)
		goto out;
	signed_additions(&c, out);
	if ((r = build_creq(&c, out, e)) != 0)
		goto out;
	sigv4_string_to_sign(
	    c.amzdate, c.scope, out->creq.ptr, out->creq.len, &out->sts);
	sigv4_keycache_get(
	    p->cache, p->creds, c.date, p->region, p->service, key);
	sigv4_signature(key, out->sts.ptr, out->sts.len, out->signature);
	explicit_bzero(key, sizeof(key));
	if (!presign)
		authorization(&c, out);
out:
	if (r != 0)
		sigv4_signed_release(out);
	pairs_release(&c.hdrs);
	buf_release(&c.signed_names);
	return r;
}

int
sigv4_sign(const struct sigv4_req *req, const struct sigv4_params *p,
    struct sigv4_signed *out, struct rerr *e)
{
	return sign_common(req, p, 0, out, e);
}

/* The path for a URL: the canonical one for single-encoded (S3) requests,
 * else the request's, with only bytes a URL cannot carry escaped. */
static int
url_path(const struct sigv4_req *req, unsigned flags, struct buf *out)
{
	const char *s = req->path && *req->path ? req->path : "/";
	char esc[4];

	if (flags & SIGV4_SINGLE_ENCODE)
		return sigv4_canonical_path(s, flags | SIGV4_NO_NORMALIZE, out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch > ' ' && ch < 0x7f && !strchr("\"#<>?\\^`{|}", ch)) {
			buf_addc(out, (char)ch);
			continue;
		}
		snprintf(esc, sizeof(esc), "%%%02X", ch);
		buf_adds(out, esc);
	}
	return 0;
}

int
sigv4_presign(const struct sigv4_req *req, const struct sigv4_params *p,
    struct sigv4_signed *out, struct rerr *e)
{
	int r;

	if (p->expires < 1 || p->expires > SIGV4_MAX_EXPIRES) {
		sigv4_signed_release(out);
		return rerr_set(e, -EINVAL, "expiry must be 1 to %d seconds",
		    SIGV4_MAX_EXPIRES);
	}
	if ((r = sign_common(req, p, 1, out, e)) != 0)
		goto out;
	buf_addf(&out->query, "&X-Amz-Signature=%s", out->signature);
	if ((p->flags & SIGV4_TOKEN_UNSIGNED) && has_token(p)) {
		buf_adds(&out->query, "&X-Amz-Security-Token=");
		uri_encode(&out->query, p->creds->session_token,
		    strlen(p->creds->session_token), 0);
	}
	r = url_path(req, p->flags, &out->path);
out:
	if (r != 0)
		sigv4_signed_release(out);
	return r;
}

int
sigv4_presigned_url(const struct sigv4_signed *s, const char *scheme,
    const char *host, struct buf *url)
{
	return buf_addf(
	    url, "%s://%s%s?%s", scheme, host, s->path.ptr, s->query.ptr);
}

void
sigv4_signed_release(struct sigv4_signed *s)
{
	size_t i;

	buf_release(&s->creq);
	buf_release(&s->sts);
	buf_release(&s->authz);
	buf_release(&s->query);
	buf_release(&s->path);
	for (i = 0; i < s->nadded; i++)
		free(s->added[i].value);
	memset(s->added, 0, sizeof(s->added));
	s->nadded = 0;
	s->signature[0] = '\0';
}

int
sigv4_string_to_sign(const char *amzdate, const char *scope, const char *creq,
    size_t creq_len, struct buf *out)
{
	unsigned char md[CRYPTO_SHA256_LEN];
	char hex[SIGV4_HEX_LEN + 1];

	crypto_sha256(creq, creq_len, md);
	crypto_hex(md, sizeof(md), hex);
	return buf_addf(
	    out, SIGV4_ALGORITHM "\n%s\n%s\n%s", amzdate, scope, hex);
}

void
sigv4_derive_key(const char *secret, const char *date, const char *region,
    const char *service, unsigned char key[SIGV4_KEY_LEN])
{
	struct buf k = BUF_INIT;
	unsigned char t1[SIGV4_KEY_LEN], t2[SIGV4_KEY_LEN];

	buf_addf(&k, "AWS4%s", secret);
	crypto_hmac_sha256(k.ptr, k.len, date, strlen(date), t1);
	crypto_hmac_sha256(t1, sizeof(t1), region, strlen(region), t2);
	crypto_hmac_sha256(t2, sizeof(t2), service, strlen(service), t1);
	crypto_hmac_sha256(t1, sizeof(t1), "aws4_request", 12, key);
	explicit_bzero(t1, sizeof(t1));
	explicit_bzero(t2, sizeof(t2));
	explicit_bzero(k.ptr, k.len);
	buf_release(&k);
}

void
sigv4_signature(const unsigned char key[SIGV4_KEY_LEN], const char *sts,
    size_t sts_len, char hex[SIGV4_HEX_LEN + 1])
{
	unsigned char md[CRYPTO_SHA256_LEN];

	crypto_hmac_sha256(key, SIGV4_KEY_LEN, sts, sts_len, md);
	crypto_hex(md, sizeof(md), hex);
}

struct sigv4_keycache {
	int valid;
	char date[9];
	char region[64];
	char service[64];
	char access_key[129];
	unsigned char secret_fp[CRYPTO_SHA256_LEN];
	unsigned char key[SIGV4_KEY_LEN];
};

struct sigv4_keycache *
sigv4_keycache_new(void)
{
	return xcalloc(1, sizeof(struct sigv4_keycache));
}

void
sigv4_keycache_free(struct sigv4_keycache *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static int
cache_hit(const struct sigv4_keycache *c, const struct sigv4_creds *cr,
    const char *date, const char *region, const char *service,
    const unsigned char fp[CRYPTO_SHA256_LEN])
{
	return c->valid && strcmp(c->date, date) == 0 &&
	    strcmp(c->region, region) == 0 &&
	    strcmp(c->service, service) == 0 &&
	    strcmp(c->access_key, cr->access_key) == 0 &&
	    memcmp(c->secret_fp, fp, CRYPTO_SHA256_LEN) == 0;
}

void
sigv4_keycache_get(struct sigv4_keycache *c, const struct sigv4_creds *cr,
    const char *date, const char *region, const char *service,
    unsigned char key[SIGV4_KEY_LEN])
{
	unsigned char fp[CRYPTO_SHA256_LEN];

	if (c == NULL || strlen(date) >= sizeof(c->date) ||
	    strlen(region) >= sizeof(c->region) ||
	    strlen(service) >= sizeof(c->service) ||
	    strlen(cr->access_key) >= sizeof(c->access_key)) {
		sigv4_derive_key(cr->secret_key, date, region, service, key);
		return;
	}
	crypto_sha256(cr->secret_key, strlen(cr->secret_key), fp);
	if (!cache_hit(c, cr, date, region, service, fp)) {
		sigv4_derive_key(cr->secret_key, date, region, service, c->key);
		memcpy(c->secret_fp, fp, sizeof(fp));
		snprintf(c->date, sizeof(c->date), "%s", date);
		snprintf(c->region, sizeof(c->region), "%s", region);
		snprintf(c->service, sizeof(c->service), "%s", service);
		snprintf(
		    c->access_key, sizeof(c->access_key), "%s", cr->access_key);
		c->valid = 1;
	}
	memcpy(key, c->key, SIGV4_KEY_LEN);
}
