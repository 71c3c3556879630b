/*
 * log - leveled, categorised messages on stderr, every one redacted first.
 *
 * A line reads "roma: error: text"; debug and trace lines name their
 * category, "roma: debug(http): text".  Errors and warnings are always
 * written; info, debug and trace only for enabled categories at or below the
 * current level.  ROMA_LOG configures both: "debug" (all categories) or
 * "trace:http,s3" (only those).  Defaults: level warn, all categories.
 *
 * Redaction runs on every message before it is written, so a careless
 * format string cannot leak a signature, a token or a registered secret.
 * Thread-safe: each line is written with one call under a lock.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include "roma.h"

#include <stdarg.h>
#include <stdbool.h>

struct buf;

/* Not LOG_INFO & co: <syslog.h> owns those names. */
enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE,
};

#define LOG_CORE  0x01u /* messages that belong to no subsystem */
#define LOG_HTTP  0x02u
#define LOG_S3    0x04u
#define LOG_FUSE  0x08u
#define LOG_E2B   0x10u
#define LOG_CREDS 0x20u
#define LOG_ALL   0x3fu

/* The filter; `log_enable` replaces the category mask. */
void log_set_level(enum log_level lvl);
void log_enable(unsigned cats);
enum log_level log_get_level(void);
/* Whether a message at `lvl` in `cats` would be written. */
bool log_on(enum log_level lvl, unsigned cats);
/* Parse a ROMA_LOG value and apply it; -EINVAL (nothing applied) if bad. */
int log_configure(const char *spec);
/* Apply ROMA_LOG if set; a bad value is reported as a warning. */
void log_init_env(void);

void log_msg(enum log_level lvl, unsigned cat, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
void log_vmsg(enum log_level lvl, unsigned cat, const char *fmt, va_list ap)
    PRINTF_LIKE(3, 0);

#define log_error(cat, ...) log_msg(LOG_LEVEL_ERROR, (cat), __VA_ARGS__)
#define log_warn(cat, ...)  log_msg(LOG_LEVEL_WARN, (cat), __VA_ARGS__)
/* The filter runs before the arguments are formatted. */
#define log_at(lvl, cat, ...)                               \
	do {                                                \
		if (log_on((lvl), (cat)))                   \
			log_msg((lvl), (cat), __VA_ARGS__); \
	} while (0)
#define log_info(cat, ...)  log_at(LOG_LEVEL_INFO, (cat), __VA_ARGS__)
#define log_debug(cat, ...) log_at(LOG_LEVEL_DEBUG, (cat), __VA_ARGS__)
#define log_trace(cat, ...) log_at(LOG_LEVEL_TRACE, (cat), __VA_ARGS__)

/*
 * Mask secrets in `line`, in place: registered secrets anywhere; the values
 * of Signature= / X-Amz-Signature= and X-Amz-Security-Token (header or
 * query), X-API-Key and X-Access-Token headers; Authorization header values
 * except an AWS4 algorithm and Credential (whose Signature the first rule
 * masks) or another scheme's name.  Then the hook, if any.
 */
void log_redact(struct buf *line);
/* A further pass run after the built-in ones (NULL removes it). */
void log_set_redact_hook(void (*fn)(struct buf *line));
/* Mask this exact string from now on (copied; shorter than 4 is ignored). */
void log_add_secret(const char *s);
/* Forget every registered secret, wiping the copies. */
void log_clear_secrets(void);
/* Send finished lines (no newline) to `fn` instead of stderr; NULL resets. */
void log_set_sink(void (*fn)(const char *line, void *arg), void *arg);

#endif
