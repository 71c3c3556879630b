/*
 * xmlresp.c - schemas for S3's listings, over the driver in xml.c: objects
 * (ListObjectsV2), buckets and multipart uploads.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/rerr.h"

#include <errno.h>
#include <string.h>

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/* Decode a field in place (it lives in the arena) when it is present. */
static int
decode(const char **s, const char *what, struct rerr *e)
{
	return *s ? xml_url_decode((char *)*s, what, e) : 0;
}

static int
add_prefix(struct xml_mem *m, const char ***arr, size_t *n, size_t *cap,
    const char *text, size_t len, struct rerr *e)
{
	void *p = *arr;
	int r;

	if ((r = xml_mem_grow(m, &p, *n, cap, sizeof(**arr), e)) != 0)
		return r;
	*arr = p;
	(*arr)[(*n)++] = xml_mem_strndup(m, text, len);
	return 0;
}

/* ListObjectsV2. */

enum {
	LO_NAME,
	LO_PREFIX,
	LO_DELIMITER,
	LO_START_AFTER,
	LO_ENCODING,
	LO_TOKEN,
	LO_NEXT_TOKEN,
	LO_KEY_COUNT,
	LO_MAX_KEYS,
	LO_TRUNCATED,
	LO_CONTENTS,
	LO_KEY,
	LO_MTIME,
	LO_ETAG,
	LO_SIZE,
	LO_CLASS,
	LO_COMMON_PREFIX,
};

static const struct xml_rule list_rules[] = {
	{ "Name", LO_NAME, true },
	{ "Prefix", LO_PREFIX, true },
	{ "Delimiter", LO_DELIMITER, true },
	{ "StartAfter", LO_START_AFTER, true },
	{ "EncodingType", LO_ENCODING, true },
	{ "ContinuationToken", LO_TOKEN, true },
	{ "NextContinuationToken", LO_NEXT_TOKEN, true },
	{ "KeyCount", LO_KEY_COUNT, true },
	{ "MaxKeys", LO_MAX_KEYS, true },
	{ "IsTruncated", LO_TRUNCATED, true },
	{ "Contents", LO_CONTENTS, false },
	{ "Contents/Key", LO_KEY, true },
	{ "Contents/LastModified", LO_MTIME, true },
	{ "Contents/ETag", LO_ETAG, true },
	{ "Contents/Size", LO_SIZE, true },
	{ "Contents/StorageClass", LO_CLASS, true },
	{ "CommonPrefixes/Prefix", LO_COMMON_PREFIX, true },
};

struct list_state {
	struct xml_list_page *pg;
	size_t cap, pcap;
	struct xml_object *obj; /* inside <Contents> */
	bool has_size;
};

static int
contents_fn(struct list_state *st, enum xml_event ev, struct rerr *e)
{
	struct xml_list_page *pg = st->pg;
	void *p = pg->objects;
	int r;

	if (ev == XML_OPEN) {
		if ((r = xml_mem_grow(&pg->mem, &p, pg->nobjects, &st->cap,
		         sizeof(*pg->objects), e)) != 0)
			return r;
		pg->objects = p;
		st->obj = &pg->objects[pg->nobjects++];
		st->has_size = false;
		return 0;
	}
	if (st->obj->key == NULL || st->obj->key[0] == '\0' || !st->has_size)
		return rerr_set(e, -EBADMSG,
		    "S3 reply: <Contents> without <Key> or <Size>");
	st->obj = NULL;
	return 0;
}

static int
object_fn(
    struct list_state *st, int id, const char *text, size_t len, struct rerr *e)
{
	struct xml_object *o = st->obj;
	struct xml_mem *m = &st->pg->mem;

	switch (id) {
	case LO_KEY:
		o->key = xml_mem_strndup(m, text, len);
		return 0;
	case LO_MTIME:
		return xml_get_time(text, "LastModified", &o->mtime, e);
	case LO_ETAG:
		o->etag = xml_mem_etag(m, text, len);
		return 0;
	case LO_SIZE:
		st->has_size = true;
		return xml_get_u64(text, "Size", &o->size, e);
	case LO_CLASS:
		o->storage_class = xml_mem_strndup(m, text, len);
		return 0;
	}
	return 0;
}

