#include "roma.h"
#include "e2b/utf8.h"
#include "util/buf.h"

#include <stdbool.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd"

/* How many continuation bytes follow lead `c`, and the range allowed for
 * the first of them; -1 when `c` cannot start a sequence. */
static int
lead(unsigned c, unsigned *lo, unsigned *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c == 0xe0)
		*lo = 0xa0;
	else if (c == 0xed)
		*hi = 0x9f;
	if (c >= 0xe0 && c <= 0xef)
		return 2;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;
	if (c >= 0xf0 && c <= 0xf4)
		return 3;
	return -1;
}

/* Decode from `s`; stop before an incomplete sequence at the end unless
 * `final`.  Returns the bytes consumed; -E2BIG through *r. */
static size_t
decode(const unsigned char *s, size_t n, bool final, struct buf *out, int *r)
{
	size_t i = 0, run, j;
	unsigned lo, hi;
	int need;

	while (i < n && *r == 0) {
		for (run = i; run < n && s[run] < 0x80; run++)
			;
		if (run > i) {
			*r = buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		if ((need = lead(s[i], &lo, &hi)) < 0) {
			*r = buf_adds(out, REPLACEMENT);
			i++;
			continue;
		}
		for (j = 1; j <= (size_t)need && i + j < n; j++) {
			if (s[i + j] < lo || s[i + j] > hi)
				break;
			lo = 0x80;
			hi = 0xbf;
		}
		if (j > (size_t)need) {
			*r = buf_add(out, s + i, j);
		} else if (i + j >= n && !final) {
			return i; /* wait for the rest */
		} else {
			*r = buf_adds(out, REPLACEMENT);
		}
		i += j;
	}
	return i;
}

int
e2b_utf8_feed(struct e2b_utf8 *u, const void *data, size_t n, struct buf *out)
{
	const unsigned char *p = data;
	size_t used;
	int r = 0;

	while (u->ntail > 0 && n > 0 && r == 0) {
		u->tail[u->ntail++] = *p++;
		n--;
		used = decode(u->tail, u->ntail, false, out, &r);
		memmove(u->tail, u->tail + used, u->ntail - used);
		u->ntail -= used;
	}
	if (n == 0 || r != 0)
		return r;
	used = decode(p, n, false, out, &r);
	if (r == 0) {
		memcpy(u->tail, p + used, n - used);
		u->ntail = n - used;
	}
	return r;
}

int
e2b_utf8_flush(struct e2b_utf8 *u, struct buf *out)
{
	int r = 0;

	decode(u->tail, u->ntail, true, out, &r);
	u->ntail = 0;
	return r;
}
