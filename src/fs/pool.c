/*
 * The memory budget every buffer of the mount is charged to, and the pool
 * of threads that runs readahead gets and part uploads in the background.
 */
#include "roma.h"
#include "fs/fs_int.h"
#include "util/xmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

bool
fs_interrupted(const struct fs_ctx *x)
{
	return x != NULL && x->interrupted != NULL && x->interrupted(x->arg);
}

/* The kernel's callers understand file-system errors, not HTTP ones. */
int
fs_errno(int r)
{
	switch (r) {
	case -ECONNRESET:
	case -ETIMEDOUT:
	case -EAGAIN:
	case -EBADMSG:
	case -EFBIG:
	case -ESTALE:
	case -ENXIO:
		return -EIO;
	default:
		return r;
	}
}

/* Take `n` bytes only if they fit (a lone request always fits, so a part
 * larger than the budget still goes through, one at a time). */
static bool
budget_fits(struct fs *fs, uint64_t n)
{
	return fs->mem_used == 0 || fs->mem_used + n <= fs->cfg.memory_limit;
}

bool
budget_try(struct fs *fs, uint64_t n)
{
	bool ok;

	pthread_mutex_lock(&fs->mlock);
	ok = budget_fits(fs, n);
	if (ok)
		fs->mem_used += n;
	pthread_mutex_unlock(&fs->mlock);
	return ok;
}

/* Wait for room; -EINTR if the caller gave up meanwhile. */
int
budget_reserve(struct fs *fs, uint64_t n, const struct fs_ctx *x)
{
	return budget_wait(fs, n, x, -1);
}

/* Take `n` bytes beyond the budget: only where waiting could deadlock. */
void
budget_force(struct fs *fs, uint64_t n)
{
	pthread_mutex_lock(&fs->mlock);
	fs->mem_used += n;
	pthread_mutex_unlock(&fs->mlock);
}

/* As budget_reserve, but -ETIME after `timeout_ms` (< 0: no limit). */
int
budget_wait(struct fs *fs, uint64_t n, const struct fs_ctx *x, int timeout_ms)
{
	uint64_t until =
	    timeout_ms < 0 ? 0 : fs_now_ms() + (uint64_t)timeout_ms;
	int r = 0;

	pthread_mutex_lock(&fs->mlock);
	while (!budget_fits(fs, n)) {
		struct timespec ts;

		if (fs_interrupted(x)) {
			r = -EINTR;
			break;
		}
		if (until != 0 && fs_now_ms() >= until) {
			r = -ETIME;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&fs->mcond, &fs->mlock, &ts);
	}
	if (r == 0)
		fs->mem_used += n;
	pthread_mutex_unlock(&fs->mlock);
	return r;
}

void
budget_release(struct fs *fs, uint64_t n)
{
	pthread_mutex_lock(&fs->mlock);
	fs->mem_used -= n;
	pthread_cond_broadcast(&fs->mcond);
	pthread_mutex_unlock(&fs->mlock);
}

struct job {
	void (*fn)(void *);
	void *arg;
	struct job *next;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, **tail;
	bool stop;
	unsigned n;
	pthread_t *th;
};

static void *
pool_main(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		j = p->head;
		if (j == NULL) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		p->head = j->next;
		if (p->head == NULL)
			p->tail = &p->head;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
	}
}

struct pool *
pool_new(unsigned nthreads)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->tail = &p->head;
	p->th = xcalloc(nthreads, sizeof(*p->th));
	for (unsigned i = 0; i < nthreads; i++) {
		if (pthread_create(&p->th[i], NULL, pool_main, p) != 0)
			break;
		p->n++;
	}
	return p;
}

/* Run fn(arg) on a pool thread (on this one if the pool has none). */
void
pool_submit(struct pool *p, void (*fn)(void *), void *arg)
{
	struct job *j;

	if (p->n == 0) {
		fn(arg);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
	*p->tail = j;
	p->tail = &j->next;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Finish the queued jobs, then stop the threads. */
void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	free(p->th);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
