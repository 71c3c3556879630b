/*
 * Multipart uploads of the in-memory store, with S3's rules: parts keyed by
 * number (a re-upload replaces), completion with any ascending subset whose
 * etags match, every part but the last at least part_min, and the
 * multipart etag hex(md5(md5(part 1) || ... || md5(part N)))-N.
 */
#include "roma.h"
#include "objstore/mem_int.h"
#include "util/crypto.h"
#include "util/rerr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void
mpu_free(struct mpu *u)
{
	size_t i;

	for (i = 0; i < u->nparts; i++)
		blob_unref(u->parts[i].blob);
	free(u->parts);
	free(u->key);
	free(u->id);
	free(u->ctype);
	objstore_mem_meta_free(u->meta, u->nmeta);
}

void
objstore_mem_mpu_free_all(struct mem *m)
{
	size_t i;

	for (i = 0; i < m->nmpus; i++)
		mpu_free(&m->mpus[i]);
	free(m->mpus);
	m->mpus = NULL;
	m->nmpus = m->capmpus = 0;
}

static int
no_such_upload(struct rerr *e, const char *id)
{
	return rerr_http(
	    e, -ENOENT, 404, "NoSuchUpload", NULL, "no such upload '%s'", id);
}

/* The upload `id` of `key`: S3 refuses an id used with another key. */
static struct mpu *
find_upload_locked(struct mem *m, const char *key, const char *id)
{
	size_t i;

	for (i = 0; i < m->nmpus; i++)
		if (strcmp(m->mpus[i].id, id) == 0)
			return strcmp(m->mpus[i].key, key) == 0 ? &m->mpus[i]
			                                        : NULL;
	return NULL;
}

