/*
 * Unit tests for s3/xml: replies as AWS documents them and as moto and
 * s3rver really send them (tests/fixtures/s3), every prefix of each body,
 * hostile documents, caps, listing anomalies, and writer round trips.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_harness.h"

static void
load(const char *name, struct buf *b)
{
	fixture_load("s3", name, b);
}

/*
 * A canonical text form of each reply, so that "same result" is one string
 * comparison.  Returns the parser's result.
 */
static void
dump_list(const struct xml_list_page *pg, struct buf *o)
{
	size_t i;

	buf_addf(o, "%s|%s|%s|%s|%s|%s|%s|%llu|%llu|%d\n", pg->name, pg->prefix,
	    pg->delimiter, pg->start_after, pg->encoding_type,
	    pg->continuation_token, pg->next_token,
	    (unsigned long long)pg->key_count, (unsigned long long)pg->max_keys,
	    pg->is_truncated);
	for (i = 0; i < pg->nobjects; i++)
		buf_addf(o, "O %s|%s|%s|%llu|%lld\n", pg->objects[i].key,
		    pg->objects[i].etag, pg->objects[i].storage_class,
		    (unsigned long long)pg->objects[i].size,
		    (long long)pg->objects[i].mtime);
	for (i = 0; i < pg->nprefixes; i++)
		buf_addf(o, "P %s\n", pg->prefixes[i]);
}

static void
dump_uploads(const struct xml_upload_list *ul, struct buf *o)
{
	size_t i;

	buf_addf(o, "%s|%s|%s|%s|%s|%s|%s|%s|%llu|%d\n", ul->bucket, ul->prefix,
	    ul->delimiter, ul->encoding_type, ul->key_marker,
	    ul->upload_id_marker, ul->next_key_marker,
	    ul->next_upload_id_marker, (unsigned long long)ul->max_uploads,
	    ul->is_truncated);
	for (i = 0; i < ul->nuploads; i++)
		buf_addf(o, "U %s|%s|%lld\n", ul->uploads[i].key,
		    ul->uploads[i].upload_id,
		    (long long)ul->uploads[i].initiated);
	for (i = 0; i < ul->nprefixes; i++)
		buf_addf(o, "P %s\n", ul->prefixes[i]);
}

static void
dump_delete(const struct xml_delete_result *d, struct buf *o)
{
	size_t i;

	for (i = 0; i < d->ndeleted; i++)
		buf_addf(o, "D %s|%s\n", d->deleted[i].key,
		    d->deleted[i].version_id);
	for (i = 0; i < d->nerrors; i++)
		buf_addf(o, "E %s|%s|%s|%s\n", d->errors[i].key,
		    d->errors[i].version_id, d->errors[i].code,
		    d->errors[i].message);
}

static void
dump_buckets(const struct xml_bucket_list *bl, struct buf *o)
{
	size_t i;

	buf_addf(o, "%s|%s|%s\n", bl->owner_id, bl->owner_name,
	    bl->continuation_token);
	for (i = 0; i < bl->nbuckets; i++)
		buf_addf(o, "B %s|%lld\n", bl->buckets[i].name,
		    (long long)bl->buckets[i].created);
}

static int
dump_small(
    const char *kind, const char *p, size_t n, struct buf *o, struct rerr *e)
{
	struct xml_mpu_init in;
	struct xml_mpu_done dn;
	struct xml_copy cp;
	char region[64];
	int r = -ENOSYS;

	if (strstr(kind, "mpu_init")) {
		if ((r = xml_parse_mpu_init(p, n, &in, e)) == 0)
			buf_addf(
			    o, "%s|%s|%s", in.bucket, in.key, in.upload_id);
		xml_mem_free(&in.mem);
	} else if (strstr(kind, "mpu_")) {
		if ((r = xml_parse_mpu_done(p, n, &dn, e)) == 0)
			buf_addf(o, "%s|%s|%s|%s", dn.location, dn.bucket,
			    dn.key, dn.etag);
		xml_mem_free(&dn.mem);
	} else if (strstr(kind, "copy")) {
		if ((r = xml_parse_copy(p, n, &cp, e)) == 0)
			buf_addf(o, "%s|%lld", cp.etag, (long long)cp.mtime);
		xml_mem_free(&cp.mem);
	} else if (strstr(kind, "location")) {
		if ((r = xml_parse_location(p, n, region, sizeof(region), e)) ==
		    0)
			buf_adds(o, region);
	}
	return r;
}

