/*
 * roma s3 rm, head, presign, mb and rb: the commands that are one request
 * or a listing and a batch of deletes.
 */
#include "roma.h"
#include "cmd/cmd_s3.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char rm_usage[] =
    "usage: roma s3 rm s3://bucket/key [--recursive] [--quiet]\n"
    "           [--request-payer [requester]] [global options]\n"
    "\n"
    "Deletes an object; with --recursive, every object under the prefix\n"
    "(taken as a directory: s3://b/dir means the keys under dir/), in\n"
    "batches of 1000.  Each deleted key is printed as 'delete: s3://b/k';\n"
    "each key that could not be deleted is reported and the exit status\n"
    "is 1.\n";

static const char head_usage[] =
    "usage: roma s3 head s3://bucket/key [--sse-c [AES256] --sse-c-key KEY]\n"
    "           [--request-payer [requester]] [global options]\n"
    "\n"
    "Shows an object's size, date, ETag, content type and metadata.  An\n"
    "object encrypted with a customer key (SSE-C) needs that key, given\n"
    "as to 'roma s3 cp': --sse-c-key fileb://FILE.\n";

static const char presign_usage[] =
    "usage: roma s3 presign s3://bucket/key [--expires-in SECONDS]\n"
    "           [global options]\n"
    "\n"
    "Prints a presigned GET URL, valid for SECONDS (1 to 604800, default\n"
    "3600).  Anyone holding the URL can read the object until it expires.\n";

static const char mb_usage[] =
    "usage: roma s3 mb s3://bucket [global options]\n";

static const char rb_usage[] =
    "usage: roma s3 rb s3://bucket [--force] [global options]\n"
    "\n"
    "Removes an empty bucket; --force deletes its objects first.\n";

struct obj {
	struct s3cmd *g;
	bool recursive, quiet, force;
	long expires;
	struct s3cmd_url u;
	struct s3_client *c;
	uint64_t ndeleted, nfailed;
	struct s3cmd_json j, jf;  /* deleted keys, failures (--json) */
	struct s3cmd_objflags of; /* head: the SSE-C key */
};

enum { O_RECURSIVE = 'r', O_QUIET = 'q', O_FORCE = 'f', O_EXPIRES = 'e' };

static const struct option obj_opts[] = {
	{ "recursive", no_argument, NULL, O_RECURSIVE },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "only-show-errors", no_argument, NULL, O_QUIET },
	{ "force", no_argument, NULL, O_FORCE },
	{ "expires-in", required_argument, NULL, O_EXPIRES },
	{ NULL, 0, NULL, 0 },
};

static int
obj_opt(int c, const char *arg, void *ctx)
{
	struct obj *o = ctx;
	uint64_t v;

	switch (c) {
	case O_RECURSIVE:
		o->recursive = true;
		break;
	case O_QUIET:
		o->quiet = true;
		break;
	case O_FORCE:
		o->force = true;
		break;
	case O_EXPIRES:
		if (str_to_u64(arg, 604800, &v) != 0 || v == 0)
			return s3cmd_usage_error(o->g,
			    "--expires-in wants 1 to 604800 seconds, not '%s'",
			    arg);
		o->expires = (long)v;
		break;
	}
	return 0;
}

/*
 * Parse the command line: one s3:// argument, whose key must be there
 * (want_key 1), absent (-1) or either (0), and the object flags `flags`
 * (S3CMD_FL_*); then the client.  Returns -1 to go on, else the exit
 * status.
 */
static int
obj_start(struct obj *o, int argc, char **argv, int want_key, unsigned flags)
{
	struct s3cmd_spec spec = { obj_opts, "rqf", obj_opt, o, 1, 1, flags };
	int r;

	if (flags & ~S3CMD_FL_PAYER)
		o->g->of = &o->of;

	s3cmd_jinit(&o->j);
	s3cmd_jinit(&o->jf);
	if ((r = s3cmd_parse(o->g, argc, argv, &spec)) >= 0)
		return r;
	if (s3cmd_url_parse(o->g->args[0], &o->u) != 0)
		return s3cmd_usage_error(
		    o->g, "'%s' is not an s3:// URL", o->g->args[0]);
	if (want_key > 0 && o->u.key[0] == '\0')
		return s3cmd_usage_error(
		    o->g, "'%s' names no key", o->g->args[0]);
	if (want_key < 0 && o->u.key[0] != '\0')
		return s3cmd_usage_error(
		    o->g, "'%s' is not a bucket (s3://bucket)", o->g->args[0]);
	if ((o->c = s3cmd_client(o->g, 0, 0)) == NULL)
		return 1;
	return -1;
}

static int
obj_end(struct obj *o, int status)
{
	s3_client_free(o->c);
	s3cmd_url_release(&o->u);
	buf_release(&o->j.b);
	buf_release(&o->jf.b);
	return status;
}

/* ---- rm ---- */

static void
deleted(struct obj *o, const char *key)
{
	o->ndeleted++;
	if (o->g->json)
		s3cmd_jstr(&o->j, NULL, key);
	else if (!o->quiet)
		printf("delete: s3://%s/%s\n", o->u.bucket, key);
}

