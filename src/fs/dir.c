/*
 * Names: probes of the store, resolution through the caches, listings and
 * readdir.  A file is the key itself; a directory is "key/" as a marker or
 * as the prefix of other keys.  When both "x" and "x/" exist the file wins,
 * in lookups and listings alike, so the two never disagree.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/cancel.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYMLINK_META "--symlink-target"

static bool
name_ok(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 && strchr(name, '/') == NULL;
}

static char *
meta_get(const struct objstore_info *i, const char *name)
{
	for (size_t k = 0; k < i->nmeta; k++)
		if (strcmp(i->meta[k].name, name) == 0)
			return i->meta[k].value;
	return NULL;
}

/* HEAD "key" as a file (or a symlink). */
int
fs_probe_head(struct fs *fs, const char *key, struct probe *p)
{
	struct objstore_info info = { 0 };
	int r;

	memset(p, 0, sizeof(*p));
	r = objstore_head(fs->store, key, &info, NULL);
	if (r == 0) {
		char *t = meta_get(&info, SYMLINK_META);

		p->type = IT_REG;
		if (fs->cfg.enable_symlinks && t != NULL) {
			p->type = IT_LNK;
			p->target = xstrdup(t);
		}
		p->size = info.size;
		p->mtime = info.mtime;
		memcpy(p->etag, info.etag, sizeof(p->etag));
		objstore_info_release(&info);
	}
	return r;
}

/* "key/" as a marker (no_implicit_dir) or as the prefix of other keys. */
static int
probe_dir(struct fs *fs, const char *dkey)
{
	struct objstore_info info = { 0 };
	struct objstore_list_page pg = { 0 };
	struct objstore_list_req q = {
		.prefix = dkey, .delimiter = "/", .max_keys = 1
	};
	int r;

	if (fs->cfg.no_implicit_dir) {
		r = objstore_head(fs->store, dkey, &info, NULL);
		objstore_info_release(&info);
		return r;
	}
	r = objstore_list(fs->store, &q, &pg, NULL);
	if (r == 0 && pg.nentries + pg.nprefixes == 0)
		r = -ENOENT;
	objstore_list_page_release(&pg);
	return r;
}

/*
 * The directory probe on a thread of its own, beside the caller's HEAD.
 * Detached and shared: a HEAD that answers (or an interrupt) lets the
 * caller return at once, and whoever lets go last frees it.
 */
struct dir_probe {
	struct fs *fs;
	char *dkey;
	struct cancel stop; /* set when nobody wants the answer any more */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs, r;
	bool done;
};

static void
dir_probe_put(struct dir_probe *d)
{
	bool last;

	pthread_mutex_lock(&d->mu);
	last = --d->refs == 0;
	pthread_mutex_unlock(&d->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d->dkey);
	free(d);
}

static void *
dir_probe_main(void *arg)
{
	struct dir_probe *d = arg;
	int r;

	cancel_watch(&d->stop);
	r = probe_dir(d->fs, d->dkey);
	pthread_mutex_lock(&d->mu);
	d->r = r;
	d->done = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_mutex_lock(&d->fs->mlock); /* the last touch of fs */
	d->fs->probes--;
	pthread_cond_broadcast(&d->fs->mcond);
	pthread_mutex_unlock(&d->fs->mlock);
	dir_probe_put(d);
	return NULL;
}

static struct dir_probe *
dir_probe_start(struct fs *fs, const char *dkey)
{
	struct dir_probe *d = xcalloc(1, sizeof(*d));
	pthread_t th;

	d->fs = fs;
	d->dkey = xstrdup(dkey);
	cancel_init(&d->stop);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->refs = 2;
	pthread_mutex_lock(&fs->mlock);
	fs->probes++;
	pthread_mutex_unlock(&fs->mlock);
	if (pthread_create(&th, NULL, dir_probe_main, d) != 0) {
		pthread_mutex_lock(&fs->mlock);
		fs->probes--;
		pthread_mutex_unlock(&fs->mlock);
		d->refs = 1;
		dir_probe_put(d);
		return NULL;
	}
	pthread_detach(th);
	return d;
}

