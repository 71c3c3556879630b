/*
 * text - pure string helpers of the E2B client: quoting command words
 * for the sandbox's shell, and the form of a request body that may be
 * logged (environment values and stdin data never are).
 */
#ifndef E2B_TEXT_H
#define E2B_TEXT_H

#include "roma.h"
#include "util/buf.h"

struct json;

/* Append `word` quoted for a POSIX shell: as it is when it only has
 * characters no shell treats specially, else in single quotes with each
 * ' written '\''; the empty word as ''. */
void e2b_shell_quote(const char *word, struct buf *out);

/*
 * Append `msg` as compact JSON with what must not reach a log replaced by
 * "<redacted>": every value of an "envs" or "env_vars" object (the keys
 * stay), and any "stdin" string (input sent to a process).
 */
void e2b_log_json(const struct json *msg, struct buf *out);

#endif
