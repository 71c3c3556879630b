/*
 * fs namespace: lookup and readdir over files, markers and implicit
 * directories, listing pages, caches that never hide new names, and
 * revalidation at open after changes behind the mount's back; mkdir,
 * rmdir, unlink, rename; request counts per operation.
 */
#include "fs_harness.h"

#include <pthread.h>
#include <time.h>

static void
test_lookup_kinds(void **state)
{
	struct h *h = h_new(NULL);
	uint64_t ino;
	struct stat st;

	(void)state;
	ext_put(h, "file", "x");
	ext_put(h, "marker/", "");
	ext_put(h, "implicit/deep/leaf", "y");
	assert_int_equal(lookup(h, FS_ROOT_INO, "file", &ino), 0);
	assert_int_equal(fs_getattr(h->fs, NULL, ino, &st, NULL), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 1);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(lookup(h, FS_ROOT_INO, "marker", &ino), 0);
	assert_int_equal(fs_getattr(h->fs, NULL, ino, &st, NULL), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(walk(h, "implicit/deep/leaf", &ino), 0);
	assert_int_equal(lookup(h, FS_ROOT_INO, "nothing", NULL), -ENOENT);
	assert_int_equal(lookup(h, FS_ROOT_INO, "fil", NULL), -ENOENT);
	h_free(h);
}

static void
test_readdir(void **state)
{
	struct h *h = h_new(NULL);

	(void)state;
	ext_put(h, "b", "1");
	ext_put(h, "a/", "");
	ext_put(h, "c/d", "2");
	ext_put(h, "c/", "");
	ext_put(h, "c-e", "3");  /* sorts between "c" and "c/" */
	ext_put(h, "x//y", "4"); /* a name no file system can show */
	assert_ls(h, NULL, "a/ b c/ c-e x/");
	assert_ls(h, "c", "d");
	assert_ls(h, "x", "");
	assert_ls(h, "a", "");
	h_free(h);
}

static void
test_readdir_plus_and_paging(void **state)
{
	struct h *h = h_new(NULL);
	char key[32], *got;
	unsigned long lists;

	(void)state;
	for (int i = 0; i < 2500; i++) {
		snprintf(key, sizeof(key), "d/f%04d", i);
		ext_put(h, key, "z");
	}
	objstore_fault_reset_counts(h->s);
	got = ls(h, "d", true);
	assert_int_equal(strlen(got), 2500 * 6 - 1);
	assert_true(strncmp(got, "f0000 f0001", 11) == 0);
	free(got);
	lists = calls(h, OBJSTORE_OP_LIST);
	assert_int_equal(lists, 3 + 1); /* 3 pages, + the lookup of "d" */
	/* Every entry is known now: a lookup needs no request. */
	objstore_fault_reset_counts(h->s);
	assert_int_equal(walk(h, "d/f1234", NULL), 0);
	assert_int_equal(objstore_fault_total(h->s), 0);
	/* A second listing within the TTL is served from the cache. */
	free(ls(h, "d", false));
	assert_int_equal(objstore_fault_total(h->s), 0);
	h_free(h);
}

static void
test_new_name_not_hidden(void **state)
{
	struct h *h = h_new(NULL);

	(void)state;
	ext_put(h, "a", "1");
	assert_ls(h, NULL, "a");
	/* Another host adds a file right after our listing (5m TTLs). */
	ext_put(h, "b", "2");
	assert_int_equal(walk(h, "b", NULL), 0);
	assert_file(h, "b", "2");
	ext_put(h, "dir/x", "3");
	assert_int_equal(walk(h, "dir/x", NULL), 0);
	h_free(h);
}

static void
test_revalidate_on_open(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_open_res res;
	uint64_t ino;

	(void)state;
	ext_put(h, "f", "old");
	assert_file(h, "f", "old");
	ext_put(h, "f", "newer");
	/* The 5m TTL holds the attributes, but open asks again. */
	assert_int_equal(walk(h, "f", &ino), 0);
	assert_int_equal(fs_open(h->fs, NULL, ino, O_RDONLY, &res), 0);
	assert_false(res.keep_cache);
	fs_release(h->fs, NULL, ino, res.fh);
	assert_file(h, "f", "newer");
	/* Unchanged: the kernel keeps its pages. */
	assert_int_equal(fs_open(h->fs, NULL, ino, O_RDONLY, &res), 0);
	assert_true(res.keep_cache);
	fs_release(h->fs, NULL, ino, res.fh);
	/* Deleted elsewhere: open fails. */
	ext_del(h, "f");
	assert_int_equal(fs_open(h->fs, NULL, ino, O_RDONLY, &res), -ENOENT);
	h_free(h);
}

static void
test_external_delete_in_listing(void **state)
{
	struct h *h = h_new(NULL);

	(void)state;
	ext_put(h, "a", "1");
	ext_put(h, "b", "2");
	assert_ls(h, NULL, "a b");
	ext_del(h, "a");
	assert_ls(h, NULL, "a b"); /* the listing is cached for the TTL */
	h_free(h);
	h = h_new(NULL);
	h->cfg.type_cache_ttl_ms = 0;
	fs_free(h->fs);
	h->fs = fs_new(&h->cfg, h->s, NULL);
	ext_put(h, "a", "1");
	ext_put(h, "b", "2");
	assert_ls(h, NULL, "a b");
	ext_del(h, "a");
	assert_ls(h, NULL, "b");
	assert_int_equal(walk(h, "a", NULL), -ENOENT);
	h_free(h);
}

static void
test_mkdir_rmdir_unlink(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_entry e;
	uint64_t d;

	(void)state;
	objstore_fault_reset_counts(h->s);
	assert_int_equal(fs_mkdir(h->fs, NULL, FS_ROOT_INO, "d", 0755, &e), 0);
	assert_int_equal(objstore_fault_total(h->s), 1);
	assert_obj(h, "d/", "");
	d = e.ino;
	assert_int_equal(write_file(h, "d/f", "x"), 0);
	assert_int_equal(fs_rmdir(h->fs, NULL, FS_ROOT_INO, "d"), -ENOTEMPTY);
	assert_int_equal(fs_unlink(h->fs, NULL, FS_ROOT_INO, "d"), -EISDIR);
	assert_int_equal(fs_rmdir(h->fs, NULL, d, "f"), -ENOTDIR);
	assert_int_equal(fs_unlink(h->fs, NULL, d, "f"), 0);
	assert_obj(h, "d/f", NULL);
	assert_int_equal(fs_unlink(h->fs, NULL, d, "f"), -ENOENT);
	assert_int_equal(fs_rmdir(h->fs, NULL, FS_ROOT_INO, "d"), 0);
	assert_obj(h, "d/", NULL);
	assert_int_equal(objstore_mem_count(h->mem), 0);
	/* An implicit directory: empty once its last file goes. */
	ext_put(h, "i/j/k", "1");
	assert_int_equal(fs_rmdir(h->fs, NULL, FS_ROOT_INO, "i"), -ENOTEMPTY);
	h_free(h);
}

static void
test_rename(void **state)
{
	struct h *h = h_new(NULL);
	uint64_t a, b;

	(void)state;
	assert_int_equal(write_file(h, "f", "one"), 0);
	assert_int_equal(walk(h, "f", &a), 0);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "f", FS_ROOT_INO, "g", 0), 0);
	assert_obj(h, "f", NULL);
	assert_obj(h, "g", "one");
	assert_int_equal(walk(h, "g", &b), 0);
	assert_int_equal(a, b); /* the inode moved */
	/* Over an existing file. */
	assert_int_equal(write_file(h, "h", "two"), 0);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "h", FS_ROOT_INO, "g", 0), 0);
	assert_obj(h, "g", "two");
	assert_obj(h, "h", NULL);
	assert_int_equal(fs_rename(h->fs, NULL, FS_ROOT_INO, "g", FS_ROOT_INO,
	                     "g2", FS_RENAME_EXCHANGE),
	    -EINVAL);
	/* A directory, object by object, markers included. */
	ext_put(h, "d/", "");
	ext_put(h, "d/x", "1");
	ext_put(h, "d/s/y", "2");
	assert_int_equal(walk(h, "d/s/y", NULL), 0);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "d", FS_ROOT_INO, "e", 0), 0);
	assert_obj(h, "e/", "");
	assert_obj(h, "e/x", "1");
	assert_obj(h, "e/s/y", "2");
	assert_obj(h, "d/x", NULL);
	assert_file(h, "e/s/y", "2");
	assert_int_equal(walk(h, "d", NULL), -ENOENT);
	/* Type clashes and non-empty targets. */
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "g", FS_ROOT_INO, "e", 0),
	    -EISDIR);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "e", FS_ROOT_INO, "g", 0),
	    -ENOTDIR);
	ext_put(h, "k/z", "3");
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "k", FS_ROOT_INO, "e", 0),
	    -ENOTEMPTY);
	ext_put(h, "empty/", "");
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "k", FS_ROOT_INO, "empty", 0),
	    0);
	assert_obj(h, "empty/z", "3");
	assert_int_equal(fs_rename(h->fs, NULL, FS_ROOT_INO, "g", FS_ROOT_INO,
	                     "empty", FS_RENAME_NOREPLACE),
	    -EEXIST);
	h_free(h);
}

