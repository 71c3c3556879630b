/*
 * roma e2b sandbox create|list|info|kill|timeout|pause|resume.
 */
#include "roma.h"
#include "cmd/cmd_e2b.h"
#include "util/json.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
show_sandbox(const struct e2b_ctx *c, const struct e2b_sandbox *s)
{
	const struct json *md;
	size_t i;

	if (c->o.json) {
		cmd_e2b_print_py(s->info);
		return;
	}
	printf("sandbox_id: %s\n", s->id);
	printf("template: %s\n", s->template_id ? s->template_id : "");
	if (s->alias)
		printf("alias: %s\n", s->alias);
	if (s->state)
		printf("state: %s\n", s->state);
	if (s->started_at)
		printf("started_at: %s\n", s->started_at);
	if (s->end_at)
		printf("end_at: %s\n", s->end_at);
	if (s->envd_version)
		printf("envd_version: %s\n", s->envd_version);
	md = json_get(s->info, "metadata");
	for (i = 0; i < json_len(md); i++)
		printf("metadata.%s: %s\n", json_key(json_at(md, i)),
		    json_str(json_at(md, i)) ? json_str(json_at(md, i)) : "");
}

/*
 * `create --session NAME`: a session is one sandbox across calls, so one
 * that already has a live (running or paused) sandbox is left alone and
 * this is an error; a saved sandbox that is gone is replaced.
 */
static int
session_free(struct e2b_ctx *c)
{
	struct e2b_session *sess = &c->sess;
	struct e2b_sandbox old = { 0 };
	int r;

	if ((r = e2b_session_open(sess, c->o.session, &c->e)) != 0)
		return r;
	c->have_sess = true;
	if (sess->sandbox_id == NULL)
		return 0;
	r = e2b_api_info(&c->api, sess->sandbox_id, &old, &c->e);
	e2b_sandbox_release(&old);
	if (r == -ENOENT) {
		rerr_clear(&c->e);
		fprintf(stderr,
		    "roma e2b: sandbox %s of session '%s' was gone (expired "
		    "or killed); replacing it\n",
		    sess->sandbox_id, c->o.session);
		return 0;
	}
	if (r != 0)
		return r;
	return rerr_set(&c->e, -EEXIST,
	    "session '%s' already has sandbox %s: use it with --session %s, "
	    "or end it first with 'roma e2b sandbox kill --session %s'",
	    c->o.session, sess->sandbox_id, c->o.session, c->o.session);
}

static int
create(struct e2b_ctx *c)
{
	struct e2b_create cr = { 0 };
	struct e2b_session *sess = &c->sess;
	int r;

	cr.template_id = cmd_e2b_template(c, E2B_DEFAULT_TEMPLATE);
	cr.timeout_s = c->o.timeout_s;
	cr.metadata = c->o.metadata;
	cr.envs = c->o.envs;
	if (c->o.session && (r = session_free(c)) != 0)
		return r;
	if ((r = e2b_api_create(&c->api, &cr, &c->sbx, &c->e)) != 0)
		return r;
	if (c->o.session) {
		free(sess->sandbox_id);
		free(sess->template_id);
		sess->sandbox_id = xstrdup(c->sbx.id);
		sess->template_id = xstrdup(cr.template_id);
		sess->created_at = time(NULL);
		sess->timeout_s =
		    cr.timeout_s ? cr.timeout_s : E2B_SESSION_DEFAULT_TIMEOUT;
		if ((r = e2b_session_save(sess, &c->e)) != 0)
			return r;
	}
	if (c->o.json)
		cmd_e2b_print_py(c->sbx.info);
	else
		printf("%s\n", c->sbx.id);
	return 0;
}

static void
list_text(const struct json *arr)
{
	const struct json *s;
	size_t i;

	for (i = 0; i < json_len(arr); i++) {
		s = json_at(arr, i);
		printf("%s\t%s\t%s\t%s\t%s\n", json_get_str(s, "sandboxID"),
		    json_get_str(s, "templateID")
		        ? json_get_str(s, "templateID")
		        : "-",
		    json_get_str(s, "state") ? json_get_str(s, "state") : "-",
		    json_get_str(s, "startedAt") ? json_get_str(s, "startedAt")
		                                 : "-",
		    json_get_str(s, "endAt") ? json_get_str(s, "endAt") : "-");
	}
}

/* The first `n` entries of `arr`. */
static struct json *
first(const struct json *arr, size_t n)
{
	struct json *out = json_new_array();
	size_t i;

	for (i = 0; i < n && i < json_len(arr); i++)
		json_push(out, json_dup(json_at(arr, i)));
	return out;
}

/* Every page (X-Next-Token), or with --limit N the first N sandboxes:
 * each page asks for no more than are still wanted, at most 100. */
