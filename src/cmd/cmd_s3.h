/*
 * cmd_s3 - what the `roma s3` subcommands share (private to cmd_s3*.c):
 * the global flags every subcommand takes, the option parser that merges
 * them with a subcommand's own, s3:// URLs, the client, error lines and
 * exit statuses, a small JSON writer for --json, and the progress line.
 *
 * Exit statuses: 0 ok, 1 failure (also a partial one), 2 usage.
 */
#ifndef CMD_CMD_S3_H
#define CMD_CMD_S3_H

#include "roma.h"
#include "s3/ops.h"
#include "util/buf.h"

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rerr;
struct s3_client;
struct s3cmd_objflags;

/* The flags every subcommand takes. */
struct s3cmd {
	const char *cmd; /* "cp", for messages: "roma s3 cp: ..." */
	const char *usage;
	const char *endpoint, *region, *profile, *ca_bundle;
	bool anonymous, debug, json;
	long read_timeout_s;       /* --read-timeout: a stall this long fails */
	long connect_timeout_ms;   /* --connect-timeout */
	bool request_payer;        /* --request-payer (S3CMD_FL_PAYER) */
	struct s3cmd_objflags *of; /* the other object flags, if taken */
	/* Positional arguments after parsing. */
	char **args;
	int nargs;
};

/*
 * A subcommand's own options: getopt_long entries whose `val` is below
 * S3CMD_FLAG_BASE, handled by `fn` (returns 0, or 2 after a usage error).
 * The AWS CLI's object flags it takes are named by `flags` (S3CMD_FL_*).
 */
#define S3CMD_FLAG_BASE 900
#define S3CMD_OPT_BASE  1000

struct s3cmd_spec {
	const struct option *opts; /* terminated by a NULL name */
	const char *shortopts;     /* e.g. "rq"; NULL: none */
	int (*fn)(int c, const char *arg, void *ctx);
	void *ctx;
	int min_args, max_args;
	unsigned flags; /* S3CMD_FL_*; all but PAYER need g->of */
};

/*
 * Parse argv (argv[0] is the subcommand), options before or after the
 * arguments.  Returns -1 to go on, else the exit status (0 after --help,
 * 2 on misuse).
 */
int s3cmd_parse(
    struct s3cmd *g, int argc, char **argv, const struct s3cmd_spec *s);

/*
 * The AWS CLI's object flags (cmd_s3_flags.c), with its names and
 * meanings.  A key is never needed in argv: fileb://PATH and file://PATH
 * read it from a file; a literal one is warned about and blanked in argv.
 */
#define S3CMD_FL_PAYER 1u /* --request-payer [requester] */
#define S3CMD_FL_KEY   2u /* --sse-c [AES256], --sse-c-key: read, write */
#define S3CMD_FL_WRITE                                         \
	4u /* --sse, --sse-kms-key-id, --acl, --storage-class, \
	      --sse-c-copy-source[-key] */

struct s3cmd_objflags {
	const char *sse;        /* --sse: AES256 or aws:kms */
	const char *kms_key_id; /* --sse-kms-key-id */
	const char *ssec;       /* --sse-c: AES256 */
	const char *src_ssec;   /* --sse-c-copy-source: AES256 */
	bool key, src_key;      /* --sse-c-key, --sse-c-copy-source-key given */
	const char *acl, *storage_class;
	/* The result: what writes carry, and the SSE-C key reads send; the
	 * copy source's key (cfg.copy_src points to it). */
	struct s3_objcfg cfg, src;
};

/* Add the options of `groups` to `out` (room for `max`); their count. */
size_t s3cmd_flag_opts(unsigned groups, struct option *out, size_t max);
/* One of them, `c` with its value (NULL: none given).  0, or 2 after a
 * usage error.  A literal key in `arg` is blanked once read. */
int s3cmd_flag(struct s3cmd *g, int c, char *arg);
/* The flags together: the checks no single one can make; fills g->of's
 * cfg.  -1 to go on, or 2 after a usage error. */
int s3cmd_flags_done(struct s3cmd *g);
/* The name of a write-only flag given (--sse, ...), or NULL. */
const char *s3cmd_flags_write_set(const struct s3cmd *g);
/* "roma s3 CMD: MESSAGE" and the usage on stderr; returns 2. */
int s3cmd_usage_error(const struct s3cmd *g, const char *fmt, ...)
    PRINTF_LIKE(2, 3);
/* The client for the global flags (NULL after printing why). */
struct s3_client *s3cmd_client(
    const struct s3cmd *g, uint64_t part_size, unsigned concurrency);

/* "roma s3 CMD: WHAT: why (Code, HTTP n, request id r)" on stderr, or
 * with --json an {"error":...} document on stdout too.  Returns 1. */
