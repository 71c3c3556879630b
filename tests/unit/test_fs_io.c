/*
 * fs content: small files as one PUT, streams as multipart uploads,
 * appends, random writes, truncate and O_RDWR edits through staging (and
 * goofys's ENOTSUP without it), reads with readahead (and replies from its
 * chunks), upload errors at close, the opener-only flush rule, fsync, xattrs
 * and symlinks.
 */
#include "fs_harness.h"

static void
test_create_one_put(void **state)
{
	struct h *h = h_new(NULL);

	(void)state;
	objstore_fault_reset_counts(h->s);
	assert_int_equal(write_file(h, "small", "hello"), 0);
	/* The kernel's negative lookup before create: one LIST. */
	assert_int_equal(calls(h, OBJSTORE_OP_LIST), 1);
	assert_int_equal(calls(h, OBJSTORE_OP_PUT), 1);
	assert_int_equal(objstore_fault_total(h->s), 2);
	assert_obj(h, "small", "hello");
	/* touch: an empty object. */
	assert_int_equal(write_file(h, "empty", ""), 0);
	assert_obj(h, "empty", "");
	/* Until the close, readdir shows the new file. */
	{
		uint64_t ino, fh;

		assert_int_equal(
		    h_open(h, "pending", O_WRONLY | O_CREAT, &ino, &fh), 0);
		assert_ls(h, NULL, "empty pending small");
		assert_obj(h, "pending", NULL);
		assert_int_equal(h_close(h, ino, fh), 0);
		assert_obj(h, "pending", "");
	}
	h_free(h);
}

static void
test_stream_multipart(void **state)
{
	struct h *h = h_new(NULL);
	char data[10001], *got;
	uint64_t ino, fh;

	(void)state;
	for (size_t i = 0; i < sizeof(data) - 1; i++)
		data[i] = (char)('a' + i % 26);
	data[sizeof(data) - 1] = '\0';
	objstore_fault_reset_counts(h->s);
	assert_int_equal(h_open(h, "big", O_WRONLY | O_CREAT, &ino, &fh), 0);
	for (size_t off = 0; off < sizeof(data) - 1; off += 700) {
		size_t n =
		    sizeof(data) - 1 - off < 700 ? sizeof(data) - 1 - off : 700;
		assert_int_equal(
		    fs_write(h->fs, NULL, ino, fh, data + off, n, (off_t)off),
		    (ssize_t)n);
	}
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_CREATE), 1);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_PART), 10);
	assert_int_equal(calls(h, OBJSTORE_OP_MPU_COMPLETE), 1);
	assert_int_equal(calls(h, OBJSTORE_OP_PUT), 0);
	assert_obj(h, "big", data);
	/* Read back through readahead, and a random read. */
	assert_file(h, "big", data);
	got = calloc(1, 100);
	assert_int_equal(h_open(h, "big", O_RDONLY, &ino, &fh), 0);
	assert_int_equal(fs_read(h->fs, NULL, ino, fh, got, 10, 9000), 10);
	assert_memory_equal(got, data + 9000, 10);
	assert_int_equal(fs_read(h->fs, NULL, ino, fh, got, 10, 20000), 0);
	h_close(h, ino, fh);
	free(got);
	h_free(h);
}

