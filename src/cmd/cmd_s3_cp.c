/*
 * roma s3 cp SRC DST: parse, then plan the transfers (one, or a directory
 * tree or a prefix with --recursive) for cmd_s3_xfer.c to run.
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

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Transfers at once for --recursive: the AWS CLI's default. */
#define DEFAULT_FILES 10

static const char cp_usage[] =
    "usage: roma s3 cp SRC DST [--recursive] [--content-type TYPE]\n"
    "           [--part-size SIZE] [--concurrency N] [--quiet]\n"
    "           [--no-progress] [--sse [AES256|aws:kms]]\n"
    "           [--sse-kms-key-id ID] [--sse-c [AES256] --sse-c-key KEY]\n"
    "           [--sse-c-copy-source [AES256] --sse-c-copy-source-key KEY]\n"
    "           [--acl ACL] [--storage-class CLASS]\n"
    "           [--request-payer [requester]] [global options]\n"
    "\n"
    "Copies a local file (or '-' for stdin) to S3, an object to a local\n"
    "file (or '-' for stdout), or an object to another S3 location.  A\n"
    "destination ending in '/' (or an existing directory) gets the\n"
    "source's name.  --recursive copies a directory tree or every object\n"
    "under a prefix (taken as a directory).  Objects larger than the part\n"
    "size (default 8MiB, at least 5MiB) go up in parallel parts and come\n"
    "down in parallel ranges; downloads are written to a temporary name\n"
    "and renamed when complete.  A progress line is shown on stderr when\n"
    "it is a terminal; each transfer prints 'upload: SRC to DST' unless\n"
    "--quiet.  Exits 1 if any transfer failed, after naming each.\n"
    "\n"
    "As for the AWS CLI: --sse encrypts uploads and copies with SSE-S3\n"
    "(AES256) or SSE-KMS (aws:kms, with --sse-kms-key-id's key or the\n"
    "account's); --sse-c with --sse-c-key encrypts them with your key, and\n"
    "reads SSE-C objects (downloads, copy destinations); an S3-to-S3 copy\n"
    "of an SSE-C object needs --sse-c-copy-source with its key.  A KEY is\n"
    "32 raw bytes (not base64): fileb://FILE (its bytes; `openssl rand 32\n"
    ">FILE`), file://FILE (its text), or on the command line (warned\n"
    "about: others can read it there).  --acl sets a canned ACL,\n"
    "--storage-class the class; --request-payer requester accepts the\n"
    "charges of a requester-pays bucket.\n";

enum {
	O_RECURSIVE = 'r',
	O_QUIET = 'q',
	O_TYPE = 1,
	O_PART,
	O_CONC,
	O_NOPROG,
};

static const struct option cp_opts[] = {
	{ "recursive", no_argument, NULL, O_RECURSIVE },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "only-show-errors", no_argument, NULL, O_QUIET },
	{ "content-type", required_argument, NULL, O_TYPE },
	{ "part-size", required_argument, NULL, O_PART },
	{ "multipart-chunksize", required_argument, NULL, O_PART },
	{ "concurrency", required_argument, NULL, O_CONC },
	{ "no-progress", no_argument, NULL, O_NOPROG },
	{ NULL, 0, NULL, 0 },
};

static int
cp_opt(int c, const char *arg, void *ctx)
{
	struct s3cmd_cp *cp = ctx;
	uint64_t v;

	switch (c) {
	case O_RECURSIVE:
		cp->recursive = true;
		break;
	case O_QUIET:
		cp->quiet = true;
		break;
	case O_NOPROG:
		cp->no_progress = true;
		break;
	case O_TYPE:
		cp->content_type = arg;
		break;
	case O_PART:
		if (str_parse_size(arg, &v) != 0 || v < S3_PART_MIN ||
		    v > S3_PUT_MAX)
			return s3cmd_usage_error(cp->g,
			    "--part-size wants 5MiB to 5GiB, not '%s'", arg);
		cp->part_size = v;
		break;
	case O_CONC:
		if (str_to_u64(arg, 64, &v) != 0 || v == 0)
			return s3cmd_usage_error(cp->g,
			    "--concurrency wants 1 to 64, not '%s'", arg);
		cp->concurrency = (unsigned)v;
		break;
	}
	return 0;
}

/* ---- Names ---- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* `dir` + '/' (unless it ends so) + `name` into `out`. */
static void
join(struct buf *out, const char *dir, const char *name)
{
	buf_adds(out, dir);
	if (out->len && out->ptr[out->len - 1] != '/')
		buf_addc(out, '/');
	buf_adds(out, name);
}

