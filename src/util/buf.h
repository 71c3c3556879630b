/*
 * buf - a growable byte buffer.  `ptr` is never NULL and always
 * NUL-terminated (so text can be used as a C string), and an optional `max`
 * caps its length so a hostile peer cannot make us allocate without bound.
 * Allocation failure aborts (see xmem.h); exceeding `max` returns -E2BIG and
 * leaves the buffer unchanged.
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include "roma.h"

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t cap; /* 0 while ptr points at the shared empty string */
	size_t max; /* 0: unlimited */
};

extern char buf_empty[1];

/* clang-format off */
#define BUF_INIT { buf_empty, 0, 0, 0 }
/* clang-format on */

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void buf_truncate(struct buf *b, size_t len);
/* Hand the allocation to the caller (always malloc'd) and reset `b`. */
char *buf_detach(struct buf *b, size_t *len);

#endif
