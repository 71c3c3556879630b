/*
 * uri - RFC 3986 percent-encoding as SigV4 wants it, strict decoding, and a
 * small URL splitter.  Pure string work: no allocation beyond the caller's
 * buffers, no I/O.
 */
#ifndef UTIL_URI_H
#define UTIL_URI_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>

struct buf;

#define URI_KEEP_SLASH 0x01 /* leave '/' as is (paths) */

/* Parts of an absolute URL; each a NUL-terminated string, never NULL. */
struct uri_parts {
	char *scheme; /* lower-cased, e.g. "https" */
	char *host;   /* without brackets for IPv6 literals */
	char *port;   /* "" when absent */
	char *path;   /* "/" when absent; as given (still encoded) */
	char *query;  /* without '?'; "" when absent; fragment dropped */
	char *mem;    /* one allocation holding all of the above */
};

/* Non-zero for A-Z a-z 0-9 - . _ ~, the bytes never encoded. */
int uri_unreserved(int c);
/* The value of hex digit `c` (either case), or -1. */
int uri_hexval(int c);
/* Append `n` bytes of `p` to `out`, every other byte as %XX (upper-case
 * hex); `flags` may keep '/'.  Returns 0 or -E2BIG from buf. */
int uri_encode(struct buf *out, const void *p, size_t n, unsigned flags);
/* Append the percent-decoding of `n` bytes of `p` to `out`.  '+' is kept
 * as is.  Returns 0, -EINVAL on a '%' not followed by two hex digits (`out`
 * then holds a partial result), or -E2BIG from buf. */
int uri_decode(struct buf *out, const char *p, size_t n);
/* Split the absolute URL `url` ("scheme://host[:port][/path][?query]").
 * Returns 0 or -EINVAL (no scheme, empty host, userinfo, bad port); on
 * success release `u` with uri_parts_release. */
int uri_split(const char *url, struct uri_parts *u);
void uri_parts_release(struct uri_parts *u);
/* Whether `host` (as in uri_parts: no brackets, no port) names this
 * machine: "localhost", 127.0.0.0/8 or ::1.  Traffic to it never crosses
 * a network. */
bool uri_host_loopback(const char *host);

#endif
