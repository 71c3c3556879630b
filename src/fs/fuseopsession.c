/*
 * The session's life: clear a dead mount, mount, tell the caller once the
 * mount answers, serve on libfuse's multi-threaded loop, unmount on
 * SIGINT/SIGTERM/SIGHUP (retrying a busy mount as goofys does), and unmount
 * on the way out whatever ended the loop.  Also `roma umount`.
 */
#include "roma.h"
#include "fs/fs.h"
#include "fs/fuseop.h"
#include "fs/fuseop_int.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#define FUSE_USE_VERSION 317
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_TRIES 20
#define READAHEAD_KB  1024u /* op_init's max_readahead, and max_write */
#define DEFAULT_DRAIN 60000

static int exit_pipe[2] = { -1, -1 };

void
fuseop_request_exit(void)
{
	int saved = errno;
	char c = 'x';

	if (exit_pipe[1] >= 0 && write(exit_pipe[1], &c, 1) < 0)
		(void)0; /* full: a request is pending anyway */
	errno = saved;
}

static void
on_signal(int sig)
{
	(void)sig;
	fuseop_request_exit();
}

bool
fuseop_is_dead(const char *mountpoint)
{
	struct statvfs sv;
	struct stat st;

	/* stat may be answered from the kernel's attribute cache; statfs
	 * always asks the daemon. */
	if (stat(mountpoint, &st) != 0)
		return errno == ENOTCONN;
	return statvfs(mountpoint, &sv) != 0 && errno == ENOTCONN;
}

/* "/a/b" from a path that may be relative and may not resolve (a dead
 * mount point cannot be stat'ed). */
