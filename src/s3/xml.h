/*
 * xml - S3's XML, in and out.  Replies are parsed with expat (only xml.c
 * includes it) by a small element-path state machine that copies the text of
 * the elements a schema names and ignores the rest; requests are written
 * with strict escaping.
 *
 * Every parser takes the whole body and either fills its result completely
 * or returns -EBADMSG (truncated, unparsable, a DOCTYPE, an element deeper or
 * longer than the caps, a malformed number, date or escape, a listing that
 * claims truncation without a token) with a message in `e`: never a partial
 * result.  Callers treat -EBADMSG as retryable.  Strings in results are
 * NUL-terminated, never NULL ("" when absent), and live in the result's
 * `mem`, freed with xml_mem_free() (or xml_list_page_free()); on failure the
 * result holds nothing to free.  Namespaces are ignored (s3rver sends a
 * wrong one, some replies none).  Nothing here does I/O or logs.
 */
#ifndef S3_XML_H
#define S3_XML_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct rerr;

#define XML_TEXT_MAX  16384  /* bytes of text in one element */
#define XML_DEPTH_MAX 32     /* element nesting */
#define XML_ITEMS_MAX 100000 /* list entries in one reply */
#define XML_KEYS_MAX  1000   /* keys in one DeleteObjects request */

/* expat's version, e.g. "2.8.3". */
const char *xml_version(void);

/* A bump allocator owning everything a result points to. */
struct xml_mem {
	void *chunks; /* opaque list */
	size_t left;  /* free bytes in the newest chunk */
	size_t total; /* bytes allocated so far */
};

void xml_mem_free(struct xml_mem *m);
/* Copy `n` bytes of `s` plus a NUL into `m`. */
char *xml_mem_strndup(struct xml_mem *m, const char *s, size_t n);
/* `n` zeroed bytes, suitably aligned. */
void *xml_mem_alloc(struct xml_mem *m, size_t n);
/* Make room for element `n` of `*arr` (`size` bytes each, `*cap` of them),
 * doubling into the arena; -EBADMSG beyond XML_ITEMS_MAX entries. */
int xml_mem_grow(struct xml_mem *m, void **arr, size_t n, size_t *cap,
    size_t size, struct rerr *e);
/* Copy an ETag without its surrounding quotes. */
const char *xml_mem_etag(struct xml_mem *m, const char *text, size_t len);

/*
 * The generic driver, for S3's replies here and for other AWS XML (STS).
 * A rule names an element by its path of local names below the root,
 * "Contents/Key" (the root itself is ""); the callback gets XML_OPEN when
 * it starts and XML_CLOSE when it ends, with its text for rules with `text`
 * (NUL-terminated, `len` bytes, child elements' text left out; such rules
 * must not nest).  The root must be `root` or `alt_root` (may be NULL).
 * The callback returns 0 or a -errno with `e` filled, which stops the parse
 * and is returned.
 */
enum xml_event { XML_OPEN, XML_CLOSE };

struct xml_rule {
	const char *path;
	int id;
	bool text;
};

struct xml_schema {
	const char *root;
	const char *alt_root;
	const struct xml_rule *rules;
	size_t nrules;
	int (*fn)(void *arg, int id, enum xml_event ev, const char *text,
	    size_t len, struct rerr *e);
};

int xml_parse(const char *body, size_t len, const struct xml_schema *s,
    void *arg, struct rerr *e);

/* Whether the document's root element is <Error> (a 200 from
 * CompleteMultipartUpload or CopyObject can be one). */
bool xml_is_error(const char *body, size_t len);

/* Value helpers for schema callbacks; each returns 0 or -EBADMSG with a
 * message naming `what`.  Leading and trailing XML space is ignored. */
int xml_get_u64(
    const char *text, const char *what, uint64_t *out, struct rerr *e);
int xml_get_bool(const char *text, const char *what, bool *out, struct rerr *e);
/* ISO 8601 UTC with optional fraction and Z or +hh:mm offset, or the
 * basic form "20150830T123600Z"; fractions are dropped. */
int xml_get_time(
    const char *text, const char *what, time_t *out, struct rerr *e);
/* Decode EncodingType=url text in place: %XX and '+' as space; a bad
 * escape or a decoded NUL is -EBADMSG. */
int xml_url_decode(char *s, const char *what, struct rerr *e);

/* <Error>: what S3 says went wrong.  Fields are truncated to fit. */
struct xml_error {
	char code[64];
	char message[512];
	char request_id[128];
	char host_id[256];
	char region[64]; /* AuthorizationHeaderMalformed: the right one */
	char bucket_region[64]; /* BucketRegion, when sent */
	char endpoint[256];     /* PermanentRedirect / TemporaryRedirect */
	time_t server_time;     /* RequestTimeTooSkewed's ServerTime, or 0 */
};

int xml_parse_error(
    const char *body, size_t len, struct xml_error *out, struct rerr *e);

/* ListObjectsV2.  Keys and prefixes are decoded when the reply says
 * EncodingType=url (s3rver ignores the request and sends them raw). */
