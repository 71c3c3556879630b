/*
 * fs_harness - what the fs unit tests share: a file system over the
 * in-memory store behind the fault wrapper (which counts requests), and
 * small helpers that do what the kernel would (lookup, create, write,
 * close) with the checks inline.
 */
#ifndef TESTS_FS_HARNESS_H
#define TESTS_FS_HARNESS_H

#include "roma.h"
#include "fs/fs.h"
#include "objstore/fault.h"
#include "objstore/mem.h"
#include "objstore/objstore.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define BIT(op) OBJSTORE_OP_BIT(OBJSTORE_OP_##op)

struct h {
	struct objstore *mem;
	struct objstore *s; /* fault wrapper over mem, what the fs uses */
	struct fs *fs;
	struct fs_config cfg;
	char staging[64];
};

static UNUSED struct h *
h_new(void (*tweak)(struct fs_config *c))
{
	struct objstore_mem_opts o = { .part_min = 1, .copy_max = 4096 };
	struct h *h = calloc(1, sizeof(*h));
	struct rerr e;

	h->mem = objstore_mem_new(&o);
	h->s = objstore_fault_new(h->mem, false, 7);
	snprintf(h->staging, sizeof(h->staging), "/tmp/roma-fs-test.XXXXXX");
	assert_non_null(mkdtemp(h->staging));
	fs_config_defaults(&h->cfg);
	h->cfg.stat_cache_ttl_ms = 300000; /* the guide's 5m */
	h->cfg.type_cache_ttl_ms = 300000;
	h->cfg.part_size = 1024;
	h->cfg.read_ahead = 4096;
	h->cfg.max_parallel = 4;
	h->cfg.staging_dir = h->staging;
	if (tweak != NULL)
		tweak(&h->cfg);
	h->fs = fs_new(&h->cfg, h->s, &e);
	assert_non_null(h->fs);
	return h;
}

static UNUSED void
h_free(struct h *h)
{
	fs_free(h->fs);
	objstore_free(h->s);
	objstore_free(h->mem);
	assert_int_equal(rmdir(h->staging), 0); /* nothing left behind */
	free(h);
}

static UNUSED unsigned long
calls(struct h *h, enum objstore_op op)
{
	return objstore_fault_calls(h->s, op);
}

/* Put an object behind the file system's back. */
static UNUSED void
ext_put(struct h *h, const char *key, const char *data)
{
	assert_int_equal(objstore_put_data(
	                     h->mem, key, data, strlen(data), NULL, NULL, NULL),
	    0);
}

static UNUSED void
ext_del(struct h *h, const char *key)
{
	assert_int_equal(objstore_delete(h->mem, key, NULL), 0);
}

/* The object's content, or NULL if absent (malloc'd). */
static UNUSED char *
obj(struct h *h, const char *key)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 24);
	if (objstore_get_buf(
	        h->mem, key, 0, OBJSTORE_TO_END, NULL, &b, NULL, NULL) != 0) {
		buf_release(&b);
		return NULL;
	}
	buf_addc(&b, '\0');
	s = buf_detach(&b, NULL);
	return s;
}

