/*
 * Unit tests for fs/opts: every goofys flag and its default, Go `flag`
 * parsing rules, -o merging, the fstab argument shape, roma's extensions,
 * and the setup guide's exact command line.
 */
#include "roma.h"
#include "fs/opts.h"
#include "util/buf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdbool.h>

#include <cmocka.h>

static struct fs_mount_opts o;
static char *msg;

/* Parse a NULL-terminated list of arguments after the program name. */
static int
parse_v(const char *first, va_list ap)
{
	char *argv[64];
	const char *a;
	int argc = 0;

	argv[argc++] = (char *)"goofys";
	for (a = first; a != NULL; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	fs_opts_release(&o);
	free(msg);
	msg = NULL;
	return fs_opts_parse(&o, argc, argv, "goofys", &msg);
}

static int
parse(const char *first, ...)
{
	va_list ap;
	int r;

	va_start(ap, first);
	r = parse_v(first, ap);
	va_end(ap);
	return r;
}

static int
teardown(void **state)
{
	(void)state;
	fs_opts_release(&o);
	free(msg);
	msg = NULL;
	return 0;
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("bkt", "/mnt", NULL), 0);
	assert_string_equal(o.bucket, "bkt");
	assert_string_equal(o.prefix, "");
	assert_string_equal(o.source, "bkt");
	assert_string_equal(o.mountpoint, "/mnt");
	assert_int_equal(o.dir_mode, 0755);
	assert_int_equal(o.file_mode, 0644);
	assert_int_equal(o.uid, getuid());
	assert_int_equal(o.gid, getgid());
	assert_string_equal(o.region, "us-east-1");
	assert_false(o.region_set);
	assert_string_equal(o.storage_class, "STANDARD");
	assert_true(o.stat_cache_ttl_ms == 60000);
	assert_true(o.type_cache_ttl_ms == 60000);
	assert_true(o.http_timeout_ms == 30000);
	assert_null(o.endpoint);
	assert_null(o.profile);
	assert_null(o.options);
	assert_false(o.foreground || o.cheap || o.no_implicit_dir ||
	    o.subdomain || o.sse || o.sse_kms_set || o.requester_pays ||
	    o.use_content_type || o.debug_fuse || o.debug_s3 || o.help ||
	    o.version || o.staging_set || o.enable_symlinks || o.debug);
}

static void
test_guide_command_line(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--region", "us-east-1", "--stat-cache-ttl", "5m",
	        "--type-cache-ttl", "5m", "--max-idle-handles", "1000",
	        "--dir-mode", "0755", "--file-mode", "0644", "roma-bucket",
	        "/opt/sentient", NULL),
	    0);
	assert_true(o.region_set);
	assert_string_equal(o.region, "us-east-1");
	assert_true(o.stat_cache_ttl_ms == 300000);
	assert_true(o.type_cache_ttl_ms == 300000);
	assert_true(o.max_idle_handles_set);
	assert_true(o.max_idle_handles == 1000);
	assert_int_equal(o.dir_mode, 0755);
	assert_int_equal(o.file_mode, 0644);
	assert_string_equal(o.bucket, "roma-bucket");
	assert_string_equal(o.mountpoint, "/opt/sentient");
}

