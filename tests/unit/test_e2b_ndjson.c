/* Unit tests for e2b/ndjson: the /execute line framer (any chunking, CRLF,
 * blank lines, a last line without newline, the cap) and decoding lines
 * into an execution as the SDKs do. */
#include "roma.h"
#include "e2b/ndjson.h"
#include "util/buf.h"
#include "util/json.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static const char body[] =
    "{\"type\": \"number_of_executions\", \"execution_count\": 3}\n"
    "{\"type\": \"stdout\", \"text\": \"hi\\n\", \"timestamp\": \"t\"}\r\n"
    "\n"
    "{\"type\": \"keepalive\"}\n"
    "{\"type\": \"stderr\", \"text\": \"w\\u00e9 \\ud83d\\ude00\"}\n"
    "{\"type\": \"result\", \"text\": \"2\", \"is_main_result\": true, "
    "\"extra\": {}}\n"
    "{\"type\": \"result\", \"png\": \"iVBO\", \"is_main_result\": false}\n"
    "{\"type\": \"error\", \"name\": \"NameError\", \"value\": \"x\", "
    "\"traceback\": \"tb\"}\n"
    "{\"type\": \"end_of_execution\"}";

/* One pass of the body through the framer and the decoder. */
struct run {
	struct e2b_lines l;
	struct e2b_exec x;
	int kinds[16];
	int n;
	struct buf text;
};

static int
on_line(const char *line, size_t n, void *arg)
{
	struct run *r = arg;
	const char *t;
	int k = e2b_exec_line(&r->x, line, n, &t);

	assert_true(k >= 0);
	if (r->n < 16)
		r->kinds[r->n++] = k;
	if (t)
		buf_adds(&r->text, t);
	return 0;
}

static void
check_run(const struct run *r)
{
	static const int want[] = { E2B_MSG_COUNT, E2B_MSG_STDOUT,
		E2B_MSG_OTHER, E2B_MSG_STDERR, E2B_MSG_RESULT, E2B_MSG_RESULT,
		E2B_MSG_ERROR, E2B_MSG_END };
	const struct json *res;

	assert_int_equal(r->n, ARRAY_SIZE(want));
	assert_memory_equal(r->kinds, want, sizeof(want));
	assert_int_equal(r->x.count, 3);
	assert_true(r->x.ended);
	assert_string_equal(r->x.err_name, "NameError");
	assert_string_equal(r->x.err_value, "x");
	assert_string_equal(r->x.err_traceback, "tb");
	assert_int_equal(json_len(r->x.out), 1);
	assert_string_equal(json_str(json_at(r->x.out, 0)), "hi\n");
	assert_string_equal(
	    json_str(json_at(r->x.err, 0)), "w\xc3\xa9 \xf0\x9f\x98\x80");
	assert_int_equal(json_len(r->x.results), 2);
	res = json_at(r->x.results, 0);
	assert_string_equal(json_get_str(res, "text"), "2");
	assert_null(json_get(res, "type"));
	res = json_at(r->x.results, 1);
	assert_null(json_get_str(res, "text"));
	assert_string_equal(json_get_str(res, "png"), "iVBO");
	assert_string_equal(r->text.ptr, "hi\nw\xc3\xa9 \xf0\x9f\x98\x80");
}

static void
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text, 0);
	e2b_exec_init(&r->x);
	e2b_lines_init(&r->l);
}

/* End the input, check what came out, and release the run. */
static void
run_finish(struct run *r)
{
	assert_int_equal(e2b_lines_finish(&r->l, on_line, r), 0);
	check_run(r);
	e2b_lines_release(&r->l);
	e2b_exec_release(&r->x);
	buf_release(&r->text);
}

static void
test_every_split(void **state)
{
	size_t n = sizeof(body) - 1, cut;
	struct run r;

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		run_start(&r);
		assert_int_equal(
		    e2b_lines_feed(&r.l, body, cut, on_line, &r), 0);
		assert_int_equal(
		    e2b_lines_feed(&r.l, body + cut, n - cut, on_line, &r), 0);
		run_finish(&r);
	}
}

static void
test_byte_by_byte(void **state)
{
	struct run r;
	size_t i;

	(void)state;
	run_start(&r);
	for (i = 0; i < sizeof(body) - 1; i++)
		assert_int_equal(
		    e2b_lines_feed(&r.l, body + i, 1, on_line, &r), 0);
	run_finish(&r);
}

static void
test_bad_lines(void **state)
{
	struct e2b_exec x;
	const char *t;

	(void)state;
	e2b_exec_init(&x);
	assert_int_equal(e2b_exec_line(&x, "not json", 8, &t), -EPROTO);
	assert_int_equal(e2b_exec_line(&x, "[1]", 3, &t), -EPROTO);
	assert_int_equal(e2b_exec_line(&x, "{\"type\": 1}", 11, &t), -EPROTO);
	assert_int_equal(
	    e2b_exec_line(&x, "{\"type\": \"stdout\"}", 18, &t), -EPROTO);
	assert_int_equal(
	    e2b_exec_line(&x, "{\"type\": \"new\"}", 15, &t), E2B_MSG_OTHER);
	assert_int_equal(x.count, -1);
	assert_null(x.err_name);
	assert_false(x.ended);
	e2b_exec_release(&x);
}

static int
count_lines(const char *line, size_t n, void *arg)
{
	(void)line;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static void
test_cap(void **state)
{
	static char big[4096];
	struct e2b_lines l;
	int lines = 0;
	size_t i;

	(void)state;
	memset(big, 'x', sizeof(big));
	e2b_lines_init(&l);
	for (i = 0; i < E2B_NDJSON_MAX_LINE / sizeof(big); i++)
		assert_int_equal(
		    e2b_lines_feed(&l, big, sizeof(big), count_lines, &lines),
		    0);
	assert_int_equal(
	    e2b_lines_feed(&l, big, 1, count_lines, &lines), -E2BIG);
	e2b_lines_release(&l);
	assert_int_equal(lines, 0);
}

/* ROMA's results entry for each kind of result, as run_python_code
 * means it: the text, else a label for an image or HTML, else str(). */
static void
test_result_text(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"text\": \"2\", \"png\": \"iVBO\"}", "2" },
		{ "{\"text\": \"\"}", "" },
		{ "{\"png\": \"iVBO\", \"html\": \"<b>\"}",
		    "[PNG image output]" },
		{ "{\"text\": null, \"html\": \"<b>x</b>\"}", "[HTML output]" },
		{ "{\"png\": \"\", \"html\": \"<i>\"}", "[HTML output]" },
		{ "{\"markdown\": \"# h\", \"latex\": \"$x$\", "
		  "\"is_main_result\": false, \"extra\": {}}",
		    "Result(Formats: markdown, latex)" },
		{ "{\"svg\": \"<svg/>\", \"extra\": {\"image/gif\": \"R0\"}}",
		    "Result(Formats: svg, image/gif)" },
		{ "{\"is_main_result\": true}", "Result(Formats: )" },
	};
	struct buf tmp = BUF_INIT;
	struct json *j;
	size_t i;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		j = json_parse(cases[i].json, strlen(cases[i].json));
		assert_non_null(j);
		buf_reset(&tmp);
		assert_string_equal(e2b_result_text(j, &tmp), cases[i].want);
		json_free(j);
	}
	buf_release(&tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_result_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
