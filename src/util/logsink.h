/*
 * logsink - where a background daemon's log lines go: a file (appended,
 * each line stamped with the time), or syslog.  Installed with
 * log_set_sink, so every line is already redacted.  A sink never fails the
 * caller: a write that fails (disk full, syslog gone, file removed) is
 * dropped silently, because logging must never kill the daemon.
 */
#ifndef UTIL_LOGSINK_H
#define UTIL_LOGSINK_H

#include "roma.h"

#include <stdbool.h>

struct rerr;

/*
 * Send the log to `path` (created 0600 if missing, its parent directories
 * too, appended to).  Returns 0, or -errno with `e` set when it cannot be
 * opened (the current sink is then unchanged).
 */
int logsink_file(const char *path, struct rerr *e);
/* Send the log to syslog (facility daemon, tag `ident`, with the pid).
 * The priority follows the line's level ("roma: error: ..."). */
void logsink_syslog(const char *ident);
/* Whether a syslog socket listens at /dev/log. */
bool logsink_syslog_available(void);
/* The default log file: ${XDG_STATE_HOME:-$HOME/.local/state}/roma/NAME
 * (malloc'd), or NULL when neither variable is set. */
char *logsink_state_path(const char *name);
/* Back to stderr; closes the file or syslog. */
void logsink_reset(void);

#endif
