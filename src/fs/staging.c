/*
 * Staging files: what lets roma do what goofys cannot (appends, writes at
 * any offset, truncate, O_RDWR edits).  The object is fetched into an
 * unlinked temporary file in the mount's private staging directory (so a
 * crash leaves no data behind), edited there, and uploaded on close.  The
 * total size of staging files is bounded by staging_max (-ENOSPC).
 *
 * The directory itself holds a lock file, flock()ed by its daemon for as
 * long as that process lives (the kernel drops the lock however it dies;
 * a reused pid cannot hold it), with the pid inside for people.  A dir
 * whose lock can be taken belongs to a dead daemon: the next mount on the
 * same base, and roma umount, remove it.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGING_PREFIX "staging."
#define STAGING_LOCK   "lock"
/* Locked under this name, then renamed: a sweeper never sees "lock"
 * unlocked while its daemon lives. */
#define STAGING_LOCK_NEW "lock.new"

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

/* Where the private staging directory goes when none was given: the
 * user's cache dir (`buf`, "" when there is none)... */
static void
cache_base(char *buf, size_t n)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (x != NULL && x[0] == '/')
		snprintf(buf, n, "%s/roma", x);
	else if (h != NULL && h[0] == '/')
		snprintf(buf, n, "%s/.cache/roma", h);
	else
		buf[0] = '\0';
}

/* ... else the temporary dir. */
static const char *
tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] == '/' ? t : "/tmp";
}

static char *
default_base(void)
{
	char buf[4096];

	cache_base(buf, sizeof(buf));
	if (buf[0] != '\0' && mkdir_p(buf, 0700) == 0 && access(buf, W_OK) == 0)
		return xstrdup(buf);
	return xstrdup(tmp_base());
}

/* Take the lock of the new private dir `dir`; its fd, or -errno. */
static int
lock_dir(const char *dir)
{
	char tmp[4096], path[4096], pid[32];
	int fd, r, n;

	snprintf(tmp, sizeof(tmp), "%s/" STAGING_LOCK_NEW, dir);
	snprintf(path, sizeof(path), "%s/" STAGING_LOCK, dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		r = -errno;
	else if (write(fd, pid, (size_t)n) != n)
		r = -EIO;
	else if (rename(tmp, path) != 0)
		r = -errno;
	else
		return fd;
	close(fd);
	unlink(tmp);
	return r;
}

/* Remove what a dead daemon left in its dir (`dfd`), then the dir. */
static void
remove_stale(int basefd, int dfd, const char *name)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dfd, de->d_name, 0);
	closedir(d);
	if (unlinkat(basefd, name, AT_REMOVEDIR) != 0)
		log_warn(LOG_FUSE, "stale staging dir %s: %s", name,
		    strerror(errno));
	else
		log_info(LOG_FUSE, "removed the staging dir %s of a dead mount",
		    name);
}

/* `name` in `basefd`, if it is one of our staging dirs whose daemon is
 * gone (its lock is free).  Never one without a lock file: a daemon may
 * be between mkdtemp and its lock. */
static void
sweep_one(int basefd, const char *name)
{
	struct stat st;
	int dfd, lfd;

	if (strncmp(name, STAGING_PREFIX, strlen(STAGING_PREFIX)) != 0 ||
	    strlen(name) != strlen(STAGING_PREFIX "XXXXXX"))
		return;
	dfd = openat(
	    basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	if (fstat(dfd, &st) != 0 || st.st_uid != geteuid()) {
		close(dfd);
		return;
	}
	lfd = openat(dfd, STAGING_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) == 0)
		remove_stale(basefd, dfd, name);
	if (lfd >= 0)
		close(lfd);
	close(dfd);
}

static void
sweep(const char *base)
{
	int basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (basefd < 0)
		return;
	if ((d = fdopendir(dup(basefd))) != NULL) {
		while ((de = readdir(d)) != NULL)
			sweep_one(basefd, de->d_name);
		closedir(d);
	}
	close(basefd);
}

void
fs_staging_sweep(const char *staging_dir)
{
	char buf[4096];

	if (staging_dir != NULL) {
		if (staging_dir[0] != '\0')
			sweep(staging_dir);
		return;
	}
	cache_base(buf, sizeof(buf));
	if (buf[0] != '\0')
		sweep(buf); /* nothing, when it does not exist */
	sweep(tmp_base());
}

int
staging_init(struct fs *fs, struct rerr *e)
{
	const char *dir = fs->cfg.staging_dir;
	char *base, *tmpl;
	size_t n;
	int r;

	fs->staging_lock = -1;
	if (dir != NULL && dir[0] == '\0')
		return 0; /* disabled: goofys's behaviour */
	base = dir != NULL ? xstrdup(dir) : default_base();
	sweep(base);
	n = strlen(base) + sizeof("/" STAGING_PREFIX "XXXXXX");
	tmpl = xmalloc(n);
	snprintf(tmpl, n, "%s/" STAGING_PREFIX "XXXXXX", base);
	if (mkdtemp(tmpl) == NULL) {
		r = -errno;
		rerr_set(e, r, "staging dir %s: %s", base, strerror(-r));
		goto fail;
	}
	if ((r = lock_dir(tmpl)) < 0) {
		rerr_set(e, r, "staging dir %s: lock: %s", tmpl, strerror(-r));
		rmdir(tmpl);
		goto fail;
	}
	free(base);
	fs->staging = tmpl;
	fs->staging_lock = r;
	return 0;
fail:
	free(base);
	free(tmpl);
	return r;
}

void
staging_fini(struct fs *fs)
{
	char path[4096];

	if (fs->staging == NULL)
		return;
	snprintf(path, sizeof(path), "%s/" STAGING_LOCK, fs->staging);
	unlink(path);
	close(fs->staging_lock);
	fs->staging_lock = -1;
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