static int
list_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct list_state *st = arg;
	struct xml_list_page *pg = st->pg;
	struct xml_mem *m = &pg->mem;

	if (id == LO_CONTENTS)
		return contents_fn(st, ev, e);
	if (ev != XML_CLOSE)
		return 0;
	switch (id) {
	case LO_NAME:
		pg->name = xml_mem_strndup(m, text, len);
		return 0;
	case LO_PREFIX:
		pg->prefix = xml_mem_strndup(m, text, len);
		return 0;
	case LO_DELIMITER:
		pg->delimiter = xml_mem_strndup(m, text, len);
		return 0;
	case LO_START_AFTER:
		pg->start_after = xml_mem_strndup(m, text, len);
		return 0;
	case LO_ENCODING:
		pg->encoding_type = xml_mem_strndup(m, text, len);
		return 0;
	case LO_TOKEN:
		pg->continuation_token = xml_mem_strndup(m, text, len);
		return 0;
	case LO_NEXT_TOKEN:
		pg->next_token = xml_mem_strndup(m, text, len);
		return 0;
	case LO_KEY_COUNT:
		return xml_get_u64(text, "KeyCount", &pg->key_count, e);
	case LO_MAX_KEYS:
		return xml_get_u64(text, "MaxKeys", &pg->max_keys, e);
	case LO_TRUNCATED:
		return xml_get_bool(text, "IsTruncated", &pg->is_truncated, e);
	case LO_COMMON_PREFIX:
		return add_prefix(
		    m, &pg->prefixes, &pg->nprefixes, &st->pcap, text, len, e);
	}
	return object_fn(st, id, text, len, e);
}

/* EncodingType=url covers these fields (AWS ListObjectsV2 docs). */
static int
list_decode(struct xml_list_page *pg, struct rerr *e)
{
	size_t i;
	int r;

	if ((r = decode(&pg->prefix, "Prefix", e)) != 0 ||
	    (r = decode(&pg->delimiter, "Delimiter", e)) != 0 ||
	    (r = decode(&pg->start_after, "StartAfter", e)) != 0)
		return r;
	for (i = 0; i < pg->nobjects; i++)
		if ((r = decode(&pg->objects[i].key, "Key", e)) != 0)
			return r;
	for (i = 0; i < pg->nprefixes; i++)
		if ((r = decode(&pg->prefixes[i], "Prefix", e)) != 0)
			return r;
	return 0;
}

static int
list_finish(struct xml_list_page *pg, struct rerr *e)
{
	size_t i;
	int r;

	/* Either would make the caller's paging loop spin or stop early. */
	if (pg->is_truncated && (pg->next_token == NULL || !pg->next_token[0]))
		return rerr_set(e, -EBADMSG,
		    "S3 listing: IsTruncated without NextContinuationToken");
	if (pg->is_truncated && pg->continuation_token &&
	    strcmp(pg->continuation_token, pg->next_token) == 0)
		return rerr_set(e, -EBADMSG,
		    "S3 listing: NextContinuationToken repeats the request's");
	if (pg->encoding_type && strcmp(pg->encoding_type, "url") == 0 &&
	    (r = list_decode(pg, e)) != 0)
		return r;
	pg->name = or_empty(pg->name);
	pg->prefix = or_empty(pg->prefix);
	pg->delimiter = or_empty(pg->delimiter);
	pg->start_after = or_empty(pg->start_after);
	pg->encoding_type = or_empty(pg->encoding_type);
	pg->continuation_token = or_empty(pg->continuation_token);
	pg->next_token = or_empty(pg->next_token);
	for (i = 0; i < pg->nobjects; i++) {
		pg->objects[i].etag = or_empty(pg->objects[i].etag);
		pg->objects[i].storage_class =
		    or_empty(pg->objects[i].storage_class);
	}
	return 0;
}

int
xml_parse_list_objects(
    const char *body, size_t len, struct xml_list_page *pg, struct rerr *e)
{
	static const struct xml_schema s = { "ListBucketResult", NULL,
		list_rules, ARRAY_SIZE(list_rules), list_fn };
	struct list_state st = { .pg = pg };
	int r;

	memset(pg, 0, sizeof(*pg));
	if ((r = xml_parse(body, len, &s, &st, e)) != 0 ||
	    (r = list_finish(pg, e)) != 0)
		xml_list_page_free(pg);
	return r;
}

void
xml_list_page_free(struct xml_list_page *pg)
{
	xml_mem_free(&pg->mem);
	memset(pg, 0, sizeof(*pg));
}

/* ListBuckets. */

enum { LB_OWNER_ID, LB_OWNER_NAME, LB_TOKEN, LB_BUCKET, LB_NAME, LB_DATE };

