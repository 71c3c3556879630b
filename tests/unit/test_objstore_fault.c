/*
 * Unit tests for objstore/fault and the helpers that must survive faults:
 * put_large leaves nothing behind when a part fails, list_all refuses
 * looping listings, get_fd never reports a short file as success.
 */
#include "roma.h"
#include "objstore/fault.h"
#include "objstore/mem.h"
#include "objstore/objstore.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define BIT(op) OBJSTORE_OP_BIT(OBJSTORE_OP_##op)

struct fixture {
	struct objstore *mem;
	struct objstore *s; /* the fault wrapper, owning mem */
};

static int
setup(void **state)
{
	struct objstore_mem_opts o = { .part_min = 1 };
	struct fixture *f = calloc(1, sizeof(*f));

	f->mem = objstore_mem_new(&o);
	f->s = objstore_fault_new(f->mem, true, 42);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	objstore_free(f->s);
	free(f);
	return 0;
}

static void
add(struct objstore *s, struct objstore_fault_rule r)
{
	assert_int_equal(objstore_fault_add(s, &r), 0);
}

static int
put(struct objstore *s, const char *key, const char *data, struct rerr *e)
{
	return objstore_put_data(s, key, data, strlen(data), NULL, NULL, e);
}

static void
test_errors(void **state)
{
	struct fixture *f = *state;
	struct objstore_info info;
	struct rerr e;

	/* The 2nd put fails once, before reaching the store. */
	add(f->s,
	    (struct objstore_fault_rule){
	        .ops = BIT(PUT), .nth = 2, .count = 1, .err = -EIO });
	assert_int_equal(put(f->s, "a", "1", &e), 0);
	assert_int_equal(put(f->s, "b", "2", &e), -EIO);
	assert_int_equal(e.http_status, 500);
	assert_int_equal(put(f->s, "c", "3", &e), 0);
	assert_int_equal(objstore_mem_count(f->mem), 2);
	assert_int_equal(objstore_head(f->mem, "b", &info, &e), -ENOENT);

	/* A 503 SlowDown as -EAGAIN, on heads under one prefix only. */
	objstore_fault_clear(f->s);
	add(f->s,
	    (struct objstore_fault_rule){
	        .ops = BIT(HEAD), .key_prefix = "slow/", .err = -EAGAIN });
	assert_int_equal(objstore_head(f->s, "a", &info, &e), 0);
	objstore_info_release(&info);
	assert_int_equal(objstore_head(f->s, "slow/x", &info, &e), -EAGAIN);
	assert_int_equal(e.http_status, 503);
	assert_string_equal(e.code, "SlowDown");

	objstore_fault_clear(f->s);
	add(f->s, (struct objstore_fault_rule){ .err = -ENOSPC, .count = 1 });
	add(f->s, (struct objstore_fault_rule){ .err = -ETIMEDOUT });
	assert_int_equal(objstore_delete(f->s, "a", &e), -ENOSPC);
	assert_int_equal(objstore_delete(f->s, "a", &e), -ETIMEDOUT);
	assert_int_equal(e.err, ETIMEDOUT);
	assert_int_equal(objstore_mem_count(f->mem), 2);

	/* Rules that cannot work are refused. */
	assert_int_equal(objstore_fault_add(f->s,
	                     &(struct objstore_fault_rule){ .ops = BIT(PUT) }),
	    -EINVAL);
	assert_int_equal(objstore_fault_add(f->s,
	                     &(struct objstore_fault_rule){
	                         .ops = BIT(PUT), .truncate = true }),
	    -EINVAL);
}

static void
test_after(void **state)
{
	struct fixture *f = *state;
	struct rerr e;
	int errs[2];
	const char *keys[] = { "a", "b" };

	/* The request happened; only the reply was lost. */
	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(PUT) | BIT(DELETE_MANY),
	        .err = -ECONNRESET,
	        .after = true });
	assert_int_equal(put(f->s, "a", "1", &e), -ECONNRESET);
	assert_int_equal(objstore_mem_count(f->mem), 1);
	assert_int_equal(put(f->mem, "b", "2", &e), 0);
	assert_int_equal(
	    objstore_delete_many(f->s, keys, 2, errs, &e), -ECONNRESET);
	assert_int_equal(errs[0], -ECONNRESET);
	assert_int_equal(errs[1], -ECONNRESET);
	assert_int_equal(objstore_mem_count(f->mem), 0);
}

struct counted {
	struct buf b;
	unsigned calls;
};

static int
count_sink(const void *p, size_t n, void *arg)
{
	struct counted *c = arg;

	c->calls++;
	return buf_add(&c->b, p, n);
}

