/* Unit tests for util/rerr: setting, clearing, truncation and NULL. */
#include "roma.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
test_set(void **state)
{
	struct rerr e;

	(void)state;
	rerr_clear(&e);
	assert_int_equal(e.err, 0);
	assert_int_equal(rerr_set(&e, -ENOENT, "no %s", "bucket"), -ENOENT);
	assert_int_equal(e.err, ENOENT);
	assert_int_equal(e.http_status, 0);
	assert_string_equal(rerr_str(&e), "no bucket");
	/* A second set replaces everything, including HTTP details. */
	rerr_http(&e, -EACCES, 403, "AccessDenied", "REQ1", "denied");
	assert_int_equal(rerr_set(&e, -EIO, "io"), -EIO);
	assert_int_equal(e.http_status, 0);
	assert_string_equal(e.code, "");
	assert_string_equal(e.request_id, "");
}

static void
test_http(void **state)
{
	struct rerr e;

	(void)state;
	assert_int_equal(rerr_http(&e, -ENOENT, 404, "NoSuchKey",
	                     "4442587FB7D0A2F9", "%s/%s not found", "b", "k"),
	    -ENOENT);
	assert_int_equal(e.err, ENOENT);
	assert_int_equal(e.http_status, 404);
	assert_string_equal(e.code, "NoSuchKey");
	assert_string_equal(e.request_id, "4442587FB7D0A2F9");
	assert_string_equal(rerr_str(&e), "b/k not found");
	rerr_http(&e, -EIO, 500, NULL, NULL, NULL);
	assert_string_equal(e.code, "");
	assert_string_equal(e.request_id, "");
	assert_string_equal(e.msg, "");
}

static void
test_null(void **state)
{
	(void)state;
	/* Callers that do not want details pass NULL. */
	assert_int_equal(rerr_set(NULL, -EPERM, "x"), -EPERM);
	assert_int_equal(rerr_http(NULL, -EIO, 500, "c", "r", "m"), -EIO);
	rerr_clear(NULL);
}

static void
test_str_fallback(void **state)
{
	struct rerr e;

	(void)state;
	rerr_set(&e, -ETIMEDOUT, NULL);
	assert_string_equal(rerr_str(&e), strerror(ETIMEDOUT));
	rerr_clear(&e);
	assert_string_equal(rerr_str(&e), strerror(EIO));
}

static void
test_truncation(void **state)
{
	char big[2000], code[200];
	struct rerr e;

	(void)state;
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(code, 'c', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	rerr_http(&e, -EIO, 500, code, big, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_int_equal(strlen(e.code), sizeof(e.code) - 1);
	assert_int_equal(strlen(e.request_id), sizeof(e.request_id) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_str_fallback),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
