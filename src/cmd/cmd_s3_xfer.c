/*
 * Running `roma s3 cp`'s transfers: uploads (one PUT or parallel parts),
 * downloads to a temporary name renamed only on success, server-side
 * copies; several at once for --recursive; one output line per transfer
 * and one error line per failure.
 */
#include "roma.h"
#include "cmd/cmd_s3.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WORKERS 64u

/* ---- Temporary files, removed on SIGINT/SIGTERM too ---- */

static char *volatile tmp_slots[MAX_WORKERS];

static void
on_signal(int sig)
{
	unsigned i;

	for (i = 0; i < MAX_WORKERS; i++)
		if (tmp_slots[i])
			unlink(tmp_slots[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* "dir/.name.roma-XXXXXX" beside `path`. */
static char *
tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf b = BUF_INIT;

	if (slash)
		buf_add(&b, path, (size_t)(slash - path) + 1);
	buf_addf(&b, ".%.200s.roma-XXXXXX", slash ? slash + 1 : path);
	return buf_detach(&b, NULL);
}

/* ---- Jobs ---- */

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct s3cmd_job *
s3cmd_job_add(struct s3cmd_cp *cp, enum s3cmd_op op, const char *path,
    const char *bucket, const char *key, const char *sbucket, const char *skey,
    uint64_t size)
{
	struct s3cmd_job *j;

	if (cp->njobs == cp->cap) {
		cp->cap = cp->cap ? cp->cap * 2 : 16;
		cp->jobs = xrealloc(cp->jobs, cp->cap * sizeof(*cp->jobs));
	}
	j = &cp->jobs[cp->njobs++];
	memset(j, 0, sizeof(*j));
	j->op = op;
	j->path = dup_or_null(path);
	j->bucket = dup_or_null(bucket);
	j->key = dup_or_null(key);
	j->sbucket = dup_or_null(sbucket);
	j->skey = dup_or_null(skey);
	j->size = size;
	j->cp = cp;
	return j;
}

void
s3cmd_jobs_free(struct s3cmd_cp *cp)
{
	size_t i;

	for (i = 0; i < cp->njobs; i++) {
		free(cp->jobs[i].path);
		free(cp->jobs[i].bucket);
		free(cp->jobs[i].key);
		free(cp->jobs[i].sbucket);
		free(cp->jobs[i].skey);
	}
	free(cp->jobs);
	cp->jobs = NULL;
	cp->njobs = cp->cap = 0;
}

static void
on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct s3cmd_job *j = arg;

	if (!j->sized && total && j->size == 0) {
		j->sized = true;
		s3cmd_progress_total(&j->cp->prog, total, 0);
	}
	if (done > j->reported) {
		s3cmd_progress_add(&j->cp->prog, done - j->reported);
		j->reported = done;
	}
}

static void
xfer_opts(struct s3cmd_job *j, struct s3_xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->part_size = j->cp->part_size;
	x->concurrency = j->cp->concurrency;
	x->progress = on_progress;
	x->progress_arg = j;
	x->cfg = &j->cp->of.cfg; /* downloads: the SSE-C key */
}

/* A type for the name's extension, as the AWS CLI guesses one. */
static const char *
guess_type(const char *path)
{
	static const char *const types[][2] = { { "txt", "text/plain" },
		{ "html", "text/html" }, { "htm", "text/html" },
		{ "css", "text/css" }, { "csv", "text/csv" },
		{ "js", "text/javascript" }, { "json", "application/json" },
		{ "xml", "application/xml" }, { "pdf", "application/pdf" },
		{ "zip", "application/zip" }, { "gz", "application/gzip" },
		{ "tar", "application/x-tar" }, { "png", "image/png" },
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" },
		{ "webp", "image/webp" }, { "mp4", "video/mp4" },
		{ "wasm", "application/wasm" } };
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/'))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (strcasecmp(dot + 1, types[i][0]) == 0)
			return types[i][1];
	return NULL;
}

static int
run_upload(struct s3cmd_job *j, struct s3_put_result *res, struct rerr *e)
{
	struct s3cmd_cp *cp = j->cp;
	struct s3_put_opts po = { 0 };
	struct s3_xfer x;
	struct s3_body b = { 0 };
	struct s3_fd f;
	struct stat st;
	int fd, r;

	po.content_type =
	    cp->content_type ? cp->content_type : guess_type(j->path);
	po.cfg = &cp->of.cfg;
	xfer_opts(j, &x);
	if (strcmp(j->path, "-") == 0)
		return s3_upload_stream(
		    cp->c, j->bucket, j->key, 0, &po, &x, res, e);
	if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) < 0)
		return rerr_set(e, -errno, "%s: %s", j->path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = rerr_set(e, -errno, "%s: %s", j->path, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		/* Signed payloads read each part twice, hash then send,
		 * front to back: ask for the larger read-ahead. */
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		f.fd = fd;
		f.base = 0;
		b.size = (uint64_t)st.st_size;
		b.read = s3_fd_read;
		b.arg = &f;
		r = s3_upload(cp->c, j->bucket, j->key, &b, &po, &x, res, e);
	} else {
		r = s3_upload_stream(
		    cp->c, j->bucket, j->key, fd, &po, &x, res, e);
	}
	close(fd);
	return r;
}

