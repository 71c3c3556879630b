/* Unit tests for e2b/text: shell quoting of exec's words (checked by
 * running the result through /bin/sh) and the redacted form of envd
 * requests that debug logs show. */
#include "roma.h"
#include "e2b/text.h"
#include "util/buf.h"
#include "util/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_quote(void **state)
{
	static const struct {
		const char *word, *want;
	} cases[] = {
		{ "echo", "echo" },
		{ "a/b.c=d:e,f@g%h+i_j-k", "a/b.c=d:e,f@g%h+i_j-k" },
		{ "", "''" },
		{ "exit 3", "'exit 3'" },
		{ "it's", "'it'\\''s'" },
		{ "$HOME", "'$HOME'" },
		{ "*", "'*'" },
		{ "a\nb", "'a\nb'" },
		{ "'", "''\\'''" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&b);
		e2b_shell_quote(cases[i].word, &b);
		assert_string_equal(b.ptr, cases[i].want);
	}
	buf_release(&b);
}

/* The shell gives back exactly the words that were quoted. */
static void
test_quote_roundtrip(void **state)
{
	static const char *const words[] = { "printf", "%s|", "a b", "it's",
		"$X `id` \"q\" \\", "", "~", "*", "-n", "é😀" };
	struct buf cmd = BUF_INIT, want = BUF_INIT;
	char got[512];
	size_t i, n;
	FILE *p;

	(void)state;

	buf_adds(&cmd, "sh -c ");
	{
		struct buf inner = BUF_INIT;

		for (i = 0; i < ARRAY_SIZE(words); i++) {
			if (i > 0)
				buf_addc(&inner, ' ');
			e2b_shell_quote(words[i], &inner);
		}
		e2b_shell_quote(inner.ptr, &cmd);
		buf_release(&inner);
	}
	for (i = 2; i < ARRAY_SIZE(words); i++)
		buf_addf(&want, "%s|", words[i]);
	p = popen(cmd.ptr, "r");
	assert_non_null(p);
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(got, want.ptr);
	buf_release(&cmd);
	buf_release(&want);
}

static void
check_log(const char *in, const char *want)
{
	struct json *j = json_parse(in, strlen(in));
	struct buf b = BUF_INIT;

	assert_non_null(j);
	e2b_log_json(j, &b);
	assert_string_equal(b.ptr, want);
	json_free(j);
	buf_release(&b);
}

static void
test_log_redacts(void **state)
{
	(void)state;
	/* Process Start: the command stays, env values go. */
	check_log("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\","
	          "\"echo hi\"],\"envs\":{\"AWS_SECRET_ACCESS_KEY\":\"s3cr3t\","
	          "\"A\":\"1\"},\"cwd\":\"/tmp\"},\"stdin\":false}",
	    "{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\","
	    "\"echo hi\"],\"envs\":{\"AWS_SECRET_ACCESS_KEY\":\"<redacted>\","
	    "\"A\":\"<redacted>\"},\"cwd\":\"/tmp\"},\"stdin\":false}");
	/* SendInput: the data goes. */
	check_log(
	    "{\"process\":{\"pid\":7},\"input\":{\"stdin\":\"c2VjcmV0\"}}",
	    "{\"process\":{\"pid\":7},\"input\":{\"stdin\":\"<redacted>\"}}");
	/* Anywhere, and env_vars too, even when not an object. */
	check_log("[{\"env_vars\":{\"K\":\"v\"}},{\"envs\":\"x\"},{\"envs\":"
	          "null}]",
	    "[{\"env_vars\":{\"K\":\"<redacted>\"}},{\"envs\":\"<redacted>\"},"
	    "{\"envs\":null}]");
	check_log(
	    "{\"path\":\"/home/user/a b\"}", "{\"path\":\"/home/user/a b\"}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_roundtrip),
		cmocka_unit_test(test_log_redacts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
