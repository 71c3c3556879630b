/*
 * roma http - one HTTP(S) request through net/http, for debugging trust
 * and connectivity and for the integration tests.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: roma http [--ca-bundle FILE] [--show-ca] [--json] [-X METHOD]\n"
    "                 [-H 'Name: value']... [-o FILE] [--connect-timeout S]\n"
    "                 [--max-time S] [-v] URL\n";

struct args {
	const char *ca_bundle;
	const char *method;
	const char *out;
	const char *url;
	const char **headers; /* NULL-terminated */
	size_t nheaders;
	long connect_ms, max_ms;
	bool show_ca, json, verbose;
};

enum { OPT_CA = 256, OPT_SHOW_CA, OPT_JSON, OPT_CONNECT, OPT_MAX };

static const struct option longopts[] = {
	{ "ca-bundle", required_argument, NULL, OPT_CA },
	{ "show-ca", no_argument, NULL, OPT_SHOW_CA },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "request", required_argument, NULL, 'X' },
	{ "header", required_argument, NULL, 'H' },
	{ "output", required_argument, NULL, 'o' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT },
	{ "max-time", required_argument, NULL, OPT_MAX },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Print "roma http: MSG 'ARG'" (if any) and the usage; the exit status. */
static int
bad_usage(const char *msg, const char *arg)
{
	if (msg && arg)
		fprintf(stderr, "roma http: %s '%s'\n", msg, arg);
	else if (msg)
		fprintf(stderr, "roma http: %s\n", msg);
	fputs(usage, stderr);
	return 2;
}

static int
parse_ms(const char *s, long *ms)
{
	uint64_t v;

	if (str_parse_duration(s, &v) != 0 || v == 0 || v > 86400000u * 7)
		return -EINVAL;
	*ms = (long)v;
	return 0;
}

/* 0 when parsed, 2 on misuse, -1 after --help. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	int c;

	a->headers = xcalloc((size_t)argc + 1, sizeof(*a->headers));
	while (
	    (c = getopt_long(argc, argv, "+X:H:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CA:
			a->ca_bundle = optarg;
			break;
		case OPT_SHOW_CA:
			a->show_ca = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case 'X':
			a->method = optarg;
			break;
		case 'H':
			if (strchr(optarg, ':') == NULL)
				return bad_usage(
				    "-H expects 'Name: value', not", optarg);
			a->headers[a->nheaders++] = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case OPT_CONNECT:
		case OPT_MAX:
			if (parse_ms(optarg,
			        c == OPT_MAX ? &a->max_ms : &a->connect_ms))
				return bad_usage(
				    "expected seconds or a duration "
				    "like 500ms or 2m, not",
				    optarg);
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			return bad_usage(NULL, NULL);
		}
	}
	if (a->show_ca && optind == argc)
		return 0;
	if (optind == argc)
		return bad_usage("missing URL", NULL);
	if (optind != argc - 1)
		return bad_usage("unexpected argument", argv[optind + 1]);
	a->url = argv[optind];
	return 0;
}

static void
show_ca(const struct tls_ca *ca, bool json)
{
	struct json *j;
	struct buf d = BUF_INIT;

	if (json) {
		j = json_new_object();
		json_add_str(j, "source", ca->source);
		json_add_str(j, "path", ca->path);
		json_print(j, &d);
		json_free(j);
		printf("%s\n", d.ptr);
	} else {
		tls_ca_describe(ca, &d);
		printf("ca: %s\n", d.ptr);
	}
	buf_release(&d);
}

static int
to_file(const void *p, size_t n, void *arg)
{
	if (fwrite(p, 1, n, arg) != n)
		return errno ? -errno : -EIO;
	return 0;
}

static int
request(
    const struct args *a, const struct tls_ca *ca, FILE *out, struct rerr *e)
{
	struct http_opts o = { 0 };
	struct http_req req = { 0 };
	struct http_resp resp = HTTP_RESP_INIT;
	struct http_client *c;
	int r;

	o.ca = ca;
	o.connect_timeout_ms = a->connect_ms;
	o.timeout_ms = a->max_ms;
	if ((c = http_client_new(&o, e)) == NULL)
		return 1;
	req.method = a->method;
	req.url = a->url;
	req.headers = a->headers;
	req.write = to_file;
	req.write_arg = out;
	if ((r = http_do(c, &req, &resp, e)) != 0)
		goto out;
	if (a->verbose)
		fprintf(stderr, "< %s\n", resp.status_line);
	/* An error reply's body is kept apart for parsing; show it too. */
	r = to_file(resp.body.ptr, resp.body.len, out);
	if (r != 0)
		rerr_set(e, r, "writing the reply: %s", strerror(-r));
	else if (resp.status < 200 || resp.status > 299)
		r = rerr_set(e, -EPROTO, "%s",
		    resp.status_line[0] ? resp.status_line : "no HTTP status");
out:
	http_resp_release(&resp);
	http_client_free(c);
	return r != 0;
}

static int
run(const struct args *a, struct rerr *e)
{
	struct tls_ca ca = TLS_CA_INIT;
	struct buf d = BUF_INIT;
	FILE *out = stdout;
	int status = 1;

	if (tls_ca_find(a->ca_bundle, &ca, e) != 0)
		goto out;
	if (a->show_ca) {
		show_ca(&ca, a->json);
		status = 0;
		goto out;
	}
	if (a->verbose) {
		tls_ca_describe(&ca, &d);
		fprintf(stderr, "* ca: %s\n", d.ptr);
	}
	if (a->out && (out = fopen(a->out, "wb")) == NULL) {
		rerr_set(e, -errno, "%s: %s", a->out, strerror(errno));
		goto out;
	}
	status = request(a, &ca, out, e);
	if (out != stdout && fclose(out) != 0 && status == 0) {
		rerr_set(e, -errno, "%s: %s", a->out, strerror(errno));
		status = 1;
	}
out:
	buf_release(&d);
	tls_ca_release(&ca);
	return status;
}

int
cmd_http(int argc, char **argv)
{
	struct args a = { 0 };
	struct rerr e;
	int status;

	rerr_clear(&e);
	if ((status = parse_args(argc, argv, &a)) != 0) {
		free(a.headers);
		return status < 0 ? 0 : status;
	}
	if (http_global_init() != 0) {
		fputs("roma http: cannot initialise libcurl\n", stderr);
		free(a.headers);
		return 1;
	}
	status = run(&a, &e);
	if (fflush(stdout) != 0 && status == 0) {
		rerr_set(
		    &e, -errno, "writing standard output: %s", strerror(errno));
		status = 1;
	}
	if (status != 0 && e.err)
		fprintf(stderr, "roma http: %s\n", rerr_str(&e));
	free(a.headers);
	return status;
}