/* A prefix taken as a directory: "" or ending in '/'. */
static void
dir_prefix(struct buf *out, const char *key)
{
	buf_adds(out, key);
	if (out->len && out->ptr[out->len - 1] != '/')
		buf_addc(out, '/');
}

/* mkdir -p of the directory holding `path`. */
static int
make_parents(const char *path)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = strchr(p + 1, '/'); s && r == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
	}
	free(p);
	return r;
}

/* A key's relative path is safe to create under a directory: no empty,
 * "." or ".." segment, not absolute. */
static bool
safe_relpath(const char *rel)
{
	const char *s = rel, *e;
	size_t n;

	if (*rel == '\0' || *rel == '/')
		return false;
	for (;;) {
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (e == NULL)
			return true;
		s = e + 1;
	}
}

/* ---- One transfer ---- */

static int
plan_upload(struct s3cmd_cp *cp, const char *src, const struct s3cmd_url *d)
{
	struct buf key = BUF_INIT;
	struct stat st;
	uint64_t size = 0;

	if (strcmp(src, "-") != 0) {
		if (stat(src, &st) != 0) {
			s3cmd_warn(cp->g, "%s: %s", src, strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode))
			return s3cmd_usage_error(
			    cp->g, "%s is a directory (use --recursive)", src);
		size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	}
	buf_adds(&key, d->key);
	if (key.len == 0 || key.ptr[key.len - 1] == '/') {
		if (strcmp(src, "-") == 0) {
			buf_release(&key);
			return s3cmd_usage_error(
			    cp->g, "an upload from stdin needs a key");
		}
		buf_adds(&key, base_name(src));
	}
	s3cmd_job_add(
	    cp, S3CMD_UPLOAD, src, d->bucket, key.ptr, NULL, NULL, size);
	s3cmd_progress_total(&cp->prog, size, 1);
	buf_release(&key);
	return 0;
}

static int
plan_download(struct s3cmd_cp *cp, const struct s3cmd_url *s, const char *dst)
{
	struct buf path = BUF_INIT;

	if (s->key[0] == '\0' || s->key[strlen(s->key) - 1] == '/')
		return s3cmd_usage_error(cp->g,
		    "s3://%s/%s names no object (use --recursive)", s->bucket,
		    s->key);
	if (strcmp(dst, "-") != 0 &&
	    (dst[strlen(dst) - 1] == '/' || is_dir(dst)))
		join(&path, dst, base_name(s->key));
	else
		buf_adds(&path, dst);
	s3cmd_job_add(
	    cp, S3CMD_DOWNLOAD, path.ptr, s->bucket, s->key, NULL, NULL, 0);
	s3cmd_progress_total(&cp->prog, 0, 1);
	buf_release(&path);
	return 0;
}

static int
plan_copy(
    struct s3cmd_cp *cp, const struct s3cmd_url *s, const struct s3cmd_url *d)
{
	struct buf key = BUF_INIT;

	if (s->key[0] == '\0')
		return s3cmd_usage_error(cp->g,
		    "s3://%s names no object (use --recursive)", s->bucket);
	buf_adds(&key, d->key);
	if (key.len == 0 || key.ptr[key.len - 1] == '/')
		buf_adds(&key, base_name(s->key));
	s3cmd_job_add(
	    cp, S3CMD_COPY, NULL, d->bucket, key.ptr, s->bucket, s->key, 0);
	s3cmd_progress_total(&cp->prog, 0, 1);
	buf_release(&key);
	return 0;
}

/* ---- Recursive plans ---- */

struct walk {
	struct s3cmd_cp *cp;
	const char *bucket;
	struct buf prefix; /* the destination's, as a directory */
	const char *dst;   /* downloads: the local directory */
	const char *sbucket;
	size_t strip; /* bytes of each listed key not in its name */
};

/* Every regular file under `dir` (symbolic links to files followed,
 * to directories not, so a loop cannot trap us). */
static int
walk_dir(struct walk *w, const char *dir, const char *rel)
{
	struct buf path = BUF_INIT, key = BUF_INIT, r = BUF_INIT;
	struct dirent **ents;
	struct stat st, lst;
	int n, i, bad = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		s3cmd_warn(w->cp->g, "%s: %s", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		buf_reset(&path);
		buf_reset(&r);
		buf_reset(&key);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		join(&path, dir, name);
		if (*rel)
			join(&r, rel, name);
		else
			buf_adds(&r, name);
		if (lstat(path.ptr, &lst) != 0 || stat(path.ptr, &st) != 0) {
			s3cmd_warn(
			    w->cp->g, "%s: %s", path.ptr, strerror(errno));
			bad = 1;
		} else if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode)) {
			bad |= walk_dir(w, path.ptr, r.ptr);
		} else if (S_ISREG(st.st_mode)) {
			buf_addf(&key, "%s%s", w->prefix.ptr, r.ptr);
			s3cmd_job_add(w->cp, S3CMD_UPLOAD, path.ptr, w->bucket,
			    key.ptr, NULL, NULL, (uint64_t)st.st_size);
			s3cmd_progress_total(
			    &w->cp->prog, (uint64_t)st.st_size, 1);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	buf_release(&path);
	buf_release(&key);
	buf_release(&r);
	return bad;
}

