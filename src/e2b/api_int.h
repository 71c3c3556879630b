/*
 * api_int - what api.c shares with api_ops.c, envd.c and interp.c: one
 * control-plane call with retries, and reading JSON replies.
 */
#ifndef E2B_API_INT_H
#define E2B_API_INT_H

#include "roma.h"
#include "e2b/api.h"

#include <stdbool.h>

struct http_resp;

struct e2b_call {
	enum e2b_op op;
	const char *id; /* the sandbox, for messages; may be NULL */
	const char *method;
	const char *path; /* after the API base URL, with the query */
	const struct json *body;
	bool idempotent;
	bool keep_404; /* a 404/405 is returned as status, not an error */
};

/* Perform `c` with retries; 0 with a 2xx in `resp` (or a kept 404/405),
 * else the mapped -errno. */
int e2b_api_call(struct e2b_api *a, const struct e2b_call *c,
    struct http_resp *resp, struct rerr *e);
/* Parse a reply body as JSON; -EPROTO with a message when it is not. */
int e2b_api_json(
    const struct http_resp *resp, struct json **out, struct rerr *e);
/* Sleep for a retry (through a->sleep_ms when set). */
void e2b_api_sleep(struct e2b_api *a, long ms);
/* A jittered backoff for retry number `attempt` (0-based), in ms. */
long e2b_api_backoff(unsigned attempt);

#endif
