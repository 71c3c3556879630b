/*
 * roma.h - first include of every roma source file: feature macros and the
 * few attribute/array helpers every module uses.
 */
#ifndef ROMA_H
#define ROMA_H

#define _GNU_SOURCE 1

#include <stddef.h>

#define ARRAY_SIZE(a)          (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define NORETURN               __attribute__((noreturn))
#define UNUSED                 __attribute__((unused))

#endif
