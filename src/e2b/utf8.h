/*
 * utf8 - streaming UTF-8 decoding of process output, as the SDK's
 * TextDecoder does it: a character split across chunks is held back until
 * its last byte arrives, and ill-formed bytes become U+FFFD (one per
 * maximal subpart, per the WHATWG Encoding standard).  Pure.
 */
#ifndef E2B_UTF8_H
#define E2B_UTF8_H

#include "roma.h"

#include <stddef.h>

struct buf;

struct e2b_utf8 {
	unsigned char tail[4]; /* an incomplete sequence held back */
	size_t ntail;
};

#define E2B_UTF8_INIT    \
	{                \
		{ 0 }, 0 \
	}

/* Append the text decodable so far from `n` more bytes to `out`. */
int e2b_utf8_feed(struct e2b_utf8 *u, const void *p, size_t n, struct buf *out);
/* End of stream: a sequence still incomplete becomes U+FFFD. */
int e2b_utf8_flush(struct e2b_utf8 *u, struct buf *out);

#endif
