/*
 * ini - the AWS shared configuration files (~/.aws/credentials and
 * ~/.aws/config) as the SDKs read them.
 *
 * Sections are "[name]", "[profile name]", "[services name]" and the like;
 * the name inside the brackets is trimmed and the blanks between a type
 * word and a name collapse to one space, so "[ profile  dev ]" is looked up
 * as "profile dev".  Property lines are "key = value"; keys are
 * case-insensitive, values trimmed.  Lines starting with '#' or ';' are
 * comments; in a value a comment needs a blank before it ("v # c" is "v",
 * "v#c" stays), as in the SDKs.  An indented line continues the previous
 * value, or, when that value was empty, is a sub-property ("s3 =\n
 * addressing_style = path").  Lines outside a section and malformed lines
 * are skipped; a later duplicate key wins.  Hostile input is bounded by
 * INI_MAX_FILE and never crashes the parser.
 */
#ifndef UTIL_INI_H
#define UTIL_INI_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rerr;
struct ini;

#define INI_MAX_FILE (1u << 20) /* a bigger file is refused */

/* Parse `n` bytes of `text` (need not be NUL-terminated); never fails. */
struct ini *ini_parse(const char *text, size_t n);
/*
 * Read and parse `path`.  Returns 0 with *out set, -ENOENT when the file
 * does not exist (nothing in `e`: absence is normal), -EFBIG over
 * INI_MAX_FILE, or another -errno, with `e` naming the file.  When `mode`
 * is not NULL it receives the file's permission bits.
 */
int ini_load(const char *path, struct ini **out, mode_t *mode, struct rerr *e);
void ini_free(struct ini *ini);

/* Whether a section of this (normalised) name exists, even empty. */
bool ini_has_section(const struct ini *ini, const char *section);
/* The value of `key` in `section`, or NULL; valid until ini_free. */
const char *ini_get(
    const struct ini *ini, const char *section, const char *key);
/* The sub-property `sub` under `key` in `section`, or NULL. */
const char *ini_get_sub(const struct ini *ini, const char *section,
    const char *key, const char *sub);

#endif