static char *
abs_path(const char *p)
{
	char cwd[PATH_MAX], *r;
	size_t n;

	r = realpath(p, NULL);
	if (r != NULL || p[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return r != NULL ? r : xstrdup(p);
	n = strlen(cwd) + strlen(p) + 2;
	r = xmalloc(n);
	snprintf(r, n, "%s/%s", cwd, p);
	return r;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool
is_mounted(const char *path)
{
	char line[8192], mp[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (f == NULL)
		return true; /* cannot tell: let umount say */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape(mp);
		found = strcmp(mp, path) == 0;
	}
	fclose(f);
	return found;
}

/* fusermount3 (else fusermount) -u [-z] -q PATH; 0 when it exits 0. */
static int
run_fusermount(const char *path, bool lazy)
{
	static const char *const progs[] = { "fusermount3", "fusermount" };
	int r = -ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(progs) && r == -ENOENT; i++) {
		char *argv[] = { (char *)progs[i], "-u", "-q",
			lazy ? "-z" : NULL, NULL, NULL };
		int st = 0;
		pid_t pid;

		argv[lazy ? 4 : 3] = (char *)path;
		if (posix_spawnp(&pid, progs[i], NULL, NULL, argv, environ) !=
		    0)
			continue;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		r = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EBUSY;
	}
	return r;
}

static int
do_unmount(const char *path, bool lazy)
{
	if (geteuid() == 0)
		return umount2(path, lazy ? MNT_DETACH : 0) == 0 ? 0 : -errno;
	return run_fusermount(path, lazy);
}

int
fuseop_unmount(const char *mountpoint, unsigned flags, struct rerr *e)
{
	bool dead = fuseop_is_dead(mountpoint);
	bool lazy = (flags & FUSEOP_UMOUNT_LAZY) || dead;
	char *path = abs_path(mountpoint);
	int r;

	if (!is_mounted(path)) {
		r = rerr_set(e, -EINVAL, "%s: not mounted", mountpoint);
		free(path);
		return r;
	}
	r = do_unmount(path, lazy);
	if (r == -EBUSY)
		rerr_set(e, r, "%s: busy (try -l)", mountpoint);
	else if (r == -ENOENT)
		rerr_set(e, r, "%s: fusermount3 not found", mountpoint);
	else if (r != 0)
		rerr_set(e, r, "%s: %s", mountpoint, strerror(-r));
	free(path);
	return r;
}

struct session {
	struct fuse_session *se;
	char *mnt;
	unsigned tries;
	pthread_mutex_t mu;
	bool ready_done;
	void (*ready)(void *arg, int err);
	void *arg;
};

static void
ready_once(struct session *s, int err)
{
	bool call;

	pthread_mutex_lock(&s->mu);
	call = !s->ready_done;
	s->ready_done = true;
	pthread_mutex_unlock(&s->mu);
	if (call && s->ready != NULL)
		s->ready(s->arg, err);
}

/*
 * The kernel reads ahead of a FUSE reader at most the mount's bdi
 * read_ahead_kb (128 KiB), whatever INIT asked: so a sequential read
 * costs a request per 128 KiB.  Where we may (root), raise it to what we
 * asked so reads come in 1 MiB requests.  Best effort: the defaults work.
 */
static void
raise_readahead(dev_t dev)
{
	char path[64], cur[32];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
	    major(dev), minor(dev));
	f = fopen(path, "re");
	if (f == NULL)
		return;
	if (fgets(cur, sizeof(cur), f) != NULL)
		kb = strtoul(cur, NULL, 10);
	fclose(f);
	if (kb >= READAHEAD_KB || (f = fopen(path, "we")) == NULL)
		return;
	fprintf(f, "%u\n", READAHEAD_KB);
	if (fclose(f) != 0)
		log_debug(LOG_FUSE, "%s: %s", path, strerror(errno));
}

/* A stat of the root waits for the kernel's INIT: once it returns, the
 * mount answers. */
static void *
ready_main(void *arg)
{
	struct session *s = arg;
	struct stat st;
	int r = stat(s->mnt, &st) == 0 ? 0 : -errno;

	if (r == 0)
		raise_readahead(st.st_dev);
	ready_once(s, r);
	return NULL;
}

/* Waits for exit requests and unmounts, retrying while busy. */
static void *
watch_main(void *arg)
{
	struct session *s = arg;
	char c;

	for (;;) {
		ssize_t n = read(exit_pipe[0], &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == 'q')
			return NULL;
		for (unsigned i = 0; i < s->tries; i++) {
			int r = do_unmount(s->mnt, false);

			if (r == 0 || r == -EINVAL)
				break;
			log_warn(LOG_FUSE, "Failed to unmount %s: %s", s->mnt,
			    strerror(-r));
			if (i + 1 < s->tries)
				sleep(1); /* goofys: 20 tries, then serve on */
		}
	}
}

/* Ours, then the user's; max_read when the memory limit is that small
 * (op_init says the same: libfuse checks). */
static char *
mount_options(const struct fuseop_config *c, struct fs *fs)
{
	const char *u = c->options != NULL ? c->options : "";
	size_t n = strlen(u) + 64, mr = fs_read_max(fs);
	char *o = xmalloc(n);
	int k = snprintf(o, n, "default_permissions");

	if (mr > 0)
		k += snprintf(o + k, n - (size_t)k, ",max_read=%zu", mr);
	snprintf(o + k, n - (size_t)k, "%s%s", u[0] ? "," : "", u);
	return o;
}

static int
mount_error(const struct fuseop_config *c, const char *mnt, struct rerr *e)
{
	struct stat st;

	if (access("/dev/fuse", R_OK | W_OK) != 0)
		return rerr_set(e, -ENODEV, "/dev/fuse: %s", strerror(errno));
	if (stat(mnt, &st) != 0)
		return rerr_set(
		    e, -errno, "%s: %s", c->mountpoint, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rerr_set(
		    e, -ENOTDIR, "%s: not a directory", c->mountpoint);
	if (is_mounted(mnt))
		return rerr_set(
		    e, -EBUSY, "%s: already mounted", c->mountpoint);
	return rerr_set(
	    e, -EPERM, "%s: mount refused (see the log)", c->mountpoint);
}

static void
signals(bool install, struct sigaction old[4])
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		if (!install) {
			sigaction(sigs[i], &old[i], NULL);
			continue;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = sigs[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, &old[i]);
	}
}

/* Serve until unmounted; returns the loop's result. */
static int
serve(struct fs *fs, struct session *s, const struct fuseop_config *c)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	pthread_t rt, wt;
	bool rt_ok, wt_ok;
	int r;

	wt_ok = pthread_create(&wt, NULL, watch_main, s) == 0;
	rt_ok = pthread_create(&rt, NULL, ready_main, s) == 0;
	if (!rt_ok)
		ready_once(s, 0);
	fuse_loop_cfg_set_clone_fd(lc, 0);
	if (c->max_threads > 0)
		fuse_loop_cfg_set_max_threads(lc, c->max_threads);
	r = fuse_session_loop_mt(s->se, lc);
	fuse_loop_cfg_destroy(lc);
	if (fs_drain(fs,
	        c->drain_timeout_ms > 0 ? c->drain_timeout_ms
	                                : DEFAULT_DRAIN) != 0)
		log_warn(LOG_FUSE, "uploads still running at unmount");
	/* Whatever ended the loop, leave no dead mount behind. */
	fuse_session_unmount(s->se);
	if (wt_ok) {
		char q = 'q';

		if (write(exit_pipe[1], &q, 1) < 0)
			pthread_cancel(wt);
		pthread_join(wt, NULL);
	}
	if (rt_ok)
		pthread_join(rt, NULL);
	return r == 0 ? 0 : r < 0 && r != -1 ? r : -EIO;
}

