/*
 * fuzz_s3xml - every S3 reply parser on the same bytes, plus an escape round
 * trip: text xml_escape accepts must parse back byte for byte.  Must never
 * crash, leak or trip a sanitizer; a broken invariant (a failure without a
 * message or with a half-filled result, a success with a NULL string, a
 * truncated listing without a token) aborts.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* A failure is -EBADMSG with a message; `mem` must then be empty. */
static void
check_fail(int r, const struct rerr *e, const struct xml_mem *m)
{
	CHECK(r == -EBADMSG && e->err == EBADMSG && e->msg[0] != '\0');
	CHECK(m == NULL || (m->chunks == NULL && m->total == 0));
}

static void
lists(const char *p, size_t n)
{
	struct xml_list_page pg;
	struct xml_upload_list ul;
	struct rerr e;
	size_t i;
	int r;

	if ((r = xml_parse_list_objects(p, n, &pg, &e)) == 0) {
		CHECK(pg.name && pg.prefix && pg.delimiter && pg.next_token);
		CHECK(!pg.is_truncated || pg.next_token[0] != '\0');
		for (i = 0; i < pg.nobjects; i++)
			CHECK(pg.objects[i].key[0] && pg.objects[i].etag);
		for (i = 0; i < pg.nprefixes; i++)
			CHECK(pg.prefixes[i] != NULL);
	} else {
		check_fail(r, &e, &pg.mem);
		CHECK(pg.objects == NULL);
	}
	xml_list_page_free(&pg);
	if ((r = xml_parse_list_uploads(p, n, &ul, &e)) == 0) {
		CHECK(!ul.is_truncated || ul.next_key_marker[0] != '\0');
		for (i = 0; i < ul.nuploads; i++)
			CHECK(
			    ul.uploads[i].key[0] && ul.uploads[i].upload_id[0]);
	} else {
		check_fail(r, &e, &ul.mem);
	}
	xml_mem_free(&ul.mem);
}

static void
results(const char *p, size_t n)
{
	struct xml_bucket_list bl;
	struct xml_delete_result dr;
	struct xml_mpu_init in;
	struct xml_mpu_done dn;
	struct xml_copy cp;
	struct rerr e;
	int r;

	if ((r = xml_parse_list_buckets(p, n, &bl, &e)) == 0)
		CHECK(bl.owner_id && (bl.nbuckets == 0 || bl.buckets[0].name));
	else
		check_fail(r, &e, &bl.mem);
	xml_mem_free(&bl.mem);
	if ((r = xml_parse_delete_result(p, n, &dr, &e)) != 0)
		check_fail(r, &e, &dr.mem);
	xml_mem_free(&dr.mem);
	if ((r = xml_parse_mpu_init(p, n, &in, &e)) == 0)
		CHECK(in.upload_id[0] && in.key && in.bucket);
	else
		check_fail(r, &e, &in.mem);
	xml_mem_free(&in.mem);
	if ((r = xml_parse_mpu_done(p, n, &dn, &e)) == 0)
		CHECK(dn.etag[0] && dn.location);
	else
		check_fail(r, &e, &dn.mem);
	xml_mem_free(&dn.mem);
	if ((r = xml_parse_copy(p, n, &cp, &e)) == 0)
		CHECK(cp.etag[0]);
	else
		check_fail(r, &e, &cp.mem);
	xml_mem_free(&cp.mem);
}

static void
small(const char *p, size_t n)
{
	struct xml_error xe;
	char region[64];
	struct rerr e;
	int r;

	if ((r = xml_parse_error(p, n, &xe, &e)) != 0)
		check_fail(r, &e, NULL);
	else if (!xml_is_error(p, n))
		abort(); /* parsed as <Error>, so its root is one */
	if ((r = xml_parse_location(p, n, region, sizeof(region), &e)) != 0)
		check_fail(r, &e, NULL);
	else
		CHECK(region[0] != '\0');
}

struct key {
	struct buf got;
	int seen;
};

static int
key_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct key *k = arg;

	(void)id, (void)e;
	if (ev == XML_CLOSE) {
		buf_add(&k->got, text, len);
		k->seen++;
	}
	return 0;
}

/* Whatever xml_escape accepts must come back unchanged. */
static void
round_trip(const char *p, size_t n)
{
	static const struct xml_rule rules[] = { { "Object/Key", 0, true } };
	static const struct xml_schema s = { "Delete", NULL, rules,
		ARRAY_SIZE(rules), key_fn };
	struct buf doc = BUF_INIT;
	struct key k = { BUF_INIT, 0 };
	struct rerr e;
	char *z;

	buf_adds(&doc, "<Delete><Object><Key>");
	if (xml_escape(&doc, p, n, &e) == 0) {
		buf_adds(&doc, "</Key></Object></Delete>");
		CHECK(xml_parse(doc.ptr, doc.len, &s, &k, &e) == 0);
		CHECK(k.seen == 1 && k.got.len == n &&
		    (n == 0 || memcmp(k.got.ptr, p, n) == 0));
	}
	z = xstrndup(p, n);
	(void)xml_url_decode(z, "fuzz", &e);
	free(z);
	buf_release(&doc);
	buf_release(&k.got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;

	lists(p, size);
	results(p, size);
	small(p, size);
	if (size <= 4096)
		round_trip(p, size);
	return 0;
}
