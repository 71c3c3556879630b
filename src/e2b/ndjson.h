/*
 * ndjson - the code interpreter's /execute reply: newline-delimited JSON
 * split into lines however the chunks fall, and each line decoded into an
 * execution (results with their MIME fields, stdout and stderr chunks, the
 * error, the execution count) as the SDKs assemble it.  Pure: fuzzable.
 */
#ifndef E2B_NDJSON_H
#define E2B_NDJSON_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;

#define E2B_NDJSON_MAX_LINE (64u << 20) /* results may carry images */

typedef int (*e2b_line_fn)(const char *line, size_t n, void *arg);

struct e2b_lines {
	struct buf acc; /* the line being assembled */
};

void e2b_lines_init(struct e2b_lines *l);
void e2b_lines_release(struct e2b_lines *l);
/* Feed bytes; `fn` sees each complete line without its "\n" or "\r\n"
 * (blank lines are skipped).  Returns 0, -E2BIG for a line over
 * E2B_NDJSON_MAX_LINE, or `fn`'s non-zero return. */
int e2b_lines_feed(
    struct e2b_lines *l, const void *p, size_t n, e2b_line_fn fn, void *arg);
/* End of body: deliver a last line that lacked its newline. */
int e2b_lines_finish(struct e2b_lines *l, e2b_line_fn fn, void *arg);

enum e2b_msg {
	E2B_MSG_OTHER, /* keepalive and unknown types: ignored */
	E2B_MSG_RESULT,
	E2B_MSG_STDOUT,
	E2B_MSG_STDERR,
	E2B_MSG_ERROR,
	E2B_MSG_COUNT,
	E2B_MSG_END,
};

struct e2b_exec {
	struct json *results; /* array of result objects, "type" removed */
	struct json *out;     /* array of stdout chunks (strings) */
	struct json *err;     /* array of stderr chunks */
	char *err_name, *err_value, *err_traceback; /* NULL: no error */
	int64_t count; /* execution count; -1 when none came */
	bool ended;    /* end_of_execution seen */
};

void e2b_exec_init(struct e2b_exec *x);
void e2b_exec_release(struct e2b_exec *x);
/*
 * Apply one line to `x`.  Returns the message's kind (>= 0) with *text
 * pointing at a stdout/stderr chunk (valid until the next call), or
 * -EPROTO when the line is not a JSON object with a string "type".
 */
int e2b_exec_line(
    struct e2b_exec *x, const char *line, size_t n, const char **text);

/*
 * What ROMA's run_python_code puts in `results` for result object `res`:
 * its text; for a result without one "[PNG image output]" when it has a
 * PNG, "[HTML output]" when it has HTML, else str(result) as the Python
 * SDK gives it ("Result(Formats: markdown, latex)").  The string is
 * `res`'s or `tmp`'s (append-only; reset it between calls).
 */
const char *e2b_result_text(const struct json *res, struct buf *tmp);

#endif
