/*
 * The object-store interface over the S3 client (s3/ops.h): each
 * operation maps onto one S3 request and its results are copied into
 * objstore's types; the store's s3_objcfg goes along with each.
 */
#include "roma.h"
#include "objstore/objstore.h"
#include "objstore/s3store.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* goofys writes smaller objects as STANDARD under STANDARD_IA: S3 bills
 * an IA object as at least 128 KiB. */
#define IA_MIN_SIZE (128u << 10)

struct s3store {
	struct objstore base; /* first: objstore_* cast to it */
	struct s3_client *c;
	char *bucket;
	bool own;
	struct s3_objcfg cfg; /* its strings are owned copies */
	struct s3_objcfg std; /* the same as STANDARD (small IA objects) */
	bool ia;              /* cfg.storage_class is STANDARD_IA */
};

static struct s3store *
S(struct objstore *s)
{
	return (struct s3store *)s;
}

/* objstore's attributes as the client's (the pairs are the same). */
struct attrs {
	struct s3_put_opts o;
	struct s3_meta *meta;
};

/* The store's settings for a new object of `size` bytes. */
static const struct s3_objcfg *
cfg_for(struct objstore *s, uint64_t size)
{
	return S(s)->ia && size < IA_MIN_SIZE ? &S(s)->std : &S(s)->cfg;
}

static const struct s3_put_opts *
attrs_in(const struct objstore_attrs *a, unsigned flags,
    const struct s3_objcfg *cfg, struct attrs *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->o.create_only = (flags & OBJSTORE_PUT_CREATE) != 0;
	out->o.cfg = cfg;
	if (a == NULL)
		return &out->o;
	out->o.content_type = a->content_type;
	out->meta = xcalloc(a->nmeta ? a->nmeta : 1, sizeof(*out->meta));
	for (i = 0; i < a->nmeta; i++) {
		out->meta[i].name = a->meta[i].name;
		out->meta[i].value = a->meta[i].value;
	}
	out->o.meta = out->meta;
	out->o.nmeta = a->nmeta;
	return &out->o;
}

static void
info_out(struct s3_object_info *in, struct objstore_info *out)
{
	size_t i;

	objstore_info_release(out);
	out->size = in->size;
	out->mtime = in->mtime;
	snprintf(out->etag, sizeof(out->etag), "%s", in->etag);
	out->content_type = in->content_type;
	in->content_type = NULL;
	out->meta = xcalloc(in->nmeta ? in->nmeta : 1, sizeof(*out->meta));
	for (i = 0; i < in->nmeta; i++) {
		out->meta[i].name = in->meta[i].name;
		out->meta[i].value = in->meta[i].value;
	}
	out->nmeta = in->nmeta;
	free(in->meta);
	in->meta = NULL;
	in->nmeta = 0;
}

static void
res_out(const struct s3_put_result *in, struct objstore_put_res *out)
{
	if (out == NULL)
		return;
	snprintf(out->etag, sizeof(out->etag), "%s", in->etag);
	out->mtime = in->mtime;
}

static int
st_head(struct objstore *s, const char *key, struct objstore_info *info,
    struct rerr *e)
{
	struct s3_object_info in = { 0 };
	int r;

	r = s3_head_object(S(s)->c, S(s)->bucket, key, &S(s)->cfg, &in, e);
	if (r == 0)
		info_out(&in, info);
	s3_object_info_release(&in);
	return r;
}

static int
st_get(struct objstore *s, const char *key, const struct objstore_get_req *g,
    struct objstore_info *info, struct rerr *e)
{
	struct s3_get_opts o = { .off = g->off,
		.len = g->len,
		.if_match = g->if_match,
		.sink = g->sink,
		.arg = g->arg,
		.cfg = &S(s)->cfg };
	struct s3_object_info in = { 0 }, *pin = info ? &in : NULL;
	int r;

	if (g->len == 0)
		return info ? st_head(s, key, info, e) : 0;
	r = s3_get_object(S(s)->c, S(s)->bucket, key, &o, pin, e);
	/* A range at or past the end is an empty read, not an error. */
	if (r == -ERANGE) {
		rerr_clear(e);
		r = info ? st_head(s, key, info, e) : 0;
	} else if (r == 0 && info) {
		info_out(&in, info);
	}
	s3_object_info_release(&in);
	return r;
}

static int
st_put(struct objstore *s, const char *key, const struct objstore_body *b,
    const struct objstore_attrs *a, unsigned flags,
    struct objstore_put_res *res, struct rerr *e)
{
	struct s3_body sb = { b->data, b->size, b->read, b->arg };
	struct s3_put_result pr = { "", 0 };
	struct attrs at;
	int r;

