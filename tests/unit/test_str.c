/* Unit tests for util/str: affixes, trimming and the strict parsers. */
#include "roma.h"
#include "util/str.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
test_trim(void **state)
{
	char a[] = "  \t hello world \r\n", b[] = "", c[] = " \n\t ", d[] = "x";

	(void)state;
	assert_string_equal(str_trim(a), "hello world");
	assert_string_equal(str_trim(b), "");
	assert_string_equal(str_trim(c), "");
	assert_string_equal(str_trim(d), "x");
}

static void
test_affixes(void **state)
{
	(void)state;
	assert_true(str_starts_with("s3://bucket", "s3://"));
	assert_true(str_starts_with("abc", ""));
	assert_false(str_starts_with("s3", "s3://"));
	assert_true(str_ends_with("file.tar.gz", ".gz"));
	assert_true(str_ends_with("abc", ""));
	assert_false(str_ends_with("gz", ".gz"));
	assert_true(str_ieq("Content-Length", "content-length"));
	assert_false(str_ieq("ETag", "ETags"));
	assert_true(str_istarts_with("HTTP/1.1 200", "http/"));
	assert_false(str_istarts_with("HTT", "http/"));
}

static void
test_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(str_to_u64("0", UINT64_MAX, &v), 0);
	assert_true(v == 0);
	assert_int_equal(str_to_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(
	    str_to_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(
	    str_to_u64("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(str_to_u64("65535", 65535, &v), 0);
	assert_true(v == 65535);
	assert_int_equal(str_to_u64("65536", 65535, &v), -ERANGE);
	v = 7;
	assert_int_equal(str_to_u64("", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(str_to_u64("-1", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(str_to_u64("+1", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(str_to_u64(" 1", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(str_to_u64("1 ", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(str_to_u64("0x10", UINT64_MAX, &v), -EINVAL);
	assert_true(v == 7); /* untouched on error */
}

static void
test_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
		{ "0", 0 },
		{ "30", 30000 },
		{ "30s", 30000 },
		{ "500ms", 500 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "2d", 172800000 },
		{ "1m0s", 60000 },
		{ "1h30m", 5400000 },
		{ "1s500ms", 1500 },
	};
	static const char *const bad[] = {
		"",
		"s",
		"5x",
		"5 s",
		"-5s",
		"1.5s",
		"5sm",
		"1h m",
		"5S",
	};
	uint64_t v = 7;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(str_parse_duration(ok[i].s, &v), 0);
		assert_true(v == ok[i].ms);
	}
	v = 7;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(str_parse_duration(bad[i], &v), -EINVAL);
	assert_int_equal(str_parse_duration("213503982335d", &v), -ERANGE);
	assert_int_equal(
	    str_parse_duration("18446744073709551615s", &v), -ERANGE);
	assert_int_equal(
	    str_parse_duration("18446744073709551615ms1ms", &v), -ERANGE);
	assert_true(v == 7);
}

static void
test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t n;
	} ok[] = {
		{ "0", 0 },
		{ "123", 123 },
		{ "123B", 123 },
		{ "1K", 1024 },
		{ "512kb", 512 * 1024 },
		{ "64M", 64ull << 20 },
		{ "64MiB", 64ull << 20 },
		{ "1GiB", 1ull << 30 },
		{ "1g", 1ull << 30 },
		{ "2T", 2ull << 40 },
		{ "16777215T", 16777215ull << 40 },
	};
	static const char *const bad[] = {
		"",
		"M",
		"1X",
		"1 M",
		"1MiBs",
		"1iB",
		"1.5G",
		"-1",
		"1BB",
	};
	uint64_t v = 7;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(str_parse_size(ok[i].s, &v), 0);
		assert_true(v == ok[i].n);
	}
	v = 7;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(str_parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(str_parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(str_parse_size("18446744073709551616", &v), -ERANGE);
	assert_true(v == 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_affixes),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
