/*
 * Namespace changes: mkdir, rmdir, unlink, rename, symlink, readlink.
 * Each costs the requests S3 needs and no probe the kernel already made
 * (it looks a name up before it creates or removes it).
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/cancel.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SYMLINK_META "--symlink-target"

static int
hold_dir(struct fs *fs, uint64_t ino, struct inode **dir)
{
	int r = 0;

	*dir = inode_hold(fs, ino, &r);
	if (*dir != NULL && (*dir)->type != IT_DIR) {
		inode_release(fs, *dir);
		*dir = NULL;
		r = -ENOTDIR;
	}
	return r;
}

/* Make (or refresh) the child after a successful create in the store and
 * take the kernel's reference.  Under fs->lock. */
static void
new_child(struct fs *fs, struct inode *dir, const char *name, enum itype t,
    const struct objstore_put_res *res, struct fs_entry *out)
{
	struct inode *in = inode_child_make(fs, dir, name, t);

	inode_set_attrs(in, 0, res->mtime, res->etag, fs_now_ms(), true);
	if (t == IT_DIR)
		in->mtime = fs->mount_time;
	in->nlookup++;
	fs_dir_invalidate(dir);
	inode_entry(fs, in, out);
}

int
fs_mkdir(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, mode_t mode, struct fs_entry *out)
{
	struct objstore_body b = { .data = "", .size = 0 };
	struct objstore_put_res res = { 0 };
	struct inode *dir, *in;
	char *key = NULL;
	int r;

	(void)x;
	(void)mode;
	if ((r = hold_dir(fs, parent, &dir)) != 0)
		return r;
	pthread_mutex_lock(&fs->lock);
	in = inode_child(fs, dir, name);
	if (in != NULL && (in->local || in->type == IT_DIR))
		r = -EEXIST;
	else
		r = inode_child_key(fs, dir, name, true, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r == 0)
		r = fs_errno(
		    objstore_put(fs->store, key, &b, NULL, 0, &res, NULL));
	pthread_mutex_lock(&fs->lock);
	if (r == 0)
		new_child(fs, dir, name, IT_DIR, &res, out);
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);
	free(key);
	return r;
}

/* Whether local children (created, not stored) keep `d` non-empty. */
static bool
has_local_kids(struct fs *fs, struct inode *d)
{
	bool any = false;

	pthread_mutex_lock(&fs->lock);
	for (struct inode *k = d->kids; k != NULL && !any; k = k->knext)
		any = k->local;
	pthread_mutex_unlock(&fs->lock);
	return any;
}

int
fs_rmdir(
    struct fs *fs, const struct fs_ctx *x, uint64_t parent, const char *name)
{
	struct inode *dir, *in = NULL;
	char *key = NULL;
	bool empty = false;
	int r;

	(void)x;
	if ((r = hold_dir(fs, parent, &dir)) != 0)
		return r;
	r = fs_resolve(fs, dir, name, &in);
	if (r == 0 && in->type != IT_DIR)
		r = -ENOTDIR;
	if (r == 0) {
		pthread_mutex_lock(&fs->lock);
		r = inode_key(fs, in, &key);
		pthread_mutex_unlock(&fs->lock);
	}
	if (r == 0)
		r = fs_errno(fs_dir_empty(fs, key, &empty));
	if (r == 0 && (!empty || has_local_kids(fs, in)))
		r = -ENOTEMPTY;
	if (r == 0)
		r = fs_errno(objstore_delete(fs->store, key, NULL));
	pthread_mutex_lock(&fs->lock);
	if (r == 0) {
		inode_unlink(fs, in);
		fs_dir_invalidate(dir);
	}
	if (in != NULL)
		inode_put(fs, in);
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);
	free(key);
	return r;
}

int
fs_unlink(
    struct fs *fs, const struct fs_ctx *x, uint64_t parent, const char *name)
{
	struct inode *dir, *in = NULL;
	char *key = NULL;
	int r;

	(void)x;
	if ((r = hold_dir(fs, parent, &dir)) != 0)
		return r;
	r = fs_resolve(fs, dir, name, &in);
	if (r == 0 && in->type == IT_DIR)
		r = -EISDIR;
	if (r == 0) {
		pthread_mutex_lock(&fs->lock);
		r = in->local ? 0 : inode_key(fs, in, &key);
		pthread_mutex_unlock(&fs->lock);
	}
	if (r == 0 && key != NULL)
		r = fs_errno(objstore_delete(fs->store, key, NULL));
	pthread_mutex_lock(&fs->lock);
	if (r == 0) {
		inode_unlink(fs, in);
		in->local = false;
		fs_dir_invalidate(dir);
	}
	if (in != NULL)
		inode_put(fs, in);
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);
	free(key);
	return r;
}

/* Above the copy threshold: UploadPartCopy of ranges of the fs's part
 * size (at least S3's 5 MiB, at most 5 GiB, and large enough for 10000
 * parts), guarded by the source's ETag; the metadata comes along from the
 * HEAD. */
