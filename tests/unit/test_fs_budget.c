/*
 * fs memory budget under concurrency: many writers, few FUSE workers, a
 * budget of two parts.  A part buffer being filled holds budget until its
 * file's next write, which needs a worker; when every worker waited for
 * budget, none was ever freed (the mount hung with 8 concurrent `cp`).
 * Each test runs under alarm(), so a deadlock fails instead of hanging.
 */
#include "fs_harness.h"

#include <pthread.h>
#include <signal.h>

#define NWORKERS 4 /* the kernel's requests go through this many */
#define NWRITERS 12
#define CHUNK    100

/* One request, as the kernel would send it; a worker runs it. */
struct req {
	struct h *h;
	enum { R_OPEN, R_WRITE, R_CLOSE } op;
	const char *path;
	const char *data;
	size_t len;
	off_t off;
	uint64_t ino, fh;
	int r;
	bool done;
	struct req *next;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv, donecv;
	struct req *head, **tail;
	bool stop;
};

static struct queue q = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.donecv = PTHREAD_COND_INITIALIZER,
};

static void
run(struct req *r)
{
	ssize_t n;

	switch (r->op) {
	case R_OPEN:
		r->r = h_open(r->h, r->path, O_WRONLY | O_CREAT | O_TRUNC,
		    &r->ino, &r->fh);
		break;
	case R_WRITE:
		n = fs_write(
		    r->h->fs, NULL, r->ino, r->fh, r->data, r->len, r->off);
		r->r = n == (ssize_t)r->len ? 0 : n < 0 ? (int)n : -EIO;
		break;
	case R_CLOSE:
		r->r = h_close(r->h, r->ino, r->fh);
		break;
	}
}

static void *
worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		struct req *r;

		while (q.head == NULL && !q.stop)
			pthread_cond_wait(&q.cv, &q.mu);
		if (q.head == NULL)
			break;
		r = q.head;
		q.head = r->next;
		if (q.head == NULL)
			q.tail = &q.head;
		pthread_mutex_unlock(&q.mu);
		run(r);
		pthread_mutex_lock(&q.mu);
		r->done = true;
		pthread_cond_broadcast(&q.donecv);
	}
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

/* Send one request through the workers and wait for its answer. */
static int
call(struct req *r)
{
	r->done = false;
	r->next = NULL;
	pthread_mutex_lock(&q.mu);
	*q.tail = r;
	q.tail = &r->next;
	pthread_cond_signal(&q.cv);
	while (!r->done)
		pthread_cond_wait(&q.donecv, &q.mu);
	pthread_mutex_unlock(&q.mu);
	return r->r;
}

struct writer {
	struct h *h;
	char path[32];
	char *data;
	size_t size;
	int r;
};

/* A `cp`: open, sequential writes of CHUNK bytes, close. */
static void *
writer(void *arg)
{
	struct writer *w = arg;
	struct req r = { .h = w->h, .op = R_OPEN, .path = w->path };

	w->r = call(&r);
	if (w->r != 0)
		return NULL;
	for (size_t off = 0; off < w->size && w->r == 0; off += CHUNK) {
		r.op = R_WRITE;
		r.data = w->data + off;
		r.len = w->size - off < CHUNK ? w->size - off : CHUNK;
		r.off = (off_t)off;
		w->r = call(&r);
	}
	r.op = R_CLOSE;
	if (call(&r) != 0 && w->r == 0)
		w->r = r.r;
	return NULL;
}

static void
tiny_budget(struct fs_config *c)
{
	c->memory_limit = 2 * c->part_size; /* part_size: 1024 */
}

static void
on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "deadlock: writers still blocked\n";

	(void)!write(2, m, sizeof(m) - 1);
	_exit(1);
}

static void
many_writers(size_t size)
{
	struct h *h = h_new(tiny_budget);
	pthread_t wt[NWORKERS], ct[NWRITERS];
	struct writer w[NWRITERS];
	struct fs_stats st;

	signal(SIGALRM, on_alarm);
	alarm(30);
	q.head = NULL;
	q.tail = &q.head;
	q.stop = false;
	for (int i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&wt[i], NULL, worker, NULL), 0);
	for (int i = 0; i < NWRITERS; i++) {
		w[i].h = h;
		snprintf(w[i].path, sizeof(w[i].path), "w%02d", i);
		w[i].size = size + (size_t)i;
		w[i].data = malloc(w[i].size + 1);
		for (size_t k = 0; k < w[i].size; k++)
			w[i].data[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
		w[i].data[w[i].size] = '\0';
		assert_int_equal(
		    pthread_create(&ct[i], NULL, writer, &w[i]), 0);
	}
	for (int i = 0; i < NWRITERS; i++)
		pthread_join(ct[i], NULL);
	pthread_mutex_lock(&q.mu);
	q.stop = true;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(wt[i], NULL);
	alarm(0);
	for (int i = 0; i < NWRITERS; i++) {
		assert_int_equal(w[i].r, 0);
		assert_obj(h, w[i].path, w[i].data);
		free(w[i].data);
	}
	fs_get_stats(h->fs, &st);
	assert_int_equal(st.mem_used, 0);
	assert_int_equal(st.uploads, 0);
	h_free(h);
}

/* Small files (one PUT each): every one holds a part buffer to its close. */
static void
test_small_writers_tiny_budget(void **state)
{
	(void)state;
	many_writers(700);
}

/* Multipart files: parts in flight and buffers being filled. */
static void
test_multipart_writers_tiny_budget(void **state)
{
	(void)state;
	many_writers(3500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_writers_tiny_budget),
		cmocka_unit_test(test_multipart_writers_tiny_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
