/*
 * gz - inflate over zlib, for the embedded CA bundle and compressed
 * replies.  The only module that includes <zlib.h>.
 */
#ifndef UTIL_GZ_H
#define UTIL_GZ_H

#include <stddef.h>

struct buf;

/*
 * Append the inflation of `in` (zlib or gzip format, detected from the
 * header) to `out`.  The stream must be complete and nothing may follow it.
 * Returns 0; -EINVAL for corrupt or truncated data; -E2BIG when the output
 * would exceed `max` bytes (0: no limit) or `out`'s own cap.  On error `out`
 * is back to its length on entry.
 */
int gz_inflate(const void *in, size_t n, struct buf *out, size_t max);
/* zlib's version, e.g. "1.3.1". */
const char *gz_version(void);

#endif
