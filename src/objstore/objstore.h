/*
 * objstore - the object-store interface the mount (fs/) and the storage
 * layer (storage/) are written against: one bucket, flat keys, S3 semantics.
 * Every operation maps onto exactly one S3 request, so callers can count
 * requests (the performance model is "S3 requests per FUSE operation").
 * Implementations: S3 (objstore/s3.c), in memory (mem.h), and a wrapper
 * that injects faults into any other (fault.h).
 *
 * Thread safety: every operation may be called from many threads at once on
 * the same store; implementations lock what they share.  Only
 * objstore_free() must not race with anything.  Callbacks (sink, body read)
 * never run under a store lock and may call the store; a single operation
 * calls them from the calling thread, put_large from its worker threads.
 *
 * Conventions.  Keys are NUL-terminated UTF-8 byte strings of 1 to 1024
 * bytes, compared as unsigned bytes.  ETags are carried without quotes
 * ("d41d8cd98f00b204e9800998ecf8427e", or "<hex>-<parts>" for multipart);
 * the S3 implementation strips and adds the quotes.  Times are seconds since
 * the epoch (listings carry milliseconds, HEAD seconds: we keep seconds so
 * both agree).  Every operation returns 0 or a -errno and, when `e` is not
 * NULL, fills it (HTTP status, S3 code, request id, message):
 *
 *   -ENOENT        no such key (head, get, copy source), no such upload
 *   -ENXIO         no such bucket
 *   -EACCES        403/401
 *   -ESTALE        an If-Match precondition failed (412): the object changed
 *   -EEXIST        OBJSTORE_PUT_CREATE and the key exists
 *   -EINVAL        bad argument, bad token, InvalidPart, InvalidPartOrder,
 *                  EntityTooSmall, copy onto itself without replacing metadata
 *   -ENAMETOOLONG  key longer than 1024 bytes
 *   -EFBIG         too large for one PUT or one CopyObject (5 GiB on S3)
 *   -EAGAIN        503 SlowDown, 429, 500 once retries are exhausted
 *   -ECONNRESET, -ETIMEDOUT, -EIO   transport failures
 *   -EBADMSG       the server's reply is malformed (or a listing loops)
 *   -EOPNOTSUPP    the server lacks the feature (e.g. If-None-Match)
 *
 * A failed operation changed nothing that the caller can rely on, except
 * that a reply lost in transit (-ECONNRESET, -ETIMEDOUT) may hide a request
 * the server carried out: S3 never reports success for a write it lost.
 */
#ifndef OBJSTORE_OBJSTORE_H
#define OBJSTORE_OBJSTORE_H

#include "roma.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct rerr;

#define OBJSTORE_KEY_MAX    1024  /* bytes, as S3 */
#define OBJSTORE_ETAG_MAX   128   /* with the NUL; S3's are 32-38 bytes */
#define OBJSTORE_PAGE_MAX   1000  /* keys per list page and per batch delete */
#define OBJSTORE_PARTS_MAX  10000 /* parts of one multipart upload */
#define OBJSTORE_PART_MIN   (5ull << 20) /* S3's minimum part but the last */
#define OBJSTORE_TO_END     UINT64_MAX   /* a get length: to the end */
#define OBJSTORE_PUT_CREATE 0x1u /* If-None-Match: *: -EEXIST if present */

/* One user metadata pair (x-amz-meta-<name>: value); names are lower-case. */
struct objstore_meta {
	char *name;
	char *value;
};

/* What HEAD (and a GET's reply headers) say about an object. */
struct objstore_info {
	uint64_t size; /* the whole object, even after a ranged get */
	time_t mtime;  /* Last-Modified */
	char etag[OBJSTORE_ETAG_MAX];
	char *content_type; /* malloc'd or NULL */
	struct objstore_meta *meta;
	size_t nmeta;
};

