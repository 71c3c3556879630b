/*
 * The inode table: numbers to inodes, (parent, name) to inodes, reference
 * counts, and keys built from the names up to the root.  Everything here
 * runs under fs->lock unless it says otherwise.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t
fs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1 so that 0 keeps meaning "never". */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

bool
fs_fresh(uint64_t when, uint64_t ttl_ms)
{
	return when != 0 && ttl_ms != 0 && fs_now_ms() - when < ttl_ms;
}

static size_t
hash_ino(uint64_t ino, size_t n)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 17) % n;
}

static size_t
hash_name(uint64_t parent, const char *name, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ parent;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return (size_t)(h % n);
}

int
fs_table_init(struct fs *fs)
{
	fs->nbuckets = 1024;
	fs->by_ino = xcalloc(fs->nbuckets, sizeof(*fs->by_ino));
	fs->by_name = xcalloc(fs->nbuckets, sizeof(*fs->by_name));
	fs->next_ino = FS_ROOT_INO;
	fs->root = inode_new(fs, NULL, "", IT_DIR);
	fs->root->nlookup = 1; /* the kernel never forgets the root */
	return 0;
}

static void
inode_destroy(struct inode *in)
{
	fs_listing_put(in->list);
	for (size_t i = 0; i < in->npmeta; i++) {
		free(in->pmeta[i].name);
		free(in->pmeta[i].value);
	}
	free(in->pmeta);
	free(in->target);
	free(in->name);
	pthread_mutex_destroy(&in->io);
	free(in);
}

/* At fs_free: every inode, whatever its counts. */
void
fs_table_free(struct fs *fs)
{
	for (size_t i = 0; i < fs->nbuckets; i++) {
		struct inode *in = fs->by_ino[i], *next;

		for (; in != NULL; in = next) {
			next = in->next_ino;
			inode_destroy(in);
		}
	}
	free(fs->by_ino);
	free(fs->by_name);
}

/* Double the buckets when the table gets crowded. */
static void
table_grow(struct fs *fs)
{
	size_t n = fs->nbuckets * 2;
	struct inode **bi = xcalloc(n, sizeof(*bi));
	struct inode **bn = xcalloc(n, sizeof(*bn));

	for (size_t i = 0; i < fs->nbuckets; i++) {
		struct inode *in, *next;

		for (in = fs->by_ino[i]; in != NULL; in = next) {
			size_t h = hash_ino(in->ino, n);

			next = in->next_ino;
			in->next_ino = bi[h];
			bi[h] = in;
		}
		for (in = fs->by_name[i]; in != NULL; in = next) {
			size_t h = hash_name(in->parent->ino, in->name, n);

			next = in->next_name;
			in->next_name = bn[h];
			bn[h] = in;
		}
	}
	free(fs->by_ino);
	free(fs->by_name);
	fs->by_ino = bi;
	fs->by_name = bn;
	fs->nbuckets = n;
}

/* A new inode, in the number table but not linked under its name. */
struct inode *
inode_new(
    struct fs *fs, struct inode *parent, const char *name, enum itype type)
{
	struct inode *in = xcalloc(1, sizeof(*in));
	size_t h;

	if (fs->ninodes >= fs->nbuckets)
		table_grow(fs);
	in->ino = fs->next_ino++;
	in->type = type;
	in->name = xstrdup(name);
	in->parent = parent;
	if (parent != NULL)
		parent->refs++;
	in->mtime = fs->mount_time;
	pthread_mutex_init(&in->io, NULL);
	h = hash_ino(in->ino, fs->nbuckets);
	in->next_ino = fs->by_ino[h];
	fs->by_ino[h] = in;
	fs->ninodes++;
	return in;
}

void
inode_link(struct fs *fs, struct inode *in)
{
	size_t h = hash_name(in->parent->ino, in->name, fs->nbuckets);

	in->next_name = fs->by_name[h];
	fs->by_name[h] = in;
	in->linked = true;
	in->kprev = NULL;
	in->knext = in->parent->kids;
	if (in->knext != NULL)
		in->knext->kprev = in;
	in->parent->kids = in;
}