static void
test_truncate(void **state)
{
	struct fixture *f = *state;
	struct counted c = { BUF_INIT, 0 };
	struct objstore_get_req g = {
		.len = OBJSTORE_TO_END, .sink = count_sink, .arg = &c
	};
	char *big = malloc(200000);
	struct rerr e;

	memset(big, 'x', 200000);
	objstore_put_data(f->mem, "big", big, 200000, NULL, NULL, NULL);
	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(GET),
	        .count = 1,
	        .truncate = true,
	        .truncate_at = 100000 });
	assert_int_equal(objstore_get(f->s, "big", &g, NULL, &e), -ECONNRESET);
	assert_int_equal(c.b.len, 100000);
	buf_reset(&c.b);
	assert_int_equal(objstore_get(f->s, "big", &g, NULL, &e), 0);
	assert_int_equal(c.b.len, 200000);
	buf_release(&c.b);
	free(big);
}

static void
test_delay(void **state)
{
	struct fixture *f = *state;
	struct timespec t0, t1;
	long ms;

	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(DELETE), .delay_ms = 50 });
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(objstore_delete(f->s, "x", NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 50);
	assert_int_equal(objstore_fault_fired(f->s), 1);
}

/* The pattern of fired calls for a seed, as a bit mask. */
static uint64_t
pattern(uint64_t seed)
{
	struct objstore *m = objstore_mem_new(NULL);
	struct objstore *s = objstore_fault_new(m, true, seed);
	uint64_t mask = 0;
	unsigned i;

	add(s, (struct objstore_fault_rule){ .one_in = 4, .err = -EIO });
	for (i = 0; i < 64; i++)
		if (objstore_delete(s, "k", NULL) != 0)
			mask |= 1ull << i;
	objstore_free(s);
	return mask;
}

static void
test_seeded(void **state)
{
	uint64_t a = pattern(7);
	int n = __builtin_popcountll(a);

	(void)state;
	assert_true(a == pattern(7));
	assert_true(a != pattern(8));
	assert_in_range(n, 4, 32); /* about one in four */
}

static void
test_counts(void **state)
{
	struct fixture *f = *state;
	struct objstore_body b = { .size = 10000 };
	struct objstore_xfer x = { .part_size = 4000, .concurrency = 3 };
	char *data = calloc(1, 10000);

	b.data = data;
	assert_int_equal(
	    objstore_put_large(f->s, "big", &b, NULL, &x, NULL, NULL), 0);
	assert_int_equal(objstore_fault_calls(f->s, OBJSTORE_OP_MPU_CREATE), 1);
	assert_int_equal(objstore_fault_calls(f->s, OBJSTORE_OP_MPU_PART), 3);
	assert_int_equal(
	    objstore_fault_calls(f->s, OBJSTORE_OP_MPU_COMPLETE), 1);
	assert_int_equal(objstore_fault_total(f->s), 5);
	objstore_fault_reset_counts(f->s);
	/* At or below the part size: one PUT. */
	b.size = 4000;
	assert_int_equal(
	    objstore_put_large(f->s, "small", &b, NULL, &x, NULL, NULL), 0);
	assert_int_equal(objstore_fault_calls(f->s, OBJSTORE_OP_PUT), 1);
	assert_int_equal(objstore_fault_total(f->s), 1);
	assert_string_equal(objstore_op_name(OBJSTORE_OP_MPU_PART), "mpu_part");
	free(data);
}

static int
read_bytes(void *p, size_t n, uint64_t off, void *arg)
{
	memcpy(p, (const char *)arg + off, n);
	return 0;
}

static void
assert_content(struct objstore *s, const char *key, const char *want, size_t n)
{
	struct buf got = BUF_INIT;

	assert_int_equal(objstore_get_buf(s, key, 0, OBJSTORE_TO_END, NULL,
	                     &got, NULL, NULL),
	    0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.ptr, want, n);
	buf_release(&got);
}

