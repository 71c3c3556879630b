/* Unit tests for util/log: the level and category filter, ROMA_LOG parsing
 * and, above all, that secrets never reach the output. */
#include "roma.h"
#include "util/buf.h"
#include "util/log.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct buf captured = BUF_INIT;
static int ncaptured;

static void
capture(const char *line, void *arg)
{
	(void)arg;
	buf_reset(&captured);
	buf_adds(&captured, line);
	ncaptured++;
}

static int
setup(void **state)
{
	(void)state;
	log_set_sink(capture, NULL);
	log_set_level(LOG_LEVEL_WARN);
	log_enable(LOG_ALL);
	log_clear_secrets();
	log_set_redact_hook(NULL);
	buf_reset(&captured);
	ncaptured = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	log_clear_secrets();
	log_set_redact_hook(NULL);
	buf_release(&captured);
	return 0;
}

/* Redact `in` and compare with `want`; then redact again: no change. */
static void
check(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, in);
	log_redact(&b);
	assert_string_equal(b.ptr, want);
	log_redact(&b);
	assert_string_equal(b.ptr, want);
	buf_release(&b);
}

static void
test_authorization_aws4(void **state)
{
	(void)state;
	check("Authorization: AWS4-HMAC-SHA256 "
	      "Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, "
	      "SignedHeaders=host;x-amz-date, "
	      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b"
	      "5924a6f2b5d7",
	    "Authorization: AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature=<redacted>");
	check("authorization:AWS4-HMAC-SHA256 Credential=A/b, Signature=ab",
	    "authorization:AWS4-HMAC-SHA256 Credential=A/b, "
	    "Signature=<redacted>");
}

static void
test_authorization_other(void **state)
{
	(void)state;
	check("Authorization: Bearer eyJhbGciOi.x.y",
	    "Authorization: Bearer <redacted>");
	check("Authorization: Basic dXNlcjpwYXNz\r\nHost: x",
	    "Authorization: Basic <redacted>\r\nHost: x");
	check("Authorization: opaque-token", "Authorization: <redacted>");
	check("Authorization:", "Authorization:");
}

static void
test_presigned_query(void **state)
{
	(void)state;
	check(
	    "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c2659"
	    "57d157751f604d404&X-Amz-SignedHeaders=host HTTP/1.1",
	    "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
	    "&X-Amz-Signature=<redacted>&X-Amz-SignedHeaders=host HTTP/1.1");
	check("url 'https://h/k?x-amz-signature=abc'",
	    "url 'https://h/k?x-amz-signature=<redacted>'");
	check("Signature=", "Signature=");
}

static void
test_security_token(void **state)
{
	(void)state;
	check("X-Amz-Security-Token: FwoGZXIvYXdzEJr//////////wEaDM+/=\r\n"
	      "X-Amz-Date: 20150830T123600Z\r\n",
	    "X-Amz-Security-Token: <redacted>\r\n"
	    "X-Amz-Date: 20150830T123600Z\r\n");
	/* The canonical request's form, lower case and no space. */
	check("host:h\nx-amz-security-token:tok/+=\nx-amz-date:d",
	    "host:h\nx-amz-security-token:<redacted>\nx-amz-date:d");
	check("?X-Amz-Security-Token=FwoG%2Fabc&X-Amz-Date=1",
	    "?X-Amz-Security-Token=<redacted>&X-Amz-Date=1");
}

static void
test_api_keys(void **state)
{
	(void)state;
	check("X-API-Key: e2b_0123456789abcdef", "X-API-Key: <redacted>");
	check("x-api-key:e2b_0123", "x-api-key:<redacted>");
	check("X-Access-Token: sbx-token\r\nAccept: */*",
	    "X-Access-Token: <redacted>\r\nAccept: */*");
}

static void
test_lookalikes_kept(void **state)
{
	(void)state;
	check("MySignature=abc X-Amz-Credential=AKID/x Signatures: 3",
	    "MySignature=abc X-Amz-Credential=AKID/x Signatures: 3");
	check("x-amz-signed-headers=host", "x-amz-signed-headers=host");
	check("", "");
}

