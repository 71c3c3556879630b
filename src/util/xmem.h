/*
 * xmem - allocation that cannot fail.  roma is a program, not a library: on
 * out-of-memory it prints one line and aborts rather than threading ENOMEM
 * through every caller (git, redis and busybox do the same).
 */
#ifndef UTIL_XMEM_H
#define UTIL_XMEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
