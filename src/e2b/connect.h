/*
 * connect - the Connect protocol's framing for server-streaming RPCs with
 * the JSON codec, as envd speaks it: 5-byte envelopes (flags, big-endian
 * length), data frames then one end-of-stream frame whose JSON may carry
 * an error, and the mapping of Connect error codes and HTTP statuses.
 * Pure: no I/O, so it can be fuzzed; frames may arrive split or coalesced
 * in any way.
 */
#ifndef E2B_CONNECT_H
#define E2B_CONNECT_H

#include "roma.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define E2B_CONNECT_COMPRESSED 0x01u
#define E2B_CONNECT_END        0x02u
#define E2B_CONNECT_MAX_MSG    (16u << 20)

/* An RPC error: Connect code ("not_found") and message, both maybe "". */
struct e2b_rpc_err {
	char code[32];
	char msg[400];
};

/* Called once per complete frame; a non-zero return stops the feed. */
typedef int (*e2b_cframe_fn)(
    unsigned flags, const char *p, size_t n, void *arg);

struct e2b_cframer {
	struct buf acc; /* bytes of the frame being assembled */
	size_t max;     /* largest payload accepted */
	bool ended;     /* the end-of-stream frame went by */
};

/* Append one envelope holding `n` bytes of `p`; 0 or -E2BIG. */
int e2b_connect_envelope(
    struct buf *out, unsigned flags, const void *p, size_t n);

/* `max` 0: E2B_CONNECT_MAX_MSG. */
void e2b_cframer_init(struct e2b_cframer *f, size_t max);
void e2b_cframer_release(struct e2b_cframer *f);
/*
 * Feed `n` more body bytes; `fn` sees each complete frame, the end frame
 * included.  Returns 0, -EPROTO (compressed or unknown flags, a payload
 * over `max`, bytes after the end frame), or `fn`'s non-zero return.
 */
int e2b_cframer_feed(struct e2b_cframer *f, const void *p, size_t n,
    e2b_cframe_fn fn, void *arg);
/* At the end of the body: 0, or -EPROTO with `e`'s text in `err` when a
 * frame was cut short or no end frame came ("missing EndStreamResponse"). */
int e2b_cframer_finish(const struct e2b_cframer *f, struct e2b_rpc_err *err);

/*
 * Parse an end-of-stream frame's JSON: 0 when it reports no error, 1 with
 * `err` filled when it does, -EPROTO when it is not a JSON object.
 */
int e2b_connect_end(const char *p, size_t n, struct e2b_rpc_err *err);
/* Parse a unary error body ({"code","message"}); false if not one. */
bool e2b_connect_error_body(const char *p, size_t n, struct e2b_rpc_err *err);
/* The Connect code a client infers from an HTTP status without a usable
 * body ("unavailable" for 502/503/504/429, "unauthenticated", ...). */
const char *e2b_connect_code_of_http(int status);
/* -errno for a Connect code: not_found -ENOENT, deadline_exceeded
 * -ETIMEDOUT, unavailable -EHOSTDOWN, unauthenticated -EACCES, ... */
int e2b_connect_errno(const char *code);
/* The E2B SDK's error class for a Connect code ("NotFoundError", ...). */
const char *e2b_connect_class(const char *code);

#endif
