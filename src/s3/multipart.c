/*
 * Multipart upload requests: create, upload a part (from a body or by
 * copying a range of another object), complete, abort, list.
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
#include "util/xmem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
upload_query(struct buf *q, unsigned num, const char *id)
{
	char n[16];

	if (num) {
		snprintf(n, sizeof(n), "%u", num);
		s3_query_add(q, "partNumber", n);
	}
	s3_query_add(q, "uploadId", id);
}

static int
parse_init(const struct http_resp *resp, void *arg, struct rerr *e)
{
	struct xml_mpu_init x = { 0 };
	char **id = arg;
	int r;

	if ((r = xml_parse_mpu_init(resp->body.ptr, resp->body.len, &x, e)) ==
	    0) {
		free(*id);
		*id = xstrdup(x.upload_id);
	}
	xml_mem_free(&x.mem);
	return r;
}

int
s3_mpu_create(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_put_opts *o, char **upload_id, struct rerr *e)
{
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = { .method = "POST",
		.bucket = bucket,
		.key = key,
		.query = "uploads=",
		.parse = parse_init,
		.parse_arg = upload_id };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	*upload_id = NULL;
	if (o && o->create_only)
		return rerr_set(
		    e, -EINVAL, "a create-only write must be a single PUT");
	if ((r = s3_attr_headers(o, &h, e)) == 0 && o)
		r = s3_cfg_write_headers(
		    o->cfg, o->storage_class != NULL, &h, e);
	if (r == 0) {
		q.headers = (const char *const *)h.lines;
		r = s3_request(c, &q, &resp, e);
	}
	if (r != 0) {
		free(*upload_id);
		*upload_id = NULL;
	}
	http_resp_release(&resp);
	s3_headers_release(&h);
	return r;
}

static int
check_part(unsigned num, uint64_t size, struct rerr *e)
{
	if (num < 1 || num > S3_PARTS_MAX)
		return rerr_set(e, -EINVAL, "part number %u not in 1..%d", num,
		    S3_PARTS_MAX);
	if (size > S3_PUT_MAX)
		return rerr_set(e, -EFBIG,
		    "part %u: %" PRIu64 " bytes is over the 5 GiB limit", num,
		    size);
	return 0;
}

int
s3_mpu_part(struct s3_client *c, const char *bucket, const char *key,
    const char *id, unsigned num, const struct s3_body *b,
    const struct s3_objcfg *cfg, char etag[S3_ETAG_MAX], struct rerr *e)
{
	struct buf query = BUF_INIT;
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = {
		.method = "PUT", .bucket = bucket, .key = key, .body = b
	};
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if ((r = check_part(num, b->size, e)) != 0)
		goto out;
	upload_query(&query, num, id);
	q.query = query.ptr;
	s3_cfg_key_headers(cfg, false, &h);
	q.headers = (const char *const *)h.lines;
	if ((r = s3_request(c, &q, &resp, e)) == 0)
		s3_etag_unquote(
		    http_resp_header(&resp, "ETag"), etag, S3_ETAG_MAX);
	if (r == 0 && etag[0] == '\0')
		r = rerr_set(
		    e, -EBADMSG, "UploadPart %u: no ETag in the reply", num);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	buf_release(&query);
	return r;
}

static int
parse_part_copy(const struct http_resp *resp, void *arg, struct rerr *e)
{
	struct xml_copy x = { 0 };
	int r;

	if ((r = xml_parse_copy(resp->body.ptr, resp->body.len, &x, e)) == 0)
		snprintf(arg, S3_ETAG_MAX, "%s", x.etag);
	xml_mem_free(&x.mem);
	return r;
}

int
s3_mpu_part_copy(struct s3_client *c, const char *bucket, const char *key,
    const char *id, unsigned num, const char *src_bucket, const char *src_key,
    uint64_t off, uint64_t len, const char *if_match,
    const struct s3_objcfg *cfg, char etag[S3_ETAG_MAX], struct rerr *e)
{
	struct buf query = BUF_INIT;
	struct s3_headers h = { { NULL }, 0 };
	struct s3_req q = { .method = "PUT",
		.bucket = bucket,
		.key = key,
		.parse = parse_part_copy,
		.parse_arg = etag };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if ((r = check_part(num, len, e)) != 0)
		goto out;
	if (len == 0) {
		r = rerr_set(e, -EINVAL, "part %u: empty copy range", num);
		goto out;
	}
	upload_query(&query, num, id);
	q.query = query.ptr;
	s3_copy_source_header(src_bucket, src_key, &h);
	s3_headers_add(&h,
	    "x-amz-copy-source-range: bytes=%" PRIu64 "-%" PRIu64, off,
	    off + len - 1);
	if (if_match && *if_match)
		s3_headers_add(&h,
		    *if_match == '"' ? "x-amz-copy-source-if-match: %s"
		                     : "x-amz-copy-source-if-match: \"%s\"",
		    if_match);
	s3_cfg_key_headers(cfg, false, &h);
	s3_cfg_key_headers(cfg, true, &h);
	q.headers = (const char *const *)h.lines;
	r = s3_request(c, &q, &resp, e);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	buf_release(&query);
	return r;
}

static int
parse_done(const struct http_resp *resp, void *arg, struct rerr *e)
{
	struct s3_put_result *res = arg;
	struct xml_mpu_done x = { 0 };
	int r;

	/* The pipeline has already refused a 200 whose body is <Error>. */
	r = xml_parse_mpu_done(resp->body.ptr, resp->body.len, &x, e);
	if (r == 0) {
		s3_result_from_resp(resp, res);
		snprintf(res->etag, sizeof(res->etag), "%s", x.etag);
	}
	xml_mem_free(&x.mem);
	return r;
}

