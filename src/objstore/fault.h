/*
 * objstore/fault - a wrapper that injects faults into any object store and
 * counts the requests that reach it, so tests can prove both that callers
 * survive S3's failures and how many requests an operation costs.
 *
 * Faults are the ones S3 and the network really produce: an error before
 * the request (-EIO, -ECONNRESET, -ETIMEDOUT, -ENOSPC, or -EAGAIN as a 503
 * SlowDown), an error after the store carried the request out (the reply
 * was lost), a get cut after N bytes (-ECONNRESET), and delays.  There is no
 * "succeed but lose the data" mode: S3 never does that.
 *
 * Rules are tried in the order added; each counts the calls it matches, and
 * the first whose turn has come fires.  Randomness comes from the seed
 * only, so a test run is repeatable.  Thread-safe.
 */
#ifndef OBJSTORE_FAULT_H
#define OBJSTORE_FAULT_H

#include "roma.h"

#include <stdbool.h>
#include <stdint.h>

struct objstore;

enum objstore_op {
	OBJSTORE_OP_HEAD,
	OBJSTORE_OP_GET,
	OBJSTORE_OP_PUT,
	OBJSTORE_OP_DELETE,
	OBJSTORE_OP_DELETE_MANY,
	OBJSTORE_OP_LIST,
	OBJSTORE_OP_COPY,
	OBJSTORE_OP_MPU_CREATE,
	OBJSTORE_OP_MPU_PART,
	OBJSTORE_OP_MPU_PART_COPY,
	OBJSTORE_OP_MPU_COMPLETE,
	OBJSTORE_OP_MPU_ABORT,
	OBJSTORE_OP_MPU_LIST,
	OBJSTORE_OP_COUNT
};

#define OBJSTORE_OP_BIT(op) (1u << (op))

struct objstore_fault_rule {
	unsigned ops;           /* OBJSTORE_OP_BIT()s; 0: every operation */
	const char *key_prefix; /* copied; NULL: any key (copy: the source;
	                         * list: the prefix; delete_many: the first) */
	unsigned nth;           /* first matching call that may fire, from 1 */
	unsigned count;         /* fire at most this often; 0: no limit */
	unsigned one_in;        /* fire on 1 in N turns (seeded); 0, 1: all */
	unsigned delay_ms;      /* sleep this long first */
	int err;                /* -errno to return; 0: delay only */
	bool after;             /* carry the request out, then fail */
	bool truncate;          /* gets: cut after truncate_at bytes */
	uint64_t truncate_at;
};

/*
 * Wrap `inner`; with `own` the wrapper frees it.  Free with objstore_free.
 */
struct objstore *objstore_fault_new(
    struct objstore *inner, bool own, uint64_t seed);
/* Add a rule (copied).  Returns 0, or -EINVAL for an impossible rule. */
int objstore_fault_add(struct objstore *s, const struct objstore_fault_rule *r);
/* Drop every rule. */
void objstore_fault_clear(struct objstore *s);
/* Calls of `op` made so far (faulted ones too), and faults fired. */
unsigned long objstore_fault_calls(struct objstore *s, enum objstore_op op);
unsigned long objstore_fault_total(struct objstore *s);
unsigned long objstore_fault_fired(struct objstore *s);
/* Zero the call and fire counters (not the rules' own counts). */
void objstore_fault_reset_counts(struct objstore *s);
/* "head", "get", ... for messages. */
const char *objstore_op_name(enum objstore_op op);

#endif
