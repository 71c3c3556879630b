/*
 * fuzz_e2b_connect - hostile envd stream bodies through the Connect
 * framer, fed whole and in chunks whose sizes come from the input, with
 * every frame's JSON read as an end frame and as an error body, and the
 * UTF-8 decoder on the raw bytes.  Must never crash, leak or trip a
 * sanitizer.
 */
#include "roma.h"
#include "e2b/connect.h"
#include "e2b/utf8.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_frame(unsigned flags, const char *p, size_t n, void *arg)
{
	struct e2b_rpc_err err;

	(void)arg;
	if (flags & E2B_CONNECT_END)
		(void)e2b_connect_end(p, n, &err);
	else
		(void)e2b_connect_error_body(p, n, &err);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct e2b_cframer f;
	struct e2b_rpc_err err;
	struct e2b_utf8 u = E2B_UTF8_INIT;
	struct buf out = BUF_INIT;
	size_t off = 0, step = size ? (size_t)data[0] % 13 + 1 : 1;

	e2b_cframer_init(&f, 1u << 20);
	(void)e2b_cframer_feed(&f, data, size, on_frame, NULL);
	(void)e2b_cframer_finish(&f, &err);
	e2b_cframer_release(&f);
	e2b_cframer_init(&f, 64);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (e2b_cframer_feed(&f, data + off, n, on_frame, NULL) != 0)
			break;
		(void)e2b_utf8_feed(&u, data + off, n, &out);
		off += n;
	}
	(void)e2b_utf8_flush(&u, &out);
	e2b_cframer_release(&f);
	buf_release(&out);
	return 0;
}
