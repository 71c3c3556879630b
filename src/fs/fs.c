/*
 * The file system's life (configuration, creation, draining, freeing) and
 * the inode calls: lookup, forget, getattr, statfs.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
fs_config_defaults(struct fs_config *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix = "";
	c->uid = getuid();
	c->gid = getgid();
	c->dir_mode = 0755;
	c->file_mode = 0644;
	c->stat_cache_ttl_ms = 60000;
	c->type_cache_ttl_ms = 60000;
	c->memory_limit = 1ull << 30;
	c->staging_max = 16ull << 30;
	c->part_size = FS_PART_SIZE;
	c->max_parallel = FS_MAX_PARALLEL;
	c->read_ahead = 64ull << 20;
	c->copy_threshold = FS_COPY_ONE_MAX;
}

/* "/a/b/" -> "a/b/", "" -> "" (goofys's ParseBucketSpec). */
static char *
norm_prefix(const char *p)
{
	size_t n;
	char *s;

	if (p == NULL)
		p = "";
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0)
		return xstrdup("");
	s = xmalloc(n + 2);
	memcpy(s, p, n);
	memcpy(s + n, "/", 2);
	return s;
}

struct fs *
fs_new(const struct fs_config *c, struct objstore *store, struct rerr *e)
{
	struct fs *fs = xcalloc(1, sizeof(*fs));

	fs->cfg = *c;
	fs->cfg.prefix = NULL;
	fs->cfg.staging_dir = c->staging_dir ? xstrdup(c->staging_dir) : NULL;
	if (fs->cfg.part_size == 0)
		fs->cfg.part_size = FS_PART_SIZE;
	if (fs->cfg.max_parallel == 0)
		fs->cfg.max_parallel = FS_MAX_PARALLEL;
	if (fs->cfg.copy_threshold == 0)
		fs->cfg.copy_threshold = FS_COPY_ONE_MAX;
	if (fs->cfg.memory_limit == 0)
		fs->cfg.memory_limit = 1ull << 30;
	if (fs->cfg.staging_max == 0)
		fs->cfg.staging_max = 16ull << 30;
	mem_init(fs);
	fs->prefix = norm_prefix(c->prefix);
	if (strlen(fs->prefix) >= OBJSTORE_KEY_MAX) {
		rerr_set(e, -ENAMETOOLONG, "prefix longer than a key");
		goto fail;
	}
	fs->store = store;
	fs->mount_time = time(NULL);
	pthread_mutex_init(&fs->lock, NULL);
	pthread_mutex_init(&fs->mlock, NULL);
	pthread_cond_init(&fs->mcond, NULL);
	fs_table_init(fs);
	fs->root->attr_ms = fs_now_ms();
	if (staging_init(fs, e) != 0) {
		fs_table_free(fs);
		goto fail;
	}
	fs->pool = pool_new(fs->cfg.cheap ? 1 : FS_WORKERS);
	return fs;
fail:
	free((char *)fs->cfg.staging_dir);
	free(fs->prefix);
	free(fs);
	return NULL;
}

void
fs_free(struct fs *fs)
{
	if (fs == NULL)
		return;
	/* Lookups' detached directory probes: told to stop, gone soon. */
	pthread_mutex_lock(&fs->mlock);
	while (fs->probes > 0)
		pthread_cond_wait(&fs->mcond, &fs->mlock);
	pthread_mutex_unlock(&fs->mlock);
	pool_free(fs->pool);
	/* Handles the kernel never released: drop their content. */
	for (size_t i = 0; i < fs->nbuckets; i++)
		for (struct inode *in = fs->by_ino[i]; in; in = in->next_ino)
			content_drop(fs, in);
	mem_trim(fs);
	staging_fini(fs);
	fs_table_free(fs);
	pthread_mutex_destroy(&fs->lock);
	pthread_mutex_destroy(&fs->mlock);
	pthread_cond_destroy(&fs->mcond);
	free((char *)fs->cfg.staging_dir);
	free(fs->prefix);
	free(fs);
}

