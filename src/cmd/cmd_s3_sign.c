/*
 * roma s3 sign: sign one raw HTTP/1.1 request read on stdin (SigV4), with
 * credentials from the normal chain.  A debugging and conformance aid: it
 * prints the signature by design, and nothing else secret.
 */
#include "roma.h"
#include "cmd/cmd_s3.h"
#include "net/tls.h"
#include "s3/creds.h"
#include "s3/rawreq.h"
#include "s3/sigv4.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REQUEST (256u << 20) /* a request to sign, body included */

static const char sign_usage[] =
    "usage: roma s3 sign [--region r] [--service s] [--time t]\n"
    "           [--presign seconds] [--unsigned-payload] [--sign-body]\n"
    "           [--no-normalize-path] [--single-encode] [--omit-session-token]\n"
    "           [--print creq|sts|signature|authz|request] [--profile p]\n"
    "           [--debug] < request\n"
    "\n"
    "Reads one raw HTTP/1.1 request on stdin and prints it signed (with\n"
    "--presign, the presigned URL).  Credentials come from the usual chain\n"
    "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the profile of the AWS\n"
    "shared files, ...; see 'roma creds').\n"
    "The region defaults to AWS_REGION, AWS_DEFAULT_REGION or us-east-1; the\n"
    "service to s3, which implies --no-normalize-path, --single-encode and an\n"
    "x-amz-content-sha256 header.  The time (20150830T123600Z or\n"
    "2015-08-30T12:36:00Z) defaults to the request's X-Amz-Date, else now.\n";

enum print { P_REQUEST, P_CREQ, P_STS, P_SIGNATURE, P_AUTHZ };

static const char *const print_names[] = { "request", "creq", "sts",
	"signature", "authz" };

struct sign_opts {
	struct s3cmd *g;
	const char *service;
	const char *time;
	long presign; /* 0: header signing */
	int unsigned_payload, sign_body, no_normalize, single_encode;
	int omit_token;
	enum print print;
};

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

static int
sign_opt(int c, const char *arg, void *ctx)
{
	struct sign_opts *o = ctx;

	switch (c) {
	case 's':
		o->service = arg;
		break;
	case 't':
		o->time = arg;
		break;
	case 'p':
		if (parse_presign(arg, &o->presign) != 0)
			return s3cmd_usage_error(o->g,
			    "--presign wants 1 to 604800 seconds, not '%s'",
			    arg);
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
		if (parse_print(arg, &o->print) != 0)
			return s3cmd_usage_error(o->g,
			    "--print wants creq, sts, signature, authz or "
			    "request, not '%s'",
			    arg);
		break;
	}
	return 0;
}

static const struct option sign_opts_table[] = {
	{ "service", required_argument, NULL, 's' },
	{ "time", required_argument, NULL, 't' },
	{ "presign", required_argument, NULL, 'p' },
	{ "unsigned-payload", no_argument, NULL, 'U' },
	{ "sign-body", no_argument, NULL, 'B' },
	{ "no-normalize-path", no_argument, NULL, 'N' },
	{ "single-encode", no_argument, NULL, 'E' },
	{ "omit-session-token", no_argument, NULL, 'O' },
	{ "print", required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 },
};

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

static void
print_json(
    const struct sign_opts *o, const struct sigv4_signed *s, const char *url)
{
	struct s3cmd_json j;

	s3cmd_jinit(&j);
	s3cmd_jopen(&j, NULL, '{');
	s3cmd_jstr(&j, "canonical_request", s->creq.ptr);
	s3cmd_jstr(&j, "string_to_sign", s->sts.ptr);
	s3cmd_jstr(&j, "signature", s->signature);
	if (o->presign)
		s3cmd_jstr(&j, "url", url);
	else
		s3cmd_jstr(&j, "authorization", s->authz.ptr);
	s3cmd_jclose(&j, '}');
	s3cmd_jprint(&j);
}