/* The probe's answer; -EINTR when the caller is interrupted first.  Polls
 * the caller's flag, which the probe's thread does not watch. */
static int
dir_probe_wait(struct dir_probe *d)
{
	int r;

	pthread_mutex_lock(&d->mu);
	while (!d->done && !cancel_requested())
		time_cond_wait(&d->cv, &d->mu, FS_POLL_MS);
	r = d->done ? d->r : -EINTR;
	pthread_mutex_unlock(&d->mu);
	return r;
}

/* Keys and prefixes one lookup LIST asks for (see probe_list). */
#define PROBE_LIST_MAX 50

/*
 * "key" and "key/" in one LIST (prefix "key", delimiter "/"), where
 * goofys sends a HEAD and a LIST: "key" is the first key under that
 * prefix, and a directory shows as the common prefix "key/".  Results
 * come in byte order, so a short page that went past "key/" without
 * seeing it still says "no directory"; one that stopped before it
 * returns -EAGAIN (the caller then asks as goofys does).  The file wins, as
 * with the HEAD.  A listing carries no metadata, so an empty file is HEADed
 * when it may be a symlink.
 */
static int
probe_list(struct fs *fs, const char *key, const char *dkey, struct probe *p)
{
	struct objstore_list_page pg = { 0 };
	struct objstore_list_req q = {
		.prefix = key, .delimiter = "/", .max_keys = PROBE_LIST_MAX
	};
	const struct objstore_entry *f = NULL;
	const char *last = "";
	bool dir = false;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = objstore_list(fs->store, &q, &pg, NULL)) != 0)
		goto out;
	for (size_t i = 0; i < pg.nentries; i++) {
		if (strcmp(pg.entries[i].key, key) == 0)
			f = &pg.entries[i];
		if (strcmp(pg.entries[i].key, last) > 0)
			last = pg.entries[i].key;
	}
	for (size_t i = 0; i < pg.nprefixes; i++) {
		dir = dir || strcmp(pg.prefixes[i], dkey) == 0;
		if (strcmp(pg.prefixes[i], last) > 0)
			last = pg.prefixes[i];
	}
	if (f != NULL && fs->cfg.enable_symlinks && f->size == 0) {
		r = fs_probe_head(fs, key, p);
	} else if (f != NULL) {
		p->type = IT_REG;
		p->size = f->size;
		p->mtime = f->mtime;
		memcpy(p->etag, f->etag, sizeof(p->etag));
	} else if (dir) {
		p->type = IT_DIR;
		p->mtime = fs->mount_time;
	} else {
		r = pg.truncated && strcmp(last, dkey) < 0 ? -EAGAIN : -ENOENT;
	}
out:
	objstore_list_page_release(&pg);
	return r;
}

/*
 * HEAD "key", and "key/" as a directory; the file's answer wins unless it
 * is -ENOENT.  A name not known as a file is one LIST (probe_list).  With
 * no_implicit_dir the two HEADs go out at once, unless the caller expects
 * a file (`file_likely`: one HEAD answers it, the other request would be
 * wasted) or --cheap serialises them.
 */
