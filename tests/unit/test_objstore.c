/*
 * Unit tests for objstore/mem: the in-memory store must behave as S3 does,
 * since fs/ and storage/ are tested against it.
 */
#include "roma.h"
#include "objstore/mem.h"
#include "objstore/objstore.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/md5.h"
#include "util/rerr.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define T0 1700000000

static struct objstore *
new_store(void)
{
	struct objstore_mem_opts o = { .part_min = 4, .copy_max = 100 };
	struct objstore *s = objstore_mem_new(&o);

	objstore_mem_set_time(s, T0);
	return s;
}

static void
put(struct objstore *s, const char *key, const char *data)
{
	assert_int_equal(
	    objstore_put_data(s, key, data, strlen(data), NULL, NULL, NULL), 0);
}

static void
assert_content(struct objstore *s, const char *key, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(
	    objstore_get_buf(s, key, 0, OBJSTORE_TO_END, NULL, &b, NULL, NULL),
	    0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.ptr, want, b.len);
	buf_release(&b);
}

static void
md5hex(const void *p, size_t n, char *out)
{
	unsigned char raw[MD5_LEN];

	md5_digest(p, n, raw);
	crypto_hex(raw, MD5_LEN, out);
}

static void
test_put_head_get(void **state)
{
	struct objstore_meta meta[] = { { "Color", "blue" } };
	struct objstore_attrs a = { "text/plain", meta, 1 };
	struct objstore_body body = { .data = "hello", .size = 5 };
	struct objstore *s = new_store();
	struct objstore_info info;
	struct objstore_put_res res;
	struct rerr e;

	(void)state;
	assert_int_equal(objstore_put(s, "k", &body, &a, 0, &res, &e), 0);
	assert_string_equal(res.etag, "5d41402abc4b2a76b9719d911017c592");
	assert_int_equal(res.mtime, T0);
	assert_int_equal(objstore_head(s, "k", &info, &e), 0);
	assert_int_equal(info.size, 5);
	assert_int_equal(info.mtime, T0);
	assert_string_equal(info.etag, res.etag);
	assert_string_equal(info.content_type, "text/plain");
	assert_int_equal(info.nmeta, 1);
	assert_string_equal(info.meta[0].name, "color"); /* lower-cased */
	assert_string_equal(info.meta[0].value, "blue");
	objstore_info_release(&info);
	objstore_info_release(&info); /* twice is harmless */

	put(s, "empty", "");
	assert_int_equal(objstore_head(s, "empty", &info, &e), 0);
	assert_string_equal(info.etag, "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(info.content_type, "binary/octet-stream");
	objstore_info_release(&info);
	assert_content(s, "empty", "");

	assert_int_equal(objstore_head(s, "nope", &info, &e), -ENOENT);
	assert_int_equal(e.err, ENOENT);
	assert_int_equal(e.http_status, 404);
	assert_int_equal(objstore_head(s, "", &info, &e), -EINVAL);
	objstore_free(s);
}

static void
test_ranges(void **state)
{
	struct objstore *s = new_store();
	struct objstore_info info;
	struct buf b = BUF_INIT;
	struct rerr e;

	(void)state;
	put(s, "k", "0123456789");
	assert_int_equal(
	    objstore_get_buf(s, "k", 2, 3, NULL, &b, &info, &e), 0);
	assert_string_equal(b.ptr, "234");
	assert_int_equal(info.size, 10); /* the whole object */
	buf_reset(&b);
	/* A range running past the end stops at it. */
	assert_int_equal(
	    objstore_get_buf(s, "k", 8, 100, info.etag, &b, NULL, &e), 0);
	assert_string_equal(b.ptr, "89");
	buf_reset(&b);
	/* At or past the end: no bytes, no error (a read at EOF). */
	assert_int_equal(
	    objstore_get_buf(s, "k", 10, 5, NULL, &b, NULL, &e), 0);
	assert_int_equal(
	    objstore_get_buf(s, "k", 99, OBJSTORE_TO_END, NULL, &b, NULL, &e),
	    0);
	assert_int_equal(b.len, 0);
	/* The object changed under a reader holding the old etag. */
	put(s, "k", "changed");
	assert_int_equal(
	    objstore_get_buf(s, "k", 0, 4, info.etag, &b, NULL, &e), -ESTALE);
	assert_int_equal(e.http_status, 412);
	assert_int_equal(b.len, 0);
	assert_int_equal(
	    objstore_get_buf(s, "k", 0, 0, NULL, &b, NULL, &e), -EINVAL);
	assert_int_equal(
	    objstore_get_buf(s, "x", 0, 1, NULL, &b, NULL, &e), -ENOENT);
	objstore_info_release(&info);
	buf_release(&b);
	objstore_free(s);
}

static int
read_pattern(void *p, size_t n, uint64_t off, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < n; i++)
		((unsigned char *)p)[i] = (unsigned char)((off + i) * 7);
	return 0;
}

