/*
 * ops_int - helpers shared by the operation files (object.c, bucket.c,
 * multipart.c, transfer.c) and nothing else.
 */
#ifndef S3_OPS_INT_H
#define S3_OPS_INT_H

#include "roma.h"
#include "s3/client_int.h"
#include "s3/ops.h"

#include <stdbool.h>

struct buf;
struct http_resp;

#define S3_META_MAX 48 /* user metadata pairs on one request */

/* Header lines for a new object's attributes (content type, metadata,
 * storage class, If-None-Match).  -EINVAL for what cannot be a header. */
int s3_attr_headers(
    const struct s3_put_opts *o, struct s3_headers *h, struct rerr *e);
/* Whether `s` (NULL is) may stand in a header: printable ASCII, and for a
 * `name` (or a token value) only letters, digits, '-', '_', '.'. */
bool s3_header_safe(const char *s, bool name);
/* cfg's encryption, ACL and (unless `class_sent`) storage class for a
 * request that creates an object.  -EINVAL for what cannot be a header. */
int s3_cfg_write_headers(const struct s3_objcfg *cfg, bool class_sent,
    struct s3_headers *h, struct rerr *e);
/* cfg's SSE-C key lines (none without one); `source`: the copy source's
 * key (s3_cfg_source's) as x-amz-copy-source-server-side-encryption-*. */
void s3_cfg_key_headers(
    const struct s3_objcfg *cfg, bool source, struct s3_headers *h);
/* What holds a copy source's SSE-C key: cfg->copy_src, else cfg. */
const struct s3_objcfg *s3_cfg_source(const struct s3_objcfg *cfg);
/* Size, mtime, etag, content type and metadata from a reply's headers. */
void s3_info_from_resp(const struct http_resp *r, struct s3_object_info *info);
/* The etag and Last-Modified (else Date) of a write's reply. */
void s3_result_from_resp(const struct http_resp *r, struct s3_put_result *res);
/* "x-amz-copy-source: /bucket/key" with the key encoded. */
void s3_copy_source_header(
    const char *bucket, const char *key, struct s3_headers *h);
/* Append "&name=value" (or "name=value" first) with `value` encoded. */
void s3_query_add(struct buf *q, const char *name, const char *value);

#endif
