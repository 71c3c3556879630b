/*
 * Uploads: a sequential writer's stream (one PUT when it stays small, else
 * a multipart upload of parts sent in the background while it writes, each
 * part's buffer charged to the memory budget before it exists), and the
 * upload that ends any content state.  A failed upload aborts its multipart
 * upload, so the old object stays.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct stream {
	struct fs *fs;
	char *buf; /* the part being filled (set under mu) */
	size_t blen, bcap;
	char *spare; /* a sent part's buffer, kept for the next (under mu) */
	size_t spare_cap;
	unsigned nparts; /* parts sent */
	char *key;       /* of the multipart upload */
	char *upload_id;
	struct objstore_part *parts;
	size_t pcap;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned inflight;
	int err; /* the first failure: every later call returns it */
	struct cancel
	    cancel; /* its parts give up: its waiter was interrupted */
};

/* How long a new file's writer waits for budget before it stages. */
#define BUDGET_WAIT_MS 500
#define FIRST_BUF      (64u << 10) /* a new file's first buffer */

struct part_job {
	struct stream *s;
	unsigned num;
	char *buf;
	size_t len, cap;
};

/* goofys master's schedule: x5 after 500, 1000 and 2000 parts; but a part
 * must fit in the budget. */
static uint64_t
part_size(const struct fs *fs, unsigned num)
{
	uint64_t b = fs->cfg.part_size, max = mem_held_max(fs), p;

	p = num <= 500    ? b
	    : num <= 1000 ? b * 5
	    : num <= 2000 ? b * 25
	                  : b * 125;
	return p > max && max >= b ? max : p;
}

/* The content type and metadata an upload of `key` carries. */
void
fs_upload_attrs(
    struct fs *fs, struct inode *in, const char *key, struct objstore_attrs *a)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".txt", "text/plain" },
		{ ".html", "text/html" },
		{ ".htm", "text/html" },
		{ ".css", "text/css" },
		{ ".js", "application/javascript" },
		{ ".json", "application/json" },
		{ ".xml", "application/xml" },
		{ ".csv", "text/csv" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".svg", "image/svg+xml" },
		{ ".pdf", "application/pdf" },
		{ ".zip", "application/zip" },
		{ ".gz", "application/gzip" },
		{ ".tar", "application/x-tar" },
		{ ".mp4", "video/mp4" },
		{ ".mp3", "audio/mpeg" },
		{ ".wasm", "application/wasm" },
	};
	const char *dot = strrchr(key, '.');

	memset(a, 0, sizeof(*a));
	a->meta = in->pmeta;
	a->nmeta = in->npmeta;
	if (!fs->cfg.use_content_type || dot == NULL || strchr(dot, '/'))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			a->content_type = types[i].type;
}

static void
part_done(void *arg)
{
	struct part_job *j = arg;
	struct stream *s = j->s;
	struct fs *fs = s->fs; /* s may be gone once inflight drops */
	struct objstore_body b = { .data = j->buf, .size = j->len };
	char etag[OBJSTORE_ETAG_MAX];
	struct cancel *was = cancel_watch(&s->cancel);
	bool keep;
	int r;

	r = objstore_mpu_part(
	    fs->store, s->key, s->upload_id, j->num, &b, etag, NULL);
	cancel_watch(was);
	pthread_mutex_lock(&s->mu);
	if (r != 0 && s->err == 0)
		s->err = r;
	if (r == 0) {
		s->parts[j->num - 1].num = j->num;
		memcpy(s->parts[j->num - 1].etag, etag, sizeof(etag));
	}
	/* The writer needs a buffer next: this one, whatever the budget. */
	keep = s->buf == NULL && s->spare == NULL;
	if (keep) {
		s->spare = j->buf;
		s->spare_cap = j->cap;
	}
	/* Given back before the waiters see the part done: once the last
	 * handle is released, nothing is left to charge (mem_trim). */
	if (!keep)
		mem_put(fs, j->buf, j->cap);
	s->inflight--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(j);
}

/* Wait for the parts in flight; if this thread's caller gives up
 * meanwhile (util/cancel.h), the parts give up too, so it is not kept. */
