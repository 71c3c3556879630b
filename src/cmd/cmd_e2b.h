/*
 * cmd_e2b - what the `roma e2b` applet's files share: the options every
 * subcommand accepts, the configured client, choosing the sandbox a
 * command runs in (a session's, a named one, or a fresh one killed
 * afterwards), and printing JSON the way ROMA's toolkit does.
 */
#ifndef CMD_CMD_E2B_H
#define CMD_CMD_E2B_H

#include "roma.h"
#include "e2b/api.h"
#include "e2b/config.h"
#include "e2b/envd.h"
#include "e2b/session.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <stdbool.h>

struct dotenv;
struct json;

/* The template of every sandbox roma creates unless --template or
 * E2B_TEMPLATE_ID says otherwise (sandbox create included). */
#define E2B_DEFAULT_TEMPLATE "code-interpreter-v1"
/* The most `sandbox list --limit` takes (it is a cap, not a page size). */
#define E2B_LIST_MAX 1000000u

struct e2b_opts {
	struct e2b_flags flags;
	const char *session, *sandbox, *template_id;
	long timeout_s;                /* --timeout, in seconds; 0: unset */
	long sandbox_timeout_s;        /* --sandbox-timeout; 0: unset */
	const char **metadata, **envs; /* NULL-terminated */
	size_t nmetadata, nenvs;
	const char *file, *cwd, *user, *state, *context, *language;
	unsigned limit, depth;
	bool json, stream, stdin_open, keep, all;
	int argc; /* positional arguments left */
	char **argv;
};

struct e2b_ctx {
	struct e2b_opts o;
	struct e2b_config cfg;
	struct e2b_api api;
	struct dotenv *dotenv;
	struct rerr e;
	bool api_ready;
	/* The sandbox the command uses, once chosen. */
	struct e2b_sandbox sbx;
	struct e2b_session sess;
	bool have_sess, ephemeral;
	struct e2b_dp dp;
	struct buf notice; /* a replaced sandbox, said once */
};

/* Parse the options after "roma e2b WORD..." (anywhere when `permute`,
 * else before the first argument); 0, 2 on misuse, -1 after --help (the
 * usage is printed). */
int cmd_e2b_parse(int argc, char **argv, bool permute, struct e2b_opts *o);
void cmd_e2b_opts_release(struct e2b_opts *o);
/* Load the configuration and build the client. */
int cmd_e2b_setup(struct e2b_ctx *c);
void cmd_e2b_teardown(struct e2b_ctx *c);
/* Choose the sandbox: --session, --sandbox or a fresh one (killed by
 * cmd_e2b_teardown unless --keep); fills c->sbx and c->dp. */
int cmd_e2b_target(struct e2b_ctx *c, const char *default_template);
/* The template: --template, E2B_TEMPLATE_ID, then `dflt`. */
const char *cmd_e2b_template(struct e2b_ctx *c, const char *dflt);
/* Seconds or a duration ("300", "5m") from 1 s to 30 days into `out`;
 * 2 with the usage printed when it is not one. */
int cmd_e2b_seconds(const char *s, long *out);
/* In debug mode: say on stderr that --session/--sandbox are ignored. */
void cmd_e2b_debug_notice(const struct e2b_ctx *c);
/* Print `j` as Python's json.dumps would, and a newline. */
void cmd_e2b_print_py(const struct json *j);
/* "roma e2b: MESSAGE" on stderr from c->e. */
void cmd_e2b_error(const struct e2b_ctx *c);
int cmd_e2b_usage(const char *msg, const char *arg);
/* Append everything readable from `fd` to `b`; 0 or -errno. */
int cmd_e2b_read_all(int fd, struct buf *b);
/* Write `n` bytes to stdout (0 or -errno). */
int cmd_e2b_out(const void *p, size_t n, void *arg);

int cmd_e2b_sandbox(struct e2b_ctx *c, const char *action);
int cmd_e2b_run_python(struct e2b_ctx *c);
int cmd_e2b_exec(struct e2b_ctx *c);
int cmd_e2b_status(struct e2b_ctx *c);
int cmd_e2b_files(struct e2b_ctx *c, const char *action);
int cmd_e2b_context(struct e2b_ctx *c, const char *action);

#endif
