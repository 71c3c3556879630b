/*
 * fuseop - libfuse's low-level requests onto fs.h.  Every handler unpacks
 * its request, makes one fs_* call and replies exactly once (forget
 * replies with none), as libfuse's passthrough_ll.c does.  The session's
 * life (mount, signals, readiness, unmount) is in fuseopsession.c.
 */
#include "roma.h"
#include "fs/fs.h"
#include "fs/fuseop.h"
#include "fs/fuseop_int.h"
#include "util/cancel.h"
#include "util/log.h"

#define FUSE_USE_VERSION 317
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* setxattr(2)'s and renameat2(2)'s flags, whatever the libc exposes. */
#define XATTR_CREATE_FLAG  1
#define XATTR_REPLACE_FLAG 2
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

const char *
fuseop_version(void)
{
	return fuse_pkgversion();
}

struct fuse_session *_Atomic fuseop_se;
const char *_Atomic fuseop_mnt;

static struct fs *
fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/*
 * The interrupt flag of the request this thread serves.  The kernel sends
 * INTERRUPT for a request whose caller got a signal (for a fatal one too:
 * the caller then dies only once we reply); libfuse reads it on another
 * thread and calls on_interrupt, which sets the flag.  The S3 transfers
 * this thread runs watch it (util/cancel.h) and stop with -EINTR, and the
 * fs layer's waits poll it through fs_ctx.  Thread-local, as a worker
 * serves one request at a time and lives as long as the session (libfuse
 * destroys no idle worker by default).
 */
static _Thread_local struct cancel op_cancel;

static void
on_interrupt(fuse_req_t req, void *data)
{
	(void)req;
	cancel_set(data);
}

static bool
op_interrupted(void *arg)
{
	return cancel_is_set(arg);
}

/* The caller's thread group: FUSE gives the thread's id, and a close in
 * another thread of the opener must count as the opener's (goofys #273). */
static pid_t
tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;

	if (tid <= 0)
		return tid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (f == NULL)
		return tid;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Tgid:", 5) == 0) {
			tgid = (pid_t)atoi(line + 5);
			break;
		}
	}
	fclose(f);
	return tgid > 0 ? tgid : tid;
}

static void
ctx_of(fuse_req_t req, struct fs_ctx *x, bool want_pid)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);

	memset(x, 0, sizeof(*x));
	x->pid = want_pid ? tgid_of(c->pid) : c->pid;
	x->uid = c->uid;
	x->gid = c->gid;
	cancel_init(&op_cancel);
	cancel_watch(&op_cancel);
	x->interrupted = op_interrupted;
	x->arg = &op_cancel;
	/* Calls on_interrupt at once if the INTERRUPT came first. */
	fuse_req_interrupt_func(req, on_interrupt, &op_cancel);
}

/*
 * The end of ctx_of's span; before the reply, which frees `req`.
 * Unregistering waits for an on_interrupt running now (libfuse holds the
 * request's lock across it), so no late one can cancel this thread's next
 * request.  Whatever runs after it (a release after a failed reply) is
 * not interruptible.
 */
static void
ctx_end(fuse_req_t req, struct fs_ctx *x)
{
	fuse_req_interrupt_func(req, NULL, NULL);
	cancel_watch(NULL);
	x->interrupted = NULL;
	x->arg = NULL;
}

static void
to_param(const struct fs_entry *e, struct fuse_entry_param *p)
{
	memset(p, 0, sizeof(*p));
	p->ino = e->ino;
	p->generation = e->generation;
	p->attr = e->st;
	p->attr_timeout = e->attr_timeout;
	p->entry_timeout = e->entry_timeout;
}

/* ctx_end, then the reply to an op whose result is only an error. */
static void
reply_err(fuse_req_t req, struct fs_ctx *x, int r)
{
	ctx_end(req, x);
	fuse_reply_err(req, -r);
}

static void
reply_entry(fuse_req_t req, struct fs_ctx *x, int r, const struct fs_entry *e)
{
	struct fuse_entry_param p;

	ctx_end(req, x);
	if (r != 0) {
		fuse_reply_err(req, -r);
		return;
	}
	to_param(e, &p);
	fuse_reply_entry(req, &p);
}

