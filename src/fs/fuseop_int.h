/*
 * fuseop_int - what fuseop.c (the request handlers) and fuseopsession.c (the
 * session's life) share.  Only fuseop*.c include it: it needs libfuse.
 */
#ifndef FS_FUSEOP_INT_H
#define FS_FUSEOP_INT_H

#include "roma.h"

struct fuse_lowlevel_ops;

extern const struct fuse_lowlevel_ops fuseop_ops;

#endif