static int
dump(const char *kind, const char *p, size_t n, struct buf *o, struct rerr *e)
{
	struct xml_list_page pg;
	struct xml_upload_list ul;
	struct xml_delete_result dr;
	struct xml_bucket_list bl;
	struct xml_error xe;
	int r;

	buf_reset(o);
	if (strstr(kind, "error")) {
		if ((r = xml_parse_error(p, n, &xe, e)) == 0)
			buf_addf(o, "%s|%s|%s|%s|%s|%s|%s|%lld", xe.code,
			    xe.message, xe.request_id, xe.host_id, xe.region,
			    xe.bucket_region, xe.endpoint,
			    (long long)xe.server_time);
	} else if (strstr(kind, "list_v2")) {
		if ((r = xml_parse_list_objects(p, n, &pg, e)) == 0)
			dump_list(&pg, o);
		xml_list_page_free(&pg);
	} else if (strstr(kind, "list_uploads")) {
		if ((r = xml_parse_list_uploads(p, n, &ul, e)) == 0)
			dump_uploads(&ul, o);
		xml_mem_free(&ul.mem);
	} else if (strstr(kind, "delete")) {
		if ((r = xml_parse_delete_result(p, n, &dr, e)) == 0)
			dump_delete(&dr, o);
		xml_mem_free(&dr.mem);
	} else if (strstr(kind, "list_buckets")) {
		if ((r = xml_parse_list_buckets(p, n, &bl, e)) == 0)
			dump_buckets(&bl, o);
		xml_mem_free(&bl.mem);
	} else {
		r = dump_small(kind, p, n, o, e);
	}
	return r;
}

/* Every fixture parses, and every proper prefix of it either fails with
 * -EBADMSG and a message, or (when only trailing space is cut) gives the
 * very same result: never a partial one. */
static void
test_prefixes(void **state)
{
	struct buf body = BUF_INIT, full = BUF_INIT, part = BUF_INIT;
	char dir[512];
	struct dirent *de;
	struct rerr e;
	size_t n, files = 0;
	DIR *d;
	int r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/fixtures/s3", fixture_root());
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		load(de->d_name, &body);
		r = dump(de->d_name, body.ptr, body.len, &full, &e);
		if (r != 0)
			fail_msg("%s: %s", de->d_name, rerr_str(&e));
		for (n = 0; n < body.len; n++) {
			rerr_clear(&e);
			r = dump(de->d_name, body.ptr, n, &part, &e);
			if (r == 0 && strcmp(part.ptr, full.ptr) == 0)
				continue;
			if (r != -EBADMSG || e.msg[0] == '\0')
				fail_msg("%s: prefix %zu: r=%d '%s'",
				    de->d_name, n, r, part.ptr);
		}
		files++;
	}
	closedir(d);
	assert_true(files >= 40);
	buf_release(&body);
	buf_release(&full);
	buf_release(&part);
}