/* Where (key, seq) goes, or the first upload after it. */
static size_t
upload_pos(const struct mem *m, const char *key, unsigned long seq)
{
	size_t lo = 0, hi = m->nmpus, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(m->mpus[mid].key, key);
		if (c < 0 || (c == 0 && m->mpus[mid].seq <= seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
remove_upload_locked(struct mem *m, struct mpu *u)
{
	size_t i = (size_t)(u - m->mpus);

	mpu_free(u);
	memmove(u, u + 1, (m->nmpus - i - 1) * sizeof(*u));
	m->nmpus--;
}

int
objstore_mem_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct mpu u = { 0 };
	char id[32];
	size_t i;

	(void)e;
	u.key = xstrdup(key);
	u.ctype = objstore_mem_ctype_dup(a ? a->content_type : NULL);
	if (a) {
		u.meta = objstore_mem_meta_dup(a->meta, a->nmeta);
		u.nmeta = a->nmeta;
	}
	pthread_mutex_lock(&m->mu);
	u.seq = ++m->seq;
	u.initiated = objstore_mem_now_locked(m);
	snprintf(id, sizeof(id), "mem-upload-%lu", u.seq);
	u.id = xstrdup(id);
	if (m->nmpus == m->capmpus) {
		m->capmpus = m->capmpus ? 2 * m->capmpus : 16;
		m->mpus = xrealloc(m->mpus, m->capmpus * sizeof(*m->mpus));
	}
	i = upload_pos(m, key, u.seq);
	memmove(
	    &m->mpus[i + 1], &m->mpus[i], (m->nmpus - i) * sizeof(*m->mpus));
	m->mpus[i] = u;
	m->nmpus++;
	pthread_mutex_unlock(&m->mu);
	*upload_id = xstrdup(id);
	return 0;
}

/* Record part `p` (taking its blob), replacing one of the same number. */
static int
add_part(struct mem *m, const char *key, const char *id, struct part *p,
    struct rerr *e)
{
	struct blob *old = NULL;
	struct mpu *u;
	size_t i;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if ((u = find_upload_locked(m, key, id)) == NULL) {
		r = no_such_upload(e, id);
		goto out;
	}
	for (i = 0; i < u->nparts && u->parts[i].num < p->num; i++)
		;
	if (i < u->nparts && u->parts[i].num == p->num) {
		old = u->parts[i].blob;
		u->parts[i] = *p;
		goto out;
	}
	u->parts = xrealloc(u->parts, (u->nparts + 1) * sizeof(*u->parts));
	memmove(&u->parts[i + 1], &u->parts[i],
	    (u->nparts - i) * sizeof(*u->parts));
	u->parts[i] = *p;
	u->nparts++;
out:
	pthread_mutex_unlock(&m->mu);
	blob_unref(r != 0 ? p->blob : old);
	return r;
}

int
objstore_mem_mpu_part(struct objstore *s, const char *key, const char *id,
    unsigned num, const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX],
    struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct part p = { .num = num };
	int r;

	r = objstore_mem_body_blob(m, b, &p.blob, p.md5, p.etag, e);
	if (r == 0 && (r = add_part(m, key, id, &p, e)) == 0)
		memcpy(etag, p.etag, OBJSTORE_ETAG_MAX);
	return r;
}

int
objstore_mem_mpu_part_copy(struct objstore *s, const char *key, const char *id,
    unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct part p = { .num = num };
	struct blob *sb = NULL;
	int r;

	if ((r = objstore_mem_snapshot(m, src, if_match, NULL, &sb, e)) != 0)
		return r;
	if (off >= sb->size || len > sb->size - off) {
		r = rerr_http(e, -EINVAL, 400, "InvalidRange", NULL,
		    "range outside '%s'", src);
		goto out;
	}
	if (len > m->o.put_max) {
		r = rerr_http(e, -EFBIG, 400, "EntityTooLarge", NULL,
		    "part of %llu bytes is too large", (unsigned long long)len);
		goto out;
	}
	p.blob = blob_new((size_t)len);
	memcpy(p.blob->data, sb->data + off, (size_t)len);
	objstore_mem_md5(p.blob->data, p.blob->size, p.md5, p.etag);
	if ((r = add_part(m, key, id, &p, e)) == 0)
		memcpy(etag, p.etag, OBJSTORE_ETAG_MAX);
out:
	blob_unref(sb);
	return r;
}

static const struct part *
find_part(const struct mpu *u, unsigned num)
{
	size_t i;

	for (i = 0; i < u->nparts; i++)
		if (u->parts[i].num == num)
			return &u->parts[i];
	return NULL;
}

/* Check the list against the uploaded parts; sum their sizes. */
static int
check_parts(const struct mem *m, const struct mpu *u,
    const struct objstore_part *parts, size_t n, size_t *total, struct rerr *e)
{
	const struct part *p;
	size_t i;

	*total = 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && parts[i].num <= parts[i - 1].num)
			return rerr_http(e, -EINVAL, 400, "InvalidPartOrder",
			    NULL, "parts are not in ascending order");
		p = find_part(u, parts[i].num);
		if (p == NULL || strcmp(p->etag, parts[i].etag) != 0)
			return rerr_http(e, -EINVAL, 400, "InvalidPart", NULL,
			    "part %u was not uploaded with that etag",
			    parts[i].num);
		if (i + 1 < n && p->blob->size < m->o.part_min)
			return rerr_http(e, -EINVAL, 400, "EntityTooSmall",
			    NULL, "part %u is smaller than the minimum",
			    parts[i].num);
		*total += p->blob->size;
	}
	return 0;
}

