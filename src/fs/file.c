/*
 * Open files: create, open (with its revalidating HEAD), read, write,
 * flush, release, fsync and truncate.  A file's content is in one of the
 * states of enum cstate; writes move it between them, uploads end them.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/log.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
content_dirty(const struct inode *in)
{
	return in->cs == CS_EMPTY || in->cs == CS_STREAM ||
	    (in->cs == CS_STAGE && in->sdirty);
}

/* The size this mount sees, under io. */
static uint64_t
content_size(struct inode *in)
{
	return in->size;
}

static struct fh *
fh_new(struct fs *fs, struct inode *in, int flags, const struct fs_ctx *x)
{
	struct fh *h = xcalloc(1, sizeof(*h));

	h->in = in;
	h->flags = flags;
	h->pid = x != NULL ? x->pid : 0;
	pthread_mutex_lock(&fs->mlock);
	fs->handles++;
	fs->files++;
	pthread_mutex_unlock(&fs->mlock);
	return h;
}

/* Count `h` as a writer of its inode.  Under io. */
static void
fh_wrote(struct fs *fs, struct fh *h)
{
	h->wrote = true;
	if (!h->writer) {
		h->writer = true;
		pthread_mutex_lock(&fs->lock);
		h->in->nwriters++;
		pthread_mutex_unlock(&fs->lock);
	}
}

/* Local attributes after a local change.  Under io. */
static void
set_local_size(struct fs *fs, struct inode *in, uint64_t size)
{
	pthread_mutex_lock(&fs->lock);
	in->size = size;
	in->mtime = time(NULL);
	pthread_mutex_unlock(&fs->lock);
}

/* Make the content empty (not uploaded yet).  Under io. */
static void
content_empty(struct fs *fs, struct inode *in)
{
	if (in->stream != NULL)
		stream_abort(fs, in);
	stage_drop(fs, in);
	in->cs = CS_EMPTY;
	set_local_size(fs, in, 0);
}

int
fs_create(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, mode_t mode, int flags, struct fs_entry *out,
    struct fs_open_res *res)
{
	struct inode *dir, *in;
	struct fh *h;
	int r = 0;

	(void)mode;
	dir = inode_hold(fs, parent, &r);
	if (dir == NULL)
		return r;
	if (dir->type != IT_DIR || strchr(name, '/') != NULL || !*name) {
		inode_release(fs, dir);
		return dir->type != IT_DIR ? -ENOTDIR : -EINVAL;
	}
	pthread_mutex_lock(&fs->lock);
	in = inode_child(fs, dir, name);
	if (in != NULL && in->type == IT_DIR) {
		inode_put(fs, dir);
		pthread_mutex_unlock(&fs->lock);
		return -EISDIR;
	}
	if (in != NULL && (flags & O_EXCL) && in->linked) {
		inode_put(fs, dir);
		pthread_mutex_unlock(&fs->lock);
		return -EEXIST;
	}
	in = inode_child_make(fs, dir, name, IT_REG);
	if (in->type != IT_REG) {
		inode_put(fs, dir);
		pthread_mutex_unlock(&fs->lock);
		return -EEXIST;
	}
	in->nlookup++;
	in->nopen++;
	inode_get(in);
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);

	h = fh_new(fs, in, flags, x);
	pthread_mutex_lock(&in->io);
	pthread_mutex_lock(&fs->lock);
	if (in->attr_ms == 0)
		in->local = true; /* not in the store: readdir shows it */
	pthread_mutex_unlock(&fs->lock);
	content_empty(fs, in);
	fh_wrote(fs, h);
	pthread_mutex_unlock(&in->io);

	pthread_mutex_lock(&fs->lock);
	inode_entry(fs, in, out);
	pthread_mutex_unlock(&fs->lock);
	memset(res, 0, sizeof(*res));
	res->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

/*
 * The revalidating HEAD of open(); skipped only for content held here.
 * Always, even right after a lookup's HEAD: that lookup may have answered
 * an earlier stat, and close-to-open allows no window.
 */