static UNUSED void
assert_obj(struct h *h, const char *key, const char *want)
{
	char *got = obj(h, key);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static UNUSED int
lookup(struct h *h, uint64_t parent, const char *name, uint64_t *ino)
{
	struct fs_entry e;
	int r = fs_lookup(h->fs, NULL, parent, name, &e);

	if (r == 0 && ino != NULL)
		*ino = e.ino;
	return r;
}

/* Resolve "a/b/c" from the root, as the kernel would. */
static UNUSED int
walk(struct h *h, const char *path, uint64_t *ino)
{
	char *p = strdup(path), *save = NULL, *c;
	uint64_t cur = FS_ROOT_INO;
	int r = 0;

	for (c = strtok_r(p, "/", &save); c && r == 0;
	     c = strtok_r(NULL, "/", &save))
		r = lookup(h, cur, c, &cur);
	free(p);
	if (r == 0 && ino != NULL)
		*ino = cur;
	return r;
}

/* Split "a/b/c" into the parent's inode and "c". */
static UNUSED int
parent_of(struct h *h, const char *path, uint64_t *dir, const char **name)
{
	const char *slash = strrchr(path, '/');
	char *d;
	int r;

	if (slash == NULL) {
		*dir = FS_ROOT_INO;
		*name = path;
		return 0;
	}
	d = strndup(path, (size_t)(slash - path));
	r = walk(h, d, dir);
	free(d);
	*name = slash + 1;
	return r;
}

static UNUSED struct fs_ctx
ctx_pid(pid_t pid)
{
	struct fs_ctx x = { .pid = pid };

	return x;
}

/* open(2) with `flags` (O_CREAT through create) on a path. */
static UNUSED int
h_open(struct h *h, const char *path, int flags, uint64_t *ino, uint64_t *fh)
{
	struct fs_ctx x = ctx_pid(100);
	struct fs_open_res res;
	struct fs_entry e;
	const char *name;
	uint64_t dir;
	int r;

	r = walk(h, path, ino);
	if (r == -ENOENT && (flags & O_CREAT)) {
		r = parent_of(h, path, &dir, &name);
		if (r != 0)
			return r;
		r = fs_create(h->fs, &x, dir, name, 0644, flags, &e, &res);
		if (r == 0) {
			*ino = e.ino;
			*fh = res.fh;
		}
		return r;
	}
	if (r != 0)
		return r;
	r = fs_open(h->fs, &x, *ino, flags, &res);
	if (r == 0)
		*fh = res.fh;
	return r;
}

/* close(2): flush by the opener, then release; the flush's error. */
static UNUSED int
h_close(struct h *h, uint64_t ino, uint64_t fh)
{
	struct fs_ctx x = ctx_pid(100);
	int r = fs_flush(h->fs, &x, ino, fh);

	fs_release(h->fs, &x, ino, fh);
	fs_forget(h->fs, ino, 0);
	return r;
}

static UNUSED int
h_pwrite(struct h *h, uint64_t ino, uint64_t fh, const char *data, off_t off)
{
	ssize_t n = fs_write(h->fs, NULL, ino, fh, data, strlen(data), off);

	if (n < 0)
		return (int)n;
	assert_int_equal(n, (ssize_t)strlen(data));
	return 0;
}

/* Write a whole file: create/truncate, write, close. */
static UNUSED int
write_file(struct h *h, const char *path, const char *data)
{
	uint64_t ino, fh;
	int r;

	r = h_open(h, path, O_WRONLY | O_CREAT | O_TRUNC, &ino, &fh);
	if (r != 0)
		return r;
	r = data[0] ? h_pwrite(h, ino, fh, data, 0) : 0;
	if (r != 0) {
		h_close(h, ino, fh);
		return r;
	}
	return h_close(h, ino, fh);
}

/* Read a whole file (malloc'd string) or NULL with *err. */
static UNUSED char *
read_file(struct h *h, const char *path, int *err)
{
	uint64_t ino, fh, off = 0;
	struct buf b;
	char chunk[777];
	ssize_t n;
	int r;

	r = h_open(h, path, O_RDONLY, &ino, &fh);
	if (r != 0) {
		if (err)
			*err = r;
		return NULL;
	}
	buf_init(&b, 1 << 24);
	while ((n = fs_read(h->fs, NULL, ino, fh, chunk, sizeof(chunk),
	            (off_t)off)) > 0) {
		buf_add(&b, chunk, (size_t)n);
		off += (uint64_t)n;
	}
	h_close(h, ino, fh);
	if (n < 0) {
		buf_release(&b);
		if (err)
			*err = (int)n;
		return NULL;
	}
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

static UNUSED void
assert_file(struct h *h, const char *path, const char *want)
{
	int err = 0;
	char *got = read_file(h, path, &err);

	if (got == NULL)
		fail_msg("read %s: %s", path, strerror(-err));
	assert_string_equal(got, want);
	free(got);
}

struct names {
	char s[65536];
	size_t n;
};

static UNUSED int
names_fill(void *arg, const char *name, const struct fs_entry *e, off_t next)
{
	struct names *nm = arg;

	(void)next;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	nm->n +=
	    (size_t)snprintf(nm->s + nm->n, sizeof(nm->s) - nm->n, "%s%s%s",
	        nm->n ? " " : "", name, S_ISDIR(e->st.st_mode) ? "/" : "");
	return 0;
}

/* "a b/ c" (dirs with a slash), or "" ; NULL path: the root. */
static UNUSED char *
ls(struct h *h, const char *path, bool plus)
{
	struct names *nm = calloc(1, sizeof(*nm));
	uint64_t ino = FS_ROOT_INO, fh;
	char *s;

	if (path != NULL)
		assert_int_equal(walk(h, path, &ino), 0);
	assert_int_equal(fs_opendir(h->fs, NULL, ino, &fh), 0);
	assert_int_equal(
	    fs_readdir(h->fs, NULL, ino, fh, 0, plus, names_fill, nm), 0);
	fs_releasedir(h->fs, ino, fh);
	s = strdup(nm->s);
	free(nm);
	return s;
}

static UNUSED void
assert_ls(struct h *h, const char *path, const char *want)
{
	char *got = ls(h, path, false);

	assert_string_equal(got, want);
	free(got);
}

#endif
