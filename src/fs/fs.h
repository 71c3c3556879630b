/*
 * fs - the mount's file-system semantics over an object store, with no
 * libfuse in sight (fuseop.c adapts the kernel's requests to these calls).
 *
 * Namespace (goofys's): a file is the key <prefix><path>; a directory is a
 * "<prefix><path>/" marker object or is implied by any key under it.  Every
 * inode gets the configured uid, gid and mode; nlink is 2 for directories, 1
 * for files; atime = ctime = mtime = the object's Last-Modified (directories:
 * the mount time).  Inode numbers are assigned by the fs, are never reused
 * while the fs lives, and FS_ROOT_INO (1, FUSE_ROOT_ID) is the root.
 *
 * Consistency: close-to-open, independent of the TTLs.  Attributes and
 * listings are cached for stat_cache_ttl_ms / type_cache_ttl_ms, but open()
 * revalidates with a HEAD (reporting keep_cache = false when the ETag, size
 * or mtime changed), and a name absent from a cached listing is still looked
 * up in the store before ENOENT is returned.
 *
 * Writes: a file written sequentially from offset 0 streams to S3 (one PUT
 * when small, else a multipart upload of parallel, growing parts).  Any other
 * write (append, offset, truncate, O_RDWR edit) moves the file to a staging
 * file (fetched on demand) uploaded on close; with staging disabled such
 * writes fail with -ENOTSUP, as goofys's do.  The upload completes at the
 * flush of the opening process (flush from another pid - a forked child, a
 * dup in another process - uploads nothing), or at release when that flush
 * never came; its error is the flush's return, so close() reports it.  A
 * failed upload leaves the old object intact.
 *
 * Threading: every fs_* call may run concurrently with any other on the same
 * fs, from any thread, except fs_free.  No call holds a lock across an
 * object-store request where it can avoid it.  Each call blocks until its
 * object-store requests are done (they carry the store's timeouts) or until
 * ctx->interrupted says the caller gave up (then -EINTR).
 *
 * Errors: 0 (or a byte count) or a -errno; the object store's errors pass
 * through as objstore.h lists them, except that transport and server
 * failures (-ECONNRESET, -ETIMEDOUT, -EAGAIN, -EBADMSG, -EFBIG ...) become
 * -EIO for the kernel where a file-system caller would not understand them.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include "roma.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>

struct objstore;
struct rerr;

#define FS_ROOT_INO 1

/* The first part size: the AWS CLI's, where goofys used 5 MiB; 1 GB is
 * 120 parts instead of 191, and files up to 8 MiB are one PUT. */
#define FS_PART_SIZE (8ull << 20)

/* Parts in flight per file, gets per reader: as `roma s3 cp` (the AWS
 * CLI sends 10); more costs a CPU-bound server more (docs/benchmarks.md). */
#define FS_MAX_PARALLEL 8u

/* FUSE workers, and threads moving the parts and readahead of all files
 * (each file takes --max-parallel at most): libfuse's 10 workers, or a
 * pool the size of one file's share, would let a few transfers stalled on
 * S3 hold up every other request, INTERRUPTs included. */
#define FS_WORKERS 64u