static int
revalidate(struct fs *fs, struct inode *in)
{
	struct probe p;
	uint64_t when;
	char *key;
	int r;

	pthread_mutex_lock(&fs->lock);
	if (in->local || in->cs != CS_CLEAN || in->nwriters > 0 ||
	    !in->linked) {
		pthread_mutex_unlock(&fs->lock);
		return 0;
	}
	r = inode_key(fs, in, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r != 0)
		return r;
	when = fs_now_ms();
	r = fs_probe_head(fs, key, &p);
	free(key);
	pthread_mutex_lock(&fs->lock);
	if (r == 0 && in->cs == CS_CLEAN)
		inode_set_attrs(in, p.size, p.mtime, p.etag, when, true);
	if (r == -ENOENT && in->nopen == 0)
		inode_unlink(fs, in);
	pthread_mutex_unlock(&fs->lock);
	if (r == 0)
		free(p.target);
	return fs_errno(r);
}

int
fs_open(struct fs *fs, const struct fs_ctx *x, uint64_t ino, int flags,
    struct fs_open_res *res)
{
	bool trunc = (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY;
	struct inode *in;
	struct fh *h;
	int r = 0;

	in = inode_hold(fs, ino, &r);
	if (in == NULL)
		return r;
	if (in->type == IT_DIR) {
		inode_release(fs, in);
		return -EISDIR;
	}
	if (!trunc && (r = revalidate(fs, in)) != 0) {
		inode_release(fs, in);
		return r;
	}
	h = fh_new(fs, in, flags, x);
	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&fs->lock);
	in->nopen++;
	res->keep_cache = !in->stale_pages;
	in->stale_pages = false;
	pthread_mutex_unlock(&fs->lock);
	if (trunc) {
		pthread_mutex_lock(&in->io);
		content_empty(fs, in);
		fh_wrote(fs, h);
		pthread_mutex_unlock(&in->io);
		res->keep_cache = false;
	}
	res->fh = (uint64_t)(uintptr_t)h; /* the hold is the handle's */
	return 0;
}

/* Write `n` bytes at `off` through the staging file.  Under io. */
static ssize_t
write_staged(
    struct fs *fs, struct inode *in, const void *buf, size_t n, uint64_t off)
{
	ssize_t w;
	int r;

	if (in->cs == CS_STREAM) {
		/* The stream cannot go back: store what it has, then edit. */
		r = content_upload(fs, in);
		if (r != 0)
			return r;
	}
	r = stage_ensure(fs, in, in->cs == CS_CLEAN && !in->local);
	if (r != 0)
		return r;
	w = stage_pwrite(fs, in, buf, n, off);
	if (w >= 0)
		set_local_size(fs, in, in->size > off + n ? in->size : off + n);
	return w;
}

ssize_t
fs_write(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    const void *buf, size_t size, off_t off)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;
	struct inode *in = h->in;
	uint64_t uoff = (uint64_t)off;
	ssize_t r;

	(void)ino;
	if ((h->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&in->io);
	if ((in->cs == CS_EMPTY && uoff == 0) ||
	    (in->cs == CS_STREAM && in->stream != NULL && uoff == in->size) ||
	    (in->cs == CS_CLEAN && uoff == 0 && in->size == 0) ||
	    (fs->staging == NULL && in->cs == CS_CLEAN && uoff == 0)) {
		/* goofys's case: sequential from 0 (without staging, a write
		 * at 0 of an existing file starts a new object, as there). */
		in->cs = CS_STREAM;
		r = stream_write(fs, in, h, buf, size, x);
		if (r == -ETIME) {
			/* No budget for its buffer: stage it instead. */
			r = stream_spill(fs, in);
			if (r == 0)
				r = write_staged(fs, in, buf, size, uoff);
			if (r >= 0)
				r = 0;
		}
		if (r == 0) {
			set_local_size(fs, in, uoff + size);
			r = (ssize_t)size;
		}
	} else if (fs->staging == NULL && in->cs != CS_STAGE) {
		log_warn(LOG_FUSE,
		    "write at %lld: only sequential writes are "
		    "supported without a staging dir",
		    (long long)off);
		r = -ENOTSUP;
	} else {
		r = write_staged(fs, in, buf, size, uoff);
	}
	if (r >= 0)
		fh_wrote(fs, h);
	pthread_mutex_unlock(&in->io);
	return r;
}

