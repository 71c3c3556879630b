/* Unit tests for e2b/connect: Connect envelopes split and coalesced in
 * every way, end-of-stream frames with and without errors, malformed
 * streams, and the code/status/errno mappings. */
#include "roma.h"
#include "e2b/connect.h"
#include "util/buf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

struct seen {
	struct buf log; /* "flags:payload|" per frame */
	int frames;
};

static int
collect(unsigned flags, const char *p, size_t n, void *arg)
{
	struct seen *s = arg;

	buf_addf(&s->log, "%u:%.*s|", flags, (int)n, p);
	s->frames++;
	return 0;
}

static void
stream(struct buf *b)
{
	static const char *const msgs[] = {
		"{\"event\":{\"start\":{\"pid\":42}}}",
		"{\"event\":{\"data\":{\"stdout\":\"aGVsbG8K\"}}}", "",
		"{\"event\":{\"end\":{\"exited\":true}}}"
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msgs); i++)
		assert_int_equal(
		    e2b_connect_envelope(b, 0, msgs[i], strlen(msgs[i])), 0);
	assert_int_equal(e2b_connect_envelope(b, E2B_CONNECT_END, "{}", 2), 0);
}

static const char expect[] =
    "0:{\"event\":{\"start\":{\"pid\":42}}}|"
    "0:{\"event\":{\"data\":{\"stdout\":\"aGVsbG8K\"}}}|0:|"
    "0:{\"event\":{\"end\":{\"exited\":true}}}|2:{}|";

static void
test_envelope(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(e2b_connect_envelope(&b, 0, "{}", 2), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.ptr, "\0\0\0\0\2{}", 7);
	buf_reset(&b);
	assert_int_equal(e2b_connect_envelope(&b, 2, "x", 1), 0);
	assert_memory_equal(b.ptr, "\2\0\0\0\1x", 6);
	buf_release(&b);
}

static void
test_split_everywhere(void **state)
{
	struct buf b = BUF_INIT;
	struct e2b_cframer f;
	struct e2b_rpc_err err;
	size_t cut, cut2;

	(void)state;
	stream(&b);
	for (cut = 0; cut <= b.len; cut++) {
		for (cut2 = cut; cut2 <= b.len; cut2 += 7) {
			struct seen s = { BUF_INIT, 0 };

			e2b_cframer_init(&f, 0);
			assert_int_equal(
			    e2b_cframer_feed(&f, b.ptr, cut, collect, &s), 0);
			assert_int_equal(e2b_cframer_feed(&f, b.ptr + cut,
			                     cut2 - cut, collect, &s),
			    0);
			assert_int_equal(e2b_cframer_feed(&f, b.ptr + cut2,
			                     b.len - cut2, collect, &s),
			    0);
			assert_string_equal(s.log.ptr, expect);
			assert_int_equal(e2b_cframer_finish(&f, &err), 0);
			e2b_cframer_release(&f);
			buf_release(&s.log);
		}
	}
	buf_release(&b);
}

static void
test_byte_by_byte(void **state)
{
	struct buf b = BUF_INIT;
	struct e2b_cframer f;
	struct seen s = { BUF_INIT, 0 };
	size_t i;

	(void)state;
	stream(&b);
	e2b_cframer_init(&f, 0);
	for (i = 0; i < b.len; i++)
		assert_int_equal(
		    e2b_cframer_feed(&f, b.ptr + i, 1, collect, &s), 0);
	assert_string_equal(s.log.ptr, expect);
	assert_int_equal(s.frames, 5);
	e2b_cframer_release(&f);
	buf_release(&s.log);
	buf_release(&b);
}

static void
test_truncated(void **state)
{
	struct buf b = BUF_INIT;
	struct e2b_cframer f;
	struct seen s = { BUF_INIT, 0 };
	struct e2b_rpc_err err;

	(void)state;
	stream(&b);
	/* Cut inside the end frame. */
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, b.ptr, b.len - 1, collect, &s), 0);
	assert_int_equal(e2b_cframer_finish(&f, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "cut short"));
	e2b_cframer_release(&f);
	/* No end frame at all. */
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, b.ptr, b.len - 7, collect, &s), 0);
	assert_int_equal(e2b_cframer_finish(&f, &err), -EPROTO);
	assert_string_equal(err.msg, "missing EndStreamResponse");
	e2b_cframer_release(&f);
	buf_release(&s.log);
	buf_release(&b);
}

