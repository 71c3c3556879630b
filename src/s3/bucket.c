/*
 * Bucket operations: HeadBucket (region discovery), GetBucketLocation,
 * ListBuckets, CreateBucket, DeleteBucket, ListObjectsV2 and DeleteObjects.
 */
#include "roma.h"
#include "s3/client.h"
#include "s3/client_int.h"
#include "s3/ops.h"
#include "s3/ops_int.h"
#include "s3/xml.h"
#include "net/http.h"
#include "util/buf.h"
#include "util/md5.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
s3_head_bucket(struct s3_client *c, const char *bucket,
    char region[S3_REGION_MAX], struct rerr *e)
{
	struct s3_req q = { .method = "HEAD", .bucket = bucket };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	/* The pipeline learns the region from x-amz-bucket-region, and
	 * follows a wrong-region reply once. */
	r = s3_request(c, &q, &resp, e);
	if (r == 0 && region)
		s3_client_bucket_region(c, bucket, region);
	if (r == -ENOENT && e)
		e->err = ENXIO;
	if (r == -ENOENT)
		r = -ENXIO; /* a HEAD has no code: 404 here is NoSuchBucket */
	http_resp_release(&resp);
	return r;
}

static int
parse_location(const struct http_resp *resp, void *arg, struct rerr *e)
{
	char *region = arg;
	int r;

	r = xml_parse_location(
	    resp->body.ptr, resp->body.len, region, S3_REGION_MAX, e);
	if (r == 0 && region[0] == '\0')
		snprintf(region, S3_REGION_MAX, "us-east-1");
	return r;
}

int
s3_bucket_location(struct s3_client *c, const char *bucket,
    char region[S3_REGION_MAX], struct rerr *e)
{
	struct s3_req q = { .bucket = bucket,
		.query = "location=",
		.parse = parse_location,
		.parse_arg = region };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if ((r = s3_request(c, &q, &resp, e)) == 0)
		s3_client_set_bucket_region(c, bucket, region);
	http_resp_release(&resp);
	return r;
}

static int
parse_buckets(const struct http_resp *resp, void *arg, struct rerr *e)
{
	return xml_parse_list_buckets(resp->body.ptr, resp->body.len, arg, e);
}

int
s3_list_buckets(
    struct s3_client *c, struct xml_bucket_list *out, struct rerr *e)
{
	struct s3_req q = { .parse = parse_buckets, .parse_arg = out };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	memset(out, 0, sizeof(*out));
	r = s3_request(c, &q, &resp, e);
	http_resp_release(&resp);
	return r;
}

int
s3_create_bucket(
    struct s3_client *c, const char *bucket, const char *region, struct rerr *e)
{
	struct buf body = BUF_INIT;
	struct s3_body b = { 0 };
	struct s3_req q = { .method = "PUT", .bucket = bucket, .body = &b };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if (region == NULL)
		region = s3_client_endpoint(c)->region;
	if ((r = xml_write_create_bucket(&body, region, e)) != 0)
		goto out;
	b.data = body.ptr;
	b.size = body.len;
	/* Sign for the new bucket's region, where the request must go. */
	s3_client_set_bucket_region(c, bucket, region);
	r = s3_request(c, &q, &resp, e);
out:
	http_resp_release(&resp);
	buf_release(&body);
	return r;
}

int
s3_delete_bucket(struct s3_client *c, const char *bucket, struct rerr *e)
{
	struct s3_req q = { .method = "DELETE", .bucket = bucket };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	r = s3_request(c, &q, &resp, e);
	http_resp_release(&resp);
	return r;
}

static void
list_query(const struct s3_list_opts *o, struct buf *q)
{
	char n[16];

	buf_adds(q, "list-type=2");
	if (o->token && *o->token)
		s3_query_add(q, "continuation-token", o->token);
	if (o->delimiter && *o->delimiter)
		s3_query_add(q, "delimiter", o->delimiter);
	s3_query_add(q, "encoding-type", "url");
	snprintf(n, sizeof(n), "%u",
	    o->max_keys && o->max_keys <= S3_BATCH_MAX ? o->max_keys
	                                               : S3_BATCH_MAX);
	s3_query_add(q, "max-keys", n);
	if (o->prefix && *o->prefix)
		s3_query_add(q, "prefix", o->prefix);
	if (o->start_after && *o->start_after)
		s3_query_add(q, "start-after", o->start_after);
}

static int
parse_list(const struct http_resp *resp, void *arg, struct rerr *e)
{
	return xml_parse_list_objects(resp->body.ptr, resp->body.len, arg, e);
}

int
s3_list_objects(struct s3_client *c, const char *bucket,
    const struct s3_list_opts *o, struct xml_list_page *pg, struct rerr *e)
{
	struct buf query = BUF_INIT;
	struct s3_req q = {
		.bucket = bucket, .parse = parse_list, .parse_arg = pg
	};
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	memset(pg, 0, sizeof(*pg));
	list_query(o, &query);
	q.query = query.ptr;
	r = s3_request(c, &q, &resp, e);
	http_resp_release(&resp);
	buf_release(&query);
	return r;
}

