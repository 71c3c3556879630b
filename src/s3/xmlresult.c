/*
 * xmlresult.c - schemas for the results of S3 write requests: multipart
 * create and complete, copies, and multi-object delete.
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

/* Small replies: a few top-level strings each. */

enum { F_BUCKET, F_KEY, F_UPLOAD_ID, F_LOCATION, F_ETAG, F_MTIME };

static const struct xml_rule init_rules[] = {
	{ "Bucket", F_BUCKET, true },
	{ "Key", F_KEY, true },
	{ "UploadId", F_UPLOAD_ID, true },
};

static const struct xml_rule done_rules[] = {
	{ "Location", F_LOCATION, true },
	{ "Bucket", F_BUCKET, true },
	{ "Key", F_KEY, true },
	{ "ETag", F_ETAG, true },
};

static const struct xml_rule copy_rules[] = {
	{ "ETag", F_ETAG, true },
	{ "LastModified", F_MTIME, true },
};

/* One flat record for the three: each parser copies out what it has. */
struct flat {
	struct xml_mem mem;
	const char *s[F_MTIME];
	time_t mtime;
};

static int
flat_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct flat *f = arg;

	if (ev != XML_CLOSE)
		return 0;
	if (id == F_MTIME)
		return xml_get_time(text, "LastModified", &f->mtime, e);
	if (id == F_ETAG)
		f->s[id] = xml_mem_etag(&f->mem, text, len);
	else
		f->s[id] = xml_mem_strndup(&f->mem, text, len);
	return 0;
}

/* Parse into `f`, requiring field `need`; on failure `f` holds nothing. */
static int
flat_parse(const char *body, size_t len, const struct xml_schema *s,
    struct flat *f, int need, struct rerr *e)
{
	const char *what = "";
	size_t i;
	int r;

	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].id == need)
			what = s->rules[i].path;
	memset(f, 0, sizeof(*f));
	if ((r = xml_parse(body, len, s, f, e)) == 0 &&
	    (f->s[need] == NULL || f->s[need][0] == '\0'))
		r = rerr_set(
		    e, -EBADMSG, "S3 reply: <%s> without <%s>", s->root, what);
	if (r != 0) {
		xml_mem_free(&f->mem);
		return r;
	}
	for (i = 0; i < ARRAY_SIZE(f->s); i++)
		f->s[i] = or_empty(f->s[i]);
	return 0;
}

int
xml_parse_mpu_init(
    const char *body, size_t len, struct xml_mpu_init *out, struct rerr *e)
{
	static const struct xml_schema s = { "InitiateMultipartUploadResult",
		NULL, init_rules, ARRAY_SIZE(init_rules), flat_fn };
	struct flat f;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = flat_parse(body, len, &s, &f, F_UPLOAD_ID, e)) != 0)
		return r;
	out->bucket = f.s[F_BUCKET];
	out->key = f.s[F_KEY];
	out->upload_id = f.s[F_UPLOAD_ID];
	out->mem = f.mem;
	return 0;
}

int
xml_parse_mpu_done(
    const char *body, size_t len, struct xml_mpu_done *out, struct rerr *e)
{
	static const struct xml_schema s = { "CompleteMultipartUploadResult",
		"CompleteMultipartUploadResponse", done_rules,
		ARRAY_SIZE(done_rules), flat_fn };
	struct flat f;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = flat_parse(body, len, &s, &f, F_ETAG, e)) != 0)
		return r;
	out->location = f.s[F_LOCATION];
	out->bucket = f.s[F_BUCKET];
	out->key = f.s[F_KEY];
	out->etag = f.s[F_ETAG];
	out->mem = f.mem;
	return 0;
}