	r = s3_put_object(S(s)->c, S(s)->bucket, key, &sb,
	    attrs_in(a, flags, cfg_for(s, b->size), &at), &pr, e);
	if (r == 0)
		res_out(&pr, res);
	free(at.meta);
	return r;
}

static int
st_del(struct objstore *s, const char *key, struct rerr *e)
{
	return s3_delete_object(S(s)->c, S(s)->bucket, key, e);
}

static int
st_delete_many(struct objstore *s, const char *const *keys, size_t n, int *errs,
    struct rerr *e)
{
	return s3_delete_objects(S(s)->c, S(s)->bucket, keys, n, errs, e);
}

static void
page_out(const struct xml_list_page *in, struct objstore_list_page *out)
{
	size_t i;

	out->entries =
	    xcalloc(in->nobjects ? in->nobjects : 1, sizeof(*out->entries));
	for (i = 0; i < in->nobjects; i++) {
		out->entries[i].key = xstrdup(in->objects[i].key);
		out->entries[i].size = in->objects[i].size;
		out->entries[i].mtime = in->objects[i].mtime;
		snprintf(out->entries[i].etag, sizeof(out->entries[i].etag),
		    "%s", in->objects[i].etag);
	}
	out->nentries = in->nobjects;
	out->prefixes =
	    xcalloc(in->nprefixes ? in->nprefixes : 1, sizeof(*out->prefixes));
	for (i = 0; i < in->nprefixes; i++)
		out->prefixes[i] = xstrdup(in->prefixes[i]);
	out->nprefixes = in->nprefixes;
	out->truncated = in->is_truncated;
	out->next_token = in->is_truncated ? xstrdup(in->next_token) : NULL;
}

static int
st_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct s3_list_opts o = { q->prefix, q->delimiter, q->start_after,
		q->token, q->max_keys };
	struct xml_list_page in;
	int r;

	memset(pg, 0, sizeof(*pg));
	if ((r = s3_list_objects(S(s)->c, S(s)->bucket, &o, &in, e)) != 0)
		return r;
	page_out(&in, pg);
	xml_list_page_free(&in);
	return 0;
}

/* Under STANDARD_IA the copy's class depends on the source's size. */
static int
copy_cfg(struct objstore *s, const char *src, const struct s3_objcfg **cfg,
    struct rerr *e)
{
	struct s3_object_info in = { 0 };
	int r;

	r = s3_head_object(S(s)->c, S(s)->bucket, src, &S(s)->cfg, &in, e);
	if (r == 0)
		*cfg = cfg_for(s, in.size);
	s3_object_info_release(&in);
	return r;
}

static int
st_copy(struct objstore *s, const char *src, const char *dst,
    const char *if_match, const struct objstore_attrs *replace,
    struct objstore_put_res *res, struct rerr *e)
{
	struct s3_copy_opts o = { if_match, NULL, &S(s)->cfg };
	struct s3_put_result pr = { "", 0 };
	struct attrs at = { 0 };
	int r;

	if (S(s)->ia && (r = copy_cfg(s, src, &o.cfg, e)) != 0)
		return r;
	if (replace)
		o.replace = attrs_in(replace, 0, NULL, &at);
	r = s3_copy_object(
	    S(s)->c, S(s)->bucket, src, S(s)->bucket, dst, &o, &pr, e);
	if (r == 0)
		res_out(&pr, res);
	free(at.meta);
	return r;
}

static int
st_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e)
{
	struct attrs at;
	int r;

	r = s3_mpu_create(S(s)->c, S(s)->bucket, key,
	    attrs_in(a, 0, &S(s)->cfg, &at), upload_id, e);
	free(at.meta);
	return r;
}

static int
st_mpu_part(struct objstore *s, const char *key, const char *id, unsigned num,
    const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	struct s3_body sb = { b->data, b->size, b->read, b->arg };

	return s3_mpu_part(
	    S(s)->c, S(s)->bucket, key, id, num, &sb, &S(s)->cfg, etag, e);
}

static int
st_mpu_part_copy(struct objstore *s, const char *key, const char *id,
    unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	return s3_mpu_part_copy(S(s)->c, S(s)->bucket, key, id, num,
	    S(s)->bucket, src, off, len, if_match, &S(s)->cfg, etag, e);
}

static int
st_mpu_complete(struct objstore *s, const char *key, const char *id,
    const struct objstore_part *parts, size_t n, struct objstore_put_res *res,
    struct rerr *e)
{
	struct s3_part *sp = xcalloc(n ? n : 1, sizeof(*sp));
	struct s3_put_result pr = { "", 0 };
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		sp[i].num = parts[i].num;
		snprintf(sp[i].etag, sizeof(sp[i].etag), "%s", parts[i].etag);
	}
	r = s3_mpu_complete(
	    S(s)->c, S(s)->bucket, key, id, sp, n, &S(s)->cfg, &pr, e);
	if (r == 0)
		res_out(&pr, res);
	free(sp);
	return r;
}

