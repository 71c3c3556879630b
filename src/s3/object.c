/*
 * Object operations: HeadObject, GetObject, PutObject, DeleteObject,
 * CopyObject, and the header helpers the other operation files share.
 */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/ops.h"
#include "s3/ops_int.h"
#include "s3/xml.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_PREFIX "x-amz-meta-"

bool
s3_header_safe(const char *s, bool name)
{
	for (; s && *s; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return false;
		if (name &&
		    !(isalnum((unsigned char)*s) || *s == '-' || *s == '_' ||
		        *s == '.'))
			return false;
	}
	return true;
}

int
s3_attr_headers(
    const struct s3_put_opts *o, struct s3_headers *h, struct rerr *e)
{
	size_t i;

	if (o == NULL)
		return 0;
	if (o->nmeta > S3_META_MAX)
		return rerr_set(e, -EINVAL,
		    "too many metadata pairs (%zu > %d)", o->nmeta,
		    S3_META_MAX);
	/* A CR or LF here would inject headers: refuse, don't encode. */
	if ((o->content_type && !s3_header_safe(o->content_type, false)) ||
	    (o->storage_class && !s3_header_safe(o->storage_class, true)))
		return rerr_set(e, -EINVAL,
		    "content type or storage class holds non-printable bytes");
	for (i = 0; i < o->nmeta; i++)
		if (!*o->meta[i].name ||
		    !s3_header_safe(o->meta[i].name, true) ||
		    !s3_header_safe(o->meta[i].value, false))
			return rerr_set(e, -EINVAL,
			    "metadata \"%.64s\": names are letters, digits, "
			    "'-', '_', '.'; values printable ASCII",
			    o->meta[i].name);
	if (o->content_type)
		s3_headers_add(h, "Content-Type: %s", o->content_type);
	if (o->storage_class)
		s3_headers_add(h, "x-amz-storage-class: %s", o->storage_class);
	if (o->create_only)
		s3_headers_add(h, "If-None-Match: *");
	for (i = 0; i < o->nmeta; i++)
		s3_headers_add(
		    h, META_PREFIX "%s: %s", o->meta[i].name, o->meta[i].value);
	return 0;
}

static void
add_meta(struct s3_object_info *info, const char *name, const char *value)
{
	struct s3_meta *m;
	char *p;

	info->meta = xrealloc(info->meta, (info->nmeta + 1) * sizeof(*m));
	m = &info->meta[info->nmeta++];
	m->name = xstrdup(name);
	for (p = m->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	m->value = xstrdup(value);
}

/* The total of "bytes 0-99/1234"; "*" or absent leaves `size`. */
static void
content_range_total(const char *v, uint64_t *size)
{
	const char *slash = v ? strrchr(v, '/') : NULL;

	if (slash)
		str_to_u64(slash + 1, UINT64_MAX, size);
}

void
s3_info_from_resp(const struct http_resp *r, struct s3_object_info *info)
{
	const char *p = r->hdrs.ptr, *end = p + r->hdrs.len, *v;

	s3_object_info_release(info);
	if ((v = http_resp_header(r, "Content-Length")) != NULL)
		str_to_u64(v, UINT64_MAX, &info->size);
	content_range_total(http_resp_header(r, "Content-Range"), &info->size);
	s3_etag_unquote(
	    http_resp_header(r, "ETag"), info->etag, sizeof(info->etag));
	s3_parse_http_date(http_resp_header(r, "Last-Modified"), &info->mtime);
	if ((v = http_resp_header(r, "Content-Type")) != NULL)
		info->content_type = xstrdup(v);
	while (p < end) {
		v = p + strlen(p) + 1;
		if (str_istarts_with(p, META_PREFIX) && p[strlen(META_PREFIX)])
			add_meta(info, p + strlen(META_PREFIX), v);
		p = v + strlen(v) + 1;
	}
}

void
s3_object_info_release(struct s3_object_info *info)
{
	size_t i;

	for (i = 0; i < info->nmeta; i++) {
		free(info->meta[i].name);
		free(info->meta[i].value);
	}
	free(info->meta);
	free(info->content_type);
	memset(info, 0, sizeof(*info));
}

const char *
s3_object_meta(const struct s3_object_info *info, const char *name)
{
	size_t i;

	for (i = 0; i < info->nmeta; i++)
		if (str_ieq(info->meta[i].name, name))
			return info->meta[i].value;
	return NULL;
}

void
s3_result_from_resp(const struct http_resp *r, struct s3_put_result *res)
{
	if (res == NULL)
		return;
	s3_etag_unquote(
	    http_resp_header(r, "ETag"), res->etag, sizeof(res->etag));
	if (s3_parse_http_date(
	        http_resp_header(r, "Last-Modified"), &res->mtime) != 0 &&
	    s3_parse_http_date(http_resp_header(r, "Date"), &res->mtime) != 0)
		res->mtime = 0;
}

void
s3_copy_source_header(const char *bucket, const char *key, struct s3_headers *h)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '/');
	uri_encode(&b, bucket, strlen(bucket), 0);
	buf_addc(&b, '/');
	uri_encode(&b, key, strlen(key), URI_KEEP_SLASH);
	s3_headers_add(h, "x-amz-copy-source: %s", b.ptr);
	buf_release(&b);
}