static void
stream_wait(struct stream *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->inflight > 0) {
		if (cancel_requested())
			cancel_set(&s->cancel);
		time_cond_wait(&s->cv, &s->mu, FS_POLL_MS);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Under s->mu: wait a slice for a part to finish; -EINTR to give up. */
static int
stream_wait_slice(struct stream *s, const struct fs_ctx *x)
{
	if (fs_interrupted(x))
		return -EINTR;
	time_cond_wait(&s->cv, &s->mu, FS_POLL_MS);
	return 0;
}

/*
 * A buffer for the next part of a multipart upload.  A new one if the
 * budget has room, else the buffer of a part this stream sent: when the
 * writer has none, every finished part's buffer stays with the stream, so
 * it waits for its own uploads only, never for other files' writes (which
 * would need FUSE workers that may all be waiting here).  A spare smaller
 * than the schedule's size makes a smaller part: S3 allows it.
 */
static int
mpu_buf(struct fs *fs, struct stream *s, uint64_t *cap, const struct fs_ctx *x,
    void **p)
{
	int r = 0;

	pthread_mutex_lock(&s->mu);
	while (r == 0 && (s->spare == NULL || s->spare_cap != *cap)) {
		pthread_mutex_unlock(&s->mu);
		r = mem_get(fs, *cap, 0, x, p);
		pthread_mutex_lock(&s->mu);
		if (r == 0) {
			pthread_mutex_unlock(&s->mu);
			return 0;
		}
		r = 0;
		if (s->spare != NULL)
			*cap = s->spare_cap;
		else if (s->inflight == 0)
			r = -EAGAIN; /* nothing of ours to wait for */
		else
			r = stream_wait_slice(s, x);
	}
	if (r == 0) {
		*p = s->spare;
		s->spare = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	return r == -EAGAIN ? mem_get(fs, *cap, -1, x, p) : r;
}

/*
 * A first part's buffer starts small and doubles as the file grows: a
 * small file holds little of the budget until its close, so many files
 * being written at once do not take it all.  A buffer it cannot get in a
 * little while, the caller (-ETIME) stages the file instead.  Without a
 * staging dir, one whole part at once: a writer waiting to grow would wait
 * holding a buffer, and writers could all wait on each other.
 */
static int
first_buf(
    struct fs *fs, struct stream *s, uint64_t full, const struct fs_ctx *x)
{
	uint64_t cap = s->bcap ? (uint64_t)s->bcap * 2 : FIRST_BUF;
	char *p = NULL, *old;
	size_t ocap;
	int r;

	if (cap > full || fs->staging == NULL)
		cap = full;
	r = mem_get(
	    fs, (size_t)cap, fs->staging ? BUDGET_WAIT_MS : -1, x, (void **)&p);
	if (r == -ENOMEM && fs->staging != NULL)
		r = -ETIME; /* a part never fits: stage it */
	if (r != 0)
		return r;
	if (s->blen > 0)
		memcpy(p, s->buf, s->blen);
	pthread_mutex_lock(&s->mu);
	old = s->buf;
	ocap = s->bcap;
	s->buf = p;
	s->bcap = (size_t)cap;
	pthread_mutex_unlock(&s->mu);
	mem_put(fs, old, ocap);
	return 0;
}

/* Room in s->buf, when it is missing or full (and not a whole part). */
static int
stream_buf(struct fs *fs, struct stream *s, const struct fs_ctx *x)
{
	uint64_t cap = part_size(fs, s->nparts + 1);
	void *p = NULL;
	int r;

	if (s->upload_id == NULL)
		return first_buf(fs, s, cap, x);
	if ((r = mpu_buf(fs, s, &cap, x, &p)) != 0)
		return r;
	pthread_mutex_lock(&s->mu);
	s->buf = p;
	s->bcap = (size_t)cap;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Send the full buffer as the next part (creating the upload first). */
static int
stream_send(struct fs *fs, struct inode *in, struct stream *s)
{
	struct part_job *j;
	int r;

	if (s->nparts + 1 > OBJSTORE_PARTS_MAX)
		return -EFBIG;
	if (s->upload_id == NULL) {
		struct objstore_attrs a;

		pthread_mutex_lock(&fs->lock);
		r = inode_key(fs, in, &s->key);
		pthread_mutex_unlock(&fs->lock);
		if (r != 0)
			return r;
		fs_upload_attrs(fs, in, s->key, &a);
		r = objstore_mpu_create(
		    fs->store, s->key, &a, &s->upload_id, NULL);
		if (r != 0)
			return r;
	}
	j = xcalloc(1, sizeof(*j));
	j->s = s;
	pthread_mutex_lock(&s->mu);
	/* No more parts queued than can be sent at once: a writer faster
	 * than the store waits here rather than fill the budget. */
	while (s->inflight >= fs->cfg.max_parallel)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->nparts + 1 > s->pcap) {
		s->pcap = s->pcap ? s->pcap * 2 : 16;
		s->parts = xrealloc(s->parts, s->pcap * sizeof(*s->parts));
	}
	j->num = ++s->nparts;
	s->inflight++;
	j->buf = s->buf;
	j->len = s->blen;
	j->cap = s->bcap;
	s->buf = NULL;
	s->blen = s->bcap = 0;
	pthread_mutex_unlock(&s->mu);
	pool_submit(fs->pool, part_done, j);
	return 0;
}

int
stream_write(struct fs *fs, struct inode *in, struct fh *h, const void *buf,
    size_t n, const struct fs_ctx *x)
{
	const char *p = buf;
	struct stream *s = in->stream;
	int r;

	(void)h;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fs = fs;
		cancel_init(&s->cancel);
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		in->stream = s;
	}
	pthread_mutex_lock(&s->mu);
	r = s->err;
	pthread_mutex_unlock(&s->mu);
	while (r == 0 && n > 0) {
		size_t k;

		/* -ETIME: no budget for the first part; fs_write stages the
		 * file instead (and writes what was taken of `buf` again, at
		 * the same place). */
		if (s->blen == s->bcap && (r = stream_buf(fs, s, x)) != 0)
			break;
		k = s->bcap - s->blen < n ? s->bcap - s->blen : n;
		memcpy(s->buf + s->blen, p, k);
		s->blen += k;
		p += k;
		n -= k;
		if (s->blen == s->bcap &&
		    (s->upload_id != NULL ||
		        s->bcap >= part_size(fs, s->nparts + 1)))
			r = stream_send(fs, in, s);
	}
	if (r == -ETIME)
		return r;
	if (r != 0) {
		pthread_mutex_lock(&s->mu);
		if (s->err == 0)
			s->err = r;
		pthread_mutex_unlock(&s->mu);
	}
	return fs_errno(r);
}

static void
stream_free(struct fs *fs, struct inode *in)
{
	struct stream *s = in->stream;

	mem_put(fs, s->buf, s->bcap);
	mem_put(fs, s->spare, s->spare_cap);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->parts);
	free(s->key);
	free(s->upload_id);
	free(s);
	in->stream = NULL;
}

