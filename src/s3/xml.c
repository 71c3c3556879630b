/*
 * xml.c - the expat driver, the arena results live in, value helpers, and
 * the two replies every request may get: <Error> and the bucket location.
 * The listing schemas are in xmlresp.c, the writers in xmlwrite.c.
 */
#include "roma.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uri.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#define NS_SEP     '\x01' /* expat joins namespace URI and local name */
#define PATH_LEN   512
#define CHUNK_SIZE ((size_t)16 * 1024)
#define FEED_SIZE  (1 << 20) /* XML_Parse takes an int length */

const char *
xml_version(void)
{
	static char v[32];
	XML_Expat_Version x = XML_ExpatVersionInfo();

	snprintf(v, sizeof(v), "%d.%d.%d", x.major, x.minor, x.micro);
	return v;
}

/* Arena. */

struct chunk {
	struct chunk *next;
	size_t size;
	alignas(max_align_t) char data[];
};

void
xml_mem_free(struct xml_mem *m)
{
	struct chunk *c = m->chunks, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(m, 0, sizeof(*m));
}

void *
xml_mem_alloc(struct xml_mem *m, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct chunk *c = m->chunks;
	char *p;

	n = (n + align - 1) & ~(align - 1);
	if (c == NULL || n > m->left) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->next = m->chunks;
		m->chunks = c;
		m->left = size;
		m->total += size;
	}
	p = c->data + (c->size - m->left);
	m->left -= n;
	memset(p, 0, n);
	return p;
}

char *
xml_mem_strndup(struct xml_mem *m, const char *s, size_t n)
{
	char *p = xml_mem_alloc(m, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Room for one more `size`-byte element at arr[n]; doubles in the arena. */
int
xml_mem_grow(struct xml_mem *m, void **arr, size_t n, size_t *cap, size_t size,
    struct rerr *e)
{
	void *p;

	if (n >= XML_ITEMS_MAX)
		return rerr_set(e, -EBADMSG, "S3 reply: more than %d entries",
		    XML_ITEMS_MAX);
	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	p = xml_mem_alloc(m, *cap * size);
	if (n > 0)
		memcpy(p, *arr, n * size);
	*arr = p;
	return 0;
}

/* ETags arrive quoted ("..." or &quot;...&quot;); callers want them bare. */
const char *
xml_mem_etag(struct xml_mem *m, const char *text, size_t len)
{
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
		return xml_mem_strndup(m, text + 1, len - 2);
	return xml_mem_strndup(m, text, len);
}

/* Driver. */

struct driver {
	XML_Parser p;
	const struct xml_schema *s;
	void *arg;
	struct rerr *e;
	int err;
	unsigned depth;
	size_t plen[XML_DEPTH_MAX + 1]; /* path length before each level */
	const struct xml_rule *rule[XML_DEPTH_MAX + 1];
	char path[PATH_LEN];
	struct buf text;
	unsigned text_depth; /* level whose text is collected; 0: none */
};

static const char *
local_name(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);

	return sep ? sep + 1 : name;
}

static void
fail(struct driver *d, int err)
{
	if (d->err == 0)
		d->err = err;
	XML_StopParser(d->p, XML_FALSE);
}

static const struct xml_rule *
match(const struct xml_schema *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nrules; i++)
		if (strcmp(s->rules[i].path, path) == 0)
			return &s->rules[i];
	return NULL;
}

static int
check_root(struct driver *d, const char *name)
{
	const struct xml_schema *s = d->s;

	if (strcmp(name, s->root) == 0 ||
	    (s->alt_root && strcmp(name, s->alt_root) == 0))
		return 0;
	return rerr_set(d->e, -EBADMSG,
	    "S3 reply: root element <%.64s>, expected <%s>", name, s->root);
}

