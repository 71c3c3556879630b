/*
 * fuzz_fsopts - hostile command lines through the goofys option parser:
 * Go flag rules, -o merging, the fstab form mount.fuse runs, durations,
 * base-0 integers, sizes; then the -o list built for the mount, and each
 * argument through the number, bool and duration parsers on its own.
 * The input is the arguments after argv[0], separated by NUL bytes, or by
 * newlines when it holds no NUL (so seeds can be plain text, one argument
 * a line, the last newline not making an empty argument).  Must never crash,
 * leak or trip a sanitizer.
 */
#include "roma.h"
#include "fs/opts.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

/* Split `s` (`n` bytes, NUL-terminated copy) into argv after "goofys". */
static int
split(char *s, size_t n, char **argv)
{
	char sep = memchr(s, '\0', n) != NULL ? '\0' : '\n';
	int argc = 0;
	size_t i, start = 0;

	argv[argc++] = "goofys";
	if (sep == '\n' && n > 0 && s[n - 1] == '\n')
		s[--n] = '\0'; /* a text file's last newline ends, not splits */
	for (i = 0; i <= n && argc < MAX_ARGS; i++) {
		if (i < n && s[i] != sep)
			continue;
		s[i] = '\0';
		argv[argc++] = s + start;
		start = i + 1;
	}
	return argc;
}

static void
scalars(const char *s)
{
	uint64_t ms;
	int64_t v;
	bool b;

	(void)fs_opts_go_duration(s, &ms);
	(void)fs_opts_go_int(s, &v);
	(void)fs_opts_go_bool(s, &b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *argv[MAX_ARGS + 1], *msg = NULL, *mo;
	struct fs_mount_opts o;
	int argc, i;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	argc = split(s, size, argv);
	argv[argc] = NULL;
	if (fs_opts_parse(&o, argc, argv, "goofys", &msg) == 0) {
		mo = fs_opts_mount_options(&o);
		free(mo);
	}
	free(msg);
	fs_opts_release(&o);
	for (i = 1; i < argc; i++)
		scalars(argv[i]);
	free(s);
	return 0;
}
