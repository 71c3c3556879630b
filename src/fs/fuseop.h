/*
 * fuseop - the adapter between the kernel's FUSE requests (through libfuse's
 * low-level API) and roma's file-system semantics.  The only module that
 * includes libfuse.
 */
#ifndef FS_FUSEOP_H
#define FS_FUSEOP_H

/* libfuse's version, e.g. "3.17.2". */
const char *fuseop_version(void);

#endif