/* Paths are relative to the root, whose own path is "". */
static int
push(struct driver *d, const char *name)
{
	size_t n = strlen(name), at = d->plen[d->depth];

	if (d->depth >= XML_DEPTH_MAX)
		return rerr_set(d->e, -EBADMSG,
		    "S3 reply: elements nested deeper than %d", XML_DEPTH_MAX);
	if (at + n + 2 > sizeof(d->path))
		return rerr_set(
		    d->e, -EBADMSG, "S3 reply: element path too long");
	if (d->depth > 0) {
		if (at > 0)
			d->path[at++] = '/';
		memcpy(d->path + at, name, n + 1);
		at += n;
	}
	d->depth++;
	d->plen[d->depth] = at;
	return 0;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct driver *d = ud;
	const struct xml_rule *r;
	int err;

	(void)atts;
	if (d->err != 0)
		return;
	name = local_name(name);
	if ((d->depth == 0 && (err = check_root(d, name)) != 0) ||
	    (err = push(d, name)) != 0) {
		fail(d, err);
		return;
	}
	r = d->rule[d->depth] = match(d->s, d->path);
	if (r == NULL)
		return;
	if (r->text) {
		buf_reset(&d->text);
		d->text_depth = d->depth;
	}
	err = d->s->fn(d->arg, r->id, XML_OPEN, NULL, 0, d->e);
	if (err != 0)
		fail(d, err);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct driver *d = ud;
	const struct xml_rule *r;
	int err = 0;

	/* expat may still report the end of an element whose start failed. */
	(void)name;
	if (d->err != 0)
		return;
	if ((r = d->rule[d->depth]) != NULL) {
		if (r->text)
			err = d->s->fn(d->arg, r->id, XML_CLOSE, d->text.ptr,
			    d->text.len, d->e);
		else
			err = d->s->fn(d->arg, r->id, XML_CLOSE, NULL, 0, d->e);
	}
	if (d->text_depth == d->depth)
		d->text_depth = 0;
	d->depth--;
	d->path[d->plen[d->depth]] = '\0';
	if (err != 0)
		fail(d, err);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct driver *d = ud;

	if (d->err != 0 || d->text_depth == 0 || d->text_depth != d->depth)
		return;
	if (buf_add(&d->text, s, (size_t)len) != 0)
		fail(d,
		    rerr_set(d->e, -EBADMSG,
		        "S3 reply: <%s> text longer than %d bytes",
		        d->path[0] ? d->path : d->s->root, XML_TEXT_MAX));
}

/* No DTDs at all: this is what keeps entity expansion attacks out. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct driver *d = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(d, rerr_set(d->e, -EBADMSG, "S3 reply: DOCTYPE not allowed"));
}

static XML_Parser
new_parser(void *ud)
{
	XML_Parser p = XML_ParserCreateNS("UTF-8", NS_SEP);

	if (p == NULL) {
		(void)fputs("roma: out of memory\n", stderr);
		abort();
	}
	XML_SetUserData(p, ud);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	return p;
}

/* AWS may pad a slow CompleteMultipartUpload reply with leading space. */
static const char *
skip_space(const char *body, size_t *len)
{
	while (*len > 0 &&
	    (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')) {
		body++;
		(*len)--;
	}
	return body;
}

static int
feed(XML_Parser p, const char *body, size_t len)
{
	while (len > FEED_SIZE) {
		if (XML_Parse(p, body, FEED_SIZE, XML_FALSE) != XML_STATUS_OK)
			return -1;
		body += FEED_SIZE;
		len -= FEED_SIZE;
	}
	return XML_Parse(p, body, (int)len, XML_TRUE) == XML_STATUS_OK ? 0 : -1;
}

int
xml_parse(const char *body, size_t len, const struct xml_schema *s, void *arg,
    struct rerr *e)
{
	struct driver d = { .s = s, .arg = arg, .e = e };
	int r = 0;

	buf_init(&d.text, XML_TEXT_MAX);
	d.p = new_parser(&d);
	XML_SetElementHandler(d.p, on_start, on_end);
	XML_SetCharacterDataHandler(d.p, on_text);
	body = skip_space(body, &len);
	if (feed(d.p, body, len) != 0) {
		if ((r = d.err) != 0)
			goto out;
		r = rerr_set(e, -EBADMSG,
		    "S3 reply: %s XML at line %lu column %lu: %s",
		    len == 0 ? "empty" : "malformed or truncated",
		    (unsigned long)XML_GetCurrentLineNumber(d.p),
		    (unsigned long)XML_GetCurrentColumnNumber(d.p),
		    XML_ErrorString(XML_GetErrorCode(d.p)));
	}
out:
	XML_ParserFree(d.p);
	buf_release(&d.text);
	return r;
}

/* xml_is_error: stop at the first element. */

struct root_probe {
	XML_Parser p;
	bool error;
};

static void XMLCALL
probe_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct root_probe *rp = ud;

	(void)atts;
	rp->error = strcmp(local_name(name), "Error") == 0;
	XML_StopParser(rp->p, XML_FALSE);
}

