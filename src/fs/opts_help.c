/*
 * opts_help - goofys v0.24.0's help text, laid out as urfave/cli v1 and
 * Go's tabwriter (minwidth 1, padding 2) print it, then roma's extensions
 * in the same layout.
 */
#include "roma.h"
#include "fs/opts.h"
#include "util/buf.h"

#include <string.h>
#include <unistd.h>

struct helpline {
	const char *left;  /* the names, as urfave's prefixedNames prints */
	const char *usage; /* the usage with its "(default: ...)" */
};

static const struct helpline global_help[] = {
	{ "-o value", "Additional system-specific mount options. Be careful!" },
	{ "--cache value",
	    "Directory to use for data cache. Requires catfs and `-o "
	    "allow_other'. Can also pass in other catfs options (ex: --cache "
	    "\"--free:10%:$HOME/cache\") (default: off)" },
	{ "--dir-mode value",
	    "Permission bits for directories. (default: 0755) (default: 493)" },
	{ "--file-mode value",
	    "Permission bits for files. (default: 0644) (default: 420)" },
	{ "--uid value", "UID owner of all inodes." },
	{ "--gid value", "GID owner of all inodes." },
	{ "--endpoint value",
	    "The non-AWS endpoint to connect to. Possible values: "
	    "http://127.0.0.1:8081/" },
	{ "--profile value",
	    "Use a named profile from $HOME/.aws/credentials instead of "
	    "\"default\"" },
	{ "--use-content-type",
	    "Set Content-Type according to file extension and /etc/mime.types "
	    "(default: off)" },
	{ "--subdomain", "Enable subdomain mode of S3" },
};

static const struct helpline tuning_help[] = {
	{ "--cheap",
	    "Reduce S3 operation costs at the expense of some performance "
	    "(default: off)" },
	{ "--no-implicit-dir",
	    "Assume all directory objects (\"dir/\") exist (default: off)" },
	{ "--stat-cache-ttl value",
	    "How long to cache StatObject results and inode attributes. "
	    "(default: 1m0s)" },
	{ "--type-cache-ttl value",
	    "How long to cache name -> file/dir mappings in directory inodes. "
	    "(default: 1m0s)" },
	{ "--http-timeout value",
	    "Set the timeout on HTTP requests to S3 (default: 30s)" },
};

static const struct helpline aws_help[] = {
	{ "--region value",
	    "The region to connect to. Usually this is auto-detected. Possible "
	    "values: us-east-1, us-west-1, us-west-2, eu-west-1, eu-central-1, "
	    "ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1, "
	    "cn-north-1 (default: \"us-east-1\")" },
	{ "--requester-pays",
	    "Whether to allow access to requester-pays buckets (default: "
	    "off)" },
	{ "--storage-class value",
	    "The type of storage to use when writing objects. Possible values: "
	    "REDUCED_REDUNDANCY, STANDARD, STANDARD_IA. (default: "
	    "\"STANDARD\")" },
	{ "--sse",
	    "Enable basic server-side encryption at rest (SSE-S3) in S3 for "
	    "all writes (default: off)" },
	{ "--sse-kms key-id",
	    "Enable KMS encryption (SSE-KMS) for all writes using this "
	    "particular KMS key-id. Leave blank to Use the account's CMK - "
	    "customer master key (default: off)" },
	{ "--sse-c value",
	    "Enable server-side encryption using this base64-encoded key "
	    "(default: off)" },
	{ "--acl value",
	    "The canned ACL to apply to the object. Possible values: private, "
	    "public-read, public-read-write, authenticated-read, "
	    "aws-exec-read, bucket-owner-read, bucket-owner-full-control "
	    "(default: off)" },
};

static const struct helpline misc_help[] = {
	{ "--help, -h", "Print this help text and exit successfully." },
	{ "--debug_fuse", "Enable fuse-related debugging output." },
	{ "--debug_s3", "Enable S3-related debugging output." },
	{ "-f", "Run goofys in foreground." },
	{ "--version, -v", "print the version" },
};

static const struct helpline roma_help[] = {
	{ "--memory-limit size",
	    "Hard budget for read-ahead and upload buffers; a bare number is "
	    "MiB (default: 1G)" },
	{ "--staging-dir dir",
	    "Local space for appends, random writes and truncate; empty "
	    "disables them as goofys does (default: a private dir under "
	    "~/.cache/roma)" },
	{ "--part-size size",
	    "First multipart part size; the schedule grows it (default: 8M)" },
	{ "--max-parallel N",
	    "Parallel part uploads per file, read-ahead requests per reader "
	    "(default: 8)" },
	{ "--read-ahead size",
	    "Bytes read ahead per sequential reader (default: 64M)" },
	{ "--copy-threshold size",
	    "Rename copies larger files by multipart copy in parts of "
	    "--part-size (default: 5G)" },
	{ "--enable-symlinks",
	    "Support symlinks, stored as object metadata (default: off)" },
	{ "--ca-bundle file",
	    "PEM file of CA certificates to trust (default: the system's)" },
	{ "--debug", "Debug logging of the mount and its S3 requests" },
	{ "--log-file file",
	    "Log here in the background (default: syslog, else "
	    "~/.local/state/roma/mount.log)" },
	{ "--sse-c-file file",
	    "Read the --sse-c key from this file (base64, or the 32 raw "
	    "bytes) instead of the command line" },
	{ "--max-idle-handles N", "Accepted for compatibility and ignored" },
};

/* One category: left cells padded to the widest plus 2, as tabwriter. */
static void
section(struct buf *out, const char *title, const struct helpline *h, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (strlen(h[i].left) > w)
			w = strlen(h[i].left);
	buf_addf(out, "%s\n", title);
	for (i = 0; i < n; i++) {
		buf_addf(out, "   %-*s", (int)w + 2, h[i].left);
		buf_adds(out, h[i].usage);
		/* The process's own ids are the defaults, as goofys. */
		if (strcmp(h[i].left, "--uid value") == 0)
			buf_addf(out, " (default: %u)", (unsigned)getuid());
		else if (strcmp(h[i].left, "--gid value") == 0)
			buf_addf(out, " (default: %u)", (unsigned)getgid());
		buf_adds(out, "\n");
	}
	buf_adds(out, "   \n");
}

void
fs_opts_help(struct buf *out, const char *name)
{
	buf_addf(out,
	    "NAME:\n   %s - Mount an S3 bucket locally\n\n"
	    "USAGE:\n   %s [global options] bucket[:prefix] mountpoint\n   \n"
	    "VERSION:\n   %s-roma\n   \n",
	    name, name, FS_OPTS_GOOFYS_VERSION);
	section(out, "GLOBAL OPTIONS:", global_help, ARRAY_SIZE(global_help));
	section(out, "TUNING OPTIONS:", tuning_help, ARRAY_SIZE(tuning_help));
	section(out, "AWS S3 OPTIONS:", aws_help, ARRAY_SIZE(aws_help));
	section(out, "MISC OPTIONS:", misc_help, ARRAY_SIZE(misc_help));
	section(out, "ROMA OPTIONS (extensions):", roma_help,
	    ARRAY_SIZE(roma_help));
}