static void
delete_failed(struct obj *o, const char *key, const struct rerr *e)
{
	struct buf what = BUF_INIT;

	o->nfailed++;
	s3cmd_url_format(o->u.bucket, key, &what);
	if (o->g->json) {
		s3cmd_jopen(&o->jf, NULL, '{');
		s3cmd_jstr(&o->jf, "key", key);
		s3cmd_jerror(&o->jf, "error", what.ptr, e);
		s3cmd_jclose(&o->jf, '}');
	}
	buf_reset(&what);
	s3cmd_error_text(NULL, e, &what);
	s3cmd_warn(
	    o->g, "delete failed: s3://%s/%s: %s", o->u.bucket, key, what.ptr);
	buf_release(&what);
}

static int
rm_page(const struct xml_list_page *pg, void *arg)
{
	struct obj *o = arg;
	const char **keys;
	int *errs;
	struct rerr e;
	size_t i;

	if (pg->nobjects == 0)
		return 0;
	keys = xcalloc(pg->nobjects, sizeof(*keys));
	errs = xcalloc(pg->nobjects, sizeof(*errs));
	for (i = 0; i < pg->nobjects; i++)
		keys[i] = pg->objects[i].key;
	rerr_clear(&e);
	s3_delete_objects(o->c, o->u.bucket, keys, pg->nobjects, errs, &e);
	for (i = 0; i < pg->nobjects; i++) {
		if (errs[i] == 0) {
			deleted(o, keys[i]);
			continue;
		}
		/* `e` names the first failure; the others get their errno. */
		if (e.err != -errs[i] && e.err != 0)
			rerr_set(&e, errs[i], "%s", strerror(-errs[i]));
		delete_failed(o, keys[i], &e);
	}
	free(keys);
	free(errs);
	return 0;
}

/* Every object under `prefix`; 0, or 1 after reporting a listing error. */
static int
rm_all(struct obj *o, const char *prefix)
{
	struct s3_list_opts q = { 0 };
	struct buf p = BUF_INIT, what = BUF_INIT;
	struct rerr e;
	int r;

	/* A prefix is a directory: s3://b/dir must not take s3://b/dirt. */
	buf_adds(&p, prefix);
	if (p.len && p.ptr[p.len - 1] != '/')
		buf_addc(&p, '/');
	q.prefix = p.ptr;
	rerr_clear(&e);
	if ((r = s3_list_all(o->c, o->u.bucket, &q, rm_page, o, &e)) != 0) {
		s3cmd_url_format(o->u.bucket, p.ptr, &what);
		s3cmd_fail(o->g, what.ptr, &e);
		buf_release(&what);
	}
	buf_release(&p);
	return r != 0;
}

static void
rm_json(struct obj *o)
{
	struct s3cmd_json j;

	s3cmd_jclose(&o->j, ']');
	s3cmd_jclose(&o->jf, ']');
	s3cmd_jinit(&j);
	s3cmd_jopen(&j, NULL, '{');
	s3cmd_jstr(&j, "bucket", o->u.bucket);
	s3cmd_jraw(&j, "deleted", o->j.b.ptr);
	s3cmd_jraw(&j, "failed", o->jf.b.ptr);
	s3cmd_jclose(&j, '}');
	s3cmd_jprint(&j);
}

int
s3cmd_rm(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "rm", .usage = rm_usage };
	struct obj o = { .g = &g };
	struct rerr e;
	int r;

	if ((r = obj_start(&o, argc, argv, 0, S3CMD_FL_PAYER)) >= 0)
		return obj_end(&o, r);
	if (!o.recursive && o.u.key[0] == '\0')
		return obj_end(&o,
		    s3cmd_usage_error(&g,
		        "'%s' names no key (add --recursive to empty a prefix)",
		        g.args[0]));
	s3cmd_jopen(&o.j, NULL, '[');
	s3cmd_jopen(&o.jf, NULL, '[');
	rerr_clear(&e);
	if (o.recursive) {
		if ((r = rm_all(&o, o.u.key)) != 0)
			return obj_end(&o, r);
	} else if (s3_delete_object(o.c, o.u.bucket, o.u.key, &e) != 0) {
		delete_failed(&o, o.u.key, &e);
	} else {
		deleted(&o, o.u.key);
	}
	if (g.json)
		rm_json(&o);
	return obj_end(&o, o.nfailed ? 1 : 0);
}

/* ---- head ---- */

static void
head_json(const struct obj *o, const struct s3_object_info *in)
{
	struct s3cmd_json j;
	size_t i;

	s3cmd_jinit(&j);
	s3cmd_jopen(&j, NULL, '{');
	s3cmd_jstr(&j, "bucket", o->u.bucket);
	s3cmd_jstr(&j, "key", o->u.key);
	s3cmd_ju64(&j, "size", in->size);
	s3cmd_jtime(&j, "last_modified", in->mtime);
	s3cmd_jstr(&j, "etag", in->etag);
	s3cmd_jstr(&j, "content_type", in->content_type);
	s3cmd_jopen(&j, "metadata", '{');
	for (i = 0; i < in->nmeta; i++)
		s3cmd_jstr(&j, in->meta[i].name, in->meta[i].value);
	s3cmd_jclose(&j, '}');
	s3cmd_jclose(&j, '}');
	s3cmd_jprint(&j);
}

