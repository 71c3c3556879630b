/*
 * time - UTC calendar conversions done by hand: no TZ, no locale, no libc
 * time state, so they are pure and safe from any thread.  (The clock itself
 * is read elsewhere.)
 */
#ifndef UTIL_TIME_H
#define UTIL_TIME_H

#include "roma.h"

#include <time.h>

#define TIME_AMZDATE_LEN 16 /* 20150830T123600Z */

/* Format `t` as "20150830T123600Z" into `out` (TIME_AMZDATE_LEN + 1). */
void time_amzdate(time_t t, char *out);
/* Parse UTC "20150830T123600Z" or "2015-08-30T12:36:00Z" (years 1970 on)
 * into `t`.  Returns 0 or -EINVAL. */
int time_parse_iso8601(const char *s, time_t *t);

#endif