void
s3_query_add(struct buf *q, const char *name, const char *value)
{
	if (q->len > 0)
		buf_addc(q, '&');
	buf_adds(q, name);
	buf_addc(q, '=');
	uri_encode(q, value, strlen(value), 0);
}

/* "If-Match: "etag"", quoting a bare etag as S3 sends them. */
static void
if_match_header(struct s3_headers *h, const char *name, const char *etag)
{
	if (etag == NULL || *etag == '\0')
		return;
	s3_headers_add(h, *etag == '"' ? "%s: %s" : "%s: \"%s\"", name, etag);
}

int
s3_head_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_objcfg *cfg, struct s3_object_info *info, struct rerr *e)
{
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = { .method = "HEAD", .bucket = bucket, .key = key };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	s3_cfg_key_headers(cfg, false, &h);
	q.headers = (const char *const *)h.lines;
	if ((r = s3_request(c, &q, &resp, e)) == 0)
		s3_info_from_resp(&resp, info);
	http_resp_release(&resp);
	s3_headers_release(&h);
	return r;
}

int
s3_get_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_get_opts *g, struct s3_object_info *info, struct rerr *e)
{
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = { .bucket = bucket, .key = key };
	struct http_resp resp = HTTP_RESP_INIT;
	uint64_t len = g->len ? g->len : S3_TO_END;
	int r;

	if_match_header(&h, "If-Match", g->if_match);
	s3_cfg_key_headers(g->cfg, false, &h);
	q.headers = (const char *const *)h.lines;
	/* No Range for the whole object: an empty one has no byte 0. */
	if (g->off != 0 || len != S3_TO_END) {
		q.range_off = g->off;
		q.range_len = len;
	}
	q.sink = g->sink;
	q.sink_arg = g->arg;
	if ((r = s3_request(c, &q, &resp, e)) == 0 && info)
		s3_info_from_resp(&resp, info);
	http_resp_release(&resp);
	s3_headers_release(&h);
	return r;
}

static int
check_size(uint64_t size, struct rerr *e)
{
	if (size > S3_PUT_MAX)
		return rerr_set(e, -EFBIG,
		    "%" PRIu64 " bytes is over the 5 GiB of one PUT: use a "
		    "multipart upload",
		    size);
	return 0;
}

int
s3_put_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_body *b, const struct s3_put_opts *o,
    struct s3_put_result *res, struct rerr *e)
{
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = {
		.method = "PUT", .bucket = bucket, .key = key, .body = b
	};
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if ((r = check_size(b->size, e)) != 0 ||
	    (r = s3_attr_headers(o, &h, e)) != 0 ||
	    (o &&
	        (r = s3_cfg_write_headers(
	             o->cfg, o->storage_class != NULL, &h, e)) != 0))
		goto out;
	q.headers = (const char *const *)h.lines;
	r = s3_request(c, &q, &resp, e);
	/* A create-only put that found the key fails its precondition. */
	if (r == -ESTALE && o && o->create_only && e)
		e->err = EEXIST;
	if (r == -ESTALE && o && o->create_only)
		r = -EEXIST;
	if (r == 0)
		s3_result_from_resp(&resp, res);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	return r;
}

int
s3_delete_object(
    struct s3_client *c, const char *bucket, const char *key, struct rerr *e)
{
	struct s3_req q = { .method = "DELETE", .bucket = bucket, .key = key };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	/* Some servers answer 404 for an absent key; S3 says 204. */
	if ((r = s3_request(c, &q, &resp, e)) == -ENOENT)
		r = 0;
	http_resp_release(&resp);
	return r;
}

static int
parse_copy(const struct http_resp *resp, void *arg, struct rerr *e)
{
	struct s3_put_result *res = arg;
	struct xml_copy x = { 0 };
	int r;

	if ((r = xml_parse_copy(resp->body.ptr, resp->body.len, &x, e)) != 0)
		return r;
	snprintf(res->etag, sizeof(res->etag), "%s", x.etag);
	res->mtime = x.mtime;
	xml_mem_free(&x.mem);
	return 0;
}

int
s3_copy_object(struct s3_client *c, const char *src_bucket, const char *src_key,
    const char *bucket, const char *key, const struct s3_copy_opts *o,
    struct s3_put_result *res, struct rerr *e)
{
	struct s3_headers h = { { NULL }, 0 };
	struct s3_put_result tmp;
	struct s3_req q = { .method = "PUT",
		.bucket = bucket,
		.key = key,
		.parse = parse_copy,
		.parse_arg = res ? res : &tmp };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	s3_copy_source_header(src_bucket, src_key, &h);
	if (o && o->if_match)
		if_match_header(&h, "x-amz-copy-source-if-match", o->if_match);
	if (o && o->replace) {
		s3_headers_add(&h, "x-amz-metadata-directive: REPLACE");
		if ((r = s3_attr_headers(o->replace, &h, e)) != 0)
			goto out;
	}
	if (o &&
	    (r = s3_cfg_write_headers(
	         o->cfg, o->replace && o->replace->storage_class, &h, e)) != 0)
		goto out;
	s3_cfg_key_headers(o ? o->cfg : NULL, true, &h);
	q.headers = (const char *const *)h.lines;
	r = s3_request(c, &q, &resp, e);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	return r;
}
