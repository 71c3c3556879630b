/*
 * The checked entry points of the object-store interface, and the listing
 * and deletion helpers built on them.  Transfers (put_large, get_fd) are in
 * xfer.c.
 */
#include "roma.h"
#include "objstore/objstore.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
objstore_info_release(struct objstore_info *info)
{
	size_t i;

	if (info == NULL)
		return;
	for (i = 0; i < info->nmeta; i++) {
		free(info->meta[i].name);
		free(info->meta[i].value);
	}
	free(info->meta);
	free(info->content_type);
	memset(info, 0, sizeof(*info));
}

void
objstore_list_page_release(struct objstore_list_page *pg)
{
	size_t i;

	if (pg == NULL)
		return;
	for (i = 0; i < pg->nentries; i++)
		free(pg->entries[i].key);
	for (i = 0; i < pg->nprefixes; i++)
		free(pg->prefixes[i]);
	free(pg->entries);
	free(pg->prefixes);
	free(pg->next_token);
	memset(pg, 0, sizeof(*pg));
}

void
objstore_upload_page_release(struct objstore_upload_page *pg)
{
	size_t i;

	if (pg == NULL)
		return;
	for (i = 0; i < pg->nuploads; i++) {
		free(pg->uploads[i].key);
		free(pg->uploads[i].upload_id);
	}
	free(pg->uploads);
	free(pg->next_token);
	memset(pg, 0, sizeof(*pg));
}

static int
check_key(const char *key, struct rerr *e)
{
	if (key == NULL || *key == '\0')
		return rerr_set(e, -EINVAL, "empty object key");
	if (strlen(key) > OBJSTORE_KEY_MAX)
		return rerr_set(e, -ENAMETOOLONG,
		    "object key longer than %d bytes", OBJSTORE_KEY_MAX);
	return 0;
}

static int
check_body(const struct objstore_body *b, struct rerr *e)
{
	if (b == NULL || (b->size > 0 && b->data == NULL && b->read == NULL))
		return rerr_set(e, -EINVAL, "request body without data");
	return 0;
}

static int
check_upload(const char *id, unsigned num, struct rerr *e)
{
	if (id == NULL || *id == '\0')
		return rerr_set(e, -EINVAL, "empty upload id");
	if (num < 1 || num > OBJSTORE_PARTS_MAX)
		return rerr_set(e, -EINVAL, "part number %u not in 1..%d", num,
		    OBJSTORE_PARTS_MAX);
	return 0;
}

/* Make sure a failure carries its errno even if the store said nothing. */
static int
done(int r, struct rerr *e, const char *op, const char *key)
{
	if (r != 0 && e != NULL && e->err == 0)
		rerr_set(e, r, "%s '%s': %s", op, key ? key : "", strerror(-r));
	return r;
}

int
objstore_head(struct objstore *s, const char *key, struct objstore_info *info,
    struct rerr *e)
{
	int r;

	rerr_clear(e);
	memset(info, 0, sizeof(*info));
	if ((r = check_key(key, e)) != 0)
		return r;
	if ((r = s->ops->head(s, key, info, e)) != 0)
		objstore_info_release(info);
	return done(r, e, "head", key);
}

int
objstore_get(struct objstore *s, const char *key,
    const struct objstore_get_req *g, struct objstore_info *info,
    struct rerr *e)
{
	int r;

	rerr_clear(e);
	if (info)
		memset(info, 0, sizeof(*info));
	if ((r = check_key(key, e)) != 0)
		return r;
	if (g == NULL || g->sink == NULL || g->len == 0)
		return rerr_set(e, -EINVAL, "get '%s': empty range", key);
	if (g->len != OBJSTORE_TO_END && g->off + g->len < g->off)
		return rerr_set(e, -EINVAL, "get '%s': range overflows", key);
	if ((r = s->ops->get(s, key, g, info, e)) != 0)
		objstore_info_release(info);
	return done(r, e, "get", key);
}

int
objstore_put(struct objstore *s, const char *key, const struct objstore_body *b,
    const struct objstore_attrs *a, unsigned flags,
    struct objstore_put_res *res, struct rerr *e)
{
	struct objstore_put_res tmp;
	int r;