/* Attributes given to a new object; every field may be 0/NULL. */
struct objstore_attrs {
	const char *content_type; /* NULL: the server's default */
	const struct objstore_meta *meta;
	size_t nmeta;
};

/*
 * A request body of known size: either `data` (the whole body) or `read`,
 * which must fill exactly `n` bytes from offset `off` of the body (as
 * pread does) and return 0 or a -errno.  `read` may be called again for the
 * same bytes (a retry) and, from put_large, from several threads at once.
 */
struct objstore_body {
	const void *data;
	uint64_t size;
	int (*read)(void *p, size_t n, uint64_t off, void *arg);
	void *arg;
};

/* What a write left on the server. */
struct objstore_put_res {
	char etag[OBJSTORE_ETAG_MAX];
	time_t mtime; /* the object's Last-Modified, or the reply's Date */
};

/*
 * A ranged get.  The bytes go to `sink` in order; a non-zero return from it
 * stops the transfer and is returned as is.  On success exactly
 * min(len, size - off) bytes were delivered (none at or past the end: a
 * read past EOF is not an error).  On failure some bytes may have been
 * delivered already: the caller discards them.
 */
struct objstore_get_req {
	uint64_t off;
	uint64_t len;         /* > 0; OBJSTORE_TO_END for the rest */
	const char *if_match; /* NULL, or an etag: -ESTALE if it differs */
	int (*sink)(const void *p, size_t n, void *arg);
	void *arg;
};

/* A ListObjects page request. */
struct objstore_list_req {
	const char *prefix;      /* NULL or "": the whole bucket */
	const char *delimiter;   /* NULL or "": none (usually "/") */
	const char *start_after; /* ignored when `token` is set, as S3 does */
	const char *token;       /* NULL first, then the previous next_token */
	unsigned max_keys;       /* entries + prefixes; 0 or above 1000: 1000 */
};

struct objstore_entry {
	char *key;
	uint64_t size;
	time_t mtime;
	char etag[OBJSTORE_ETAG_MAX];
};

/*
 * One page: entries and common prefixes, each in byte order.  `next_token`
 * is opaque (the S3 implementation may use a V2 continuation token or a V1
 * marker) and set exactly when `truncated`.
 */
struct objstore_list_page {
	struct objstore_entry *entries;
	size_t nentries;
	char **prefixes;
	size_t nprefixes;
	bool truncated;
	char *next_token;
};

struct objstore_part {
	unsigned num; /* 1..10000, ascending in a complete request */
	char etag[OBJSTORE_ETAG_MAX];
};

struct objstore_upload {
	char *key;
	char *upload_id;
	time_t initiated;
};

/* One ListMultipartUploads page, by key then initiation time. */
struct objstore_upload_page {
	struct objstore_upload *uploads;
	size_t nuploads;
	bool truncated;
	char *next_token;
};

struct objstore;

/*
 * What an implementation provides.  The objstore_* wrappers below check
 * arguments (key length, part numbers, batch sizes, page sizes), clear `e`
 * and zero the outputs before calling these, so implementations may trust
 * them: list requests arrive with a non-NULL prefix, NULL for an empty
 * delimiter, start_after or token, and max_keys in 1..1000; mpu_list with a
 * non-NULL prefix and max in 1..1000; delete_many with 1..1000 keys.  On
 * failure the wrappers release whatever the implementation filled in.
 */