static void
op_init(void *userdata, struct fuse_conn_info *conn)
{
	/* open(O_TRUNC) arrives whole: no separate truncate + upload. */
	fuse_set_feature_flag(conn, FUSE_CAP_ATOMIC_O_TRUNC);
	/* Writes must reach us in order and at once (goofys disables it). */
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	fuse_set_feature_flag(conn, FUSE_CAP_PARALLEL_DIROPS);
	/* Reads in the reader's own request, not in the background: only
	 * those get an INTERRUPT when the reader is signalled, and a
	 * background read left stalled holds the page for the next reader
	 * (our own readahead keeps the store busy ahead of the reader). */
	fuse_unset_feature_flag(conn, FUSE_CAP_ASYNC_READ);
	if (conn->max_write < (1u << 20))
		conn->max_write = 1u << 20;
	conn->max_readahead = 1u << 20;
	/* Reads no larger than the memory limit can always serve. */
	conn->max_read = (unsigned)fs_read_max(userdata);
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_entry e;
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_entry(req, &x, fs_lookup(fs_of(req), &x, parent, name, &e), &e);
}

static void
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_forget(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	for (size_t i = 0; i < count; i++)
		fs_forget(fs_of(req), f[i].ino, f[i].nlookup);
	fuse_reply_none(req);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	struct fs_ctx x;
	double t = 0;
	int r;

	(void)fi;
	ctx_of(req, &x, false);
	r = fs_getattr(fs_of(req), &x, ino, &st, &t);
	ctx_end(req, &x);
	if (r != 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, t);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *in, int to_set,
    struct fuse_file_info *fi)
{
	unsigned valid = 0;
	struct stat st;
	struct fs_ctx x;
	double t = 0;
	int r;

	if (to_set & FUSE_SET_ATTR_MODE)
		valid |= FS_SET_MODE;
	if (to_set & FUSE_SET_ATTR_UID)
		valid |= FS_SET_UID;
	if (to_set & FUSE_SET_ATTR_GID)
		valid |= FS_SET_GID;
	if (to_set & FUSE_SET_ATTR_SIZE)
		valid |= FS_SET_SIZE;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
		valid |= FS_SET_ATIME;
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
		valid |= FS_SET_MTIME;
	ctx_of(req, &x, true);
	r = fs_setattr(
	    fs_of(req), &x, ino, fi != NULL ? fi->fh : 0, in, valid, &st, &t);
	ctx_end(req, &x);
	if (r != 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, t);
}

static void
op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_ctx x;
	char *t = NULL;
	int r;

	ctx_of(req, &x, false);
	r = fs_readlink(fs_of(req), &x, ino, &t);
	ctx_end(req, &x);
	if (r != 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_readlink(req, t);
	free(t);
}

static void
op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fs_entry e;
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_entry(
	    req, &x, fs_mkdir(fs_of(req), &x, parent, name, mode, &e), &e);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_err(req, &x, fs_unlink(fs_of(req), &x, parent, name));
}

static void
op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_err(req, &x, fs_rmdir(fs_of(req), &x, parent, name));
}

static void
op_symlink(
    fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct fs_entry e;
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_entry(
	    req, &x, fs_symlink(fs_of(req), &x, link, parent, name, &e), &e);
}

static void
op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	unsigned f = 0;
	struct fs_ctx x;

	if (flags & RENAME_NOREPLACE)
		f |= FS_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		f |= FS_RENAME_EXCHANGE;
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	ctx_of(req, &x, false);
	reply_err(req, &x,
	    fs_rename(fs_of(req), &x, parent, name, newparent, newname, f));
}

/* The object changed: the kernel's cached size and mtime go too (a negative
 * offset touches attributes only, so this is safe inside a request), else
 * reads stop at the old size for the whole attribute TTL. */
static void
inval_attrs(fuse_ino_t ino)
{
	struct fuse_session *se = fuseop_se;

	if (se != NULL)
		(void)fuse_lowlevel_notify_inval_inode(se, ino, -1, 0);
}