static int
read_fails(void *p, size_t n, uint64_t off, void *arg)
{
	(void)p, (void)n, (void)off, (void)arg;
	return -EIO;
}

static void
test_put_read_and_create(void **state)
{
	struct objstore_body body = { .size = 3 << 20, .read = read_pattern };
	struct objstore *s = new_store();
	struct objstore_put_res res;
	struct buf b = BUF_INIT;
	unsigned char *want = malloc(body.size);
	char hex[2 * MD5_LEN + 1];
	struct rerr e;

	(void)state;
	read_pattern(want, body.size, 0, NULL);
	md5hex(want, body.size, hex);
	assert_int_equal(objstore_put(s, "r", &body, NULL, 0, &res, &e), 0);
	assert_string_equal(res.etag, hex);
	assert_int_equal(
	    objstore_get_buf(s, "r", 0, OBJSTORE_TO_END, NULL, &b, NULL, &e),
	    0);
	assert_memory_equal(b.ptr, want, body.size);
	/* Create-only: a second create fails, the first object stays. */
	body.size = 10;
	assert_int_equal(
	    objstore_put(s, "r", &body, NULL, OBJSTORE_PUT_CREATE, NULL, &e),
	    -EEXIST);
	assert_int_equal(
	    objstore_put(s, "new", &body, NULL, OBJSTORE_PUT_CREATE, NULL, &e),
	    0);
	/* A body that cannot be read stores nothing. */
	body.read = read_fails;
	assert_int_equal(
	    objstore_put(s, "bad", &body, NULL, 0, NULL, &e), -EIO);
	assert_int_equal(objstore_mem_count(s), 2);
	buf_release(&b);
	free(want);
	objstore_free(s);
}

static void
test_delete(void **state)
{
	const char *keys[] = { "a", "missing", "b" };
	struct objstore *s = new_store();
	struct rerr e;
	int errs[3];

	(void)state;
	put(s, "a", "1");
	put(s, "b", "2");
	put(s, "c", "3");
	assert_int_equal(objstore_delete(s, "c", &e), 0);
	assert_int_equal(objstore_delete(s, "c", &e), 0); /* absent: fine */
	assert_int_equal(objstore_delete_many(s, keys, 3, errs, &e), 0);
	assert_int_equal(errs[0] | errs[1] | errs[2], 0);
	assert_int_equal(objstore_mem_count(s), 0);
	objstore_free(s);
}

/* Render a page as "entries|prefixes|token" for compact assertions. */
static void
render(const struct objstore_list_page *pg, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < pg->nentries; i++)
		buf_addf(out, "%s%s", i ? "," : "", pg->entries[i].key);
	buf_adds(out, "|");
	for (i = 0; i < pg->nprefixes; i++)
		buf_addf(out, "%s%s", i ? "," : "", pg->prefixes[i]);
	if (pg->truncated)
		buf_adds(out, "|more");
}

static const char *
list1(struct objstore *s, const char *prefix, const char *delim,
    const char *after, unsigned max, struct buf *out)
{
	struct objstore_list_req q = { prefix, delim, after, NULL, max };
	struct objstore_list_page pg;

	assert_int_equal(objstore_list(s, &q, &pg, NULL), 0);
	render(&pg, out);
	objstore_list_page_release(&pg);
	return out->ptr;
}

