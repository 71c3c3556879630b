/*
 * Unit tests for s3/xml: the replies other than errors and object listings
 * (buckets, multipart uploads and their listing, copies, multi-object
 * delete, bucket location), from AWS's documentation, moto and s3rver.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"

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

static void
test_buckets(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_bucket_list bl;
	struct rerr e;

	(void)state;
	load("aws_list_buckets.xml", &b);
	assert_int_equal(xml_parse_list_buckets(b.ptr, b.len, &bl, &e), 0);
	assert_string_equal(bl.owner_id, "bcaf1ffd86f461ca5fb16fd081034f");
	assert_string_equal(bl.owner_name, "webfile");
	assert_string_equal(
	    bl.continuation_token, "eyJNYXJrZXIiOiAic2FtcGxlcyJ9");
	assert_int_equal(bl.nbuckets, 2);
	assert_string_equal(bl.buckets[0].name, "quotes");
	assert_int_equal(bl.buckets[0].created, 1138985109);
	assert_string_equal(bl.buckets[1].name, "samples");
	xml_mem_free(&bl.mem);
	load("s3rver_list_buckets.xml", &b);
	assert_int_equal(xml_parse_list_buckets(b.ptr, b.len, &bl, &e), 0);
	assert_int_equal(bl.nbuckets, 2);
	assert_string_equal(bl.buckets[1].name, "other");
	assert_string_equal(bl.owner_name, "S3rver");
	assert_string_equal(bl.continuation_token, "");
	xml_mem_free(&bl.mem);
	buf_reset(&b);
	buf_adds(&b,
	    "<ListAllMyBucketsResult><Buckets><Bucket><CreationDate>"
	    "2006-02-03T16:45:09.000Z</CreationDate></Bucket></Buckets>"
	    "</ListAllMyBucketsResult>");
	assert_int_equal(
	    xml_parse_list_buckets(b.ptr, b.len, &bl, &e), -EBADMSG);
	assert_null(bl.buckets);
	buf_release(&b);
}

static void
test_uploads(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_upload_list ul;
	struct rerr e;
	const char *trunc = "<ListMultipartUploadsResult><IsTruncated>true"
	                    "</IsTruncated></ListMultipartUploadsResult>";

	(void)state;
	load("aws_list_uploads.xml", &b);
	assert_int_equal(xml_parse_list_uploads(b.ptr, b.len, &ul, &e), 0);
	assert_string_equal(ul.bucket, "bucket");
	assert_string_equal(ul.prefix, "my ");
	assert_string_equal(ul.delimiter, "/");
	assert_string_equal(ul.key_marker, "");
	assert_string_equal(ul.next_key_marker, "my+movie.m2ts");
	assert_string_equal(ul.next_upload_id_marker,
	    "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ");
	assert_int_equal(ul.max_uploads, 3);
	assert_true(ul.is_truncated);
	assert_int_equal(ul.nuploads, 2);
	assert_string_equal(ul.uploads[0].key, "my divisor");
	assert_string_equal(ul.uploads[1].key, "my+movie.m2ts");
	assert_int_equal(ul.uploads[1].initiated, 1289422113);
	assert_int_equal(ul.nprefixes, 1);
	assert_string_equal(ul.prefixes[0], "my photos/");
	xml_mem_free(&ul.mem);
	load("moto_list_uploads.xml", &b);
	assert_int_equal(xml_parse_list_uploads(b.ptr, b.len, &ul, &e), 0);
	assert_int_equal(ul.nuploads, 2);
	assert_string_equal(ul.uploads[0].key, "big & <key>");
	assert_string_equal(ul.uploads[1].upload_id,
	    "U1LtObBrYLwd1GDwRiTD000GVoa5mzwEVBxoa5K1DbnAHNAX3CHIM29g");
	xml_mem_free(&ul.mem);
	/* s3rver does not implement it. */
	load("s3rver_error_notimplemented.xml", &b);
	assert_int_equal(
	    xml_parse_list_uploads(b.ptr, b.len, &ul, &e), -EBADMSG);
	assert_int_equal(
	    xml_parse_list_uploads(trunc, strlen(trunc), &ul, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "NextKeyMarker"));
	buf_release(&b);
}