int
fuseop_main(struct fs *fs, const struct fuseop_config *c, struct rerr *e)
{
	struct session s = { 0 };
	struct sigaction old[4];
	char *opts = NULL;
	char *argv[5] = { "roma", "-o", NULL, NULL, NULL };
	struct fuse_args args;
	int r;

	pthread_mutex_init(&s.mu, NULL);
	s.ready = c->ready;
	s.arg = c->ready_arg;
	s.tries = c->unmount_tries > 0 ? c->unmount_tries : DEFAULT_TRIES;
	if (fuseop_is_dead(c->mountpoint)) {
		log_warn(LOG_FUSE, "%s: clearing a dead mount", c->mountpoint);
		fuseop_unmount(c->mountpoint, FUSEOP_UMOUNT_LAZY, NULL);
	}
	s.mnt = realpath(c->mountpoint, NULL);
	if (s.mnt == NULL) {
		r = rerr_set(
		    e, -errno, "%s: %s", c->mountpoint, strerror(errno));
		goto out;
	}
	opts = mount_options(c, fs);
	argv[2] = opts;
	argv[3] = c->debug ? "-d" : NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(c->debug ? 4 : 3, argv);
	s.se = fuse_session_new(&args, &fuseop_ops, sizeof(fuseop_ops), fs);
	fuse_opt_free_args(&args);
	if (s.se == NULL) {
		r = rerr_set(e, -EINVAL, "bad mount options: %s", opts);
		goto out;
	}
	if (pipe2(exit_pipe, O_CLOEXEC) != 0) {
		r = rerr_set(e, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	signals(true, old);
	if (fuse_session_mount(s.se, s.mnt) != 0) {
		r = mount_error(c, s.mnt, e);
	} else {
		fuseop_se = s.se;
		fuseop_mnt = s.mnt;
		r = serve(fs, &s, c);
		fuseop_mnt = NULL;
		fuseop_se = NULL;
		if (r != 0)
			rerr_set(e, r, "FUSE loop: %s", strerror(-r));
	}
	signals(false, old);
out:
	ready_once(&s, r != 0 ? r : -EIO); /* no-op once it was called */
	if (s.se != NULL)
		fuse_session_destroy(s.se);
	for (int i = 0; i < 2; i++) {
		if (exit_pipe[i] >= 0)
			close(exit_pipe[i]);
		exit_pipe[i] = -1;
	}
	pthread_mutex_destroy(&s.mu);
	free(s.mnt);
	free(opts);
	return r;
}
