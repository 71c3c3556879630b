/*
 * b64 - standard base64 (RFC 4648 §4, with padding), as proto3 JSON
 * carries `bytes` fields.  Pure: no I/O, no allocation beyond `out`.
 */
#ifndef UTIL_B64_H
#define UTIL_B64_H

#include "roma.h"

#include <stddef.h>

struct buf;

/* Append the encoding of `n` bytes of `p` to `out`; 0 or -E2BIG. */
int b64_encode(struct buf *out, const void *p, size_t n);
/*
 * Append the decoding of `n` characters of `s` to `out`.  Accepts the
 * standard and URL-safe alphabets, missing padding, and ignores ASCII
 * white space.  Returns 0, -EINVAL on any other character or a bad
 * length (`out` then back at its length on entry), or -E2BIG.
 */
int b64_decode(struct buf *out, const char *s, size_t n);

#endif