static void
test_bad_frames(void **state)
{
	struct e2b_cframer f;
	struct seen s = { BUF_INIT, 0 };

	(void)state;
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, "\1\0\0\0\2{}", 7, collect, &s), -EPROTO);
	e2b_cframer_release(&f);
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, "\4\0\0\0\0", 5, collect, &s), -EPROTO);
	e2b_cframer_release(&f);
	/* Over the cap, even split. */
	e2b_cframer_init(&f, 16);
	assert_int_equal(e2b_cframer_feed(&f, "\0\0\0", 3, collect, &s), 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, "\0\21", 2, collect, &s), -EPROTO);
	e2b_cframer_release(&f);
	/* Bytes after the end frame. */
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, "\2\0\0\0\2{}\0", 8, collect, &s), -EPROTO);
	e2b_cframer_release(&f);
	buf_release(&s.log);
}

static int
stop(unsigned flags, const char *p, size_t n, void *arg)
{
	(void)flags;
	(void)p;
	(void)n;
	(void)arg;
	return -ECANCELED;
}

static void
test_callback_stops(void **state)
{
	struct e2b_cframer f;

	(void)state;
	e2b_cframer_init(&f, 0);
	assert_int_equal(
	    e2b_cframer_feed(&f, "\0\0\0\0\2{}", 7, stop, NULL), -ECANCELED);
	e2b_cframer_release(&f);
}

static void
test_end_errors(void **state)
{
	struct e2b_rpc_err err;
	const char *dl = "{\"error\":{\"code\":\"deadline_exceeded\","
	                 "\"message\":\"context deadline exceeded\"},"
	                 "\"metadata\":{\"k\":[\"v\"]}}";

	(void)state;
	assert_int_equal(e2b_connect_end("{}", 2, &err), 0);
	assert_int_equal(e2b_connect_end("{\"metadata\":{}}", 15, &err), 0);
	assert_int_equal(e2b_connect_end(dl, strlen(dl), &err), 1);
	assert_string_equal(err.code, "deadline_exceeded");
	assert_string_equal(err.msg, "context deadline exceeded");
	assert_int_equal(e2b_connect_errno(err.code), -ETIMEDOUT);
	assert_int_equal(e2b_connect_end("[]", 2, &err), -EPROTO);
	assert_int_equal(e2b_connect_end("nope", 4, &err), -EPROTO);
	assert_int_equal(e2b_connect_end("{\"error\":{}}", 12, &err), 1);
	assert_string_equal(err.code, "unknown");
	assert_true(e2b_connect_error_body(
	    "{\"code\":\"not_found\",\"message\":\"x\"}", 34, &err));
	assert_string_equal(err.code, "not_found");
	assert_false(e2b_connect_error_body("oops", 4, &err));
}

static void
test_mappings(void **state)
{
	(void)state;
	assert_string_equal(e2b_connect_code_of_http(502), "unavailable");
	assert_string_equal(e2b_connect_code_of_http(503), "unavailable");
	assert_string_equal(e2b_connect_code_of_http(429), "unavailable");
	assert_string_equal(e2b_connect_code_of_http(401), "unauthenticated");
	assert_string_equal(e2b_connect_code_of_http(403), "permission_denied");
	assert_string_equal(e2b_connect_code_of_http(404), "unimplemented");
	assert_string_equal(e2b_connect_code_of_http(400), "internal");
	assert_string_equal(e2b_connect_code_of_http(418), "unknown");
	assert_int_equal(e2b_connect_errno("not_found"), -ENOENT);
	assert_int_equal(e2b_connect_errno("unavailable"), -EHOSTDOWN);
	assert_int_equal(e2b_connect_errno("unauthenticated"), -EACCES);
	assert_int_equal(e2b_connect_errno("resource_exhausted"), -EAGAIN);
	assert_int_equal(e2b_connect_errno("whatever"), -EIO);
	assert_string_equal(e2b_connect_class("not_found"), "NotFoundError");
	assert_string_equal(
	    e2b_connect_class("deadline_exceeded"), "TimeoutError");
	assert_string_equal(
	    e2b_connect_class("unauthenticated"), "AuthenticationError");
	assert_string_equal(e2b_connect_class("internal"), "SandboxError");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_end_errors),
		cmocka_unit_test(test_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
