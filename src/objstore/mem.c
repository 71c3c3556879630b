/*
 * An object store in memory.  Objects live in an array sorted by key (bytes
 * compared unsigned, as S3 does), uploads in an array sorted by key then
 * creation order, all under one mutex.  Contents are immutable,
 * reference-counted blobs, so a get streams outside the lock and a copy
 * shares the source's bytes.
 */
#include "roma.h"
#include "objstore/mem_int.h"
#include "util/crypto.h"
#include "util/rerr.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define GIB5       (5ull << 30)
#define SINK_CHUNK (64u << 10) /* bytes per sink call, like network reads */
#define READ_CHUNK (1u << 20)  /* bytes per body read call */

time_t
objstore_mem_now_locked(const struct mem *m)
{
	return m->now ? m->now : time(NULL);
}

void
objstore_mem_meta_free(struct objstore_meta *meta, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(meta[i].name);
		free(meta[i].value);
	}
	free(meta);
}

/* Copy metadata; names are lower-cased, as S3 stores them. */
struct objstore_meta *
objstore_mem_meta_dup(const struct objstore_meta *meta, size_t n)
{
	struct objstore_meta *out;
	size_t i;
	char *c;

	if (n == 0)
		return NULL;
	out = xcalloc(n, sizeof(*out));
	for (i = 0; i < n; i++) {
		out[i].name = xstrdup(meta[i].name);
		out[i].value = xstrdup(meta[i].value ? meta[i].value : "");
		for (c = out[i].name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	return out;
}

char *
objstore_mem_ctype_dup(const char *ctype)
{
	return xstrdup(ctype && *ctype ? ctype : "binary/octet-stream");
}

static void
obj_free(struct obj *o)
{
	free(o->key);
	blob_unref(o->blob);
	free(o->ctype);
	objstore_mem_meta_free(o->meta, o->nmeta);
}

void
objstore_mem_md5(const void *p, size_t n, unsigned char raw[MD5_LEN],
    char etag[OBJSTORE_ETAG_MAX])
{
	md5_digest(p, n, raw);
	crypto_hex(raw, MD5_LEN, etag);
}

/* The first object whose key is >= `key` (or > with `after`). */
static size_t
lower_bound(const struct mem *m, const char *key, bool after)
{
	size_t lo = 0, hi = m->nobjs, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(m->objs[mid].key, key);
		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct obj *
find_locked(struct mem *m, const char *key)
{
	size_t i = lower_bound(m, key, false);

	if (i < m->nobjs && strcmp(m->objs[i].key, key) == 0)
		return &m->objs[i];
	return NULL;
}

/* Store `o` under its key, taking ownership; an old object is freed. */
void
objstore_mem_store_locked(struct mem *m, struct obj *o)
{
	size_t i = lower_bound(m, o->key, false);

	if (i < m->nobjs && strcmp(m->objs[i].key, o->key) == 0) {
		obj_free(&m->objs[i]);
		m->objs[i] = *o;
		return;
	}
	if (m->nobjs == m->capobjs) {
		m->capobjs = m->capobjs ? 2 * m->capobjs : 64;
		m->objs = xrealloc(m->objs, m->capobjs * sizeof(*m->objs));
	}
	memmove(
	    &m->objs[i + 1], &m->objs[i], (m->nobjs - i) * sizeof(*m->objs));
	m->objs[i] = *o;
	m->nobjs++;
}

static int
no_such_key(struct rerr *e, const char *key)
{
	return rerr_http(
	    e, -ENOENT, 404, "NoSuchKey", NULL, "no such key '%s'", key);
}

static int
precondition(struct rerr *e, const char *key)
{
	return rerr_http(e, -ESTALE, 412, "PreconditionFailed", NULL,
	    "'%s' does not match the etag", key);
}

static void
fill_info(const struct obj *o, struct objstore_info *info)
{
	info->size = o->blob->size;
	info->mtime = o->mtime;
	memcpy(info->etag, o->etag, sizeof(info->etag));
	info->content_type = xstrdup(o->ctype);
	info->meta = objstore_mem_meta_dup(o->meta, o->nmeta);
	info->nmeta = o->nmeta;
}

static int
mem_head(struct objstore *s, const char *key, struct objstore_info *info,
    struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct obj *o;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if ((o = find_locked(m, key)) == NULL)
		r = rerr_http(
		    e, -ENOENT, 404, "NotFound", NULL, "no such key '%s'", key);
	else
		fill_info(o, info);
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
objstore_mem_snapshot(struct mem *m, const char *key, const char *if_match,
    struct objstore_info *info, struct blob **b, struct rerr *e)
{
	struct obj *o;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if ((o = find_locked(m, key)) == NULL) {
		r = no_such_key(e, key);
	} else if (if_match && strcmp(if_match, o->etag) != 0) {
		r = precondition(e, key);
	} else {
		*b = blob_ref(o->blob);
		if (info)
			fill_info(o, info);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

static int
mem_get(struct objstore *s, const char *key, const struct objstore_get_req *g,
    struct objstore_info *info, struct rerr *e)
{
	struct blob *b = NULL;
	size_t off, end, n;
	int r;

	r = objstore_mem_snapshot(
	    (struct mem *)s, key, g->if_match, info, &b, e);
	if (r != 0)
		return r;
	off = g->off < b->size ? (size_t)g->off : b->size;
	end = g->len >= b->size - off ? b->size : off + (size_t)g->len;
	for (; off < end && r == 0; off += n) {
		n = end - off < SINK_CHUNK ? end - off : SINK_CHUNK;
		r = g->sink(b->data + off, n, g->arg);
	}
	blob_unref(b);
	return r;
}

/* Read a whole body into a new blob and compute its MD5. */
int
objstore_mem_body_blob(const struct mem *m, const struct objstore_body *body,
    struct blob **out, unsigned char raw[MD5_LEN], char etag[OBJSTORE_ETAG_MAX],
    struct rerr *e)
{
	struct blob *b;
	size_t off, n;
	int r = 0;

	if (body->size > m->o.put_max)
		return rerr_http(e, -EFBIG, 400, "EntityTooLarge", NULL,
		    "body of %" PRIu64 " bytes is too large", body->size);
	b = blob_new((size_t)body->size);
	if (body->data)
		memcpy(b->data, body->data, b->size);
	for (off = 0; body->data == NULL && off < b->size && r == 0; off += n) {
		n = b->size - off < READ_CHUNK ? b->size - off : READ_CHUNK;
		r = body->read(b->data + off, n, off, body->arg);
	}
	if (r != 0) {
		blob_unref(b);
		return rerr_set(e, r, "reading the request body failed");
	}
	objstore_mem_md5(b->data, b->size, raw, etag);
	*out = b;
	return 0;
}

static int
mem_put(struct objstore *s, const char *key, const struct objstore_body *body,
    const struct objstore_attrs *a, unsigned flags,
    struct objstore_put_res *res, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	unsigned char raw[MD5_LEN];
	struct obj o = { 0 };
	int r;

	if ((r = objstore_mem_body_blob(m, body, &o.blob, raw, o.etag, e)) != 0)
		return r;
	o.key = xstrdup(key);
	o.ctype = objstore_mem_ctype_dup(a ? a->content_type : NULL);
	if (a) {
		o.meta = objstore_mem_meta_dup(a->meta, a->nmeta);
		o.nmeta = a->nmeta;
	}
	pthread_mutex_lock(&m->mu);
	if ((flags & OBJSTORE_PUT_CREATE) && find_locked(m, key)) {
		r = rerr_http(e, -EEXIST, 412, "PreconditionFailed", NULL,
		    "'%s' exists", key);
	} else {
		o.mtime = objstore_mem_now_locked(m);
		res->mtime = o.mtime;
		memcpy(res->etag, o.etag, sizeof(res->etag));
		objstore_mem_store_locked(m, &o);
	}
	pthread_mutex_unlock(&m->mu);
	if (r != 0)
		obj_free(&o);
	return r;
}

static void
delete_locked(struct mem *m, const char *key)
{
	struct obj *o = find_locked(m, key);
	size_t i;

	if (o == NULL)
		return;
	i = (size_t)(o - m->objs);
	obj_free(o);
	memmove(o, o + 1, (m->nobjs - i - 1) * sizeof(*o));
	m->nobjs--;
}

static int
mem_del(struct objstore *s, const char *key, struct rerr *e)
{
	struct mem *m = (struct mem *)s;

	(void)e;
	pthread_mutex_lock(&m->mu);
	delete_locked(m, key);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static int
mem_delete_many(struct objstore *s, const char *const *keys, size_t n,
    int *errs, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	size_t i;

	(void)e;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < n; i++) {
		delete_locked(m, keys[i]);
		errs[i] = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static bool
starts_with(const char *s, const char *prefix, size_t plen)
{
	return strncmp(s, prefix, plen) == 0;
}

/* Page under construction; arrays sized for max_keys up front. */
struct page {
	struct objstore_list_page *pg;
	const char *last; /* the last item emitted: a key or a prefix */
	size_t lastlen;
	bool last_is_prefix;
};

static void
emit_entry(struct page *p, const struct obj *o)
{
	struct objstore_entry *en = &p->pg->entries[p->pg->nentries++];

	en->key = xstrdup(o->key);
	en->size = o->blob->size;
	en->mtime = o->mtime;
	memcpy(en->etag, o->etag, sizeof(en->etag));
	p->last = o->key;
	p->lastlen = strlen(o->key);
	p->last_is_prefix = false;
}

static void
emit_prefix(struct page *p, const char *key, size_t len)
{
	p->pg->prefixes[p->pg->nprefixes++] = xstrndup(key, len);
	p->last = key;
	p->lastlen = len;
	p->last_is_prefix = true;
}

/*
 * Tokens are "k:<key>" (resume after that key) or "p:<prefix>" (resume
 * after every key under that common prefix).  Callers treat them as opaque.
 */
static int
parse_token(const struct objstore_list_req *q, const char **after,
    const char **skip, struct rerr *e)
{
	*after = q->start_after;
	*skip = NULL;
	if (q->token == NULL)
		return 0;
	if (strncmp(q->token, "k:", 2) != 0 && strncmp(q->token, "p:", 2) != 0)
		return rerr_http(e, -EINVAL, 400, "InvalidArgument", NULL,
		    "the continuation token provided is incorrect");
	*after = q->token + 2;
	if (q->token[0] == 'p')
		*skip = q->token + 2;
	return 0;
}

static void
list_locked(const struct mem *m, const struct objstore_list_req *q,
    const char *after, const char *skip, struct page *p)
{
	size_t plen = strlen(q->prefix), slen = skip ? strlen(skip) : 0;
	size_t dlen = q->delimiter ? strlen(q->delimiter) : 0, count = 0, i;
	const char *k, *d;

	i = lower_bound(m, q->prefix, false);
	if (after && lower_bound(m, after, true) > i)
		i = lower_bound(m, after, true);
	for (; i < m->nobjs; i++) {
		k = m->objs[i].key;
		if (!starts_with(k, q->prefix, plen))
			break;
		if (skip && starts_with(k, skip, slen))
			continue;
		d = dlen ? strstr(k + plen, q->delimiter) : NULL;
		if (d && p->last_is_prefix &&
		    p->lastlen == (size_t)(d - k) + dlen &&
		    starts_with(k, p->last, p->lastlen))
			continue; /* rolled up into the prefix just emitted */
		if (count == q->max_keys) {
			p->pg->truncated = true;
			break;
		}
		count++;
		if (d)
			emit_prefix(p, k, (size_t)(d - k) + dlen);
		else
			emit_entry(p, &m->objs[i]);
	}
}

static int
mem_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct page p = { .pg = pg };
	const char *after, *skip;
	int r;

	if ((r = parse_token(q, &after, &skip, e)) != 0)
		return r;
	pg->entries = xcalloc(q->max_keys, sizeof(*pg->entries));
	pg->prefixes = xcalloc(q->max_keys, sizeof(*pg->prefixes));
	pthread_mutex_lock(&m->mu);
	list_locked(m, q, after, skip, &p);
	/* The token copies the last item while the lock keeps it alive. */
	if (pg->truncated) {
		pg->next_token = xmalloc(p.lastlen + 3);
		snprintf(pg->next_token, p.lastlen + 3, "%c:%.*s",
		    p.last_is_prefix ? 'p' : 'k', (int)p.lastlen, p.last);
	}
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static int
mem_copy(struct objstore *s, const char *src, const char *dst,
    const char *if_match, const struct objstore_attrs *replace,
    struct objstore_put_res *res, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	unsigned char raw[MD5_LEN];
	struct obj o = { 0 }, *so;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if ((so = find_locked(m, src)) == NULL) {
		r = no_such_key(e, src);
	} else if (if_match && strcmp(if_match, so->etag) != 0) {
		r = precondition(e, src);
	} else if (so->blob->size > m->o.copy_max) {
		r = rerr_http(e, -EFBIG, 400, "InvalidRequest", NULL,
		    "'%s' is too large to copy in one request", src);
	} else if (replace == NULL && strcmp(src, dst) == 0) {
		r = rerr_http(e, -EINVAL, 400, "InvalidRequest", NULL,
		    "copying '%s' onto itself without changing anything", src);
	}
	if (r != 0)
		goto out;
	o.key = xstrdup(dst);
	o.blob = blob_ref(so->blob);
	/* A copy is one new object: a multipart etag becomes a plain MD5. */
	if (strchr(so->etag, '-'))
		objstore_mem_md5(o.blob->data, o.blob->size, raw, o.etag);
	else
		memcpy(o.etag, so->etag, sizeof(o.etag));
	o.ctype =
	    objstore_mem_ctype_dup(replace ? replace->content_type : so->ctype);
	o.meta = replace ? objstore_mem_meta_dup(replace->meta, replace->nmeta)
	                 : objstore_mem_meta_dup(so->meta, so->nmeta);
	o.nmeta = replace ? replace->nmeta : so->nmeta;
	o.mtime = objstore_mem_now_locked(m);
	res->mtime = o.mtime;
	memcpy(res->etag, o.etag, sizeof(res->etag));
	objstore_mem_store_locked(
	    m, &o); /* may free `so`: nothing reads it after */
out:
	pthread_mutex_unlock(&m->mu);
	return r;
}

static void
mem_free(struct objstore *s)
{
	struct mem *m = (struct mem *)s;
	size_t i;

	for (i = 0; i < m->nobjs; i++)
		obj_free(&m->objs[i]);
	free(m->objs);
	objstore_mem_mpu_free_all(m);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static const struct objstore_ops mem_ops = {
	.name = "mem",
	.head = mem_head,
	.get = mem_get,
	.put = mem_put,
	.del = mem_del,
	.delete_many = mem_delete_many,
	.list = mem_list,
	.copy = mem_copy,
	.mpu_create = objstore_mem_mpu_create,
	.mpu_part = objstore_mem_mpu_part,
	.mpu_part_copy = objstore_mem_mpu_part_copy,
	.mpu_complete = objstore_mem_mpu_complete,
	.mpu_abort = objstore_mem_mpu_abort,
	.mpu_list = objstore_mem_mpu_list,
	.free = mem_free,
};

struct objstore *
objstore_mem_new(const struct objstore_mem_opts *o)
{
	struct mem *m = xcalloc(1, sizeof(*m));

	m->base.ops = &mem_ops;
	pthread_mutex_init(&m->mu, NULL);
	if (o)
		m->o = *o;
	if (m->o.part_min == 0)
		m->o.part_min = OBJSTORE_PART_MIN;
	if (m->o.put_max == 0)
		m->o.put_max = GIB5;
	if (m->o.copy_max == 0)
		m->o.copy_max = GIB5;
	return &m->base;
}

void
objstore_mem_set_time(struct objstore *s, time_t now)
{
	struct mem *m = (struct mem *)s;

	pthread_mutex_lock(&m->mu);
	m->now = now;
	pthread_mutex_unlock(&m->mu);
}

size_t
objstore_mem_count(struct objstore *s)
{
	struct mem *m = (struct mem *)s;
	size_t n;

	pthread_mutex_lock(&m->mu);
	n = m->nobjs;
	pthread_mutex_unlock(&m->mu);
	return n;
}

size_t
objstore_mem_uploads(struct objstore *s)
{
	struct mem *m = (struct mem *)s;
	size_t n;

	pthread_mutex_lock(&m->mu);
	n = m->nmpus;
	pthread_mutex_unlock(&m->mu);
	return n;
}
