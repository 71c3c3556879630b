/*
 * roma e2b - E2B sandboxes from the shell: create and manage them, run
 * Python in the code interpreter and commands through envd, move files,
 * and keep one sandbox per named session across calls.
 */
#include "roma.h"
#include "cmd/cmd.h"
#include "cmd/cmd_e2b.h"
#include "net/http.h"
#include "util/dotenv.h"
#include "util/json.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Each subcommand's synopsis; `roma e2b WORD --help` prints its own. */
static const struct {
	const char *word, *text;
	bool sandbox_opts; /* takes --session/--sandbox/... */
} synopses[] = {
	{ "sandbox",
	    "usage: roma e2b sandbox create [--template T] [--timeout S]\n"
	    "                [--metadata k=v]... [--env k=v]... "
	    "[--session NAME] [--json]\n"
	    "       roma e2b sandbox list [--metadata k=v]... [--state S] "
	    "[--limit N] [--json]\n"
	    "       roma e2b sandbox info|kill|pause ID|--session NAME "
	    "[--json]\n"
	    "       roma e2b sandbox timeout ID|--session NAME SECONDS|"
	    "--timeout S\n"
	    "       roma e2b sandbox resume ID|--session NAME [--timeout S]\n"
	    "  --limit N       print at most N sandboxes\n"
	    "  SECONDS, S      seconds (300) or a duration (5m, 1h)\n",
	    false },
	{ "run-python",
	    "usage: roma e2b run-python [--stream] [--context ID | --language "
	    "L]\n"
	    "                [--timeout S] [--env k=v]... [SANDBOX OPTIONS]\n"
	    "                [CODE | -f FILE | -]\n"
	    "  options go before the code\n",
	    true },
	{ "exec",
	    "usage: roma e2b exec [--stream] [--timeout S] [--cwd DIR] "
	    "[--user U]\n"
	    "                [--env k=v]... [--stdin] [SANDBOX OPTIONS] "
	    "CMD [ARG...]\n"
	    "  options go before the command; one CMD word is a shell "
	    "command line,\n"
	    "  several are quoted and joined (exec sh -c 'exit 3' exits 3)\n",
	    true },
	{ "files",
	    "usage: roma e2b files put LOCAL REMOTE | get REMOTE LOCAL | cat "
	    "REMOTE\n"
	    "       roma e2b files ls [--depth N] [--json] [DIR] | mkdir DIR "
	    "| rm PATH\n"
	    "       roma e2b files mv SRC DST\n"
	    "  all with [--user U] [SANDBOX OPTIONS]\n",
	    true },
	{ "context",
	    "usage: roma e2b context create [--language L] [--cwd DIR] | list "
	    "| restart ID\n"
	    "       roma e2b context rm ID\n"
	    "  all with [SANDBOX OPTIONS]\n",
	    true },
	{ "status", "usage: roma e2b status (--session NAME | --sandbox ID)\n",
	    false },
};

static const char sandbox_help[] =
    "Sandbox options (run-python, exec, files, context):\n"
    "  --session NAME  keep one sandbox across calls (state in "
    "~/.local/state/roma/e2b)\n"
    "  --sandbox ID    an existing sandbox\n"
    "  (neither)       a fresh sandbox, killed afterwards unless --keep\n"
    "  --template T (default E2B_TEMPLATE_ID, else "
    "code-interpreter-v1),\n"
    "  --sandbox-timeout S (default 300), --metadata k=v, --env k=v: "
    "for new ones\n";

static const char config_help[] =
    "Configuration (flags, then the environment, then ./.env):\n"
    "  E2B_API_KEY (or --api-key-file F), E2B_DOMAIN (--domain), "
    "E2B_API_URL\n"
    "  (--api-url), E2B_SANDBOX_URL (--sandbox-url), E2B_DEBUG "
    "(--debug),\n"
    "  E2B_CA_BUNDLE (--ca-bundle), E2B_TEMPLATE_ID (--template),\n"
    "  --addressing auto|host|sandbox|url, --stall-timeout DURATION "
    "(default 30s)\n";

/* The subcommand being run, for its usage; NULL: all of them. */
static const char *current_word;

static void
print_usage(FILE *f)
{
	bool sbx = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(synopses); i++) {
		if (current_word && strcmp(current_word, synopses[i].word))
			continue;
		if (current_word == NULL && i > 0)
			fprintf(
			    f, "      %s", synopses[i].text + strlen("usage:"));
		else
			fputs(synopses[i].text, f);
		sbx = sbx || synopses[i].sandbox_opts || !current_word;
	}
	if (sbx)
		fputs(sandbox_help, f);
	fputs(config_help, f);
}