int
stream_spill(struct fs *fs, struct inode *in)
{
	struct stream *s = in->stream;
	int r;

	if (s == NULL || s->upload_id != NULL)
		return -EINVAL;
	r = stage_ensure(fs, in, false);
	if (r == 0 && s->blen > 0) {
		ssize_t w = stage_pwrite(fs, in, s->buf, s->blen, 0);

		r = w < 0 ? (int)w : 0;
	}
	if (r != 0) {
		stage_drop(fs, in);
		in->cs = CS_STREAM;
		return r;
	}
	stream_free(fs, in);
	in->cs = CS_STAGE;
	in->sdirty = true;
	return 0;
}

void
stream_abort(struct fs *fs, struct inode *in)
{
	struct stream *s = in->stream;

	if (s == NULL)
		return;
	stream_wait(s);
	if (s->upload_id != NULL)
		objstore_mpu_abort(fs->store, s->key, s->upload_id, NULL);
	stream_free(fs, in);
}

/* Complete the multipart upload; it went to s->key, which a rename may
 * have moved since: then the object follows the file. */
static int
stream_complete(struct fs *fs, struct stream *s, const char *key,
    struct objstore_put_res *res)
{
	int r;

	if (s->blen > 0 || s->nparts == 0)
		r = stream_send(fs, NULL, s);
	else
		r = 0;
	stream_wait(s);
	if (r == 0)
		r = s->err;
	if (r == 0)
		r = objstore_mpu_complete(fs->store, s->key, s->upload_id,
		    s->parts, s->nparts, res, NULL);
	if (r != 0) {
		objstore_mpu_abort(fs->store, s->key, s->upload_id, NULL);
		return r;
	}
	if (strcmp(s->key, key) == 0)
		return 0;
	r = fs_copy_object(fs, s->key, key, UINT64_MAX, res->etag);
	if (r == 0)
		r = objstore_delete(fs->store, s->key, NULL);
	return r;
}

