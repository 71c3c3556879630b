/*
 * ops - the S3 operations, each one request through s3_request (so each
 * retries, follows region hints and corrects the clock), and the
 * whole-object transfers `roma s3 cp` needs.  Listings and other XML
 * results are s3/xml.h's structs: read their fields, free them with
 * xml_mem_free(&x.mem) (xml_list_page_free for pages).
 *
 * Errors are s3_map_error's: -ENOENT no such key or upload, -ENXIO no such
 * bucket, -EACCES denied or bad credentials, -EEXIST bucket exists (or a
 * create-only put found the key), -ENOTEMPTY bucket not empty, -ESTALE an
 * If-Match failed (the object changed), -ERANGE a range past the end,
 * -EFBIG too large, -EAGAIN throttled after all retries, -EBADMSG a reply
 * that would not parse, transport errors from net/http.h.  Object bodies
 * are s3_body (memory or a pread-like callback, re-read on retries).
 */
#ifndef S3_OPS_H
#define S3_OPS_H

#include "roma.h"
#include "s3/client.h"
#include "s3/xml.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct rerr;

#define S3_ETAG_MAX  128
#define S3_KEY_MAX   1024
#define S3_PART_MIN  (5ull << 20) /* every part but the last */
#define S3_PUT_MAX   (5ull << 30) /* one PUT, one CopyObject, one part */
#define S3_PARTS_MAX 10000
#define S3_BATCH_MAX 1000 /* keys per DeleteObjects, per list page */

/* One x-amz-meta-NAME: VALUE pair; names lower-case, printable ASCII. */
struct s3_meta {
	char *name;
	char *value;
};

/* What HEAD (or a GET's headers) says about an object. */
struct s3_object_info {
	uint64_t size; /* the whole object, even after a ranged GET */
	time_t mtime;
	char etag[S3_ETAG_MAX]; /* without quotes */
	char *content_type;     /* malloc'd, or NULL */
	struct s3_meta *meta;   /* malloc'd */
	size_t nmeta;
};

/* Server-side encryption of the objects one caller writes. */
enum s3_sse {
	S3_SSE_NONE,
	S3_SSE_S3,  /* x-amz-server-side-encryption: AES256 */
	S3_SSE_KMS, /* aws:kms, with kms_key_id unless NULL or "" */
	S3_SSE_C,   /* a customer key, sent with every request on the object */
};

#define S3_SSEC_KEY_LEN 32 /* AES-256 */
#define S3_SSEC_B64_MAX 45 /* base64 of the key, NUL */
#define S3_SSEC_MD5_MAX 25 /* base64 of its MD5, NUL */

/*
 * What every request one caller (a mount) makes on its objects carries:
 * encryption, canned ACL and storage class of what it writes (PUT,
 * multipart create, copy); with SSE-C the key also rides on HEAD, GET,
 * UploadPart, completion and, as the copy source's key, on copies (unless
 * copy_src gives the source's own).  Fill the SSE-C fields with
 * s3_ssec_key.  Every field may be 0/NULL.
 */
struct s3_objcfg {
	enum s3_sse sse;
	const char *kms_key_id; /* S3_SSE_KMS: NULL, "": the account's */
	char ssec_key[S3_SSEC_B64_MAX]; /* S3_SSE_C: the key, base64 */
	char ssec_md5[S3_SSEC_MD5_MAX]; /* its MD5, base64 */
	const char *acl;                /* a canned ACL; NULL: none sent */
	const char *storage_class;      /* NULL: none sent (STANDARD) */
	/* A copy's source: its SSE-C key (sse and ssec_*, nothing else);
	 * NULL: this one's own, as a mount has one key for all its objects. */
	const struct s3_objcfg *copy_src;
};

/* Attributes of a new object; every field may be 0/NULL. */
struct s3_put_opts {
	const char *content_type;
	const struct s3_meta *meta;
	size_t nmeta;
	const char *storage_class; /* NULL: cfg's, else the bucket's default */
	bool create_only;          /* If-None-Match: *; -EEXIST if present */
	const struct s3_objcfg *cfg;
};

struct s3_put_result {
	char etag[S3_ETAG_MAX]; /* without quotes */
	time_t mtime;           /* Last-Modified, else the reply's Date */
};

struct s3_get_opts {
	uint64_t off;
	uint64_t len;         /* 0 or S3_TO_END: to the end */
	const char *if_match; /* NULL, or an etag (quotes optional) */
	int (*sink)(const void *p, size_t n, void *arg); /* 0 or -errno */
	void *arg;
	const struct s3_objcfg *cfg; /* its SSE-C key, if any */
};

struct s3_list_opts {
	const char *prefix;
	const char *delimiter;   /* NULL: none; usually "/" */
	const char *start_after; /* S3 ignores it once there is a token */
	const char *token;       /* NULL first, then pg->next_token */
	unsigned max_keys;       /* 0: 1000 */
};