enum {
	O_SESSION = 256,
	O_SANDBOX,
	O_TEMPLATE,
	O_TIMEOUT,
	O_SBX_TIMEOUT,
	O_METADATA,
	O_ENV,
	O_JSON,
	O_STREAM,
	O_CWD,
	O_USER,
	O_STATE,
	O_LIMIT,
	O_DEPTH,
	O_CONTEXT,
	O_LANGUAGE,
	O_STDIN,
	O_KEEP,
	O_KEYFILE,
	O_DOMAIN,
	O_API_URL,
	O_SBX_URL,
	O_CA,
	O_ADDR,
	O_STALL,
	O_DEBUG,
};

static const struct option longopts[] = {
	{ "session", required_argument, NULL, O_SESSION },
	{ "sandbox", required_argument, NULL, O_SANDBOX },
	{ "template", required_argument, NULL, O_TEMPLATE },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "sandbox-timeout", required_argument, NULL, O_SBX_TIMEOUT },
	{ "metadata", required_argument, NULL, O_METADATA },
	{ "env", required_argument, NULL, O_ENV },
	{ "json", no_argument, NULL, O_JSON },
	{ "stream", no_argument, NULL, O_STREAM },
	{ "cwd", required_argument, NULL, O_CWD },
	{ "user", required_argument, NULL, O_USER },
	{ "state", required_argument, NULL, O_STATE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "depth", required_argument, NULL, O_DEPTH },
	{ "context", required_argument, NULL, O_CONTEXT },
	{ "language", required_argument, NULL, O_LANGUAGE },
	{ "stdin", no_argument, NULL, O_STDIN },
	{ "keep", no_argument, NULL, O_KEEP },
	{ "api-key-file", required_argument, NULL, O_KEYFILE },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "api-url", required_argument, NULL, O_API_URL },
	{ "sandbox-url", required_argument, NULL, O_SBX_URL },
	{ "ca-bundle", required_argument, NULL, O_CA },
	{ "addressing", required_argument, NULL, O_ADDR },
	{ "stall-timeout", required_argument, NULL, O_STALL },
	{ "debug", no_argument, NULL, O_DEBUG },
	{ "file", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_e2b_usage(const char *msg, const char *arg)
{
	if (msg && arg)
		fprintf(stderr, "roma e2b: %s '%s'\n", msg, arg);
	else if (msg)
		fprintf(stderr, "roma e2b: %s\n", msg);
	print_usage(stderr);
	return 2;
}

int
cmd_e2b_seconds(const char *s, long *out)
{
	uint64_t ms;

	if (str_parse_duration(s, &ms) != 0 || ms < 1000 || ms > 86400000u * 30)
		return cmd_e2b_usage("expected seconds or a duration like 5m, "
		                     "not",
		    s);
	*out = (long)(ms / 1000);
	return 0;
}

static int
count(const char *s, unsigned max, unsigned *out)
{
	uint64_t v;

	if (str_to_u64(s, max, &v) != 0 || v == 0)
		return cmd_e2b_usage("expected a positive number, not", s);
	*out = (unsigned)v;
	return 0;
}

static int
pair(const char *s, const char ***list, size_t *n)
{
	if (strchr(s, '=') == NULL || s[0] == '=')
		return cmd_e2b_usage("expected key=value, not", s);
	*list = xrealloc(*list, (*n + 2) * sizeof(**list));
	(*list)[(*n)++] = s;
	(*list)[*n] = NULL;
	return 0;
}

static int
option(int ch, struct e2b_opts *o)
{
	switch (ch) {
	case O_SESSION:
		o->session = optarg;
		return 0;
	case O_SANDBOX:
		o->sandbox = optarg;
		return 0;
	case O_TEMPLATE:
		o->template_id = optarg;
		return 0;
	case O_TIMEOUT:
		return cmd_e2b_seconds(optarg, &o->timeout_s);
	case O_SBX_TIMEOUT:
		return cmd_e2b_seconds(optarg, &o->sandbox_timeout_s);
	case O_METADATA:
		return pair(optarg, &o->metadata, &o->nmetadata);
	case O_ENV:
		return pair(optarg, &o->envs, &o->nenvs);
	case O_JSON:
		o->json = true;
		return 0;
	case O_STREAM:
		o->stream = true;
		return 0;
	case O_CWD:
		o->cwd = optarg;
		return 0;
	case O_USER:
		o->user = optarg;
		return 0;
	case O_STATE:
		o->state = optarg;
		return 0;
	case O_LIMIT:
		return count(optarg, E2B_LIST_MAX, &o->limit);
	case O_DEPTH:
		return count(optarg, 64, &o->depth);
	case O_CONTEXT:
		o->context = optarg;
		return 0;
	case O_LANGUAGE:
		o->language = optarg;
		return 0;
	case O_STDIN:
		o->stdin_open = true;
		return 0;
	case O_KEEP:
		o->keep = true;
		return 0;
	default:
		return 1;
	}
}

static int
config_option(int ch, struct e2b_flags *f)
{
	switch (ch) {
	case O_KEYFILE:
		f->api_key_file = optarg;
		break;
	case O_DOMAIN:
		f->domain = optarg;
		break;
	case O_API_URL:
		f->api_url = optarg;
		break;
	case O_SBX_URL:
		f->sandbox_url = optarg;
		break;
	case O_CA:
		f->ca_bundle = optarg;
		break;
	case O_ADDR:
		f->addressing = optarg;
		break;
	case O_STALL:
		f->stall_timeout = optarg;
		break;
	case O_DEBUG:
		f->debug = "true";
		break;
	default:
		return 1;
	}
	return 0;
}

int
cmd_e2b_parse(int argc, char **argv, bool permute, struct e2b_opts *o)
{
	const char *spec = permute ? "f:h" : "+f:h";
	int ch, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, spec, longopts, NULL)) != -1) {
		if (ch == 'h') {
			print_usage(stdout);
			return -1;
		}
		if (ch == 'f') {
			o->file = optarg;
			continue;
		}
		if ((r = option(ch, o)) == 0 ||
		    (r == 1 && config_option(ch, &o->flags) == 0))
			continue;
		return r == 1 ? cmd_e2b_usage(NULL, NULL) : r;
	}
	if (o->session && o->sandbox)
		return cmd_e2b_usage(
		    "use --session or --sandbox, not both", NULL);
	o->argc = argc - optind;
	o->argv = argv + optind;
	return 0;
}