int
stream_finish(struct fs *fs, struct inode *in, const char *key,
    const struct objstore_attrs *a, struct objstore_put_res *res)
{
	struct stream *s = in->stream;
	int r;

	if (s == NULL) {
		struct objstore_body b = { .data = "", .size = 0 };

		return objstore_put(fs->store, key, &b, a, 0, res, NULL);
	}
	pthread_mutex_lock(&s->mu);
	r = s->err;
	pthread_mutex_unlock(&s->mu);
	if (r == 0 && s->upload_id == NULL) {
		struct objstore_body b = { .data = s->buf ? s->buf : "",
			.size = s->blen };

		r = objstore_put(fs->store, key, &b, a, 0, res, NULL);
	} else if (r == 0) {
		r = stream_complete(fs, s, key, res);
	} else {
		stream_wait(s);
		if (s->upload_id != NULL)
			objstore_mpu_abort(
			    fs->store, s->key, s->upload_id, NULL);
	}
	stream_free(fs, in);
	return r;
}

/* Drop local content nobody holds any more.  Under io (or at fs_free). */
void
content_drop(struct fs *fs, struct inode *in)
{
	if (in->stream != NULL)
		stream_abort(fs, in);
	stage_drop(fs, in);
	pthread_mutex_lock(&fs->lock);
	if (content_dirty(in))
		in->attr_ms = 0; /* what we had is not the store's word */
	if (in->local)
		inode_unlink(fs, in); /* never stored: it does not exist */
	in->local = false;
	in->cs = CS_CLEAN;
	in->sdirty = false;
	pthread_mutex_unlock(&fs->lock);
}

static void
count_upload(struct fs *fs, int delta, int r)
{
	pthread_mutex_lock(&fs->mlock);
	fs->uploads += (uint64_t)(int64_t)delta;
	if (r != 0)
		fs->upload_errs++;
	pthread_cond_broadcast(&fs->mcond);
	pthread_mutex_unlock(&fs->mlock);
}

/* Store the content as the object.  Under io. */
int
content_upload(struct fs *fs, struct inode *in)
{
	struct objstore_put_res res = { 0 };
	struct objstore_attrs a;
	bool was_local;
	char *key = NULL;
	int r;

	pthread_mutex_lock(&fs->lock);
	r = in->linked ? inode_key(fs, in, &key) : -ENOENT;
	pthread_mutex_unlock(&fs->lock);
	if (r == -ENOENT) {
		/* Unlinked meanwhile: nothing to store, as goofys. */
		if (in->stream != NULL)
			stream_abort(fs, in);
		in->cs = in->stage != NULL ? CS_STAGE : CS_CLEAN;
		in->sdirty = false;
		return 0;
	}
	if (r != 0)
		return r;
	fs_upload_attrs(fs, in, key, &a);
	count_upload(fs, 1, 0);
	if (in->cs == CS_STAGE)
		r = stage_upload(fs, in, key, &a, &res);
	else
		r = stream_finish(fs, in, key, &a, &res);
	count_upload(fs, -1, r);
	if (r != 0) {
		if (r == -EINTR) /* the writer gave up: it is told so */
			log_info(LOG_FUSE, "upload of %s interrupted", key);
		else
			log_error(LOG_FUSE, "upload of %s failed: %s", key,
			    strerror(-r));
		if (in->cs == CS_STREAM)
			in->cs = CS_CLEAN; /* the stream is gone */
		free(key);
		return fs_errno(r);
	}
	pthread_mutex_lock(&fs->lock);
	was_local = in->local;
	in->local = false;
	if (in->cs != CS_STAGE)
		in->cs = CS_CLEAN;
	in->sdirty = false;
	inode_set_attrs(in, in->size, res.mtime ? res.mtime : time(NULL),
	    res.etag, fs_now_ms(), true);
	in->stale_pages = false;
	if (was_local && in->parent != NULL)
		fs_dir_invalidate(in->parent);
	pthread_mutex_unlock(&fs->lock);
	free(key);
	return 0;
}
