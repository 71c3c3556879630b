/* roma version [--json]: roma's version and commit, then its libraries. */
#include "roma.h"
#include "cmd/cmd.h"
#include "fs/fuseop.h"
#include "net/http.h"
#include "s3/xml.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/gz.h"
#include "util/json.h"

#include "build_info.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: roma version [--json]\n";

struct lib {
	const char *name;
	const char *version;
};

static void
libs(struct lib out[7])
{
	static char libc[32];
	const char *sp;

	/* ROMA_LIBC is "musl 1.2.5" (release) or "glibc 2.36" (dev). */
	sp = strchr(ROMA_LIBC, ' ');
	snprintf(libc, sizeof(libc), "%.*s", (int)(sp - ROMA_LIBC), ROMA_LIBC);
	out[0] = (struct lib){ libc, sp + 1 };
	out[1] = (struct lib){ "mbedtls", crypto_version() };
	out[2] = (struct lib){ "curl", http_version() };
	out[3] = (struct lib){ "zlib", gz_version() };
	out[4] = (struct lib){ "cjson", json_version() };
	out[5] = (struct lib){ "libfuse3", fuseop_version() };
	out[6] = (struct lib){ "expat", xml_version() };
}

static int
print_json(const struct lib l[7])
{
	struct json *root = json_new_object(), *lj;
	struct buf out = BUF_INIT;
	int i;

	json_add_str(root, "version", ROMA_VERSION);
	json_add_str(root, "commit", ROMA_COMMIT);
	lj = json_add_object(root, "libraries");
	for (i = 0; i < 7; i++)
		json_add_str(lj, l[i].name, l[i].version);
	json_print(root, &out);
	puts(out.ptr);
	buf_release(&out);
	json_free(root);
	return 0;
}

int
cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lib l[7];
	int c, json = 0, i;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	libs(l);
	if (json)
		return print_json(l);
	printf("roma %s (commit %s)\n", ROMA_VERSION, ROMA_COMMIT);
	for (i = 0; i < 7; i++)
		printf("  %-9s %s\n", l[i].name, l[i].version);
	return 0;
}
