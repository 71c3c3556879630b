/*
 * daemon - fork, report readiness through a pipe (see daemon.h).
 *
 * The report is one message: "R" for ready, or "F" followed by the
 * failure's text.  EOF without a report means the child died.
 */
#include "roma.h"
#include "fs/daemon.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define REPORT_MAX       4096

bool
fs_daemon_is_fuse(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 &&
	    (unsigned long)st.f_type == FUSE_SUPER_MAGIC;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Why the child is gone, once it is (it may take a moment after EOF). */
static int
child_gone(pid_t pid, struct rerr *e)
{
	int st = 0, i;

	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(20000);
	}
	if (i < 50 && WIFSIGNALED(st))
		return rerr_set(e, -EIO,
		    "the mount process was killed by signal %d", WTERMSIG(st));
	if (i < 50 && WIFEXITED(st))
		return rerr_set(e, -EIO,
		    "the mount process exited with status %d before the "
		    "mount was ready",
		    WEXITSTATUS(st));
	return rerr_set(e, -EIO,
	    "the mount process stopped reporting before the mount was ready");
}

/* Read the child's report into `b`; 1 when complete (EOF), 0 on timeout. */
static int
read_report(int fd, struct buf *b, int timeout_ms)
{
	long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct pollfd p = { fd, POLLIN, 0 };
	char tmp[512];
	ssize_t n;
	int wait;

	for (;;) {
		wait = deadline ? (int)(deadline - now_ms()) : -1;
		if (deadline && wait <= 0)
			return 0;
		if (poll(&p, 1, wait) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		if (b->len + (size_t)n < REPORT_MAX)
			buf_add(b, tmp, (size_t)n);
	}
}

static int
parent_wait(struct fs_daemon *d, int fd, const char *mountpoint, int timeout_ms,
    struct rerr *e)
{
	struct buf b = BUF_INIT;
	int r;

	if (read_report(fd, &b, timeout_ms) == 0) {
		kill(d->child, SIGTERM);
		r = rerr_set(e, -ETIMEDOUT,
		    "the mount was not ready after %d s; gave up",
		    timeout_ms / 1000);
	} else if (b.len == 0) {
		r = child_gone(d->child, e);
	} else if (b.ptr[0] == 'R') {
		r = FS_DAEMON_PARENT;
		if (!fs_daemon_is_fuse(mountpoint))
			r = rerr_set(e, -EIO,
			    "the mount process reported ready but %s is not a "
			    "FUSE mount",
			    mountpoint);
	} else {
		r = rerr_set(e, -EIO, "%s", b.ptr + 1);
	}
	buf_release(&b);
	return r;
}

int
fs_daemon_start(
    struct fs_daemon *d, const char *mountpoint, int timeout_ms, struct rerr *e)
{
	int p[2], r;
	pid_t pid;

	d->fd = -1;
	d->child = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return rerr_set(e, -errno, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return rerr_set(e, r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		close(p[0]);
		d->fd = p[1];
		return FS_DAEMON_CHILD;
	}
	close(p[1]);
	d->child = pid;
	r = parent_wait(d, p[0], mountpoint, timeout_ms, e);
	close(p[0]);
	return r;
}

int
fs_daemon_detach(struct fs_daemon *d, struct rerr *e)
{
	int fd, i;

	(void)d;
	if (setsid() < 0)
		return rerr_set(e, -errno, "setsid: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return rerr_set(e, -errno, "/dev/null: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return rerr_set(e, -errno, "dup2: %s", strerror(errno));
	close(fd);
	return 0;
}

static void
report(struct fs_daemon *d, char kind, const char *msg)
{
	struct buf b = BUF_INIT;
	ssize_t n;

	if (d->fd < 0)
		return;
	buf_addc(&b, kind);
	if (msg)
		buf_adds(&b, msg);
	n = write(d->fd, b.ptr, b.len);
	(void)n; /* the parent may be gone: nothing to do about it */
	buf_release(&b);
	close(d->fd);
	d->fd = -1;
}

void
fs_daemon_ready(struct fs_daemon *d)
{
	report(d, 'R', NULL);
}

void
fs_daemon_fail(struct fs_daemon *d, const char *msg)
{
	report(d, 'F', msg && *msg ? msg : "the mount failed");
}

bool
fs_daemon_pending(const struct fs_daemon *d)
{
	return d->fd >= 0;
}