/* Read into `rb` (and `dst`, when given: see ra_read). */
static ssize_t
read_any(struct fs *fs, const struct fs_ctx *x, struct fh *h, size_t size,
    off_t off, struct fs_read_buf *rb, char *dst)
{
	struct inode *in = h->in;
	char *p = dst;
	ssize_t r;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&in->io);
	if (in->cs == CS_STREAM) {
		/* Read back what is being streamed: store it first. */
		r = content_upload(fs, in);
		if (r != 0) {
			pthread_mutex_unlock(&in->io);
			return r;
		}
	}
	if (in->cs == CS_EMPTY) {
		pthread_mutex_unlock(&in->io);
		return 0;
	}
	if (in->cs == CS_STAGE && in->stage != NULL) {
		r = p == NULL ? fs_read_own(fs, rb, size, x, &p) : 0;
		if (r == 0)
			r = stage_pread(in, p, size, (uint64_t)off);
		if (r > 0 && dst == NULL)
			rb->iov[rb->n - 1].iov_len = (size_t)r;
		pthread_mutex_unlock(&in->io);
		return r;
	}
	pthread_mutex_unlock(&in->io);
	return ra_read(fs, h, size, (uint64_t)off, x, rb, dst);
}

ssize_t
fs_read_buf(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    size_t size, off_t off, struct fs_read_buf *rb)
{
	memset(rb, 0, sizeof(*rb));
	rb->fs = fs;
	(void)ino;
	return read_any(fs, x, (struct fh *)(uintptr_t)fh, size, off, rb, NULL);
}

ssize_t
fs_read(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    void *buf, size_t size, off_t off)
{
	struct fs_read_buf rb = { .fs = fs };
	char *at = buf;
	ssize_t r;

	(void)ino;
	r = read_any(fs, x, (struct fh *)(uintptr_t)fh, size, off, &rb, buf);
	/* The pieces come first; the rest is in `buf` already. */
	for (int i = 0; r >= 0 && i < rb.n; i++) {
		memcpy(at, rb.iov[i].iov_base, rb.iov[i].iov_len);
		at += rb.iov[i].iov_len;
	}
	fs_read_release(&rb);
	return r;
}

static bool
same_process(const struct fh *h, const struct fs_ctx *x)
{
	return x == NULL || x->pid == 0 || h->pid == 0 || x->pid == h->pid;
}

/*
 * Whether the writer still holds a dup of the descriptor being closed.  A
 * shell's `cmd > f` (and dd) opens f, dup2()s it onto 1 and closes the
 * first before writing: uploading there would PUT an empty object that
 * others could see, then the real one.  Only with a single handle on the
 * inode is any descriptor of it in that process a dup of this one.
 */
static bool
dup_left(struct fs *fs, const struct fs_ctx *x, struct inode *in)
{
	bool one;

	if (x == NULL || x->holds == NULL || x->pid <= 0)
		return false;
	pthread_mutex_lock(&fs->lock);
	one = in->nopen == 1;
	pthread_mutex_unlock(&fs->lock);
	return one && x->holds(x, in->ino);
}

int
fs_flush(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;
	struct inode *in = h->in;
	int r = 0;

	(void)ino;
	if (!h->wrote || !same_process(h, x) || dup_left(fs, x, in))
		return 0;
	pthread_mutex_lock(&in->io);
	if (content_dirty(in))
		r = content_upload(fs, in);
	if (r == 0)
		h->wrote = false;
	pthread_mutex_unlock(&in->io);
	return r;
}

