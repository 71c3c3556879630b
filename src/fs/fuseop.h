/*
 * fuseop - the adapter between the kernel's FUSE requests (through libfuse's
 * low-level API) and roma's file-system semantics (fs.h).  The only module
 * that includes libfuse.  Each request is unpacked, handed to one fs_* call
 * and answered exactly once.
 *
 * Threading: fuseop_main runs libfuse's multi-threaded loop on the calling
 * thread plus workers; it installs its own SIGINT, SIGTERM and SIGHUP
 * handlers for its duration (and ignores SIGPIPE), restoring the old ones
 * before it returns.  Nothing else in the process may read /dev/fuse.
 */
#ifndef FS_FUSEOP_H
#define FS_FUSEOP_H

#include "roma.h"

#include <stdbool.h>

struct fs;
struct rerr;

struct fuseop_config {
	const char *mountpoint; /* must exist; may be relative */
	/*
	 * Mount options, a comma list as after -o (NULL: none): the user's
	 * (allow_other, ro, ...) plus fsname=BUCKET[:PREFIX] and
	 * subtype=goofys as the command sees fit.  fuseop adds
	 * default_permissions itself (goofys always sets it).  auto_unmount
	 * goes to libfuse, which then mounts through fusermount3 (even as
	 * root) and leaves it watching, so even a SIGKILLed daemon leaves no
	 * dead mount.  Options libfuse does not know fail the mount with
	 * -EINVAL (libfuse names them on stderr).
	 */
	const char *options;
	bool debug; /* trace every request on the log (--debug_fuse) */
	unsigned max_threads; /* workers; 0: libfuse's default (10) */
	/* On SIGINT/SIGTERM: how often to retry a busy unmount (1 s apart)
	 * before giving up and serving on, as goofys; 0: 20. */
	unsigned unmount_tries;
	/* After the kernel stops sending: how long to wait for uploads still
	 * running (fs_drain); 0: 60000. */
	int drain_timeout_ms;
	/*
	 * Called exactly once, from some thread, before fuseop_main returns:
	 * with 0 once the mounted file system answered a stat of its root
	 * (the kernel's INIT is done), or with the -errno that stops the
	 * mount.  A daemonizing parent exits 0 only after ready(0).
	 */
	void (*ready)(void *arg, int err);
	void *ready_arg;
};

/* libfuse's version, e.g. "3.17.2". */
const char *fuseop_version(void);

/*
 * Mount `fs` on c->mountpoint and serve it until it is unmounted (by
 * `roma umount`, fusermount3 -u, umount) or a SIGINT/SIGTERM unmounts it;
 * then wait for uploads (c->drain_timeout_ms) and return 0.  A mountpoint
 * left dead by a killed daemon ("Transport endpoint is not connected") is
 * lazily unmounted first.  Mounts with mount(2) as root, else through
 * fusermount3.  A loop that fails unmounts before returning its -errno, so
 * no dead mount is left behind.  Errors: -ENOENT/-ENOTDIR (mountpoint),
 * -EBUSY (already a live mount there), -EPERM/-EACCES (no right to mount),
 * -ENODEV (no /dev/fuse), -EINVAL (options).  `fs` is not freed.
 */
int fuseop_main(struct fs *fs, const struct fuseop_config *c, struct rerr *e);

/* Ask a running fuseop_main (in this process) to unmount and return, as
 * SIGTERM does.  Async-signal-safe. */
void fuseop_request_exit(void);

#define FUSEOP_UMOUNT_LAZY 0x1u /* detach even when busy (umount -l) */

/*
 * Unmount `mountpoint` (roma umount): umount2 as root, else
 * `fusermount3 -u` (plus -z with FUSEOP_UMOUNT_LAZY).  A dead FUSE mount
 * ("Transport endpoint is not connected") is always detached lazily, so it
 * is cleared even without the flag.  -EINVAL if nothing is mounted there,
 * -EBUSY if busy and not lazy, -EPERM.
 */
int fuseop_unmount(const char *mountpoint, unsigned flags, struct rerr *e);

/* Whether `mountpoint` is a FUSE mount whose daemon is gone (ENOTCONN). */
bool fuseop_is_dead(const char *mountpoint);

#endif
