/*
 * Reads from the store.  A handle reading sequentially gets ranged gets
 * ahead of it, in parallel, in a window that grows with the streak up to
 * read_ahead, in chunks that double from 1 MiB (a short read of a large
 * file fetches little); readers take a chunk's bytes as they arrive.
 * Every chunk is charged to the memory budget, and when the budget is
 * spent the read fetches just what it needs.  A random read fetches
 * exactly its range.  Replies send straight from the chunks, which stay
 * pinned until the reply is out.  Every get names the ETag the file had,
 * so a changed object is an error (EIO), never a mix of two versions.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/cancel.h"
#include "util/xmem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK_MAX (16ull << 20)
#define CHUNK_MIN (256ull << 10)
/* A streak's first chunk; each next one doubles, up to chunk_size(). */
#define CHUNK_FIRST (1ull << 20)
/* Readers see a chunk's bytes as they arrive, this many at a time. */
#define PUBLISH (256u << 10)
/* How far out of order the reads of one sequential stream may arrive and
 * still be the stream: the kernel's read-ahead sends several requests at
 * once (two windows of its read_ahead_kb, 1 MiB by our doing, more where
 * the system set more), and late ones come from far behind.  Chunks are
 * kept RA_KEEP behind the reads. */
#define RA_BEHIND (32ull << 20)
#define RA_AHEAD  (8ull << 20)
#define RA_KEEP   (4ull << 20)

struct chunk {
	struct readahead *ra;
	struct chunk *next;
	uint64_t off;
	size_t len;
	size_t got;  /* bytes readers may use (under ra->mu) */
	size_t fill; /* bytes in buf (the loader's) */
	char *buf;
	char *key;
	char etag[OBJSTORE_ETAG_MAX];
	bool done, orphan;
	unsigned pins; /* replies sending from buf */
	int err;
	struct cancel cancel; /* set when orphaned: nobody wants it now */
};

struct readahead {
	struct fs *fs;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *chunks; /* by offset, contiguous */
	unsigned loading;
	unsigned pinned; /* pins of replies in flight: ra_free waits for them */
	uint64_t seq_end;
	unsigned streak;
	size_t next_len; /* of the next chunk; 0: CHUNK_FIRST */
	char etag[OBJSTORE_ETAG_MAX];
};

struct sink {
	char *p;
	size_t got, cap;
};

static int
sink_copy(const void *p, size_t n, void *arg)
{
	struct sink *s = arg;

	if (n > s->cap - s->got)
		return -EIO; /* more than asked: the server is wrong */
	memcpy(s->p + s->got, p, n);
	s->got += n;
	return 0;
}

static int
get_range(struct fs *fs, const char *key, const char *etag, uint64_t off,
    void *buf, size_t len, size_t *got)
{
	struct sink s = { .p = buf, .cap = len };
	struct objstore_get_req g = { .off = off,
		.len = len,
		.if_match = etag[0] ? etag : NULL,
		.sink = sink_copy,
		.arg = &s };
	int r;

	r = objstore_get(fs->store, key, &g, NULL, NULL);
	*got = s.got;
	return r;
}

static void
chunk_free(struct fs *fs, struct chunk *c)
{
	mem_put(fs, c->buf, c->len);
	free(c->key);
	free(c);
}

/* The loader's sink: the bytes go to the chunk; readers waiting for them
 * hear every PUBLISH bytes. */
static int
chunk_sink(const void *p, size_t n, void *arg)
{
	struct chunk *c = arg;

	if (n > c->len - c->fill)
		return -EIO; /* more than asked: the server is wrong */
	memcpy(c->buf + c->fill, p, n);
	c->fill += n;
	if (c->fill - c->got >= PUBLISH) {
		pthread_mutex_lock(&c->ra->mu);
		c->got = c->fill;
		pthread_cond_broadcast(&c->ra->cv);
		pthread_mutex_unlock(&c->ra->mu);
	}
	return 0;
}

static void
chunk_job(void *arg)
{
	struct chunk *c = arg;
	struct readahead *ra = c->ra;
	struct fs *fs = ra->fs;
	struct objstore_get_req g = { .off = c->off,
		.len = c->len,
		.if_match = c->etag[0] ? c->etag : NULL,
		.sink = chunk_sink,
		.arg = c };
	struct cancel *was = cancel_watch(&c->cancel);
	int r;

	r = objstore_get(fs->store, c->key, &g, NULL, NULL);
	cancel_watch(was);
	pthread_mutex_lock(&ra->mu);
	c->err = r;
	c->got = c->fill;
	c->done = true;
	ra->loading--;
	if (c->orphan && c->pins == 0)
		chunk_free(fs, c);
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
}

/* Drop the chunks before `off` (all of them when `all`); one still being
 * fetched, or pinned by a reply, goes when that ends.  Under ra->mu. */
