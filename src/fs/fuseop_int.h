/*
 * fuseop_int - what fuseop.c (the request handlers) and fuseopsession.c (the
 * session's life) share.  Only fuseop*.c include it: it needs libfuse.
 */
#ifndef FS_FUSEOP_INT_H
#define FS_FUSEOP_INT_H

#include "roma.h"

struct fuse_lowlevel_ops;
struct fuse_session;

extern const struct fuse_lowlevel_ops fuseop_ops;

/* The serving session (NULL outside fuseop_main): for notifications. */
extern struct fuse_session *_Atomic fuseop_se;
/* Its mountpoint, as /proc/PID/fd links show paths under it. */
extern const char *_Atomic fuseop_mnt;

#endif
