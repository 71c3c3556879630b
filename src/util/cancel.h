/*
 * cancel - a thread's "the caller gave up" flag.  A FUSE request points
 * the thread serving it at its flag for as long as it works; the HTTP layer
 * polls it during transfers and aborts them with -EINTR, the S3 retry loop
 * stops retrying, and waits that poll it give up.  A thread watching no
 * flag is never cancelled, so no API below the FUSE layer needs a new
 * argument.  Setting a flag is safe from any thread (an interrupt handler).
 */
#ifndef UTIL_CANCEL_H
#define UTIL_CANCEL_H

#include "roma.h"

#include <stdatomic.h>
#include <stdbool.h>

struct cancel {
	atomic_bool on;
};

/* Clear `c` (not cancelled). */
void cancel_init(struct cancel *c);
/* Cancel: every thread watching `c` gives up at its next check. */
void cancel_set(struct cancel *c);
bool cancel_is_set(struct cancel *c);
/* Make `c` this thread's flag (NULL: none); returns the previous one, for
 * putting it back. */
struct cancel *cancel_watch(struct cancel *c);
/* This thread's flag, or NULL. */
struct cancel *cancel_current(void);
/* Whether this thread's flag is set. */
bool cancel_requested(void);

#endif