static int
list_page(const struct xml_list_page *pg, void *arg)
{
	struct walk *w = arg;
	struct buf to = BUF_INIT;
	const char *rel;
	size_t i;

	for (i = 0; i < pg->nobjects; i++) {
		const struct xml_object *o = &pg->objects[i];

		rel = o->key + w->strip;
		/* Directory markers ("dir/") hold nothing to copy. */
		if (rel[0] == '\0' || rel[strlen(rel) - 1] == '/')
			continue;
		buf_reset(&to);
		if (w->dst && !safe_relpath(rel)) {
			s3cmd_warn(w->cp->g,
			    "skipping s3://%s/%s: not a safe local path",
			    w->sbucket, o->key);
			w->cp->nfailed++;
			continue;
		}
		if (w->dst) {
			join(&to, w->dst, rel);
			s3cmd_job_add(w->cp, S3CMD_DOWNLOAD, to.ptr, w->sbucket,
			    o->key, NULL, NULL, o->size);
		} else {
			buf_addf(&to, "%s%s", w->prefix.ptr, rel);
			s3cmd_job_add(w->cp, S3CMD_COPY, NULL, w->bucket,
			    to.ptr, w->sbucket, o->key, o->size);
		}
		s3cmd_progress_total(&w->cp->prog, o->size, 1);
	}
	buf_release(&to);
	return 0;
}

/* The objects under s's prefix, as downloads into `dst` or copies. */
static int
plan_listing(struct s3cmd_cp *cp, struct walk *w, const struct s3cmd_url *s)
{
	struct s3_list_opts q = { 0 };
	struct buf sp = BUF_INIT, what = BUF_INIT;
	struct rerr e;
	size_t i;
	int r;

	dir_prefix(&sp, s->key);
	q.prefix = sp.ptr;
	w->sbucket = s->bucket;
	w->strip = sp.len;
	rerr_clear(&e);
	r = s3_list_all(cp->c, s->bucket, &q, list_page, w, &e);
	if (r != 0) {
		s3cmd_url_format(s->bucket, sp.ptr, &what);
		s3cmd_fail(cp->g, what.ptr, &e);
	}
	/* Directories first, so parallel downloads need not race to them. */
	for (i = 0; r == 0 && w->dst && i < cp->njobs; i++)
		if (make_parents(cp->jobs[i].path) != 0) {
			s3cmd_warn(cp->g, "%s: cannot create its directory: %s",
			    cp->jobs[i].path, strerror(errno));
			r = 1;
		}
	buf_release(&sp);
	buf_release(&what);
	return r != 0;
}

static int
plan_recursive(struct s3cmd_cp *cp, const char *src, const char *dst)
{
	struct s3cmd_url s = { 0 }, d = { 0 };
	struct walk w = { .cp = cp, .prefix = BUF_INIT };
	int r;

	if (strcmp(src, "-") == 0 || strcmp(dst, "-") == 0)
		return s3cmd_usage_error(cp->g, "--recursive cannot use '-'");
	if (s3cmd_url_is(dst)) {
		s3cmd_url_parse(dst, &d);
		dir_prefix(&w.prefix, d.key);
		w.bucket = d.bucket;
	}
	if (!s3cmd_url_is(src)) {
		if (!is_dir(src))
			r = s3cmd_usage_error(
			    cp->g, "%s is not a directory", src);
		else
			r = walk_dir(&w, src, "");
	} else {
		s3cmd_url_parse(src, &s);
		w.dst = s3cmd_url_is(dst) ? NULL : dst;
		if (w.dst && mkdir(dst, 0777) != 0 && errno != EEXIST) {
			s3cmd_warn(cp->g, "%s: %s", dst, strerror(errno));
			r = 1;
		} else {
			r = plan_listing(cp, &w, &s);
		}
	}
	s3cmd_url_release(&s);
	s3cmd_url_release(&d);
	buf_release(&w.prefix);
	return r;
}

/* ---- The command ---- */