int
s3_mpu_complete(struct s3_client *c, const char *bucket, const char *key,
    const char *id, const struct s3_part *parts, size_t n,
    const struct s3_objcfg *cfg, struct s3_put_result *res, struct rerr *e)
{
	struct xml_part *xp = xcalloc(n ? n : 1, sizeof(*xp));
	struct buf query = BUF_INIT, body = BUF_INIT;
	struct s3_headers h = { { NULL }, 0 };
	struct s3_put_result tmp;
	struct s3_body b = { 0 };
	struct s3_req q = { .method = "POST",
		.bucket = bucket,
		.key = key,
		.body = &b,
		.parse = parse_done,
		.parse_arg = res ? res : &tmp };
	struct http_resp resp = HTTP_RESP_INIT;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		xp[i].number = parts[i].num;
		xp[i].etag = parts[i].etag;
	}
	if ((r = xml_write_complete(&body, xp, n, e)) != 0)
		goto out;
	upload_query(&query, 0, id);
	q.query = query.ptr;
	b.data = body.ptr;
	b.size = body.len;
	/* As the AWS CLI does: S3 wants the key here for some uploads
	 * (checksums, a bucket policy demanding SSE-C). */
	s3_cfg_key_headers(cfg, false, &h);
	q.headers = (const char *const *)h.lines;
	r = s3_request(c, &q, &resp, e);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	buf_release(&query);
	buf_release(&body);
	free(xp);
	return r;
}

int
s3_mpu_abort(struct s3_client *c, const char *bucket, const char *key,
    const char *id, struct rerr *e)
{
	struct buf query = BUF_INIT;
	/* Not cancellable: it cleans up after a transfer that may have been. */
	struct s3_req q = { .method = "DELETE",
		.bucket = bucket,
		.key = key,
		.flags = S3_REQ_NO_CANCEL };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	upload_query(&query, 0, id);
	q.query = query.ptr;
	r = s3_request(c, &q, &resp, e);
	http_resp_release(&resp);
	buf_release(&query);
	return r;
}

static int
parse_uploads(const struct http_resp *resp, void *arg, struct rerr *e)
{
	return xml_parse_list_uploads(resp->body.ptr, resp->body.len, arg, e);
}

int
s3_mpu_list(struct s3_client *c, const char *bucket,
    const struct s3_mpu_list_opts *o, struct xml_upload_list *out,
    struct rerr *e)
{
	struct buf query = BUF_INIT;
	struct s3_req q = {
		.bucket = bucket, .parse = parse_uploads, .parse_arg = out
	};
	struct http_resp resp = HTTP_RESP_INIT;
	char n[16];
	int r;

	memset(out, 0, sizeof(*out));
	buf_adds(&query, "uploads=");
	s3_query_add(&query, "encoding-type", "url");
	if (o->key_marker && *o->key_marker)
		s3_query_add(&query, "key-marker", o->key_marker);
	snprintf(n, sizeof(n), "%u",
	    o->max && o->max <= S3_BATCH_MAX ? o->max : S3_BATCH_MAX);
	s3_query_add(&query, "max-uploads", n);
	if (o->prefix && *o->prefix)
		s3_query_add(&query, "prefix", o->prefix);
	if (o->upload_id_marker && *o->upload_id_marker)
		s3_query_add(&query, "upload-id-marker", o->upload_id_marker);
	q.query = query.ptr;
	r = s3_request(c, &q, &resp, e);
	http_resp_release(&resp);
	buf_release(&query);
	return r;
}