static void
test_dash_forms(void **state)
{
	static const char *const forms[][2] = {
		{ "--region", "eu-west-1" },
		{ "-region", "eu-west-1" },
		{ "--region=eu-west-1", NULL },
		{ "-region=eu-west-1", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		if (forms[i][1])
			assert_int_equal(
			    parse(forms[i][0], forms[i][1], "b", "m", NULL), 0);
		else
			assert_int_equal(parse(forms[i][0], "b", "m", NULL), 0);
		assert_string_equal(o.region, "eu-west-1");
		assert_true(o.region_set);
	}
	/* A value may start with '-' when it is the next argument. */
	assert_int_equal(parse("--profile", "-x", "b", "m", NULL), 0);
	assert_string_equal(o.profile, "-x");
	/* An empty --region is set (and means auto-detect to roma). */
	assert_int_equal(parse("--region=", "b", "m", NULL), 0);
	assert_true(o.region_set);
	assert_string_equal(o.region, "");
}

static void
test_booleans(void **state)
{
	(void)state;
	assert_int_equal(parse("-f", "b", "m", NULL), 0);
	assert_true(o.foreground);
	assert_int_equal(parse("--f", "b", "m", NULL), 0);
	assert_true(o.foreground);
	assert_int_equal(parse("-f=true", "b", "m", NULL), 0);
	assert_true(o.foreground);
	assert_int_equal(parse("-f=0", "b", "m", NULL), 0);
	assert_false(o.foreground);
	assert_int_equal(parse("--cheap=False", "b", "m", NULL), 0);
	assert_false(o.cheap);
	/* `-f false`: the false is a positional, so three arguments. */
	assert_int_equal(parse("-f", "false", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg, "Error: goofys takes exactly two arguments.");
	assert_int_equal(parse("-f=yes", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg,
	    "Incorrect Usage. invalid boolean value \"yes\" for -f: "
	    "strconv.ParseBool: parsing \"yes\": invalid syntax");
}

static void
test_all_bool_flags(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--requester-pays", "--use-content-type", "--sse",
	        "--subdomain", "--cheap", "--no-implicit-dir", "--debug_fuse",
	        "--debug_s3", "-f", "--use-path-request", "--enable-symlinks",
	        "--debug", "b", "m", NULL),
	    0);
	assert_true(o.requester_pays && o.use_content_type && o.sse &&
	    o.subdomain && o.cheap && o.no_implicit_dir && o.debug_fuse &&
	    o.debug_s3 && o.foreground && o.use_path_request &&
	    o.enable_symlinks && o.debug);
}

static void
test_string_flags(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--endpoint", "http://127.0.0.1:9000/", "--profile", "dev",
	        "--storage-class", "STANDARD_IA", "--sse-c", "a2V5", "--acl",
	        "private", "--cache", "--free:10%:/tmp/c", "b", "m", NULL),
	    0);
	assert_string_equal(o.endpoint, "http://127.0.0.1:9000/");
	assert_string_equal(o.profile, "dev");
	assert_string_equal(o.storage_class, "STANDARD_IA");
	assert_string_equal(o.sse_c, "a2V5");
	assert_string_equal(o.acl, "private");
	assert_string_equal(o.cache, "--free:10%:/tmp/c");
}

static void
test_sse_kms(void **state)
{
	(void)state;
	/* Naming --sse-kms at all implies --sse, even with an empty key. */
	assert_int_equal(parse("--sse-kms=", "b", "m", NULL), 0);
	assert_true(o.sse_kms_set);
	assert_true(o.sse);
	assert_string_equal(o.sse_kms, "");
	assert_int_equal(parse("--sse-kms", "key-1", "b", "m", NULL), 0);
	assert_string_equal(o.sse_kms, "key-1");
	assert_true(o.sse);
}

static void
test_modes_base0(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--dir-mode", "0755", "--file-mode", "0600", "b", "m", NULL),
	    0);
	assert_int_equal(o.dir_mode, 0755);
	assert_int_equal(o.file_mode, 0600);
	/* Decimal 755 is 0o1363: goofys keeps the permission bits, 0363. */
	assert_int_equal(parse("--dir-mode", "755", "b", "m", NULL), 0);
	assert_int_equal(o.dir_mode, 0363);
	assert_int_equal(parse("--dir-mode=0x1ed", "b", "m", NULL), 0);
	assert_int_equal(o.dir_mode, 0755);
	assert_int_equal(parse("--file-mode=0o644", "b", "m", NULL), 0);
	assert_int_equal(o.file_mode, 0644);
	/* goofys issue #617: setgid and friends are dropped. */
	assert_int_equal(parse("--dir-mode=02770", "b", "m", NULL), 0);
	assert_int_equal(o.dir_mode, 0770);
	assert_int_equal(
	    parse("--dir-mode", "0789", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg,
	    "Incorrect Usage. invalid value \"0789\" for flag -dir-mode: "
	    "strconv.ParseInt: parsing \"0789\": invalid syntax");
}

static void
test_uid_gid(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--uid", "1000", "--gid=0x3e8", "b", "m", NULL), 0);
	assert_int_equal(o.uid, 1000);
	assert_int_equal(o.gid, 1000);
	/* Go's uint32(-1). */
	assert_int_equal(parse("--uid=-1", "b", "m", NULL), 0);
	assert_true(o.uid == UINT32_MAX);
}

