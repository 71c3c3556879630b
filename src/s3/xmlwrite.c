/*
 * xmlwrite.c - request bodies S3 wants as XML: DeleteObjects,
 * CompleteMultipartUpload and CreateBucketConfiguration.  Text is escaped
 * so that any key XML 1.0 can carry reaches S3 byte for byte.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

/* Length of the valid UTF-8 sequence at `p` (at most `n` bytes) that XML
 * 1.0 allows, or 0: no overlongs, surrogates, U+FFFE/U+FFFF or beyond
 * U+10FFFF. */
static size_t
utf8_char(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
	    cp == 0xffff)
		return 0;
	return len;
}

static const char *
entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	/* As references, or XML's end-of-line handling would rewrite them. */
	case '\t':
		return "&#x9;";
	case '\n':
		return "&#xA;";
	case '\r':
		return "&#xD;";
	}
	return NULL;
}

int
xml_escape(struct buf *out, const char *s, size_t n, struct rerr *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	const char *ent;
	int r;

	while (i < n) {
		if ((ent = entity(p[i])) != NULL) {
			if ((r = buf_add(out, p + run, i - run)) != 0 ||
			    (r = buf_adds(out, ent)) != 0)
				return r;
			run = ++i;
			continue;
		}
		if (p[i] < 0x20 || (len = utf8_char(p + i, n - i)) == 0)
			return rerr_set(e, -EINVAL,
			    "byte 0x%02x at offset %zu cannot be sent in XML "
			    "(control character or invalid UTF-8)",
			    p[i], i);
		i += len;
	}
	return buf_add(out, p + run, i - run);
}

static int
element(struct buf *out, const char *name, const char *text, struct rerr *e)
{
	int r;

	if ((r = buf_addf(out, "<%s>", name)) != 0 ||
	    (r = xml_escape(out, text, strlen(text), e)) != 0)
		return r;
	return buf_addf(out, "</%s>", name);
}

int
xml_write_delete(struct buf *out, const char *const *keys, size_t n, bool quiet,
    struct rerr *e)
{
	size_t i;
	int r;

	if (n == 0 || n > XML_KEYS_MAX)
		return rerr_set(e, -EINVAL,
		    "DeleteObjects takes 1 to %d keys, not %zu", XML_KEYS_MAX,
		    n);
	if ((r = buf_adds(out,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	         "<Delete xmlns=\"" S3_NS "\">")) != 0 ||
	    (quiet && (r = buf_adds(out, "<Quiet>true</Quiet>")) != 0))
		return r;
	for (i = 0; i < n; i++) {
		if (keys[i][0] == '\0')
			return rerr_set(e, -EINVAL, "empty key");
		if ((r = buf_adds(out, "<Object>")) != 0 ||
		    (r = element(out, "Key", keys[i], e)) != 0 ||
		    (r = buf_adds(out, "</Object>")) != 0)
			return r;
	}
	return buf_adds(out, "</Delete>");
}

/* S3 wants the ETag quoted as it handed it out. */
static int
part(struct buf *out, const struct xml_part *pt, struct rerr *e)
{
	size_t n = strlen(pt->etag);
	bool quoted = n >= 2 && pt->etag[0] == '"' && pt->etag[n - 1] == '"';
	int r;

	if (n == 0 || (quoted && n == 2))
		return rerr_set(e, -EINVAL, "part %u has no ETag", pt->number);
	if ((r = buf_addf(out, "<Part><PartNumber>%u</PartNumber><ETag>",
	         pt->number)) != 0 ||
	    (!quoted && (r = buf_adds(out, "&quot;")) != 0) ||
	    (r = xml_escape(out, pt->etag, n, e)) != 0 ||
	    (!quoted && (r = buf_adds(out, "&quot;")) != 0))
		return r;
	return buf_adds(out, "</ETag></Part>");
}

int
xml_write_complete(
    struct buf *out, const struct xml_part *parts, size_t n, struct rerr *e)
{
	size_t i;
	int r;

	if (n == 0 || n > 10000)
		return rerr_set(e, -EINVAL,
		    "a multipart upload has 1 to 10000 "
		    "parts, not %zu",
		    n);
	if ((r = buf_adds(out,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	         "<CompleteMultipartUpload xmlns=\"" S3_NS "\">")) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (parts[i].number < 1 || parts[i].number > 10000 ||
		    (i > 0 && parts[i].number <= parts[i - 1].number))
			return rerr_set(e, -EINVAL,
			    "part numbers must increase within 1..10000 "
			    "(part %u after %u)",
			    parts[i].number, i > 0 ? parts[i - 1].number : 0);
		if ((r = part(out, &parts[i], e)) != 0)
			return r;
	}
	return buf_adds(out, "</CompleteMultipartUpload>");
}

int
xml_write_create_bucket(struct buf *out, const char *region, struct rerr *e)
{
	int r;

	if (region[0] == '\0' || strcmp(region, "us-east-1") == 0)
		return 0;
	if ((r = buf_adds(out,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	         "<CreateBucketConfiguration xmlns=\"" S3_NS "\">")) != 0 ||
	    (r = element(out, "LocationConstraint", region, e)) != 0)
		return r;
	return buf_adds(out, "</CreateBucketConfiguration>");
}