static void
op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_open_res res;
	struct fs_ctx x;
	int r;

	ctx_of(req, &x, true);
	r = fs_open(fs_of(req), &x, ino, fi->flags, &res);
	ctx_end(req, &x);
	if (r != 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = res.fh;
	fi->keep_cache = res.keep_cache;
	fi->direct_io = res.direct_io;
	if (!res.keep_cache)
		inval_attrs(ino);
	if (fuse_reply_open(req, fi) != 0)
		fs_release(fs_of(req), &x, ino, res.fh); /* interrupted */
}

static void
op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct fuse_entry_param p;
	struct fs_open_res res;
	struct fs_entry e;
	struct fs_ctx x;
	int r;

	ctx_of(req, &x, true);
	r = fs_create(fs_of(req), &x, parent, name, mode, fi->flags, &e, &res);
	ctx_end(req, &x);
	if (r != 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = res.fh;
	fi->keep_cache = res.keep_cache;
	to_param(&e, &p);
	if (fuse_reply_create(req, &p, fi) != 0) {
		fs_release(fs_of(req), &x, e.ino, res.fh);
		fs_forget(fs_of(req), e.ino, 1);
	}
}

static void
op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct fs_read_buf rb;
	struct fs_ctx x;
	ssize_t n;

	ctx_of(req, &x, false);
	/* Sent from where the bytes are (readahead chunks): no copy here. */
	n = fs_read_buf(fs_of(req), &x, ino, fi->fh, size, off, &rb);
	ctx_end(req, &x);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (rb.n <= 1)
		fuse_reply_buf(req, rb.n ? rb.iov[0].iov_base : NULL,
		    rb.n ? rb.iov[0].iov_len : 0);
	else
		fuse_reply_iov(req, rb.iov, rb.n);
	fs_read_release(&rb);
}

static void
op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct fs_ctx x;
	ssize_t n;

	ctx_of(req, &x, false);
	n = fs_write(fs_of(req), &x, ino, fi->fh, buf, size, off);
	ctx_end(req, &x);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* Whether /proc/PID/fdinfo/NAME (under the process's dir `pfd`) is a
 * descriptor of `ino` that can flush (not O_PATH). */
static bool
fd_of_ino(int pfd, const char *name, uint64_t ino)
{
	char path[300], buf[512], *p;
	unsigned long long flags = 0, got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "fdinfo/%s", name);
	if ((fd = openat(pfd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if ((p = strstr(buf, "flags:")) != NULL)
		flags = strtoull(p + 6, NULL, 8);
	if ((p = strstr(buf, "\nino:")) != NULL)
		got = strtoull(p + 5, NULL, 10);
	return got == ino && !(flags & O_PATH);
}

/* fs_ctx.holds for a flush: a descriptor of `ino` left in the process,
 * found by its link under our mountpoint and its fdinfo inode.  Unknown
 * (another user's process, another mount namespace) is "no". */
static bool
op_holds(const struct fs_ctx *x, uint64_t ino)
{
	const char *mnt = fuseop_mnt;
	char path[32], link[PATH_MAX];
	size_t n = mnt != NULL ? strlen(mnt) : 0;
	bool found = false;
	struct dirent *de;
	DIR *d = NULL;
	ssize_t k;
	int pfd, dfd;

	snprintf(path, sizeof(path), "/proc/%d", (int)x->pid);
	if (n == 0 ||
	    (pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return false;
	dfd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL)
		goto out;
	while (!found && (de = readdir(d)) != NULL) {
		k = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (k <= 0 || (size_t)k < n || strncmp(link, mnt, n) != 0 ||
		    (n > 1 && (size_t)k > n && link[n] != '/'))
			continue;
		found = fd_of_ino(pfd, de->d_name, ino);
	}
out:
	if (d != NULL)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
	close(pfd);
	return found;
}

static void
op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx x;

	ctx_of(req, &x, true);
	x.holds = op_holds;
	reply_err(req, &x, fs_flush(fs_of(req), &x, ino, fi->fh));
}

static void
op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_err(req, &x, fs_release(fs_of(req), &x, ino, fi->fh));
}

static void
op_fsync(
    fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_err(
	    req, &x, fs_fsync(fs_of(req), &x, ino, fi->fh, datasync != 0));
}

static void
op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx x;
	uint64_t fh = 0;
	int r;

	ctx_of(req, &x, false);
	r = fs_opendir(fs_of(req), &x, ino, &fh);
	ctx_end(req, &x);
	if (r != 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = fh;
	if (fuse_reply_open(req, fi) != 0)
		fs_releasedir(fs_of(req), ino, fh);
}

struct dirbuf {
	fuse_req_t req;
	char *p;
	size_t len, cap;
	bool plus;
};

static int
dir_fill(void *arg, const char *name, const struct fs_entry *e, off_t next)
{
	struct dirbuf *b = arg;
	size_t n;

	if (b->plus) {
		struct fuse_entry_param p;

		to_param(e, &p);
		n = fuse_add_direntry_plus(
		    b->req, b->p + b->len, b->cap - b->len, name, &p, next);
	} else {
		n = fuse_add_direntry(
		    b->req, b->p + b->len, b->cap - b->len, name, &e->st, next);
	}
	if (n > b->cap - b->len)
		return 1;
	b->len += n;
	return 0;
}

static void
readdir_any(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi, bool plus)
{
	struct dirbuf b = { .req = req, .cap = size, .plus = plus };
	struct fs_ctx x;
	int r;

	ctx_of(req, &x, false);
	b.p = malloc(size > 0 ? size : 1);
	if (b.p == NULL) {
		reply_err(req, &x, -ENOMEM);
		return;
	}
	r = fs_readdir(fs_of(req), &x, ino, fi->fh, off, plus, dir_fill, &b);
	ctx_end(req, &x);
	if (r != 0 && b.len == 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, b.p, b.len);
	free(b.p);
}

static void
op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	readdir_any(req, ino, size, off, fi, false);
}

static void
op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	readdir_any(req, ino, size, off, fi, true);
}

