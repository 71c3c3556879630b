/*
 * Unit tests for s3/xml's writers and value helpers: escaping, request
 * bodies read back through the parser, dates, numbers and url-decoding.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_values(void **state)
{
	static const struct {
		const char *s;
		time_t t;
	} good[] = { { "2009-10-12T17:50:30.000Z", 1255369830 },
		{ " 2009-10-12T17:50:30Z\n", 1255369830 },
		{ "2009-10-12T19:50:30.5+02:00", 1255369830 },
		{ "2009-10-12T16:50:30-01:00", 1255369830 },
		{ "20091012T175030Z", 1255369830 } };
	static const char *const bad[] = { "", "2009-10-12T17:50:30",
		"2009-10-12T17:50:30.Z", "2009-10-12 17:50:30Z",
		"2009-13-12T17:50:30Z", "2009-10-12T17:50:30+2:00",
		"2009-10-12T17:50:30.000Zjunk", "1969-12-31T23:59:59Z" };
	char s[32];
	time_t t;
	uint64_t u;
	bool v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(xml_get_time(good[i].s, "t", &t, NULL), 0);
		assert_int_equal(t, good[i].t);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(xml_get_time(bad[i], "t", &t, NULL), -EBADMSG);
	assert_int_equal(xml_get_u64(" 42 ", "n", &u, NULL), 0);
	assert_int_equal(u, 42);
	assert_int_equal(xml_get_u64("4 2", "n", &u, NULL), -EBADMSG);
	assert_int_equal(xml_get_u64("", "n", &u, NULL), -EBADMSG);
	assert_int_equal(xml_get_bool("TRUE", "b", &v, NULL), 0);
	assert_true(v);
	assert_int_equal(xml_get_bool("1", "b", &v, NULL), -EBADMSG);
	snprintf(s, sizeof(s), "a+b%%2Bc%%2fd%%C3%%A9");
	assert_int_equal(xml_url_decode(s, "k", NULL), 0);
	assert_string_equal(s, "a b+c/d\xc3\xa9");
	snprintf(s, sizeof(s), "ab%%");
	assert_int_equal(xml_url_decode(s, "k", NULL), -EBADMSG);
}

static void
test_escape(void **state)
{
	static const char *const bad[] = { "a\x01", "\x1f", "\xc0\x80",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xb8", "\xef\xbf\xbe",
		"\x80", "\xff" };
	struct buf b = BUF_INIT;
	struct rerr e;
	const char *in = "a&b<c>d\"e'f\tg\nh\ri \xc3\xa9\xf0\x9f\x98\x80\x7f";
	size_t i;

	(void)state;
	assert_int_equal(xml_escape(&b, in, strlen(in), &e), 0);
	assert_string_equal(b.ptr,
	    "a&amp;b&lt;c&gt;d&quot;e&apos;f&#x9;g&#xA;"
	    "h&#xD;i \xc3\xa9\xf0\x9f\x98\x80\x7f");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&b);
		assert_int_equal(
		    xml_escape(&b, bad[i], strlen(bad[i]), &e), -EINVAL);
	}
	buf_reset(&b);
	assert_int_equal(xml_escape(&b, "a\0b", 3, &e), -EINVAL);
	buf_release(&b);
}

/* A schema over our own request bodies, to read back what we wrote. */
struct readback {
	char *v[1100];
	size_t n;
	bool quiet;
};

static int
readback_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct readback *rb = arg;

	(void)e;
	if (ev != XML_CLOSE)
		return 0;
	if (id == 2)
		rb->quiet = strcmp(text, "true") == 0;
	else if (rb->n < ARRAY_SIZE(rb->v))
		rb->v[rb->n++] = xstrndup(text, len);
	return 0;
}

static void
readback_free(struct readback *rb)
{
	while (rb->n > 0)
		free(rb->v[--rb->n]);
}