static void
test_list_delimiter(void **state)
{
	static const char *keys[] = { "b", "a/c/d", "a0", "a-b", "a/b", "a/",
		"a/c/e", "//x", "/lead", "trail/", "z\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac/f" };
	struct objstore *s = new_store();
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		put(s, keys[i], keys[i]);
	/* Byte order: '-' < '/' < '0', and UTF-8 after ASCII. */
	assert_string_equal(list1(s, NULL, NULL, NULL, 0, &b),
	    "//x,/lead,a-b,a/,a/b,a/c/d,a/c/e,a0,b,trail/,z\xc3\xa9,"
	    "\xe6\x97\xa5\xe6\x9c\xac/f|");
	assert_string_equal(list1(s, "", "/", NULL, 0, &b),
	    "a-b,a0,b,z\xc3\xa9|/,a/,trail/,\xe6\x97\xa5\xe6\x9c\xac/");
	/* The marker "a/" itself is an entry of its own prefix. */
	assert_string_equal(list1(s, "a/", "/", NULL, 0, &b), "a/,a/b|a/c/");
	assert_string_equal(list1(s, "a/c/", "/", NULL, 0, &b), "a/c/d,a/c/e|");
	assert_string_equal(list1(s, "/", "/", NULL, 0, &b), "/lead|//");
	assert_string_equal(list1(s, "a", "/", NULL, 0, &b), "a-b,a0|a/");
	assert_string_equal(list1(s, "nothing", "/", NULL, 0, &b), "|");
	/* Multi-byte delimiters work as substrings. */
	assert_string_equal(
	    list1(s, "a", "/c/", NULL, 0, &b), "a-b,a/,a/b,a0|a/c/");
	/* start-after skips keys up to and including it. */
	assert_string_equal(
	    list1(s, "a", NULL, "a/b", 0, &b), "a/c/d,a/c/e,a0|");
	assert_string_equal(list1(s, "", "/", "a/b", 0, &b),
	    "a0,b,z\xc3\xa9|a/,trail/,\xe6\x97\xa5\xe6\x9c\xac/");
	buf_release(&b);
	objstore_free(s);
}

struct collect {
	struct buf out;
	unsigned pages;
};

static int
collect_page(const struct objstore_list_page *pg, void *arg)
{
	struct collect *c = arg;
	size_t i;

	c->pages++;
	for (i = 0; i < pg->nentries; i++)
		buf_addf(&c->out, "%s ", pg->entries[i].key);
	for (i = 0; i < pg->nprefixes; i++)
		buf_addf(&c->out, "P%s ", pg->prefixes[i]);
	return 0;
}

static void
test_list_pages(void **state)
{
	struct objstore_list_req q = { 0 };
	struct objstore *s = new_store();
	struct collect c = { BUF_INIT, 0 };
	struct buf b = BUF_INIT;
	char key[32];
	unsigned i;

	(void)state;
	for (i = 0; i < 2500; i++) {
		snprintf(key, sizeof(key), "f%05u", i);
		put(s, key, "x");
	}
	assert_int_equal(objstore_list_all(s, &q, collect_page, &c, NULL), 0);
	assert_int_equal(c.pages, 3); /* 1000 keys per page at most */
	assert_int_equal(strlen(c.out.ptr), 2500 * 7);
	assert_string_equal(c.out.ptr + 2499 * 7, "f02499 ");

	/* Pages that end on a common prefix resume after all its keys. */
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "d%u/x", i);
		put(s, key, "x");
		snprintf(key, sizeof(key), "d%u/y", i);
		put(s, key, "x");
	}
	put(s, "d1", "x");
	buf_reset(&c.out);
	c.pages = 0;
	q.prefix = "d";
	q.delimiter = "/";
	q.max_keys = 1;
	assert_int_equal(objstore_list_all(s, &q, collect_page, &c, NULL), 0);
	assert_string_equal(c.out.ptr, "Pd0/ d1 Pd1/ Pd2/ Pd3/ ");
	assert_int_equal(c.pages, 5);
	q.max_keys = 2;
	buf_reset(&c.out);
	assert_int_equal(objstore_list_all(s, &q, collect_page, &c, NULL), 0);
	assert_string_equal(c.out.ptr, "d1 Pd0/ Pd1/ Pd2/ Pd3/ ");
	/* The last page is not truncated when nothing follows. */
	assert_string_equal(
	    list1(s, "d", "/", NULL, 5, &b), "d1|d0/,d1/,d2/,d3/");
	assert_string_equal(
	    list1(s, "d", "/", NULL, 4, &b), "d1|d0/,d1/,d2/|more");
	buf_release(&c.out);
	buf_release(&b);
	objstore_free(s);
}