/* The object flags for this direction, as the AWS CLI takes them. */
static int
flags_fit(struct s3cmd_cp *cp, const char *src, const char *dst)
{
	const char *w = s3cmd_flags_write_set(cp->g);

	if (cp->of.src_ssec && !(s3cmd_url_is(src) && s3cmd_url_is(dst)))
		return s3cmd_usage_error(cp->g,
		    "--sse-c-copy-source is for S3-to-S3 copies (the source's "
		    "key); uploads and downloads take --sse-c");
	if (w && !s3cmd_url_is(dst))
		s3cmd_warn(cp->g,
		    "warning: %s sets how objects are written to S3; a "
		    "download ignores it",
		    w);
	return 0;
}

static int
plan(struct s3cmd_cp *cp, const char *src, const char *dst)
{
	struct s3cmd_url s = { 0 }, d = { 0 };
	int r;

	if (!s3cmd_url_is(src) && !s3cmd_url_is(dst))
		return s3cmd_usage_error(
		    cp->g, "one of SRC and DST must be an s3:// URL");
	if ((r = flags_fit(cp, src, dst)) != 0)
		return r;
	if (s3cmd_url_is(src) && s3cmd_url_parse(src, &s) != 0)
		r = s3cmd_usage_error(cp->g, "'%s' is not an s3:// URL", src);
	else if (s3cmd_url_is(dst) && s3cmd_url_parse(dst, &d) != 0)
		r = s3cmd_usage_error(cp->g, "'%s' is not an s3:// URL", dst);
	else if (cp->g->json && strcmp(dst, "-") == 0)
		r = s3cmd_usage_error(cp->g, "--json needs stdout: not '-'");
	else if (cp->recursive)
		r = plan_recursive(cp, src, dst);
	else if (s.bucket && d.bucket)
		r = plan_copy(cp, &s, &d);
	else if (s.bucket)
		r = plan_download(cp, &s, dst);
	else
		r = plan_upload(cp, src, &d);
	s3cmd_url_release(&s);
	s3cmd_url_release(&d);
	return r;
}

static void
print_json(struct s3cmd_cp *cp)
{
	struct s3cmd_json j;

	s3cmd_jclose(&cp->j, ']');
	s3cmd_jinit(&j);
	s3cmd_jopen(&j, NULL, '{');
	s3cmd_jraw(&j, "transfers", cp->j.b.ptr);
	s3cmd_ju64(&j, "succeeded", cp->nok);
	s3cmd_ju64(&j, "failed", cp->nfailed);
	s3cmd_ju64(&j, "bytes", cp->bytes);
	s3cmd_jclose(&j, '}');
	s3cmd_jprint(&j);
}

static int
cp_run(struct s3cmd_cp *cp, unsigned files)
{
	int r;

	if ((r = plan(cp, cp->g->args[0], cp->g->args[1])) != 0) {
		s3cmd_progress_end(&cp->prog);
		return r;
	}
	r = s3cmd_jobs_run(cp, cp->recursive ? files : 1);
	s3cmd_progress_end(&cp->prog);
	if (cp->g->json)
		print_json(cp);
	return r != 0 || cp->nfailed != 0;
}

int
s3cmd_cp(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "cp", .usage = cp_usage };
	struct s3cmd_cp cp = { .g = &g };
	struct s3cmd_spec spec = { cp_opts, "rq", cp_opt, &cp, 2, 2,
		S3CMD_FL_PAYER | S3CMD_FL_KEY | S3CMD_FL_WRITE };
	unsigned files;
	mode_t m;
	int r;

	g.of = &cp.of;
	if ((r = s3cmd_parse(&g, argc, argv, &spec)) >= 0)
		return r;
	m = umask(0);
	umask(m);
	cp.mode = 0666 & ~(unsigned)m;
	/* --recursive: that many files at once, each with that many parts
	 * (the client keeps a connection warm for each). */
	files = cp.concurrency ? cp.concurrency : DEFAULT_FILES;
	cp.c = s3cmd_client(&g, cp.part_size,
	    cp.recursive && !cp.concurrency ? DEFAULT_FILES : cp.concurrency);
	if (cp.c == NULL)
		return 1;
	pthread_mutex_init(&cp.mu, NULL);
	s3cmd_jinit(&cp.j);
	s3cmd_jopen(&cp.j, NULL, '[');
	s3cmd_progress_init(&cp.prog, !cp.quiet && !cp.no_progress && !g.json);
	r = cp_run(&cp, files);
	buf_release(&cp.j.b);
	pthread_mutex_destroy(&cp.mu);
	s3cmd_jobs_free(&cp);
	s3_client_free(cp.c);
	return r;
}