	rerr_clear(e);
	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	if ((r = check_key(key, e)) != 0 || (r = check_body(b, e)) != 0)
		return r;
	if (flags & ~OBJSTORE_PUT_CREATE)
		return rerr_set(e, -EINVAL, "put '%s': unknown flags", key);
	return done(s->ops->put(s, key, b, a, flags, res, e), e, "put", key);
}

int
objstore_delete(struct objstore *s, const char *key, struct rerr *e)
{
	int r;

	rerr_clear(e);
	if ((r = check_key(key, e)) != 0)
		return r;
	return done(s->ops->del(s, key, e), e, "delete", key);
}

int
objstore_delete_many(struct objstore *s, const char *const *keys, size_t n,
    int *errs, struct rerr *e)
{
	size_t i;
	int r;

	rerr_clear(e);
	if (n > OBJSTORE_PAGE_MAX)
		return rerr_set(
		    e, -EINVAL, "delete of %zu keys in one batch", n);
	for (i = 0; i < n; i++) {
		errs[i] = 0;
		if ((r = check_key(keys[i], e)) != 0)
			return r;
	}
	if (n == 0)
		return 0;
	r = s->ops->delete_many(s, keys, n, errs, e);
	return done(r, e, "delete", keys[0]);
}

int
objstore_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct objstore_list_req req;
	int r;

	rerr_clear(e);
	memset(pg, 0, sizeof(*pg));
	if (q == NULL)
		return rerr_set(e, -EINVAL, "list without a request");
	req = *q;
	if (req.prefix == NULL)
		req.prefix = "";
	if (strlen(req.prefix) > OBJSTORE_KEY_MAX)
		return rerr_set(e, -ENAMETOOLONG, "list prefix too long");
	if (req.delimiter && *req.delimiter == '\0')
		req.delimiter = NULL;
	if (req.start_after && *req.start_after == '\0')
		req.start_after = NULL;
	if (req.token && *req.token == '\0')
		req.token = NULL;
	if (req.max_keys == 0 || req.max_keys > OBJSTORE_PAGE_MAX)
		req.max_keys = OBJSTORE_PAGE_MAX;
	r = s->ops->list(s, &req, pg, e);
	if (r == 0 && pg->truncated != (pg->next_token != NULL))
		r = rerr_set(e, -EBADMSG,
		    "list '%s': truncation and continuation token disagree",
		    req.prefix);
	if (r != 0)
		objstore_list_page_release(pg);
	return done(r, e, "list", req.prefix);
}

int
objstore_copy(struct objstore *s, const char *src, const char *dst,
    const char *if_match, const struct objstore_attrs *replace,
    struct objstore_put_res *res, struct rerr *e)
{
	struct objstore_put_res tmp;
	int r;

	rerr_clear(e);
	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	if ((r = check_key(src, e)) != 0 || (r = check_key(dst, e)) != 0)
		return r;
	r = s->ops->copy(s, src, dst, if_match, replace, res, e);
	return done(r, e, "copy", src);
}

int
objstore_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e)
{
	int r;

	rerr_clear(e);
	*upload_id = NULL;
	if ((r = check_key(key, e)) != 0)
		return r;
	if ((r = s->ops->mpu_create(s, key, a, upload_id, e)) != 0) {
		free(*upload_id);
		*upload_id = NULL;
	}
	return done(r, e, "create upload", key);
}

int
objstore_mpu_part(struct objstore *s, const char *key, const char *id,
    unsigned num, const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX],
    struct rerr *e)
{
	int r;

	rerr_clear(e);
	etag[0] = '\0';
	if ((r = check_key(key, e)) != 0 ||
	    (r = check_upload(id, num, e)) != 0 || (r = check_body(b, e)) != 0)
		return r;
	r = s->ops->mpu_part(s, key, id, num, b, etag, e);
	return done(r, e, "upload part", key);
}

int
objstore_mpu_part_copy(struct objstore *s, const char *key, const char *id,
    unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	int r;

	rerr_clear(e);
	etag[0] = '\0';
	if ((r = check_key(key, e)) != 0 || (r = check_key(src, e)) != 0 ||
	    (r = check_upload(id, num, e)) != 0)
		return r;
	if (len == 0 || off + len < off)
		return rerr_set(e, -EINVAL, "copy part: bad range");
	r = s->ops->mpu_part_copy(
	    s, key, id, num, src, off, len, if_match, etag, e);
	return done(r, e, "copy part", key);
}

