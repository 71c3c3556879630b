/*
 * roma s3 SUBCOMMAND: the S3 client.  Subcommands are one table; for now
 * only `sign`, which signs a raw HTTP request read on stdin (SigV4).
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "s3/rawreq.h"
#include "s3/sigv4.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/time.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (256u << 20) /* a request to sign, body included */

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int s3_sign(int argc, char **argv);

static const struct subcmd subcmds[] = {
	{ "sign", s3_sign, "sign a raw HTTP request with AWS SigV4" },
};

static const char sign_usage[] =
    "usage: roma s3 sign [--region r] [--service s] [--time t]\n"
    "           [--presign seconds] [--unsigned-payload] [--sign-body]\n"
    "           [--no-normalize-path] [--single-encode] [--omit-session-token]\n"
    "           [--print creq|sts|signature|authz|request] < request\n"
    "\n"
    "Reads one raw HTTP/1.1 request on stdin and prints it signed (with\n"
    "--presign, the presigned URL).  Credentials come from\n"
    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.\n"
    "The region defaults to AWS_REGION, AWS_DEFAULT_REGION or us-east-1; the\n"
    "service to s3, which implies --no-normalize-path, --single-encode and an\n"
    "x-amz-content-sha256 header.  The time (20150830T123600Z or\n"
    "2015-08-30T12:36:00Z) defaults to the request's X-Amz-Date, else now.\n";

enum print { P_REQUEST, P_CREQ, P_STS, P_SIGNATURE, P_AUTHZ };

static const char *const print_names[] = { "request", "creq", "sts",
	"signature", "authz" };

struct sign_opts {
	const char *region;
	const char *service;
	const char *time;
	long presign; /* 0: header signing */
	int unsigned_payload, sign_body, no_normalize, single_encode;
	int omit_token;
	enum print print;
};

static void
s3_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: roma s3 COMMAND [options]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(subcmds); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f, "\n'roma s3 COMMAND --help' describes one command.\n");
}

static int usage_error(const char *usage, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

/* One line saying what is wrong, then the usage; exit status 2. */
static int
usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "roma s3: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (usage != NULL)
		fputs(usage, stderr);
	else
		s3_usage(stderr);
	return 2;
}

/* The one place credentials are looked up (the full chain comes later). */
static int
get_creds(struct sigv4_creds *cr)
{
	cr->access_key = getenv("AWS_ACCESS_KEY_ID");
	cr->secret_key = getenv("AWS_SECRET_ACCESS_KEY");
	cr->session_token = getenv("AWS_SESSION_TOKEN");
	if (cr->access_key == NULL || *cr->access_key == '\0' ||
	    cr->secret_key == NULL || *cr->secret_key == '\0')
		return -ENOENT;
	return 0;
}

static const char *
default_region(void)
{
	const char *r = getenv("AWS_REGION");

	if (r == NULL || *r == '\0')
		r = getenv("AWS_DEFAULT_REGION");
	return r && *r ? r : "us-east-1";
}

static int
parse_print(const char *s, enum print *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(print_names); i++)
		if (strcmp(s, print_names[i]) == 0) {
			*p = (enum print)i;
			return 0;
		}
	return -EINVAL;
}

static int
parse_presign(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || *v < 1 ||
	    *v > SIGV4_MAX_EXPIRES)
		return -EINVAL;
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int
sign_parse(int argc, char **argv, struct sign_opts *o)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "service", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "presign", required_argument, NULL, 'p' },
		{ "unsigned-payload", no_argument, NULL, 'U' },
		{ "sign-body", no_argument, NULL, 'B' },
		{ "no-normalize-path", no_argument, NULL, 'N' },
		{ "single-encode", no_argument, NULL, 'E' },
		{ "omit-session-token", no_argument, NULL, 'O' },
		{ "print", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->region = optarg;
			break;
		case 's':
			o->service = optarg;
			break;
		case 't':
			o->time = optarg;
			break;
		case 'p':
			if (parse_presign(optarg, &o->presign) != 0)
				return usage_error(sign_usage,
				    "--presign wants 1 to 604800 seconds, not '%s'",
				    optarg);
			break;
		case 'U':
			o->unsigned_payload = 1;
			break;
		case 'B':
			o->sign_body = 1;
			break;
		case 'N':
			o->no_normalize = 1;
			break;
		case 'E':
			o->single_encode = 1;
			break;
		case 'O':
			o->omit_token = 1;
			break;
		case 'P':
			if (parse_print(optarg, &o->print) != 0)
				return usage_error(sign_usage,
				    "--print wants creq, sts, signature, authz or "
				    "request, not '%s'",
				    optarg);
			break;
		case 'h':
			fputs(sign_usage, stdout);
			return 0;
		default:
			return usage_error(sign_usage, "sign: bad option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error(
		    sign_usage, "sign: unexpected argument '%s'", argv[optind]);
	return -1;
}