struct s3_copy_opts {
	const char *if_match;              /* the source's etag, or NULL */
	const struct s3_put_opts *replace; /* NULL: keep the source's type
	                                      and metadata */
	const struct s3_objcfg *cfg; /* the copy's; its SSE-C key is also the
	                                source's unless cfg->copy_src */
};

struct s3_part {
	unsigned num; /* 1..10000 */
	char etag[S3_ETAG_MAX];
};

struct s3_mpu_list_opts {
	const char *prefix;
	const char *key_marker; /* NULL first, then out->next_key_marker */
	const char *upload_id_marker;
	unsigned max; /* 0: 1000 */
};

/* Tuning and progress of s3_upload, s3_download_fd and s3_copy. */
struct s3_xfer {
	uint64_t part_size;   /* 0: the client's (grown to fit 10000 parts) */
	unsigned concurrency; /* 0: the client's */
	uint64_t threshold;   /* multipart above this many bytes; 0: part */
	/* Called one call at a time, from any transfer thread, as bytes
	 * complete (often: every received chunk on downloads, so throttle
	 * the display); `total` is the size, 0 when unknown (a pipe). */
	void (*progress)(uint64_t done, uint64_t total, void *arg);
	void *progress_arg;
	const struct s3_objcfg *cfg; /* s3_download_fd: the SSE-C key */
};

/*
 * An SSE-C key given as goofys and the AWS CLI take it (base64 of 32 bytes;
 * URL-safe letters, missing padding and white space are accepted) into
 * cfg->ssec_key (canonical base64) and cfg->ssec_md5, with cfg->sse set to
 * S3_SSE_C.  -EINVAL with a message that never holds the key.
 */
int s3_ssec_key(const char *b64, struct s3_objcfg *cfg, struct rerr *e);
/* Whether S3 knows `acl` as a canned ACL for objects, and the list. */
bool s3_acl_known(const char *acl);
const char *s3_acl_names(void);
/* Whether S3 knows `cls` as a storage class, and the list. */
bool s3_storage_class_known(const char *cls);
const char *s3_storage_class_names(void);

void s3_object_info_release(struct s3_object_info *info);
/* The value of user metadata `name` in `info`, or NULL. */
const char *s3_object_meta(const struct s3_object_info *info, const char *name);

/* ---- Buckets ---- */

/* HeadBucket; the bucket's region (learnt by the client) into `region`
 * (may be NULL).  -ENOENT/-ENXIO when absent, -EACCES when not ours. */
int s3_head_bucket(struct s3_client *c, const char *bucket,
    char region[S3_REGION_MAX], struct rerr *e);
/* GetBucketLocation into `region` ("us-east-1" for the empty answer). */
int s3_bucket_location(struct s3_client *c, const char *bucket,
    char region[S3_REGION_MAX], struct rerr *e);
/* ListBuckets (free out->mem). */
int s3_list_buckets(
    struct s3_client *c, struct xml_bucket_list *out, struct rerr *e);
/* CreateBucket in `region` (NULL: the client's), with a LocationConstraint
 * outside us-east-1.  -EEXIST when it exists. */
int s3_create_bucket(struct s3_client *c, const char *bucket,
    const char *region, struct rerr *e);
/* DeleteBucket; -ENOTEMPTY while it holds objects. */
int s3_delete_bucket(struct s3_client *c, const char *bucket, struct rerr *e);

/* ---- Listing and deleting many ---- */

/* ListObjectsV2, one page, encoding-type=url requested and decoded
 * (release with xml_list_page_free). */
int s3_list_objects(struct s3_client *c, const char *bucket,
    const struct s3_list_opts *q, struct xml_list_page *pg, struct rerr *e);
/* Every page in turn to `fn` (a non-zero return stops and is returned).
 * A repeated token or a truncated page without one is -EBADMSG. */
int s3_list_all(struct s3_client *c, const char *bucket,
    const struct s3_list_opts *q,
    int (*fn)(const struct xml_list_page *pg, void *arg), void *arg,
    struct rerr *e);
/* DeleteObjects of `n` keys (any number: batches of 1000).  `errs` (may be
 * NULL) gets 0 or a -errno per key.  Returns 0, the first per-key error
 * (`e` names the key), or a request's error (then the keys of that batch
 * and later ones hold it). */
int s3_delete_objects(struct s3_client *c, const char *bucket,
    const char *const *keys, size_t n, int *errs, struct rerr *e);

/* ---- Objects ---- */

/* HeadObject (release `info`); -ENOENT when absent.  `cfg` (may be NULL)
 * supplies an SSE-C key, as it does for the multipart calls below. */