static void
test_write_delete(void **state)
{
	static const struct xml_rule rules[] = { { "Object/Key", 1, true },
		{ "Quiet", 2, true } };
	static const struct xml_schema s = { "Delete", NULL, rules,
		ARRAY_SIZE(rules), readback_fn };
	static char big[1025];
	const char *keys[1001] = { "plain", " edge spaces ", "a&b<c>d\"e'f",
		"cr\rlf\ncrlf\r\ntab\t", "]]>",
		"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "%41+%2B", big };
	struct readback rb = { .n = 0 };
	struct buf b = BUF_INIT;
	struct rerr e;
	size_t i, n = 8;

	(void)state;
	memset(big, 'k', 1024);
	assert_int_equal(xml_write_delete(&b, keys, n, true, &e), 0);
	assert_int_equal(xml_parse(b.ptr, b.len, &s, &rb, &e), 0);
	assert_true(rb.quiet);
	assert_int_equal(rb.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(rb.v[i], keys[i]);
	readback_free(&rb);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		keys[i] = "k";
	buf_reset(&b);
	assert_int_equal(
	    xml_write_delete(&b, keys, XML_KEYS_MAX, false, &e), 0);
	assert_null(strstr(b.ptr, "Quiet"));
	assert_int_equal(xml_parse(b.ptr, b.len, &s, &rb, &e), 0);
	assert_int_equal(rb.n, XML_KEYS_MAX);
	readback_free(&rb);
	assert_int_equal(
	    xml_write_delete(&b, keys, XML_KEYS_MAX + 1, 0, &e), -EINVAL);
	assert_int_equal(xml_write_delete(&b, keys, 0, 0, &e), -EINVAL);
	keys[3] = "bad\x01key";
	assert_int_equal(xml_write_delete(&b, keys, 5, 0, &e), -EINVAL);
	keys[3] = "";
	assert_int_equal(xml_write_delete(&b, keys, 5, 0, &e), -EINVAL);
	buf_release(&b);
}

static void
test_write_complete(void **state)
{
	static const struct xml_rule rules[] = { { "Part/PartNumber", 1, true },
		{ "Part/ETag", 1, true } };
	static const struct xml_schema s = { "CompleteMultipartUpload", NULL,
		rules, ARRAY_SIZE(rules), readback_fn };
	struct xml_part parts[] = { { 1, "\"aaa\"" }, { 2, "bbb-2" },
		{ 10000, "c&c" } };
	struct readback rb = { .n = 0 };
	struct buf b = BUF_INIT;
	struct rerr e;

	(void)state;
	assert_int_equal(xml_write_complete(&b, parts, 3, &e), 0);
	assert_non_null(strstr(b.ptr,
	    "<Part><PartNumber>1</PartNumber><ETag>&quot;aaa&quot;</ETag>"
	    "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;bbb-2&quot;"
	    "</ETag></Part>"));
	assert_int_equal(xml_parse(b.ptr, b.len, &s, &rb, &e), 0);
	assert_int_equal(rb.n, 6);
	assert_string_equal(rb.v[1], "\"aaa\"");
	assert_string_equal(rb.v[4], "10000");
	assert_string_equal(rb.v[5], "\"c&c\"");
	readback_free(&rb);
	parts[1].number = 1;
	assert_int_equal(xml_write_complete(&b, parts, 3, &e), -EINVAL);
	parts[1].number = 2;
	parts[0].number = 0;
	assert_int_equal(xml_write_complete(&b, parts, 3, &e), -EINVAL);
	parts[0].number = 1;
	parts[0].etag = "\"\"";
	assert_int_equal(xml_write_complete(&b, parts, 3, &e), -EINVAL);
	assert_int_equal(xml_write_complete(&b, parts, 0, &e), -EINVAL);
	buf_release(&b);
}

static void
test_write_bucket(void **state)
{
	struct buf b = BUF_INIT;
	struct rerr e;

	(void)state;
	assert_int_equal(xml_write_create_bucket(&b, "us-east-1", &e), 0);
	assert_int_equal(xml_write_create_bucket(&b, "", &e), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(xml_write_create_bucket(&b, "eu-west-1", &e), 0);
	assert_string_equal(b.ptr,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
	    "2006-03-01/\"><LocationConstraint>eu-west-1</LocationConstraint>"
	    "</CreateBucketConfiguration>");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_write_delete),
		cmocka_unit_test(test_write_complete),
		cmocka_unit_test(test_write_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