int
objstore_mpu_complete(struct objstore *s, const char *key, const char *id,
    const struct objstore_part *parts, size_t n, struct objstore_put_res *res,
    struct rerr *e)
{
	struct objstore_put_res tmp;
	int r;

	rerr_clear(e);
	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	if ((r = check_key(key, e)) != 0 || (r = check_upload(id, 1, e)) != 0)
		return r;
	if (n < 1 || n > OBJSTORE_PARTS_MAX)
		return rerr_set(
		    e, -EINVAL, "complete '%s' with %zu parts", key, n);
	r = s->ops->mpu_complete(s, key, id, parts, n, res, e);
	return done(r, e, "complete upload", key);
}

int
objstore_mpu_abort(
    struct objstore *s, const char *key, const char *id, struct rerr *e)
{
	int r;

	rerr_clear(e);
	if ((r = check_key(key, e)) != 0 || (r = check_upload(id, 1, e)) != 0)
		return r;
	return done(s->ops->mpu_abort(s, key, id, e), e, "abort upload", key);
}

int
objstore_mpu_list(struct objstore *s, const char *prefix, const char *token,
    unsigned max, struct objstore_upload_page *pg, struct rerr *e)
{
	int r;

	rerr_clear(e);
	memset(pg, 0, sizeof(*pg));
	if (prefix == NULL)
		prefix = "";
	if (token && *token == '\0')
		token = NULL;
	if (max == 0 || max > OBJSTORE_PAGE_MAX)
		max = OBJSTORE_PAGE_MAX;
	r = s->ops->mpu_list(s, prefix, token, max, pg, e);
	if (r == 0 && pg->truncated != (pg->next_token != NULL))
		r = rerr_set(e, -EBADMSG,
		    "list uploads: truncation and continuation token disagree");
	if (r != 0)
		objstore_upload_page_release(pg);
	return done(r, e, "list uploads", prefix);
}

void
objstore_free(struct objstore *s)
{
	if (s)
		s->ops->free(s);
}

int
objstore_put_data(struct objstore *s, const char *key, const void *p, size_t n,
    const char *content_type, struct objstore_put_res *res, struct rerr *e)
{
	struct objstore_body b = { .data = p, .size = n };
	struct objstore_attrs a = { .content_type = content_type };

	return objstore_put(s, key, &b, &a, 0, res, e);
}

static int
buf_sink(const void *p, size_t n, void *arg)
{
	return buf_add(arg, p, n);
}

int
objstore_get_buf(struct objstore *s, const char *key, uint64_t off,
    uint64_t len, const char *if_match, struct buf *out,
    struct objstore_info *info, struct rerr *e)
{
	struct objstore_get_req g = { .off = off,
		.len = len,
		.if_match = if_match,
		.sink = buf_sink,
		.arg = out };
	size_t start = out->len;
	int r;

	if ((r = objstore_get(s, key, &g, info, e)) != 0)
		buf_truncate(out, start);
	return r;
}

/*
 * Tokens already seen, as 64-bit FNV-1a hashes: a loop of any length shows
 * up as a repeat, in 8 bytes per page.
 */
struct seen {
	uint64_t *h;
	size_t n;
	size_t cap;
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Record `token`; -EBADMSG if it is missing or came before. */
static int
seen_add(struct seen *sn, const char *token, const char *what, struct rerr *e)
{
	uint64_t h;
	size_t i;

	if (token == NULL || *token == '\0')
		return rerr_set(e, -EBADMSG,
		    "%s: truncated page without a continuation token", what);
	h = fnv1a(token);
	for (i = 0; i < sn->n; i++)
		if (sn->h[i] == h)
			return rerr_set(e, -EBADMSG,
			    "%s: the server repeated a continuation token",
			    what);
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? 2 * sn->cap : 16;
		sn->h = xrealloc(sn->h, sn->cap * sizeof(*sn->h));
	}
	sn->h[sn->n++] = h;
	return 0;
}