static void
head_text(const struct obj *o, const struct s3_object_info *in)
{
	char date[32];
	size_t i;

	s3cmd_time_iso(in->mtime, date);
	printf("key            s3://%s/%s\n", o->u.bucket, o->u.key);
	printf("size           %llu\n", (unsigned long long)in->size);
	printf("last-modified  %s\n", date);
	printf("etag           \"%s\"\n", in->etag);
	printf(
	    "content-type   %s\n", in->content_type ? in->content_type : "-");
	for (i = 0; i < in->nmeta; i++)
		printf(
		    "x-amz-meta-%s  %s\n", in->meta[i].name, in->meta[i].value);
}

int
s3cmd_head(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "head", .usage = head_usage };
	struct obj o = { .g = &g };
	struct s3_object_info in = { 0 };
	struct rerr e;
	int r;

	r = obj_start(&o, argc, argv, 1, S3CMD_FL_PAYER | S3CMD_FL_KEY);
	if (r >= 0)
		return obj_end(&o, r);
	rerr_clear(&e);
	if (s3_head_object(o.c, o.u.bucket, o.u.key, &o.of.cfg, &in, &e) != 0) {
		r = s3cmd_fail(&g, g.args[0], &e);
	} else {
		if (g.json)
			head_json(&o, &in);
		else
			head_text(&o, &in);
		r = 0;
	}
	s3_object_info_release(&in);
	return obj_end(&o, r);
}

/* ---- presign ---- */

int
s3cmd_presign(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "presign", .usage = presign_usage };
	struct obj o = { .g = &g, .expires = 3600 };
	struct buf url = BUF_INIT;
	struct s3cmd_json j;
	struct rerr e;
	int r;

	if ((r = obj_start(&o, argc, argv, 1, 0)) >= 0)
		return obj_end(&o, r);
	rerr_clear(&e);
	r = s3_presign(o.c, "GET", o.u.bucket, o.u.key, o.expires, &url, &e);
	if (r != 0) {
		r = s3cmd_fail(&g, g.args[0], &e);
	} else if (g.json) {
		s3cmd_jinit(&j);
		s3cmd_jopen(&j, NULL, '{');
		s3cmd_jstr(&j, "url", url.ptr);
		s3cmd_ju64(&j, "expires_in", (uint64_t)o.expires);
		s3cmd_jclose(&j, '}');
		s3cmd_jprint(&j);
	} else {
		printf("%s\n", url.ptr);
	}
	buf_release(&url);
	return obj_end(&o, r);
}

/* ---- mb, rb ---- */

static void
bucket_done(const struct obj *o, const char *verb, const char *field)
{
	struct s3cmd_json j;

	if (!o->g->json) {
		printf("%s: s3://%s\n", verb, o->u.bucket);
		return;
	}
	s3cmd_jinit(&j);
	s3cmd_jopen(&j, NULL, '{');
	s3cmd_jstr(&j, "bucket", o->u.bucket);
	s3cmd_jbool(&j, field, true);
	if (strcmp(field, "removed") == 0)
		s3cmd_ju64(&j, "objects_deleted", o->ndeleted);
	s3cmd_jclose(&j, '}');
	s3cmd_jprint(&j);
}

int
s3cmd_mb(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "mb", .usage = mb_usage };
	struct obj o = { .g = &g };
	struct rerr e;
	int r;

	if ((r = obj_start(&o, argc, argv, -1, 0)) >= 0)
		return obj_end(&o, r);
	rerr_clear(&e);
	if (s3_create_bucket(o.c, o.u.bucket, NULL, &e) != 0)
		return obj_end(&o, s3cmd_fail(&g, g.args[0], &e));
	bucket_done(&o, "make_bucket", "created");
	return obj_end(&o, 0);
}

int
s3cmd_rb(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "rb", .usage = rb_usage };
	struct obj o = { .g = &g };
	struct rerr e;
	int r;

	if ((r = obj_start(&o, argc, argv, -1, 0)) >= 0)
		return obj_end(&o, r);
	/* --force: the objects first, reported as rm reports them. */
	o.quiet = o.quiet || g.json;
	if (o.force && (rm_all(&o, "") != 0 || o.nfailed != 0)) {
		s3cmd_warn(
		    &g, "s3://%s: not removed: objects remain", o.u.bucket);
		return obj_end(&o, 1);
	}
	rerr_clear(&e);
	if (s3_delete_bucket(o.c, o.u.bucket, &e) != 0)
		return obj_end(&o, s3cmd_fail(&g, g.args[0], &e));
	bucket_done(&o, "remove_bucket", "removed");
	return obj_end(&o, 0);
}