static void XMLCALL
probe_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct root_probe *rp = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	XML_StopParser(rp->p, XML_FALSE);
}

bool
xml_is_error(const char *body, size_t len)
{
	struct root_probe rp = { NULL, false };

	rp.p = XML_ParserCreateNS("UTF-8", NS_SEP);
	if (rp.p == NULL)
		abort();
	XML_SetUserData(rp.p, &rp);
	XML_SetStartElementHandler(rp.p, probe_start);
	XML_SetStartDoctypeDeclHandler(rp.p, probe_doctype);
	XML_SetParamEntityParsing(rp.p, XML_PARAM_ENTITY_PARSING_NEVER);
	body = skip_space(body, &len);
	/* Not final: the root's start tag is all we need. */
	(void)XML_Parse(
	    rp.p, body, len > FEED_SIZE ? FEED_SIZE : (int)len, XML_FALSE);
	XML_ParserFree(rp.p);
	return rp.error;
}

/* Values. */

static bool
xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy `text` without surrounding XML space into `out`; -1 if too long. */
static int
trimmed(const char *text, char *out, size_t size)
{
	size_t n;

	while (xml_space(*text))
		text++;
	n = strlen(text);
	while (n > 0 && xml_space(text[n - 1]))
		n--;
	if (n >= size)
		return -1;
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

int
xml_get_u64(const char *text, const char *what, uint64_t *out, struct rerr *e)
{
	char v[32];

	if (trimmed(text, v, sizeof(v)) != 0 ||
	    str_to_u64(v, UINT64_MAX, out) != 0)
		return rerr_set(e, -EBADMSG, "S3 reply: bad <%s> number", what);
	return 0;
}

int
xml_get_bool(const char *text, const char *what, bool *out, struct rerr *e)
{
	char v[8];

	if (trimmed(text, v, sizeof(v)) == 0 && str_ieq(v, "true"))
		*out = true;
	else if (trimmed(text, v, sizeof(v)) == 0 && str_ieq(v, "false"))
		*out = false;
	else
		return rerr_set(
		    e, -EBADMSG, "S3 reply: bad <%s> boolean", what);
	return 0;
}

static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Seconds east of UTC for "Z", "+hh:mm" or "-hh:mm"; -1 if malformed. */
static long
zone_offset(const char *z)
{
	int h, m;

	if (strcmp(z, "Z") == 0)
		return 0;
	if ((z[0] != '+' && z[0] != '-') || strlen(z) != 6 || z[3] != ':' ||
	    (h = two_digits(z + 1)) < 0 || (m = two_digits(z + 4)) < 0 ||
	    h > 23 || m > 59)
		return -1;
	return (z[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
}

static int
parse_time(const char *v, time_t *out)
{
	char base[21];
	const char *z;
	long off;

	if (strlen(v) == TIME_AMZDATE_LEN)
		return time_parse_iso8601(v, out);
	if (strlen(v) < 20 || v[4] != '-')
		return -EINVAL;
	memcpy(base, v, 19);
	memcpy(base + 19, "Z", 2);
	z = v + 19;
	if (*z == '.') {
		do
			z++;
		while (*z >= '0' && *z <= '9');
		if (z == v + 20)
			return -EINVAL;
	}
	if ((off = zone_offset(z)) == -1 || time_parse_iso8601(base, out) != 0)
		return -EINVAL;
	*out -= off;
	return 0;
}

int
xml_get_time(const char *text, const char *what, time_t *out, struct rerr *e)
{
	char v[64];

	if (trimmed(text, v, sizeof(v)) != 0 || parse_time(v, out) != 0)
		return rerr_set(e, -EBADMSG, "S3 reply: bad <%s> date", what);
	return 0;
}

int
xml_url_decode(char *s, const char *what, struct rerr *e)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s != '%') {
			*w++ = *s;
		} else {
			if ((hi = uri_hexval(s[1])) < 0 ||
			    (lo = uri_hexval(s[2])) < 0)
				return rerr_set(e, -EBADMSG,
				    "S3 reply: bad %%-escape in <%s>", what);
			if (hi == 0 && lo == 0)
				return rerr_set(e, -EBADMSG,
				    "S3 reply: %%00 in <%s>", what);
			*w++ = (char)(hi << 4 | lo);
			s += 2;
		}
	}
	*w = '\0';
	return 0;
}

