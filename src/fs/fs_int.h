/*
 * fs_int - what the fs/ files share: the inode table, handles, the memory
 * budget and the worker pool.  Not for callers outside fs/.
 *
 * Locking.  fs->lock guards the inode and name tables, every inode's
 * namespace fields (parent, name, linked, nlookup, refs, nopen), its
 * attributes and its directory listing; it is never held across an
 * object-store request.  inode->io serialises the content state of a file
 * (stream, stage, pending empty) and is held across the uploads that end
 * it: writes to one file are serial anyway.  Order: io before lock.
 */
#ifndef FS_FS_INT_H
#define FS_FS_INT_H

#include "roma.h"
#include "fs/fs.h"
#include "objstore/objstore.h"
#include "util/time.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* How often a waiter looks whether its FUSE request was interrupted. */
#define FS_POLL_MS     100
#define FS_UNKNOWN_INO 0xffffffffull /* d_ino of an entry not looked up */
/* S3's limits on copies: one CopyObject, and a part of a multipart copy
 * (at least 5 MiB except the last, at most 5 GiB). */
#define FS_COPY_ONE_MAX  (5ull << 30)
#define FS_COPY_PART_MIN (5ull << 20)
#define FS_COPY_PART_MAX (5ull << 30)

enum itype { IT_DIR, IT_REG, IT_LNK };

/* What a file's content is, relative to the store. */
enum cstate {
	CS_CLEAN,  /* the object (or nothing, for a directory) */
	CS_EMPTY,  /* empty, not uploaded yet (create, O_TRUNC, truncate 0) */
	CS_STREAM, /* being written sequentially: inode->stream */
	CS_STAGE,  /* in a staging file: inode->stage (maybe clean) */
};

/* One entry of a directory listing. */
struct dent {
	char *name;
	enum itype type;
	uint64_t size;
	time_t mtime;
	char *etag;
};

/* A listing snapshot, shared by the directory's cache and its handles. */
struct listing {
	struct dent *v;
	size_t n;
	uint64_t ms;   /* when it was taken */
	unsigned refs; /* under fs->lock */
};

struct stream;
struct stage;

struct inode {
	uint64_t ino;
	enum itype type;
	struct inode *parent; /* holds a ref; NULL for the root */
	char *name;
	bool linked; /* in the name table under parent/name */
	struct inode *next_ino, *next_name; /* hash chains */
	struct inode *kids;                 /* IT_DIR: linked children */
	struct inode *knext, *kprev;        /* siblings, while linked */
	uint64_t nlookup;                   /* the kernel's references */
	unsigned refs;  /* ours: linked children, handles, calls */
	unsigned nopen; /* open file handles */

	uint64_t size;
	time_t mtime;
	char etag[OBJSTORE_ETAG_MAX];
	uint64_t attr_ms; /* monotonic ms of the store's word; 0: never */
	bool attr_head;   /* that word was a HEAD (not a listing) */
	bool stale_pages; /* content changed: next open drops the cache */
	char *target;     /* IT_LNK */

	struct listing *list; /* IT_DIR: cached listing */
	uint64_t list_ms;

	/* Content (IT_REG), under io. */
	pthread_mutex_t io;
	bool local; /* no object yet: created here */
	enum cstate cs;
	struct stream *stream;
	struct stage *stage;
	bool sdirty;       /* the stage differs from the object */
	unsigned nwriters; /* handles that wrote and are not released */
	struct objstore_meta *pmeta; /* metadata for the next upload */
	size_t npmeta;
};

struct readahead;

/* A file or directory handle; its address is the fh given to FUSE. */
struct fh {
	struct inode *in;
	int flags;
	pid_t pid;                    /* the opener's thread group */
	bool wrote;                   /* wrote since its last upload */
	bool writer;                  /* counted in inode->nwriters */
	char etag[OBJSTORE_ETAG_MAX]; /* what reads must match */
	uint64_t size;                /* size at open, for reads */
	struct readahead *ra;
	struct listing *dl; /* directory handles */
};

