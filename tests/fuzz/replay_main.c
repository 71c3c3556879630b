/*
 * replay_main - runs a libFuzzer target without libFuzzer: each file named
 * on the command line, or each file in a named directory, is fed once to
 * LLVMFuzzerTestOneInput.  Linked with every tests/fuzz/fuzz_*.c under
 * ASan/UBSan so corpora and crash reproducers replay in ordinary test runs.
 */
#include "roma.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(p, cap)) == NULL)
				abort();
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(p);
		return -1;
	}
	fclose(f);
	/* A private copy of exactly n bytes, so ASan sees overreads. */
	{
		unsigned char *exact = malloc(n ? n : 1);

		if (exact == NULL)
			abort();
		memcpy(exact, p, n);
		free(p);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file directly in `dir`, in name order. */
static int
replay_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	struct stat st;
	int bad = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) ==
		        NULL ||
		    (names[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			bad |= replay_file(path);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return bad;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, count = 0, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|dir...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			bad |= replay_dir(argv[i], &count);
		} else {
			bad |= replay_file(argv[i]);
			count++;
		}
	}
	printf("replayed %d input(s)\n", count);
	return bad ? 1 : 0;
}