static const struct xml_rule buckets_rules[] = {
	{ "Owner/ID", LB_OWNER_ID, true },
	{ "Owner/DisplayName", LB_OWNER_NAME, true },
	{ "ContinuationToken", LB_TOKEN, true },
	{ "Buckets/Bucket", LB_BUCKET, false },
	{ "Buckets/Bucket/Name", LB_NAME, true },
	{ "Buckets/Bucket/CreationDate", LB_DATE, true },
};

struct buckets_state {
	struct xml_bucket_list *bl;
	size_t cap;
	struct xml_bucket *b;
};

static int
bucket_fn(struct buckets_state *st, enum xml_event ev, struct rerr *e)
{
	struct xml_bucket_list *bl = st->bl;
	void *p = bl->buckets;
	int r;

	if (ev == XML_OPEN) {
		if ((r = xml_mem_grow(&bl->mem, &p, bl->nbuckets, &st->cap,
		         sizeof(*bl->buckets), e)) != 0)
			return r;
		bl->buckets = p;
		st->b = &bl->buckets[bl->nbuckets++];
		return 0;
	}
	if (st->b->name == NULL || st->b->name[0] == '\0')
		return rerr_set(
		    e, -EBADMSG, "S3 reply: <Bucket> without <Name>");
	st->b = NULL;
	return 0;
}

static int
buckets_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct buckets_state *st = arg;
	struct xml_bucket_list *bl = st->bl;

	if (id == LB_BUCKET)
		return bucket_fn(st, ev, e);
	if (ev != XML_CLOSE)
		return 0;
	switch (id) {
	case LB_OWNER_ID:
		bl->owner_id = xml_mem_strndup(&bl->mem, text, len);
		break;
	case LB_OWNER_NAME:
		bl->owner_name = xml_mem_strndup(&bl->mem, text, len);
		break;
	case LB_TOKEN:
		bl->continuation_token = xml_mem_strndup(&bl->mem, text, len);
		break;
	case LB_NAME:
		st->b->name = xml_mem_strndup(&bl->mem, text, len);
		break;
	case LB_DATE:
		return xml_get_time(text, "CreationDate", &st->b->created, e);
	}
	return 0;
}

int
xml_parse_list_buckets(
    const char *body, size_t len, struct xml_bucket_list *out, struct rerr *e)
{
	static const struct xml_schema s = { "ListAllMyBucketsResult", NULL,
		buckets_rules, ARRAY_SIZE(buckets_rules), buckets_fn };
	struct buckets_state st = { .bl = out };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = xml_parse(body, len, &s, &st, e)) != 0) {
		xml_mem_free(&out->mem);
		memset(out, 0, sizeof(*out));
		return r;
	}
	out->owner_id = or_empty(out->owner_id);
	out->owner_name = or_empty(out->owner_name);
	out->continuation_token = or_empty(out->continuation_token);
	return 0;
}

/* ListMultipartUploads. */

enum {
	LU_BUCKET,
	LU_PREFIX,
	LU_DELIMITER,
	LU_ENCODING,
	LU_KEY_MARKER,
	LU_ID_MARKER,
	LU_NEXT_KEY,
	LU_NEXT_ID,
	LU_MAX,
	LU_TRUNCATED,
	LU_UPLOAD,
	LU_KEY,
	LU_ID,
	LU_INITIATED,
	LU_COMMON_PREFIX,
};

static const struct xml_rule uploads_rules[] = {
	{ "Bucket", LU_BUCKET, true },
	{ "Prefix", LU_PREFIX, true },
	{ "Delimiter", LU_DELIMITER, true },
	{ "EncodingType", LU_ENCODING, true },
	{ "KeyMarker", LU_KEY_MARKER, true },
	{ "UploadIdMarker", LU_ID_MARKER, true },
	{ "NextKeyMarker", LU_NEXT_KEY, true },
	{ "NextUploadIdMarker", LU_NEXT_ID, true },
	{ "MaxUploads", LU_MAX, true },
	{ "IsTruncated", LU_TRUNCATED, true },
	{ "Upload", LU_UPLOAD, false },
	{ "Upload/Key", LU_KEY, true },
	{ "Upload/UploadId", LU_ID, true },
	{ "Upload/Initiated", LU_INITIATED, true },
	{ "CommonPrefixes/Prefix", LU_COMMON_PREFIX, true },
};

struct uploads_state {
	struct xml_upload_list *ul;
	size_t cap, pcap;
	struct xml_upload *u;
};

