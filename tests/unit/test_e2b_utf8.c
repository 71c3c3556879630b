/* Unit tests for e2b/utf8: multibyte characters split across chunks at
 * every byte, ill-formed input replaced as TextDecoder does, and an
 * incomplete tail at the end of the stream. */
#include "roma.h"
#include "e2b/utf8.h"
#include "util/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define FFFD "\xef\xbf\xbd"

static void
decode_in(
    const char *in, size_t n, const size_t *cuts, size_t ncuts, struct buf *out)
{
	struct e2b_utf8 u = E2B_UTF8_INIT;
	size_t i, at = 0;

	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		assert_int_equal(e2b_utf8_feed(&u, in + at, end - at, out), 0);
		at = end;
	}
	assert_int_equal(e2b_utf8_flush(&u, out), 0);
}

static void
test_every_split(void **state)
{
	static const char s[] = "a\xc3\xa9"
	                        "b\xe2\x82\xac"
	                        "c\xf0\x9f\x98\x80"
	                        "d";
	size_t n = sizeof(s) - 1, c1, c2, cuts[2];

	(void)state;
	for (c1 = 0; c1 <= n; c1++) {
		for (c2 = c1; c2 <= n; c2++) {
			struct buf out = BUF_INIT;

			cuts[0] = c1;
			cuts[1] = c2;
			decode_in(s, n, cuts, 2, &out);
			assert_int_equal(out.len, n);
			assert_memory_equal(out.ptr, s, n);
			buf_release(&out);
		}
	}
}

static void
test_held_back(void **state)
{
	struct e2b_utf8 u = E2B_UTF8_INIT;
	struct buf out = BUF_INIT;

	(void)state;
	e2b_utf8_feed(&u, "a\xc3", 2, &out);
	assert_string_equal(out.ptr, "a");
	assert_int_equal(u.ntail, 1);
	e2b_utf8_feed(&u, "\xa9", 1, &out);
	assert_string_equal(out.ptr, "a\xc3\xa9");
	e2b_utf8_feed(&u, "\xf0\x9f", 2, &out);
	e2b_utf8_feed(&u, "\x98", 1, &out);
	assert_string_equal(out.ptr, "a\xc3\xa9");
	e2b_utf8_feed(&u, "\x80!", 2, &out);
	assert_string_equal(out.ptr, "a\xc3\xa9\xf0\x9f\x98\x80!");
	buf_release(&out);
}

static void
check(const char *in, const char *want)
{
	struct buf out = BUF_INIT;
	size_t n = strlen(in), i, cut;

	decode_in(in, n, NULL, 0, &out);
	assert_string_equal(out.ptr, want);
	/* The same whatever the chunking. */
	for (i = 0; i <= n; i++) {
		buf_reset(&out);
		cut = i;
		decode_in(in, n, &cut, 1, &out);
		assert_string_equal(out.ptr, want);
	}
	buf_release(&out);
}

static void
test_invalid(void **state)
{
	(void)state;
	check("a\x80z", "a" FFFD "z");
	check("\xff\xfe", FFFD FFFD);
	check("\xc0\xaf", FFFD FFFD);          /* overlong */
	check("\xe0\x80\x80", FFFD FFFD FFFD); /* overlong */
	check("\xed\xa0\x80", FFFD FFFD FFFD); /* surrogate */
	check("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	check("\xe2\x82z", FFFD "z"); /* maximal subpart: one U+FFFD */
	check("\xf0\x9f\x98z", FFFD "z");
	check("x\xe2\x82", "x" FFFD); /* incomplete at the end */
	check("\xc3", FFFD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_held_back),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