void
cmd_e2b_opts_release(struct e2b_opts *o)
{
	free(o->metadata);
	free(o->envs);
}

static const char *
env_get(const char *name)
{
	return getenv(name);
}

int
cmd_e2b_setup(struct e2b_ctx *c)
{
	int r;

	r = dotenv_load(".env", env_get, &c->dotenv, &c->e);
	if (r != 0 && r != -ENOENT)
		return r;
	if ((r = e2b_config_load(
	         &c->cfg, &c->o.flags, env_get, c->dotenv, &c->e)) != 0)
		return r;
	if ((r = e2b_api_init(&c->api, &c->cfg, &c->e)) != 0)
		return r;
	c->api_ready = true;
	return 0;
}

const char *
cmd_e2b_template(struct e2b_ctx *c, const char *dflt)
{
	const char *t = c->o.template_id;

	if (t == NULL)
		t = e2b_config_lookup("E2B_TEMPLATE_ID", env_get, c->dotenv);
	return t ? t : dflt;
}

static void
create_opts(
    struct e2b_ctx *c, const char *dflt, long timeout_s, struct e2b_create *cr)
{
	memset(cr, 0, sizeof(*cr));
	cr->template_id = cmd_e2b_template(c, dflt);
	cr->timeout_s = timeout_s;
	cr->metadata = c->o.metadata;
	cr->envs = c->o.envs;
}

/* A sandbox for debug mode: fixed ports on localhost, no control plane. */
static void
debug_sandbox(struct e2b_sandbox *s)
{
	memset(s, 0, sizeof(*s));
	s->id = xstrdup("debug_sandbox_id");
	s->envd_version = xstrdup("99.99.99");
	s->template_id = xstrdup("debug");
}

int
cmd_e2b_target(struct e2b_ctx *c, const char *dflt)
{
	struct e2b_create cr;
	long t = c->o.sandbox_timeout_s;
	int r;

	if (c->cfg.debug) {
		debug_sandbox(&c->sbx);
		cmd_e2b_debug_notice(c);
	} else if (c->o.session) {
		/* 0: keep the session's own timeout (300 s for a new one). */
		create_opts(c, dflt, t, &cr);
		if ((r = e2b_session_open(&c->sess, c->o.session, &c->e)) != 0)
			return r;
		c->have_sess = true;
		r = e2b_session_ensure(
		    &c->api, &c->sess, &cr, &c->sbx, &c->notice, &c->e);
		e2b_session_unlock(&c->sess);
		if (r != 0)
			return r;
		if (c->notice.len > 0)
			log_warn(LOG_E2B, "%s", c->notice.ptr);
	} else if (c->o.sandbox) {
		if ((r = e2b_api_connect(
		         &c->api, c->o.sandbox, t, &c->sbx, NULL, &c->e)) != 0)
			return r;
	} else {
		create_opts(c, dflt, t, &cr);
		if ((r = e2b_api_create(&c->api, &cr, &c->sbx, &c->e)) != 0)
			return r;
		c->ephemeral = !c->o.keep;
		if (c->o.keep)
			fprintf(
			    stderr, "roma e2b: sandbox %s kept\n", c->sbx.id);
	}
	e2b_dp_init(&c->dp, &c->api, &c->sbx);
	c->dp.user = c->o.user;
	return 0;
}

