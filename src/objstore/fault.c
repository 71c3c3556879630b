/*
 * The fault-injecting wrapper.  Every operation asks decide() which rule,
 * if any, fires for it, then applies that rule around the inner call.
 */
#include "roma.h"
#include "objstore/fault.h"
#include "objstore/objstore.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rule {
	struct objstore_fault_rule r;
	char *prefix;
	unsigned long seen;
	unsigned long fired;
};

struct fault {
	struct objstore base;
	struct objstore *inner;
	bool own;
	pthread_mutex_t mu;
	uint64_t rng;
	struct rule *rules;
	size_t nrules;
	unsigned long calls[OBJSTORE_OP_COUNT];
	unsigned long fired;
};

static const char *const op_names[OBJSTORE_OP_COUNT] = {
	[OBJSTORE_OP_HEAD] = "head",
	[OBJSTORE_OP_GET] = "get",
	[OBJSTORE_OP_PUT] = "put",
	[OBJSTORE_OP_DELETE] = "delete",
	[OBJSTORE_OP_DELETE_MANY] = "delete_many",
	[OBJSTORE_OP_LIST] = "list",
	[OBJSTORE_OP_COPY] = "copy",
	[OBJSTORE_OP_MPU_CREATE] = "mpu_create",
	[OBJSTORE_OP_MPU_PART] = "mpu_part",
	[OBJSTORE_OP_MPU_PART_COPY] = "mpu_part_copy",
	[OBJSTORE_OP_MPU_COMPLETE] = "mpu_complete",
	[OBJSTORE_OP_MPU_ABORT] = "mpu_abort",
	[OBJSTORE_OP_MPU_LIST] = "mpu_list",
};

const char *
objstore_op_name(enum objstore_op op)
{
	return (unsigned)op < OBJSTORE_OP_COUNT ? op_names[op] : "?";
}

/* xorshift64*: small, seeded, good enough to pick turns. */
static uint64_t
next_rand(struct fault *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dull;
}

static bool
matches(const struct rule *ru, enum objstore_op op, const char *key)
{
	if (ru->r.ops && !(ru->r.ops & OBJSTORE_OP_BIT(op)))
		return false;
	if (ru->prefix == NULL)
		return true;
	return key && strncmp(key, ru->prefix, strlen(ru->prefix)) == 0;
}

/* Count the call; return a copy of the rule that fires, if any. */
static bool
decide(struct fault *f, enum objstore_op op, const char *key,
    struct objstore_fault_rule *out)
{
	struct rule *ru, *hit = NULL;
	size_t i;
	bool turn;

