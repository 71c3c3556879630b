#include "roma.h"
#include "util/uri.h"
#include "util/buf.h"
#include "util/xmem.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char hexdig[] = "0123456789ABCDEF";

int
uri_unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

int
uri_encode(struct buf *out, const void *p, size_t n, unsigned flags)
{
	const unsigned char *s = p;
	char esc[3];
	size_t i, run;
	int r;

	/* Worst case triples the input; grow once. */
	if (n > (size_t)-1 / 3)
		return -E2BIG;
	if ((r = buf_grow(out, n * 3)) != 0)
		return r;
	for (i = 0; i < n; i += run) {
		for (run = 0; i + run < n; run++) {
			unsigned char c = s[i + run];
			if (!uri_unreserved(c) &&
			    !(c == '/' && (flags & URI_KEEP_SLASH)))
				break;
		}
		if (run > 0) {
			buf_add(out, s + i, run);
			continue;
		}
		esc[0] = '%';
		esc[1] = hexdig[s[i] >> 4];
		esc[2] = hexdig[s[i] & 15];
		buf_add(out, esc, 3);
		run = 1;
	}
	return 0;
}

int
uri_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
uri_decode(struct buf *out, const char *p, size_t n)
{
	size_t i, start;
	int hi, lo, r;
	char c;

	if ((r = buf_grow(out, n)) != 0)
		return r;
	for (i = 0; i < n;) {
		for (start = i; i < n && p[i] != '%'; i++)
			;
		buf_add(out, p + start, i - start);
		if (i == n)
			break;
		if (n - i < 3 ||
		    (hi = uri_hexval((unsigned char)p[i + 1])) < 0 ||
		    (lo = uri_hexval((unsigned char)p[i + 2])) < 0)
			return -EINVAL;
		c = (char)(hi << 4 | lo);
		buf_add(out, &c, 1);
		i += 3;
	}
	return 0;
}

/* Copy `n` bytes of `s` to `*dst` as a string; return it and advance. */
static char *
put(char **dst, const char *s, size_t n)
{
	char *start = *dst;

	memcpy(start, s, n);
	start[n] = '\0';
	*dst += n + 1;
	return start;
}

static int
valid_port(const char *p, size_t n)
{
	size_t i;
	long v = 0;

	if (n == 0 || n > 5)
		return n == 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	return v > 0 && v <= 65535;
}

int
uri_split(const char *url, struct uri_parts *u)
{
	const char *s, *auth, *end, *host, *hend, *port, *q;
	size_t hlen, i;
	char *dst;

	memset(u, 0, sizeof(*u));
	if ((s = strstr(url, "://")) == NULL || s == url)
		return -EINVAL;
	for (i = 0; url + i < s; i++)
		if (!isalnum((unsigned char)url[i]) && !strchr("+-.", url[i]))
			return -EINVAL;
	auth = s + 3;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return -EINVAL; /* userinfo would put secrets in URLs */
	host = auth;
	if (*host == '[') {
		host++;
		if ((hend = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -EINVAL;
		port = hend + 1;
	} else {
		hend = memchr(host, ':', (size_t)(end - host));
		if (hend == NULL)
			hend = end;
		port = hend;
	}
	if (hend == host || (port < end && *port != ':') ||
	    !valid_port(
	        port + (port < end), (size_t)(end - port) - (port < end)))
		return -EINVAL;
	hlen = (size_t)(hend - host);
	dst = u->mem = xmalloc(strlen(url) + 8);
	u->scheme = put(&dst, url, (size_t)(s - url));
	for (i = 0; u->scheme[i]; i++)
		u->scheme[i] = (char)tolower((unsigned char)u->scheme[i]);
	u->host = put(&dst, host, hlen);
	u->port =
	    put(&dst, port + (port < end), (size_t)(end - port) - (port < end));
	q = end + strcspn(end, "?#");
	u->path =
	    end == q ? put(&dst, "/", 1) : put(&dst, end, (size_t)(q - end));
	if (*q == '?')
		u->query = put(&dst, q + 1, strcspn(q + 1, "#"));
	else
		u->query = put(&dst, "", 0);
	return 0;
}

void
uri_parts_release(struct uri_parts *u)
{
	free(u->mem);
	memset(u, 0, sizeof(*u));
}

bool
uri_host_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strncmp(host, "127.", 4) == 0;
}