/* <Error>. */

enum {
	E_CODE,
	E_MESSAGE,
	E_REQUEST_ID,
	E_HOST_ID,
	E_REGION,
	E_BUCKET_REGION,
	E_ENDPOINT,
	E_SERVER_TIME,
};

static const struct xml_rule error_rules[] = {
	{ "Code", E_CODE, true },
	{ "Message", E_MESSAGE, true },
	{ "RequestId", E_REQUEST_ID, true },
	{ "HostId", E_HOST_ID, true },
	{ "Region", E_REGION, true },
	{ "BucketRegion", E_BUCKET_REGION, true },
	{ "Endpoint", E_ENDPOINT, true },
	{ "ServerTime", E_SERVER_TIME, true },
};

/* Into a fixed field, cut to fit: a long message must not fail the parse. */
static void
copy(char *dst, size_t size, const char *text, size_t len)
{
	if (len >= size) {
		len = size - 1;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--; /* not in the middle of a UTF-8 sequence */
	}
	memcpy(dst, text, len);
	dst[len] = '\0';
}

static int
error_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct xml_error *x = arg;

	(void)e;
	if (ev != XML_CLOSE)
		return 0;
	switch (id) {
	case E_CODE:
		copy(x->code, sizeof(x->code), text, len);
		break;
	case E_MESSAGE:
		copy(x->message, sizeof(x->message), text, len);
		break;
	case E_REQUEST_ID:
		copy(x->request_id, sizeof(x->request_id), text, len);
		break;
	case E_HOST_ID:
		copy(x->host_id, sizeof(x->host_id), text, len);
		break;
	case E_REGION:
		copy(x->region, sizeof(x->region), text, len);
		break;
	case E_BUCKET_REGION:
		copy(x->bucket_region, sizeof(x->bucket_region), text, len);
		break;
	case E_ENDPOINT:
		copy(x->endpoint, sizeof(x->endpoint), text, len);
		break;
	case E_SERVER_TIME:
		/* Best effort: a bad time must not hide the error code. */
		if (parse_time(text, &x->server_time) != 0)
			x->server_time = 0;
		break;
	}
	return 0;
}

int
xml_parse_error(
    const char *body, size_t len, struct xml_error *out, struct rerr *e)
{
	static const struct xml_schema s = { "Error", NULL, error_rules,
		ARRAY_SIZE(error_rules), error_fn };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = xml_parse(body, len, &s, out, e)) != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

/* GetBucketLocation. */

struct location {
	char *region;
	size_t size;
};

static const struct xml_rule location_rules[] = {
	{ "", 0, true },
};

static int
location_fn(void *arg, int id, enum xml_event ev, const char *text, size_t len,
    struct rerr *e)
{
	struct location *l = arg;

	(void)id;
	if (ev != XML_CLOSE)
		return 0;
	if (len == 0)
		text = "us-east-1";
	else if (strcmp(text, "EU") == 0)
		text = "eu-west-1";
	if (strlen(text) >= l->size)
		return rerr_set(e, -EBADMSG, "S3 reply: region name too long");
	memcpy(l->region, text, strlen(text) + 1);
	return 0;
}

int
xml_parse_location(
    const char *body, size_t len, char *region, size_t size, struct rerr *e)
{
	static const struct xml_schema s = { "LocationConstraint", NULL,
		location_rules, ARRAY_SIZE(location_rules), location_fn };
	struct location l = { region, size };
	int r;

	if (size == 0)
		return rerr_set(e, -EINVAL, "no room for a region");
	region[0] = '\0';
	if ((r = xml_parse(body, len, &s, &l, e)) != 0)
		region[0] = '\0';
	return r;
}