	pthread_mutex_lock(&f->mu);
	f->calls[op]++;
	for (i = 0; i < f->nrules; i++) {
		ru = &f->rules[i];
		if (!matches(ru, op, key))
			continue;
		ru->seen++;
		if (hit || ru->seen < ru->r.nth ||
		    (ru->r.count && ru->fired >= ru->r.count))
			continue;
		turn = ru->r.one_in <= 1 || next_rand(f) % ru->r.one_in == 0;
		if (turn)
			hit = ru;
	}
	if (hit) {
		hit->fired++;
		f->fired++;
		*out = hit->r;
	}
	pthread_mutex_unlock(&f->mu);
	return hit != NULL;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
inject(const struct objstore_fault_rule *r, enum objstore_op op,
    const char *key, struct rerr *e)
{
	switch (r->err) {
	case -EAGAIN:
		return rerr_http(e, -EAGAIN, 503, "SlowDown", "FAULT",
		    "injected 503 on %s '%s'", objstore_op_name(op), key);
	case -EIO:
		return rerr_http(e, -EIO, 500, "InternalError", "FAULT",
		    "injected 500 on %s '%s'", objstore_op_name(op), key);
	default:
		return rerr_set(e, r->err, "injected %s on %s '%s'",
		    strerror(-r->err), objstore_op_name(op), key);
	}
}

/*
 * Before the inner call: count it, pick a rule (zeroed when none fires),
 * sleep, and return the error to fail with before the request, if any.
 */
static int
before(struct fault *f, enum objstore_op op, const char *key,
    struct objstore_fault_rule *fr, struct rerr *e)
{
	memset(fr, 0, sizeof(*fr));
	if (!decide(f, op, key, fr))
		return 0;
	if (fr->delay_ms)
		sleep_ms(fr->delay_ms);
	if (fr->err && !fr->after && !fr->truncate)
		return inject(fr, op, key, e);
	return 0;
}

/* After it: a request carried out whose reply is "lost". */
static int
after(const struct objstore_fault_rule *fr, int rc, enum objstore_op op,
    const char *key, struct rerr *e)
{
	if (rc == 0 && fr->err && fr->after)
		return inject(fr, op, key, e);
	return rc;
}

static int
f_head(struct objstore *s, const char *key, struct objstore_info *info,
    struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_HEAD, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->head(f->inner, key, info, e);
	return after(&fr, r, OBJSTORE_OP_HEAD, key, e);
}

/* A sink that lets `left` bytes through, then cuts the transfer. */
struct cut {
	const struct objstore_get_req *g;
	uint64_t left;
	bool cut;
};

static int
cut_sink(const void *p, size_t n, void *arg)
{
	struct cut *c = arg;
	int r;

	if (n > c->left) {
		c->cut = true;
		if (c->left > 0 &&
		    (r = c->g->sink(p, (size_t)c->left, c->g->arg)) != 0)
			return r;
		c->left = 0;
		return -ECONNRESET;
	}
	c->left -= n;
	return c->g->sink(p, n, c->g->arg);
}

static int
f_get(struct objstore *s, const char *key, const struct objstore_get_req *g,
    struct objstore_info *info, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct cut c = { g, 0, false };
	struct objstore_fault_rule fr;
	struct objstore_get_req cg = *g;
	int r;

	if ((r = before(f, OBJSTORE_OP_GET, key, &fr, e)) != 0)
		return r;
	if (fr.truncate) {
		c.left = fr.truncate_at;
		cg.sink = cut_sink;
		cg.arg = &c;
	}
	r = f->inner->ops->get(f->inner, key, &cg, info, e);
	if (c.cut)
		return rerr_set(e, -ECONNRESET,
		    "injected reset after %llu bytes of '%s'",
		    (unsigned long long)fr.truncate_at, key);
	return after(&fr, r, OBJSTORE_OP_GET, key, e);
}

static int
f_put(struct objstore *s, const char *key, const struct objstore_body *b,
    const struct objstore_attrs *a, unsigned flags,
    struct objstore_put_res *res, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_PUT, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->put(f->inner, key, b, a, flags, res, e);
	return after(&fr, r, OBJSTORE_OP_PUT, key, e);
}

static int
f_del(struct objstore *s, const char *key, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_DELETE, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->del(f->inner, key, e);
	return after(&fr, r, OBJSTORE_OP_DELETE, key, e);
}

static int
f_delete_many(struct objstore *s, const char *const *keys, size_t n, int *errs,
    struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	size_t i;
	int r;

	if ((r = before(f, OBJSTORE_OP_DELETE_MANY, keys[0], &fr, e)) == 0) {
		r = f->inner->ops->delete_many(f->inner, keys, n, errs, e);
		r = after(&fr, r, OBJSTORE_OP_DELETE_MANY, keys[0], e);
	}
	/* A failed request failed for every key. */
	for (i = 0; i < n && r != 0 && fr.err == r; i++)
		errs[i] = r;
	return r;
}

static int
f_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_LIST, q->prefix, &fr, e)) != 0)
		return r;
	r = f->inner->ops->list(f->inner, q, pg, e);
	/* A lost reply leaves nothing to the caller. */
	if ((r = after(&fr, r, OBJSTORE_OP_LIST, q->prefix, e)) != 0)
		objstore_list_page_release(pg);
	return r;
}

static int
f_copy(struct objstore *s, const char *src, const char *dst,
    const char *if_match, const struct objstore_attrs *replace,
    struct objstore_put_res *res, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_COPY, src, &fr, e)) != 0)
		return r;
	r = f->inner->ops->copy(f->inner, src, dst, if_match, replace, res, e);
	return after(&fr, r, OBJSTORE_OP_COPY, src, e);
}

static int
f_mpu_create(struct objstore *s, const char *key,
    const struct objstore_attrs *a, char **upload_id, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_CREATE, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_create(f->inner, key, a, upload_id, e);
	return after(&fr, r, OBJSTORE_OP_MPU_CREATE, key, e);
}

static int
f_mpu_part(struct objstore *s, const char *key, const char *id, unsigned num,
    const struct objstore_body *b, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_PART, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_part(f->inner, key, id, num, b, etag, e);
	return after(&fr, r, OBJSTORE_OP_MPU_PART, key, e);
}

static int
f_mpu_part_copy(struct objstore *s, const char *key, const char *id,
    unsigned num, const char *src, uint64_t off, uint64_t len,
    const char *if_match, char etag[OBJSTORE_ETAG_MAX], struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_PART_COPY, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_part_copy(
	    f->inner, key, id, num, src, off, len, if_match, etag, e);
	return after(&fr, r, OBJSTORE_OP_MPU_PART_COPY, key, e);
}

static int
f_mpu_complete(struct objstore *s, const char *key, const char *id,
    const struct objstore_part *parts, size_t n, struct objstore_put_res *res,
    struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_COMPLETE, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_complete(f->inner, key, id, parts, n, res, e);
	return after(&fr, r, OBJSTORE_OP_MPU_COMPLETE, key, e);
}