static int
upload_fn(struct uploads_state *st, enum xml_event ev, struct rerr *e)
{
	struct xml_upload_list *ul = st->ul;
	void *p = ul->uploads;
	int r;

	if (ev == XML_OPEN) {
		if ((r = xml_mem_grow(&ul->mem, &p, ul->nuploads, &st->cap,
		         sizeof(*ul->uploads), e)) != 0)
			return r;
		ul->uploads = p;
		st->u = &ul->uploads[ul->nuploads++];
		return 0;
	}
	if (st->u->key == NULL || st->u->key[0] == '\0' ||
	    st->u->upload_id == NULL || st->u->upload_id[0] == '\0')
		return rerr_set(e, -EBADMSG,
		    "S3 reply: <Upload> without <Key> or <UploadId>");
	st->u = NULL;
	return 0;
}

/* The string fields of the reply itself, by rule id. */
static const char **
uploads_field(struct xml_upload_list *ul, int id)
{
	switch (id) {
	case LU_BUCKET:
		return &ul->bucket;
	case LU_PREFIX:
		return &ul->prefix;
	case LU_DELIMITER:
		return &ul->delimiter;
	case LU_ENCODING:
		return &ul->encoding_type;
	case LU_KEY_MARKER:
		return &ul->key_marker;
	case LU_ID_MARKER:
		return &ul->upload_id_marker;
	case LU_NEXT_KEY:
		return &ul->next_key_marker;
	case LU_NEXT_ID:
		return &ul->next_upload_id_marker;
	}
	return NULL;
}

static int
uploads_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct uploads_state *st = arg;
	struct xml_upload_list *ul = st->ul;
	const char **f;

	if (id == LU_UPLOAD)
		return upload_fn(st, ev, e);
	if (ev != XML_CLOSE)
		return 0;
	if ((f = uploads_field(ul, id)) != NULL) {
		*f = xml_mem_strndup(&ul->mem, text, len);
		return 0;
	}
	switch (id) {
	case LU_MAX:
		return xml_get_u64(text, "MaxUploads", &ul->max_uploads, e);
	case LU_TRUNCATED:
		return xml_get_bool(text, "IsTruncated", &ul->is_truncated, e);
	case LU_KEY:
		st->u->key = xml_mem_strndup(&ul->mem, text, len);
		return 0;
	case LU_ID:
		st->u->upload_id = xml_mem_strndup(&ul->mem, text, len);
		return 0;
	case LU_INITIATED:
		return xml_get_time(text, "Initiated", &st->u->initiated, e);
	case LU_COMMON_PREFIX:
		return add_prefix(&ul->mem, &ul->prefixes, &ul->nprefixes,
		    &st->pcap, text, len, e);
	}
	return 0;
}

/* EncodingType=url covers these (AWS ListMultipartUploads docs). */
static int
uploads_decode(struct xml_upload_list *ul, struct rerr *e)
{
	size_t i;
	int r;

	if ((r = decode(&ul->prefix, "Prefix", e)) != 0 ||
	    (r = decode(&ul->delimiter, "Delimiter", e)) != 0 ||
	    (r = decode(&ul->key_marker, "KeyMarker", e)) != 0 ||
	    (r = decode(&ul->next_key_marker, "NextKeyMarker", e)) != 0)
		return r;
	for (i = 0; i < ul->nuploads; i++)
		if ((r = decode(&ul->uploads[i].key, "Key", e)) != 0)
			return r;
	for (i = 0; i < ul->nprefixes; i++)
		if ((r = decode(&ul->prefixes[i], "Prefix", e)) != 0)
			return r;
	return 0;
}

static int
uploads_finish(struct xml_upload_list *ul, struct rerr *e)
{
	int id, r;

	if (ul->is_truncated &&
	    (ul->next_key_marker == NULL || !ul->next_key_marker[0]))
		return rerr_set(e, -EBADMSG,
		    "S3 listing: IsTruncated without NextKeyMarker");
	if (ul->encoding_type && strcmp(ul->encoding_type, "url") == 0 &&
	    (r = uploads_decode(ul, e)) != 0)
		return r;
	for (id = LU_BUCKET; id <= LU_NEXT_ID; id++) {
		const char **f = uploads_field(ul, id);

		*f = or_empty(*f);
	}
	return 0;
}

int
xml_parse_list_uploads(
    const char *body, size_t len, struct xml_upload_list *out, struct rerr *e)
{
	static const struct xml_schema s = { "ListMultipartUploadsResult", NULL,
		uploads_rules, ARRAY_SIZE(uploads_rules), uploads_fn };
	struct uploads_state st = { .ul = out };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = xml_parse(body, len, &s, &st, e)) != 0 ||
	    (r = uploads_finish(out, e)) != 0) {
		xml_mem_free(&out->mem);
		memset(out, 0, sizeof(*out));
	}
	return r;
}