static void
test_list_token(void **state)
{
	struct objstore_list_req q = { .max_keys = 1 };
	struct objstore_list_page pg;
	struct objstore *s = new_store();
	struct rerr e;
	char *tok;

	(void)state;
	put(s, "a", "1");
	put(s, "b", "2");
	put(s, "c", "3");
	assert_int_equal(objstore_list(s, &q, &pg, &e), 0);
	assert_true(pg.truncated);
	assert_non_null(pg.next_token);
	tok = pg.next_token;
	pg.next_token = NULL;
	objstore_list_page_release(&pg);
	/* A token wins over start-after, and deletions do not upset it. */
	objstore_delete(s, "b", NULL);
	q.token = tok;
	q.start_after = "c";
	q.max_keys = 0;
	assert_int_equal(objstore_list(s, &q, &pg, &e), 0);
	assert_int_equal(pg.nentries, 1);
	assert_string_equal(pg.entries[0].key, "c");
	assert_int_equal(pg.entries[0].size, 1);
	assert_int_equal(pg.entries[0].mtime, T0);
	assert_false(pg.truncated);
	objstore_list_page_release(&pg);
	q.token = "garbage";
	assert_int_equal(objstore_list(s, &q, &pg, &e), -EINVAL);
	free(tok);
	objstore_free(s);
}

static void
test_long_keys(void **state)
{
	struct objstore *s = new_store();
	char key[OBJSTORE_KEY_MAX + 2];
	struct buf b = BUF_INIT;
	struct rerr e;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[OBJSTORE_KEY_MAX] = '\0';
	key[500] = '/';
	put(s, key, "long");
	assert_content(s, key, "long");
	/* Its first 501 bytes are the common prefix. */
	list1(s, "", "/", NULL, 0, &b);
	assert_int_equal(b.len, 502);
	assert_memory_equal(b.ptr + 1, key, 501);
	key[OBJSTORE_KEY_MAX] = 'k';
	key[OBJSTORE_KEY_MAX + 1] = '\0';
	assert_int_equal(
	    objstore_put_data(s, key, "x", 1, NULL, NULL, &e), -ENAMETOOLONG);
	assert_int_equal(objstore_delete(s, key, &e), -ENAMETOOLONG);
	put(s, "caf\xc3\xa9/\xf0\x9f\x98\x80 x+y%z", "unicode");
	assert_content(s, "caf\xc3\xa9/\xf0\x9f\x98\x80 x+y%z", "unicode");
	buf_release(&b);
	objstore_free(s);
}

static void
test_copy(void **state)
{
	struct objstore_meta m1[] = { { "a", "1" } }, m2[] = { { "b", "2" } };
	struct objstore_attrs a1 = { "text/a", m1, 1 }, a2 = { NULL, m2, 1 };
	struct objstore_body body = { .data = "data", .size = 4 };
	struct objstore *s = new_store();
	struct objstore_info info;
	struct objstore_put_res res;
	struct rerr e;
	char big[101];

	(void)state;
	objstore_put(s, "src", &body, &a1, 0, &res, NULL);
	objstore_mem_set_time(s, T0 + 60);
	assert_int_equal(
	    objstore_copy(s, "src", "dst", NULL, NULL, NULL, &e), 0);
	assert_int_equal(objstore_head(s, "dst", &info, &e), 0);
	assert_string_equal(info.content_type, "text/a");
	assert_string_equal(info.meta[0].name, "a");
	assert_string_equal(info.etag, res.etag);
	assert_int_equal(info.mtime, T0 + 60);
	objstore_info_release(&info);
	/* Replacing metadata in place is how xattrs are set. */
	assert_int_equal(
	    objstore_copy(s, "src", "src", NULL, NULL, NULL, &e), -EINVAL);
	assert_int_equal(
	    objstore_copy(s, "src", "src", res.etag, &a2, NULL, &e), 0);
	assert_int_equal(objstore_head(s, "src", &info, &e), 0);
	assert_string_equal(info.content_type, "binary/octet-stream");
	assert_string_equal(info.meta[0].name, "b");
	objstore_info_release(&info);
	assert_content(s, "src", "data");
	assert_int_equal(
	    objstore_copy(s, "src", "x", "0000", NULL, NULL, &e), -ESTALE);
	assert_int_equal(
	    objstore_copy(s, "none", "x", NULL, NULL, NULL, &e), -ENOENT);
	memset(big, 'b', sizeof(big));
	objstore_put_data(s, "big", big, sizeof(big), NULL, NULL, NULL);
	assert_int_equal(
	    objstore_copy(s, "big", "x", NULL, NULL, NULL, &e), -EFBIG);
	objstore_free(s);
}