static void
op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, -fs_releasedir(fs_of(req), ino, fi->fh));
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;
	struct fs_ctx x;
	int r;

	ctx_of(req, &x, false);
	r = fs_statfs(fs_of(req), &x, ino, &st);
	ctx_end(req, &x);
	if (r != 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_statfs(req, &st);
}

static void
op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
    size_t size, int flags)
{
	struct fs_ctx x;
	int f = 0;

	if (flags & XATTR_CREATE_FLAG)
		f |= FS_XATTR_CREATE;
	if (flags & XATTR_REPLACE_FLAG)
		f |= FS_XATTR_REPLACE;
	ctx_of(req, &x, false);
	reply_err(
	    req, &x, fs_setxattr(fs_of(req), &x, ino, name, value, size, f));
}

/* A sized reply: the length when size is 0, else the bytes. */
static void
reply_sized(fuse_req_t req, ssize_t n, const char *buf, size_t size)
{
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

static void
op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs_ctx x;
	char *buf = size > 0 ? malloc(size) : NULL;
	ssize_t n;

	if (size > 0 && buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ctx_of(req, &x, false);
	n = fs_getxattr(fs_of(req), &x, ino, name, buf, size);
	ctx_end(req, &x);
	reply_sized(req, n, buf, size);
	free(buf);
}

static void
op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs_ctx x;
	char *buf = size > 0 ? malloc(size) : NULL;
	ssize_t n;

	if (size > 0 && buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ctx_of(req, &x, false);
	n = fs_listxattr(fs_of(req), &x, ino, buf, size);
	ctx_end(req, &x);
	reply_sized(req, n, buf, size);
	free(buf);
}

static void
op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fs_ctx x;

	ctx_of(req, &x, false);
	reply_err(req, &x, fs_removexattr(fs_of(req), &x, ino, name));
}

const struct fuse_lowlevel_ops fuseop_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.setxattr = op_setxattr,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
};