static int
read_all(FILE *f, struct buf *b)
{
	char chunk[65536];
	size_t n;
	int r;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = buf_add(b, chunk, n)) != 0)
			return r;
	return ferror(f) ? -EIO : 0;
}

/* The signing time: --time, else the request's X-Amz-Date, else now. */
static int
sign_time(const struct sign_opts *o, const struct rawreq *rq, time_t *t)
{
	const char *h = rawreq_header(rq, "x-amz-date");
	struct buf v = BUF_INIT;
	int r;

	if (o->time != NULL)
		return time_parse_iso8601(o->time, t);
	if (h == NULL) {
		*t = time(NULL);
		return 0;
	}
	sigv4_canonical_value(h, &v);
	r = time_parse_iso8601(v.ptr, t);
	buf_release(&v);
	return r;
}

static void
sign_params(const struct sign_opts *o, struct sigv4_params *p)
{
	int s3 = strcmp(p->service, "s3") == 0;

	if (s3 || o->no_normalize)
		p->flags |= SIGV4_NO_NORMALIZE;
	if (s3 || o->single_encode)
		p->flags |= SIGV4_SINGLE_ENCODE;
	/* S3 wants the payload hash in a header; so does UNSIGNED-PAYLOAD. */
	if (s3 || o->sign_body || o->unsigned_payload)
		p->flags |= SIGV4_CONTENT_SHA256;
	if (o->omit_token)
		p->flags |= SIGV4_TOKEN_UNSIGNED;
	if (o->unsigned_payload || (o->presign && s3 && !o->sign_body))
		p->payload = SIGV4_PAYLOAD_UNSIGNED;
	p->expires = o->presign;
}

static int
print_result(const struct sign_opts *o, const struct rawreq *rq,
    const struct sigv4_signed *s)
{
	struct buf out = BUF_INIT, host = BUF_INIT;
	const char *h;

	switch (o->print) {
	case P_CREQ:
		printf("%s\n", s->creq.ptr);
		break;
	case P_STS:
		printf("%s\n", s->sts.ptr);
		break;
	case P_SIGNATURE:
		printf("%s\n", s->signature);
		break;
	case P_AUTHZ:
		if (o->presign)
			printf("%s\n", s->query.ptr);
		else
			printf("%s\n", s->authz.ptr);
		break;
	case P_REQUEST:
		if (o->presign) {
			h = rawreq_header(rq, "host");
			sigv4_canonical_value(h ? h : "", &host);
			sigv4_presigned_url(s, "https", host.ptr, &out);
			printf("%s\n", out.ptr);
		} else {
			rawreq_format(rq, s, &out);
			fwrite(out.ptr, 1, out.len, stdout);
		}
		break;
	}
	buf_release(&out);
	buf_release(&host);
	return 0;
}

static int
s3_sign(int argc, char **argv)
{
	struct sign_opts o = { 0 };
	struct sigv4_creds cr;
	struct sigv4_params p = { 0 };
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct rawreq rq = { 0 };
	struct buf in = BUF_INIT;
	struct rerr e;
	int r, status = 1;

	if ((r = sign_parse(argc, argv, &o)) >= 0)
		return r;
	if (get_creds(&cr) != 0) {
		fprintf(stderr,
		    "roma s3 sign: no credentials: set "
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
		return 1;
	}
	rerr_clear(&e);
	buf_init(&in, MAX_REQUEST);
	if ((r = read_all(stdin, &in)) != 0) {
		fprintf(stderr, "roma s3 sign: reading the request: %s\n",
		    r == -E2BIG ? "too large" : strerror(-r));
		goto out;
	}
	if ((r = rawreq_parse(in.ptr, in.len, &rq, &e)) != 0)
		goto fail;
	if (sign_time(&o, &rq, &p.when) != 0) {
		if (o.time != NULL)
			status = usage_error(
			    sign_usage, "sign: bad --time '%s'", o.time);
		else
			fprintf(
			    stderr, "roma s3 sign: bad X-Amz-Date header\n");
		goto out;
	}
	p.creds = &cr;
	p.region = o.region ? o.region : default_region();
	p.service = o.service ? o.service : "s3";
	sign_params(&o, &p);
	r = o.presign ? sigv4_presign(&rq.req, &p, &s, &e)
	              : sigv4_sign(&rq.req, &p, &s, &e);
	if (r != 0)
		goto fail;
	status = print_result(&o, &rq, &s);
	goto out;
fail:
	fprintf(stderr, "roma s3 sign: %s\n", rerr_str(&e));
out:
	sigv4_signed_release(&s);
	rawreq_release(&rq);
	buf_release(&in);
	return status;
}

int
cmd_s3(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage_error(NULL, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		s3_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(subcmds); i++)
		if (strcmp(argv[1], subcmds[i].name) == 0)
			return subcmds[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}
