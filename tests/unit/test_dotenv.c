/* Unit tests for util/dotenv: python-dotenv's syntax (export, quotes,
 * escapes, comments, expansion), malformed lines and loading files. */
#include "roma.h"
#include "util/dotenv.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct dotenv *
parse(const char *s, dotenv_lookup_fn env)
{
	return dotenv_parse(s, strlen(s), env);
}

static const char *
fake_env(const char *name)
{
	return strcmp(name, "HOME") == 0 ? "/home/me" : NULL;
}

static void
test_basic(void **state)
{
	struct dotenv *d = parse("# comment\n"
	                         "E2B_API_KEY=e2b_123\n"
	                         "  export   REGION = us-east-1  \n"
	                         "EMPTY=\n"
	                         "SPACED = a b c # trailing comment\n"
	                         "HASH=a#b\n"
	                         "bad line\n"
	                         "=novalue\n"
	                         "DUP=1\n"
	                         "DUP=2\n",
	    NULL);

	(void)state;
	assert_string_equal(dotenv_get(d, "E2B_API_KEY"), "e2b_123");
	assert_string_equal(dotenv_get(d, "REGION"), "us-east-1");
	assert_string_equal(dotenv_get(d, "EMPTY"), "");
	assert_string_equal(dotenv_get(d, "SPACED"), "a b c");
	assert_string_equal(dotenv_get(d, "HASH"), "a#b");
	assert_string_equal(dotenv_get(d, "DUP"), "2");
	assert_null(dotenv_get(d, "bad"));
	assert_int_equal(dotenv_count(d), 6);
	assert_string_equal(dotenv_key(d, 0), "E2B_API_KEY");
	assert_string_equal(dotenv_value(d, 5), "2");
	assert_null(dotenv_key(d, 6));
	dotenv_free(d);
}

static void
test_quotes(void **state)
{
	struct dotenv *d = parse("S='lit $X \\n # not comment'\n"
	                         "D=\"a\\nb\\t\\\"q\\\" \\\\ \\x\"\n"
	                         "M=\"line1\nline2\"\n"
	                         "AFTER=ok\n"
	                         "U='unterminated\n"
	                         "NEXT=fine\n",
	    NULL);

	(void)state;
	assert_string_equal(dotenv_get(d, "S"), "lit $X \\n # not comment");
	assert_string_equal(dotenv_get(d, "D"), "a\nb\t\"q\" \\ \\x");
	assert_string_equal(dotenv_get(d, "M"), "line1\nline2");
	assert_string_equal(dotenv_get(d, "AFTER"), "ok");
	assert_null(dotenv_get(d, "U"));
	dotenv_free(d);
}

static void
test_expansion(void **state)
{
	struct dotenv *d = parse("BASE=/opt/x\n"
	                         "P=${BASE}/sub\n"
	                         "H=\"${HOME}/y\"\n"
	                         "L='${BASE}'\n"
	                         "DEF=${NOPE:-fallback}\n"
	                         "NONE=a${NOPE}b\n"
	                         "OPEN=${BASE\n",
	    fake_env);

	(void)state;
	assert_string_equal(dotenv_get(d, "P"), "/opt/x/sub");
	assert_string_equal(dotenv_get(d, "H"), "/home/me/y");
	assert_string_equal(dotenv_get(d, "L"), "${BASE}");
	assert_string_equal(dotenv_get(d, "DEF"), "fallback");
	assert_string_equal(dotenv_get(d, "NONE"), "ab");
	assert_string_equal(dotenv_get(d, "OPEN"), "${BASE");
	dotenv_free(d);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/roma-dotenv.XXXXXX", path[64];
	struct dotenv *d = NULL;
	struct rerr e;
	FILE *f;

	(void)state;
	rerr_clear(&e);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/.env", dir);
	assert_int_equal(dotenv_load(path, NULL, &d, &e), -ENOENT);
	assert_null(d);
	f = fopen(path, "w");
	fputs("K=v\n", f);
	fclose(f);
	assert_int_equal(dotenv_load(path, NULL, &d, &e), 0);
	assert_string_equal(dotenv_get(d, "K"), "v");
	dotenv_free(d);
	unlink(path);
	rmdir(dir);
	/* Hostile bytes never crash. */
	d = dotenv_parse("\0=\xff\n\"\n'\n${", 11, fake_env);
	dotenv_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