int
objstore_list_all(struct objstore *s, const struct objstore_list_req *q,
    int (*fn)(const struct objstore_list_page *pg, void *arg), void *arg,
    struct rerr *e)
{
	struct objstore_list_page pg = { 0 };
	struct objstore_list_req req = *q;
	struct seen sn = { 0 };
	char *token = NULL;
	int r;

	if (q->token && (r = seen_add(&sn, q->token, "list", e)) != 0)
		goto out;
	for (;;) {
		if (token)
			req.token = token;
		if ((r = objstore_list(s, &req, &pg, e)) != 0)
			goto out;
		if ((r = fn(&pg, arg)) != 0 || !pg.truncated)
			goto out;
		/* objstore_list refuses truncated pages without a token. */
		if ((r = seen_add(&sn, pg.next_token, "list", e)) != 0)
			goto out;
		free(token);
		token = pg.next_token;
		pg.next_token = NULL;
		objstore_list_page_release(&pg);
	}
out:
	objstore_list_page_release(&pg);
	free(token);
	free(sn.h);
	return r;
}

struct delprefix {
	struct objstore *s;
	const char *prefix;
	size_t deleted;
	struct rerr *e;
};

static int
delete_page(const struct objstore_list_page *pg, void *arg)
{
	struct delprefix *d = arg;
	size_t plen = strlen(d->prefix), i;
	const char **keys;
	int *errs, r;

	if (pg->nentries == 0)
		return 0;
	keys = xcalloc(pg->nentries, sizeof(*keys));
	errs = xcalloc(pg->nentries, sizeof(*errs));
	for (i = 0; i < pg->nentries; i++) {
		keys[i] = pg->entries[i].key;
		/* Never delete what a confused server lists out of range. */
		if (strncmp(keys[i], d->prefix, plen) != 0) {
			r = rerr_set(d->e, -EBADMSG,
			    "listing of '%s' returned '%s'", d->prefix,
			    keys[i]);
			goto out;
		}
	}
	r = objstore_delete_many(d->s, keys, pg->nentries, errs, d->e);
	for (i = 0; i < pg->nentries; i++)
		if (errs[i] == 0)
			d->deleted++;
out:
	free(keys);
	free(errs);
	return r;
}

int
objstore_delete_prefix(
    struct objstore *s, const char *prefix, size_t *ndeleted, struct rerr *e)
{
	struct objstore_list_req q = { .prefix = prefix };
	struct delprefix d = { .s = s, .prefix = prefix, .e = e };
	int r;

	rerr_clear(e);
	if (prefix == NULL || *prefix == '\0')
		r = rerr_set(e, -EINVAL, "refusing to delete a whole bucket");
	else
		r = objstore_list_all(s, &q, delete_page, &d, e);
	if (ndeleted)
		*ndeleted = d.deleted;
	return r;
}

/* Abort the old uploads of one page; -ENOENT means someone beat us. */
static int
abort_page(struct objstore *s, const struct objstore_upload_page *pg,
    time_t before, size_t *n, struct rerr *e)
{
	const struct objstore_upload *u;
	size_t i;
	int r;

	for (i = 0; i < pg->nuploads; i++) {
		u = &pg->uploads[i];
		if (u->initiated >= before)
			continue;
		r = objstore_mpu_abort(s, u->key, u->upload_id, e);
		if (r != 0 && r != -ENOENT)
			return r;
		if (r == 0)
			(*n)++;
	}
	rerr_clear(e);
	return 0;
}

int
objstore_abort_uploads(struct objstore *s, const char *prefix, time_t before,
    size_t *naborted, struct rerr *e)
{
	struct objstore_upload_page pg = { 0 };
	struct seen sn = { 0 };
	char *token = NULL;
	size_t n = 0;
	int r;

	for (;;) {
		if ((r = objstore_mpu_list(s, prefix, token, 0, &pg, e)) != 0)
			goto out;
		if ((r = abort_page(s, &pg, before, &n, e)) != 0 ||
		    !pg.truncated)
			goto out;
		if ((r = seen_add(&sn, pg.next_token, "list uploads", e)) != 0)
			goto out;
		free(token);
		token = pg.next_token;
		pg.next_token = NULL;
		objstore_upload_page_release(&pg);
	}
out:
	objstore_upload_page_release(&pg);
	free(token);
	free(sn.h);
	if (naborted)
		*naborted = n;
	return r;
}
