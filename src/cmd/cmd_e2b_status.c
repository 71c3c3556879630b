/*
 * roma e2b status (ROMA's get_sandbox_status) and roma e2b context.
 */
#include "roma.h"
#include "cmd/cmd_e2b.h"
#include "e2b/interp.h"
#include "util/json.h"
#include "util/time.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIFETIME_HOURS "23.5"

/* Python's repr of round(v, digits): shortest text, ".0" when whole. */
static void
py_round(double v, int digits, char *out, size_t n)
{
	double r;
	int p;

	snprintf(out, n, "%.*f", digits, v);
	r = strtod(out, NULL);
	if ((double)(long long)r == r) {
		snprintf(out, n, "%.1f", r);
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(out, n, "%.*g", p, r);
		if (strtod(out, NULL) == r)
			return;
	}
}

static void
no_sandbox(void)
{
	struct json *j = json_new_object();

	json_add_bool(j, "success", true);
	json_add_str(j, "status", "no_sandbox");
	json_add_str(j, "message", "No sandbox created yet");
	cmd_e2b_print_py(j);
	json_free(j);
}

static void
print_status(
    const char *id, bool running, double up, long timeout_s, const char *tmpl)
{
	struct json *j = json_new_object();
	char num[64];

	json_add_bool(j, "success", true);
	json_add_str(j, "status", running ? "running" : "stopped");
	json_add_str(j, "sandbox_id", id);
	py_round(up, 1, num, sizeof(num));
	json_add_raw(j, "uptime_seconds", num);
	py_round(up / 3600.0, 2, num, sizeof(num));
	json_add_raw(j, "uptime_hours", num);
	json_add_int(j, "timeout", timeout_s);
	json_add_raw(j, "max_lifetime_hours", MAX_LIFETIME_HOURS);
	json_add_str(j, "template", tmpl);
	cmd_e2b_print_py(j);
	json_free(j);
}

/* Whether envd answers, as the SDK's is_running (no token needed). */
static bool
alive(struct e2b_ctx *c, const char *id)
{
	struct e2b_sandbox s = { 0 };
	struct e2b_dp dp;
	struct rerr e;

	rerr_clear(&e);
	s.id = (char *)id;
	e2b_dp_init(&dp, &c->api, &s);
	return e2b_envd_health(&dp, &e) == 0;
}

static int
sandbox_status(struct e2b_ctx *c)
{
	struct e2b_sandbox *s = &c->sbx;
	time_t t0 = 0, t1 = 0;
	int r;

	if ((r = e2b_api_info(&c->api, c->o.sandbox, s, &c->e)) != 0) {
		if (r != -ENOENT)
			return r;
		print_status(c->o.sandbox, false, 0, 0, "");
		return 0;
	}
	if (s->started_at)
		time_parse_iso8601(s->started_at, &t0);
	if (s->end_at)
		time_parse_iso8601(s->end_at, &t1);
	print_status(s->id, alive(c, s->id), t0 ? difftime(time(NULL), t0) : 0,
	    t1 > t0 && t0 ? (long)(t1 - t0) : 0,
	    s->template_id ? s->template_id : "");
	return 0;
}

int
cmd_e2b_status(struct e2b_ctx *c)
{
	struct e2b_session *s = &c->sess;
	int r;

	if (c->o.session == NULL && c->o.sandbox == NULL)
		return cmd_e2b_usage(
		    "status needs --session or --sandbox", NULL);
	if (c->o.argc > 0)
		return cmd_e2b_usage("unexpected argument", c->o.argv[0]);
	if ((r = cmd_e2b_setup(c)) == 0 && c->cfg.debug) {
		/* As run-python and exec: the one debug sandbox, whatever
		 * session or sandbox was named. */
		cmd_e2b_debug_notice(c);
		print_status("debug_sandbox_id", alive(c, "debug_sandbox_id"),
		    0, 0, "debug");
		return 0;
	}
	if (r == 0 && c->o.sandbox)
		r = sandbox_status(c);
	else if (r == 0 && (r = e2b_session_open(s, c->o.session, &c->e)) == 0)
		c->have_sess = true;
	if (r == 0 && c->o.session) {
		e2b_session_unlock(s);
		if (s->sandbox_id == NULL)
			no_sandbox();
		else
			print_status(s->sandbox_id, alive(c, s->sandbox_id),
			    difftime(time(NULL), s->created_at), s->timeout_s,
			    s->template_id ? s->template_id : "");
	}
	if (r != 0) {
		cmd_e2b_error(c);
		return 1;
	}
	return 0;
}

static int
context_do(struct e2b_ctx *c, const char *a)
{
	struct json *out = NULL;
	int r;

	if (strcmp(a, "create") == 0)
		r = e2b_interp_ctx_create(
		    &c->dp, c->o.language, c->o.cwd, &out, &c->e);
	else if (strcmp(a, "list") == 0)
		r = e2b_interp_ctx_list(&c->dp, &out, &c->e);
	else if (strcmp(a, "restart") == 0)
		r = e2b_interp_ctx_restart(&c->dp, c->o.argv[0], &c->e);
	else
		r = e2b_interp_ctx_delete(&c->dp, c->o.argv[0], &c->e);
	if (r == 0 && out)
		cmd_e2b_print_py(out);
	json_free(out);
	return r;
}

int
cmd_e2b_context(struct e2b_ctx *c, const char *a)
{
	bool id = strcmp(a, "restart") == 0 || strcmp(a, "rm") == 0;

	if (!id && strcmp(a, "create") != 0 && strcmp(a, "list") != 0)
		return cmd_e2b_usage("unknown context command", a);
	if (c->o.argc != (id ? 1 : 0))
		return cmd_e2b_usage("wrong number of arguments for", a);
	if (cmd_e2b_setup(c) != 0 ||
	    cmd_e2b_target(c, E2B_DEFAULT_TEMPLATE) != 0 ||
	    context_do(c, a) != 0) {
		cmd_e2b_error(c);
		return 1;
	}
	return 0;
}