static void
test_error(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_error x;
	struct rerr e;

	(void)state;
	load("aws_error_redirect.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.code, "PermanentRedirect");
	assert_string_equal(
	    x.endpoint, "examplebucket.s3.eu-west-1.amazonaws.com");
	assert_string_equal(x.request_id, "4B1E6D8E8B2AAB3C");
	assert_string_equal(x.region, "");
	assert_int_equal(x.server_time, 0);
	load("aws_error_authmalformed.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.region, "us-west-2");
	load("aws_error_bucketregion.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.bucket_region, "eu-central-1");
	load("aws_error_skew.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.code, "RequestTimeTooSkewed");
	assert_int_equal(x.server_time, 1440939961); /* 2015-08-30T13:06:01Z */
	load("moto_error_nosuchkey.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.code, "NoSuchKey");
	assert_string_equal(x.message, "The specified key does not exist.");
	assert_int_equal(strlen(x.request_id), 52);
	assert_string_equal(x.host_id,
	    "9Gjjt1m+cjU4OPvX9O9/8RuvnG41MRb/"
	    "18Oux2o5H5MY7ISNTlXN+Dz9IG62/"
	    "ILVxhAGI0qyPfg=");
	load("s3rver_error_nosuchkey.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.code, "NoSuchKey");
	assert_string_equal(x.request_id, "");
	/* Leading keep-alive space before the declaration is skipped. */
	load("aws_complete_200_error.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_string_equal(x.code, "InternalError");
	/* A long message is cut to fit, a bad ServerTime ignored. */
	buf_reset(&b);
	buf_adds(&b,
	    "<Error><Code>C</Code><ServerTime>yesterday</ServerTime>"
	    "<Message>");
	while (b.len < 2000)
		buf_adds(&b, "0123456789");
	buf_adds(&b, "</Message></Error>");
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), 0);
	assert_int_equal(strlen(x.message), sizeof(x.message) - 1);
	assert_int_equal(x.server_time, 0);
	/* Not an error document: a failure, and nothing left behind. */
	load("moto_list_v2_plain.xml", &b);
	assert_int_equal(xml_parse_error(b.ptr, b.len, &x, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "<ListBucketResult>"));
	assert_string_equal(x.code, "");
	buf_release(&b);
}

static void
test_is_error(void **state)
{
	static const char *const yes[] = { "<Error/>",
		"<?xml version=\"1.0\"?>\n<Error><Code>X</Code>",
		"  \r\n<Error>", "<s3:Error xmlns:s3=\"urn:x\"><Code>",
		"<!-- c --><Error>" };
	static const char *const no[] = { "", "   ", "Error", "<Errors/>",
		"<ListBucketResult><Error>", "<!DOCTYPE Error><Error/>", "<Err",
		"\xff\xfe<Error/>" };
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(yes); i++)
		assert_true(xml_is_error(yes[i], strlen(yes[i])));
	for (i = 0; i < ARRAY_SIZE(no); i++)
		assert_false(xml_is_error(no[i], strlen(no[i])));
	load("aws_complete_200_error.xml", &b);
	assert_true(xml_is_error(b.ptr, b.len));
	load("s3rver_error_notimplemented.xml", &b);
	assert_true(xml_is_error(b.ptr, b.len));
	load("moto_mpu_complete.xml", &b);
	assert_false(xml_is_error(b.ptr, b.len));
	load("s3rver_copy_object.xml", &b);
	assert_false(xml_is_error(b.ptr, b.len));
	buf_release(&b);
}

/* Parse fixture `name` as a listing, which must succeed. */
static void
load_list(const char *name, struct xml_list_page *pg)
{
	struct buf b = BUF_INIT;
	struct rerr e;

	load(name, &b);
	if (xml_parse_list_objects(b.ptr, b.len, pg, &e) != 0)
		fail_msg("%s: %s", name, rerr_str(&e));
	buf_release(&b);
}

static void
test_list_aws(void **state)
{
	struct xml_list_page pg;

	(void)state;
	load_list("aws_list_v2.xml", &pg);
	assert_string_equal(pg.name, "bucket");
	assert_string_equal(pg.prefix, "");
	assert_string_equal(pg.next_token, "");
	assert_int_equal(pg.key_count, 205);
	assert_int_equal(pg.max_keys, 1000);
	assert_false(pg.is_truncated);
	assert_int_equal(pg.nobjects, 2);
	assert_int_equal(pg.nprefixes, 0);
	assert_string_equal(pg.objects[0].key, "my-image.jpg");
	assert_string_equal(
	    pg.objects[0].etag, "fba9dede5f27731c9771645a39863328");
	assert_int_equal(pg.objects[0].size, 434234);
	assert_int_equal(pg.objects[0].mtime, 1255369830);
	/* Keys are exact: edge spaces, entities and character references. */
	assert_string_equal(
	    pg.objects[1].key, " spaced key & <tag> \rcr \ttab ");
	assert_string_equal(
	    pg.objects[1].etag, "a2a4c4b1f7c52a0e5b5b3c2b0f0e0d0c-12");
	assert_true(pg.objects[1].size == UINT64_MAX);
	assert_int_equal(pg.objects[1].mtime, 1709251199);
	assert_string_equal(pg.objects[1].storage_class, "GLACIER");
	xml_list_page_free(&pg);
	assert_null(pg.objects);
}

static void
test_list_url(void **state)
{
	struct xml_list_page pg;

	(void)state;
	load_list("aws_list_v2_url.xml", &pg);
	assert_string_equal(pg.encoding_type, "url");
	assert_string_equal(pg.prefix, "photos/2006 &/");
	assert_string_equal(pg.delimiter, "/");
	assert_true(pg.is_truncated);
	/* Tokens are opaque: never decoded. */
	assert_string_equal(pg.continuation_token,
	    "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	assert_string_equal(
	    pg.next_token, "2ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	assert_int_equal(pg.nobjects, 1);
	assert_string_equal(
	    pg.objects[0].key, "photos/2006 &/a b+c%d\r\n\xc3\xa9");
	assert_int_equal(pg.nprefixes, 2);
	assert_string_equal(pg.prefixes[0], "photos/2006 &/February/");
	assert_string_equal(pg.prefixes[1], "photos/2006 &/January/");
	xml_list_page_free(&pg);
}

/* moto encodes with %20; the plain and encoded listings must agree. */
static void
test_list_moto(void **state)
{
	struct buf b = BUF_INIT, d1 = BUF_INIT, d2 = BUF_INIT;
	struct xml_list_page pg;
	struct rerr e;
	char z[1025];

	(void)state;
	load_list("moto_list_v2_url.xml", &pg);
	assert_int_equal(pg.nobjects, 7);
	assert_string_equal(
	    pg.objects[3].key, "sp ace+plus%pct&amp<lt>gt\"q'a");
	assert_string_equal(pg.objects[4].key, "tab\there");
	assert_string_equal(
	    pg.objects[5].key, "uni\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
	memset(z, 'z', 1024);
	z[1024] = '\0';
	assert_string_equal(pg.objects[6].key, z);
	assert_int_equal(pg.objects[6].size, 5);
	assert_string_equal(pg.objects[6].storage_class, "STANDARD");
	xml_list_page_free(&pg);
	load("moto_list_v2_url.xml", &b);
	assert_int_equal(dump("list_v2", b.ptr, b.len, &d1, &e), 0);
	load("moto_list_v2_plain.xml", &b);
	assert_int_equal(dump("list_v2", b.ptr, b.len, &d2, &e), 0);
	/* Only the EncodingType column differs. */
	assert_non_null(strstr(d1.ptr, "|url|"));
	assert_string_equal(strchr(d1.ptr, '\n'), strchr(d2.ptr, '\n'));
	load_list("moto_list_v2_trunc_url.xml", &pg);
	assert_true(pg.is_truncated);
	assert_string_equal(pg.next_token, "509b5f5ce3ea8964fa1538f5d10df947");
	assert_string_equal(pg.start_after, "a");
	xml_list_page_free(&pg);
	load_list("moto_list_v2_plain_delim.xml", &pg);
	assert_int_equal(pg.nprefixes, 1);
	assert_string_equal(pg.prefixes[0], "dir/sub/");
	assert_string_equal(pg.delimiter, "/");
	xml_list_page_free(&pg);
	buf_release(&b);
	buf_release(&d1);
	buf_release(&d2);
}

/* s3rver: a wrong namespace, no EncodingType even when asked for it, and
 * raw CR/LF in keys (so XML turns a CR into LF: the key is lost). */
static void
test_list_s3rver(void **state)
{
	struct xml_list_page pg;

	(void)state;
	load_list("s3rver_list_v2_url_delim.xml", &pg);
	assert_string_equal(pg.encoding_type, "");
	assert_string_equal(pg.objects[1].key, "cr\nlf\nx");
	assert_string_equal(
	    pg.objects[2].key, "sp ace+plus%pct&amp<lt>gt\"q'a");
	assert_string_equal(
	    pg.objects[0].etag, "5d41402abc4b2a76b9719d911017c592");
	xml_list_page_free(&pg);
	load_list("s3rver_list_v2_trunc_url.xml", &pg);
	assert_true(pg.is_truncated);
	assert_string_equal(pg.continuation_token,
	    "1IkttSaArVHjbPprat1HPpnD3EZtEy2ccVVgGxN0Lqg=");
	assert_string_equal(
	    pg.next_token, "10hfBDA/KBI8/BZKH3KbS6uKHbOcBX2MT3LS5sRi4Rw=");
	assert_int_equal(pg.nobjects, 2);
	xml_list_page_free(&pg);
}

static void
expect_bad_list(const char *body, const char *msg)
{
	struct xml_list_page pg;
	struct rerr e;

	rerr_clear(&e);
	assert_int_equal(
	    xml_parse_list_objects(body, strlen(body), &pg, &e), -EBADMSG);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, msg);
	assert_null(pg.objects);
	assert_null(pg.mem.chunks);
}

#define LBR \
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define OBJ "<Contents><Key>k</Key><Size>1</Size></Contents>"

static void
test_list_anomalies(void **state)
{
	struct xml_list_page pg;
	struct rerr e;
	const char *ok = LBR "<Prefix>%G1</Prefix>" OBJ "</ListBucketResult>";

	(void)state;
	expect_bad_list(LBR "<IsTruncated>true</IsTruncated>" OBJ
	                    "</ListBucketResult>",
	    "without NextContinuationToken");
	expect_bad_list(LBR "<IsTruncated>true</IsTruncated><"
	                    "NextContinuationToken></NextContinuationToken>" OBJ
	                    "</ListBucketResult>",
	    "without NextContinuationToken");
	expect_bad_list(LBR "<IsTruncated>true</IsTruncated><ContinuationToken>"
	                    "t</ContinuationToken><NextContinuationToken>t</"
	                    "NextContinuationToken></ListBucketResult>",
	    "repeats");
	expect_bad_list(LBR "<IsTruncated>yes</IsTruncated></ListBucketResult>",
	    "IsTruncated");
	expect_bad_list(LBR "<Contents><Size>1</Size></Contents>"
	                    "</ListBucketResult>",
	    "without <Key>");
	expect_bad_list(LBR "<Contents><Key>k</Key></Contents>"
	                    "</ListBucketResult>",
	    "<Size>");
	expect_bad_list(LBR "<Contents><Key>k</Key><Size>-1</Size></Contents>"
	                    "</ListBucketResult>",
	    "Size");
	expect_bad_list(LBR "<Contents><Key>k</Key><Size>18446744073709551616"
	                    "</Size></Contents></ListBucketResult>",
	    "Size");
	expect_bad_list(LBR "<Contents><Key>k</Key><Size>1</Size><LastModified>"
	                    "2009-10-12T17:50:30.Z</LastModified></Contents>"
	                    "</ListBucketResult>",
	    "LastModified");
	expect_bad_list(LBR
	    "<EncodingType>url</EncodingType><Contents><Key>a%G1"
	    "</Key><Size>1</Size></Contents></ListBucketResult>",
	    "%-escape in <Key>");
	expect_bad_list(LBR
	    "<EncodingType>url</EncodingType><Contents><Key>a%4"
	    "</Key><Size>1</Size></Contents></ListBucketResult>",
	    "%-escape");
	expect_bad_list(LBR
	    "<EncodingType>url</EncodingType><Contents><Key>a%00"
	    "</Key><Size>1</Size></Contents></ListBucketResult>",
	    "%00");
	expect_bad_list(LBR "<EncodingType>url</EncodingType><Prefix>%</Prefix>"
	                    "</ListBucketResult>",
	    "<Prefix>");
	expect_bad_list(
	    "<Error><Code>NoSuchBucket</Code></Error>", "root element <Error>");
	expect_bad_list(LBR OBJ, "truncated");
	expect_bad_list("", "empty");
	expect_bad_list(LBR "<Key>&bogus;</Key></ListBucketResult>", "entity");
	/* Without EncodingType=url a '%' is just a character. */
	assert_int_equal(xml_parse_list_objects(ok, strlen(ok), &pg, &e), 0);
	assert_string_equal(pg.prefix, "%G1");
	xml_list_page_free(&pg);
}

static void
test_doctype(void **state)
{
	static const char *const bad[] = {
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		"]>\n"
		"<ListBucketResult><Name>&lol3;</Name></ListBucketResult>",
		"<!DOCTYPE ListBucketResult [<!ENTITY x SYSTEM "
		"\"file:///etc/passwd\">]><ListBucketResult><Name>&x;</Name>"
		"</ListBucketResult>",
		"<!DOCTYPE ListBucketResult SYSTEM \"http://x/y.dtd\">"
		"<ListBucketResult/>",
		"<!DOCTYPE ListBucketResult><ListBucketResult/>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		expect_bad_list(bad[i], "DOCTYPE");
}

static void
test_caps(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_list_page pg;
	struct rerr e;
	int i;

	(void)state;
	/* Text beyond the cap in an element we keep. */
	buf_adds(&b, LBR "<Contents><Key>");
	for (i = 0; i < XML_TEXT_MAX + 1; i++)
		buf_addc(&b, 'k');
	buf_adds(&b, "</Key><Size>1</Size></Contents></ListBucketResult>");
	expect_bad_list(b.ptr, "<Contents/Key> text longer than");
	/* Entities count after expansion. */
	buf_reset(&b);
	buf_adds(&b, LBR "<Name>");
	for (i = 0; i < XML_TEXT_MAX; i++)
		buf_adds(&b, "&amp;");
	buf_adds(&b, "&amp;</Name></ListBucketResult>");
	expect_bad_list(b.ptr, "text longer than");
	/* Text we skip costs nothing. */
	buf_reset(&b);
	buf_adds(&b, LBR "<Ignored>");
	for (i = 0; i < 4 * XML_TEXT_MAX; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "</Ignored></ListBucketResult>");
	assert_int_equal(xml_parse_list_objects(b.ptr, b.len, &pg, &e), 0);
	xml_list_page_free(&pg);
	/* Nesting. */
	buf_reset(&b);
	buf_adds(&b, LBR);
	for (i = 0; i < XML_DEPTH_MAX; i++)
		buf_adds(&b, "<a>");
	expect_bad_list(b.ptr, "nested deeper");
	/* Entries. */
	buf_reset(&b);
	buf_adds(&b, LBR);
	for (i = 0; i <= XML_ITEMS_MAX; i++)
		buf_adds(&b,
		    "<CommonPrefixes><Prefix>p/</Prefix>"
		    "</CommonPrefixes>");
	buf_adds(&b, "</ListBucketResult>");
	expect_bad_list(b.ptr, "more than");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_is_error),
		cmocka_unit_test(test_list_aws),
		cmocka_unit_test(test_list_url),
		cmocka_unit_test(test_list_moto),
		cmocka_unit_test(test_list_s3rver),
		cmocka_unit_test(test_list_anomalies),
		cmocka_unit_test(test_doctype),
		cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