static void
drop_chunks(struct readahead *ra, uint64_t off, bool all)
{
	while (ra->chunks != NULL &&
	    (all || ra->chunks->off + ra->chunks->len <= off)) {
		struct chunk *c = ra->chunks;

		ra->chunks = c->next;
		if (c->done && c->pins == 0) {
			chunk_free(ra->fs, c);
		} else {
			c->orphan = true;
			cancel_set(&c->cancel); /* its get stops early */
		}
	}
}

static void
chunk_unpin(struct chunk *c)
{
	struct readahead *ra = c->ra;

	pthread_mutex_lock(&ra->mu);
	ra->pinned--;
	if (--c->pins == 0 && c->orphan && c->done)
		chunk_free(ra->fs, c);
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
}

/* A quarter of read_ahead within [CHUNK_MIN, CHUNK_MAX], and small enough
 * that a few fit in the budget. */
static uint64_t
chunk_size(const struct fs *fs)
{
	uint64_t c = fs->cfg.read_ahead / 4, held = mem_held_max(fs) / 4;

	c = c > CHUNK_MAX ? CHUNK_MAX : c < CHUNK_MIN ? CHUNK_MIN : c;
	return held > 0 && c > held ? held : c;
}

/* Keep chunks ahead of `off`, as far as the streak, the budget and
 * max_parallel allow.  Under ra->mu. */
static void
fill_window(struct fs *fs, struct readahead *ra, const char *key, uint64_t off,
    uint64_t fsize)
{
	uint64_t cs = chunk_size(fs), win, start, end, held = 0, max;
	unsigned par = fs->cfg.cheap ? 1 : fs->cfg.max_parallel;
	struct chunk **tail = &ra->chunks;

	max = fs->cfg.read_ahead > cs ? fs->cfg.read_ahead : cs;
	win = CHUNK_FIRST << (ra->streak < 12 ? ra->streak : 12);
	if (win > max)
		win = max;
	end = off + win < fsize ? off + win : fsize;
	start = off;
	while (*tail != NULL) {
		start = (*tail)->off + (*tail)->len;
		held += (*tail)->len;
		tail = &(*tail)->next;
	}
	while (start < end && ra->loading < par) {
		struct chunk *c;
		uint64_t len = ra->next_len ? ra->next_len : CHUNK_FIRST;
		void *buf;

		if (len > cs)
			len = cs;
		if (len > fsize - start)
			len = fsize - start;
		/* A reader holds read_ahead at most, behind it included. */
		if (held + len > max)
			break;
		if (mem_get(fs, (size_t)len, 0, NULL, &buf) != 0)
			break; /* no room: reads fetch what they need */
		held += len;
		ra->next_len = (size_t)len * 2;
		c = xcalloc(1, sizeof(*c));
		cancel_init(&c->cancel);
		c->ra = ra;
		c->off = start;
		c->len = (size_t)len;
		c->buf = buf;
		c->key = xstrdup(key);
		memcpy(c->etag, ra->etag, sizeof(c->etag));
		*tail = c;
		tail = &c->next;
		ra->loading++;
		start += len;
		pool_submit(fs->pool, chunk_job, c);
	}
}

/* Pin what the chunks hold of [off, off+size) as pieces of `rb` (one slot
 * kept for the rest), waiting for the bytes being fetched; returns the
 * bytes from `off` on.  Under ra->mu (waits on it, so every round looks
 * the chunk up again: a racing reader may have dropped it). */
static ssize_t
pin_chunks(struct readahead *ra, struct fs_read_buf *rb, size_t size,
    uint64_t off, const struct fs_ctx *x)
{
	size_t done = 0;

	while (done < size && rb->n < FS_READ_IOV - 1) {
		uint64_t at = off + done, end;
		struct chunk *c = ra->chunks;

		while (c != NULL && !(c->off <= at && at < c->off + c->len))
			c = c->next;
		if (c == NULL)
			break;
		end =
		    c->off + c->len < off + size ? c->off + c->len : off + size;
		if (c->off + c->got < end) {
			if (c->done) /* a short get: the object shrank */
				return c->err != 0 ? fs_errno(c->err) : -EIO;
			if (fs_interrupted(x))
				return -EINTR;
			time_cond_wait(&ra->cv, &ra->mu, FS_POLL_MS);
			continue;
		}
		rb->iov[rb->n].iov_base = c->buf + (at - c->off);
		rb->iov[rb->n].iov_len = (size_t)(end - at);
		rb->pin[rb->n++] = c;
		c->pins++;
		ra->pinned++;
		done += (size_t)(end - at);
	}
	return (ssize_t)done;
}

int
fs_read_own(struct fs *fs, struct fs_read_buf *rb, size_t n,
    const struct fs_ctx *x, char **p)
{
	void *b;
	int r = mem_get_read(fs, n, x, &b);

	if (r != 0)
		return r;
	rb->iov[rb->n].iov_base = b;
	rb->iov[rb->n].iov_len = 0;
	rb->pin[rb->n++] = NULL;
	rb->own = n;
	*p = b;
	return 0;
}

