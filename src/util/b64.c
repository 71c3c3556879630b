#include "roma.h"
#include "util/b64.h"
#include "util/buf.h"

#include <errno.h>

static const char tab[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
b64_encode(struct buf *out, const void *p, size_t n)
{
	const unsigned char *in = p;
	char q[4];
	unsigned v;
	size_t i;
	int r;

	if ((r = buf_grow(out, (n + 2) / 3 * 4)) != 0)
		return r;
	for (i = 0; i < n; i += 3) {
		v = (unsigned)in[i] << 16;
		v |= i + 1 < n ? (unsigned)in[i + 1] << 8 : 0;
		v |= i + 2 < n ? in[i + 2] : 0;
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		if ((r = buf_add(out, q, 4)) != 0)
			return r;
	}
	return 0;
}

/* The 6-bit value of `c`, or -1. */
static int
sextet(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
b64_decode(struct buf *out, const char *s, size_t n)
{
	size_t i, start = out->len, pad = 0;
	unsigned v = 0, k = 0;
	unsigned char c;
	int x, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (x = sextet(c)) < 0) {
			r = -EINVAL;
			break;
		}
		v = v << 6 | (unsigned)x;
		if (++k == 4) {
			c = (unsigned char)(v >> 16);
			r = buf_addc(out, (char)c);
			if (r == 0)
				r = buf_addc(out, (char)(v >> 8 & 0xff));
			if (r == 0)
				r = buf_addc(out, (char)(v & 0xff));
			v = 0;
			k = 0;
		}
	}
	if (r == 0 && (k == 1 || pad > 2 || (pad > 0 && (k + pad) % 4 != 0)))
		r = -EINVAL;
	if (r == 0 && k == 2)
		r = buf_addc(out, (char)(v >> 4 & 0xff));
	if (r == 0 && k == 3) {
		r = buf_addc(out, (char)(v >> 10 & 0xff));
		if (r == 0)
			r = buf_addc(out, (char)(v >> 2 & 0xff));
	}
	if (r != 0)
		buf_truncate(out, start);
	return r;
}