static void
print_result(const struct sign_opts *o, const struct rawreq *rq,
    const struct sigv4_signed *s)
{
	struct buf out = BUF_INIT, host = BUF_INIT;
	const char *h;

	if (o->presign) {
		h = rawreq_header(rq, "host");
		sigv4_canonical_value(h ? h : "", &host);
		sigv4_presigned_url(s, "https", host.ptr, &out);
	}
	if (o->g->json)
		print_json(o, s, out.ptr);
	else if (o->print == P_CREQ)
		printf("%s\n", s->creq.ptr);
	else if (o->print == P_STS)
		printf("%s\n", s->sts.ptr);
	else if (o->print == P_SIGNATURE)
		printf("%s\n", s->signature);
	else if (o->print == P_AUTHZ)
		printf("%s\n", o->presign ? s->query.ptr : s->authz.ptr);
	else if (o->presign)
		printf("%s\n", out.ptr);
	else {
		rawreq_format(rq, s, &out);
		fwrite(out.ptr, 1, out.len, stdout);
	}
	buf_release(&out);
	buf_release(&host);
}

/* Credentials from the chain (the trust is needed by its HTTP sources). */
static int
get_creds(const struct s3cmd *g, struct creds *c, struct rerr *e)
{
	struct creds_opts co = { 0 };
	struct tls_ca ca = TLS_CA_INIT;
	int r;

	co.profile = g->profile;
	co.region = g->region;
	if (g->ca_bundle && (r = tls_ca_find(g->ca_bundle, &ca, e)) != 0)
		return r;
	co.ca = g->ca_bundle ? &ca : NULL;
	r = creds_resolve(&co, c, e);
	tls_ca_release(&ca);
	return r;
}

static int
sign_run(struct sign_opts *o, struct sigv4_params *p, struct rerr *e)
{
	struct sigv4_signed s = SIGV4_SIGNED_INIT;
	struct rawreq rq = { 0 };
	struct buf in = BUF_INIT;
	int r, status = 1;

	buf_init(&in, MAX_REQUEST);
	if ((r = read_all(stdin, &in)) != 0) {
		s3cmd_warn(o->g, "reading the request: %s",
		    r == -E2BIG ? "too large" : strerror(-r));
		goto out;
	}
	if ((r = rawreq_parse(in.ptr, in.len, &rq, e)) != 0)
		goto fail;
	if (sign_time(o, &rq, &p->when) != 0) {
		if (o->time != NULL)
			status =
			    s3cmd_usage_error(o->g, "bad --time '%s'", o->time);
		else
			s3cmd_warn(o->g, "bad X-Amz-Date header");
		goto out;
	}
	sign_params(o, p);
	r = o->presign ? sigv4_presign(&rq.req, p, &s, e)
	               : sigv4_sign(&rq.req, p, &s, e);
	if (r != 0)
		goto fail;
	print_result(o, &rq, &s);
	status = 0;
	goto out;
fail:
	status = s3cmd_fail(o->g, NULL, e);
out:
	sigv4_signed_release(&s);
	rawreq_release(&rq);
	buf_release(&in);
	return status;
}

int
s3cmd_sign(int argc, char **argv)
{
	struct s3cmd g = { .cmd = "sign", .usage = sign_usage };
	struct sign_opts o = { .g = &g };
	struct s3cmd_spec spec = { sign_opts_table, NULL, sign_opt, &o, 0, 0,
		0 };
	struct sigv4_creds cr;
	struct sigv4_params p = { 0 };
	struct creds c = { 0 };
	struct rerr e;
	int r;

	if ((r = s3cmd_parse(&g, argc, argv, &spec)) >= 0)
		return r;
	rerr_clear(&e);
	if (get_creds(&g, &c, &e) != 0) {
		r = s3cmd_fail(&g, NULL, &e);
		goto out;
	}
	if (c.anonymous || c.access_key == NULL) {
		s3cmd_warn(&g, "anonymous credentials cannot sign");
		r = 1;
		goto out;
	}
	creds_sigv4(&c, &cr);
	p.creds = &cr;
	p.region = g.region ? g.region : default_region();
	p.service = o.service ? o.service : "s3";
	rerr_clear(&e);
	r = sign_run(&o, &p, &e);
out:
	creds_release(&c);
	return r;
}
