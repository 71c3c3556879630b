/* Unit tests for util/ini: the AWS shared files' syntax (sections, profile
 * and services names, comments, sub-properties, continuations), hostile
 * input, and loading from disk. */
#include "roma.h"
#include "util/ini.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static struct ini *
parse(const char *s)
{
	return ini_parse(s, strlen(s));
}

static void
test_basic(void **state)
{
	struct ini *ini = parse("# comment\n; other comment\n"
	                        "[default]\n"
	                        "aws_access_key_id = AKID\n"
	                        "  \n"
	                        "aws_secret_access_key=  sec/+=  \n"
	                        "[profile dev]\n"
	                        "region = eu-west-1\n");

	(void)state;
	assert_string_equal(
	    ini_get(ini, "default", "aws_access_key_id"), "AKID");
	assert_string_equal(
	    ini_get(ini, "default", "aws_secret_access_key"), "sec/+=");
	assert_string_equal(ini_get(ini, "profile dev", "region"), "eu-west-1");
	assert_null(ini_get(ini, "dev", "region"));
	assert_null(ini_get(ini, "default", "region"));
	assert_true(ini_has_section(ini, "profile dev"));
	assert_false(ini_has_section(ini, "profile other"));
	ini_free(ini);
}

static void
test_names_and_keys(void **state)
{
	struct ini *ini = parse("[  profile    my dev  ] ; comment\n"
	                        "Region = x\n"
	                        "[services\tlocal]\n"
	                        "s3 = y\n"
	                        "[Case]\n"
	                        "k = v\n");

	(void)state;
	assert_string_equal(ini_get(ini, "profile my dev", "region"), "x");
	assert_string_equal(ini_get(ini, "profile my dev", "REGION"), "x");
	assert_string_equal(ini_get(ini, "services local", "s3"), "y");
	/* Section names are case-sensitive, keys are not. */
	assert_null(ini_get(ini, "case", "k"));
	assert_string_equal(ini_get(ini, "Case", "K"), "v");
	ini_free(ini);
}

static void
test_comments(void **state)
{
	struct ini *ini = parse("[a]\n"
	                        "x = v # c\n"
	                        "y = v#c\n"
	                        "z = v ; c\n"
	                        "w = # only a comment\n"
	                        "  # indented comment\n"
	                        "q = a=b\n");

	(void)state;
	assert_string_equal(ini_get(ini, "a", "x"), "v");
	assert_string_equal(ini_get(ini, "a", "y"), "v#c");
	assert_string_equal(ini_get(ini, "a", "z"), "v");
	assert_string_equal(ini_get(ini, "a", "w"), "");
	assert_string_equal(ini_get(ini, "a", "q"), "a=b");
	ini_free(ini);
}

static void
test_sub_properties(void **state)
{
	struct ini *ini = parse("[profile p]\n"
	                        "s3 =\n"
	                        "  addressing_style = path\n"
	                        "\tmax_concurrent_requests = 20 # c\n"
	                        "region = r\n"
	                        "services = local\n"
	                        "[services local]\n"
	                        "s3 =\n"
	                        "  endpoint_url = http://localhost:9000\n"
	                        "sts =\n"
	                        "  endpoint_url = http://localhost:9001\n");

	(void)state;
	assert_string_equal(ini_get(ini, "profile p", "s3"), "");
	assert_string_equal(
	    ini_get_sub(ini, "profile p", "s3", "addressing_style"), "path");
	assert_string_equal(
	    ini_get_sub(ini, "profile p", "S3", "Max_Concurrent_Requests"),
	    "20");
	assert_string_equal(ini_get(ini, "profile p", "region"), "r");
	assert_null(ini_get(ini, "profile p", "addressing_style"));
	assert_string_equal(
	    ini_get_sub(ini, "services local", "s3", "endpoint_url"),
	    "http://localhost:9000");
	assert_string_equal(
	    ini_get_sub(ini, "services local", "sts", "endpoint_url"),
	    "http://localhost:9001");
	assert_null(ini_get_sub(ini, "services local", "s3", "region"));
	ini_free(ini);
}

static void
test_continuation_and_dups(void **state)
{
	struct ini *ini = parse("[a]\n"
	                        "x = one\n"
	                        "  two\n"
	                        "\tthree\n"
	                        "y = 1\n"
	                        "y = 2\n"
	                        "[b]\n"
	                        "k = b1\n"
	                        "[a]\n"
	                        "z = again\n");

	(void)state;
	assert_string_equal(ini_get(ini, "a", "x"), "one\ntwo\nthree");
	assert_string_equal(ini_get(ini, "a", "y"), "2");
	assert_string_equal(ini_get(ini, "a", "z"), "again");
	assert_string_equal(ini_get(ini, "b", "k"), "b1");
	ini_free(ini);
}

static void
test_malformed(void **state)
{
	static const char junk[] = "orphan = before any section\n"
	                           "[broken\n"
	                           "x = lost\n"
	                           "[]\n"
	                           "y = lost too\n"
	                           "[ok]\r\n"
	                           "= no key\r\n"
	                           "no equals\r\n"
	                           "k = v\r\n"
	                           "n = a\0hidden\n"
	                           "[tail]\n"
	                           "last = no newline";
	struct ini *ini = ini_parse(junk, sizeof(junk) - 1);

	(void)state;
	assert_null(ini_get(ini, "broken", "x"));
	assert_false(ini_has_section(ini, ""));
	assert_string_equal(ini_get(ini, "ok", "k"), "v");
	assert_string_equal(ini_get(ini, "ok", "n"), "a");
	assert_string_equal(ini_get(ini, "tail", "last"), "no newline");
	assert_null(ini_get(NULL, "ok", "k"));
	ini_free(ini);
	ini_free(NULL);
	ini = ini_parse("", 0);
	assert_null(ini_get(ini, "a", "b"));
	ini_free(ini);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/roma-ini.XXXXXX", path[256];
	struct ini *ini = NULL;
	struct rerr e = { 0 };
	mode_t mode = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/credentials", dir);
	assert_int_equal(ini_load(path, &ini, &mode, &e), -ENOENT);
	assert_null(ini);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[default]\nregion = x\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ini_load(path, &ini, &mode, &e), 0);
	assert_int_equal(mode, 0640);
	assert_string_equal(ini_get(ini, "default", "region"), "x");
	ini_free(ini);
	assert_int_equal(ini_load(dir, &ini, NULL, &e), -EISDIR);
	assert_non_null(strstr(e.msg, dir));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_names_and_keys),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_sub_properties),
		cmocka_unit_test(test_continuation_and_dups),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
