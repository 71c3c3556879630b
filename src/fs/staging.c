/*
 * Staging files: what lets roma do what goofys cannot (appends, writes at
 * any offset, truncate, O_RDWR edits).  The object is fetched into an
 * unlinked temporary file in the mount's private staging directory (so a
 * crash leaves nothing behind), edited there, and uploaded on close.  The
 * total size of staging files is bounded by staging_max (-ENOSPC).
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct stage {
	int fd;
	uint64_t size;
	uint64_t charged; /* bytes counted in fs->staged */
};

static int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int r = 0;

	for (char *s = p + 1; *s != '\0' && r == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
	}
	if (r == 0 && mkdir(p, mode) != 0 && errno != EEXIST)
		r = -errno;
	free(p);
	return r;
}

/* The parent of the private staging directory when none was given. */
static char *
default_base(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	char buf[4096];

	if (x != NULL && x[0] == '/')
		snprintf(buf, sizeof(buf), "%s/roma", x);
	else if (h != NULL && h[0] == '/')
		snprintf(buf, sizeof(buf), "%s/.cache/roma", h);
	else
		buf[0] = '\0';
	if (buf[0] != '\0' && mkdir_p(buf, 0700) == 0 && access(buf, W_OK) == 0)
		return xstrdup(buf);
	x = getenv("TMPDIR");
	return xstrdup(x != NULL && x[0] == '/' ? x : "/tmp");
}

int
staging_init(struct fs *fs, struct rerr *e)
{
	const char *dir = fs->cfg.staging_dir;
	char *base, *tmpl;
	size_t n;

	if (dir != NULL && dir[0] == '\0')
		return 0; /* disabled: goofys's behaviour */
	base = dir != NULL ? xstrdup(dir) : default_base();
	n = strlen(base) + sizeof("/staging.XXXXXX");
	tmpl = xmalloc(n);
	snprintf(tmpl, n, "%s/staging.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		int r = -errno;

		rerr_set(e, r, "staging dir %s: %s", base, strerror(-r));
		free(base);
		free(tmpl);
		return r;
	}
	free(base);
	fs->staging = tmpl;
	return 0;
}

void
staging_fini(struct fs *fs)
{
	if (fs->staging == NULL)
		return;
	if (rmdir(fs->staging) != 0)
		log_warn(LOG_FUSE, "staging dir %s: %s", fs->staging,
		    strerror(errno));
	free(fs->staging);
	fs->staging = NULL;
}

/* Count `size` bytes of the stage against staging_max. */
static int
charge(struct fs *fs, struct stage *st, uint64_t size)
{
	int r = 0;

	pthread_mutex_lock(&fs->mlock);
	if (size > st->charged) {
		if (fs->staged + (size - st->charged) > fs->cfg.staging_max)
			r = -ENOSPC;
		else
			fs->staged += size - st->charged;
	} else {
		fs->staged -= st->charged - size;
	}
	if (r == 0)
		st->charged = size;
	pthread_mutex_unlock(&fs->mlock);
	return r;
}

static int
stage_open(struct fs *fs)
{
	size_t n = strlen(fs->staging) + sizeof("/f.XXXXXX");
	char *path = xmalloc(n);
	int fd;

	snprintf(path, n, "%s/f.XXXXXX", fs->staging);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd >= 0 ? fd : -errno;
}

/* Move the content to a staging file, fetching the object if `fetch`.
 * Under io. */
int
stage_ensure(struct fs *fs, struct inode *in, bool fetch)
{
	struct objstore_xfer xf = { .part_size = 8ull << 20,
		.concurrency = fs->cfg.cheap ? 1 : fs->cfg.max_parallel };
	struct objstore_info info = { 0 };
	struct stage *st;
	char *key = NULL;
	int r, fd;

	if (in->stage != NULL) {
		in->cs = CS_STAGE;
		return 0;
	}
	if (fs->staging == NULL)
		return -ENOTSUP;
	fd = stage_open(fs);
	if (fd < 0)
		return fd;
	st = xcalloc(1, sizeof(*st));
	st->fd = fd;
	if (fetch) {
		pthread_mutex_lock(&fs->lock);
		r = charge(fs, st, in->size);
		if (r == 0)
			r = inode_key(fs, in, &key);
		pthread_mutex_unlock(&fs->lock);
		if (r == 0)
			r = objstore_get_fd(
			    fs->store, key, fd, &xf, &info, NULL);
		free(key);
		if (r == 0 && (r = charge(fs, st, info.size)) == 0)
			st->size = info.size;
		objstore_info_release(&info);
		if (r != 0) {
			charge(fs, st, 0);
			close(fd);
			free(st);
			return fs_errno(r);
		}
	}
	in->stage = st;
	in->cs = CS_STAGE;
	in->sdirty = !fetch;
	pthread_mutex_lock(&fs->lock);
	in->size = st->size;
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

void
stage_drop(struct fs *fs, struct inode *in)
{
	struct stage *st = in->stage;

	if (st == NULL)
		return;
	charge(fs, st, 0);
	close(st->fd);
	free(st);
	in->stage = NULL;
}

int
stage_truncate(struct fs *fs, struct inode *in, uint64_t size)
{
	struct stage *st = in->stage;
	int r;

	r = charge(fs, st, size);
	if (r != 0)
		return r;
	if (ftruncate(st->fd, (off_t)size) != 0) {
		r = -errno;
		charge(fs, st, st->size);
		return r;
	}
	st->size = size;
	in->sdirty = true;
	return 0;
}

ssize_t
stage_pwrite(
    struct fs *fs, struct inode *in, const void *p, size_t n, uint64_t off)
{
	struct stage *st = in->stage;
	uint64_t end = off + n;
	size_t done = 0;
	int r;

	if (end > st->size && (r = charge(fs, st, end)) != 0)
		return r;
	while (done < n) {
		ssize_t w = pwrite(st->fd, (const char *)p + done, n - done,
		    (off_t)(off + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (size_t)w;
	}
	if (end > st->size)
		st->size = end;
	in->sdirty = true;
	return (ssize_t)n;
}

ssize_t
stage_pread(struct inode *in, void *p, size_t n, uint64_t off)
{
	struct stage *st = in->stage;
	size_t done = 0;

	if (off >= st->size)
		return 0;
	if (n > st->size - off)
		n = (size_t)(st->size - off);
	while (done < n) {
		ssize_t k = pread(
		    st->fd, (char *)p + done, n - done, (off_t)(off + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break; /* cannot happen: the size is ours */
		done += (size_t)k;
	}
	return (ssize_t)done;
}

static int
stage_read_cb(void *p, size_t n, uint64_t off, void *arg)
{
	struct stage *st = arg;
	size_t done = 0;

	while (done < n) {
		ssize_t k = pread(
		    st->fd, (char *)p + done, n - done, (off_t)(off + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		done += (size_t)k;
	}
	return 0;
}

int
stage_upload(struct fs *fs, struct inode *in, const char *key,
    const struct objstore_attrs *a, struct objstore_put_res *res)
{
	struct stage *st = in->stage;
	struct objstore_body b = {
		.size = st->size, .read = stage_read_cb, .arg = st
	};
	struct objstore_xfer xf = { .part_size = fs->cfg.part_size,
		.concurrency = fs->cfg.cheap ? 1 : fs->cfg.max_parallel };
	int r;

	r = objstore_put_large(fs->store, key, &b, a, &xf, res, NULL);
	if (r == 0) {
		pthread_mutex_lock(&fs->lock);
		in->size = st->size;
		pthread_mutex_unlock(&fs->lock);
	}
	return r;
}