int
s3_list_all(struct s3_client *c, const char *bucket,
    const struct s3_list_opts *q,
    int (*fn)(const struct xml_list_page *pg, void *arg), void *arg,
    struct rerr *e)
{
	struct s3_list_opts o = *q;
	struct xml_list_page pg;
	char *token = NULL;
	int r;

	for (;;) {
		o.token = token;
		if ((r = s3_list_objects(c, bucket, &o, &pg, e)) != 0)
			break;
		r = fn(&pg, arg);
		if (r == 0 && pg.is_truncated &&
		    (pg.next_token == NULL || *pg.next_token == '\0' ||
		        (token && strcmp(token, pg.next_token) == 0)))
			r = rerr_set(e, -EBADMSG,
			    "ListObjectsV2 s3://%.63s: the server repeated a "
			    "continuation token or sent none; stopping",
			    bucket);
		free(token);
		token =
		    r == 0 && pg.is_truncated ? xstrdup(pg.next_token) : NULL;
		xml_list_page_free(&pg);
		if (r != 0 || token == NULL)
			break;
	}
	free(token);
	return r;
}

static void
base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)in[i] << 16;
		v |= i + 1 < n ? (unsigned)in[i + 1] << 8 : 0;
		v |= i + 2 < n ? in[i + 2] : 0;
		*out++ = tab[v >> 18 & 63];
		*out++ = tab[v >> 12 & 63];
		*out++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*out++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*out = '\0';
}

struct batch {
	const char *const *keys;
	size_t n;
	int *errs;
	int first; /* the first per-key error */
	char first_key[256], first_code[64];
};

static int
parse_deleted(const struct http_resp *resp, void *arg, struct rerr *e)
{
	struct batch *b = arg;
	struct xml_delete_result x = { 0 };
	size_t i, k;
	int r;

	r = xml_parse_delete_result(resp->body.ptr, resp->body.len, &x, e);
	for (i = 0; r == 0 && i < x.nerrors; i++) {
		for (k = 0; k < b->n; k++)
			if (strcmp(b->keys[k], x.errors[i].key) == 0)
				break;
		if (k == b->n)
			continue; /* a key we did not ask for */
		b->errs[k] = s3_map_error(0, x.errors[i].code);
		if (b->first == 0) {
			b->first = b->errs[k];
			snprintf(b->first_key, sizeof(b->first_key), "%s",
			    x.errors[i].key);
			snprintf(b->first_code, sizeof(b->first_code), "%s",
			    x.errors[i].code);
		}
	}
	xml_mem_free(&x.mem);
	return r;
}

static int
delete_batch(
    struct s3_client *c, const char *bucket, struct batch *b, struct rerr *e)
{
	struct buf body = BUF_INIT;
	unsigned char md5[MD5_LEN];
	char b64[32];
	struct s3_headers h = { { NULL }, 0 };
	struct s3_body sb = { 0 };
	struct s3_req q = { .method = "POST",
		.bucket = bucket,
		.query = "delete=",
		.body = &sb,
		.parse = parse_deleted,
		.parse_arg = b };
	struct http_resp resp = HTTP_RESP_INIT;
	int r;

	if ((r = xml_write_delete(&body, b->keys, b->n, true, e)) != 0)
		goto out;
	/* S3 insists on an MD5 of the body for this one request. */
	md5_digest(body.ptr, body.len, md5);
	base64(md5, sizeof(md5), b64);
	s3_headers_add(&h, "Content-MD5: %s", b64);
	s3_headers_add(&h, "Content-Type: application/xml");
	q.headers = (const char *const *)h.lines;
	sb.data = body.ptr;
	sb.size = body.len;
	r = s3_request(c, &q, &resp, e);
out:
	http_resp_release(&resp);
	s3_headers_release(&h);
	buf_release(&body);
	return r;
}

int
s3_delete_objects(struct s3_client *c, const char *bucket,
    const char *const *keys, size_t n, int *errs, struct rerr *e)
{
	int *own = errs ? NULL : xcalloc(n ? n : 1, sizeof(int));
	struct batch b = { 0 };
	size_t i, done;
	int r = 0, first = 0;

	if (errs == NULL)
		errs = own;
	memset(errs, 0, n * sizeof(int));
	for (done = 0; done < n && r == 0; done += b.n) {
		b = (struct batch){ keys + done, 0, errs + done, 0, "", "" };
		b.n = n - done < S3_BATCH_MAX ? n - done : S3_BATCH_MAX;
		if ((r = delete_batch(c, bucket, &b, e)) != 0)
			for (i = done; i < n; i++)
				errs[i] = r;
		else if (b.first != 0 && first == 0)
			first = rerr_set(e, b.first,
			    "DeleteObjects s3://%.63s/%.200s: %s", bucket,
			    b.first_key, b.first_code);
	}
	free(own);
	return r ? r : first;
}