static void
test_rename_multipart_copy(void **state)
{
	struct h *h = h_new(NULL);
	char big[6000];

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ext_put(h, "big", big); /* above the mem store's 4 KiB copy limit */
	assert_int_equal(walk(h, "big", NULL), 0);
	objstore_fault_reset_counts(h->s);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "big", FS_ROOT_INO, "moved", 0),
	    0);
	assert_true(calls(h, OBJSTORE_OP_MPU_PART_COPY) >= 1);
	assert_obj(h, "moved", big);
	assert_obj(h, "big", NULL);
	h_free(h);
}

/* A file above copy_threshold is copied part by part (no CopyObject at
 * all), in parts of the fs part size but never under S3's 5 MiB. */
static void
small_threshold(struct fs_config *c)
{
	c->copy_threshold = 1ull
	    << 20; /* part_size stays the harness's 1 KiB */
}

static void
small_threshold_8m_parts(struct fs_config *c)
{
	c->copy_threshold = 1ull << 20;
	c->part_size = 8ull << 20;
}

/* Rename a `size`-byte src/big to dst/moved; check the copy's requests
 * (CopyObject and UploadPartCopy counts) and that the bytes are the same. */
static void
rename_big(void (*tweak)(struct fs_config *c), size_t size,
    unsigned long copies, unsigned long part_copies)
{
	struct h *h = h_new(tweak);
	unsigned char *data = malloc(size);
	uint64_t ino, fh, off = 0, src, dst;
	struct buf b;
	char chunk[65536];
	ssize_t n;
	uint32_t x = 2463534242u;

	assert_non_null(data);
	for (size_t i = 0; i < size; i++) { /* xorshift: no repeating parts */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	assert_int_equal(
	    objstore_put_data(h->mem, "src/big", data, size, NULL, NULL, NULL),
	    0);
	ext_put(h, "dst/", "");
	assert_int_equal(walk(h, "src/big", NULL), 0);
	assert_int_equal(walk(h, "src", &src), 0);
	assert_int_equal(walk(h, "dst", &dst), 0);
	objstore_fault_reset_counts(h->s);
	assert_int_equal(
	    fs_rename(h->fs, NULL, src, "big", dst, "moved", 0), 0);
	assert_int_equal(calls(h, OBJSTORE_OP_COPY), copies);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_PART_COPY), part_copies);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_CREATE), part_copies ? 1 : 0);
	assert_int_equal(
	    calls(h, OBJSTORE_OP_MPU_COMPLETE), part_copies ? 1 : 0);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_ABORT), 0);
	assert_obj(h, "src/big", NULL);
	/* Byte-identical in the store and through the fs. */
	buf_init(&b, size + 1);
	assert_int_equal(objstore_get_buf(h->mem, "dst/moved", 0,
	                     OBJSTORE_TO_END, NULL, &b, NULL, NULL),
	    0);
	assert_int_equal(b.len, size);
	assert_memory_equal(b.ptr, data, size);
	buf_reset(&b);
	assert_int_equal(h_open(h, "dst/moved", O_RDONLY, &ino, &fh), 0);
	while ((n = fs_read(h->fs, NULL, ino, fh, chunk, sizeof(chunk),
	            (off_t)off)) > 0) {
		buf_add(&b, chunk, (size_t)n);
		off += (uint64_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_int_equal(b.len, size);
	assert_memory_equal(b.ptr, data, size);
	buf_release(&b);
	free(data);
	h_free(h);
}

static void
test_rename_copy_threshold(void **state)
{
	const size_t big = (12ull << 20) + 12345;

	(void)state;
	/* 5 MiB + 5 MiB + the rest: the 1 KiB part size is raised to 5 MiB. */
	rename_big(small_threshold, big, 0, 3);
	/* The fs part size when above 5 MiB: 8 MiB + the rest. */
	rename_big(small_threshold_8m_parts, big, 0, 2);
	/* At or under the threshold: one CopyObject. */
	rename_big(small_threshold, 3000, 1, 0);
	/* The default threshold (5 GiB): one CopyObject tried first, here
	 * refused (-EFBIG, the mem store's 4 KiB limit), then part-copy. */
	rename_big(NULL, 6000, 1, 1);
}

static void
prefixed(struct fs_config *c)
{
	c->prefix = "/pre/fix/";
}

static void
test_prefix(void **state)
{
	struct h *h = h_new(prefixed);

	(void)state;
	ext_put(h, "pre/fix/a", "1");
	ext_put(h, "other", "2");
	assert_ls(h, NULL, "a");
	assert_int_equal(write_file(h, "b", "3"), 0);
	assert_obj(h, "pre/fix/b", "3");
	h_free(h);
}

static void
test_statfs_and_setattr_noops(void **state)
{
	struct h *h = h_new(NULL);
	struct statvfs sv;
	struct stat in = { 0 }, out;
	uint64_t ino;

	(void)state;
	assert_int_equal(fs_statfs(h->fs, NULL, FS_ROOT_INO, &sv), 0);
	assert_true((uint64_t)sv.f_blocks * sv.f_frsize >= (1ull << 50));
	assert_int_equal(write_file(h, "f", "x"), 0);
	assert_int_equal(walk(h, "f", &ino), 0);
	objstore_fault_reset_counts(h->s);
	in.st_mode = 0600;
	assert_int_equal(
	    fs_setattr(h->fs, NULL, ino, 0, &in,
	        FS_SET_MODE | FS_SET_UID | FS_SET_MTIME, &out, NULL),
	    0);
	assert_int_equal(out.st_mode & 0777, 0644); /* as goofys */
	assert_int_equal(objstore_fault_total(h->s), 0);
	h_free(h);
}

/* ls -R after mkdir on the mount and puts through S3 into the new
 * directories (the tree of mount_posix.sh): a directory made here is not
 * known to stay empty, so its first readdir lists the store, and a name
 * never looked up is found even right after a cached listing. */
static void
test_mkdir_then_external_puts(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_entry e;
	uint64_t d;

	(void)state;
	assert_int_equal(fs_mkdir(h->fs, NULL, FS_ROOT_INO, "t", 0755, &e), 0);
	d = e.ino;
	assert_int_equal(fs_mkdir(h->fs, NULL, d, "e1", 0755, &e), 0);
	ext_put(h, "t/e1/g1", "11");
	ext_put(h, "t/g0", "00");
	assert_ls(h, "t", "e1/ g0");
	assert_ls(h, "t/e1", "g1");
	/* Put after those listings: a lookup finds it, and so does the
	 * next readdir once the name was looked up. */
	ext_put(h, "t/e1/g2", "12");
	assert_file(h, "t/e1/g2", "12");
	assert_ls(h, "t/e1", "g1 g2");
	h_free(h);
}

/* ---- lookup probes in parallel ---- */

/* A store over the in-memory one whose HEAD and LIST wait (up to a second)
 * for a request of the other kind to be in flight: parallel probes meet at
 * once and record the overlap; sequential ones never can.  No timing is
 * measured: the wait only bounds how long a sequential run takes. */
struct rv {
	struct objstore base;
	struct objstore *inner;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wait;
	unsigned heads, lists, overlaps;
};

static void
rv_enter(struct rv *v, bool head)
{
	struct timespec ts;

	pthread_mutex_lock(&v->mu);
	*(head ? &v->heads : &v->lists) += 1;
	if (v->heads + v->lists > 1)
		v->overlaps++; /* counted by the second to arrive */
	pthread_cond_broadcast(&v->cv);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	while (v->wait && v->heads + v->lists < 2)
		if (pthread_cond_timedwait(&v->cv, &v->mu, &ts) != 0)
			break;
	pthread_mutex_unlock(&v->mu);
}

static void
rv_leave(struct rv *v, bool head)
{
	pthread_mutex_lock(&v->mu);
	*(head ? &v->heads : &v->lists) -= 1;
	pthread_mutex_unlock(&v->mu);
}

static int
rv_head(struct objstore *s, const char *key, struct objstore_info *info,
    struct rerr *e)
{
	struct rv *v = (struct rv *)s;
	int r;

	rv_enter(v, true);
	r = v->inner->ops->head(v->inner, key, info, e);
	rv_leave(v, true);
	return r;
}

static int
rv_list(struct objstore *s, const struct objstore_list_req *q,
    struct objstore_list_page *pg, struct rerr *e)
{
	struct rv *v = (struct rv *)s;
	int r;

	rv_enter(v, false);
	r = v->inner->ops->list(v->inner, q, pg, e);
	rv_leave(v, false);
	return r;
}

static int
rv_put(struct objstore *s, const char *key, const struct objstore_body *b,
    const struct objstore_attrs *a, unsigned flags,
    struct objstore_put_res *res, struct rerr *e)
{
	struct objstore *in = ((struct rv *)s)->inner;

	return in->ops->put(in, key, b, a, flags, res, e);
}

static void
rv_free(struct objstore *s)
{
	struct rv *v = (struct rv *)s;

	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
}

/* Lookups and mkdir need no more than these. */
static const struct objstore_ops rv_ops = {
	.name = "rendezvous",
	.head = rv_head,
	.put = rv_put,
	.list = rv_list,
	.free = rv_free,
};

static struct fs *
rv_fs(struct h *h, struct rv **out, void (*set)(struct fs_config *))
{
	struct rv *v = calloc(1, sizeof(*v));
	struct fs_config c = h->cfg;

	v->base.ops = &rv_ops;
	v->inner = h->s;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	set(&c);
	*out = v;
	return fs_new(&c, &v->base, NULL);
}

static void
no_implicit(struct fs_config *c)
{
	c->no_implicit_dir = true;
}

static void
cheap(struct fs_config *c)
{
	c->cheap = true;
}

/* A name never seen is one LIST, file and directory in one answer (goofys
 * sends a HEAD and a LIST).  With --no-implicit-dir the HEADs of "x" and
 * "x/" go out together; --cheap sends one request at a time. */
static void
test_lookup_requests(void **state)
{
	static const struct {
		const char *name;
		int r;
		bool dir;
	} cases[] = { { "none", -ENOENT, false }, { "marker", 0, true },
		{ "implicit", 0, true }, { "file", 0, false } };
	struct h *h = h_new(NULL);
	struct fs *fs;
	struct fs_entry e;
	struct rv *v;

	(void)state;
	ext_put(h, "file", "x");
	ext_put(h, "file.txt", "x");
	ext_put(h, "marker/", "");
	ext_put(h, "implicit/leaf", "y");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		objstore_fault_reset_counts(h->s);
		assert_int_equal(
		    fs_lookup(h->fs, NULL, FS_ROOT_INO, cases[i].name, &e),
		    cases[i].r);
		assert_int_equal(calls(h, OBJSTORE_OP_LIST), 1);
		assert_int_equal(objstore_fault_total(h->s), 1);
		if (cases[i].r == 0)
			assert_int_equal(S_ISDIR(e.st.st_mode), cases[i].dir);
	}
	fs = rv_fs(h, &v, no_implicit);
	v->wait = true;
	assert_int_equal(fs_lookup(fs, NULL, FS_ROOT_INO, "none", &e), -ENOENT);
	assert_int_equal(v->overlaps, 1);
	assert_int_equal(fs_lookup(fs, NULL, FS_ROOT_INO, "marker", &e), 0);
	assert_true(S_ISDIR(e.st.st_mode));
	assert_int_equal(fs_lookup(fs, NULL, FS_ROOT_INO, "file", &e), 0);
	assert_true(S_ISREG(e.st.st_mode));
	assert_int_equal(v->overlaps, 3);
	fs_free(fs);
	objstore_free(&v->base);
	fs = rv_fs(h, &v, cheap);
	assert_int_equal(fs_lookup(fs, NULL, FS_ROOT_INO, "none", &e), -ENOENT);
	assert_int_equal(fs_lookup(fs, NULL, FS_ROOT_INO, "marker", &e), 0);
	assert_int_equal(v->overlaps, 0);
	fs_free(fs);
	objstore_free(&v->base);
	h_free(h);
}