static void
upload(struct objstore *s, const char *key, const char *id, unsigned num,
    const char *data, struct objstore_part *p)
{
	struct objstore_body b = { .data = data, .size = strlen(data) };

	p->num = num;
	assert_int_equal(
	    objstore_mpu_part(s, key, id, num, &b, p->etag, NULL), 0);
}

static void
test_multipart(void **state)
{
	struct objstore_part parts[3], bad[2];
	unsigned char md5s[3 * MD5_LEN];
	struct objstore *s = new_store();
	struct objstore_put_res res;
	char *id, want[64];
	struct rerr e;

	(void)state;
	assert_int_equal(objstore_mpu_create(s, "mp", NULL, &id, &e), 0);
	upload(s, "mp", id, 1, "xxxx", &parts[0]); /* replaced below */
	upload(s, "mp", id, 2, "bbbb", &parts[1]);
	upload(s, "mp", id, 3, "cc", &parts[2]);
	upload(s, "mp", id, 1, "aaaa", &parts[0]);
	/* Wrong order, wrong etag, unknown upload. */
	bad[0] = parts[1];
	bad[1] = parts[0];
	assert_int_equal(
	    objstore_mpu_complete(s, "mp", id, bad, 2, NULL, &e), -EINVAL);
	assert_string_equal(e.code, "InvalidPartOrder");
	bad[0] = parts[0];
	snprintf(bad[0].etag, sizeof(bad[0].etag), "ffff");
	assert_int_equal(
	    objstore_mpu_complete(s, "mp", id, bad, 1, NULL, &e), -EINVAL);
	assert_string_equal(e.code, "InvalidPart");
	assert_int_equal(
	    objstore_mpu_complete(s, "mp", "nope", parts, 3, NULL, &e),
	    -ENOENT);
	assert_int_equal(
	    objstore_mpu_complete(s, "other", id, parts, 3, NULL, &e), -ENOENT);
	assert_int_equal(objstore_mem_count(s), 0); /* nothing visible yet */
	assert_int_equal(
	    objstore_mpu_complete(s, "mp", id, parts, 3, &res, &e), 0);
	assert_content(s, "mp", "aaaabbbbcc");
	md5_digest("aaaa", 4, md5s);
	md5_digest("bbbb", 4, md5s + MD5_LEN);
	md5_digest("cc", 2, md5s + 2 * MD5_LEN);
	md5hex(md5s, sizeof(md5s), want);
	memcpy(want + 2 * MD5_LEN, "-3", 3);
	assert_string_equal(res.etag, want);
	assert_int_equal(objstore_mem_uploads(s), 0);
	/* A completed upload is gone. */
	assert_int_equal(objstore_mpu_abort(s, "mp", id, &e), -ENOENT);
	free(id);

	/* A part below the minimum, unless it is the last one. */
	assert_int_equal(objstore_mpu_create(s, "small", NULL, &id, &e), 0);
	upload(s, "small", id, 1, "abc", &parts[0]);
	upload(s, "small", id, 2, "defg", &parts[1]);
	assert_int_equal(
	    objstore_mpu_complete(s, "small", id, parts, 2, NULL, &e), -EINVAL);
	assert_string_equal(e.code, "EntityTooSmall");
	assert_int_equal(objstore_mpu_abort(s, "small", id, &e), 0);
	assert_int_equal(objstore_mem_uploads(s), 0);
	assert_int_equal(
	    objstore_head(s, "small", &(struct objstore_info){ 0 }, &e),
	    -ENOENT);
	free(id);
	objstore_free(s);
}

static void
test_part_copy(void **state)
{
	struct objstore_part parts[2];
	struct objstore *s = new_store();
	char *id, etag[OBJSTORE_ETAG_MAX];
	struct rerr e;

	(void)state;
	put(s, "src", "0123456789");
	assert_int_equal(objstore_mpu_create(s, "dst", NULL, &id, &e), 0);
	parts[0].num = 1;
	assert_int_equal(objstore_mpu_part_copy(s, "dst", id, 1, "src", 5, 5,
	                     NULL, parts[0].etag, &e),
	    0);
	upload(s, "dst", id, 2, "!", &parts[1]);
	assert_int_equal(objstore_mpu_part_copy(
	                     s, "dst", id, 3, "src", 8, 5, NULL, etag, &e),
	    -EINVAL);
	assert_int_equal(objstore_mpu_part_copy(
	                     s, "dst", id, 3, "src", 0, 1, "stale", etag, &e),
	    -ESTALE);
	assert_int_equal(
	    objstore_mpu_complete(s, "dst", id, parts, 2, NULL, &e), 0);
	assert_content(s, "dst", "56789!");
	free(id);
	objstore_free(s);
}

