/*
 * api - E2B's control plane (https://api.<domain>): create, list, info,
 * kill, timeout, connect (which also resumes) and pause, with the SDK's
 * error mapping and retries: a 429 is retried after its Retry-After, and
 * a 502/503/504 with jittered backoff, but only for idempotent calls (a
 * create only when the server says it placed nothing).  The client built
 * here also carries the HTTP client the data plane uses.
 */
#ifndef E2B_API_H
#define E2B_API_H

#include "roma.h"
#include "net/tls.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct e2b_config;
struct http_client;
struct http_resp;
struct json;
struct rerr;

struct e2b_api {
	const struct e2b_config *cfg; /* borrowed */
	struct tls_ca ca;
	struct http_client *http;
	unsigned retries;        /* 429 retries (3) */
	unsigned busy_retries;   /* 502/503/504 retries, idempotent only (3) */
	long request_timeout_ms; /* unary calls (60 s) */
	long stall_ms;           /* a stream silent this long fails (30 s) */
	long retry_budget_ms;    /* total sleeping allowed per call (60 s) */
	void (*sleep_ms)(long ms); /* tests replace it */
};

/* "Name: value" lines for a request, NULL-terminated, owned. */
struct e2b_hdrs {
	char *v[24];
	size_t n;
};

enum e2b_op {
	E2B_OP_CREATE,
	E2B_OP_LIST,
	E2B_OP_INFO,
	E2B_OP_KILL,
	E2B_OP_TIMEOUT,
	E2B_OP_CONNECT,
	E2B_OP_PAUSE,
};

struct e2b_sandbox {
	char *id, *template_id, *alias, *envd_version;
	char *envd_token, *traffic_token;  /* secrets: registered, not shown */
	char *domain;                      /* NULL: the client's */
	char *state, *started_at, *end_at; /* NULL when not in the reply */
	struct json *info;                 /* the reply, tokens removed */
};

struct e2b_create {
	const char *template_id;     /* NULL: "base" */
	long timeout_s;              /* 0: the server's default */
	const char *const *metadata; /* "key=value", NULL-terminated */
	const char *const *envs;     /* "key=value", NULL-terminated */
	bool auto_pause;
};

struct e2b_list {
	const char *const *metadata; /* "key=value" filters, ANDed */
	const char *state;           /* "running", "paused" or both */
	const char *next_token;      /* NULL: first page */
	unsigned limit;              /* 0: server default (100) */
};

/* Set defaults, find the CA trust, make the HTTP client. */
/* Reword tls_ca_find's error `r` about "--ca-bundle PATH" as one about
 * E2B_CA_BUNDLE, where the path came from; returns `r`. */
int e2b_ca_env_error(int r, struct rerr *e);
int e2b_api_init(
    struct e2b_api *a, const struct e2b_config *cfg, struct rerr *e);
void e2b_api_release(struct e2b_api *a);

void e2b_hdrs_add(struct e2b_hdrs *h, const char *fmt, ...) PRINTF_LIKE(2, 3);
void e2b_hdrs_release(struct e2b_hdrs *h);

/*
 * Map a failed reply as the SDK does; returns -errno with `e` holding the
 * status, the SDK's error class as code and its message: 401 -EACCES,
 * 429 -EAGAIN, 503 -EBUSY, a body code 404 on a sandbox -ENOENT ("Sandbox
 * <id> not found"), 409 on pause -EALREADY, others -EIO/-EINVAL
 * ("<status>: <message>").  Pure.
 */
int e2b_api_error(enum e2b_op op, const char *id, int status, const char *body,
    size_t n, struct rerr *e);
/* Seconds from an integer Retry-After value, or -1. Pure. */
long e2b_api_retry_after(const char *v);
/* Fill `s` from a Sandbox/SandboxDetail JSON object. Pure. */
int e2b_sandbox_parse(
    const struct json *j, struct e2b_sandbox *s, struct rerr *e);
void e2b_sandbox_release(struct e2b_sandbox *s);

int e2b_api_create(struct e2b_api *a, const struct e2b_create *o,
    struct e2b_sandbox *out, struct rerr *e);
/* One page of sandboxes appended to `arr`; `next` gets the next token
 * ("" on the last page). */
int e2b_api_list(struct e2b_api *a, const struct e2b_list *o, struct json *arr,
    struct buf *next, struct rerr *e);
int e2b_api_info(
    struct e2b_api *a, const char *id, struct e2b_sandbox *out, struct rerr *e);
/* -ENOENT when there was no such sandbox. */
int e2b_api_kill(struct e2b_api *a, const char *id, struct rerr *e);
int e2b_api_set_timeout(
    struct e2b_api *a, const char *id, long timeout_s, struct rerr *e);
/* Connect to (and resume if paused) sandbox `id`, extending its timeout
 * to at least `timeout_s` (0: the server's default); `*resumed` (may be
 * NULL) tells a resume (201) from a running sandbox (200). */
int e2b_api_connect(struct e2b_api *a, const char *id, long timeout_s,
    struct e2b_sandbox *out, bool *resumed, struct rerr *e);
/* -EALREADY when it was already paused. */
int e2b_api_pause(struct e2b_api *a, const char *id, struct rerr *e);

#endif
