/* Unit tests for the mount's transfer pool (fs/pool.c): threads start as
 * jobs need them, and jobs blocked in the store do not hold up later ones
 * while the pool may still grow. */
#include "roma.h"
#include "fs/fs_int.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
	atomic_int started, done;
};

static struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	false, 0, 0 };

/* A transfer stalled until the gate opens. */
static void
stalled(void *arg)
{
	(void)arg;
	atomic_fetch_add(&g.started, 1);
	pthread_mutex_lock(&g.mu);
	while (!g.open)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
	atomic_fetch_add(&g.done, 1);
}

static void
quick(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

/* Waits up to 5 s for *v to reach `want`. */
static bool
reaches(atomic_int *v, int want)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 5000 && atomic_load(v) < want; i++)
		nanosleep(&ts, NULL);
	return atomic_load(v) >= want;
}

static void
gate_reset(void)
{
	g.open = false;
	atomic_store(&g.started, 0);
	atomic_store(&g.done, 0);
}

static void
gate_open(void)
{
	pthread_mutex_lock(&g.mu);
	g.open = true;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
}

static void
test_stalled_jobs_do_not_block_the_next(void **state)
{
	struct pool *p = pool_new(16);
	atomic_int ran = 0;

	(void)state;
	gate_reset();
	for (int i = 0; i < 12; i++)
		pool_submit(p, stalled, NULL);
	assert_true(reaches(&g.started, 12));
	pool_submit(p, quick, &ran);
	assert_true(reaches(&ran, 1));
	gate_open();
	pool_free(p);
	assert_int_equal(atomic_load(&g.done), 12);
}

static void
test_threads_stop_at_the_cap(void **state)
{
	struct pool *p = pool_new(3);
	atomic_int ran = 0;
	struct timespec ts = { 0, 50000000 };

	(void)state;
	gate_reset();
	for (int i = 0; i < 5; i++)
		pool_submit(p, stalled, NULL);
	pool_submit(p, quick, &ran);
	assert_true(reaches(&g.started, 3));
	nanosleep(&ts, NULL);
	assert_int_equal(atomic_load(&g.started), 3); /* no fourth thread */
	assert_int_equal(atomic_load(&ran), 0);       /* queued behind them */
	gate_open();
	pool_free(p); /* finishes the queue first */
	assert_int_equal(atomic_load(&g.done), 5);
	assert_int_equal(atomic_load(&ran), 1);
}

static void
test_inline_without_threads(void **state)
{
	struct pool *p = pool_new(0);
	atomic_int ran = 0;

	(void)state;
	pool_submit(p, quick, &ran);
	assert_int_equal(atomic_load(&ran), 1); /* ran here, at once */
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stalled_jobs_do_not_block_the_next),
		cmocka_unit_test(test_threads_stop_at_the_cap),
		cmocka_unit_test(test_inline_without_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
