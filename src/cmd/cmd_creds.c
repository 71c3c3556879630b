/*
 * roma creds: which AWS credentials, region and endpoint roma would use,
 * and where each came from.  A debugging aid; it prints the access key id
 * and expiry, never the secret key or the session token.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "net/tls.h"
#include "s3/creds.h"
#include "s3/endpoint.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/rerr.h"
#include "util/time.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Also declared by cmd.h once applets.def lists "creds". */
int cmd_creds(int argc, char **argv);

static const char usage[] =
    "usage: roma creds [--profile name] [--region r] [--endpoint url]\n"
    "           [--no-sign-request] [--ca-bundle file] [--json]\n"
    "\n"
    "Shows which AWS credentials, region and S3 endpoint roma would use and\n"
    "where each came from (environment, ~/.aws files, credential_process,\n"
    "web identity, container or EC2 instance metadata).  Never prints the\n"
    "secret key or the session token.\n";

struct args {
	struct creds_opts co;
	struct endpoint_opts eo;
	const char *ca_bundle;
	bool json;
};

static int
bad_usage(const char *msg, const char *arg)
{
	if (msg)
		fprintf(stderr, "roma creds: %s%s%s%s\n", msg, arg ? " '" : "",
		    arg ? arg : "", arg ? "'" : "");
	fputs(usage, stderr);
	return 2;
}

/* 0 when parsed, 2 on misuse, -1 after --help. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "no-sign-request", no_argument, NULL, 'n' },
		{ "ca-bundle", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->co.profile = a->eo.profile = optarg;
			break;
		case 'r':
			a->co.region = a->eo.region = optarg;
			break;
		case 'e':
			a->eo.endpoint = optarg;
			break;
		case 'n':
			a->co.anonymous = true;
			break;
		case 'c':
			a->ca_bundle = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			return bad_usage("bad option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument", argv[optind]);
	return 0;
}

/* "2030-01-01T00:00:00Z", or "never". */
static void
expiry(time_t t, char out[TIME_AMZDATE_LEN + 8])
{
	char d[TIME_AMZDATE_LEN + 1];

	if (t == 0) {
		snprintf(out, TIME_AMZDATE_LEN + 8, "never");
		return;
	}
	time_amzdate(t, d);
	snprintf(out, TIME_AMZDATE_LEN + 8, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d,
	    d + 4, d + 6, d + 9, d + 11, d + 13);
}

static void
endpoint_text(const struct endpoint *ep, struct buf *b)
{
	if (ep->url)
		buf_adds(b, ep->url);
	else
		buf_addf(b, "https://s3.%s.amazonaws.com", ep->region);
}

static void
show(const struct args *a, const struct creds *c, const struct endpoint *ep)
{
	char exp[TIME_AMZDATE_LEN + 8];
	struct buf b = BUF_INIT;
	struct json *j;

	expiry(c->expires, exp);
	endpoint_text(ep, &b);
	if (!a->json) {
		printf("source      %s\n", c->source);
		printf("access key  %s\n", c->anonymous ? "-" : c->access_key);
		printf("session     %s\n", c->session_token ? "yes" : "no");
		printf("expires     %s\n", exp);
		printf("region      %s (%s)\n", ep->region, ep->region_from);
		printf("endpoint    %s (%s)\n", b.ptr,
		    ep->url ? ep->url_from : "AWS");
		buf_release(&b);
		return;
	}
	j = json_new_object();
	json_add_str(j, "source", c->source);
	json_add_str(j, "access_key_id", c->access_key);
	json_add_bool(j, "session_token", c->session_token != NULL);
	json_add_str(j, "expiration", c->expires ? exp : NULL);
	json_add_str(j, "region", ep->region);
	json_add_str(j, "region_source", ep->region_from);
	json_add_str(j, "endpoint", b.ptr);
	json_add_str(j, "endpoint_source", ep->url ? ep->url_from : "AWS");
	buf_reset(&b);
	json_print(j, &b);
	printf("%s\n", b.ptr);
	json_free(j);
	buf_release(&b);
}

static int
run(struct args *a, struct rerr *e)
{
	struct tls_ca ca = TLS_CA_INIT;
	struct creds c = { 0 };
	struct endpoint ep = { 0 };
	int status = 1;

	if (tls_ca_find(a->ca_bundle, &ca, e) != 0)
		goto out;
	a->co.ca = &ca;
	if (endpoint_resolve(&a->eo, &ep, e) != 0)
		goto out;
	if (creds_resolve(&a->co, &c, e) != 0)
		goto out;
	show(a, &c, &ep);
	status = 0;
out:
	creds_release(&c);
	endpoint_release(&ep);
	tls_ca_release(&ca);
	return status;
}

int
cmd_creds(int argc, char **argv)
{
	struct args a = { 0 };
	struct rerr e;
	int status;

	rerr_clear(&e);
	if ((status = parse_args(argc, argv, &a)) != 0)
		return status < 0 ? 0 : status;
	status = run(&a, &e);
	if (status != 0)
		fprintf(stderr, "roma creds: %s\n", rerr_str(&e));
	return status;
}