static int
probe_name(struct fs *fs, const char *key, bool file_likely, struct probe *p)
{
	size_t kl = strlen(key);
	struct dir_probe *d = NULL;
	char *dkey = NULL;
	int r, dr = -ENOENT;

	if (kl + 1 <= OBJSTORE_KEY_MAX) {
		dkey = xmalloc(kl + 2);
		memcpy(dkey, key, kl);
		memcpy(dkey + kl, "/", 2);
	}
	if (!file_likely && !fs->cfg.no_implicit_dir && !fs->cfg.cheap &&
	    dkey != NULL) {
		/* A failed LIST (a policy without s3:ListBucket) falls back
		 * to the HEAD, as does a page too short to tell. */
		r = probe_list(fs, key, dkey, p);
		if (r == 0 || r == -ENOENT || r == -EINTR) {
			free(dkey);
			return r;
		}
	}
	if (!file_likely && !fs->cfg.cheap && dkey != NULL)
		d = dir_probe_start(fs, dkey);
	r = fs_probe_head(fs, key, p);
	if (d != NULL) {
		if (r == -ENOENT)
			dr = dir_probe_wait(d);
		cancel_set(&d->stop); /* answered, or given up: stop it */
		dir_probe_put(d);
	} else if (r == -ENOENT && dkey != NULL) {
		dr = probe_dir(fs, dkey);
	}
	if (r == -ENOENT) {
		memset(p, 0, sizeof(*p));
		p->type = IT_DIR;
		p->mtime = fs->mount_time;
		r = dr;
	}
	free(dkey);
	return r;
}

int
fs_probe(struct fs *fs, const char *key, struct probe *p)
{
	return probe_name(fs, key, false, p);
}

/* Whether `in`'s cached word on existence may still be trusted. */
static bool
child_fresh(struct fs *fs, const struct inode *in)
{
	if (in->local || in->cs != CS_CLEAN || in->nwriters > 0)
		return true;
	return fs_fresh(in->attr_ms, fs->cfg.stat_cache_ttl_ms);
}

static const struct dent *
listing_find(const struct listing *l, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);

		if (c == 0)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Refresh (or make) the child `d` of `dir` from a listing taken at `when`;
 * a child with local content keeps it.  Under fs->lock. */
static struct inode *
child_from_dent(
    struct fs *fs, struct inode *dir, const struct dent *d, uint64_t when)
{
	struct inode *in = inode_child_make(fs, dir, d->name, d->type);

	/* Never let an older word override a newer one (our own upload). */
	if (when < in->attr_ms)
		return in;
	if (in->type == IT_DIR)
		in->attr_ms = when;
	else if (!in->local && in->cs == CS_CLEAN && in->type == d->type)
		inode_set_attrs(in, d->size, d->mtime, d->etag, when, false);
	return in;
}

static int
resolve_cached(
    struct fs *fs, struct inode *dir, const char *name, struct inode **out)
{
	struct inode *in = inode_child(fs, dir, name);
	const struct dent *d;

	if (in != NULL && child_fresh(fs, in)) {
		*out = in;
		return 0;
	}
	if (dir->list == NULL ||
	    !fs_fresh(dir->list_ms, fs->cfg.type_cache_ttl_ms))
		return -ENOENT;
	d = listing_find(dir->list, name);
	/* A listing has no metadata: an empty object may be a symlink. */
	if (d == NULL ||
	    (fs->cfg.enable_symlinks && d->type == IT_REG && d->size == 0))
		return -ENOENT;
	*out = child_from_dent(fs, dir, d, dir->list_ms);
	return 0;
}

/* Whether the last word on `name` (its inode, else an expired listing)
 * was that it is a file: revalidating it then starts with a HEAD alone.
 * Under fs->lock. */
static bool
seen_as_file(struct fs *fs, struct inode *dir, const char *name)
{
	struct inode *in = inode_child(fs, dir, name);
	const struct dent *d;

	if (in != NULL)
		return in->type != IT_DIR;
	d = dir->list != NULL ? listing_find(dir->list, name) : NULL;
	return d != NULL && d->type != IT_DIR;
}

int
fs_resolve(
    struct fs *fs, struct inode *dir, const char *name, struct inode **out)
{
	struct inode *in;
	struct probe p;
	char *key = NULL;
	bool file_likely;
	int r;