static void
test_known_secrets(void **state)
{
	const char *key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

	(void)state;
	log_add_secret(key);
	log_add_secret("abc"); /* too short to mask without wrecking text */
	log_add_secret(NULL);
	check("key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, again "
	      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!",
	    "key=<redacted>, again <redacted>!");
	check("abc", "abc");
	log_clear_secrets();
	check("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}

static void
test_nested_secrets(void **state)
{
	(void)state;
	log_add_secret("token");
	log_add_secret("session-token-1234");
	log_add_secret("session-token-1234"); /* registered once */
	check("[session-token-1234] [token]", "[<redacted>] [<redacted>]");
}

static void
test_many_secrets(void **state)
{
	char s[32];
	int i;

	(void)state;
	/* The oldest are dropped once the registry is full. */
	for (i = 0; i < 40; i++) {
		snprintf(s, sizeof(s), "secret-%02d", i);
		log_add_secret(s);
	}
	check("secret-39 secret-20", "<redacted> <redacted>");
}

static void
upper_hook(struct buf *line)
{
	char *p = strstr(line->ptr, "internal");

	if (p)
		memcpy(p, "********", 8);
}

static void
test_hook(void **state)
{
	(void)state;
	log_set_redact_hook(upper_hook);
	check("an internal id", "an ******** id");
	log_set_redact_hook(NULL);
	check("an internal id", "an internal id");
}

static void
test_messages_redacted(void **state)
{
	(void)state;
	log_add_secret("SECRETKEY123");
	log_error(LOG_S3, "signing with %s failed: %s", "SECRETKEY123",
	    "X-Amz-Security-Token: abc");
	assert_int_equal(ncaptured, 1);
	assert_string_equal(captured.ptr,
	    "roma: error: signing with <redacted> failed: "
	    "X-Amz-Security-Token: <redacted>");
}

static void
test_levels(void **state)
{
	(void)state;
	log_info(LOG_CORE, "hidden");
	log_debug(LOG_HTTP, "hidden");
	assert_int_equal(ncaptured, 0);
	log_warn(LOG_FUSE, "shown\n");
	assert_string_equal(captured.ptr, "roma: warning: shown");
	log_set_level(LOG_LEVEL_ERROR);
	log_warn(LOG_FUSE, "hidden");
	assert_int_equal(ncaptured, 1);
	log_set_level(LOG_LEVEL_TRACE);
	log_trace(LOG_E2B, "t %d", 1);
	assert_string_equal(captured.ptr, "roma: trace(e2b): t 1");
	log_info(LOG_CORE, "i");
	assert_string_equal(captured.ptr, "roma: info: i");
}

static void
test_configure(void **state)
{
	(void)state;
	assert_int_equal(log_configure("debug:http,s3"), 0);
	assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
	assert_true(log_on(LOG_LEVEL_DEBUG, LOG_HTTP));
	assert_true(log_on(LOG_LEVEL_DEBUG, LOG_S3));
	assert_false(log_on(LOG_LEVEL_DEBUG, LOG_FUSE));
	assert_false(log_on(LOG_LEVEL_TRACE, LOG_HTTP));
	/* Warnings and errors pass whatever the categories. */
	assert_true(log_on(LOG_LEVEL_WARN, LOG_FUSE));
	log_debug(LOG_S3, "d");
	assert_string_equal(captured.ptr, "roma: debug(s3): d");

	assert_int_equal(log_configure("TRACE"), 0);
	assert_true(log_on(LOG_LEVEL_TRACE, LOG_CREDS));
	assert_int_equal(log_configure("warn:all"), 0);
	assert_int_equal(log_get_level(), LOG_LEVEL_WARN);

	/* A bad value changes nothing. */
	assert_int_equal(log_configure("verbose"), -EINVAL);
	assert_int_equal(log_configure("debug:nosuch"), -EINVAL);
	assert_int_equal(log_configure("debug:"), -EINVAL);
	assert_int_equal(log_configure(""), -EINVAL);
	assert_int_equal(log_get_level(), LOG_LEVEL_WARN);
}

static void
test_init_env(void **state)
{
	(void)state;
	setenv("ROMA_LOG", "info:e2b", 1);
	log_init_env();
	assert_true(log_on(LOG_LEVEL_INFO, LOG_E2B));
	assert_false(log_on(LOG_LEVEL_INFO, LOG_S3));
	setenv("ROMA_LOG", "loud", 1);
	log_init_env();
	assert_non_null(strstr(captured.ptr, "ignoring ROMA_LOG=loud"));
	unsetenv("ROMA_LOG");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_authorization_aws4, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_authorization_other, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_presigned_query, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_security_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lookalikes_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_known_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nested_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_messages_redacted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_env, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
