/*
 * fuzz_e2b_ndjson - hostile /execute bodies through the NDJSON framer in
 * chunks whose sizes come from the input, every line decoded into an
 * execution.  Must never crash, leak or trip a sanitizer.
 */
#include "roma.h"
#include "e2b/ndjson.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_line(const char *line, size_t n, void *arg)
{
	const char *text;

	(void)e2b_exec_line(arg, line, n, &text);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct e2b_lines l;
	struct e2b_exec x;
	size_t off = 0, step = size ? (size_t)data[0] % 17 + 1 : 1;

	e2b_exec_init(&x);
	e2b_lines_init(&l);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (e2b_lines_feed(&l, data + off, n, on_line, &x) != 0)
			break;
		off += n;
	}
	(void)e2b_lines_finish(&l, on_line, &x);
	e2b_lines_release(&l);
	e2b_exec_release(&x);
	return 0;
}
