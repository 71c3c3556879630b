/*
 * md5 - MD5 over mbedTLS, for S3 ETags only (the in-memory object store
 * computes them as S3 does).  Never use it where security matters.
 */
#ifndef UTIL_MD5_H
#define UTIL_MD5_H

#include <stddef.h>

#define MD5_LEN 16

/* The digest of `n` bytes at `p`. */
void md5_digest(const void *p, size_t n, unsigned char out[MD5_LEN]);

#endif
