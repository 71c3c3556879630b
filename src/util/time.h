/*
 * time - UTC calendar conversions done by hand: no TZ, no locale, no libc
 * time state, so they are pure and safe from any thread.  (The clock itself
 * is read elsewhere.)
 */
#ifndef UTIL_TIME_H
#define UTIL_TIME_H

#include "roma.h"

#include <pthread.h>
#include <time.h>

#define TIME_AMZDATE_LEN 16 /* 20150830T123600Z */

/* Format `t` as "20150830T123600Z" into `out` (TIME_AMZDATE_LEN + 1). */
void time_amzdate(time_t t, char *out);
/* Parse UTC "20150830T123600Z" or "2015-08-30T12:36:00Z" (years 1970 on)
 * into `t`.  Returns 0 or -EINVAL. */
int time_parse_iso8601(const char *s, time_t *t);
/* The CLOCK_REALTIME instant `ms` from now, for pthread_cond_timedwait. */
void time_deadline(struct timespec *ts, long ms);
/* Wait on `cv` (with `mu` held) for at most `ms`: waiters that must also
 * notice something no one signals (an interrupt) poll this way.  Returns
 * pthread_cond_timedwait's result. */
int time_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, long ms);

#endif