int s3_head_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_objcfg *cfg, struct s3_object_info *info, struct rerr *e);
/* GetObject of a range, streamed to g->sink in order; a retry resumes
 * where it stopped (If-Match on the first reply's ETag, so a changed
 * object is -ESTALE, never spliced).  `info` (may be NULL) gets the reply's
 * headers.  A range starting past the end is -ERANGE. */
int s3_get_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_get_opts *g, struct s3_object_info *info, struct rerr *e);
/* PutObject of `b` (up to 5 GiB, else -EFBIG); `o` and `res` may be NULL. */
int s3_put_object(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_body *b, const struct s3_put_opts *o,
    struct s3_put_result *res, struct rerr *e);
/* DeleteObject; an absent key is success, as on S3. */
int s3_delete_object(
    struct s3_client *c, const char *bucket, const char *key, struct rerr *e);
/* CopyObject, one request (source up to 5 GiB); `o`, `res` may be NULL. */
int s3_copy_object(struct s3_client *c, const char *src_bucket,
    const char *src_key, const char *bucket, const char *key,
    const struct s3_copy_opts *o, struct s3_put_result *res, struct rerr *e);

/* ---- Multipart uploads ---- */

/* CreateMultipartUpload; `*upload_id` is malloc'd. */
int s3_mpu_create(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_put_opts *o, char **upload_id, struct rerr *e);
/* UploadPart `num` (1..10000) of `b`; the part's etag into `etag`. */
int s3_mpu_part(struct s3_client *c, const char *bucket, const char *key,
    const char *id, unsigned num, const struct s3_body *b,
    const struct s3_objcfg *cfg, char etag[S3_ETAG_MAX], struct rerr *e);
/* UploadPartCopy of `len` bytes at `off` of src_bucket/src_key. */
int s3_mpu_part_copy(struct s3_client *c, const char *bucket, const char *key,
    const char *id, unsigned num, const char *src_bucket, const char *src_key,
    uint64_t off, uint64_t len, const char *if_match,
    const struct s3_objcfg *cfg, char etag[S3_ETAG_MAX], struct rerr *e);
/* CompleteMultipartUpload with `n` parts in ascending order. */
int s3_mpu_complete(struct s3_client *c, const char *bucket, const char *key,
    const char *id, const struct s3_part *parts, size_t n,
    const struct s3_objcfg *cfg, struct s3_put_result *res, struct rerr *e);
/* AbortMultipartUpload; -ENOENT when there is no such upload. */
int s3_mpu_abort(struct s3_client *c, const char *bucket, const char *key,
    const char *id, struct rerr *e);
/* ListMultipartUploads, one page (free out->mem). */
int s3_mpu_list(struct s3_client *c, const char *bucket,
    const struct s3_mpu_list_opts *q, struct xml_upload_list *out,
    struct rerr *e);

/* ---- Whole-object transfers (transfer.c) ---- */

/* A pread callback for s3_body: `arg` is a struct s3_fd. */
struct s3_fd {
	int fd;
	uint64_t base; /* file offset of body byte 0 */
};
int s3_fd_read(void *p, size_t n, uint64_t off, void *arg);

/*
 * Store `b` as bucket/key: one PUT up to the threshold, else a multipart
 * upload with parallel parts.  Complete or nothing: any failure aborts the
 * upload, so the key keeps its old object.  `o`, `x`, `res` may be NULL.
 */
int s3_upload(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_body *b, const struct s3_put_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e);
/*
 * Upload everything `fd` yields (a pipe: stdin for `cp -`), reading one
 * part at a time: one PUT if it all fits in the first part, else a
 * multipart upload (aborted on failure).
 */
int s3_upload_stream(struct s3_client *c, const char *bucket, const char *key,
    int fd, const struct s3_put_opts *o, const struct s3_xfer *x,
    struct s3_put_result *res, struct rerr *e);
/*
 * Download bucket/key to `fd`: parallel ranged GETs written with pwrite
 * (at fd offset 0 on) when `fd` is a regular file, else one sequential
 * GET.  Every GET carries If-Match on the HEAD's etag: an object changed
 * mid-download is -ESTALE.  Never a short file reported as success; on
 * failure written bytes stay (download to a temporary name and rename).
 * `x`, `info` may be NULL.
 */
int s3_download_fd(struct s3_client *c, const char *bucket, const char *key,
    int fd, const struct s3_xfer *x, struct s3_object_info *info,
    struct rerr *e);
/*
 * Server-side copy: CopyObject up to 5 GiB, else a multipart copy with
 * parallel UploadPartCopy (content type and metadata carried over unless
 * o->replace).  The source is guarded by If-Match on its etag.
 */
int s3_copy(struct s3_client *c, const char *src_bucket, const char *src_key,
    const char *bucket, const char *key, const struct s3_copy_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e);

#endif