static int
st_mpu_abort(
    struct objstore *s, const char *key, const char *id, struct rerr *e)
{
	return s3_mpu_abort(S(s)->c, S(s)->bucket, key, id, e);
}

/* The opaque token: both markers encoded, so a space can part them. */
static char *
uploads_token(const char *key, const char *id)
{
	struct buf b = BUF_INIT;

	uri_encode(&b, key, strlen(key), 0);
	buf_addc(&b, ' ');
	uri_encode(&b, id, strlen(id), 0);
	return buf_detach(&b, NULL);
}

static int
uploads_markers(
    const char *token, struct buf *key, struct buf *id, struct rerr *e)
{
	const char *sp = token ? strchr(token, ' ') : NULL;

	if (token == NULL || *token == '\0')
		return 0;
	if (sp == NULL || uri_decode(key, token, (size_t)(sp - token)) != 0 ||
	    uri_decode(id, sp + 1, strlen(sp + 1)) != 0)
		return rerr_set(e, -EINVAL, "bad multipart listing token");
	return 0;
}

static void
uploads_out(const struct xml_upload_list *in, struct objstore_upload_page *pg)
{
	size_t i;

	pg->uploads =
	    xcalloc(in->nuploads ? in->nuploads : 1, sizeof(*pg->uploads));
	for (i = 0; i < in->nuploads; i++) {
		pg->uploads[i].key = xstrdup(in->uploads[i].key);
		pg->uploads[i].upload_id = xstrdup(in->uploads[i].upload_id);
		pg->uploads[i].initiated = in->uploads[i].initiated;
	}
	pg->nuploads = in->nuploads;
	pg->truncated = in->is_truncated;
	if (in->is_truncated)
		pg->next_token = uploads_token(
		    in->next_key_marker, in->next_upload_id_marker);
}

static int
st_mpu_list(struct objstore *s, const char *prefix, const char *token,
    unsigned max, struct objstore_upload_page *pg, struct rerr *e)
{
	struct buf key = BUF_INIT, id = BUF_INIT;
	struct s3_mpu_list_opts o = { prefix, NULL, NULL, max };
	struct xml_upload_list in;
	int r;

	memset(pg, 0, sizeof(*pg));
	if ((r = uploads_markers(token, &key, &id, e)) != 0)
		goto out;
	o.key_marker = key.ptr;
	o.upload_id_marker = id.ptr;
	if ((r = s3_mpu_list(S(s)->c, S(s)->bucket, &o, &in, e)) != 0)
		goto out;
	uploads_out(&in, pg);
	xml_mem_free(&in.mem);
out:
	buf_release(&key);
	buf_release(&id);
	return r;
}

static void
st_free(struct objstore *s)
{
	struct s3_objcfg *cfg = &S(s)->cfg;

	if (S(s)->own)
		s3_client_free(S(s)->c);
	free(S(s)->bucket);
	free((char *)cfg->kms_key_id);
	free((char *)cfg->acl);
	free((char *)cfg->storage_class);
	explicit_bzero(cfg, sizeof(*cfg));
	explicit_bzero(&S(s)->std, sizeof(S(s)->std));
	free(s);
}

static const struct objstore_ops s3_ops = {
	.name = "s3",
	.head = st_head,
	.get = st_get,
	.put = st_put,
	.del = st_del,
	.delete_many = st_delete_many,
	.list = st_list,
	.copy = st_copy,
	.mpu_create = st_mpu_create,
	.mpu_part = st_mpu_part,
	.mpu_part_copy = st_mpu_part_copy,
	.mpu_complete = st_mpu_complete,
	.mpu_abort = st_mpu_abort,
	.mpu_list = st_mpu_list,
	.free = st_free,
};

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct objstore *
objstore_s3_new(struct s3_client *c, const char *bucket,
    const struct s3_objcfg *cfg, bool own_client)
{
	struct s3store *s = xcalloc(1, sizeof(*s));

	s->base.ops = &s3_ops;
	s->c = c;
	s->bucket = xstrdup(bucket);
	s->own = own_client;
	if (cfg) {
		s->cfg = *cfg;
		s->cfg.kms_key_id = dup_or_null(cfg->kms_key_id);
		s->cfg.acl = dup_or_null(cfg->acl);
		s->cfg.storage_class = dup_or_null(cfg->storage_class);
	}
	s->std = s->cfg;
	s->std.storage_class = "STANDARD";
	s->ia = s->cfg.storage_class &&
	    strcmp(s->cfg.storage_class, "STANDARD_IA") == 0;
	return &s->base;
}
