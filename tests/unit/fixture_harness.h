/*
 * fixture_harness - reading the files under tests/fixtures wherever a test
 * runs from: tests/run.sh sets ROMA_TEST_DIR, a bare run from the checkout
 * finds ./tests.
 */
#ifndef TESTS_FIXTURE_HARNESS_H
#define TESTS_FIXTURE_HARNESS_H

#include "roma.h"
#include "util/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* The tests directory, which holds fixtures/. */
static UNUSED const char *
fixture_root(void)
{
	const char *d = getenv("ROMA_TEST_DIR");

	return d && *d ? d : "tests";
}

/* Replace what `b` holds with the file at `path`; a missing file fails
 * the test. */
static UNUSED void
fixture_read(const char *path, struct buf *b)
{
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s (set ROMA_TEST_DIR)", path);
	buf_reset(b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(b, chunk, n), 0);
	fclose(f);
}

/* Load fixtures/<dir>/<name> into `b`. */
static UNUSED void
fixture_load(const char *dir, const char *name, struct buf *b)
{
	char path[512];

	snprintf(
	    path, sizeof(path), "%s/fixtures/%s/%s", fixture_root(), dir, name);
	fixture_read(path, b);
}

#endif