struct fs_config {
	/* The BUCKET:PREFIX part after the colon: "", "a/b" or "/a/b/"; it is
	 * trimmed of '/' at both ends and gets one '/' appended, as goofys. */
	const char *prefix;
	uid_t uid;
	gid_t gid;
	mode_t dir_mode;  /* permission bits only; default 0755 */
	mode_t file_mode; /* default 0644 */
	/* Zero means no caching (not "default"): use fs_config_defaults. */
	uint64_t stat_cache_ttl_ms; /* default 60000 */
	uint64_t type_cache_ttl_ms; /* default 60000 */
	bool cheap;            /* probes in sequence, no parallel readahead */
	bool no_implicit_dir;  /* directories always have a marker object */
	bool enable_symlinks;  /* else symlink() is -ENOSYS, as goofys */
	bool use_content_type; /* Content-Type from the name's extension */
	/* Budget of buffers (readahead and write parts), bytes; reads and
	 * writes wait for room rather than exceed it.  Default 1 GiB. */
	uint64_t memory_limit;
	/* NULL: a private directory under $XDG_CACHE_HOME/roma (or
	 * ~/.cache/roma, else $TMPDIR or /tmp), created by fs_new and removed
	 * by fs_free; "": staging disabled (goofys's behaviour); else that
	 * directory, which must exist (a private subdirectory is made in it).
	 */
	const char *staging_dir;
	uint64_t staging_max; /* bytes of staging files; default 16 GiB */
	/* First part size of multipart uploads (the schedule grows it: x5
	 * after 500, 1000 and 2000 parts, as goofys master); default
	 * FS_PART_SIZE, and a file of at most this size is one PUT. */
	uint64_t part_size;
	unsigned max_parallel; /* default FS_MAX_PARALLEL */
	uint64_t read_ahead;   /* bytes ahead per sequential reader; 64 MiB */
	/* rename copies a file larger than this by multipart part-copy
	 * (parts of part_size, at least 5 MiB), else by one CopyObject
	 * (which falls back to part-copy if the store says -EFBIG).  0: the
	 * default, 5 GiB, S3's CopyObject limit. */
	uint64_t copy_threshold;
};

/* The reply to lookup, create, mkdir and symlink: one more lookup of the
 * inode that the caller (the kernel) must forget. */
struct fs_entry {
	uint64_t ino;
	uint64_t generation; /* always 0: numbers are never reused */
	struct stat st;
	double attr_timeout;  /* seconds: stat_cache_ttl */
	double entry_timeout; /* seconds: type_cache_ttl */
};

/* Who asks.  Every call accepts NULL: pid 0, never interrupted. */
struct fs_ctx {
	pid_t pid; /* the calling process (thread group id, from FUSE) */
	uid_t uid;
	gid_t gid;
	/* Polled while waiting (memory budget, readahead): true = give up. */
	bool (*interrupted)(void *arg);
	void *arg;
	/* flush only (may be NULL): whether the calling process still holds
	 * a descriptor of inode `ino` other than the one being closed. */
	bool (*holds)(const struct fs_ctx *x, uint64_t ino);
};

/* fs_open's results beside the handle. */
struct fs_open_res {
	uint64_t fh;
	bool keep_cache; /* false: drop the kernel's cached pages */
	bool direct_io;  /* always false for now */
};

/* fs_setattr's `valid` bits (the FUSE_SET_ATTR_* the fs cares about). */
#define FS_SET_MODE  0x01u
#define FS_SET_UID   0x02u
#define FS_SET_GID   0x04u
#define FS_SET_SIZE  0x08u
#define FS_SET_ATIME 0x10u
#define FS_SET_MTIME 0x20u

/* fs_rename's flags, as renameat2 (RENAME_EXCHANGE is -EINVAL). */
#define FS_RENAME_NOREPLACE 0x1u
#define FS_RENAME_EXCHANGE  0x2u

/* fs_setxattr's flags, as setxattr(2). */
#define FS_XATTR_CREATE  0x1
#define FS_XATTR_REPLACE 0x2

/* Counters for logs (SIGUSR1) and tests. */
struct fs_stats {
	uint64_t inodes;      /* in the table, root included */
	uint64_t handles;     /* open file and directory handles */
	uint64_t mem_used;    /* bytes of the memory budget in use */
	uint64_t mem_peak;    /* most bytes of the budget in use at once */
	uint64_t staged;      /* bytes in staging files */
	uint64_t uploads;     /* uploads in progress */
	uint64_t upload_errs; /* uploads that failed since fs_new */
};

/* Fill `c` with the defaults above (prefix "", uid/gid of the process). */
void fs_config_defaults(struct fs_config *c);
/* Remove the private staging dirs of dead mounts (their daemon's lock is
 * free) under `staging_dir` as fs_config takes it (NULL: the default). */
