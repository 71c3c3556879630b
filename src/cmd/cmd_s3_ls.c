/*
 * roma s3 ls: the buckets, or the objects and common prefixes under a
 * prefix, in the AWS CLI's columns.
 */
#include "roma.h"
#include "cmd/cmd_s3.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <stdio.h>
#include <string.h>

static const char ls_usage[] =
    "usage: roma s3 ls [s3://bucket[/prefix]] [--recursive]\n"
    "           [--human-readable] [--summarize]\n"
    "           [--request-payer [requester]] [global options]\n"
    "\n"
    "Without an argument, lists the buckets.  Otherwise lists the objects\n"
    "and (without --recursive) the common prefixes under the prefix, as\n"
    "'DATE TIME SIZE NAME' and '  PRE NAME/' lines.  Exits 1 when a prefix\n"
    "was given and nothing matched it.\n";

struct ls {
	struct s3cmd *g;
	bool recursive, human, summarize;
	struct s3cmd_url u;
	size_t strip; /* bytes of each key not shown (up to the last '/') */
	uint64_t nobjects, bytes, nprefixes;
	struct s3cmd_json j, jp; /* objects, and prefixes (--json) */
};

static int
ls_opt(int c, const char *arg, void *ctx)
{
	struct ls *l = ctx;

	(void)arg;
	if (c == 'r')
		l->recursive = true;
	else if (c == 'H')
		l->human = true;
	else if (c == 'S')
		l->summarize = true;
	return 0;
}

static const struct option ls_opts[] = {
	{ "recursive", no_argument, NULL, 'r' },
	{ "human-readable", no_argument, NULL, 'H' },
	{ "summarize", no_argument, NULL, 'S' },
	{ NULL, 0, NULL, 0 },
};

static void
size_text(const struct ls *l, uint64_t n, char out[32])
{
	if (l->human)
		s3cmd_human_size(n, out);
	else
		snprintf(out, 32, "%llu", (unsigned long long)n);
}

static void
show_object(struct ls *l, const struct xml_object *o)
{
	char date[32], size[32];

	l->nobjects++;
	l->bytes += o->size;
	if (l->g->json) {
		s3cmd_jopen(&l->j, NULL, '{');
		s3cmd_jstr(&l->j, "key", o->key);
		s3cmd_ju64(&l->j, "size", o->size);
		s3cmd_jtime(&l->j, "last_modified", o->mtime);
		s3cmd_jstr(&l->j, "etag", o->etag);
		s3cmd_jstr(&l->j, "storage_class",
		    o->storage_class[0] ? o->storage_class : NULL);
		s3cmd_jclose(&l->j, '}');
		return;
	}
	s3cmd_time_local(o->mtime, date);
	size_text(l, o->size, size);
	printf("%s %10s %s\n", date, size,
	    l->recursive ? o->key : o->key + l->strip);
}

static int
ls_page(const struct xml_list_page *pg, void *arg)
{
	struct ls *l = arg;
	size_t i;

	for (i = 0; i < pg->nprefixes; i++) {
		l->nprefixes++;
		if (l->g->json)
			s3cmd_jstr(&l->jp, NULL, pg->prefixes[i]);
		else
			printf("%30s %s\n", "PRE", pg->prefixes[i] + l->strip);
	}
	for (i = 0; i < pg->nobjects; i++)
		if (strlen(pg->objects[i].key) >= l->strip)
			show_object(l, &pg->objects[i]);
	return 0;
}

static void
summary(struct ls *l)
{
	char size[32];

	if (l->g->json) {
		s3cmd_jclose(&l->j, ']');
		s3cmd_jclose(&l->jp, ']');
		s3cmd_jraw(&l->j, "prefixes", l->jp.b.ptr);
		s3cmd_ju64(&l->j, "total_objects", l->nobjects);
		s3cmd_ju64(&l->j, "total_size", l->bytes);
		s3cmd_jclose(&l->j, '}');
		s3cmd_jprint(&l->j);
		return;
	}
	if (!l->summarize)
		return;
	size_text(l, l->bytes, size);
	printf("\nTotal Objects: %llu\n   Total Size: %s\n",
	    (unsigned long long)l->nobjects, size);
}

