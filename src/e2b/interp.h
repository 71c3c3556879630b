/*
 * interp - the code interpreter inside a code-interpreter sandbox (port
 * 49999): POST /execute streamed as NDJSON into an execution (see
 * e2b/ndjson.h), and the contexts (create, list, restart, delete) that
 * keep separate interpreter states.  State persists between /execute
 * calls in one context, as in ROMA's toolkit.
 */
#ifndef E2B_INTERP_H
#define E2B_INTERP_H

#include "roma.h"

#include <stddef.h>

struct e2b_dp;
struct e2b_exec;
struct json;
struct rerr;

struct e2b_run {
	const char *code;
	const char *context_id;  /* NULL: the default context */
	const char *language;    /* NULL: python (only without context_id) */
	const char *const *envs; /* "key=value" for this run; may be NULL */
	long timeout_ms;         /* whole execution; 0: none */
	/* Live output, each chunk as it arrives; may be NULL. */
	int (*on_stdout)(const char *text, size_t n, void *arg);
	int (*on_stderr)(const char *text, size_t n, void *arg);
	void *arg;
};

/*
 * Run `run->code` and fill `x` (initialised by the caller).  Returns 0
 * when the execution finished, whether or not the code raised (see
 * x->err_name); else -ETIMEDOUT, -EHOSTDOWN (sandbox gone), -ENOENT (no
 * such context), -EPROTO, ...
 */
int e2b_interp_run(const struct e2b_dp *dp, const struct e2b_run *run,
    struct e2b_exec *x, struct rerr *e);
/* {id, language, cwd}; `language`/`cwd` NULL for the defaults. */
int e2b_interp_ctx_create(const struct e2b_dp *dp, const char *language,
    const char *cwd, struct json **out, struct rerr *e);
int e2b_interp_ctx_list(
    const struct e2b_dp *dp, struct json **out, struct rerr *e);
int e2b_interp_ctx_restart(
    const struct e2b_dp *dp, const char *id, struct rerr *e);
int e2b_interp_ctx_delete(
    const struct e2b_dp *dp, const char *id, struct rerr *e);

#endif