static void
test_append_random_truncate(void **state)
{
	struct h *h = h_new(NULL);
	struct stat in = { 0 }, out;
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(write_file(h, "f", "hello"), 0);
	/* >> : the kernel writes at the end. */
	assert_int_equal(h_open(h, "f", O_WRONLY | O_APPEND, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, " world", 5), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "hello world");
	/* An edit in the middle, O_RDWR. */
	assert_int_equal(h_open(h, "f", O_RDWR, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "J", 0), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "W", 6), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "Jello World");
	/* ftruncate, and truncate(2) by name. */
	assert_int_equal(h_open(h, "f", O_RDWR, &ino, &fh), 0);
	in.st_size = 5;
	assert_int_equal(
	    fs_setattr(h->fs, NULL, ino, fh, &in, FS_SET_SIZE, &out, NULL), 0);
	assert_int_equal(out.st_size, 5);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "Jello");
	in.st_size = 2;
	assert_int_equal(
	    fs_setattr(h->fs, NULL, ino, 0, &in, FS_SET_SIZE, &out, NULL), 0);
	assert_obj(h, "f", "Je");
	in.st_size = 0;
	assert_int_equal(
	    fs_setattr(h->fs, NULL, ino, 0, &in, FS_SET_SIZE, &out, NULL), 0);
	assert_obj(h, "f", "");
	/* Write past the end: a hole of zeros. */
	assert_int_equal(h_open(h, "g", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "ab", 0), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "z", 4), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	{
		char *g = obj(h, "g");

		assert_memory_equal(g, "ab\0\0z", 5);
		free(g);
	}
	h_free(h);
}

static void
no_staging(struct fs_config *c)
{
	c->staging_dir = "";
}

static void
test_goofys_without_staging(void **state)
{
	struct h *h = h_new(no_staging);
	struct stat in = { 0 }, out;
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(write_file(h, "f", "hello"), 0);
	assert_int_equal(h_open(h, "f", O_WRONLY | O_APPEND, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "x", 5), -ENOTSUP);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "hello");
	in.st_size = 2;
	assert_int_equal(
	    fs_setattr(h->fs, NULL, ino, 0, &in, FS_SET_SIZE, &out, NULL),
	    -ENOTSUP);
	/* Overwriting from 0 works, as in goofys. */
	assert_int_equal(write_file(h, "f", "bye"), 0);
	assert_obj(h, "f", "bye");
	h_free(h);
}

static void
test_upload_error_at_close(void **state)
{
	struct h *h = h_new(NULL);
	struct objstore_fault_rule r = { .ops = BIT(PUT), .err = -EIO };
	struct objstore_fault_rule p = {
		.ops = BIT(MPU_PART), .nth = 3, .count = 1, .err = -ECONNRESET
	};
	char big[5000];
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(write_file(h, "f", "old"), 0);
	assert_int_equal(objstore_fault_add(h->s, &r), 0);
	assert_int_equal(write_file(h, "f", "new"), -EIO);
	assert_obj(h, "f", "old");
	objstore_fault_clear(h->s);
	/* A failed part: close fails, the upload is aborted. */
	memset(big, 'b', sizeof(big));
	assert_int_equal(objstore_fault_add(h->s, &p), 0);
	assert_int_equal(h_open(h, "f", O_WRONLY | O_TRUNC, &ino, &fh), 0);
	assert_int_equal(
	    fs_write(h->fs, NULL, ino, fh, big, sizeof(big), 0), sizeof(big));
	assert_int_equal(h_close(h, ino, fh), -EIO);
	assert_obj(h, "f", "old");
	assert_int_equal(objstore_mem_uploads(h->mem), 0);
	h_free(h);
}

static void
test_flush_by_opener_only(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_ctx child = ctx_pid(200), parent = ctx_pid(100);
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(h_open(h, "f", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "data", 0), 0);
	/* A forked child closes the shared descriptor: nothing uploads. */
	assert_int_equal(fs_flush(h->fs, &child, ino, fh), 0);
	assert_obj(h, "f", NULL);
	assert_int_equal(h_pwrite(h, ino, fh, "more", 4), 0);
	assert_int_equal(fs_flush(h->fs, &parent, ino, fh), 0);
	assert_obj(h, "f", "datamore");
	fs_release(h->fs, &parent, ino, fh);
	/* Only the child's close came (the parent died): release uploads. */
	assert_int_equal(h_open(h, "g", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "late", 0), 0);
	assert_int_equal(fs_flush(h->fs, &child, ino, fh), 0);
	fs_release(h->fs, &child, ino, fh);
	assert_obj(h, "g", "late");
	h_free(h);
}

static bool
holds_yes(const struct fs_ctx *x, uint64_t ino)
{
	(void)x;
	(void)ino;
	return true;
}