static void
test_multipart(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_mpu_init in;
	struct xml_mpu_done dn;
	struct rerr e;
	const char *noid =
	    "<InitiateMultipartUploadResult><Bucket>b</Bucket>"
	    "<UploadId></UploadId></InitiateMultipartUploadResult>";
	const char *noetag = "<CompleteMultipartUploadResult><Key>k</Key>"
	                     "</CompleteMultipartUploadResult>";

	(void)state;
	load("moto_mpu_init.xml", &b);
	assert_int_equal(xml_parse_mpu_init(b.ptr, b.len, &in, &e), 0);
	assert_string_equal(in.bucket, "bkt");
	assert_string_equal(in.key, "big & <key>");
	assert_string_equal(in.upload_id,
	    "6FLcDcFVMebfdSG1yTwL1qZITlxK1spmvYcmLmHzqiz19xVkq7a9Ueam3A");
	xml_mem_free(&in.mem);
	assert_int_equal(
	    xml_parse_mpu_init(noid, strlen(noid), &in, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "without <UploadId>"));
	assert_null(in.upload_id);
	/* moto's root is ...Response, s3rver's has no namespace. */
	load("moto_mpu_complete.xml", &b);
	assert_int_equal(xml_parse_mpu_done(b.ptr, b.len, &dn, &e), 0);
	assert_string_equal(dn.etag, "bfdfcf139a14be381f52a471f7239743-2");
	assert_string_equal(dn.key, "big & <key>");
	xml_mem_free(&dn.mem);
	load("s3rver_mpu_complete.xml", &b);
	assert_int_equal(xml_parse_mpu_done(b.ptr, b.len, &dn, &e), 0);
	assert_string_equal(
	    dn.location, "http://127.0.0.1:45672/bkt/big%20%26%20%3Ckey%3E");
	assert_string_equal(dn.etag, "4f08eef4096726bff1125e1b1b734644");
	xml_mem_free(&dn.mem);
	assert_int_equal(
	    xml_parse_mpu_done(noetag, strlen(noetag), &dn, &e), -EBADMSG);
	load("aws_complete_200_error.xml", &b);
	assert_int_equal(xml_parse_mpu_done(b.ptr, b.len, &dn, &e), -EBADMSG);
	buf_release(&b);
}

static void
test_copy_delete(void **state)
{
	struct buf b = BUF_INIT;
	struct xml_copy cp;
	struct xml_delete_result dr;
	struct rerr e;

	(void)state;
	load("aws_copy_part.xml", &b);
	assert_int_equal(xml_parse_copy(b.ptr, b.len, &cp, &e), 0);
	assert_string_equal(cp.etag, "9b2cf535f27731c974343645a3985328");
	assert_int_equal(cp.mtime, 1256769120);
	xml_mem_free(&cp.mem);
	load("s3rver_copy_object.xml", &b);
	assert_int_equal(xml_parse_copy(b.ptr, b.len, &cp, &e), 0);
	assert_string_equal(cp.etag, "5d41402abc4b2a76b9719d911017c592");
	xml_mem_free(&cp.mem);
	load("aws_delete_result.xml", &b);
	assert_int_equal(xml_parse_delete_result(b.ptr, b.len, &dr, &e), 0);
	assert_int_equal(dr.ndeleted, 2);
	assert_string_equal(dr.deleted[0].key, "sample1.txt");
	assert_string_equal(dr.deleted[0].version_id, "");
	assert_string_equal(
	    dr.deleted[1].version_id, "OYcLXagmS.WaD..oyH4KRguB95_YhLs7");
	assert_int_equal(dr.nerrors, 1);
	assert_string_equal(dr.errors[0].key, "sample2 & more.txt");
	assert_string_equal(dr.errors[0].code, "AccessDenied");
	assert_string_equal(dr.errors[0].message, "Access Denied");
	xml_mem_free(&dr.mem);
	load("s3rver_delete_objects.xml", &b);
	assert_int_equal(xml_parse_delete_result(b.ptr, b.len, &dr, &e), 0);
	assert_int_equal(dr.ndeleted, 3);
	assert_int_equal(dr.nerrors, 0);
	xml_mem_free(&dr.mem);
	buf_release(&b);
}

static void
test_location(void **state)
{
	static const struct {
		const char *file, *region;
	} cases[] = { { "moto_location.xml", "us-east-1" },
		{ "s3rver_location.xml", "us-east-1" },
		{ "aws_location_eu.xml", "eu-west-1" },
		{ "aws_location.xml", "ap-southeast-2" } };
	struct buf b = BUF_INIT;
	char region[32], tiny[8];
	struct rerr e;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		load(cases[i].file, &b);
		assert_int_equal(xml_parse_location(
		                     b.ptr, b.len, region, sizeof(region), &e),
		    0);
		assert_string_equal(region, cases[i].region);
	}
	assert_int_equal(
	    xml_parse_location(b.ptr, b.len, tiny, sizeof(tiny), &e), -EBADMSG);
	assert_string_equal(tiny, "");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_uploads),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_copy_delete),
		cmocka_unit_test(test_location),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