static void
test_list_uploads(void **state)
{
	struct objstore *s = new_store();
	struct objstore_upload_page pg;
	char *ids[5], *tok = NULL;
	const char *keys[] = { "b", "a", "b", "c/x", "a" };
	size_t i, n = 0, aborted;
	struct buf seen = BUF_INIT;

	(void)state;
	for (i = 0; i < 5; i++) {
		objstore_mem_set_time(s, T0 + (time_t)i);
		assert_int_equal(
		    objstore_mpu_create(s, keys[i], NULL, &ids[i], NULL), 0);
	}
	/* One per page: key order, then creation order. */
	do {
		assert_int_equal(
		    objstore_mpu_list(s, "", tok, 1, &pg, NULL), 0);
		free(tok);
		tok = pg.next_token;
		pg.next_token = NULL;
		for (i = 0; i < pg.nuploads; i++, n++)
			buf_addf(&seen, "%s@%lld ", pg.uploads[i].key,
			    (long long)pg.uploads[i].initiated - T0);
		objstore_upload_page_release(&pg);
	} while (tok);
	assert_string_equal(seen.ptr, "a@1 a@4 b@0 b@2 c/x@3 ");
	assert_int_equal(objstore_mpu_list(s, "c/", NULL, 0, &pg, NULL), 0);
	assert_int_equal(pg.nuploads, 1);
	objstore_upload_page_release(&pg);
	/* The sweep aborts those started before T0 + 3. */
	assert_int_equal(
	    objstore_abort_uploads(s, "", T0 + 3, &aborted, NULL), 0);
	assert_int_equal(aborted, 3);
	assert_int_equal(objstore_mem_uploads(s), 2);
	for (i = 0; i < 5; i++)
		free(ids[i]);
	buf_release(&seen);
	objstore_free(s);
}

static void
test_delete_prefix(void **state)
{
	struct objstore *s = new_store();
	char key[32];
	size_t n;
	unsigned i;

	(void)state;
	for (i = 0; i < 2100; i++) {
		snprintf(key, sizeof(key), "exec/1/f%u", i);
		put(s, key, "x");
	}
	put(s, "exec/10", "other execution");
	put(s, "exec/1", "sibling");
	assert_int_equal(objstore_delete_prefix(s, "exec/1/", &n, NULL), 0);
	assert_int_equal(n, 2100);
	assert_int_equal(objstore_mem_count(s), 2);
	assert_int_equal(objstore_delete_prefix(s, "", &n, NULL), -EINVAL);
	assert_int_equal(objstore_mem_count(s), 2);
	objstore_free(s);
}

static void *
hammer(void *arg)
{
	struct objstore *s = arg;
	char data[4096];
	struct buf b = BUF_INIT;
	unsigned i;

	for (i = 0; i < 200; i++) {
		memset(data, 'a' + (int)(i % 26), sizeof(data));
		if (objstore_put_data(
		        s, "hot", data, sizeof(data), NULL, NULL, NULL) != 0)
			return "put";
		buf_reset(&b);
		if (objstore_get_buf(s, "hot", 0, OBJSTORE_TO_END, NULL, &b,
		        NULL, NULL) != 0)
			return "get";
		/* A get sees one whole version, never a mix. */
		if (b.len != sizeof(data) ||
		    memcmp(b.ptr, b.ptr + 1, b.len - 1) != 0)
			return "torn";
	}
	buf_release(&b);
	return NULL;
}

static void
test_threads(void **state)
{
	struct objstore *s = new_store();
	pthread_t t[4];
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, s), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		assert_null(ret);
	}
	objstore_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_head_get),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_put_read_and_create),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_list_delimiter),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_list_token),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_part_copy),
		cmocka_unit_test(test_list_uploads),
		cmocka_unit_test(test_delete_prefix),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
