/*
 * fs memory budget under concurrency: many writers (and readers), few FUSE
 * workers, a budget of two parts.  A part buffer being filled holds budget
 * until its file's next write, which needs a worker; when every worker
 * waited for budget, none was ever freed (the mount hung with 8 concurrent
 * `cp`).  Each test runs under alarm(), so a deadlock fails instead of
 * hanging; each checks that the budget in use at once (every buffer is
 * charged before it is allocated) never exceeded memory_limit: the limit
 * is hard, no part "beyond the budget".
 */
#include "fs_harness.h"

#include <pthread.h>
#include <signal.h>

#define NWORKERS 4 /* the kernel's requests go through this many */
#define NWRITERS 12
#define NFILES   16
#define CHUNK    100 /* bytes per write; parts of the harness's 1 KiB */
#define BIGCHUNK 8192

/* One request, as the kernel would send it; a worker runs it. */
struct req {
	struct h *h;
	enum { R_OPEN, R_OPEN_RD, R_WRITE, R_READ, R_CLOSE } op;
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

/* A read as FUSE does it (the reply's pieces, copied out here); r->len
 * gets the bytes read. */
static int
read_piece(struct req *r)
{
	struct fs_read_buf rb;
	char *out = (char *)r->data;
	ssize_t n;

	n = fs_read_buf(r->h->fs, NULL, r->ino, r->fh, r->len, r->off, &rb);
	for (int i = 0; n >= 0 && i < rb.n; i++) {
		memcpy(out, rb.iov[i].iov_base, rb.iov[i].iov_len);
		out += rb.iov[i].iov_len;
	}
	fs_read_release(&rb);
	if (n >= 0 && out - r->data != n)
		return -EIO; /* the pieces do not add up */
	r->len = n >= 0 ? (size_t)n : 0;
	return n < 0 ? (int)n : 0;
}

static void
run(struct req *r)
{
	ssize_t n;

	switch (r->op) {
	case R_OPEN:
		r->r = h_open(r->h, r->path, O_WRONLY | O_CREAT | O_TRUNC,
		    &r->ino, &r->fh);
		break;
	case R_OPEN_RD:
		r->r = h_open(r->h, r->path, O_RDONLY, &r->ino, &r->fh);
		break;
	case R_WRITE:
		n = fs_write(
		    r->h->fs, NULL, r->ino, r->fh, r->data, r->len, r->off);
		r->r = n == (ssize_t)r->len ? 0 : n < 0 ? (int)n : -EIO;
		break;
	case R_READ:
		r->r = read_piece(r);
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
	bool reader; /* reads the file back instead of writing it */
	int r;
};

/* Writers start writing together, so their buffers grow side by side. */
static pthread_barrier_t opened;

/* A `cp`: open, sequential writes of CHUNK bytes, close. */
static void *
writer(void *arg)
{
	struct writer *w = arg;
	struct req r = { .h = w->h, .op = R_OPEN, .path = w->path };
	size_t chunk = w->h->cfg.part_size > 1024 ? BIGCHUNK : CHUNK;

	w->r = call(&r);
	pthread_barrier_wait(&opened);
	if (w->r != 0)
		return NULL;
	for (size_t off = 0; off < w->size && w->r == 0; off += chunk) {
		r.op = R_WRITE;
		r.data = w->data + off;
		r.len = w->size - off < chunk ? w->size - off : chunk;
		r.off = (off_t)off;
		w->r = call(&r);
	}
	r.op = R_CLOSE;
	if (call(&r) != 0 && w->r == 0)
		w->r = r.r;
	return NULL;
}

/* A `cat`: open, sequential reads of 777 bytes to the end, compared. */
static void *
reader(void *arg)
{
	struct writer *w = arg;
	struct req r = { .h = w->h, .op = R_OPEN_RD, .path = w->path };
	char *got = calloc(1, w->size + 777);
	size_t off = 0;

	w->r = call(&r);
	while (w->r == 0) {
		r.op = R_READ;
		r.data = got + off;
		r.len = 777;
		r.off = (off_t)off;
		if ((w->r = call(&r)) != 0 || r.len == 0)
			break;
		off += r.len;
	}
	if (w->r == 0 && (off != w->size || memcmp(got, w->data, off) != 0))
		w->r = -EIO;
	r.op = R_CLOSE;
	if (r.ino != 0)
		call(&r);
	free(got);
	return NULL;
}

static struct fs_config *tweak_cfg;

/* Four parts: half for held buffers (two parts), half the reads' reserve. */
static void
tiny_budget(struct fs_config *c)
{
	if (tweak_cfg != NULL) {
		c->staging_dir = tweak_cfg->staging_dir;
		if (tweak_cfg->part_size != 0)
			c->part_size = tweak_cfg->part_size;
	}
	c->memory_limit = 4 * c->part_size;
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
workers(pthread_t *wt, bool start)
{
	if (start) {
		q.head = NULL;
		q.tail = &q.head;
		q.stop = false;
		for (int i = 0; i < NWORKERS; i++)
			assert_int_equal(
			    pthread_create(&wt[i], NULL, worker, NULL), 0);
		return;
	}
	pthread_mutex_lock(&q.mu);
	q.stop = true;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(wt[i], NULL);
}

/* File i of a run: `size` + i bytes of a pattern of its own. */
static void
file_init(struct writer *w, struct h *h, int i, size_t size, bool rd)
{
	w->h = h;
	w->reader = rd;
	snprintf(w->path, sizeof(w->path), "%s%02d", rd ? "r" : "w", i);
	w->size = size + (size_t)i;
	w->data = malloc(w->size + 1);
	for (size_t k = 0; k < w->size; k++)
		w->data[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
	w->data[w->size] = '\0';
	if (rd)
		ext_put(h, w->path, w->data);
}

/* `nw` writers and `nr` readers of `size`-byte files at once, through
 * NWORKERS workers; every one must succeed within the budget. */
static void
run_files(int nw, int nr, size_t size, bool staging, uint64_t part)
{
	struct fs_config c = { .staging_dir = staging ? NULL : "",
		.part_size = part };
	struct h *h;
	pthread_t wt[NWORKERS], ct[NFILES];
	struct writer w[NFILES];
	struct fs_stats st;
	int n = nw + nr;

	tweak_cfg = &c;
	h = h_new(tiny_budget);
	tweak_cfg = NULL;
	signal(SIGALRM, on_alarm);
	alarm(60);
	workers(wt, true);
	pthread_barrier_init(&opened, NULL, (unsigned)nw);
	for (int i = 0; i < n; i++) {
		file_init(&w[i], h, i, size, i >= nw);
		assert_int_equal(pthread_create(&ct[i], NULL,
		                     w[i].reader ? reader : writer, &w[i]),
		    0);
	}
	for (int i = 0; i < n; i++)
		pthread_join(ct[i], NULL);
	pthread_barrier_destroy(&opened);
	workers(wt, false);
	alarm(0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(w[i].r, 0);
		assert_obj(h, w[i].path, w[i].data);
		free(w[i].data);
	}
	fs_get_stats(h->fs, &st);
	assert_int_equal(st.mem_used, 0);
	assert_int_equal(st.uploads, 0);
	/* The bound: never more buffers at once than the limit. */
	assert_true(st.mem_peak > 0);
	assert_true(st.mem_peak <= h->cfg.memory_limit);
	h_free(h);
}

/* Small files (one PUT each): every one holds a part buffer to its close. */
static void
test_small_writers_tiny_budget(void **state)
{
	(void)state;
	run_files(NWRITERS, 0, 700, true, 0);
}

/* Multipart files: parts in flight and buffers being filled. */
static void
test_multipart_writers_tiny_budget(void **state)
{
	(void)state;
	run_files(NWRITERS, 0, 3500, true, 0);
}

/* Readers (readahead chunks, and reply buffers of their own for what no
 * chunk holds) share the budget with multipart writers. */
static void
test_readers_and_writers_tiny_budget(void **state)
{
	(void)state;
	run_files(NWRITERS / 2, NWRITERS / 2, 20000, true, 0);
}

/* Without a staging dir nothing can move to disk: multipart writers wait
 * for their own parts' buffers, and the limit still holds. */
static void
test_multipart_writers_no_staging(void **state)
{
	(void)state;
	run_files(NWORKERS, 0, 9000, false, 0);
}

/* Parts larger than a new file's first buffer, which then grows: with a
 * staging dir a writer that cannot grow stages its file; without one a
 * growing writer would wait holding its buffer, all of them on each other
 * (the first buffer is then a whole part). */
static void
test_growing_first_buffers(void **state)
{
	(void)state;
	run_files(NWRITERS, 0, 700000, true, 256 << 10);
}

static void
test_growing_first_buffers_no_staging(void **state)
{
	(void)state;
	run_files(NWORKERS, 0, 700000, false, 256 << 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_writers_tiny_budget),
		cmocka_unit_test(test_multipart_writers_tiny_budget),
		cmocka_unit_test(test_readers_and_writers_tiny_budget),
		cmocka_unit_test(test_multipart_writers_no_staging),
		cmocka_unit_test(test_growing_first_buffers),
		cmocka_unit_test(test_growing_first_buffers_no_staging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