int
fs_release(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;
	struct inode *in = h->in;
	bool idle;
	int r = 0;

	(void)x;
	(void)ino;
	ra_free(fs, h);
	pthread_mutex_lock(&in->io);
	if (h->writer) {
		pthread_mutex_lock(&fs->lock);
		in->nwriters--;
		pthread_mutex_unlock(&fs->lock);
	}
	/* No flush of the opener uploaded it (the opener died, or only a
	 * child closed): upload now; only the log can hear the error. */
	if (h->wrote && in->nwriters == 0 && content_dirty(in)) {
		r = content_upload(fs, in);
		if (r != 0)
			log_error(
			    LOG_FUSE, "upload at release: %s", strerror(-r));
	}
	pthread_mutex_lock(&fs->lock);
	in->nopen--;
	pthread_mutex_unlock(&fs->lock);
	if (in->nopen == 0 && in->nwriters == 0)
		content_drop(fs, in);
	pthread_mutex_unlock(&in->io);
	pthread_mutex_lock(&fs->lock);
	inode_put(fs, in);
	pthread_mutex_unlock(&fs->lock);
	pthread_mutex_lock(&fs->mlock);
	fs->handles--;
	idle = --fs->files == 0;
	pthread_mutex_unlock(&fs->mlock);
	if (idle)
		mem_trim(fs); /* give the cached buffers back to the system */
	free(h);
	return 0;
}

int
fs_fsync(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    bool datasync)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;
	struct inode *in;
	int r = 0;

	(void)x;
	(void)ino;
	(void)datasync;
	if (h == NULL || h->in->type != IT_REG)
		return 0;
	in = h->in;
	pthread_mutex_lock(&in->io);
	if (content_dirty(in))
		r = content_upload(fs, in);
	pthread_mutex_unlock(&in->io);
	return r;
}

/* truncate to `size`.  Under io. */
static int
truncate_locked(struct fs *fs, struct inode *in, uint64_t size)
{
	int r;

	if (size == content_size(in) && in->cs != CS_CLEAN)
		return 0;
	if (size == 0) {
		content_empty(fs, in);
		return 0;
	}
	if (size == content_size(in))
		return 0;
	if (fs->staging == NULL)
		return -ENOTSUP;
	if (in->cs == CS_STREAM && (r = content_upload(fs, in)) != 0)
		return r;
	r = stage_ensure(fs, in, in->cs == CS_CLEAN && !in->local);
	if (r == 0)
		r = stage_truncate(fs, in, size);
	if (r == 0)
		set_local_size(fs, in, size);
	return r;
}

static int
setattr_size(struct fs *fs, struct inode *in, struct fh *h, uint64_t size)
{
	bool changed;
	int r;

	pthread_mutex_lock(&in->io);
	changed = size != content_size(in) || (size == 0 && in->cs == CS_CLEAN);
	r = truncate_locked(fs, in, size);
	if (r == 0 && changed && h != NULL)
		fh_wrote(fs, h);
	/* truncate(2) by name with no writer to upload it: do it now. */
	if (r == 0 && changed && h == NULL && in->nwriters == 0) {
		r = content_upload(fs, in);
		if (in->nopen == 0)
			content_drop(fs, in);
	}
	pthread_mutex_unlock(&in->io);
	return r;
}

int
fs_setattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    const struct stat *st, unsigned valid, struct stat *out, double *timeout)
{
	struct inode *in;
	int r = 0;

	(void)x;
	in = inode_hold(fs, ino, &r);
	if (in == NULL)
		return r;
	if (valid & FS_SET_SIZE) {
		if (in->type == IT_DIR)
			r = -EISDIR;
		else if (st->st_size < 0)
			r = -EINVAL;
		else if (in->type == IT_REG)
			r = setattr_size(fs, in, (struct fh *)(uintptr_t)fh,
			    (uint64_t)st->st_size);
	}
	/* Mode, owner and times: accepted without effect, as goofys. */
	pthread_mutex_lock(&fs->lock);
	if (r == 0)
		inode_stat(fs, in, out);
	inode_put(fs, in);
	pthread_mutex_unlock(&fs->lock);
	if (timeout != NULL)
		*timeout = (double)fs->cfg.stat_cache_ttl_ms / 1000.0;
	return r;
}