static int
list(struct e2b_ctx *c)
{
	struct e2b_list q = { 0 };
	struct json *arr = json_new_array(), *cut;
	struct buf next = BUF_INIT;
	unsigned cap = c->o.limit;
	char *tok = NULL;
	size_t have;
	int r;

	q.metadata = c->o.metadata;
	q.state = c->o.state;
	do {
		have = json_len(arr);
		if (cap)
			q.limit =
			    cap - have < 100 ? (unsigned)(cap - have) : 100;
		q.next_token = tok;
		r = e2b_api_list(&c->api, &q, arr, &next, &c->e);
		free(tok);
		tok = next.len > 0 ? xstrdup(next.ptr) : NULL;
	} while (r == 0 && tok != NULL && (!cap || json_len(arr) < cap));
	if (r == 0 && cap && json_len(arr) > cap) {
		cut = first(arr, cap);
		json_free(arr);
		arr = cut;
	}
	if (r == 0 && c->o.json)
		cmd_e2b_print_py(arr);
	else if (r == 0)
		list_text(arr);
	free(tok);
	buf_release(&next);
	json_free(arr);
	return r;
}

/* The session's sandbox id. */
static int
session_id(struct e2b_ctx *c, const char **id)
{
	if (e2b_session_open(&c->sess, c->o.session, &c->e) != 0)
		return -1;
	c->have_sess = true;
	if (c->sess.sandbox_id == NULL) {
		rerr_set(&c->e, -ENOENT, "session '%s' has no sandbox",
		    c->o.session);
		return -1;
	}
	*id = c->sess.sandbox_id;
	return 0;
}

static int
kill_one(struct e2b_ctx *c, const char *id)
{
	int r = e2b_api_kill(&c->api, id, &c->e);

	if (r == 0)
		printf("killed %s\n", id);
	/* A session forgets a sandbox that is gone either way; `id` may
	 * point into the session and is not used after this. */
	if ((r == 0 || r == -ENOENT) && c->have_sess &&
	    e2b_session_forget(&c->sess, &c->e) != 0 && r == 0)
		r = -EIO;
	return r;
}

static int
resume(struct e2b_ctx *c, const char *id)
{
	bool resumed = false;
	int r = e2b_api_connect(
	    &c->api, id, c->o.timeout_s, &c->sbx, &resumed, &c->e);

	if (r != 0)
		return r;
	if (c->o.json)
		cmd_e2b_print_py(c->sbx.info);
	else
		printf("%s %s\n", resumed ? "resumed" : "running", id);
	return 0;
}

static int
one(struct e2b_ctx *c, const char *action, const char *id)
{
	int r;

	if (strcmp(action, "info") == 0) {
		if ((r = e2b_api_info(&c->api, id, &c->sbx, &c->e)) == 0)
			show_sandbox(c, &c->sbx);
		return r;
	}
	if (strcmp(action, "kill") == 0)
		return kill_one(c, id);
	if (strcmp(action, "timeout") == 0)
		return e2b_api_set_timeout(&c->api, id, c->o.timeout_s, &c->e);
	if (strcmp(action, "resume") == 0)
		return resume(c, id);
	if ((r = e2b_api_pause(&c->api, id, &c->e)) == 0)
		printf("paused %s\n", id);
	return r;
}

/*
 * Check the arguments before anything is loaded or sent, and find the
 * ID argument (NULL: the session's) and for `timeout` the new timeout
 * into c->o.timeout_s: SECONDS after the ID (or the only argument with
 * --session), else --timeout.  0, or 2 with the usage printed.
 */
static int
check_args(struct e2b_ctx *c, const char *action, const char **id)
{
	bool tmo = strcmp(action, "timeout") == 0;
	int n = c->o.argc, max = 1;
	const char *secs = NULL;

	*id = NULL;
	if (strcmp(action, "create") == 0 || strcmp(action, "list") == 0)
		max = 0;
	else if (n == 0 && c->o.session == NULL)
		return cmd_e2b_usage("missing sandbox ID", NULL);
	if (tmo) {
		max = 2;
		if (n == 2 || (n == 1 && c->o.session && !c->o.timeout_s))
			secs = c->o.argv[n - 1];
		if (secs == NULL && c->o.timeout_s == 0)
			return cmd_e2b_usage("missing SECONDS", NULL);
		if (secs && cmd_e2b_seconds(secs, &c->o.timeout_s) != 0)
			return 2;
	}
	if (n > max)
		return cmd_e2b_usage("unexpected argument", c->o.argv[max]);
	if (max > 0 && n > (secs ? 1 : 0))
		*id = c->o.argv[0];
	return 0;
}

int
cmd_e2b_sandbox(struct e2b_ctx *c, const char *action)
{
	static const char *const ones[] = { "info", "kill", "timeout", "pause",
		"resume" };
	const char *id = NULL;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(ones); i++)
		if (strcmp(action, ones[i]) == 0)
			break;
	if (strcmp(action, "create") != 0 && strcmp(action, "list") != 0 &&
	    i == ARRAY_SIZE(ones))
		return cmd_e2b_usage("unknown sandbox command", action);
	if ((r = check_args(c, action, &id)) != 0)
		return r;
	if ((r = cmd_e2b_setup(c)) != 0) {
		cmd_e2b_error(c);
		return 1;
	}
	if (strcmp(action, "create") == 0)
		r = create(c);
	else if (strcmp(action, "list") == 0)
		r = list(c);
	else if (id != NULL || (r = session_id(c, &id)) == 0)
		r = one(c, action, id);
	if (r == 2)
		return 2;
	if (r != 0) {
		cmd_e2b_error(c);
		return 1;
	}
	return 0;
}
