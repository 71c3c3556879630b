/*
 * rerr - the error detail every lower layer fills beside its -errno return:
 * the errno, and for remote services the HTTP status, the service's error
 * code, its request id and a one-line human message.  Only cmd/ turns it into
 * text for the user and an exit status.  Messages never contain secrets.
 */
#ifndef UTIL_RERR_H
#define UTIL_RERR_H

#include "roma.h"

struct rerr {
	int err;         /* positive errno; 0 when clear */
	int http_status; /* 0 when no HTTP exchange was involved */
	char code[64];   /* service error code, e.g. "NoSuchKey" */
	char request_id[128];
	char msg[512];
};

void rerr_clear(struct rerr *e);
/* Record `neg` (a -errno) and a message; returns `neg`.  `e` may be NULL. */
int rerr_set(struct rerr *e, int neg, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Like rerr_set, for a reply from a remote service. */
int rerr_http(struct rerr *e, int neg, int status, const char *code,
    const char *request_id, const char *fmt, ...) PRINTF_LIKE(6, 7);
/* The message, or strerror of the errno when none was set. */
const char *rerr_str(const struct rerr *e);

#endif
