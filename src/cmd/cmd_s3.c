/*
 * roma s3 SUBCOMMAND: the S3 client, shaped like `aws s3`.  This file holds
 * the subcommand table and what the subcommands share: the global flags,
 * the client, s3:// URLs and the error lines.  The subcommands live in
 * cmd_s3_*.c.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "cmd/cmd_s3.h"
#include "s3/client.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "ls", s3cmd_ls, "list buckets, or objects under a prefix" },
	{ "cp", s3cmd_cp, "copy files and objects: up, down, S3 to S3" },
	{ "rm", s3cmd_rm, "delete an object, or every object under a prefix" },
	{ "head", s3cmd_head,
	    "show an object's size, date, ETag and metadata" },
	{ "presign", s3cmd_presign, "print a presigned GET URL for an object" },
	{ "mb", s3cmd_mb, "make a bucket" },
	{ "rb", s3cmd_rb, "remove a bucket (--force: its objects first)" },
	{ "sign", s3cmd_sign, "sign a raw HTTP request with AWS SigV4" },
};

static const char global_help[] =
    "\nglobal options (every command):\n"
    "  --endpoint URL      S3-compatible endpoint (alias --endpoint-url)\n"
    "  --region R          region (else AWS_REGION, the profile, us-east-1)\n"
    "  --profile NAME      profile of the AWS shared files\n"
    "  --ca-bundle FILE    CA certificates for HTTPS\n"
    "  --no-sign-request   send unsigned requests (public buckets)\n"
    "  --debug             trace every request (secrets redacted)\n"
    "  --read-timeout S    fail a transfer stalled this long (default 30)\n"
    "  --connect-timeout S give up connecting after S seconds (default 10)\n"
    "  --json              print one JSON document on stdout\n";

static void
s3_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: roma s3 COMMAND [options] [args]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(subcmds); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fputs(global_help, f);
	fprintf(f, "\n'roma s3 COMMAND --help' describes one command.\n");
}

int
cmd_s3(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "roma s3: missing command\n");
		s3_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		s3_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(subcmds); i++)
		if (strcmp(argv[1], subcmds[i].name) == 0)
			return subcmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "roma s3: unknown command '%s'\n", argv[1]);
	s3_usage(stderr);
	return 2;
}

/* ---- Options ---- */

enum {
	G_ENDPOINT = S3CMD_OPT_BASE,
	G_REGION,
	G_PROFILE,
	G_CA,
	G_ANON,
	G_DEBUG,
	G_JSON,
	G_READ_TIMEOUT,
	G_CONNECT_TIMEOUT,
};

static const struct option global_opts[] = {
	{ "endpoint", required_argument, NULL, G_ENDPOINT },
	{ "endpoint-url", required_argument, NULL, G_ENDPOINT },
	{ "region", required_argument, NULL, G_REGION },
	{ "profile", required_argument, NULL, G_PROFILE },
	{ "ca-bundle", required_argument, NULL, G_CA },
	{ "no-sign-request", no_argument, NULL, G_ANON },
	{ "debug", no_argument, NULL, G_DEBUG },
	{ "json", no_argument, NULL, G_JSON },
	{ "read-timeout", required_argument, NULL, G_READ_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, G_CONNECT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
};

#define MAX_OPTS 48

int
s3cmd_usage_error(const struct s3cmd *g, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "roma s3 %s: ", g->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fputs(g->usage, stderr);
	return 2;
}

static int
global_opt(struct s3cmd *g, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case G_ENDPOINT:
		g->endpoint = arg;
		break;
	case G_REGION:
		g->region = arg;
		break;
	case G_PROFILE:
		g->profile = arg;
		break;
	case G_CA:
		g->ca_bundle = arg;
		break;
	case G_ANON:
		g->anonymous = true;
		break;
	case G_DEBUG:
		g->debug = true;
		break;
	case G_JSON:
		g->json = true;
		break;
	case G_READ_TIMEOUT:
	case G_CONNECT_TIMEOUT:
		if (str_to_u64(arg, 3600, &v) != 0 || v == 0)
			return s3cmd_usage_error(g,
			    "--%s wants 1 to 3600 seconds, not '%s'",
			    c == G_READ_TIMEOUT ? "read-timeout"
			                        : "connect-timeout",
			    arg);
		if (c == G_READ_TIMEOUT)
			g->read_timeout_s = (long)v;
		else
			g->connect_timeout_ms = (long)v * 1000;
		break;
	}
	return 0;
}