	*out = NULL;
	if (dir->type != IT_DIR)
		return -ENOTDIR;
	if (!name_ok(name))
		return -ENOENT;
	pthread_mutex_lock(&fs->lock);
	if (resolve_cached(fs, dir, name, &in) == 0) {
		inode_get(in);
		pthread_mutex_unlock(&fs->lock);
		*out = in;
		return 0;
	}
	r = inode_child_key(fs, dir, name, false, &key);
	file_likely = seen_as_file(fs, dir, name);
	pthread_mutex_unlock(&fs->lock);
	if (r != 0)
		return r;
	r = probe_name(fs, key, file_likely, &p);
	free(key);
	pthread_mutex_lock(&fs->lock);
	/* The store disagrees with the cached listing: it is out of date,
	 * and readdir must not show it again. */
	if ((r == 0 || r == -ENOENT) && dir->list != NULL &&
	    (r == 0) != (listing_find(dir->list, name) != NULL))
		fs_dir_invalidate(dir);
	in = inode_child(fs, dir, name);
	if (r == -ENOENT && in != NULL && child_fresh(fs, in)) {
		r = 0; /* created here meanwhile */
	} else if (r == -ENOENT) {
		if (in != NULL)
			inode_unlink(fs, in);
		in = NULL;
	} else if (r == 0) {
		in = inode_child_make(fs, dir, name, p.type);
		if (p.type != IT_DIR && in->type == p.type && !in->local &&
		    in->cs == CS_CLEAN) {
			inode_set_attrs(
			    in, p.size, p.mtime, p.etag, fs_now_ms(), true);
		} else if (p.type == IT_DIR)
			in->attr_ms = fs_now_ms();
		if (p.target != NULL && in->type == IT_LNK) {
			free(in->target);
			in->target = p.target;
			p.target = NULL;
		}
	}
	if (in != NULL)
		inode_get(in);
	pthread_mutex_unlock(&fs->lock);
	free(p.target);
	*out = in;
	return r == 0 ? 0 : fs_errno(r);
}

int
fs_dir_empty(struct fs *fs, const char *dirkey, bool *empty)
{
	struct objstore_list_req q = {
		.prefix = dirkey, .delimiter = "/", .max_keys = 2
	};
	struct objstore_list_page pg = { 0 };
	int r;

	r = objstore_list(fs->store, &q, &pg, NULL);
	if (r == 0)
		*empty = pg.nprefixes == 0 &&
		    (pg.nentries == 0 ||
		        (pg.nentries == 1 &&
		            strcmp(pg.entries[0].key, dirkey) == 0));
	objstore_list_page_release(&pg);
	return r;
}

/* ---- listings ---- */

struct collect {
	size_t plen;
	struct dent *v;
	size_t n, cap;
};

static void
collect_add(struct collect *c, const char *key, enum itype t, uint64_t size,
    time_t mtime, const char *etag)
{
	const char *name = key + c->plen;
	size_t nl = strlen(name);
	struct dent *d;

	if (t == IT_DIR && nl > 0)
		nl--; /* the prefix's '/' */
	if (nl == 0 || (nl == 1 && name[0] == '.') ||
	    (nl == 2 && name[0] == '.' && name[1] == '.'))
		return;
	if (memchr(name, '/', nl) != NULL)
		return; /* "a//b": a name no file system can show */
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	d = &c->v[c->n++];
	d->name = xstrndup(name, nl);
	d->type = t;
	d->size = size;
	d->mtime = mtime;
	d->etag = etag != NULL ? xstrdup(etag) : NULL;
}

static int
collect_page(const struct objstore_list_page *pg, void *arg)
{
	struct collect *c = arg;

	for (size_t i = 0; i < pg->nentries; i++) {
		const struct objstore_entry *e = &pg->entries[i];

		collect_add(c, e->key, IT_REG, e->size, e->mtime, e->etag);
	}
	for (size_t i = 0; i < pg->nprefixes; i++)
		collect_add(c, pg->prefixes[i], IT_DIR, 0, 0, NULL);
	return 0;
}

static int
dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* Equal names: the file first, so it wins the dedup. */
	return c != 0 ? c : (int)(x->type == IT_DIR) - (int)(y->type == IT_DIR);
}