static int
copy_multipart(struct fs *fs, const char *src, const char *dst)
{
	struct objstore_info info = { 0 };
	struct objstore_attrs a = { 0 };
	struct objstore_part *parts = NULL;
	uint64_t part, fit, off;
	char *id = NULL;
	unsigned n = 0;
	int r;

	r = objstore_head(fs->store, src, &info, NULL);
	if (r != 0)
		return r;
	part = fs->cfg.part_size;
	if (part < FS_COPY_PART_MIN)
		part = FS_COPY_PART_MIN;
	fit = (info.size + OBJSTORE_PARTS_MAX - 1) / OBJSTORE_PARTS_MAX;
	if (part < fit)
		part = fit;
	if (part > FS_COPY_PART_MAX)
		part = FS_COPY_PART_MAX;
	a.content_type = info.content_type;
	a.meta = info.meta;
	a.nmeta = info.nmeta;
	r = objstore_mpu_create(fs->store, dst, &a, &id, NULL);
	if (r != 0)
		goto out;
	parts = xcalloc(info.size / part + 1, sizeof(*parts));
	for (off = 0; r == 0 && off < info.size; off += part, n++) {
		uint64_t len = info.size - off < part ? info.size - off : part;

		parts[n].num = n + 1;
		r = objstore_mpu_part_copy(fs->store, dst, id, n + 1, src, off,
		    len, info.etag, parts[n].etag, NULL);
	}
	if (r == 0)
		r = objstore_mpu_complete(
		    fs->store, dst, id, parts, n, NULL, NULL);
	if (r != 0)
		objstore_mpu_abort(fs->store, dst, id, NULL);
out:
	free(parts);
	free(id);
	objstore_info_release(&info);
	return r;
}

int
fs_copy_object(struct fs *fs, const char *src, const char *dst, uint64_t size,
    const char *etag)
{
	int r = -EFBIG;

	if (size == UINT64_MAX || size <= fs->cfg.copy_threshold)
		r = objstore_copy(fs->store, src, dst,
		    etag != NULL && etag[0] ? etag : NULL, NULL, NULL, NULL);
	if (r == -EFBIG)
		r = copy_multipart(fs, src, dst);
	return r;
}

struct dir_copy {
	struct fs *fs;
	size_t slen;
	const char *dst;
	char **done; /* source keys copied, to delete */
	size_t n, cap;
};

static int
copy_page(const struct objstore_list_page *pg, void *arg)
{
	struct dir_copy *c = arg;
	int r = 0;

	for (size_t i = 0; i < pg->nentries && r == 0; i++) {
		const struct objstore_entry *e = &pg->entries[i];
		size_t dl = strlen(c->dst), tl = strlen(e->key) - c->slen;
		char *to;

		if (dl + tl > OBJSTORE_KEY_MAX)
			return -ENAMETOOLONG;
		to = xmalloc(dl + tl + 1);
		memcpy(to, c->dst, dl);
		memcpy(to + dl, e->key + c->slen, tl + 1);
		r = fs_copy_object(c->fs, e->key, to, e->size, e->etag);
		free(to);
		if (r != 0)
			break;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->done = xrealloc(c->done, c->cap * sizeof(*c->done));
		}
		c->done[c->n++] = xstrdup(e->key);
	}
	return r;
}

/* Object by object, markers included; sources go only once all copied. */
static int
rename_dir_objects(struct fs *fs, const char *src, const char *dst)
{
	struct objstore_list_req q = { .prefix = src };
	struct dir_copy c = { .fs = fs, .slen = strlen(src), .dst = dst };
	struct cancel *was;
	int r;

	r = objstore_list_all(fs->store, &q, copy_page, &c, NULL);
	was =
	    cancel_watch(NULL); /* all copied: the sources go (delete_source) */
	for (size_t i = 0; r == 0 && i < c.n; i += OBJSTORE_PAGE_MAX) {
		size_t k =
		    c.n - i < OBJSTORE_PAGE_MAX ? c.n - i : OBJSTORE_PAGE_MAX;
		int *errs = xcalloc(k, sizeof(*errs));

		r = objstore_delete_many(
		    fs->store, (const char *const *)c.done + i, k, errs, NULL);
		free(errs);
	}
	cancel_watch(was);
	for (size_t i = 0; i < c.n; i++)
		free(c.done[i]);
	free(c.done);
	return r;
}

/* The source of a rename whose copy is made: not cancelled, so a caller
 * that gives up now never leaves the file in both places. */
static int
delete_source(struct fs *fs, const char *key)
{
	struct cancel *was = cancel_watch(NULL);
	int r = objstore_delete(fs->store, key, NULL);

	cancel_watch(was);
	return r;
}

/* The checks rename(2) makes on an existing target. */
static int
rename_target(
    struct fs *fs, struct inode *src, struct inode *dst, unsigned flags)
{
	char *key = NULL;
	bool empty = false;
	int r;