/* Take `in` off its name: later lookups of the name no longer find it. */
void
inode_unlink(struct fs *fs, struct inode *in)
{
	struct inode **pp;

	if (!in->linked)
		return;
	pp = &fs->by_name[hash_name(in->parent->ino, in->name, fs->nbuckets)];
	for (; *pp != NULL; pp = &(*pp)->next_name) {
		if (*pp == in) {
			*pp = in->next_name;
			break;
		}
	}
	if (in->kprev != NULL)
		in->kprev->knext = in->knext;
	else
		in->parent->kids = in->knext;
	if (in->knext != NULL)
		in->knext->kprev = in->kprev;
	in->knext = in->kprev = NULL;
	in->linked = false;
	in->next_name = NULL;
}

struct inode *
inode_find(struct fs *fs, uint64_t ino)
{
	struct inode *in = fs->by_ino[hash_ino(ino, fs->nbuckets)];

	while (in != NULL && in->ino != ino)
		in = in->next_ino;
	return in;
}

struct inode *
inode_child(struct fs *fs, struct inode *dir, const char *name)
{
	struct inode *in = fs->by_name[hash_name(dir->ino, name, fs->nbuckets)];

	for (; in != NULL; in = in->next_name)
		if (in->parent == dir && strcmp(in->name, name) == 0)
			return in;
	return NULL;
}

void
inode_get(struct inode *in)
{
	in->refs++;
}

static void
inode_remove(struct fs *fs, struct inode *in)
{
	struct inode **pp = &fs->by_ino[hash_ino(in->ino, fs->nbuckets)];

	for (; *pp != NULL; pp = &(*pp)->next_ino) {
		if (*pp == in) {
			*pp = in->next_ino;
			break;
		}
	}
	inode_unlink(fs, in);
	fs->ninodes--;
}

/* Free `in`, then any parent it kept alive, when nothing refers to it. */
void
inode_maybe_free(struct fs *fs, struct inode *in)
{
	while (in != NULL && in != fs->root && in->nlookup == 0 &&
	    in->refs == 0 && in->nopen == 0) {
		struct inode *parent = in->parent;

		inode_remove(fs, in);
		inode_destroy(in);
		in = parent;
		if (in != NULL)
			in->refs--;
	}
}

void
inode_put(struct fs *fs, struct inode *in)
{
	in->refs--;
	inode_maybe_free(fs, in);
}

struct inode *
inode_hold(struct fs *fs, uint64_t ino, int *err)
{
	struct inode *in;

	pthread_mutex_lock(&fs->lock);
	in = inode_find(fs, ino);
	if (in != NULL)
		in->refs++;
	pthread_mutex_unlock(&fs->lock);
	if (in == NULL)
		*err = -ESTALE;
	return in;
}

void
inode_release(struct fs *fs, struct inode *in)
{
	if (in == NULL)
		return;
	pthread_mutex_lock(&fs->lock);
	inode_put(fs, in);
	pthread_mutex_unlock(&fs->lock);
}

/* Append the path of `in` (without the prefix) to p; returns the end. */
static size_t
path_len(const struct inode *in)
{
	size_t n = 0;

	for (; in != NULL && in->parent != NULL; in = in->parent)
		n += strlen(in->name) + 1;
	return n;
}

static char *
path_fill(const struct inode *in, char *end)
{
	for (; in != NULL && in->parent != NULL; in = in->parent) {
		size_t l = strlen(in->name);

		*--end = '/';
		end -= l;
		memcpy(end, in->name, l);
	}
	return end;
}

/*
 * The key of `dir`'s child `name` (a directory key ends in '/'), or of
 * `dir` itself when `name` is NULL.  Under fs->lock.
 */
