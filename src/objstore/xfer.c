/*
 * Whole-object transfers over the object-store interface: put_large (one PUT
 * or a parallel multipart upload) and get_fd (parallel ranged gets).  Both
 * run their requests on a small pool of threads that stops taking work at
 * the first failure.
 */
#include "roma.h"
#include "objstore/objstore.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/workpool.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PART_SIZE   (8ull << 20)
#define DEFAULT_CONCURRENCY 8

static void
xfer_params(const struct objstore_xfer *x, uint64_t *part, unsigned *conc)
{
	*part = x && x->part_size ? x->part_size : DEFAULT_PART_SIZE;
	*conc = x && x->concurrency ? x->concurrency : DEFAULT_CONCURRENCY;
	if (*conc > WORKPOOL_MAX_THREADS)
		*conc = WORKPOOL_MAX_THREADS;
}

struct upload {
	struct objstore *s;
	const char *key;
	const char *id;
	const struct objstore_body *body;
	uint64_t part_size;
	struct objstore_part *parts;
};

/* A window of the parent body, for the bytes of one part. */
struct window {
	const struct objstore_body *parent;
	uint64_t base;
};

static int
window_read(void *p, size_t n, uint64_t off, void *arg)
{
	struct window *w = arg;

	return w->parent->read(p, n, w->base + off, w->parent->arg);
}

static int
upload_part(unsigned i, void *arg, struct rerr *e)
{
	struct upload *u = arg;
	uint64_t off = (uint64_t)i * u->part_size;
	struct window w = { u->body, off };
	struct objstore_body b = { 0 };

	b.size = u->body->size - off < u->part_size ? u->body->size - off
	                                            : u->part_size;
	if (u->body->data) {
		b.data = (const char *)u->body->data + off;
	} else {
		b.read = window_read;
		b.arg = &w;
	}
	u->parts[i].num = i + 1;
	return objstore_mpu_part(
	    u->s, u->key, u->id, i + 1, &b, u->parts[i].etag, e);
}

static void
log_abort_failure(const char *key, const struct rerr *e)
{
	log_warn(LOG_S3, "could not abort the failed upload of '%s': %s", key,
	    rerr_str(e));
}

static int
put_multipart(struct objstore *s, const char *key,
    const struct objstore_body *b, const struct objstore_attrs *a,
    uint64_t part, unsigned conc, struct objstore_put_res *res, struct rerr *e)
{
	struct upload u = { .s = s, .key = key, .body = b, .part_size = part };
	unsigned nparts = (unsigned)((b->size + part - 1) / part);
	char *id = NULL;
	struct rerr ae;
	int r;

	if ((r = objstore_mpu_create(s, key, a, &id, e)) != 0)
		return r;
	u.id = id;
	u.parts = xcalloc(nparts, sizeof(*u.parts));
	r = workpool_run(nparts, conc, upload_part, &u, e);
	if (r == 0)
		r = objstore_mpu_complete(s, key, id, u.parts, nparts, res, e);
	/* Complete or nothing: keep the first error, drop the parts. */
	if (r != 0 && objstore_mpu_abort(s, key, id, &ae) != 0 &&
	    ae.err != ENOENT)
		log_abort_failure(key, &ae);
	free(u.parts);
	free(id);
	return r;
}