int s3cmd_fail(const struct s3cmd *g, const char *what, const struct rerr *e);
/* The same line's text after "roma s3 CMD: " into `out`. */
void s3cmd_error_text(const char *what, const struct rerr *e, struct buf *out);
/* Print "roma s3 CMD: " and a message on stderr. */
void s3cmd_warn(const struct s3cmd *g, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* An s3://bucket/key URL; `key` may be "" (the bucket). */
struct s3cmd_url {
	char *bucket;
	char *key;
};

bool s3cmd_url_is(const char *s);
/* Parse `s`; -EINVAL when it is not s3://BUCKET[/KEY]. */
int s3cmd_url_parse(const char *s, struct s3cmd_url *u);
void s3cmd_url_release(struct s3cmd_url *u);
/* "s3://bucket/key" appended to `out`. */
void s3cmd_url_format(const char *bucket, const char *key, struct buf *out);

/* "2024-01-01 12:00:00" (local time, as the AWS CLI shows it). */
void s3cmd_time_local(int64_t t, char out[32]);
/* "2024-01-01T12:00:00Z". */
void s3cmd_time_iso(int64_t t, char out[32]);
/* "1.2 MiB", "13 Bytes" (the AWS CLI's --human-readable). */
void s3cmd_human_size(uint64_t n, char out[32]);

/*
 * A JSON text writer: members go into `b` with the commas done for you.
 * Open an object or array, add members (key NULL inside arrays), close.
 */
struct s3cmd_json {
	struct buf b;
	int depth;
	bool first[16];
};

void s3cmd_jinit(struct s3cmd_json *j);
void s3cmd_jopen(struct s3cmd_json *j, const char *key, char brace);
void s3cmd_jclose(struct s3cmd_json *j, char brace);
void s3cmd_jstr(struct s3cmd_json *j, const char *key, const char *val);
void s3cmd_ju64(struct s3cmd_json *j, const char *key, uint64_t v);
void s3cmd_jbool(struct s3cmd_json *j, const char *key, bool v);
void s3cmd_jtime(struct s3cmd_json *j, const char *key, int64_t t);
/* Member `key` holding `text` verbatim (valid JSON). */
void s3cmd_jraw(struct s3cmd_json *j, const char *key, const char *text);
/* Print the document and a newline on stdout, and release it. */
void s3cmd_jprint(struct s3cmd_json *j);
/* The error object of a failed request: {"message":..,"code":..,...}. */
void s3cmd_jerror(struct s3cmd_json *j, const char *key, const char *what,
    const struct rerr *e);

/*
 * The progress line on stderr: shown only when stderr is a terminal and
 * not turned off; at most ten redraws a second; thread-safe.  Lines for
 * stdout go through s3cmd_progress_println, which clears the bar first.
 */
struct s3cmd_progress {
	pthread_mutex_t mu;
	bool on;
	uint64_t done, total;
	unsigned files_left;
	int64_t start_ms, last_ms;
	size_t width; /* of the last line drawn */
};

void s3cmd_progress_init(struct s3cmd_progress *p, bool on);
void s3cmd_progress_total(
    struct s3cmd_progress *p, uint64_t bytes, unsigned files);
void s3cmd_progress_add(struct s3cmd_progress *p, uint64_t bytes);
void s3cmd_progress_file_done(struct s3cmd_progress *p);
void s3cmd_progress_println(
    struct s3cmd_progress *p, FILE *f, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Erase the line; free the lock. */
void s3cmd_progress_end(struct s3cmd_progress *p);

/*
 * cp: one transfer (a job) and the whole command.  cmd_s3_cp.c parses and
 * plans, cmd_s3_xfer.c runs the jobs (in parallel for --recursive).
 */
enum s3cmd_op { S3CMD_UPLOAD, S3CMD_DOWNLOAD, S3CMD_COPY };

struct s3cmd_job {
	enum s3cmd_op op;
	char *path;           /* the local side: a file, or "-" */
	char *bucket, *key;   /* the S3 side (COPY: the destination) */
	char *sbucket, *skey; /* COPY: the source */
	uint64_t size;        /* for the progress line; 0: unknown */
	/* Filled while running. */
	uint64_t reported; /* bytes already added to the progress */
	bool sized;        /* the size went into the progress total */
	struct s3cmd_cp *cp;
};

struct s3cmd_cp {
	struct s3cmd *g;
	bool recursive, quiet, no_progress;
	const char *content_type;
	struct s3cmd_objflags of; /* g->of: encryption, ACL, class */
	uint64_t part_size;
	unsigned concurrency;
	unsigned mode; /* the file mode of new local files (0666 & ~umask) */
	struct s3_client *c;
	struct s3cmd_progress prog;
	pthread_mutex_t mu; /* guards the counters and `j` */
	uint64_t nok, nfailed, bytes;
	struct s3cmd_json j; /* the transfers array (--json) */
	struct s3cmd_job *jobs;
	size_t njobs, cap;
};

/* Add a job (strings copied; NULL ones left NULL). */
struct s3cmd_job *s3cmd_job_add(struct s3cmd_cp *cp, enum s3cmd_op op,
    const char *path, const char *bucket, const char *key, const char *sbucket,
    const char *skey, uint64_t size);
/* Run every job, `threads` at a time, reporting each; the exit status. */
int s3cmd_jobs_run(struct s3cmd_cp *cp, unsigned threads);
void s3cmd_jobs_free(struct s3cmd_cp *cp);

/* The subcommands. */
int s3cmd_sign(int argc, char **argv);
int s3cmd_ls(int argc, char **argv);
int s3cmd_cp(int argc, char **argv);
int s3cmd_rm(int argc, char **argv);
int s3cmd_head(int argc, char **argv);
int s3cmd_presign(int argc, char **argv);
int s3cmd_mb(int argc, char **argv);
int s3cmd_rb(int argc, char **argv);

#endif
