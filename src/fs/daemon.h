/*
 * daemon - putting the mount in the background the way goofys does: the
 * process forks, the child (in a new session, stdio on /dev/null) mounts
 * and reports through a pipe, and the parent returns only with that report:
 * ready (the mount answers) or the reason it failed.  Scripts that write to
 * the mount right after `goofys BUCKET DIR` returns depend on this.
 *
 * Fork before any thread exists (before the S3 client is made): only the
 * calling thread survives a fork.
 */
#ifndef FS_DAEMON_H
#define FS_DAEMON_H

#include "roma.h"

#include <stdbool.h>
#include <sys/types.h>

struct rerr;

struct fs_daemon {
	int fd;      /* child: the write end; -1 once reported */
	pid_t child; /* parent: the child's pid */
};

#define FS_DAEMON_CHILD  0 /* returned in the child: go on and mount */
#define FS_DAEMON_PARENT 1 /* returned in the parent: the mount is ready */

/*
 * Fork.  In the child returns FS_DAEMON_CHILD (stdio not yet detached: see
 * fs_daemon_detach).  In the parent waits up to `timeout_ms` (0: forever)
 * for the child's report and returns FS_DAEMON_PARENT when it reported
 * ready and `mountpoint` is then a FUSE mount, else -errno with `e` holding
 * the child's message (or why it died: "the mount process was killed by
 * signal 9").  On timeout the child is killed and -ETIMEDOUT returned.
 */
int fs_daemon_start(struct fs_daemon *d, const char *mountpoint, int timeout_ms,
    struct rerr *e);
/* Child: new session, stdin/stdout/stderr on /dev/null.  Nothing that is
 * printed afterwards can fail or block the daemon. */
int fs_daemon_detach(struct fs_daemon *d, struct rerr *e);
/* Child: report success (once; later reports are ignored). */
void fs_daemon_ready(struct fs_daemon *d);
/* Child: report failure with a one-line message (once). */
void fs_daemon_fail(struct fs_daemon *d, const char *msg);
/* Whether the child still owes a report. */
bool fs_daemon_pending(const struct fs_daemon *d);
/* Whether `path` is the root of a FUSE file system (statfs magic). */
bool fs_daemon_is_fuse(const char *path);

#endif