/* The object made of those parts, with S3's multipart etag. */
static void
assemble(const struct mpu *u, const struct objstore_part *parts, size_t n,
    size_t total, struct obj *o)
{
	unsigned char *md5s = xmalloc(n * MD5_LEN), raw[MD5_LEN];
	const struct part *p;
	size_t i, off = 0;
	int len;

	o->blob = blob_new(total);
	for (i = 0; i < n; i++) {
		p = find_part(u, parts[i].num);
		memcpy(o->blob->data + off, p->blob->data, p->blob->size);
		off += p->blob->size;
		memcpy(md5s + i * MD5_LEN, p->md5, MD5_LEN);
	}
	objstore_mem_md5(md5s, n * MD5_LEN, raw, o->etag);
	len = (int)strlen(o->etag);
	snprintf(o->etag + len, sizeof(o->etag) - (size_t)len, "-%zu", n);
	free(md5s);
	o->key = xstrdup(u->key);
	o->ctype = xstrdup(u->ctype);
	o->meta = objstore_mem_meta_dup(u->meta, u->nmeta);
	o->nmeta = u->nmeta;
}

int
objstore_mem_mpu_complete(struct objstore *s, const char *key, const char *id,
    const struct objstore_part *parts, size_t n, struct objstore_put_res *res,
    struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct obj o = { 0 };
	struct mpu *u;
	size_t total;
	int r;

	pthread_mutex_lock(&m->mu);
	if ((u = find_upload_locked(m, key, id)) == NULL) {
		r = no_such_upload(e, id);
		goto out;
	}
	if ((r = check_parts(m, u, parts, n, &total, e)) != 0)
		goto out;
	assemble(u, parts, n, total, &o);
	o.mtime = objstore_mem_now_locked(m);
	res->mtime = o.mtime;
	memcpy(res->etag, o.etag, sizeof(res->etag));
	objstore_mem_store_locked(m, &o);
	remove_upload_locked(m, u);
out:
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
objstore_mem_mpu_abort(
    struct objstore *s, const char *key, const char *id, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	struct mpu *u;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if ((u = find_upload_locked(m, key, id)) == NULL)
		r = no_such_upload(e, id);
	else
		remove_upload_locked(m, u);
	pthread_mutex_unlock(&m->mu);
	return r;
}

/* Tokens are "<seq>:<key>" of the last upload listed. */
static int
upload_start(const struct mem *m, const char *prefix, const char *token,
    size_t *start, struct rerr *e)
{
	unsigned long seq;
	char *end;
	size_t lo = 0, hi = m->nmpus, mid;

	while (lo < hi) { /* the first upload whose key is >= prefix */
		mid = lo + (hi - lo) / 2;
		if (strcmp(m->mpus[mid].key, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*start = lo;
	if (token == NULL)
		return 0;
	errno = 0;
	seq = strtoul(token, &end, 10);
	if (errno != 0 || end == token || *end != ':')
		return rerr_http(e, -EINVAL, 400, "InvalidArgument", NULL,
		    "bad upload listing token");
	if (upload_pos(m, end + 1, seq) > *start)
		*start = upload_pos(m, end + 1, seq);
	return 0;
}

int
objstore_mem_mpu_list(struct objstore *s, const char *prefix, const char *token,
    unsigned max, struct objstore_upload_page *pg, struct rerr *e)
{
	struct mem *m = (struct mem *)s;
	size_t plen = strlen(prefix), i, len;
	const struct mpu *u = NULL;
	struct objstore_upload *out;
	int r;

	pg->uploads = xcalloc(max, sizeof(*pg->uploads));
	pthread_mutex_lock(&m->mu);
	if ((r = upload_start(m, prefix, token, &i, e)) != 0)
		goto out;
	for (; i < m->nmpus && strncmp(m->mpus[i].key, prefix, plen) == 0;
	     i++) {
		if (pg->nuploads == max) {
			pg->truncated = true;
			len = strlen(u->key) + 24;
			pg->next_token = xmalloc(len);
			snprintf(pg->next_token, len, "%lu:%s", u->seq, u->key);
			break;
		}
		u = &m->mpus[i];
		out = &pg->uploads[pg->nuploads++];
		out->key = xstrdup(u->key);
		out->upload_id = xstrdup(u->id);
		out->initiated = u->initiated;
	}
out:
	pthread_mutex_unlock(&m->mu);
	return r;
}
