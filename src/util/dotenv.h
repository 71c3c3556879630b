/*
 * dotenv - `.env` files as python-dotenv reads them, so roma and ROMA's
 * Python side agree on what a file says.
 *
 * Lines are "KEY=VALUE", optionally after "export "; blank lines and lines
 * starting with '#' are skipped, as are malformed ones.  Values are trimmed;
 * an unquoted value ends at " #" (a comment).  'single quotes' are literal;
 * "double quotes" may span lines and understand \n \t \r \" \\ escapes.
 * ${NAME} in unquoted and double-quoted values expands to the environment
 * (through `env`, which may be NULL) or else an earlier key of the file,
 * else to nothing; ${NAME:-default} is honoured too.  A later duplicate
 * key wins.  Input is bounded by DOTENV_MAX_FILE.
 */
#ifndef UTIL_DOTENV_H
#define UTIL_DOTENV_H

#include "roma.h"

#include <stddef.h>

struct rerr;
struct dotenv;

#define DOTENV_MAX_FILE (1u << 20)

typedef const char *(*dotenv_lookup_fn)(const char *name);

/* Parse `n` bytes of `text`; never fails (bad lines are skipped). */
struct dotenv *dotenv_parse(const char *text, size_t n, dotenv_lookup_fn env);
/* Read and parse `path`: 0, -ENOENT when absent (nothing in `e`), -EFBIG,
 * or another -errno with `e` naming the file. */
int dotenv_load(const char *path, dotenv_lookup_fn env, struct dotenv **out,
    struct rerr *e);
void dotenv_free(struct dotenv *d);
/* The value of `key` or NULL; valid until dotenv_free. */
const char *dotenv_get(const struct dotenv *d, const char *key);
/* Iteration in file order (duplicates collapsed): the count, and entry i. */
size_t dotenv_count(const struct dotenv *d);
const char *dotenv_key(const struct dotenv *d, size_t i);
const char *dotenv_value(const struct dotenv *d, size_t i);

#endif