void
fs_read_release(struct fs_read_buf *rb)
{
	for (int i = 0; i < rb->n; i++) {
		if (rb->pin[i] != NULL)
			chunk_unpin(rb->pin[i]);
		else
			mem_put_read(rb->fs, rb->iov[i].iov_base, rb->own);
	}
	rb->n = 0;
}

/* Get [off+done, off+size) from the store: into `dst` + done when given,
 * else into a piece of `rb` of our own. */
static ssize_t
read_rest(struct fs *fs, const char *key, const char *etag, uint64_t off,
    size_t size, size_t done, struct fs_read_buf *rb, char *dst,
    const struct fs_ctx *x)
{
	size_t need = size - done, got = 0;
	char *p = dst != NULL ? dst + done : NULL;
	int r = 0;

	if (p == NULL)
		r = fs_read_own(fs, rb, need, x, &p);
	if (r == 0)
		r = get_range(fs, key, etag, off + done, p, need, &got);
	if (r == 0 && got != need)
		r = -EIO;
	if (r != 0)
		return fs_errno(r);
	if (dst == NULL)
		rb->iov[rb->n - 1].iov_len = need;
	return (ssize_t)size;
}

/* Whether `off` belongs to the stream: a little behind or ahead of where
 * it got to, as concurrent reads of the kernel's readahead arrive.  Under
 * ra->mu. */
static bool
ra_near(const struct readahead *ra, uint64_t off)
{
	return off + RA_BEHIND >= ra->seq_end && off <= ra->seq_end + RA_AHEAD;
}

static struct readahead *
ra_get(struct fs *fs, struct fh *h)
{
	if (h->ra == NULL) {
		h->ra = xcalloc(1, sizeof(*h->ra));
		h->ra->fs = fs;
		pthread_mutex_init(&h->ra->mu, NULL);
		pthread_cond_init(&h->ra->cv, NULL);
	}
	return h->ra;
}

/* Note the read at `off` in the streak; whether it continues one.  Under
 * ra->mu. */
static bool
ra_track(struct readahead *ra, const char *etag, uint64_t off, size_t size)
{
	if (strcmp(ra->etag, etag) != 0) {
		drop_chunks(ra, 0, true);
		memcpy(ra->etag, etag, sizeof(ra->etag));
	}
	if (off == ra->seq_end || (ra->streak > 0 && ra_near(ra, off))) {
		/* The kernel's readahead sends several reads at once and
		 * they may arrive out of order: still the same stream. */
		if (ra->streak < UINT_MAX)
			ra->streak++;
	} else {
		ra->streak = off == 0 ? 1 : 0;
		drop_chunks(ra, 0, true);
		ra->seq_end = 0;
		ra->next_len = 0;
	}
	if (off + size > ra->seq_end)
		ra->seq_end = off + size;
	return ra->streak > 0;
}

ssize_t
ra_read(struct fs *fs, struct fh *h, size_t size, uint64_t off,
    const struct fs_ctx *x, struct fs_read_buf *rb, char *dst)
{
	char etag[OBJSTORE_ETAG_MAX], *key = NULL;
	struct readahead *ra;
	uint64_t fsize;
	ssize_t r;

	pthread_mutex_lock(&fs->lock);
	fsize = h->in->size;
	memcpy(etag, h->in->etag, sizeof(etag));
	r = inode_key(fs, h->in, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r != 0)
		return r;
	if (off >= fsize || size == 0) {
		free(key);
		return 0;
	}
	if (size > fsize - off)
		size = (size_t)(fsize - off);
	ra = ra_get(fs, h);
	pthread_mutex_lock(&ra->mu);
	r = 0;
	if (ra_track(ra, etag, off, size)) {
		drop_chunks(ra, off > RA_KEEP ? off - RA_KEEP : 0, false);
		fill_window(fs, ra, key, off, fsize);
		r = pin_chunks(ra, rb, size, off, x);
		/* Interrupted: a stalled get must not hold up the next read. */
		if (r == -EINTR)
			drop_chunks(ra, 0, true);
	}
	pthread_mutex_unlock(&ra->mu);
	/* Random, or no budget for readahead: just this range. */
	if (r >= 0 && (size_t)r < size)
		r = read_rest(fs, key, etag, off, size, (size_t)r, rb, dst, x);
	free(key);
	return r;
}

void
ra_free(struct fs *fs, struct fh *h)
{
	struct readahead *ra = h->ra;

	(void)fs;
	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->mu);
	drop_chunks(ra, 0, true);
	/* A reply may still be sending from a chunk (a read whose caller
	 * was interrupted can outlive the release): it unpins through ra. */
	while (ra->loading > 0 || ra->pinned > 0)
		pthread_cond_wait(&ra->cv, &ra->mu);
	pthread_mutex_unlock(&ra->mu);
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->cv);
	free(ra);
	h->ra = NULL;
}