int
fs_drain(struct fs *fs, int timeout_ms)
{
	struct timespec ts;
	int r = 0;

	time_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&fs->mlock);
	while (fs->uploads > 0 && r == 0)
		if (pthread_cond_timedwait(&fs->mcond, &fs->mlock, &ts) != 0 &&
		    fs->uploads > 0)
			r = -ETIMEDOUT;
	pthread_mutex_unlock(&fs->mlock);
	return r;
}

void
fs_get_stats(struct fs *fs, struct fs_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&fs->lock);
	st->inodes = fs->ninodes;
	pthread_mutex_unlock(&fs->lock);
	pthread_mutex_lock(&fs->mlock);
	st->handles = fs->handles;
	st->mem_used = fs->mem_used + fs->mem_reads;
	st->mem_peak = fs->mem_peak;
	st->staged = fs->staged;
	st->uploads = fs->uploads;
	st->upload_errs = fs->upload_errs;
	pthread_mutex_unlock(&fs->mlock);
}

int
fs_lookup(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, struct fs_entry *out)
{
	struct inode *dir, *in = NULL;
	int r = 0;

	(void)x;
	dir = inode_hold(fs, parent, &r);
	if (dir == NULL)
		return r;
	r = fs_resolve(fs, dir, name, &in);
	pthread_mutex_lock(&fs->lock);
	if (r == 0) {
		in->nlookup++;
		inode_entry(fs, in, out);
		inode_put(fs, in);
	}
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);
	return r;
}

void
fs_forget(struct fs *fs, uint64_t ino, uint64_t nlookup)
{
	struct inode *in;

	pthread_mutex_lock(&fs->lock);
	in = inode_find(fs, ino);
	if (in != NULL && in != fs->root) {
		in->nlookup = nlookup < in->nlookup ? in->nlookup - nlookup : 0;
		inode_maybe_free(fs, in);
	}
	pthread_mutex_unlock(&fs->lock);
}

/* A file's attributes past the stat TTL are asked again (one HEAD). */
static int
refresh_file(struct fs *fs, struct inode *in)
{
	struct probe p;
	char *key;
	uint64_t when;
	int r;

	pthread_mutex_lock(&fs->lock);
	if (in->type == IT_DIR || in->local || in->cs != CS_CLEAN ||
	    in->nwriters > 0 || !in->linked ||
	    fs_fresh(in->attr_ms, fs->cfg.stat_cache_ttl_ms)) {
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
	if (r == 0 && p.type == in->type && in->cs == CS_CLEAN)
		inode_set_attrs(in, p.size, p.mtime, p.etag, when, true);
	else if (r == -ENOENT && in->nopen == 0)
		inode_unlink(fs, in);
	else if (r == 0 || r == -ENOENT)
		r = 0;
	pthread_mutex_unlock(&fs->lock);
	if (r == 0)
		free(p.target);
	return fs_errno(r);
}

int
fs_getattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino, struct stat *st,
    double *timeout)
{
	struct inode *in;
	int r = 0;

	(void)x;
	in = inode_hold(fs, ino, &r);
	if (in == NULL)
		return r;
	r = refresh_file(fs, in);
	pthread_mutex_lock(&fs->lock);
	if (r == 0)
		inode_stat(fs, in, st);
	inode_put(fs, in);
	pthread_mutex_unlock(&fs->lock);
	if (timeout != NULL)
		*timeout = (double)fs->cfg.stat_cache_ttl_ms / 1000.0;
	return r;
}

int
fs_statfs(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, struct statvfs *st)
{
	const uint64_t bsize = 4096, blocks = (1ull << 50) / 4096;

	(void)fs;
	(void)x;
	(void)ino;
	memset(st, 0, sizeof(*st));
	st->f_bsize = 1 << 20; /* goofys's iosize */
	st->f_frsize = bsize;
	st->f_blocks = blocks;
	st->f_bfree = blocks;
	st->f_bavail = blocks;
	st->f_files = 1000000000;
	st->f_ffree = 1000000000;
	st->f_favail = 1000000000;
	st->f_namemax = 255;
	return 0;
}