void fs_staging_sweep(const char *staging_dir);

/*
 * A file system over `store`, which must outlive it (fs_free does not free
 * it).  The configuration is copied.  NULL with `e` filled when the staging
 * directory cannot be made or an option is impossible.
 */
struct fs *fs_new(
    const struct fs_config *c, struct objstore *store, struct rerr *e);
/* Wait for background work (readahead), drop every inode and handle (an
 * unfinished upload is aborted), remove the private staging directory. */
void fs_free(struct fs *fs);
/* Wait until no upload is in progress, at most `timeout_ms`; 0 or
 * -ETIMEDOUT.  For a clean unmount after the kernel stopped sending. */
int fs_drain(struct fs *fs, int timeout_ms);
void fs_get_stats(struct fs *fs, struct fs_stats *st);
/* The largest read whose reply buffer the memory limit always has room
 * for, when that is under 1 MiB (the kernel's largest read), else 0: a
 * mount must then tell the kernel (max_read) so no read waits forever. */
size_t fs_read_max(const struct fs *fs);

/* ---- Namespace.  Names are one path component, never "." or "..". ---- */

/* Find `name` in `parent`; on success one lookup reference is taken. */
int fs_lookup(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, struct fs_entry *out);
/* Drop `nlookup` references; the inode goes when none remain and it is
 * not open.  Never fails: unknown numbers are ignored. */
void fs_forget(struct fs *fs, uint64_t ino, uint64_t nlookup);
/* Attributes; `timeout` (may be NULL) gets the stat TTL in seconds. */
int fs_getattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    struct stat *st, double *timeout);
/*
 * Apply the `valid` fields of `in`.  Size (truncate) is honoured through
 * staging (-ENOTSUP without it, except a truncate to the current size or,
 * on a file being written from scratch, to its written length); mode,
 * uid, gid and times succeed without effect, as in goofys.  `fh` is the
 * handle for ftruncate, or 0.  `out` gets the new attributes.
 */
int fs_setattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    const struct stat *in, unsigned valid, struct stat *out, double *timeout);
/* Create the "<dir>/" marker (one PUT); -EEXIST if the name exists. */
int fs_mkdir(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, mode_t mode, struct fs_entry *out);
/* -ENOTEMPTY if anything is under it, -ENOTDIR for a file. */
int fs_rmdir(
    struct fs *fs, const struct fs_ctx *x, uint64_t parent, const char *name);
/* Delete the object; -EISDIR for a directory.  An open file stays readable
 * through its handles; a pending upload of it is dropped. */
int fs_unlink(
    struct fs *fs, const struct fs_ctx *x, uint64_t parent, const char *name);
/*
 * Files: copy (multipart copy above copy_threshold, or when the store
 * refuses a single copy with -EFBIG) then
 * delete; directories object by object, markers included.  Replaces an
 * existing target (a file by a file; an empty directory by a directory),
 * -EISDIR file onto dir, -ENOTDIR dir onto file, -ENOTEMPTY onto a
 * non-empty directory.
 */
int fs_rename(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, uint64_t newparent, const char *newname, unsigned flags);
/* enable_symlinks only (else -ENOSYS): an empty object whose metadata
 * "--symlink-target" holds the target (geesefs's convention, so buckets
 * are shared with it).  Without enable_symlinks such objects are files. */
int fs_symlink(struct fs *fs, const struct fs_ctx *x, const char *target,
    uint64_t parent, const char *name, struct fs_entry *out);
/* The target, malloc'd into `*target`; -EINVAL if not a symlink. */
int fs_readlink(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, char **target);

/* ---- Directories. ---- */

int fs_opendir(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t *fh);
/*
 * The entries after offset `off` (0: from the start, "." and ".." first),
 * each given to `fill` with the offset of the entry after it.  `fill`
 * returns 0 when it took the entry, non-zero when its buffer is full (then
 * readdir stops and returns 0).  With `plus`, `e` is a full entry and a
 * lookup reference is taken for each entry `fill` took, "." and ".."
 * excepted; without it only e->ino and e->st.st_mode are set.  The listing
 * is taken when the handle first reads at 0 (from the store unless a fresh
 * cached one exists) and kept by the handle, so offsets stay stable.
 */