/* The lookup LIST is short (PROBE_LIST_MAX): names that sort between "d"
 * and "d/" ("d-1", "d.txt") can fill it before "d/" shows; then a second
 * request settles the directory. */
static void
test_lookup_list_short(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_entry e;
	char name[32];

	(void)state;
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "d.%02d", i);
		ext_put(h, name, "x");
	}
	ext_put(h, "d/leaf", "y");
	ext_put(h, "e.txt", "z");
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "d", &e), 0);
	assert_true(S_ISDIR(e.st.st_mode));
	assert_int_equal(
	    fs_lookup(h->fs, NULL, FS_ROOT_INO, "d.5", &e), -ENOENT);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "e", &e), -ENOENT);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "e.txt", &e), 0);
	assert_true(S_ISREG(e.st.st_mode));
	assert_int_equal(e.st.st_size, 1);
	h_free(h);
}

static void
short_ttl(struct fs_config *c)
{
	c->stat_cache_ttl_ms = 0;
	c->type_cache_ttl_ms = 0;
}

/* The answers combine as when the probes ran one after the other: the
 * file's answer wins unless it is "not found". */
static void
test_probe_precedence(void **state)
{
	struct h *h = h_new(short_ttl);
	struct objstore_fault_rule fail_head = { .ops = BIT(HEAD),
		.err = -EIO };
	struct objstore_fault_rule fail_list = { .ops = BIT(LIST),
		.err = -EIO };
	struct fs_entry e;

	(void)state;
	ext_put(h, "both", "x");
	ext_put(h, "both/", "");
	ext_put(h, "dir/f", "y");
	/* Never seen: one LIST; when it fails (a policy without ListBucket)
	 * the HEAD and the directory probe follow, and the HEAD's answer wins.
	 */
	assert_int_equal(objstore_fault_add(h->s, &fail_list), 0);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "both", &e), 0);
	assert_true(S_ISREG(e.st.st_mode));
	assert_int_equal(calls(h, OBJSTORE_OP_HEAD), 1);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "dir", &e), -EIO);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "no", &e), -EIO);
	objstore_fault_clear(h->s);
	/* The LIST answers alone: no HEAD is sent, so its fault never shows. */
	assert_int_equal(objstore_fault_add(h->s, &fail_head), 0);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "dir", &e), 0);
	assert_true(S_ISDIR(e.st.st_mode));
	assert_int_equal(
	    fs_lookup(h->fs, NULL, FS_ROOT_INO, "no", &e), -ENOENT);
	objstore_fault_clear(h->s);
	h_free(h);
}

