/*
 * opts - the mount's command line: goofys v0.24.0's flags, parsed by Go's
 * `flag` rules, plus roma's extensions.  No printing and no exiting here:
 * the parser fills a struct and, on a usage error, the exact text goofys
 * would print first (cmd/ prints it, then the help, and exits 1).
 *
 * Go `flag` rules, reproduced exactly: `-x` and `--x` are the same flag;
 * values follow `=` or come as the next argument (even one starting with
 * '-'); booleans take a value only after `=` (`-f=false`); integers are
 * strconv.ParseInt base 0 ("0755" octal, "0x1ed" hex, "755" decimal);
 * durations are time.ParseDuration ("5m", "1h30m", "300ms"; a bare "300"
 * is an error, "0" is fine); parsing stops at the first non-flag argument
 * or after "--"; an unknown flag is an error.
 *
 * fstab: argv of exactly `PROG SOURCE MOUNTPOINT -o LIST` (what mount.fuse
 * runs) is rewritten first as goofys's MassageMountFlags does: items of
 * LIST that start with '-' become flags, the rest stay one -o list.
 */
#ifndef FS_OPTS_H
#define FS_OPTS_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define FS_OPTS_GOOFYS_VERSION "0.24.0"

struct fs_mount_opts {
	/* Positionals. */
	char *source;     /* BUCKET[:PREFIX] as given (the fsname) */
	char *bucket;     /* up to the first ':' */
	char *prefix;     /* after it, as given ("" when none) */
	char *mountpoint; /* as given */

	/* goofys: file system. */
	char *options; /* the -o items, comma-joined, duplicates merged (the
	                  last value wins), fstab-only items dropped; NULL
	                  when none */
	char *cache;   /* --cache (accepted, not implemented) */
	unsigned dir_mode, file_mode; /* permission bits only (& 0777) */
	uint32_t uid, gid;

	/* goofys: S3. */
	char *endpoint;
	char *region; /* "us-east-1" unless --region */
	bool region_set;
	bool requester_pays;
	char *storage_class; /* "STANDARD" */
	char *profile;
	bool use_content_type;
	bool sse;         /* also set by --sse-kms */
	bool sse_kms_set; /* --sse-kms given (an empty key: the account's) */
	char *sse_kms;
	char *sse_c;
	char *acl;
	bool subdomain;

	/* goofys: tuning. */
	bool cheap, no_implicit_dir;
	uint64_t stat_cache_ttl_ms, type_cache_ttl_ms, http_timeout_ms;

	/* goofys: misc. */
	bool debug_fuse, debug_s3, foreground, help, version;

	/* Accepted for compatibility. */
	bool max_idle_handles_set; /* --max-idle-handles N: warn, ignore */
	int64_t max_idle_handles;
	bool use_path_request; /* goofys <= 0.0.9; path style is the default */
	char *pid_file;        /* StatCan fork: write the daemon's pid */
	char *cred_filename;   /* StatCan fork: the shared credentials file */

	/* roma's extensions. */
	uint64_t memory_limit; /* bytes; 0: the fs default */
	bool staging_set;      /* --staging-dir given ("" disables) */
	char *staging_dir;
	uint64_t part_size; /* 0: default */
	unsigned max_parallel;
	uint64_t read_ahead;
	uint64_t copy_threshold; /* bytes; 0: default (5 GiB) */
	bool enable_symlinks;
	char *ca_bundle;
	bool debug;
	char *log_file;
	char *sse_c_file; /* the SSE-C key, off the command line */
};

/* Results of fs_opts_parse besides 0. */
#define FS_OPTS_USAGE 1 /* `msg` holds goofys's error line; exit 1 */

/*
 * Parse `argv` (argv[0] is the program; flags start at argv[1]).  Defaults
 * first (uid/gid of the process, modes 0755/0644, TTLs 1m, timeout 30s,
 * region us-east-1, class STANDARD).  Returns 0, or FS_OPTS_USAGE with
 * `msg` (malloc'd, no newline) set to what goofys prints, e.g.
 * "Incorrect Usage. flag provided but not defined: -foo" or "Error: goofys
 * takes exactly two arguments." (`name` is the program name used in it).
 * With --help or --version the positionals are not checked.  Release `o`
 * in every case.
 */
int fs_opts_parse(struct fs_mount_opts *o, int argc, char **argv,
    const char *name, char **msg);
void fs_opts_release(struct fs_mount_opts *o);

/* The full help text (goofys's, then roma's extensions) into `out`, as
 * urfave/cli lays it out; `name` is the program name ("goofys"). */
void fs_opts_help(struct buf *out, const char *name);

/* The -o list for the mount: the user's items plus fsname=SOURCE (commas
 * escaped) and subtype=goofys unless the user set them.  malloc'd. */
char *fs_opts_mount_options(const struct fs_mount_opts *o);

/*
 * Go's time.ParseDuration, in milliseconds (rounded down; negative values
 * are clamped to 0): [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+ or "0".
 * Returns 0 or -EINVAL (-ERANGE above ~292 years).
 */
int fs_opts_go_duration(const char *s, uint64_t *ms);
/* Go's strconv.ParseInt(s, 0, 64): sign, 0x/0X, 0o/0O, 0b/0B, a leading 0
 * for octal, '_' between digits after a prefix.  0, -EINVAL or -ERANGE. */
int fs_opts_go_int(const char *s, int64_t *out);
/* Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False. */
int fs_opts_go_bool(const char *s, bool *out);

#endif
