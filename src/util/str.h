/*
 * str - the few string helpers roma keeps needing: trimming, affix and
 * case-insensitive tests, and strict parsers for the numbers users type
 * (counts, durations, sizes).  Parsers accept the whole string or nothing:
 * no sign, no surrounding space, no trailing junk; -EINVAL when malformed,
 * -ERANGE on overflow, and `*out` is untouched on error.
 */
#ifndef UTIL_STR_H
#define UTIL_STR_H

#include "roma.h"

#include <stdbool.h>
#include <stdint.h>

/* Strip leading and trailing ASCII space from `s`, in place; returns the
 * first non-space character inside `s`. */
char *str_trim(char *s);
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* ASCII case-insensitive equality, and prefix test. */
bool str_ieq(const char *a, const char *b);
/* Whether every byte of `s` is printable ASCII (safe in a header value). */
bool str_printable(const char *s);
bool str_istarts_with(const char *s, const char *prefix);

/* Decimal digits only, at most `max`. */
int str_to_u64(const char *s, uint64_t max, uint64_t *out);
/*
 * A duration in milliseconds: one or more <digits><unit> with unit ms, s,
 * m, h or d ("500ms", "30s", "1h30m", "1m0s" as Go prints it); a bare
 * number is seconds.
 */
int str_parse_duration(const char *s, uint64_t *ms);
/*
 * A size in bytes: digits with an optional suffix K, M, G or T, alone or
 * followed by B or iB, any case, all powers of 1024 ("64M", "1GiB",
 * "512kb"); B or nothing is bytes.
 */
int str_parse_size(const char *s, uint64_t *bytes);

#endif