struct xml_object {
	const char *key;
	const char *etag; /* without the quotes */
	const char *storage_class;
	uint64_t size;
	time_t mtime; /* 0 when absent */
};

struct xml_list_page {
	const char *name;
	const char *prefix;
	const char *delimiter;
	const char *start_after;
	const char *encoding_type;
	const char *continuation_token;
	const char *next_token; /* NextContinuationToken */
	uint64_t key_count;
	uint64_t max_keys;
	bool is_truncated; /* then next_token is non-empty */
	struct xml_object *objects;
	size_t nobjects;
	const char **prefixes; /* CommonPrefixes/Prefix */
	size_t nprefixes;
	struct xml_mem mem;
};

int xml_parse_list_objects(
    const char *body, size_t len, struct xml_list_page *pg, struct rerr *e);
void xml_list_page_free(struct xml_list_page *pg);

/* ListBuckets. */
struct xml_bucket {
	const char *name;
	time_t created;
};

struct xml_bucket_list {
	const char *owner_id;
	const char *owner_name;
	const char *continuation_token; /* newer paginated ListBuckets */
	struct xml_bucket *buckets;
	size_t nbuckets;
	struct xml_mem mem;
};

int xml_parse_list_buckets(
    const char *body, size_t len, struct xml_bucket_list *out, struct rerr *e);

/* CreateMultipartUpload; upload_id is required. */
struct xml_mpu_init {
	const char *bucket;
	const char *key;
	const char *upload_id;
	struct xml_mem mem;
};

int xml_parse_mpu_init(
    const char *body, size_t len, struct xml_mpu_init *out, struct rerr *e);

/* CompleteMultipartUpload (moto names the root ...Response); etag required,
 * without quotes.  Check xml_is_error first: S3 can answer 200 <Error>. */
struct xml_mpu_done {
	const char *location;
	const char *bucket;
	const char *key;
	const char *etag;
	struct xml_mem mem;
};

int xml_parse_mpu_done(
    const char *body, size_t len, struct xml_mpu_done *out, struct rerr *e);

/* CopyObjectResult or CopyPartResult; etag required, without quotes. */
struct xml_copy {
	const char *etag;
	time_t mtime;
	struct xml_mem mem;
};

int xml_parse_copy(
    const char *body, size_t len, struct xml_copy *out, struct rerr *e);

/* DeleteObjects: what was deleted, and the per-key failures. */
struct xml_deleted {
	const char *key;
	const char *version_id;
};

struct xml_delete_error {
	const char *key;
	const char *version_id;
	const char *code;
	const char *message;
};

struct xml_delete_result {
	struct xml_deleted *deleted;
	size_t ndeleted;
	struct xml_delete_error *errors;
	size_t nerrors;
	struct xml_mem mem;
};

int xml_parse_delete_result(const char *body, size_t len,
    struct xml_delete_result *out, struct rerr *e);

/* ListMultipartUploads; IsTruncated without NextKeyMarker is -EBADMSG. */
struct xml_upload {
	const char *key;
	const char *upload_id;
	time_t initiated;
};

struct xml_upload_list {
	const char *bucket;
	const char *prefix;
	const char *delimiter;
	const char *encoding_type;
	const char *key_marker;
	const char *upload_id_marker;
	const char *next_key_marker;
	const char *next_upload_id_marker;
	uint64_t max_uploads;
	bool is_truncated;
	struct xml_upload *uploads;
	size_t nuploads;
	const char **prefixes;
	size_t nprefixes;
	struct xml_mem mem;
};

int xml_parse_list_uploads(
    const char *body, size_t len, struct xml_upload_list *out, struct rerr *e);

/* GetBucketLocation into `region` (`size` bytes): empty means us-east-1,
 * the legacy "EU" eu-west-1.  -EBADMSG also when it does not fit. */
int xml_parse_location(
    const char *body, size_t len, char *region, size_t size, struct rerr *e);

/*
 * Writers.  Append to `out`; return 0, -E2BIG from buf, or -EINVAL (with
 * `e`) for what XML 1.0 cannot carry: invalid UTF-8, NUL and C0 controls
 * other than tab, LF and CR (which are written as &#x9; &#xA; &#xD;).
 */
int xml_escape(struct buf *out, const char *s, size_t n, struct rerr *e);
/* DeleteObjects body for `n` (1..XML_KEYS_MAX) keys. */
int xml_write_delete(struct buf *out, const char *const *keys, size_t n,
    bool quiet, struct rerr *e);

struct xml_part {
	unsigned number;  /* 1..10000, strictly increasing */
	const char *etag; /* with or without quotes */
};

/* CompleteMultipartUpload body. */
int xml_write_complete(
    struct buf *out, const struct xml_part *parts, size_t n, struct rerr *e);
/* CreateBucketConfiguration for `region`; nothing for "" or us-east-1,
 * where S3 refuses a LocationConstraint. */
int xml_write_create_bucket(
    struct buf *out, const char *region, struct rerr *e);

#endif