static void
test_put_large_aborts(void **state)
{
	struct fixture *f = *state;
	struct objstore_xfer x = { .part_size = 1000, .concurrency = 4 };
	struct objstore_body b = { .size = 20000, .read = read_bytes };
	struct objstore_put_res res;
	char *data = malloc(20000);
	struct rerr e;
	unsigned i;

	for (i = 0; i < 20000; i++)
		data[i] = (char)(i * 13);
	b.arg = data;
	put(f->mem, "k", "previous", NULL);
	/* A part fails: no pending upload, and the old object stays. */
	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(MPU_PART),
	        .nth = 5,
	        .count = 1,
	        .err = -ECONNRESET });
	assert_int_equal(
	    objstore_put_large(f->s, "k", &b, NULL, &x, &res, &e), -ECONNRESET);
	assert_int_equal(e.err, ECONNRESET);
	assert_int_equal(objstore_mem_uploads(f->mem), 0);
	assert_int_equal(objstore_fault_calls(f->s, OBJSTORE_OP_MPU_ABORT), 1);
	assert_int_equal(
	    objstore_fault_calls(f->s, OBJSTORE_OP_MPU_COMPLETE), 0);
	/* Workers stop taking parts after the failure (4 may be in flight). */
	assert_true(objstore_fault_calls(f->s, OBJSTORE_OP_MPU_PART) < 20);
	assert_content(f->mem, "k", "previous", 8);
	/* A part failing for a new key leaves no key at all. */
	objstore_fault_clear(f->s);
	add(f->s,
	    (struct objstore_fault_rule){
	        .ops = BIT(MPU_PART), .nth = 20, .err = -EIO });
	assert_int_equal(
	    objstore_put_large(f->s, "new", &b, NULL, &x, &res, &e), -EIO);
	assert_int_equal(objstore_mem_count(f->mem), 1);
	assert_int_equal(objstore_mem_uploads(f->mem), 0);

	objstore_fault_clear(f->s);
	assert_int_equal(
	    objstore_put_large(f->s, "k", &b, NULL, &x, &res, &e), 0);
	assert_non_null(strstr(res.etag, "-20"));
	assert_content(f->mem, "k", data, 20000);
	/* Completion fails: the same. */
	add(f->s,
	    (struct objstore_fault_rule){
	        .ops = BIT(MPU_COMPLETE), .err = -EAGAIN });
	assert_int_equal(
	    objstore_put_large(f->s, "k", &b, NULL, &x, &res, &e), -EAGAIN);
	assert_int_equal(objstore_mem_uploads(f->mem), 0);
	assert_content(f->mem, "k", data, 20000);
	free(data);
}

/* A store whose listing lies: the same token forever, or none at all. */
struct liar {
	struct objstore base;
	bool no_token;
	unsigned calls;
};

static int
liar_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct liar *l = (struct liar *)s;

	(void)q, (void)e;
	l->calls++;
	pg->truncated = true;
	pg->next_token = l->no_token ? NULL : strdup(l->calls % 2 ? "A" : "B");
	return 0;
}

static const struct objstore_ops liar_ops = { .name = "liar",
	.list = liar_list };

static int
count_pages(const struct objstore_list_page *pg, void *arg)
{
	(void)pg;
	++*(unsigned *)arg;
	return 0;
}

static void
test_list_loops(void **state)
{
	struct liar l = { .base.ops = &liar_ops };
	struct objstore_list_req q = { .prefix = "p/" };
	struct rerr e;
	unsigned pages = 0;

	(void)state;
	assert_int_equal(
	    objstore_list_all(&l.base, &q, count_pages, &pages, &e), -EBADMSG);
	assert_int_equal(l.calls, 3); /* A, B, A: refused at the repeat */
	assert_int_equal(pages, 3);
	l.no_token = true;
	l.calls = 0;
	assert_int_equal(
	    objstore_list_all(&l.base, &q, count_pages, &pages, &e), -EBADMSG);
	assert_int_equal(l.calls, 1);
	assert_non_null(strstr(e.msg, "token"));
}

static int
tmpfile_fd(void)
{
	char path[] = "/tmp/roma-objstore-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void
assert_fd_content(int fd, const char *want, size_t n)
{
	char *got = malloc(n + 1);

	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)n);
	assert_int_equal(pread(fd, got, n + 1, 0), (ssize_t)n);
	assert_memory_equal(got, want, n);
	free(got);
}

static void
assert_fd_pipe(int fd, const char *want, size_t n)
{
	char *got = malloc(n + 1);
	size_t have = 0;
	ssize_t r;

	while ((r = read(fd, got + have, n + 1 - have)) > 0)
		have += (size_t)r;
	assert_int_equal(have, n);
	assert_memory_equal(got, want, n);
	free(got);
}