struct objstore_ops {
	const char *name;
	int (*head)(struct objstore *s, const char *key,
	    struct objstore_info *info, struct rerr *e);
	int (*get)(struct objstore *s, const char *key,
	    const struct objstore_get_req *g, struct objstore_info *info,
	    struct rerr *e);
	int (*put)(struct objstore *s, const char *key,
	    const struct objstore_body *b, const struct objstore_attrs *a,
	    unsigned flags, struct objstore_put_res *res, struct rerr *e);
	int (*del)(struct objstore *s, const char *key, struct rerr *e);
	int (*delete_many)(struct objstore *s, const char *const *keys,
	    size_t n, int *errs, struct rerr *e);
	int (*list)(struct objstore *s, const struct objstore_list_req *q,
	    struct objstore_list_page *pg, struct rerr *e);
	int (*copy)(struct objstore *s, const char *src, const char *dst,
	    const char *if_match, const struct objstore_attrs *replace,
	    struct objstore_put_res *res, struct rerr *e);
	int (*mpu_create)(struct objstore *s, const char *key,
	    const struct objstore_attrs *a, char **upload_id, struct rerr *e);
	int (*mpu_part)(struct objstore *s, const char *key, const char *id,
	    unsigned num, const struct objstore_body *b,
	    char etag[OBJSTORE_ETAG_MAX], struct rerr *e);
	int (*mpu_part_copy)(struct objstore *s, const char *key,
	    const char *id, unsigned num, const char *src, uint64_t off,
	    uint64_t len, const char *if_match, char etag[OBJSTORE_ETAG_MAX],
	    struct rerr *e);
	int (*mpu_complete)(struct objstore *s, const char *key, const char *id,
	    const struct objstore_part *parts, size_t n,
	    struct objstore_put_res *res, struct rerr *e);
	int (*mpu_abort)(struct objstore *s, const char *key, const char *id,
	    struct rerr *e);
	int (*mpu_list)(struct objstore *s, const char *prefix,
	    const char *token, unsigned max, struct objstore_upload_page *pg,
	    struct rerr *e);
	void (*free)(struct objstore *s);
};

/* Implementations embed this as their first member. */
struct objstore {
	const struct objstore_ops *ops;
};

/* Release what an operation filled in (safe on zeroed or released ones). */
void objstore_info_release(struct objstore_info *info);
void objstore_list_page_release(struct objstore_list_page *pg);
void objstore_upload_page_release(struct objstore_upload_page *pg);

/* HeadObject.  Fills `info` (release it); -ENOENT when absent. */
int objstore_head(struct objstore *s, const char *key,
    struct objstore_info *info, struct rerr *e);
/* GetObject of a range (see objstore_get_req); `info` may be NULL. */
int objstore_get(struct objstore *s, const char *key,
    const struct objstore_get_req *g, struct objstore_info *info,
    struct rerr *e);
/* PutObject of `b` (up to 5 GiB) with attributes `a` (may be NULL); flags:
 * OBJSTORE_PUT_CREATE.  `res` may be NULL.  Replaces an existing object
 * atomically: readers see the old or the new one, never a mix. */
int objstore_put(struct objstore *s, const char *key,
    const struct objstore_body *b, const struct objstore_attrs *a,
    unsigned flags, struct objstore_put_res *res, struct rerr *e);
/* DeleteObject.  An absent key is success, as on S3. */
int objstore_delete(struct objstore *s, const char *key, struct rerr *e);
/* DeleteObjects of up to 1000 keys.  `errs[i]` gets 0 or a -errno per key;
 * returns the first per-key error, or the request's own error (then every
 * errs[i] holds it). */
int objstore_delete_many(struct objstore *s, const char *const *keys, size_t n,
    int *errs, struct rerr *e);
/* ListObjects, one page (release it). */
int objstore_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e);
/* CopyObject (server side, up to 5 GiB; -EFBIG above).  `replace` NULL
 * keeps the source's content type and metadata, else replaces them.
 * `if_match` guards the source (-ESTALE).  `res` may be NULL. */
int objstore_copy(struct objstore *s, const char *src, const char *dst,
    const char *if_match, const struct objstore_attrs *replace,
    struct objstore_put_res *res, struct rerr *e);
/* CreateMultipartUpload; `*upload_id` is malloc'd for the caller. */
int objstore_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e);
/* UploadPart number `num` (1..10000); its etag goes to `etag`. */
int objstore_mpu_part(struct objstore *s, const char *key, const char *id,
    unsigned num, const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX],
    struct rerr *e);