void
cmd_e2b_debug_notice(const struct e2b_ctx *c)
{
	if (c->o.session || c->o.sandbox)
		fprintf(stderr,
		    "roma e2b: debug mode (E2B_DEBUG): %s %s is ignored; "
		    "using sandbox debug_sandbox_id\n",
		    c->o.session ? "--session" : "--sandbox",
		    c->o.session ? c->o.session : c->o.sandbox);
}

void
cmd_e2b_teardown(struct e2b_ctx *c)
{
	struct rerr e;

	rerr_clear(&e);
	if (c->ephemeral && c->sbx.id && e2b_api_kill(&c->api, c->sbx.id, &e))
		fprintf(stderr, "roma e2b: could not kill sandbox %s: %s\n",
		    c->sbx.id, rerr_str(&e));
	if (c->have_sess)
		e2b_session_close(&c->sess);
	e2b_sandbox_release(&c->sbx);
	if (c->api_ready)
		e2b_api_release(&c->api);
	e2b_config_release(&c->cfg);
	dotenv_free(c->dotenv);
	buf_release(&c->notice);
}

void
cmd_e2b_print_py(const struct json *j)
{
	struct buf b = BUF_INIT;

	json_print_py(j, &b);
	buf_addc(&b, '\n');
	fwrite(b.ptr, 1, b.len, stdout);
	buf_release(&b);
}

void
cmd_e2b_error(const struct e2b_ctx *c)
{
	fprintf(stderr, "roma e2b: %s\n", rerr_str(&c->e));
}

int
cmd_e2b_out(const void *p, size_t n, void *arg)
{
	(void)arg;
	if (fwrite(p, 1, n, stdout) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int
cmd_e2b_read_all(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t got;
	int r;

	while ((got = read(fd, tmp, sizeof(tmp))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if ((r = buf_add(b, tmp, (size_t)got)) != 0)
			return r;
	}
	return 0;
}

static int
dispatch(struct e2b_ctx *c, const char *word, const char *action)
{
	if (strcmp(word, "sandbox") == 0)
		return cmd_e2b_sandbox(c, action);
	if (strcmp(word, "run-python") == 0)
		return cmd_e2b_run_python(c);
	if (strcmp(word, "exec") == 0)
		return cmd_e2b_exec(c);
	if (strcmp(word, "status") == 0)
		return cmd_e2b_status(c);
	if (strcmp(word, "files") == 0)
		return cmd_e2b_files(c, action);
	if (strcmp(word, "context") == 0)
		return cmd_e2b_context(c, action);
	return cmd_e2b_usage("unknown command", word);
}

static bool
has_action(const char *word)
{
	return strcmp(word, "sandbox") == 0 || strcmp(word, "files") == 0 ||
	    strcmp(word, "context") == 0;
}

int
cmd_e2b(int argc, char **argv)
{
	struct e2b_ctx c;
	const char *word, *action = NULL;
	int skip = 2, status;

	memset(&c, 0, sizeof(c));
	current_word = NULL;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	word = argv[1];
	for (size_t i = 0; i < ARRAY_SIZE(synopses); i++)
		if (strcmp(word, synopses[i].word) == 0)
			current_word = synopses[i].word;
	if (has_action(word)) {
		if (argc < 3)
			return cmd_e2b_usage("missing subcommand for", word);
		action = argv[2];
		skip = 3;
	}
	/* Options may follow the arguments, except where the arguments are
	 * code or a command line of their own. */
	status = cmd_e2b_parse(argc - skip + 1, argv + skip - 1,
	    strcmp(word, "exec") != 0 && strcmp(word, "run-python") != 0, &c.o);
	if (status != 0) {
		cmd_e2b_opts_release(&c.o);
		return status < 0 ? 0 : status;
	}
	rerr_clear(&c.e);
	if (http_global_init() != 0) {
		fputs("roma e2b: cannot initialise libcurl\n", stderr);
		status = 1;
	} else {
		status = dispatch(&c, word, action);
	}
	cmd_e2b_teardown(&c);
	cmd_e2b_opts_release(&c.o);
	if (fflush(stdout) != 0 && status == 0) {
		fprintf(stderr, "roma e2b: writing standard output: %s\n",
		    strerror(errno));
		status = 1;
	}
	return status;
}