	if (flags & FS_RENAME_NOREPLACE)
		return -EEXIST;
	if (src->type == IT_DIR && dst->type != IT_DIR)
		return -ENOTDIR;
	if (src->type != IT_DIR && dst->type == IT_DIR)
		return -EISDIR;
	if (dst->type != IT_DIR)
		return 0;
	pthread_mutex_lock(&fs->lock);
	r = inode_key(fs, dst, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r == 0)
		r = fs_errno(fs_dir_empty(fs, key, &empty));
	if (r == 0 && (!empty || has_local_kids(fs, dst)))
		r = -ENOTEMPTY;
	if (r == 0)
		r = fs_errno(objstore_delete(fs->store, key, NULL));
	free(key);
	return r;
}

/* Move the inode to its new name.  Under fs->lock. */
static void
rename_move(struct fs *fs, struct inode *in, struct inode *ndir,
    const char *newname, struct inode *dst)
{
	struct inode *old = in->parent;

	if (dst != NULL)
		inode_unlink(fs, dst);
	inode_unlink(fs, in);
	free(in->name);
	in->name = xstrdup(newname);
	ndir->refs++;
	in->parent = ndir;
	inode_link(fs, in);
	fs_dir_invalidate(old);
	fs_dir_invalidate(ndir);
	old->refs--;
	inode_maybe_free(fs, old);
}

static int
rename_store(
    struct fs *fs, struct inode *in, struct inode *ndir, const char *newname)
{
	char *from = NULL, *to = NULL;
	int r;

	pthread_mutex_lock(&fs->lock);
	r = inode_key(fs, in, &from);
	if (r == 0)
		r = inode_child_key(fs, ndir, newname, in->type == IT_DIR, &to);
	pthread_mutex_unlock(&fs->lock);
	if (r == 0 && in->type == IT_DIR)
		r = rename_dir_objects(fs, from, to);
	else if (r == 0 && !in->local) {
		/* No If-Match: the cached ETag may be older than the object,
		 * and rename moves whatever is there now. */
		r = fs_copy_object(fs, from, to, in->size, NULL);
		if (r == 0)
			r = delete_source(fs, from);
	}
	free(from);
	free(to);
	return fs_errno(r);
}

int
fs_rename(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, uint64_t newparent, const char *newname, unsigned flags)
{
	struct inode *dir = NULL, *ndir = NULL, *in = NULL, *dst = NULL;
	int r;

	(void)x;
	if (flags & FS_RENAME_EXCHANGE)
		return -EINVAL;
	if ((r = hold_dir(fs, parent, &dir)) != 0)
		return r;
	if ((r = hold_dir(fs, newparent, &ndir)) != 0)
		goto out;
	if ((r = fs_resolve(fs, dir, name, &in)) != 0)
		goto out;
	r = fs_resolve(fs, ndir, newname, &dst);
	if (r == -ENOENT)
		r = 0;
	else if (r == 0 && dst == in)
		goto out;
	else if (r == 0)
		r = rename_target(fs, in, dst, flags);
	if (r != 0)
		goto out;
	if (in->type == IT_REG)
		pthread_mutex_lock(&in->io);
	r = rename_store(fs, in, ndir, newname);
	if (r == 0) {
		pthread_mutex_lock(&fs->lock);
		rename_move(fs, in, ndir, newname, dst);
		pthread_mutex_unlock(&fs->lock);
	}
	if (in->type == IT_REG)
		pthread_mutex_unlock(&in->io);
out:
	inode_release(fs, dst);
	inode_release(fs, in);
	inode_release(fs, ndir);
	inode_release(fs, dir);
	return r;
}

int
fs_symlink(struct fs *fs, const struct fs_ctx *x, const char *target,
    uint64_t parent, const char *name, struct fs_entry *out)
{
	struct objstore_meta m = { .name = SYMLINK_META,
		.value = (char *)target };
	struct objstore_attrs a = { .meta = &m, .nmeta = 1 };
	struct objstore_body b = { .data = "", .size = 0 };
	struct objstore_put_res res = { 0 };
	struct inode *dir, *in;
	char *key = NULL;
	int r;

	(void)x;
	if (!fs->cfg.enable_symlinks)
		return -ENOSYS;
	if ((r = hold_dir(fs, parent, &dir)) != 0)
		return r;
	pthread_mutex_lock(&fs->lock);
	r = inode_child_key(fs, dir, name, false, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r == 0)
		r = fs_errno(
		    objstore_put(fs->store, key, &b, &a, 0, &res, NULL));
	pthread_mutex_lock(&fs->lock);
	if (r == 0) {
		new_child(fs, dir, name, IT_LNK, &res, out);
		in = inode_child(fs, dir, name);
		free(in->target);
		in->target = xstrdup(target);
		inode_stat(fs, in, &out->st);
	}
	inode_put(fs, dir);
	pthread_mutex_unlock(&fs->lock);
	free(key);
	return r;
}

int
fs_readlink(struct fs *fs, const struct fs_ctx *x, uint64_t ino, char **target)
{
	struct inode *in;
	int r = 0;

	(void)x;
	*target = NULL;
	in = inode_hold(fs, ino, &r);
	if (in == NULL)
		return r;
	pthread_mutex_lock(&fs->lock);
	if (in->type != IT_LNK || in->target == NULL)
		r = -EINVAL;
	else
		*target = xstrdup(in->target);
	inode_put(fs, in);
	pthread_mutex_unlock(&fs->lock);
	return r;
}
