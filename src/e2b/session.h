/*
 * session - one sandbox kept across roma invocations under a name, so
 * Python state survives between calls as in ROMA's toolkit.  The state
 * (sandbox id, template, creation time, timeout; never a token) lives in
 * ${XDG_STATE_HOME:-~/.local/state}/roma/e2b/NAME.json, written
 * atomically; NAME.lock is held with flock while a caller checks,
 * refreshes or replaces the sandbox, so concurrent callers share one.
 */
#ifndef E2B_SESSION_H
#define E2B_SESSION_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <time.h>

struct e2b_api;
struct e2b_create;
struct e2b_sandbox;
struct rerr;

/* A session's sandbox timeout when none was ever asked for. */
#define E2B_SESSION_DEFAULT_TIMEOUT 300L

struct e2b_session {
	char *name;
	char *dir;   /* the state directory */
	int lock_fd; /* -1 when not locked */
	/* The saved state; sandbox_id NULL when there is none. */
	char *sandbox_id, *template_id;
	time_t created_at;
	long timeout_s;
};

/* Letters, digits, '.', '_' and '-', 1 to 64 of them, not starting '.'. */
bool e2b_session_name_ok(const char *name);
/* The state directory for `env`'s XDG_STATE_HOME/HOME into `out`. */
int e2b_session_dir(struct buf *out, struct rerr *e);
/* Create the directory, take the lock (waiting for other callers), read
 * the state.  Release with e2b_session_close. */
int e2b_session_open(struct e2b_session *s, const char *name, struct rerr *e);
int e2b_session_save(struct e2b_session *s, struct rerr *e);
/* Remove the saved state (the sandbox itself is not touched). */
int e2b_session_forget(struct e2b_session *s, struct rerr *e);
/* Let other callers in; the state stays readable. */
void e2b_session_unlock(struct e2b_session *s);
void e2b_session_close(struct e2b_session *s);

/*
 * Make the session's sandbox usable: connect to it (resuming it and
 * refreshing its timeout to `c->timeout_s`, or when that is 0 to the
 * session's saved timeout, else E2B_SESSION_DEFAULT_TIMEOUT), or create
 * one from `c` when there is none or it died; then save.  When a dead sandbox
 * was replaced `notice` gets one sentence saying so.  `out` is filled on
 * success.
 */
int e2b_session_ensure(struct e2b_api *a, struct e2b_session *s,
    const struct e2b_create *c, struct e2b_sandbox *out, struct buf *notice,
    struct rerr *e);

#endif