static void
merge_opts(const struct s3cmd_spec *s, struct option *all)
{
	size_t n = 0, i, room = MAX_OPTS - 1 - ARRAY_SIZE(global_opts);

	for (i = 0; s->opts && s->opts[i].name && n < room; i++)
		all[n++] = s->opts[i];
	n += s3cmd_flag_opts(s->flags, all + n, room - n);
	for (i = 0; i < ARRAY_SIZE(global_opts); i++)
		all[n++] = global_opts[i];
	memset(&all[n], 0, sizeof(all[n]));
}

static int
check_args(struct s3cmd *g, const struct s3cmd_spec *s)
{
	if (g->nargs < s->min_args)
		return s3cmd_usage_error(g, "missing argument");
	if (g->nargs > s->max_args)
		return s3cmd_usage_error(
		    g, "unexpected argument '%s'", g->args[s->max_args]);
	if (g->debug)
		log_configure("trace");
	return g->of ? s3cmd_flags_done(g) : -1;
}

/* What getopt takes for an argument rather than an option ("-" is stdin). */
static bool
is_arg(const char *s)
{
	return s[0] != '-' || s[1] == '\0';
}

/* One option getopt_long returned (`o`: its long entry, or NULL): -1 to go
 * on, else the exit status. */
static int
one_opt(struct s3cmd *g, const struct s3cmd_spec *s, const struct option *o,
    int c, int argc, char **argv)
{
	char *arg = optarg;
	int r;

	if (c == 'h') {
		fputs(g->usage, stdout);
		return 0;
	}
	if (c == '?')
		return s3cmd_usage_error(
		    g, "unknown option '%s'", argv[optind - 1]);
	if (c == ':')
		return s3cmd_usage_error(
		    g, "option '%s' needs a value", argv[optind - 1]);
	/* As argparse's nargs='?': `--sse aws:kms` as well as `--sse=...`. */
	if (o && o->has_arg == optional_argument && !arg && optind < argc &&
	    is_arg(argv[optind]) && strcmp(argv[optind], "-") != 0)
		arg = argv[optind++];
	if (c >= S3CMD_OPT_BASE)
		r = global_opt(g, c, arg);
	else if (c >= S3CMD_FLAG_BASE)
		r = s3cmd_flag(g, c, arg);
	else
		r = s->fn(c, arg, s->ctx);
	return r != 0 ? r : -1;
}

/* The arguments (marked in `isarg`) moved after the options, in order. */
static void
gather_args(struct s3cmd *g, int argc, char **argv, const bool *isarg)
{
	char **tmp = xcalloc((size_t)argc, sizeof(*tmp));
	int i, n = 0;

	g->nargs = 0;
	for (i = 1; i < argc; i++)
		if (!isarg[i])
			tmp[n++] = argv[i];
	for (i = 1; i < argc; i++)
		if (isarg[i]) {
			tmp[n++] = argv[i];
			g->nargs++;
		}
	memcpy(argv + 1, tmp, (size_t)n * sizeof(*argv));
	g->args = argv + argc - g->nargs;
	free(tmp);
}

/*
 * getopt_long in order ('+'), the arguments set aside here: getopt's own
 * reordering would take the value of `--sse aws:kms` for an argument.
 */
int
s3cmd_parse(struct s3cmd *g, int argc, char **argv, const struct s3cmd_spec *s)
{
	struct option all[MAX_OPTS];
	char shortopts[32];
	bool *isarg = xcalloc((size_t)argc + 1, sizeof(*isarg));
	int c, idx, r = -1;

	merge_opts(s, all);
	snprintf(shortopts, sizeof(shortopts), "+:h%s",
	    s->shortopts ? s->shortopts : "");
	opterr = 0;
	optind = 1;
	while (r < 0 && optind < argc) {
		if (strcmp(argv[optind], "--") == 0) {
			while (++optind < argc)
				isarg[optind] = true;
			break;
		}
		if (is_arg(argv[optind])) {
			isarg[optind++] = true;
			continue;
		}
		idx = -1;
		if ((c = getopt_long(argc, argv, shortopts, all, &idx)) == -1)
			break;
		r = one_opt(g, s, idx >= 0 ? &all[idx] : NULL, c, argc, argv);
	}
	if (r < 0) {
		gather_args(g, argc, argv, isarg);
		r = check_args(g, s);
	}
	free(isarg);
	return r;
}

