/* Unit tests for util/gz: round trips, caps and damaged input. */
#include "roma.h"
#include "util/buf.h"
#include "util/gz.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

/* Compress `n` bytes of `in` into a malloc'd buffer (zlib or gzip). */
static unsigned char *
deflate_buf(const void *in, size_t n, bool gzip, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap = n + n / 10 + 128;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, gzip ? 31 : 15, 8,
	                     Z_DEFAULT_STRATEGY),
	    Z_OK);
	out = malloc(cap);
	assert_non_null(out);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Pseudo-random text that compresses a little, and is long. */
static char *
sample(size_t n)
{
	char *p = malloc(n);
	size_t i;
	unsigned x = 12345;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = "abcdefghij\n"[(x >> 16) % 11];
	}
	return p;
}

static void
roundtrip(size_t n, bool gzip)
{
	struct buf out = BUF_INIT;
	unsigned char *z;
	char *in = sample(n);
	size_t zn;

	z = deflate_buf(in, n, gzip, &zn);
	buf_adds(&out, "prefix:");
	assert_int_equal(gz_inflate(z, zn, &out, 0), 0);
	assert_int_equal(out.len, 7 + n);
	assert_memory_equal(out.ptr, "prefix:", 7);
	assert_memory_equal(out.ptr + 7, in, n);
	assert_int_equal(out.ptr[out.len], '\0');
	buf_release(&out);
	free(z);
	free(in);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip(0, false);
	roundtrip(1, false);
	roundtrip(1000, false);
	roundtrip(3 * 65536 + 17, false); /* several output chunks */
	roundtrip(1000, true);
}

static void
test_max(void **state)
{
	struct buf out = BUF_INIT;
	char *in = sample(100000);
	unsigned char *z;
	size_t zn;

	(void)state;
	z = deflate_buf(in, 100000, false, &zn);
	assert_int_equal(gz_inflate(z, zn, &out, 100000), 0);
	assert_int_equal(out.len, 100000);
	buf_reset(&out);
	buf_adds(&out, "keep");
	assert_int_equal(gz_inflate(z, zn, &out, 99999), -E2BIG);
	assert_string_equal(out.ptr, "keep");
	buf_release(&out);
	/* The buffer's own cap counts too. */
	buf_init(&out, 5000);
	assert_int_equal(gz_inflate(z, zn, &out, 0), -E2BIG);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	free(z);
	free(in);
}

static void
test_corrupt(void **state)
{
	struct buf out = BUF_INIT;
	char *in = sample(5000);
	unsigned char *z, *bad;
	size_t zn;

	(void)state;
	z = deflate_buf(in, 5000, false, &zn);
	/* Truncated at every interesting length. */
	assert_int_equal(gz_inflate(z, zn - 1, &out, 0), -EINVAL);
	assert_int_equal(gz_inflate(z, zn / 2, &out, 0), -EINVAL);
	assert_int_equal(gz_inflate(z, 2, &out, 0), -EINVAL);
	assert_int_equal(gz_inflate(z, 0, &out, 0), -EINVAL);
	assert_int_equal(out.len, 0);
	/* Trailing bytes after the stream. */
	bad = malloc(zn + 1);
	assert_non_null(bad);
	memcpy(bad, z, zn);
	bad[zn] = 'x';
	assert_int_equal(gz_inflate(bad, zn + 1, &out, 0), -EINVAL);
	/* A flipped bit in the body fails the checksum or the format. */
	memcpy(bad, z, zn);
	bad[zn / 2] ^= 0x10;
	assert_int_equal(gz_inflate(bad, zn, &out, 0), -EINVAL);
	assert_int_equal(gz_inflate("not zlib at all", 15, &out, 0), -EINVAL);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	free(bad);
	free(z);
	free(in);
}

static void
test_version(void **state)
{
	(void)state;
	assert_string_equal(gz_version(), zlibVersion());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