int
inode_child_key(struct fs *fs, struct inode *dir, const char *name,
    bool dir_key, char **key)
{
	size_t pl = strlen(fs->prefix), dl = path_len(dir);
	size_t nl = name != NULL ? strlen(name) + (dir_key ? 1 : 0) : 0;
	char *k;

	*key = NULL;
	if (pl + dl + nl > OBJSTORE_KEY_MAX)
		return -ENAMETOOLONG;
	k = xmalloc(pl + dl + nl + 1);
	memcpy(k, fs->prefix, pl);
	path_fill(dir, k + pl + dl);
	if (name != NULL) {
		memcpy(k + pl + dl, name, strlen(name));
		if (dir_key)
			k[pl + dl + nl - 1] = '/';
	}
	k[pl + dl + nl] = '\0';
	*key = k;
	return 0;
}

/* The key of `in`: "a/b" for a file, "a/b/" for a directory. */
int
inode_key(struct fs *fs, struct inode *in, char **key)
{
	int r;

	if (in->parent == NULL)
		return inode_child_key(fs, in, NULL, false, key);
	r = inode_child_key(fs, in->parent, in->name, in->type == IT_DIR, key);
	return r;
}

void
inode_stat(struct fs *fs, struct inode *in, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = in->ino;
	st->st_uid = fs->cfg.uid;
	st->st_gid = fs->cfg.gid;
	st->st_blksize = 4096;
	switch (in->type) {
	case IT_DIR:
		st->st_mode = S_IFDIR | (fs->cfg.dir_mode & 07777);
		st->st_nlink = 2;
		st->st_size = 4096;
		break;
	case IT_LNK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size =
		    in->target != NULL ? (off_t)strlen(in->target) : 0;
		break;
	default:
		st->st_mode = S_IFREG | (fs->cfg.file_mode & 07777);
		st->st_nlink = 1;
		st->st_size = (off_t)in->size;
		break;
	}
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim.tv_sec = in->mtime;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

void
inode_entry(struct fs *fs, struct inode *in, struct fs_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = in->ino;
	inode_stat(fs, in, &e->st);
	e->attr_timeout = (double)fs->cfg.stat_cache_ttl_ms / 1000.0;
	e->entry_timeout = (double)fs->cfg.type_cache_ttl_ms / 1000.0;
}

/* Attributes from the store; a changed object drops cached pages. */
void
inode_set_attrs(struct inode *in, uint64_t size, time_t mtime, const char *etag,
    uint64_t when, bool head)
{
	if (in->attr_ms != 0 &&
	    (in->size != size || in->mtime != mtime ||
	        (etag != NULL && strcmp(in->etag, etag) != 0)))
		in->stale_pages = true;
	in->size = size;
	in->mtime = mtime;
	if (etag != NULL)
		snprintf(in->etag, sizeof(in->etag), "%s", etag);
	in->attr_ms = when;
	in->attr_head = head;
}

/* Whether the content of `in` exists only here (do not replace it). */
static bool
inode_busy(const struct inode *in)
{
	return in->local || in->cs != CS_CLEAN || in->nwriters > 0;
}

struct inode *
inode_child_make(
    struct fs *fs, struct inode *dir, const char *name, enum itype type)
{
	struct inode *in = inode_child(fs, dir, name);

	if (in != NULL && in->type != type && !inode_busy(in)) {
		inode_unlink(fs, in);
		in = NULL;
	}
	if (in == NULL) {
		in = inode_new(fs, dir, name, type);
		inode_link(fs, in);
	}
	return in;
}

void
fs_listing_put(struct listing *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].etag);
	}
	free(l->v);
	free(l);
}

/* The namespace under `dir` changed here: its cached listing is wrong. */
void
fs_dir_invalidate(struct inode *dir)
{
	if (dir == NULL)
		return;
	fs_listing_put(dir->list);
	dir->list = NULL;
	dir->list_ms = 0;
}