int
objstore_put_large(struct objstore *s, const char *key,
    const struct objstore_body *b, const struct objstore_attrs *a,
    const struct objstore_xfer *x, struct objstore_put_res *res, struct rerr *e)
{
	struct objstore_put_res tmp;
	uint64_t part;
	unsigned conc;

	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	rerr_clear(e);
	if (b == NULL)
		return rerr_set(e, -EINVAL, "put '%s' without a body", key);
	xfer_params(x, &part, &conc);
	if (b->size <= part)
		return objstore_put(s, key, b, a, 0, res, e);
	/* Grow the parts, in whole MiB, until 10000 hold the body. */
	if ((b->size + part - 1) / part > OBJSTORE_PARTS_MAX) {
		part = (b->size + OBJSTORE_PARTS_MAX - 1) / OBJSTORE_PARTS_MAX;
		part = (part + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	}
	return put_multipart(s, key, b, a, part, conc, res, e);
}

/* Where get_fd writes: at `pos` with pwrite, or in order with write. */
struct fdsink {
	int fd;
	bool seekable;
	off_t pos;
	uint64_t got;
};

static int
fd_sink(const void *p, size_t n, void *arg)
{
	struct fdsink *f = arg;
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if (f->seekable)
			w = pwrite(f->fd, c, n, f->pos);
		else
			w = write(f->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		c += w;
		n -= (size_t)w;
		f->pos += w;
		f->got += (uint64_t)w;
	}
	return 0;
}

struct download {
	struct objstore *s;
	const char *key;
	int fd;
	bool seekable;
	off_t base;
	uint64_t part_size;
	uint64_t size;
	const char *etag;
};

/* Fetch range `i` and check it is exactly the bytes of the same object. */
static int
fetch_range(unsigned i, void *arg, struct rerr *e)
{
	struct download *d = arg;
	uint64_t off = (uint64_t)i * d->part_size;
	uint64_t want =
	    d->size - off < d->part_size ? d->size - off : d->part_size;
	struct fdsink f = { d->fd, d->seekable, d->base + (off_t)off, 0 };
	struct objstore_get_req g = { .off = off,
		.len = want,
		.if_match = *d->etag ? d->etag : NULL,
		.sink = fd_sink,
		.arg = &f };
	struct objstore_info info;
	int r;

	if ((r = objstore_get(d->s, d->key, &g, &info, e)) != 0)
		return r;
	if (info.size != d->size || strcmp(info.etag, d->etag) != 0)
		r = rerr_set(
		    e, -ESTALE, "'%s' changed during the download", d->key);
	else if (f.got != want)
		r = rerr_set(e, -EIO,
		    "short read of '%s': %llu of %llu bytes at %llu", d->key,
		    (unsigned long long)f.got, (unsigned long long)want,
		    (unsigned long long)off);
	objstore_info_release(&info);
	return r;
}

static int
fetch_next(unsigned i, void *arg, struct rerr *e)
{
	return fetch_range(i + 1, arg, e);
}

static int
fetch_first(struct download *d, struct objstore_info *info, struct rerr *e)
{
	struct fdsink f = { d->fd, d->seekable, d->base, 0 };
	struct objstore_get_req g = {
		.len = d->part_size, .sink = fd_sink, .arg = &f
	};
	uint64_t want;
	int r;

	if ((r = objstore_get(d->s, d->key, &g, info, e)) != 0)
		return r;
	d->size = info->size;
	d->etag = info->etag;
	want = d->size < d->part_size ? d->size : d->part_size;
	if (f.got != want)
		return rerr_set(e, -EIO, "short read of '%s': %llu of %llu",
		    d->key, (unsigned long long)f.got,
		    (unsigned long long)want);
	return 0;
}

int
objstore_get_fd(struct objstore *s, const char *key, int fd,
    const struct objstore_xfer *x, struct objstore_info *info, struct rerr *e)
{
	struct download d = { .s = s, .key = key, .fd = fd };
	struct objstore_info first = { 0 };
	unsigned conc, n, i;
	struct stat st;
	int r;

	xfer_params(x, &d.part_size, &conc);
	/* pwrite ignores the offset under O_APPEND: write in order there. */
	d.base = lseek(fd, 0, SEEK_CUR);
	d.seekable = d.base >= 0 && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && !(fcntl(fd, F_GETFL) & O_APPEND);
	if (!d.seekable)
		d.base = 0;
	if ((r = fetch_first(&d, &first, e)) != 0)
		goto out;
	/* Ranges 1..n-1; range 0 came with the object's size and etag. */
	n = (unsigned)((d.size + d.part_size - 1) / d.part_size);
	if (d.seekable && n > 1) {
		r = workpool_run(n - 1, conc, fetch_next, &d, e);
	} else {
		for (i = 1; i < n && r == 0; i++)
			r = fetch_range(i, &d, e);
	}
	if (r == 0 && d.seekable &&
	    lseek(fd, d.base + (off_t)d.size, SEEK_SET) < 0)
		r = rerr_set(e, -errno, "seek: %s", strerror(errno));
out:
	if (r == 0 && info)
		*info = first;
	else
		objstore_info_release(&first);
	return r;
}
