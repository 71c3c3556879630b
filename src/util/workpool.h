/*
 * workpool - run task(0..n-1) on up to `threads` threads, the caller's
 * included, and stop handing out work at the first failure.  Used for
 * parallel multipart parts and ranged downloads.  The helper threads
 * watch the caller's cancel flag (util/cancel.h) too.
 */
#ifndef UTIL_WORKPOOL_H
#define UTIL_WORKPOOL_H

#include "roma.h"

struct rerr;

#define WORKPOOL_MAX_THREADS 64u

/*
 * Returns 0 when every task returned 0, else the first failure's -errno
 * with its rerr copied into `e` (which may be NULL).  `threads` is capped
 * at WORKPOOL_MAX_THREADS and at `n`; a thread that cannot be created only
 * means less parallelism.
 */
int workpool_run(unsigned n, unsigned threads,
    int (*task)(unsigned i, void *arg, struct rerr *e), void *arg,
    struct rerr *e);

#endif