static void
test_flush_dup_left(void **state)
{
	struct h *h = h_new(NULL);
	struct fs_ctx x = ctx_pid(100);
	uint64_t ino, fh, rfh;

	(void)state;
	x.holds = holds_yes;
	/* `echo hi > f`: the first descriptor closes, its dup stays open. */
	assert_int_equal(h_open(h, "f", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(fs_flush(h->fs, &x, ino, fh), 0);
	assert_obj(h, "f", NULL);
	assert_int_equal(h_pwrite(h, ino, fh, "hi", 0), 0);
	assert_int_equal(fs_flush(h->fs, &x, ino, fh), 0);
	assert_obj(h, "f", NULL);
	assert_int_equal(h_close(h, ino, fh), 0); /* the last descriptor */
	assert_obj(h, "f", "hi");
	/* Two handles: a descriptor left may be the other open, whose close
	 * would not upload; this close does. */
	assert_int_equal(h_open(h, "f", O_WRONLY | O_TRUNC, &ino, &fh), 0);
	assert_int_equal(h_open(h, "f", O_RDONLY, &ino, &rfh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "x", 0), 0);
	assert_int_equal(fs_flush(h->fs, &x, ino, fh), 0);
	assert_obj(h, "f", "x");
	fs_release(h->fs, &x, ino, fh);
	assert_int_equal(h_close(h, ino, rfh), 0);
	h_free(h);
}

static void
test_fsync(void **state)
{
	struct h *h = h_new(NULL);
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(h_open(h, "f", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "abc", 0), 0);
	assert_int_equal(fs_fsync(h->fs, NULL, ino, fh, false), 0);
	assert_obj(h, "f", "abc");
	assert_int_equal(h_pwrite(h, ino, fh, "def", 3), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "abcdef");
	h_free(h);
}

static void
test_read_own_stream(void **state)
{
	struct h *h = h_new(NULL);
	uint64_t ino, fh;
	char buf[16];

	(void)state;
	assert_int_equal(h_open(h, "f", O_RDWR | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "hello", 0), 0);
	assert_int_equal(fs_read(h->fs, NULL, ino, fh, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(h_pwrite(h, ino, fh, "!", 5), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", "hello!");
	h_free(h);
}

static void
test_unlink_while_writing(void **state)
{
	struct h *h = h_new(NULL);
	uint64_t ino, fh;

	(void)state;
	assert_int_equal(h_open(h, "f", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "x", 0), 0);
	assert_int_equal(fs_unlink(h->fs, NULL, FS_ROOT_INO, "f"), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "f", NULL);
	assert_int_equal(walk(h, "f", NULL), -ENOENT);
	/* Renamed while written: the upload goes to the new name. */
	assert_int_equal(h_open(h, "a", O_WRONLY | O_CREAT, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "moved", 0), 0);
	assert_int_equal(
	    fs_rename(h->fs, NULL, FS_ROOT_INO, "a", FS_ROOT_INO, "b", 0), 0);
	assert_int_equal(h_close(h, ino, fh), 0);
	assert_obj(h, "a", NULL);
	assert_obj(h, "b", "moved");
	h_free(h);
}

static void
test_xattrs(void **state)
{
	struct h *h = h_new(NULL);
	char buf[256];
	uint64_t ino;
	ssize_t n;

	(void)state;
	assert_int_equal(write_file(h, "f", "x"), 0);
	assert_int_equal(walk(h, "f", &ino), 0);
	assert_int_equal(
	    fs_setxattr(h->fs, NULL, ino, "user.Color", "blue\n", 5, 0), 0);
	assert_int_equal(
	    fs_getxattr(h->fs, NULL, ino, "user.Color", NULL, 0), 5);
	n = fs_getxattr(h->fs, NULL, ino, "user.Color", buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "blue\n", 5);
	assert_int_equal(
	    fs_getxattr(h->fs, NULL, ino, "user.Color", buf, 2), -ERANGE);
	assert_int_equal(fs_setxattr(h->fs, NULL, ino, "user.Color", "r", 1,
	                     FS_XATTR_CREATE),
	    -EEXIST);
	assert_int_equal(
	    fs_setxattr(h->fs, NULL, ino, "s3.etag", "r", 1, 0), -EPERM);
	assert_int_equal(
	    fs_setxattr(h->fs, NULL, ino, "trusted.x", "r", 1, 0), -ENOTSUP);
	n = fs_listxattr(h->fs, NULL, ino, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)sizeof("s3.etag\0user.Color"));
	assert_memory_equal(buf, "s3.etag\0user.Color", (size_t)n);
	assert_int_equal(
	    fs_getxattr(h->fs, NULL, ino, "s3.etag", buf, sizeof(buf)), 32);
	assert_obj(h, "f", "x"); /* the content survived the self-copy */
	assert_int_equal(fs_removexattr(h->fs, NULL, ino, "user.Color"), 0);
	assert_int_equal(
	    fs_getxattr(h->fs, NULL, ino, "user.Color", buf, sizeof(buf)),
	    -ENODATA);
	assert_int_equal(
	    fs_removexattr(h->fs, NULL, ino, "user.Color"), -ENODATA);
	h_free(h);
}

static void
symlinks_on(struct fs_config *c)
{
	c->enable_symlinks = true;
}

static void
test_symlinks(void **state)
{
	struct h *h = h_new(symlinks_on);
	struct fs_entry e;
	char *t = NULL;
	uint64_t ino;

	(void)state;
	assert_int_equal(
	    fs_symlink(h->fs, NULL, "../target", FS_ROOT_INO, "l", &e), 0);
	assert_true(S_ISLNK(e.st.st_mode));
	assert_int_equal(fs_readlink(h->fs, NULL, e.ino, &t), 0);
	assert_string_equal(t, "../target");
	free(t);
	h_free(h);
	/* Another mount sees it as a symlink too (through a HEAD). */
	h = h_new(symlinks_on);
	{
		struct objstore_meta m = { "--symlink-target", "dest" };
		struct objstore_attrs a = { .meta = &m, .nmeta = 1 };
		struct objstore_body b = { .data = "", .size = 0 };

		assert_int_equal(
		    objstore_put(h->mem, "l", &b, &a, 0, NULL, NULL), 0);
	}
	assert_ls(h, NULL, "l");
	assert_int_equal(walk(h, "l", &ino), 0);
	assert_int_equal(fs_readlink(h->fs, NULL, ino, &t), 0);
	assert_string_equal(t, "dest");
	free(t);
	h_free(h);
	h = h_new(NULL);
	assert_int_equal(
	    fs_symlink(h->fs, NULL, "x", FS_ROOT_INO, "l", &e), -ENOSYS);
	h_free(h);
}

/* Read [off, off+n) the way FUSE does (pieces of fs_read_buf), check it
 * against `want`; the pieces stay held in `rb` for the caller. */
static void
read_pieces(struct h *h, uint64_t ino, uint64_t fh, const char *want,
    size_t wlen, uint64_t off, size_t n, struct fs_read_buf *rb)
{
	size_t at = 0,
	       expect = off >= wlen ? 0
	    : wlen - off < n        ? wlen - (size_t)off
	                            : n;

	assert_int_equal(fs_read_buf(h->fs, NULL, ino, fh, n, (off_t)off, rb),
	    (ssize_t)expect);
	for (int i = 0; i < rb->n; i++) {
		assert_memory_equal(
		    rb->iov[i].iov_base, want + off + at, rb->iov[i].iov_len);
		at += rb->iov[i].iov_len;
	}
	assert_int_equal(at, expect);
}

/* Replies from the readahead chunks themselves: pinned while held, valid
 * even when the reader moves away and the chunks are dropped; a random
 * read gets a piece of its own; all of it is given back. */
static void
test_read_pieces(void **state)
{
	struct h *h = h_new(NULL);
	size_t len = 40000000;
	char *data = malloc(len + 1), *other = malloc(len + 1);
	struct fs_read_buf held, rb;
	struct fs_stats st;
	uint64_t ino, fh, ino2, fh2;
	bool chunked = false;

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + (i * 7 + i / 4093) % 26);
	data[len] = '\0';
	ext_put(h, "big", data);
	assert_int_equal(h_open(h, "big", O_RDONLY, &ino, &fh), 0);
	read_pieces(h, ino, fh, data, len, 0, 131072, &held);
	for (uint64_t off = 131072; off < 1000000; off += 131072) {
		read_pieces(h, ino, fh, data, len, off, 131072, &rb);
		for (int i = 0; i < rb.n; i++)
			chunked |= rb.pin[i] != NULL;
		fs_read_release(&rb);
	}
	assert_true(chunked); /* sequential reads came from chunks */
	/* Far ahead (beyond RA_AHEAD): the streak ends, its chunks go (the
	 * held one stays). */
	read_pieces(h, ino, fh, data, len, 39000000, 4000, &rb);
	assert_int_equal(rb.n, 1);
	assert_null(rb.pin[0]);
	fs_read_release(&rb);
	/* Another file's chunks take the buffers given back meanwhile. */
	memset(other, 'o', len);
	other[len] = '\0';
	ext_put(h, "other", other);
	assert_int_equal(h_open(h, "other", O_RDONLY, &ino2, &fh2), 0);
	for (uint64_t off = 0; off < len; off += 131072) {
		read_pieces(h, ino2, fh2, other, len, off, 131072, &rb);
		fs_read_release(&rb);
	}
	assert_int_equal(h_close(h, ino2, fh2), 0);
	assert_memory_equal(held.iov[0].iov_base, data, held.iov[0].iov_len);
	fs_read_release(&held);
	read_pieces(h, ino, fh, data, len, len, 100, &rb); /* EOF */
	assert_int_equal(rb.n, 0);
	fs_read_release(&rb);
	assert_int_equal(h_close(h, ino, fh), 0);
	/* A staged file's bytes come in a piece of their own too. */
	assert_int_equal(h_open(h, "big", O_RDWR, &ino, &fh), 0);
	assert_int_equal(h_pwrite(h, ino, fh, "XY", 10), 0);
	data[10] = 'X';
	data[11] = 'Y';
	read_pieces(h, ino, fh, data, len, 5, 20, &rb);
	fs_read_release(&rb);
	assert_int_equal(h_close(h, ino, fh), 0);
	fs_get_stats(h->fs, &st);
	assert_int_equal(st.mem_used, 0);
	free(data);
	free(other);
	h_free(h);
}

static void
tiny_budget(struct fs_config *c)
{
	c->memory_limit = 2048;
	c->read_ahead = 1 << 20;
}

static void
test_memory_budget(void **state)
{
	struct h *h = h_new(tiny_budget);
	struct fs_stats st;
	char data[20001];

	(void)state;
	memset(data, 'm', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\0';
	assert_int_equal(write_file(h, "f", data), 0);
	assert_obj(h, "f", data);
	assert_file(h, "f", data);
	fs_get_stats(h->fs, &st);
	assert_int_equal(st.mem_used, 0);
	assert_int_equal(st.handles, 0);
	assert_int_equal(st.staged, 0);
	h_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_one_put),
		cmocka_unit_test(test_stream_multipart),
		cmocka_unit_test(test_append_random_truncate),
		cmocka_unit_test(test_goofys_without_staging),
		cmocka_unit_test(test_upload_error_at_close),
		cmocka_unit_test(test_flush_by_opener_only),
		cmocka_unit_test(test_flush_dup_left),
		cmocka_unit_test(test_fsync),
		cmocka_unit_test(test_read_own_stream),
		cmocka_unit_test(test_unlink_while_writing),
		cmocka_unit_test(test_xattrs),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_memory_budget),
		cmocka_unit_test(test_read_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
