/* Unit tests for util/buf: growth, the cap, detach and formatting. */
#include "roma.h"
#include "util/buf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_empty(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_add(&b, "x", 0), 0);
	assert_int_equal(b.cap, 0); /* nothing allocated for nothing */
	buf_truncate(&b, 0);
	buf_reset(&b);
	buf_release(&b);
	buf_release(&b); /* twice is harmless */
	assert_string_equal(b.ptr, "");
}

static void
test_add(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(buf_addc(&b, 'd'), 0);
	assert_int_equal(buf_add(&b, "e\0f", 3), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.ptr, "abcde\0f", 8);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(b.len, 10007);
	assert_true(b.cap > b.len);
	assert_int_equal(b.ptr[b.len], '\0');
	buf_truncate(&b, 3);
	assert_string_equal(b.ptr, "abc");
	buf_truncate(&b, 100); /* never grows */
	assert_int_equal(b.len, 3);
	buf_reset(&b);
	assert_string_equal(b.ptr, "");
	buf_release(&b);
}

static void
test_addf_growth(void **state)
{
	struct buf b = BUF_INIT;
	char big[300];

	(void)state;
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_addf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.ptr, "42-x");
	/* Longer than the first allocation: vsnprintf must be re-run. */
	assert_int_equal(buf_addf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + 299);
	assert_int_equal(b.ptr[5], 'y');
	assert_int_equal(b.ptr[b.len - 1], ']');
	assert_int_equal(b.ptr[b.len], '\0');
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 305);
	buf_release(&b);
}

static void
test_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345678"), 0);
	assert_int_equal(buf_addc(&b, '9'), -E2BIG);
	assert_int_equal(buf_adds(&b, "9"), -E2BIG);
	assert_int_equal(buf_addf(&b, "%d", 9), -E2BIG);
	assert_string_equal(b.ptr, "12345678"); /* unchanged */
	buf_truncate(&b, 6);
	assert_int_equal(buf_addf(&b, "%s", "abc"), -E2BIG);
	assert_int_equal(buf_addf(&b, "%s", "ab"), 0);
	assert_string_equal(b.ptr, "123456ab");
	assert_int_equal(buf_grow(&b, SIZE_MAX), -E2BIG);
	buf_release(&b);
	assert_int_equal(b.max, 8); /* the cap survives release */
	assert_int_equal(buf_adds(&b, "123456789"), -E2BIG);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_overflow(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_adds(&b, "ab"), 0);
	assert_int_equal(buf_grow(&b, SIZE_MAX), -E2BIG);
	assert_int_equal(buf_grow(&b, SIZE_MAX - 2), -E2BIG);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 1), -E2BIG);
	assert_string_equal(b.ptr, "ab");
	buf_release(&b);
}

static void
test_detach(void **state)
{
	struct buf b;
	size_t len = 99;
	char *p;

	(void)state;
	/* Detaching an empty buffer still hands out a malloc'd string. */
	buf_init(&b, 16);
	p = buf_detach(&b, &len);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);

	assert_int_equal(buf_adds(&b, "hello"), 0);
	p = buf_detach(&b, NULL);
	assert_string_equal(p, "hello");
	assert_string_equal(b.ptr, ""); /* reset, cap kept */
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 16);
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(b.ptr, "again");
	assert_ptr_not_equal(b.ptr, p);
	free(p);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_addf_growth),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