static int
list_objects(struct ls *l, struct s3_client *c)
{
	struct s3_list_opts q = { 0 };
	const char *slash = strrchr(l->u.key, '/');
	struct rerr e;
	struct buf what = BUF_INIT;
	int r;

	rerr_clear(&e);
	q.prefix = l->u.key;
	q.delimiter = l->recursive ? NULL : "/";
	l->strip = slash ? (size_t)(slash - l->u.key) + 1 : 0;
	if (l->g->json) {
		s3cmd_jopen(&l->j, NULL, '{');
		s3cmd_jstr(&l->j, "bucket", l->u.bucket);
		s3cmd_jstr(&l->j, "prefix", l->u.key);
		s3cmd_jopen(&l->j, "objects", '[');
		s3cmd_jopen(&l->jp, NULL, '[');
	}
	if ((r = s3_list_all(c, l->u.bucket, &q, ls_page, l, &e)) != 0) {
		buf_release(&l->j.b);
		buf_release(&l->jp.b);
		s3cmd_url_format(l->u.bucket, l->u.key, &what);
		s3cmd_fail(l->g, what.ptr, &e);
		buf_release(&what);
		return 1;
	}
	summary(l);
	buf_release(&l->jp.b);
	/* As the AWS CLI: a prefix that matched nothing is a failure. */
	return l->u.key[0] && l->nobjects + l->nprefixes == 0 ? 1 : 0;
}

static int
list_buckets(struct ls *l, struct s3_client *c)
{
	struct xml_bucket_list bl = { 0 };
	struct rerr e;
	char date[32];
	size_t i;

	rerr_clear(&e);
	if (s3_list_buckets(c, &bl, &e) != 0)
		return s3cmd_fail(l->g, "listing the buckets", &e);
	if (l->g->json) {
		s3cmd_jopen(&l->j, NULL, '{');
		s3cmd_jopen(&l->j, "buckets", '[');
	}
	for (i = 0; i < bl.nbuckets; i++) {
		if (!l->g->json) {
			s3cmd_time_local(bl.buckets[i].created, date);
			printf("%s %s\n", date, bl.buckets[i].name);
			continue;
		}
		s3cmd_jopen(&l->j, NULL, '{');
		s3cmd_jstr(&l->j, "name", bl.buckets[i].name);
		s3cmd_jtime(&l->j, "created", bl.buckets[i].created);
		s3cmd_jclose(&l->j, '}');
	}
	if (l->g->json) {
		s3cmd_jclose(&l->j, ']');
		s3cmd_jclose(&l->j, '}');
		s3cmd_jprint(&l->j);
	}
	xml_mem_free(&bl.mem);
	return 0;
}

int
s3cmd_ls(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "ls", .usage = ls_usage };
	struct ls l = { .g = &g };
	struct s3cmd_spec spec = { ls_opts, "r", ls_opt, &l, 0, 1,
		S3CMD_FL_PAYER };
	struct s3_client *c;
	int r;

	if ((r = s3cmd_parse(&g, argc, argv, &spec)) >= 0)
		return r;
	if (g.nargs == 1 && s3cmd_url_parse(g.args[0], &l.u) != 0)
		return s3cmd_usage_error(
		    &g, "'%s' is not s3://bucket[/prefix]", g.args[0]);
	s3cmd_jinit(&l.j);
	s3cmd_jinit(&l.jp);
	if ((c = s3cmd_client(&g, 0, 0)) == NULL) {
		r = 1;
	} else {
		r = g.nargs ? list_objects(&l, c) : list_buckets(&l, c);
		s3_client_free(c);
	}
	s3cmd_url_release(&l.u);
	return r;
}
