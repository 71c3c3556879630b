#include "roma.h"
#include "util/gz.h"
#include "util/buf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (64 * 1024)

/* zlib counts in uInt; feed it at most this much at a time. */
static uInt
clamp(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

/* One inflate() call into fresh space at the end of `out`. */
static int
step(z_stream *z, struct buf *out, size_t start, size_t max)
{
	size_t room = CHUNK;
	int r, zr;

	if (max && out->len - start + room > max)
		room = max - (out->len - start) + 1; /* +1 to detect overflow */
	if ((r = buf_grow(out, room)) != 0)
		return r;
	z->next_out = (Bytef *)out->ptr + out->len;
	z->avail_out = (uInt)room;
	zr = inflate(z, Z_NO_FLUSH);
	out->len += room - z->avail_out;
	out->ptr[out->len] = '\0';
	if (max && out->len - start > max)
		return -E2BIG;
	if (zr == Z_STREAM_END)
		return 1;
	if (zr == Z_OK)
		return 0;
	if (zr == Z_MEM_ERROR)
		return -ENOMEM;
	/* Z_BUF_ERROR: no progress possible, the input is truncated. */
	return -EINVAL;
}

int
gz_inflate(const void *in, size_t n, struct buf *out, size_t max)
{
	const unsigned char *p = in;
	size_t start = out->len, left = n;
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -ENOMEM;
	for (;;) {
		if (z.avail_in == 0 && left > 0) {
			z.next_in = (Bytef *)(uintptr_t)p;
			z.avail_in = clamp(left);
			p += z.avail_in;
			left -= z.avail_in;
		}
		if ((r = step(&z, out, start, max)) != 0)
			break;
		/* zlib wants more input and there is none: truncated. */
		if (z.avail_in == 0 && left == 0 && z.avail_out != 0) {
			r = -EINVAL;
			break;
		}
	}
	if (r == 1)
		r = z.avail_in > 0 || left > 0 ? -EINVAL : 0;
	inflateEnd(&z);
	if (r != 0)
		buf_truncate(out, start);
	return r;
}

const char *
gz_version(void)
{
	return zlibVersion();
}