static void
test_get_fd(void **state)
{
	struct fixture *f = *state;
	struct objstore_xfer x = { .part_size = 1000, .concurrency = 4 };
	struct objstore_info info;
	char *data = malloc(10500);
	int fd = tmpfile_fd(), p[2];
	struct rerr e;
	unsigned i;

	for (i = 0; i < 10500; i++)
		data[i] = (char)(i * 31);
	objstore_put_data(f->mem, "obj", data, 10500, NULL, NULL, NULL);
	assert_int_equal(objstore_get_fd(f->s, "obj", fd, &x, &info, &e), 0);
	assert_int_equal(info.size, 10500);
	objstore_info_release(&info);
	assert_int_equal(objstore_fault_calls(f->s, OBJSTORE_OP_GET), 11);
	assert_fd_content(fd, data, 10500);
	close(fd);

	/* Through a pipe (sequential writes), and for an empty object. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(objstore_get_fd(f->s, "obj", p[1], &x, NULL, &e), 0);
	close(p[1]);
	assert_fd_pipe(p[0], data, 10500);
	close(p[0]);
	objstore_put_data(f->mem, "empty", "", 0, NULL, NULL, NULL);
	fd = tmpfile_fd();
	assert_int_equal(objstore_get_fd(f->s, "empty", fd, &x, NULL, &e), 0);
	assert_fd_content(fd, "", 0);
	close(fd);
	free(data);
}

static void
test_get_fd_truncated(void **state)
{
	struct fixture *f = *state;
	struct objstore_xfer x = { .part_size = 1000, .concurrency = 2 };
	char data[5000] = { 0 };
	int fd = tmpfile_fd();
	struct rerr e;

	objstore_put_data(f->mem, "obj", data, sizeof(data), NULL, NULL, NULL);
	/* The first range is cut, then a later one. */
	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(GET),
	        .count = 1,
	        .truncate = true,
	        .truncate_at = 10 });
	assert_int_equal(
	    objstore_get_fd(f->s, "obj", fd, &x, NULL, &e), -ECONNRESET);
	objstore_fault_clear(f->s);
	add(f->s,
	    (struct objstore_fault_rule){ .ops = BIT(GET),
	        .nth = 4,
	        .truncate = true,
	        .truncate_at = 999 });
	assert_int_equal(
	    objstore_get_fd(f->s, "obj", fd, &x, NULL, &e), -ECONNRESET);
	assert_non_null(strstr(e.msg, "reset"));
	close(fd);
}

/* A store whose gets deliver too little, or whose object changes. */
struct shifty {
	struct objstore base;
	bool change;
	unsigned calls;
};

static int
shifty_get(struct objstore *s, const char *key,
    const struct objstore_get_req *g, struct objstore_info *info,
    struct rerr *e)
{
	struct shifty *sh = (struct shifty *)s;
	static const char bytes[100];

	(void)key, (void)e;
	sh->calls++;
	info->size = 10000;
	snprintf(info->etag, sizeof(info->etag), "%s",
	    sh->change && sh->calls > 2 ? "new" : "old");
	if (g->if_match && strcmp(g->if_match, info->etag) != 0)
		return -ESTALE;
	return g->sink(bytes, sh->change ? sizeof(bytes) : 10, g->arg);
}

static const struct objstore_ops shifty_ops = { .name = "shifty",
	.get = shifty_get };

static void
test_get_fd_lies(void **state)
{
	struct shifty sh = { .base.ops = &shifty_ops };
	struct objstore_xfer x = { .part_size = 100, .concurrency = 1 };
	int fd = tmpfile_fd();
	struct rerr e;

	(void)state;
	/* "Success" with fewer bytes than asked is still a failure. */
	assert_int_equal(
	    objstore_get_fd(&sh.base, "k", fd, &x, NULL, &e), -EIO);
	assert_non_null(strstr(e.msg, "short read"));
	sh.change = true;
	sh.calls = 0;
	assert_int_equal(
	    objstore_get_fd(&sh.base, "k", fd, &x, NULL, &e), -ESTALE);
	assert_int_equal(sh.calls, 3);
	close(fd);
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct objstore_xfer x = { .part_size = 100, .concurrency = 8 };
	struct objstore_body b = { .size = 100000 };
	char *data = calloc(1, 100000);
	unsigned i, ok = 0;

	/* Flaky parts under concurrency: each upload is whole or absent. */
	b.data = data;
	add(f->s,
	    (struct objstore_fault_rule){
	        .ops = BIT(MPU_PART), .one_in = 2000, .err = -EIO });
	for (i = 0; i < 20; i++)
		if (objstore_put_large(f->s, "k", &b, NULL, &x, NULL, NULL) ==
		    0)
			ok++;
	assert_int_equal(objstore_mem_uploads(f->mem), 0);
	assert_in_range(ok, 1, 19);
	assert_content(f->mem, "k", data, 100000);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_put_large_aborts, setup, teardown),
		cmocka_unit_test(test_list_loops),
		cmocka_unit_test_setup_teardown(test_get_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_get_fd_truncated, setup, teardown),
		cmocka_unit_test(test_get_fd_lies),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