int
xml_parse_copy(
    const char *body, size_t len, struct xml_copy *out, struct rerr *e)
{
	static const struct xml_schema s = { "CopyObjectResult",
		"CopyPartResult", copy_rules, ARRAY_SIZE(copy_rules), flat_fn };
	struct flat f;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = flat_parse(body, len, &s, &f, F_ETAG, e)) != 0)
		return r;
	out->etag = f.s[F_ETAG];
	out->mtime = f.mtime;
	out->mem = f.mem;
	return 0;
}

/* DeleteObjects. */

enum {
	D_DELETED,
	D_KEY,
	D_VERSION,
	D_ERROR,
	D_EKEY,
	D_EVERSION,
	D_CODE,
	D_MSG
};

static const struct xml_rule delete_rules[] = {
	{ "Deleted", D_DELETED, false },
	{ "Deleted/Key", D_KEY, true },
	{ "Deleted/VersionId", D_VERSION, true },
	{ "Error", D_ERROR, false },
	{ "Error/Key", D_EKEY, true },
	{ "Error/VersionId", D_EVERSION, true },
	{ "Error/Code", D_CODE, true },
	{ "Error/Message", D_MSG, true },
};

struct delete_state {
	struct xml_delete_result *dr;
	size_t dcap, ecap;
	struct xml_deleted *d;
	struct xml_delete_error *x;
};

static int
delete_open(struct delete_state *st, int id, struct rerr *e)
{
	struct xml_delete_result *dr = st->dr;
	void *p;
	int r;

	if (id == D_DELETED) {
		p = dr->deleted;
		if ((r = xml_mem_grow(&dr->mem, &p, dr->ndeleted, &st->dcap,
		         sizeof(*dr->deleted), e)) != 0)
			return r;
		dr->deleted = p;
		st->d = &dr->deleted[dr->ndeleted++];
	} else {
		p = dr->errors;
		if ((r = xml_mem_grow(&dr->mem, &p, dr->nerrors, &st->ecap,
		         sizeof(*dr->errors), e)) != 0)
			return r;
		dr->errors = p;
		st->x = &dr->errors[dr->nerrors++];
	}
	return 0;
}

static int
delete_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct delete_state *st = arg;
	struct xml_mem *m = &st->dr->mem;

	if (ev == XML_OPEN)
		return id == D_DELETED || id == D_ERROR ? delete_open(st, id, e)
		                                        : 0;
	switch (id) {
	case D_DELETED:
		if (st->d->key == NULL)
			return rerr_set(
			    e, -EBADMSG, "S3 reply: <Deleted> without <Key>");
		st->d->version_id = or_empty(st->d->version_id);
		break;
	case D_ERROR:
		st->x->key = or_empty(st->x->key);
		st->x->version_id = or_empty(st->x->version_id);
		st->x->message = or_empty(st->x->message);
		if (st->x->code == NULL || st->x->code[0] == '\0')
			return rerr_set(
			    e, -EBADMSG, "S3 reply: <Error> without <Code>");
		break;
	case D_KEY:
		st->d->key = xml_mem_strndup(m, text, len);
		break;
	case D_VERSION:
		st->d->version_id = xml_mem_strndup(m, text, len);
		break;
	case D_EKEY:
		st->x->key = xml_mem_strndup(m, text, len);
		break;
	case D_EVERSION:
		st->x->version_id = xml_mem_strndup(m, text, len);
		break;
	case D_CODE:
		st->x->code = xml_mem_strndup(m, text, len);
		break;
	case D_MSG:
		st->x->message = xml_mem_strndup(m, text, len);
		break;
	}
	return 0;
}

int
xml_parse_delete_result(
    const char *body, size_t len, struct xml_delete_result *out, struct rerr *e)
{
	static const struct xml_schema s = { "DeleteResult", NULL, delete_rules,
		ARRAY_SIZE(delete_rules), delete_fn };
	struct delete_state st = { .dr = out };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = xml_parse(body, len, &s, &st, e)) != 0) {
		xml_mem_free(&out->mem);
		memset(out, 0, sizeof(*out));
	}
	return r;
}