struct s3_client *
s3cmd_client(const struct s3cmd *g, uint64_t part_size, unsigned concurrency)
{
	struct s3_client_opts o = { 0 };
	struct s3_client *c;
	const char *att;
	uint64_t n;
	struct rerr e;

	rerr_clear(&e);
	o.region = g->region;
	o.endpoint = g->endpoint;
	o.profile = g->profile;
	o.ca_bundle = g->ca_bundle;
	o.anonymous = g->anonymous;
	o.request_payer = g->request_payer;
	o.part_size = part_size;
	o.concurrency = concurrency;
	/* As the AWS CLI: attempts in all, the first included. */
	if ((att = getenv("AWS_MAX_ATTEMPTS")) && *att &&
	    str_to_u64(att, 20, &n) == 0 && n > 0)
		o.max_attempts = (unsigned)n;
	o.stall_s = g->read_timeout_s;
	o.connect_timeout_ms = g->connect_timeout_ms;
	if ((c = s3_client_new(&o, &e)) == NULL)
		s3cmd_fail(g, NULL, &e);
	return c;
}

/* ---- Errors ---- */

static bool
creds_code(const char *code)
{
	static const char *const codes[] = { "SignatureDoesNotMatch",
		"InvalidAccessKeyId", "InvalidToken", "ExpiredToken",
		"AuthorizationHeaderMalformed", "RequestTimeTooSkewed" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

/* A short reason for the well-known replies, or NULL. */
static const char *
short_reason(const struct rerr *e)
{
	switch (e->err) {
	case ENOENT:
		return strcmp(e->code, "NoSuchUpload") == 0 ? "no such upload"
		                                            : "no such key";
	case ENXIO:
		return "no such bucket";
	case EACCES:
		return creds_code(e->code)
		    ? "the credentials were refused; check them with "
		      "'roma creds', and the region"
		    : "access denied";
	case EEXIST:
		return "the bucket already exists";
	case ENOTEMPTY:
		return "the bucket is not empty (rb --force deletes its "
		       "objects first)";
	case ESTALE:
		return "the object changed during the transfer; try again";
	case EAGAIN:
		return "the server kept throttling the requests; try again "
		       "later or with a lower --concurrency";
	case ERANGE:
		return "the range is past the end of the object";
	}
	return NULL;
}

void
s3cmd_error_text(const char *what, const struct rerr *e, struct buf *out)
{
	const char *why = short_reason(e);

	if (e->http_status == 0 || why == NULL) {
		/* Replies' messages name the request themselves. */
		if (what && e->http_status == 0)
			buf_addf(out, "%s: ", what);
		buf_adds(out, rerr_str(e));
		if (e->http_status && e->request_id[0] &&
		    strstr(rerr_str(e), e->request_id) == NULL)
			buf_addf(out, " (request id %s)", e->request_id);
		return;
	}
	if (what)
		buf_addf(out, "%s: ", what);
	buf_addf(out, "%s (%s%sHTTP %d", why, e->code, e->code[0] ? ", " : "",
	    e->http_status);
	if (e->request_id[0])
		buf_addf(out, ", request id %s", e->request_id);
	buf_addc(out, ')');
}

int
s3cmd_fail(const struct s3cmd *g, const char *what, const struct rerr *e)
{
	struct buf b = BUF_INIT;
	struct s3cmd_json j;

	s3cmd_error_text(what, e, &b);
	fprintf(stderr, "roma s3 %s: %s\n", g->cmd, b.ptr);
	buf_release(&b);
	if (g->json) {
		s3cmd_jinit(&j);
		s3cmd_jopen(&j, NULL, '{');
		s3cmd_jerror(&j, "error", what, e);
		s3cmd_jclose(&j, '}');
		s3cmd_jprint(&j);
	}
	return 1;
}

void
s3cmd_warn(const struct s3cmd *g, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "roma s3 %s: ", g->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* ---- s3:// URLs ---- */

bool
s3cmd_url_is(const char *s)
{
	return strncmp(s, "s3://", 5) == 0;
}

int
s3cmd_url_parse(const char *s, struct s3cmd_url *u)
{
	const char *b, *slash;

	u->bucket = u->key = NULL;
	if (!s3cmd_url_is(s))
		return -EINVAL;
	b = s + 5;
	slash = strchr(b, '/');
	if ((slash ? (size_t)(slash - b) : strlen(b)) == 0)
		return -EINVAL;
	u->bucket = slash ? xstrndup(b, (size_t)(slash - b)) : xstrdup(b);
	u->key = xstrdup(slash ? slash + 1 : "");
	return 0;
}

void
s3cmd_url_release(struct s3cmd_url *u)
{
	free(u->bucket);
	free(u->key);
	u->bucket = u->key = NULL;
}

void
s3cmd_url_format(const char *bucket, const char *key, struct buf *out)
{
	buf_addf(out, "s3://%s/%s", bucket, key ? key : "");
}