static void
test_go_int(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_int_equal(fs_opts_go_int("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(fs_opts_go_int("-12", &v), 0);
	assert_true(v == -12);
	assert_int_equal(fs_opts_go_int("+0b101", &v), 0);
	assert_true(v == 5);
	assert_int_equal(fs_opts_go_int("0X1F", &v), 0);
	assert_true(v == 31);
	assert_int_equal(fs_opts_go_int("1_000", &v), 0);
	assert_true(v == 1000);
	assert_int_equal(fs_opts_go_int("0x_1f", &v), 0);
	assert_true(v == 31);
	assert_int_equal(fs_opts_go_int("9223372036854775807", &v), 0);
	assert_int_equal(fs_opts_go_int("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(fs_opts_go_int("9223372036854775808", &v), -ERANGE);
	assert_int_equal(fs_opts_go_int("", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int("0x", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int("1__0", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int("_1", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int("1_", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int("12a", &v), -EINVAL);
	assert_int_equal(fs_opts_go_int(" 1", &v), -EINVAL);
}

static void
test_durations(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
		{ "0", 0 },
		{ "5m", 300000 },
		{ "1s", 1000 },
		{ "1h30m", 5400000 },
		{ "300ms", 300 },
		{ "1.5h", 5400000 },
		{ ".5s", 500 },
		{ "1m0s", 60000 },
		{ "2000000us", 2000 },
		{ "3000000000ns", 3000 },
		{ "1\xc2\xb5s", 0 },
		{ "+10s", 10000 },
		{ "-5m", 0 },
		{ "-0", 0 },
	};
	static const char *const bad[] = { "", "300", "5", "m", "1x", ".s",
		"1m 2s", "5M", "--1s", "1.", "0x10s" };
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(fs_opts_go_duration(ok[i].s, &v), 0);
		assert_true(v == ok[i].ms);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_not_equal(fs_opts_go_duration(bad[i], &v), 0);
	/* Digits before the dot are enough: Go accepts "1.s". */
	assert_int_equal(fs_opts_go_duration("1.s", &v), 0);
	assert_true(v == 1000);
	assert_int_equal(
	    parse("--stat-cache-ttl", "300", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg,
	    "Incorrect Usage. invalid value \"300\" for flag -stat-cache-ttl: "
	    "time: missing unit in duration 300");
	assert_int_equal(
	    parse("--http-timeout=1m30s", "--type-cache-ttl=0", "b", "m", NULL),
	    0);
	assert_true(o.http_timeout_ms == 90000);
	assert_true(o.type_cache_ttl_ms == 0);
}

static void
test_unknown_flag(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--no-such-flag", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg,
	    "Incorrect Usage. flag provided but not defined: -no-such-flag");
	assert_int_equal(parse("-bogus=1", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(
	    msg, "Incorrect Usage. flag provided but not defined: -bogus");
	assert_int_equal(
	    parse("---region", "x", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg, "Incorrect Usage. bad flag syntax: ---region");
	assert_int_equal(parse("-=x", "b", "m", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg, "Incorrect Usage. bad flag syntax: -=x");
	assert_int_equal(parse("b", "m", "--region", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg, "Error: goofys takes exactly two arguments.");
	assert_int_equal(parse("--region", NULL), FS_OPTS_USAGE);
	assert_string_equal(
	    msg, "Incorrect Usage. flag needs an argument: -region");
}

static void
test_positionals(void **state)
{
	(void)state;
	/* Flags stop at the first positional: the rest are arguments. */
	assert_int_equal(
	    parse("b", "/mnt", "--region", "x", NULL), FS_OPTS_USAGE);
	assert_string_equal(msg, "Error: goofys takes exactly two arguments.");
	assert_int_equal(parse("b", NULL), FS_OPTS_USAGE);
	assert_int_equal(parse(NULL), FS_OPTS_USAGE);
	/* "--" ends the flags; "-" alone is a positional. */
	assert_int_equal(parse("-f", "--", "-bucket", "m", NULL), 0);
	assert_string_equal(o.bucket, "-bucket");
	assert_int_equal(parse("-", "m", NULL), 0);
	assert_string_equal(o.bucket, "-");
	assert_int_equal(parse("bkt:/a/b/", "rel/dir", NULL), 0);
	assert_string_equal(o.bucket, "bkt");
	assert_string_equal(o.prefix, "/a/b/");
	assert_string_equal(o.source, "bkt:/a/b/");
	assert_string_equal(o.mountpoint, "rel/dir");
	assert_int_equal(parse("bkt:a:b", "m", NULL), 0);
	assert_string_equal(o.bucket, "bkt");
	assert_string_equal(o.prefix, "a:b");
	assert_int_equal(parse("s3://bkt/x/y", "m", NULL), 0);
	assert_string_equal(o.bucket, "bkt");
	assert_string_equal(o.prefix, "x/y");
}

static void
test_help_version(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse("-h", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse("--version", NULL), 0);
	assert_true(o.version);
	assert_int_equal(parse("-v", NULL), 0);
	assert_true(o.version);
}

static void
test_o_options(void **state)
{
	char *mo;

	(void)state;
	assert_int_equal(parse("-o", "allow_other", "-o", "ro,uid=1", "--o",
	                     "uid=2", "-o=default_permissions", "b", "m", NULL),
	    0);
	assert_string_equal(o.options,
	    "allow_other,ro,uid=2,"
	    "default_permissions");
	/* fstab-only items are dropped; fsname and subtype are added. */
	assert_int_equal(parse("-o",
	                     "_netdev,auto,noauto,nofail,user,users,"
	                     "nouser,defaults,nonempty,x-systemd."
	                     "automount,comment=x,rw",
	                     "bkt:p,q", "m", NULL),
	    0);
	assert_string_equal(o.options, "rw");
	mo = fs_opts_mount_options(&o);
	assert_string_equal(mo, "rw,fsname=bkt:p\\,q,subtype=goofys");
	free(mo);
	assert_int_equal(parse("-o", "fsname=x,subtype=y", "b", "m", NULL), 0);
	mo = fs_opts_mount_options(&o);
	assert_string_equal(mo, "fsname=x,subtype=y");
	free(mo);
	assert_int_equal(parse("b", "m", NULL), 0);
	mo = fs_opts_mount_options(&o);
	assert_string_equal(mo, "fsname=b,subtype=goofys");
	free(mo);
}

static void
test_fstab_shape(void **state)
{
	char *mo;

	(void)state;
	/* What mount.fuse3 runs for
	 * goofys#bkt /mnt fuse _netdev,allow_other,--file-mode=0666 0 0 */
	assert_int_equal(parse("bkt", "/mnt", "-o",
	                     "rw,allow_other,--file-mode=0666,--dir-mode=0777,"
	                     "-f,--stat-cache-ttl=5m,dev,suid",
	                     NULL),
	    0);
	assert_string_equal(o.bucket, "bkt");
	assert_string_equal(o.mountpoint, "/mnt");
	assert_int_equal(o.file_mode, 0666);
	assert_int_equal(o.dir_mode, 0777);
	assert_true(o.foreground);
	assert_true(o.stat_cache_ttl_ms == 300000);
	assert_string_equal(o.options, "rw,allow_other,dev,suid");
	mo = fs_opts_mount_options(&o);
	assert_string_equal(mo,
	    "rw,allow_other,dev,suid,fsname=bkt,"
	    "subtype=goofys");
	free(mo);
	/* Only flags: no -o at all. */
	assert_int_equal(parse("bkt", "/mnt", "-o", "--debug_fuse", NULL), 0);
	assert_true(o.debug_fuse);
	assert_null(o.options);
	/* A bad flag in fstab options is a usage error. */
	assert_int_equal(
	    parse("bkt", "/mnt", "-o", "--nope", NULL), FS_OPTS_USAGE);
	assert_string_equal(
	    msg, "Incorrect Usage. flag provided but not defined: -nope");
	/* Not the 5-argument shape: an ordinary parse (positional first). */
	assert_int_equal(
	    parse("bkt", "/mnt", "-o", "rw", "x", NULL), FS_OPTS_USAGE);
}

static void
test_roma_flags(void **state)
{
	(void)state;
	assert_int_equal(
	    parse("--memory-limit", "512", "--staging-dir", "/var/tmp/st",
	        "--part-size=8M", "--max-parallel", "32", "--read-ahead",
	        "64MiB", "--ca-bundle", "/etc/ca.pem", "--log-file",
	        "/tmp/l.log", "--pid-file", "/run/p", "--cred-filename", "/c",
	        "b", "m", NULL),
	    0);
	assert_true(o.memory_limit == 512ull << 20);
	assert_true(o.staging_set);
	assert_string_equal(o.staging_dir, "/var/tmp/st");
	assert_true(o.part_size == 8ull << 20);
	assert_int_equal(o.max_parallel, 32);
	assert_true(o.read_ahead == 64ull << 20);
	assert_string_equal(o.ca_bundle, "/etc/ca.pem");
	assert_string_equal(o.log_file, "/tmp/l.log");
	assert_string_equal(o.pid_file, "/run/p");
	assert_string_equal(o.cred_filename, "/c");
	assert_int_equal(
	    parse("--staging-dir=", "--memory-limit=1G", "b", "m", NULL), 0);
	assert_true(o.staging_set);
	assert_string_equal(o.staging_dir, "");
	assert_true(o.memory_limit == 1ull << 30);
	assert_int_equal(
	    parse("--max-parallel", "100000", "b", "m", NULL), FS_OPTS_USAGE);
	assert_int_equal(
	    parse("--memory-limit", "lots", "b", "m", NULL), FS_OPTS_USAGE);
	assert_int_equal(
	    parse("--max-idle-handles", "ten", "b", "m", NULL), FS_OPTS_USAGE);
}

static void
test_copy_threshold(void **state)
{
	(void)state;
	assert_int_equal(parse("b", "m", NULL), 0);
	assert_true(o.copy_threshold == 0); /* the fs default (5 GiB) */
	assert_int_equal(parse("--copy-threshold", "5MiB", "--part-size",
	                     "5MiB", "b", "m", NULL),
	    0);
	assert_true(o.copy_threshold == 5ull << 20);
	assert_true(o.part_size == 5ull << 20);
	assert_int_equal(parse("-copy-threshold=2G", "b", "m", NULL), 0);
	assert_true(o.copy_threshold == 2ull << 30);
	assert_int_equal(parse("--copy-threshold=64", "b", "m", NULL), 0);
	assert_true(o.copy_threshold == 64ull << 20); /* bare number: MiB */
	assert_int_equal(
	    parse("--copy-threshold", "big", "b", "m", NULL), FS_OPTS_USAGE);
	assert_non_null(strstr(msg, "-copy-threshold"));
}

static bool
str_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void
test_help_text(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	fs_opts_help(&b, "goofys");
	assert_true(str_prefix(b.ptr,
	    "NAME:\n   goofys - Mount an S3 bucket locally\n\n"
	    "USAGE:\n   goofys [global options] bucket[:prefix] mountpoint\n"
	    "   \nVERSION:\n   0.24.0-roma\n   \n"
	    "GLOBAL OPTIONS:\n   -o value            Additional "
	    "system-specific mount options. Be careful!\n"));
	assert_non_null(strstr(b.ptr,
	    "   --dir-mode value    Permission bits for directories. "
	    "(default: 0755) (default: 493)\n"));
	assert_non_null(strstr(
	    b.ptr, "TUNING OPTIONS:\n   --cheap                 Reduce S3"));
	assert_non_null(strstr(b.ptr,
	    "   --stat-cache-ttl value  How long to cache StatObject results "
	    "and inode attributes. (default: 1m0s)\n"));
	assert_non_null(strstr(b.ptr,
	    "MISC OPTIONS:\n   --help, -h     Print this help text and exit "
	    "successfully.\n"));
	assert_non_null(strstr(b.ptr,
	    "   -f             Run goofys in "
	    "foreground.\n"));
	assert_non_null(strstr(b.ptr,
	    "   --version, -v  print the version\n"
	    "   \n"));
	assert_non_null(strstr(b.ptr, "--max-idle-handles N"));
	assert_non_null(strstr(b.ptr, "   --copy-threshold size "));
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_guide_command_line, teardown),
		cmocka_unit_test_teardown(test_dash_forms, teardown),
		cmocka_unit_test_teardown(test_booleans, teardown),
		cmocka_unit_test_teardown(test_all_bool_flags, teardown),
		cmocka_unit_test_teardown(test_string_flags, teardown),
		cmocka_unit_test_teardown(test_sse_kms, teardown),
		cmocka_unit_test_teardown(test_modes_base0, teardown),
		cmocka_unit_test_teardown(test_uid_gid, teardown),
		cmocka_unit_test(test_go_int),
		cmocka_unit_test_teardown(test_durations, teardown),
		cmocka_unit_test_teardown(test_unknown_flag, teardown),
		cmocka_unit_test_teardown(test_positionals, teardown),
		cmocka_unit_test_teardown(test_help_version, teardown),
		cmocka_unit_test_teardown(test_o_options, teardown),
		cmocka_unit_test_teardown(test_fstab_shape, teardown),
		cmocka_unit_test_teardown(test_roma_flags, teardown),
		cmocka_unit_test_teardown(test_copy_threshold, teardown),
		cmocka_unit_test(test_help_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
