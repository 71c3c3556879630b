/*
 * Whole-object transfers for `roma s3 cp`: upload (one PUT or parallel
 * multipart parts), upload from a pipe, download to a file with parallel
 * ranged GETs, and server-side copy of any size.  Multipart work runs on a
 * small pool of threads that stops taking parts at the first failure; an
 * upload that fails is aborted, so it completes or leaves nothing.
 */
#include "roma.h"
#include "s3/client.h"
#include "s3/ops.h"
#include "s3/ops_int.h"
#include "s3/xml.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/workpool.h"
#include "util/xmem.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_PART_SIZE (512ull << 20) /* copy parts cost us no bandwidth */

/* ---- Progress, reported one call at a time. ---- */

struct progress {
	pthread_mutex_t mu;
	uint64_t done, total;
	const struct s3_xfer *x;
};

static void
progress_init(struct progress *p, const struct s3_xfer *x, uint64_t total)
{
	pthread_mutex_init(&p->mu, NULL);
	p->done = 0;
	p->total = total;
	p->x = x;
}

static void
progress_add(struct progress *p, uint64_t n)
{
	if (p->x == NULL || p->x->progress == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->done += n;
	p->x->progress(p->done, p->total, p->x->progress_arg);
	pthread_mutex_unlock(&p->mu);
}

/* ---- Bodies ---- */

int
s3_fd_read(void *p, size_t n, uint64_t off, void *arg)
{
	const struct s3_fd *f = arg;
	ssize_t got;

	while (n > 0) {
		got = pread(f->fd, p, n, (off_t)(f->base + off));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -ENODATA; /* the file shrank under us */
		p = (char *)p + got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* Bytes [base, base + size) of another body. */
struct slice {
	const struct s3_body *b;
	uint64_t base;
};

static int
slice_read(void *p, size_t n, uint64_t off, void *arg)
{
	const struct slice *s = arg;

	return s->b->read(p, n, s->base + off, s->b->arg);
}

/* `ps` grown so that 10000 parts hold `total`, rounded up to a MiB. */
static uint64_t
fit_part(uint64_t ps, uint64_t total)
{
	uint64_t need = (total + S3_PARTS_MAX - 1) / S3_PARTS_MAX;

	if (ps < S3_PART_MIN)
		ps = S3_PART_MIN;
	if (ps < need)
		ps = (need + (1u << 20) - 1) & ~((1ull << 20) - 1);
	return ps;
}

static uint64_t
part_size(struct s3_client *c, const struct s3_xfer *x, uint64_t total)
{
	return fit_part(
	    x && x->part_size ? x->part_size : s3_client_part_size(c), total);
}

static unsigned
threads(struct s3_client *c, const struct s3_xfer *x)
{
	return x && x->concurrency ? x->concurrency : s3_client_concurrency(c);
}

/* ---- Multipart upload of a body of known size ---- */

struct up {
	struct s3_client *c;
	const char *bucket, *key, *id;
	const struct s3_body *b;
	const struct s3_objcfg *cfg;
	uint64_t ps;
	struct s3_part *parts;
	struct progress prog;
};

static int
up_part(unsigned i, void *arg, struct rerr *e)
{
	struct up *u = arg;
	uint64_t off = (uint64_t)i * u->ps;
	struct slice s = { u->b, off };
	struct s3_body pb = { 0 };
	int r;

	pb.size = u->b->size - off < u->ps ? u->b->size - off : u->ps;
	if (u->b->read) {
		pb.read = slice_read;
		pb.arg = &s;
	} else {
		pb.data = (const char *)u->b->data + off;
	}
	u->parts[i].num = i + 1;
	r = s3_mpu_part(u->c, u->bucket, u->key, u->id, i + 1, &pb, u->cfg,
	    u->parts[i].etag, e);
	if (r == 0)
		progress_add(&u->prog, pb.size);
	return r;
}

/* Abort after a failure; a failed abort leaves parts that cost money. */
static void
abort_upload(
    struct s3_client *c, const char *bucket, const char *key, const char *id)
{
	struct rerr e;

	if (s3_mpu_abort(c, bucket, key, id, &e) != 0)
		log_warn(LOG_S3,
		    "s3: could not abort multipart upload %s of s3://%s/%s: "
		    "%s; its parts stay billed until aborted",
		    id, bucket, key, rerr_str(&e));
}

static int
upload_multipart(struct up *u, const struct s3_put_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e)
{
	unsigned n = (unsigned)((u->b->size + u->ps - 1) / u->ps);
	char *id = NULL;
	int r;

	if ((r = s3_mpu_create(u->c, u->bucket, u->key, o, &id, e)) != 0)
		return r;
	u->id = id;
	u->parts = xcalloc(n, sizeof(*u->parts));
	r = workpool_run(n, threads(u->c, x), up_part, u, e);
	if (r == 0)
		r = s3_mpu_complete(
		    u->c, u->bucket, u->key, id, u->parts, n, u->cfg, res, e);
	if (r != 0)
		abort_upload(u->c, u->bucket, u->key, id);
	free(u->parts);
	free(id);
	return r;
}

int
s3_upload(struct s3_client *c, const char *bucket, const char *key,
    const struct s3_body *b, const struct s3_put_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e)
{
	struct up u = { .c = c, .bucket = bucket, .key = key, .b = b };
	uint64_t limit;
	int r;

	u.cfg = o ? o->cfg : NULL;
	u.ps = part_size(c, x, b->size);
	limit = x && x->threshold ? x->threshold : u.ps;
	limit = limit > S3_PUT_MAX ? S3_PUT_MAX : limit;
	progress_init(&u.prog, x, b->size);
	if (o && o->create_only && b->size > limit)
		r = rerr_set(e, -EINVAL,
		    "a create-only upload must fit one PUT (%" PRIu64 " bytes)",
		    limit);
	else if (b->size <= limit) {
		r = s3_put_object(c, bucket, key, b, o, res, e);
		if (r == 0)
			progress_add(&u.prog, b->size);
	} else {
		r = upload_multipart(&u, o, x, res, e);
	}
	pthread_mutex_destroy(&u.prog.mu);
	return r;
}

/* ---- Download to a file descriptor ---- */

struct sink {
	int fd;
	bool seekable;
	uint64_t off; /* where the next byte goes (seekable) */
	uint64_t got;
	struct progress *prog;
};

static int
sink_write(const void *p, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t left = n;
	ssize_t w;

	while (left > 0) {
		w = s->seekable ? pwrite(s->fd, p, left, (off_t)s->off)
		                : write(s->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p = (const char *)p + w;
		left -= (size_t)w;
		s->off += (uint64_t)w;
	}
	s->got += n;
	progress_add(s->prog, n);
	return 0;
}

struct down {
	struct s3_client *c;
	const char *bucket, *key;
	int fd;
	bool seekable;
	uint64_t size, ps;
	const char *etag;
	const struct s3_objcfg *cfg;
	struct progress prog;
};

static int
down_range(unsigned i, void *arg, struct rerr *e)
{
	struct down *d = arg;
	uint64_t off = (uint64_t)i * d->ps;
	struct sink s = { d->fd, d->seekable, off, 0, &d->prog };
	struct s3_get_opts g = { 0 };
	int r;

	g.off = off;
	g.len = d->size - off < d->ps ? d->size - off : d->ps;
	g.if_match = d->etag;
	g.sink = sink_write;
	g.arg = &s;
	g.cfg = d->cfg;
	/* One GET of the whole object carries no Range: it may be empty. */
	if (d->size <= d->ps)
		g.len = S3_TO_END;
	r = s3_get_object(d->c, d->bucket, d->key, &g, NULL, e);
	if (r == 0 && s.got != (g.len == S3_TO_END ? d->size : g.len))
		r = rerr_set(e, -EPROTO,
		    "GET s3://%s/%s: %" PRIu64 " bytes at %" PRIu64
		    " where %" PRIu64 " were expected",
		    d->bucket, d->key, s.got, off,
		    g.len == S3_TO_END ? d->size : g.len);
	return r;
}

int
s3_download_fd(struct s3_client *c, const char *bucket, const char *key, int fd,
    const struct s3_xfer *x, struct s3_object_info *info, struct rerr *e)
{
	struct s3_object_info own = { 0 }, *in = info ? info : &own;
	struct down d = { .c = c, .bucket = bucket, .key = key, .fd = fd };
	struct stat st;
	unsigned n;
	int r;

	d.cfg = x ? x->cfg : NULL;
	if ((r = s3_head_object(c, bucket, key, d.cfg, in, e)) != 0)
		goto out;
	d.size = in->size;
	d.etag = in->etag[0] ? in->etag : NULL;
	d.seekable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	d.ps = d.seekable ? part_size(c, x, d.size) : UINT64_MAX;
	n = d.size <= d.ps ? 1 : (unsigned)((d.size + d.ps - 1) / d.ps);
	progress_init(&d.prog, x, d.size);
	if (d.seekable && ftruncate(fd, (off_t)d.size) != 0)
		r = rerr_set(e, -errno,
		    "download s3://%s/%s: sizing the file: %s", bucket, key,
		    strerror(errno));
	else
		r = workpool_run(n, threads(c, x), down_range, &d, e);
	pthread_mutex_destroy(&d.prog.mu);
out:
	s3_object_info_release(&own);
	return r;
}

/* ---- Server-side copy of any size ---- */

struct cp {
	struct s3_client *c;
	const char *src_bucket, *src_key, *bucket, *key, *id, *etag;
	const struct s3_objcfg *cfg;
	uint64_t size, ps;
	struct s3_part *parts;
	struct progress prog;
};

static int
cp_part(unsigned i, void *arg, struct rerr *e)
{
	struct cp *p = arg;
	uint64_t off = (uint64_t)i * p->ps;
	uint64_t len = p->size - off < p->ps ? p->size - off : p->ps;
	int r;

	p->parts[i].num = i + 1;
	r = s3_mpu_part_copy(p->c, p->bucket, p->key, p->id, i + 1,
	    p->src_bucket, p->src_key, off, len, p->etag, p->cfg,
	    p->parts[i].etag, e);
	if (r == 0)
		progress_add(&p->prog, len);
	return r;
}

static int
copy_multipart(struct cp *p, const struct s3_put_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e)
{
	unsigned n = (unsigned)((p->size + p->ps - 1) / p->ps);
	char *id = NULL;
	int r;

	if ((r = s3_mpu_create(p->c, p->bucket, p->key, o, &id, e)) != 0)
		return r;
	p->id = id;
	p->parts = xcalloc(n, sizeof(*p->parts));
	r = workpool_run(n, threads(p->c, x), cp_part, p, e);
	if (r == 0)
		r = s3_mpu_complete(
		    p->c, p->bucket, p->key, id, p->parts, n, p->cfg, res, e);
	if (r != 0)
		abort_upload(p->c, p->bucket, p->key, id);
	free(p->parts);
	free(id);
	return r;
}

int
s3_copy(struct s3_client *c, const char *src_bucket, const char *src_key,
    const char *bucket, const char *key, const struct s3_copy_opts *o,
    const struct s3_xfer *x, struct s3_put_result *res, struct rerr *e)
{
	struct s3_object_info in = { 0 };
	struct s3_copy_opts co = { 0 };
	struct s3_put_opts po = { 0 };
	struct cp p = { .c = c,
		.src_bucket = src_bucket,
		.src_key = src_key,
		.bucket = bucket,
		.key = key };
	uint64_t limit = x && x->threshold ? x->threshold : S3_PUT_MAX;
	int r;

	p.cfg = o ? o->cfg : NULL;
	r = s3_head_object(
	    c, src_bucket, src_key, s3_cfg_source(p.cfg), &in, e);
	if (r != 0)
		goto out;
	co.if_match = o && o->if_match ? o->if_match : in.etag;
	co.replace = o ? o->replace : NULL;
	co.cfg = p.cfg;
	p.size = in.size;
	p.etag = co.if_match;
	progress_init(&p.prog, x, in.size);
	if (in.size <= (limit > S3_PUT_MAX ? S3_PUT_MAX : limit)) {
		r = s3_copy_object(
		    c, src_bucket, src_key, bucket, key, &co, res, e);
		if (r == 0)
			progress_add(&p.prog, in.size);
	} else {
		/* Multipart copy does not carry attributes: pass them on. */
		if (co.replace) {
			po = *co.replace;
		} else {
			po.content_type = in.content_type;
			po.meta = in.meta;
			po.nmeta = in.nmeta;
		}
		po.cfg = p.cfg;
		p.ps = fit_part(
		    x && x->part_size ? x->part_size : COPY_PART_SIZE, in.size);
		r = copy_multipart(&p, &po, x, res, e);
	}
	pthread_mutex_destroy(&p.prog.mu);
out:
	s3_object_info_release(&in);
	return r;
}

/* ---- Upload from a pipe: read a batch of parts, send it in parallel ---- */

struct stream {
	struct s3_client *c;
	const char *bucket, *key, *id;
	char **bufs;
	uint64_t *lens;
	struct s3_part *parts; /* this batch's slots in the whole list */
	const struct s3_objcfg *cfg;
	struct progress prog;
};

/* Fill up to `n` bytes; fewer only at the end of the input. */
static int
read_full(int fd, char *p, uint64_t n, uint64_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = read(fd, p + *got, (size_t)(n - *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (uint64_t)r;
	}
	return 0;
}

static int
stream_part(unsigned i, void *arg, struct rerr *e)
{
	struct stream *s = arg;
	struct s3_body b = { s->bufs[i], s->lens[i], NULL, NULL };
	int r;

	r = s3_mpu_part(s->c, s->bucket, s->key, s->id, s->parts[i].num, &b,
	    s->cfg, s->parts[i].etag, e);
	if (r == 0)
		progress_add(&s->prog, b.size);
	return r;
}

/* Read and send batches of up to `k` parts after the first, read one. */
static int
stream_parts(struct stream *s, int fd, uint64_t ps, unsigned k,
    struct s3_part **all, unsigned *nall, struct rerr *e)
{
	unsigned nb = 1, i;
	bool eof = false;
	int r = 0;

	while (r == 0) {
		for (; nb < k && !eof; nb++) {
			if ((r = read_full(
			         fd, s->bufs[nb], ps, &s->lens[nb])) != 0)
				return rerr_set(e, r, "reading the input: %s",
				    strerror(-r));
			eof = s->lens[nb] < ps;
			if (s->lens[nb] == 0)
				break;
		}
		if (*nall + nb > S3_PARTS_MAX)
			return rerr_set(e, -EFBIG,
			    "input larger than %d parts of %" PRIu64
			    " bytes: raise the part size",
			    S3_PARTS_MAX, ps);
		*all = xrealloc(*all, (*nall + nb) * sizeof(**all));
		s->parts = *all + *nall;
		for (i = 0; i < nb; i++)
			s->parts[i].num = *nall + i + 1;
		*nall += nb;
		r = workpool_run(nb, k, stream_part, s, e);
		if (eof)
			break;
		nb = 0;
	}
	return r;
}

static int
stream_multipart(struct stream *s, int fd, uint64_t ps, unsigned k,
    const struct s3_put_opts *o, struct s3_put_result *res, struct rerr *e)
{
	struct s3_part *all = NULL;
	unsigned nall = 0;
	char *id = NULL;
	int r;

	if ((r = s3_mpu_create(s->c, s->bucket, s->key, o, &id, e)) != 0)
		return r;
	s->id = id;
	r = stream_parts(s, fd, ps, k, &all, &nall, e);
	if (r == 0)
		r = s3_mpu_complete(
		    s->c, s->bucket, s->key, id, all, nall, s->cfg, res, e);
	if (r != 0)
		abort_upload(s->c, s->bucket, s->key, id);
	free(all);
	free(id);
	return r;
}

int
s3_upload_stream(struct s3_client *c, const char *bucket, const char *key,
    int fd, const struct s3_put_opts *o, const struct s3_xfer *x,
    struct s3_put_result *res, struct rerr *e)
{
	struct stream s = { .c = c, .bucket = bucket, .key = key };
	uint64_t ps = part_size(c, x, 0);
	unsigned k = threads(c, x), i;
	struct s3_body b = { 0 };
	int r;

	k = k < 1 ? 1 : k > WORKPOOL_MAX_THREADS ? WORKPOOL_MAX_THREADS : k;
	s.cfg = o ? o->cfg : NULL;
	s.bufs = xcalloc(k, sizeof(*s.bufs));
	s.lens = xcalloc(k, sizeof(*s.lens));
	for (i = 0; i < k; i++)
		s.bufs[i] = xmalloc(ps);
	progress_init(&s.prog, x, 0);
	if ((r = read_full(fd, s.bufs[0], ps, &s.lens[0])) != 0) {
		r = rerr_set(e, r, "reading the input: %s", strerror(-r));
	} else if (s.lens[0] < ps) {
		b.data = s.bufs[0];
		b.size = s.lens[0];
		if ((r = s3_put_object(c, bucket, key, &b, o, res, e)) == 0)
			progress_add(&s.prog, b.size);
	} else {
		r = stream_multipart(&s, fd, ps, k, o, res, e);
	}
	for (i = 0; i < k; i++)
		free(s.bufs[i]);
	free(s.bufs);
	free(s.lens);
	pthread_mutex_destroy(&s.prog.mu);
	return r;
}