/* Revalidating a name last seen as a file costs one HEAD, not a LIST too;
 * a file turned directory behind the mount's back is still found. */
static void
test_revalidate_file_one_head(void **state)
{
	struct h *h = h_new(short_ttl);
	struct fs_entry e;

	(void)state;
	ext_put(h, "f", "x");
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "f", &e), 0);
	objstore_fault_reset_counts(h->s);
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "f", &e), 0);
	assert_int_equal(calls(h, OBJSTORE_OP_HEAD), 1);
	assert_int_equal(objstore_fault_total(h->s), 1);
	ext_del(h, "f");
	ext_put(h, "f/g", "y");
	assert_int_equal(fs_lookup(h->fs, NULL, FS_ROOT_INO, "f", &e), 0);
	assert_true(S_ISDIR(e.st.st_mode));
	h_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_kinds),
		cmocka_unit_test(test_readdir),
		cmocka_unit_test(test_readdir_plus_and_paging),
		cmocka_unit_test(test_new_name_not_hidden),
		cmocka_unit_test(test_revalidate_on_open),
		cmocka_unit_test(test_external_delete_in_listing),
		cmocka_unit_test(test_mkdir_rmdir_unlink),
		cmocka_unit_test(test_mkdir_then_external_puts),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_rename_multipart_copy),
		cmocka_unit_test(test_rename_copy_threshold),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_statfs_and_setattr_noops),
		cmocka_unit_test(test_lookup_requests),
		cmocka_unit_test(test_lookup_list_short),
		cmocka_unit_test(test_probe_precedence),
		cmocka_unit_test(test_revalidate_file_one_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
