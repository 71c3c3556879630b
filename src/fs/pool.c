/*
 * The memory budget every buffer of the mount is charged to (with a cache
 * of idle buffers: a fresh one costs a page fault per 4 KiB), and the pool
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

/* Read replies need at most the kernel's largest read (max_pages) each. */
#define READ_MAX    (1ull << 20)
#define RESERVE_MAX (16ull << 20)
#define CACHE_MAX   (32ull << 20) /* idle buffers kept for reuse */

/* An idle buffer; the header lives in the buffer itself. */
struct membuf {
	struct membuf *next;
	size_t size;
};

void
mem_init(struct fs *fs)
{
	uint64_t l = fs->cfg.memory_limit, r = l / 8;

	if (r > RESERVE_MAX)
		r = RESERVE_MAX;
	if (r < READ_MAX)
		r = READ_MAX < l / 2 ? READ_MAX : l / 2;
	fs->rd_reserve = r;
}

size_t
fs_read_max(const struct fs *fs)
{
	uint64_t r = fs->rd_reserve & ~(uint64_t)4095;

	if (fs->rd_reserve >= READ_MAX)
		return 0;
	return r < 4096 ? 4096 : (size_t)r; /* the kernel's least */
}

uint64_t
mem_held_max(const struct fs *fs)
{
	return fs->cfg.memory_limit - fs->rd_reserve;
}

static uint64_t
max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Under mlock: whether `n` more bytes fit, held or read reply. */
static bool
fits_held(const struct fs *fs, uint64_t n)
{
	return fs->mem_used + n + max_u64(fs->mem_reads, fs->rd_reserve) <=
	    fs->cfg.memory_limit;
}

static bool
fits_read(const struct fs *fs, uint64_t n)
{
	return fs->mem_used + max_u64(fs->mem_reads + n, fs->rd_reserve) <=
	    fs->cfg.memory_limit;
}

/* Under mlock, after a charge: the most ever charged at once. */
static void
peak_note(struct fs *fs)
{
	if (fs->mem_used + fs->mem_reads > fs->mem_peak)
		fs->mem_peak = fs->mem_used + fs->mem_reads;
}

/* Under mlock: free the idle buffer unused longest; false if none. */
static bool
cache_evict(struct fs *fs)
{
	struct membuf **pp = &fs->cache, *b;

	if (*pp == NULL)
		return false;
	while ((*pp)->next != NULL)
		pp = &(*pp)->next;
	b = *pp;
	*pp = NULL;
	fs->mem_cached -= b->size;
	fs->mem_used -= b->size;
	free(b);
	return true;
}

/* Under mlock: take an idle buffer of exactly `n` bytes (still charged). */
static void *
cache_take(struct fs *fs, size_t n)
{
	for (struct membuf **pp = &fs->cache; *pp != NULL; pp = &(*pp)->next) {
		struct membuf *b = *pp;

		if (b->size == n) {
			*pp = b->next;
			fs->mem_cached -= n;
			return b;
		}
	}
	return NULL;
}

/* Under mlock: wait a slice for a change; -EINTR or -ETIME to give up. */
static int
mem_wait(struct fs *fs, const struct fs_ctx *x, uint64_t until)
{
	if (fs_interrupted(x))
		return -EINTR;
	if (until != 0 && fs_now_ms() >= until)
		return -ETIME;
	time_cond_wait(&fs->mcond, &fs->mlock, FS_POLL_MS);
	return 0;
}

/* Under mlock: 0 with a cached buffer in *out, 1 with the charge for a new
 * one, or -errno. */
static int
held_take(
    struct fs *fs, size_t n, int wait_ms, const struct fs_ctx *x, void **out)
{
	uint64_t until = wait_ms <= 0 ? 0 : fs_now_ms() + (uint64_t)wait_ms;
	int r = 0;

	*out = NULL;
	while (r == 0) {
		if ((*out = cache_take(fs, n)) != NULL)
			return 0;
		while (!fits_held(fs, n) && cache_evict(fs))
			;
		if (fits_held(fs, n)) {
			fs->mem_used += n;
			peak_note(fs);
			return 1;
		}
		r = wait_ms == 0 ? -ETIME : mem_wait(fs, x, until);
	}
	return r;
}

int
mem_get(
    struct fs *fs, size_t n, int wait_ms, const struct fs_ctx *x, void **out)
{
	int r;

	if (n > mem_held_max(fs))
		return -ENOMEM;
	pthread_mutex_lock(&fs->mlock);
	r = held_take(fs, n, wait_ms, x, out);
	pthread_mutex_unlock(&fs->mlock);
	if (r == 1) /* charged above: only now may it exist */
		*out = xmalloc(n);
	return r < 0 ? r : 0;
}

void
mem_put(struct fs *fs, void *p, size_t n)
{
	struct membuf *b = p;

	if (p == NULL)
		return;
	pthread_mutex_lock(&fs->mlock);
	if (n >= sizeof(*b) && n <= CACHE_MAX) {
		b->size = n;
		b->next = fs->cache;
		fs->cache = b;
		fs->mem_cached += n;
		while (fs->mem_cached > CACHE_MAX)
			cache_evict(fs);
	} else {
		free(p);
		fs->mem_used -= n;
	}
	pthread_cond_broadcast(&fs->mcond);
	pthread_mutex_unlock(&fs->mlock);
}

int
mem_get_read(struct fs *fs, size_t n, const struct fs_ctx *x, void **out)
{
	int r = 0;

	if (n > fs->rd_reserve && n > fs->cfg.memory_limit)
		return -ENOMEM; /* would wait forever */
	pthread_mutex_lock(&fs->mlock);
	while (r == 0 && !fits_read(fs, n))
		if (!cache_evict(fs))
			r = mem_wait(fs, x, 0);
	if (r == 0) {
		fs->mem_reads += n;
		peak_note(fs);
	}
	pthread_mutex_unlock(&fs->mlock);
	if (r == 0)
		*out = xmalloc(n > 0 ? n : 1);
	return r;
}

void
mem_put_read(struct fs *fs, void *p, size_t n)
{
	free(p);
	pthread_mutex_lock(&fs->mlock);
	fs->mem_reads -= n;
	pthread_cond_broadcast(&fs->mcond);
	pthread_mutex_unlock(&fs->mlock);
}

void
mem_trim(struct fs *fs)
{
	pthread_mutex_lock(&fs->mlock);
	while (cache_evict(fs))
		;
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
	unsigned n, max; /* threads started; at most */
	unsigned idle, queued;
	pthread_t *th;
};

static void *
pool_main(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p->mu);
		p->idle++;
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		p->idle--;
		j = p->head;
		if (j == NULL) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		p->head = j->next;
		if (p->head == NULL)
			p->tail = &p->head;
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
	}
}

/* One more thread when the queued jobs outnumber the idle ones.  Under
 * p->mu. */
static void
grow(struct pool *p)
{
	if (p->queued > p->idle && p->n < p->max &&
	    pthread_create(&p->th[p->n], NULL, pool_main, p) == 0)
		p->n++;
}

/* Threads start as jobs need them, as libfuse's workers do: most mounts
 * never use more than a few of `nthreads`. */
struct pool *
pool_new(unsigned nthreads)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->tail = &p->head;
	p->max = nthreads;
	p->th = xcalloc(nthreads > 0 ? nthreads : 1, sizeof(*p->th));
	return p;
}

/* Run fn(arg) on a pool thread (on this one if none can start). */
void
pool_submit(struct pool *p, void (*fn)(void *), void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
	p->queued++;
	grow(p);
	if (p->n == 0) {
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		free(j);
		fn(arg);
		return;
	}
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