int fs_readdir(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    off_t off, bool plus,
    int (*fill)(
        void *arg, const char *name, const struct fs_entry *e, off_t next),
    void *arg);
int fs_releasedir(struct fs *fs, uint64_t ino, uint64_t fh);

/* ---- Files.  `flags` are open(2)'s. ---- */

/*
 * Create and open `name`: nothing is sent until the flush (then one PUT,
 * even of zero bytes, so touch creates an empty object).  -EISDIR if a
 * directory has that name.  With O_EXCL the name is looked up first.
 */
int fs_create(struct fs *fs, const struct fs_ctx *x, uint64_t parent,
    const char *name, mode_t mode, int flags, struct fs_entry *out,
    struct fs_open_res *res);
/* Open (one HEAD to revalidate, unless this mount is writing the file);
 * O_TRUNC starts a fresh upload; -EISDIR for a directory. */
int fs_open(struct fs *fs, const struct fs_ctx *x, uint64_t ino, int flags,
    struct fs_open_res *res);
/* Bytes read into `buf` (short only at the end of the file), or -errno. */
ssize_t fs_read(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    uint64_t fh, void *buf, size_t size, off_t off);

/* A read's bytes where they already are (readahead buffers, held until
 * fs_read_release), so a reply can send them without a copy. */
#define FS_READ_IOV 8
struct fs_read_buf {
	struct iovec iov[FS_READ_IOV];
	int n;
	void *pin[FS_READ_IOV]; /* private: what holds each piece */
	size_t own;             /* private: the size of a piece of our own */
	struct fs *fs;
};
/* As fs_read, into `rb`'s pieces (always released, even on error). */
ssize_t fs_read_buf(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    uint64_t fh, size_t size, off_t off, struct fs_read_buf *rb);
void fs_read_release(struct fs_read_buf *rb);
/* Bytes written (all of them), or -errno; -EBADF on a read-only handle. */
ssize_t fs_write(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    uint64_t fh, const void *buf, size_t size, off_t off);
/* close(2) of a descriptor: completes the upload when x->pid opened the
 * handle, and returns its error; not when that process still holds a
 * dup of the descriptor (x->holds), whose close will. */
int fs_flush(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh);
/* The last close of the handle: completes an upload no flush completed
 * (its error can only be logged), then frees the handle. */
int fs_release(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh);
/*
 * Returns once the bytes written so far are in the store: the content
 * written so far is uploaded as the object (a streaming multipart upload
 * is completed and later writes start a staged rewrite).  No-op for
 * handles that wrote nothing.
 */
int fs_fsync(struct fs *fs, const struct fs_ctx *x, uint64_t ino, uint64_t fh,
    bool datasync);
/* A huge file system (1 PiB free, 1e9 inodes), as goofys. */
int fs_statfs(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, struct statvfs *st);

/* ---- Extended attributes: user.* <-> object metadata (x-amz-meta-*),
 * plus read-only "s3.etag".  Other namespaces: -ENODATA on get, -ENOTSUP
 * on set.  Directories carry xattrs only through their marker object. ---- */

/* The value's length; with size 0 only the length.  -ERANGE if too small. */
ssize_t fs_getxattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    const char *name, void *buf, size_t size);
/* One self-copy with replaced metadata (an upload when the file is being
 * written includes it instead). */
int fs_setxattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    const char *name, const void *value, size_t size, int flags);
/* NUL-separated names; with size 0 only the length; -ERANGE. */
ssize_t fs_listxattr(struct fs *fs, const struct fs_ctx *x, uint64_t ino,
    char *buf, size_t size);
int fs_removexattr(
    struct fs *fs, const struct fs_ctx *x, uint64_t ino, const char *name);

#endif