static int
f_mpu_abort(struct objstore *s, const char *key, const char *id, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_ABORT, key, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_abort(f->inner, key, id, e);
	return after(&fr, r, OBJSTORE_OP_MPU_ABORT, key, e);
}

static int
f_mpu_list(struct objstore *s, const char *prefix, const char *token,
    unsigned max, struct objstore_upload_page *pg, struct rerr *e)
{
	struct fault *f = (struct fault *)s;
	struct objstore_fault_rule fr;
	int r;

	if ((r = before(f, OBJSTORE_OP_MPU_LIST, prefix, &fr, e)) != 0)
		return r;
	r = f->inner->ops->mpu_list(f->inner, prefix, token, max, pg, e);
	if ((r = after(&fr, r, OBJSTORE_OP_MPU_LIST, prefix, e)) != 0)
		objstore_upload_page_release(pg);
	return r;
}

static void
clear_locked(struct fault *f)
{
	size_t i;

	for (i = 0; i < f->nrules; i++)
		free(f->rules[i].prefix);
	free(f->rules);
	f->rules = NULL;
	f->nrules = 0;
}

static void
f_free(struct objstore *s)
{
	struct fault *f = (struct fault *)s;

	clear_locked(f);
	if (f->own)
		objstore_free(f->inner);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static const struct objstore_ops fault_ops = {
	.name = "fault",
	.head = f_head,
	.get = f_get,
	.put = f_put,
	.del = f_del,
	.delete_many = f_delete_many,
	.list = f_list,
	.copy = f_copy,
	.mpu_create = f_mpu_create,
	.mpu_part = f_mpu_part,
	.mpu_part_copy = f_mpu_part_copy,
	.mpu_complete = f_mpu_complete,
	.mpu_abort = f_mpu_abort,
	.mpu_list = f_mpu_list,
	.free = f_free,
};

struct objstore *
objstore_fault_new(struct objstore *inner, bool own, uint64_t seed)
{
	struct fault *f = xcalloc(1, sizeof(*f));

	f->base.ops = &fault_ops;
	f->inner = inner;
	f->own = own;
	/* xorshift must not start at 0. */
	f->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	pthread_mutex_init(&f->mu, NULL);
	return &f->base;
}

int
objstore_fault_add(struct objstore *s, const struct objstore_fault_rule *r)
{
	struct fault *f = (struct fault *)s;
	struct rule ru = { .r = *r };

	if (r->err > 0 || (!r->err && !r->truncate && !r->delay_ms))
		return -EINVAL; /* a rule that does nothing is a test bug */
	if (r->truncate && r->ops != OBJSTORE_OP_BIT(OBJSTORE_OP_GET))
		return -EINVAL;
	if (r->ops >> OBJSTORE_OP_COUNT)
		return -EINVAL;
	ru.prefix = r->key_prefix ? xstrdup(r->key_prefix) : NULL;
	ru.r.key_prefix = NULL;
	pthread_mutex_lock(&f->mu);
	f->rules = xrealloc(f->rules, (f->nrules + 1) * sizeof(*f->rules));
	f->rules[f->nrules++] = ru;
	pthread_mutex_unlock(&f->mu);
	return 0;
}

void
objstore_fault_clear(struct objstore *s)
{
	struct fault *f = (struct fault *)s;

	pthread_mutex_lock(&f->mu);
	clear_locked(f);
	pthread_mutex_unlock(&f->mu);
}

unsigned long
objstore_fault_calls(struct objstore *s, enum objstore_op op)
{
	struct fault *f = (struct fault *)s;
	unsigned long n;

	if ((unsigned)op >= OBJSTORE_OP_COUNT)
		return 0;
	pthread_mutex_lock(&f->mu);
	n = f->calls[op];
	pthread_mutex_unlock(&f->mu);
	return n;
}

unsigned long
objstore_fault_total(struct objstore *s)
{
	struct fault *f = (struct fault *)s;
	unsigned long n = 0;
	size_t i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < OBJSTORE_OP_COUNT; i++)
		n += f->calls[i];
	pthread_mutex_unlock(&f->mu);
	return n;
}

unsigned long
objstore_fault_fired(struct objstore *s)
{
	struct fault *f = (struct fault *)s;
	unsigned long n;

	pthread_mutex_lock(&f->mu);
	n = f->fired;
	pthread_mutex_unlock(&f->mu);
	return n;
}

void
objstore_fault_reset_counts(struct objstore *s)
{
	struct fault *f = (struct fault *)s;

	pthread_mutex_lock(&f->mu);
	memset(f->calls, 0, sizeof(f->calls));
	f->fired = 0;
	pthread_mutex_unlock(&f->mu);
}