struct pool;
struct membuf;

struct fs {
	struct fs_config cfg; /* strings owned */
	char *prefix;         /* "" or "a/b/" */
	struct objstore *store;
	pthread_mutex_t lock;
	struct inode **by_ino;
	struct inode **by_name;
	size_t nbuckets;
	size_t ninodes;
	uint64_t next_ino;
	struct inode *root;
	time_t mount_time;
	char *staging;    /* the private staging dir, or NULL: disabled */
	int staging_lock; /* its lock file, flock()ed while we live */

	pthread_mutex_t mlock; /* budget and counters */
	pthread_cond_t mcond;
	uint64_t mem_used;   /* held buffers (readahead, parts), cached too */
	uint64_t mem_reads;  /* read replies' buffers: the reserve, or more */
	uint64_t mem_peak;   /* the most mem_used + mem_reads ever was */
	uint64_t mem_cached; /* idle buffers kept for reuse (in mem_used) */
	uint64_t rd_reserve; /* of memory_limit, only for read replies */
	struct membuf *cache;
	uint64_t staged;
	uint64_t uploads;
	uint64_t upload_errs;
	uint64_t handles;
	uint64_t probes; /* detached directory probes still running */
	uint64_t files;  /* open file handles */

	struct pool *pool;
};

/* ---- inode.c ---- */
uint64_t fs_now_ms(void);
struct inode *inode_new(
    struct fs *fs, struct inode *parent, const char *name, enum itype type);
void inode_link(struct fs *fs, struct inode *in);
void inode_unlink(struct fs *fs, struct inode *in);
struct inode *inode_find(struct fs *fs, uint64_t ino);
struct inode *inode_child(struct fs *fs, struct inode *dir, const char *name);
void inode_get(struct inode *in);
void inode_put(struct fs *fs, struct inode *in);
void inode_maybe_free(struct fs *fs, struct inode *in);
/* Hold `ino` for a call: NULL (and *err) if unknown.  Takes fs->lock. */
struct inode *inode_hold(struct fs *fs, uint64_t ino, int *err);
void inode_release(struct fs *fs, struct inode *in);
int inode_key(struct fs *fs, struct inode *in, char **key);
int inode_child_key(struct fs *fs, struct inode *dir, const char *name,
    bool dir_key, char **key);
void inode_stat(struct fs *fs, struct inode *in, struct stat *st);
void inode_entry(struct fs *fs, struct inode *in, struct fs_entry *e);
void inode_set_attrs(struct inode *in, uint64_t size, time_t mtime,
    const char *etag, uint64_t when, bool head);
/* The linked child `name` of `dir`, made (or replaced, when its type
 * differs and it holds no local content) if needed.  Under fs->lock. */
struct inode *inode_child_make(
    struct fs *fs, struct inode *dir, const char *name, enum itype type);
void fs_listing_put(struct listing *l);
void fs_dir_invalidate(struct inode *dir);
bool fs_fresh(uint64_t when, uint64_t ttl_ms);
void fs_table_free(struct fs *fs);
int fs_table_init(struct fs *fs);

/* ---- dir.c ---- */
/* What the store says a name is. */
struct probe {
	enum itype type;
	uint64_t size;
	time_t mtime;
	char etag[OBJSTORE_ETAG_MAX];
	char *target;
};
int fs_probe(struct fs *fs, const char *key_file, struct probe *p);
int fs_probe_head(struct fs *fs, const char *key, struct probe *p);
/* Resolve parent/name with caches, link (or refresh) its inode and return
 * it held (inode_release).  Takes no kernel reference. */
int fs_resolve(
    struct fs *fs, struct inode *dir, const char *name, struct inode **out);
int fs_dir_empty(struct fs *fs, const char *dirkey, bool *empty);