/* Make the finished temporary file look like a new file, then rename. */
static int
finish_download(struct s3cmd_job *j, int fd, const char *tmp,
    const struct s3_object_info *in, struct rerr *e)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (in->mtime) {
		ts[0].tv_nsec = UTIME_NOW;
		ts[1].tv_sec = in->mtime;
		ts[1].tv_nsec = 0;
	}
	/* Best effort: the data is what matters. */
	(void)fchmod(fd, (mode_t)j->cp->mode);
	(void)futimens(fd, ts);
	if (close(fd) != 0)
		return rerr_set(e, -errno, "%s: %s", tmp, strerror(errno));
	if (rename(tmp, j->path) != 0)
		return rerr_set(e, -errno, "%s: %s", j->path, strerror(errno));
	return 0;
}

struct fdsink {
	int fd;
	uint64_t got;
	struct s3cmd_job *j;
};

static int
fd_write(const void *p, size_t n, void *arg)
{
	struct fdsink *s = arg;
	size_t left = n;
	ssize_t w;

	while (left > 0) {
		w = write(s->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p = (const char *)p + w;
		left -= (size_t)w;
	}
	s->got += n;
	on_progress(s->got, 0, s->j);
	return 0;
}

/*
 * An object the listing said fits one part: one GET, without the HEAD
 * s3_download_fd starts with (half the requests for many small files).
 * A retry resumes with If-Match on the first reply's ETag; the length is
 * checked against the reply's.
 */
static int
get_small(
    struct s3cmd_job *j, int fd, struct s3_object_info *in, struct rerr *e)
{
	struct fdsink s = { fd, 0, j };
	struct s3_get_opts g = { 0 };
	int r;

	g.sink = fd_write;
	g.arg = &s;
	g.cfg = &j->cp->of.cfg;
	r = s3_get_object(j->cp->c, j->bucket, j->key, &g, in, e);
	if (r == 0 && s.got != in->size)
		r = rerr_set(e, -EPROTO,
		    "GET s3://%s/%s: %llu bytes where %llu were announced",
		    j->bucket, j->key, (unsigned long long)s.got,
		    (unsigned long long)in->size);
	return r;
}

static int
run_download(struct s3cmd_job *j, unsigned slot, struct rerr *e)
{
	struct s3_object_info in = { 0 };
	struct s3_xfer x;
	char *tmp;
	int fd, r;

	xfer_opts(j, &x);
	if (strcmp(j->path, "-") == 0) {
		r = s3_download_fd(
		    j->cp->c, j->bucket, j->key, STDOUT_FILENO, &x, &in, e);
		s3_object_info_release(&in);
		return r;
	}
	tmp = tmp_name(j->path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = rerr_set(e, -errno, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return r;
	}
	tmp_slots[slot] = tmp;
	if (j->size != 0 && j->size <= s3_client_part_size(j->cp->c))
		r = get_small(j, fd, &in, e);
	else
		r = s3_download_fd(j->cp->c, j->bucket, j->key, fd, &x, &in, e);
	if (r == 0)
		r = finish_download(j, fd, tmp, &in, e);
	else
		close(fd);
	if (r != 0)
		unlink(tmp);
	tmp_slots[slot] = NULL;
	free(tmp);
	s3_object_info_release(&in);
	return r;
}

static int
run_copy(struct s3cmd_job *j, struct s3_put_result *res, struct rerr *e)
{
	struct s3_put_opts po = { 0 };
	struct s3_copy_opts co = { 0 };
	struct s3_xfer x;

	xfer_opts(j, &x);
	co.cfg = &j->cp->of.cfg; /* with the source's key as copy_src */
	if (j->cp->content_type) {
		po.content_type = j->cp->content_type;
		co.replace = &po;
	}
	return s3_copy(
	    j->cp->c, j->sbucket, j->skey, j->bucket, j->key, &co, &x, res, e);
}

/* ---- Reporting ---- */

static const char *const op_names[] = { "upload", "download", "copy" };

static void
describe(const struct s3cmd_job *j, struct buf *src, struct buf *dst)
{
	switch (j->op) {
	case S3CMD_UPLOAD:
		buf_adds(src, j->path);
		s3cmd_url_format(j->bucket, j->key, dst);
		break;
	case S3CMD_DOWNLOAD:
		s3cmd_url_format(j->bucket, j->key, src);
		buf_adds(dst, j->path);
		break;
	case S3CMD_COPY:
		s3cmd_url_format(j->sbucket, j->skey, src);
		s3cmd_url_format(j->bucket, j->key, dst);
		break;
	}
}

static void
report_json(struct s3cmd_job *j, const char *src, const char *dst,
    const struct s3_put_result *res, int r, const struct rerr *e)
{
	struct s3cmd_json *w = &j->cp->j;

	s3cmd_jopen(w, NULL, '{');
	s3cmd_jstr(w, "operation", op_names[j->op]);
	s3cmd_jstr(w, "source", src);
	s3cmd_jstr(w, "destination", dst);
	s3cmd_ju64(w, "size", j->reported > j->size ? j->reported : j->size);
	s3cmd_jstr(w, "etag", r == 0 && res->etag[0] ? res->etag : NULL);
	if (r != 0)
		s3cmd_jerror(w, "error", NULL, e);
	else
		s3cmd_jstr(w, "error", NULL);
	s3cmd_jclose(w, '}');
}

static void
report(struct s3cmd_job *j, const struct s3_put_result *res, int r,
    const struct rerr *e)
{
	struct s3cmd_cp *cp = j->cp;
	struct buf src = BUF_INIT, dst = BUF_INIT, why = BUF_INIT;
	const char *op = op_names[j->op];

	describe(j, &src, &dst);
	pthread_mutex_lock(&cp->mu);
	if (r == 0) {
		cp->nok++;
		cp->bytes += j->reported > j->size ? j->reported : j->size;
	} else {
		cp->nfailed++;
	}
	if (cp->g->json)
		report_json(j, src.ptr, dst.ptr, res, r, e);
	pthread_mutex_unlock(&cp->mu);
	s3cmd_progress_file_done(&cp->prog);
	if (r != 0) {
		s3cmd_error_text(NULL, e, &why);
		s3cmd_progress_println(&cp->prog, stderr,
		    "roma s3 cp: %s failed: %s to %s: %s", op, src.ptr, dst.ptr,
		    why.ptr);
	} else if (!cp->quiet && !cp->g->json &&
	    !(j->path && strcmp(j->path, "-") == 0 &&
	        j->op == S3CMD_DOWNLOAD)) {
		s3cmd_progress_println(
		    &cp->prog, stdout, "%s: %s to %s", op, src.ptr, dst.ptr);
	}
	buf_release(&src);
	buf_release(&dst);
	buf_release(&why);
}

static void
run_job(struct s3cmd_job *j, unsigned slot)
{
	struct s3_put_result res = { { 0 }, 0 };
	struct rerr e;
	int r = 0;

	rerr_clear(&e);
	switch (j->op) {
	case S3CMD_UPLOAD:
		r = run_upload(j, &res, &e);
		break;
	case S3CMD_DOWNLOAD:
		r = run_download(j, slot, &e);
		break;
	case S3CMD_COPY:
		r = run_copy(j, &res, &e);
		break;
	}
	report(j, &res, r, &e);
}

/* ---- The pool ---- */

struct pool {
	struct s3cmd_cp *cp;
	pthread_mutex_t mu;
	size_t next;
	unsigned slots;
};

struct worker {
	struct pool *p;
	unsigned slot;
};

static void *
worker(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next < p->cp->njobs ? p->next++ : SIZE_MAX;
		pthread_mutex_unlock(&p->mu);
		if (i == SIZE_MAX)
			return NULL;
		run_job(&p->cp->jobs[i], w->slot);
	}
}

int
s3cmd_jobs_run(struct s3cmd_cp *cp, unsigned threads)
{
	struct pool p = { .cp = cp };
	struct worker w[MAX_WORKERS];
	pthread_t tids[MAX_WORKERS];
	unsigned i, started = 0;

	catch_signals();
	threads = threads > MAX_WORKERS ? MAX_WORKERS : threads;
	threads = threads > cp->njobs ? (unsigned)cp->njobs : threads;
	pthread_mutex_init(&p.mu, NULL);
	for (i = 0; i < MAX_WORKERS; i++)
		w[i] = (struct worker){ &p, i };
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[started], NULL, worker, &w[i]) == 0)
			started++;
	worker(&w[0]);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p.mu);
	return cp->nfailed ? 1 : 0;
}