/* UploadPartCopy of `len` bytes at `off` of `src` (-EINVAL if out of it). */
int objstore_mpu_part_copy(struct objstore *s, const char *key, const char *id,
    unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e);
/* CompleteMultipartUpload: the object becomes those parts, in that order;
 * every part but the last must be at least 5 MiB on S3. */
int objstore_mpu_complete(struct objstore *s, const char *key, const char *id,
    const struct objstore_part *parts, size_t n, struct objstore_put_res *res,
    struct rerr *e);
/* AbortMultipartUpload: drops the parts; -ENOENT if no such upload. */
int objstore_mpu_abort(
    struct objstore *s, const char *key, const char *id, struct rerr *e);
/* ListMultipartUploads, one page of at most `max` (0: 1000). */
int objstore_mpu_list(struct objstore *s, const char *prefix, const char *token,
    unsigned max, struct objstore_upload_page *pg, struct rerr *e);
/* Release the store (and, for a wrapper that owns it, the inner one). */
void objstore_free(struct objstore *s);

/* ---- Helpers built on the operations above (objstore.c). ---- */

/* Transfer tuning for put_large and get_fd; zeroed fields take defaults. */
struct objstore_xfer {
	uint64_t part_size;   /* default 8 MiB; put_large: also the threshold */
	unsigned concurrency; /* parallel requests; default 8 */
};

/* Put `n` bytes from memory, with an optional content type. */
int objstore_put_data(struct objstore *s, const char *key, const void *p,
    size_t n, const char *content_type, struct objstore_put_res *res,
    struct rerr *e);
/* Get a range into `out` (appended); its cap makes an oversized object
 * fail with -E2BIG.  `info` may be NULL. */
int objstore_get_buf(struct objstore *s, const char *key, uint64_t off,
    uint64_t len, const char *if_match, struct buf *out,
    struct objstore_info *info, struct rerr *e);
/*
 * Call `fn` for each page of a listing, stopping at its first non-zero
 * return (returned as is).  A listing that repeats a token or claims to be
 * truncated without one is refused with -EBADMSG instead of looping.
 */
int objstore_list_all(struct objstore *s, const struct objstore_list_req *q,
    int (*fn)(const struct objstore_list_page *pg, void *arg), void *arg,
    struct rerr *e);
/* Delete every key under `prefix` (which must not be empty) in batches;
 * `ndeleted` (may be NULL) counts the keys deleted, even on failure. */
int objstore_delete_prefix(
    struct objstore *s, const char *prefix, size_t *ndeleted, struct rerr *e);
/*
 * Store `b` as `key`: one PUT up to the part size, else a multipart upload
 * of parallel parts (the part size grows if 10000 parts would not hold the
 * body).  Complete or nothing: on any failure the upload is aborted, and the
 * key keeps its old object (unless a lost reply hid a completed upload).
 */
int objstore_put_large(struct objstore *s, const char *key,
    const struct objstore_body *b, const struct objstore_attrs *a,
    const struct objstore_xfer *x, struct objstore_put_res *res,
    struct rerr *e);
/*
 * Download the whole object to `fd`: parallel ranged gets written with
 * pwrite when `fd` is a regular file, else sequential writes.  Every range
 * after the first must match the first one's etag, so an object changed
 * mid-download is -ESTALE; a short or failed transfer is an error, never a
 * short file reported as success.  On failure the bytes written stay: write
 * to a temporary file and rename it on success.  `info` may be NULL.
 */
int objstore_get_fd(struct objstore *s, const char *key, int fd,
    const struct objstore_xfer *x, struct objstore_info *info, struct rerr *e);
/* Abort the multipart uploads under `prefix` initiated before `before`
 * (goofys's 48-hour sweep); `naborted` may be NULL. */
int objstore_abort_uploads(struct objstore *s, const char *prefix,
    time_t before, size_t *naborted, struct rerr *e);

#endif