/* ---- budget and pool (pool.c) ----
 * Every buffer of the mount is charged to memory_limit before it exists.
 * Held buffers (readahead chunks, upload parts) share the limit less a
 * reserve kept for read replies, which are freed as soon as the reply is
 * sent: waiting for those can never deadlock. */
void mem_init(struct fs *fs);
/* A held buffer of `n` bytes in *out: a cached one of that size, else a
 * new one once it fits.  wait_ms 0: only if it fits now; < 0: until it
 * fits (or -EINTR); else -ETIME after that long.  -ENOMEM if `n` can
 * never fit. */
int mem_get(
    struct fs *fs, size_t n, int wait_ms, const struct fs_ctx *x, void **out);
/* Give a held buffer back: kept for reuse, or freed. */
void mem_put(struct fs *fs, void *p, size_t n);
/* The bytes a held buffer of the mount may have at most. */
uint64_t mem_held_max(const struct fs *fs);
/* A read reply's buffer from the reserve (waits; -EINTR). */
int mem_get_read(struct fs *fs, size_t n, const struct fs_ctx *x, void **out);
void mem_put_read(struct fs *fs, void *p, size_t n);
/* Free the cached buffers (when no file is open). */
void mem_trim(struct fs *fs);
struct pool *pool_new(unsigned nthreads);
void pool_submit(struct pool *p, void (*fn)(void *), void *arg);
void pool_free(struct pool *p);
bool fs_interrupted(const struct fs_ctx *x);
int fs_errno(int r);

/* ---- file.c, write.c, staging.c ---- */
int content_upload(struct fs *fs, struct inode *in);
void content_drop(struct fs *fs, struct inode *in);
bool content_dirty(const struct inode *in);
int stream_write(struct fs *fs, struct inode *in, struct fh *h, const void *buf,
    size_t n, const struct fs_ctx *x);
int stream_finish(struct fs *fs, struct inode *in, const char *key,
    const struct objstore_attrs *a, struct objstore_put_res *res);
void stream_abort(struct fs *fs, struct inode *in);
/* Move a stream that has sent no part into a staging file.  Under io. */
int stream_spill(struct fs *fs, struct inode *in);
int stage_ensure(struct fs *fs, struct inode *in, bool fetch);
int stage_upload(struct fs *fs, struct inode *in, const char *key,
    const struct objstore_attrs *a, struct objstore_put_res *res);
void stage_drop(struct fs *fs, struct inode *in);
int stage_truncate(struct fs *fs, struct inode *in, uint64_t size);
ssize_t stage_pwrite(
    struct fs *fs, struct inode *in, const void *p, size_t n, uint64_t off);
ssize_t stage_pread(struct inode *in, void *p, size_t n, uint64_t off);
int staging_init(struct fs *fs, struct rerr *e);
void staging_fini(struct fs *fs);
/* Read [off, off+size) of a clean file into `rb`'s pieces; the part no
 * chunk holds goes to `dst` + its offset when `dst` is given, else to a
 * piece of our own. */
ssize_t ra_read(struct fs *fs, struct fh *h, size_t size, uint64_t off,
    const struct fs_ctx *x, struct fs_read_buf *rb, char *dst);
/* Add a piece of `n` bytes of our own to `rb` (charged to the reserve). */
int fs_read_own(struct fs *fs, struct fs_read_buf *rb, size_t n,
    const struct fs_ctx *x, char **p);
void ra_free(struct fs *fs, struct fh *h);
/* Copy `src` to `dst` (`size` bytes, UINT64_MAX when unknown; `etag`
 * guards the source when not NULL): multipart part-copy above
 * cfg.copy_threshold or when a single copy gives -EFBIG. */
int fs_copy_object(struct fs *fs, const char *src, const char *dst,
    uint64_t size, const char *etag);
void fs_upload_attrs(
    struct fs *fs, struct inode *in, const char *key, struct objstore_attrs *a);

#endif
