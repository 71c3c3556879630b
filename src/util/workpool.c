#include "roma.h"
#include "util/cancel.h"
#include "util/rerr.h"
#include "util/workpool.h"

#include <pthread.h>

struct pool {
	pthread_mutex_t mu;
	unsigned next, n;
	int err; /* the first failure, which stops the others */
	struct rerr e;
	int (*task)(unsigned i, void *arg, struct rerr *e);
	void *arg;
	struct cancel *cancel; /* the caller's: its helpers give up with it */
};

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct rerr e;
	unsigned i;
	int r;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (p->err != 0 || p->next == p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		rerr_clear(&e);
		r = p->task(i, p->arg, &e);
		pthread_mutex_lock(&p->mu);
		if (r != 0 && p->err == 0) {
			p->err = r;
			p->e = e;
		}
		pthread_mutex_unlock(&p->mu);
	}
}

static void *
helper(void *arg)
{
	struct pool *p = arg;

	cancel_watch(p->cancel);
	return worker(p);
}

int
workpool_run(unsigned n, unsigned threads,
    int (*task)(unsigned i, void *arg, struct rerr *e), void *arg,
    struct rerr *e)
{
	struct pool p = {
		.n = n, .task = task, .arg = arg, .cancel = cancel_current()
	};
	pthread_t tids[WORKPOOL_MAX_THREADS];
	unsigned i, started = 0;

	threads =
	    threads > WORKPOOL_MAX_THREADS ? WORKPOOL_MAX_THREADS : threads;
	threads = threads > n ? n : threads;
	pthread_mutex_init(&p.mu, NULL);
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[started], NULL, helper, &p) == 0)
			started++;
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.err != 0 && e != NULL)
		*e = p.e;
	return p.err;
}