static void
sort_dedup(struct listing *l)
{
	size_t o = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), dent_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (o > 0 && strcmp(l->v[o - 1].name, l->v[i].name) == 0) {
			free(l->v[i].name);
			free(l->v[i].etag);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

/* The whole listing of directory key `dkey`, every page of it. */
static int
list_dir(struct fs *fs, const char *dkey, struct listing **out)
{
	struct objstore_list_req q = {
		.prefix = dkey, .delimiter = "/", .max_keys = OBJSTORE_PAGE_MAX
	};
	struct collect c = { .plen = strlen(dkey) };
	struct listing *l;
	int r;

	r = objstore_list_all(fs->store, &q, collect_page, &c, NULL);
	l = xcalloc(1, sizeof(*l));
	l->v = c.v;
	l->n = c.n;
	l->refs = 1;
	if (r != 0) {
		fs_listing_put(l);
		return r;
	}
	sort_dedup(l);
	l->ms = fs_now_ms();
	*out = l;
	return 0;
}

/* After a fresh listing: refresh the children it names, forget those it
 * no longer has (unless their content is local). */
static void
apply_listing(
    struct fs *fs, struct inode *dir, struct listing *l, uint64_t when)
{
	struct inode *in, *next;

	for (in = dir->kids; in != NULL; in = next) {
		next = in->knext;
		/* Keep what this mount holds, and what a probe saw after the
		 * listing began. */
		if (listing_find(l, in->name) == NULL && !in->local &&
		    in->cs == CS_CLEAN && in->nwriters == 0 &&
		    in->attr_ms < when)
			inode_unlink(fs, in);
	}
	for (size_t i = 0; i < l->n; i++) {
		in = inode_child(fs, dir, l->v[i].name);
		if (in != NULL)
			child_from_dent(fs, dir, &l->v[i], when);
	}
}

/* A copy of `l` plus the children created here and not uploaded yet. */
static struct listing *
merge_local(struct inode *dir, struct listing *l)
{
	struct listing *m;
	struct inode *in;
	size_t extra = 0;

	for (in = dir->kids; in != NULL; in = in->knext)
		if (in->local && listing_find(l, in->name) == NULL)
			extra++;
	if (extra == 0) {
		l->refs++;
		return l;
	}
	m = xcalloc(1, sizeof(*m));
	m->v = xcalloc(l->n + extra, sizeof(*m->v));
	m->refs = 1;
	m->ms = l->ms;
	for (size_t i = 0; i < l->n; i++) {
		m->v[m->n] = l->v[i];
		m->v[m->n].name = xstrdup(l->v[i].name);
		m->v[m->n].etag = l->v[i].etag ? xstrdup(l->v[i].etag) : NULL;
		m->n++;
	}
	for (in = dir->kids; in != NULL; in = in->knext) {
		if (!in->local || listing_find(l, in->name) != NULL)
			continue;
		m->v[m->n].name = xstrdup(in->name);
		m->v[m->n].type = in->type;
		m->n++;
	}
	sort_dedup(m);
	return m;
}

/* The snapshot a handle reads from: the cached listing when fresh. */
static int
dir_snapshot(struct fs *fs, struct inode *dir, struct listing **out)
{
	struct listing *l = NULL;
	uint64_t when;
	char *key;
	int r;

	pthread_mutex_lock(&fs->lock);
	if (dir->list != NULL &&
	    fs_fresh(dir->list_ms, fs->cfg.type_cache_ttl_ms)) {
		*out = merge_local(dir, dir->list);
		pthread_mutex_unlock(&fs->lock);
		return 0;
	}
	r = inode_key(fs, dir, &key);
	pthread_mutex_unlock(&fs->lock);
	if (r != 0)
		return r;
	when = fs_now_ms();
	r = list_dir(fs, key, &l);
	free(key);
	if (r != 0)
		return fs_errno(r);
	l->ms = when;
	pthread_mutex_lock(&fs->lock);
	apply_listing(fs, dir, l, when);
	fs_listing_put(dir->list);
	dir->list = l;
	dir->list_ms = when;
	*out = merge_local(dir, l);
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

int
fs_opendir(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t *fh)
{
	struct inode *dir;
	struct fh *h;
	int r = 0;

	(void)x;
	dir = inode_hold(fs, ino, &r);
	if (dir == NULL)
		return r;
	if (dir->type != IT_DIR) {
		inode_release(fs, dir);
		return -ENOTDIR;
	}
	h = xcalloc(1, sizeof(*h));
	h->in = dir; /* keeps the hold */
	pthread_mutex_lock(&fs->mlock);
	fs->handles++;
	pthread_mutex_unlock(&fs->mlock);
	*fh = (uint64_t)(uintptr_t)h;
	return 0;
}

int
fs_releasedir(struct fs *fs, uint64_t ino, uint64_t fh)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;

	(void)ino;
	if (h == NULL)
		return 0;
	pthread_mutex_lock(&fs->lock);
	fs_listing_put(h->dl);
	inode_put(fs, h->in);
	pthread_mutex_unlock(&fs->lock);
	pthread_mutex_lock(&fs->mlock);
	fs->handles--;
	pthread_mutex_unlock(&fs->mlock);
	free(h);
	return 0;
}

static void
dot_entry(struct fs *fs, struct inode *in, struct fs_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = in->ino;
	e->st.st_ino = in->ino;
	e->st.st_mode = S_IFDIR | (fs->cfg.dir_mode & 07777);
}

/* One entry of the snapshot; 1 when fill is full. */
static int
emit(struct fs *fs, struct inode *dir, const struct dent *d, uint64_t ms,
    off_t next, bool plus,
    int (*fill)(void *, const char *, const struct fs_entry *, off_t),
    void *arg)
{
	struct fs_entry e;
	struct inode *in;
	int r;

	memset(&e, 0, sizeof(e));
	pthread_mutex_lock(&fs->lock);
	if (plus) {
		in = child_from_dent(fs, dir, d, ms);
		in->nlookup++;
		inode_entry(fs, in, &e);
	} else {
		in = inode_child(fs, dir, d->name);
		e.ino = in != NULL ? in->ino : FS_UNKNOWN_INO;
		e.st.st_ino = e.ino;
		e.st.st_mode = d->type == IT_DIR ? S_IFDIR
		    : d->type == IT_LNK          ? S_IFLNK
		                                 : S_IFREG;
	}
	pthread_mutex_unlock(&fs->lock);
	r = fill(arg, d->name, &e, next);
	if (r != 0 && plus) {
		pthread_mutex_lock(&fs->lock);
		in->nlookup--;
		inode_maybe_free(fs, in);
		pthread_mutex_unlock(&fs->lock);
	}
	return r != 0;
}

int
fs_readdir(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    off_t off, bool plus,
    int (*fill)(
        void *arg, const char *name, const struct fs_entry *e, off_t next),
    void *arg)
{
	struct fh *h = (struct fh *)(uintptr_t)fh;
	struct inode *dir = h->in;
	struct fs_entry e;
	int r;

	(void)x;
	(void)ino;
	if (off == 0 || h->dl == NULL) {
		struct listing *l = NULL;

		r = dir_snapshot(fs, dir, &l);
		if (r != 0)
			return r;
		pthread_mutex_lock(&fs->lock);
		fs_listing_put(h->dl);
		h->dl = l;
		pthread_mutex_unlock(&fs->lock);
	}
	if (off == 0) {
		dot_entry(fs, dir, &e);
		if (fill(arg, ".", &e, 1) != 0)
			return 0;
		off = 1;
	}
	if (off == 1) {
		dot_entry(fs, dir->parent != NULL ? dir->parent : dir, &e);
		if (fill(arg, "..", &e, 2) != 0)
			return 0;
		off = 2;
	}
	for (size_t i = (size_t)off - 2; i < h->dl->n; i++)
		if (emit(fs, dir, &h->dl->v[i], h->dl->ms, (off_t)i + 3, plus,
		        fill, arg))
			break;
	return 0;
}
