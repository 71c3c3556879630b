/*
 * roma e2b run-python and exec: ROMA's run_python_code and run_command,
 * with the same JSON, or live output with --stream.
 */
#include "roma.h"
#include "cmd/cmd_e2b.h"
#include "e2b/interp.h"
#include "e2b/ndjson.h"
#include "e2b/text.h"
#include "util/json.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CODE_MAX (64u << 20)

/* Python's repr() of a str, for ROMA's str(ExecutionError(...)). */
static void
py_repr(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

	buf_addc(out, q);
	for (; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q)
			buf_addf(out, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(out, "\\n");
		else if (*p == '\r')
			buf_adds(out, "\\r");
		else if (*p == '\t')
			buf_adds(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addf(out, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 &&
		    (p[1] <= 0xa0 || p[1] == 0xad))
			buf_addf(out, "\\x%02x", *++p); /* C1, NBSP, SHY */
		else
			buf_addc(out, (char)*p);
	}
	buf_addc(out, q);
}

static char *
error_repr(const struct e2b_exec *x)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "ExecutionError(name=");
	py_repr(x->err_name, &b);
	buf_adds(&b, ", value=");
	py_repr(x->err_value, &b);
	buf_adds(&b, ", traceback=");
	py_repr(x->err_traceback, &b);
	buf_addc(&b, ')');
	return buf_detach(&b, NULL);
}

static void
add_notice(const struct e2b_ctx *c, struct json *j)
{
	if (c->notice.len > 0)
		json_add_str(j, "notice", c->notice.ptr);
}

static void
print_failure(const char *what, const struct e2b_ctx *c)
{
	struct json *j = json_new_object();
	struct buf m = BUF_INIT;

	buf_addf(&m, "%s failed: %s", what, rerr_str(&c->e));
	json_add_bool(j, "success", false);
	json_add_str(j, "error", m.ptr);
	add_notice(c, j);
	cmd_e2b_print_py(j);
	json_free(j);
	buf_release(&m);
}

/* The code: CODE, -f FILE, or standard input ("-" or nothing). */
static int
load_code(struct e2b_ctx *c, struct buf *code)
{
	int fd = 0, r;

	buf_init(code, CODE_MAX);
	if (c->o.file == NULL && c->o.argc > 0 && strcmp(c->o.argv[0], "-")) {
		if (c->o.argc > 1)
			return cmd_e2b_usage(
			    "unexpected argument", c->o.argv[1]);
		return buf_adds(code, c->o.argv[0]) == 0 ? 0 : 2;
	}
	if (c->o.file && strcmp(c->o.file, "-") != 0 &&
	    (fd = open(c->o.file, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(
		    stderr, "roma e2b: %s: %s\n", c->o.file, strerror(errno));
		return 1;
	}
	if (fd == 0 && isatty(0))
		return cmd_e2b_usage("no code given", NULL);
	r = cmd_e2b_read_all(fd, code);
	if (fd != 0)
		close(fd);
	if (r != 0) {
		fprintf(
		    stderr, "roma e2b: reading the code: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static int
live(const char *p, size_t n, FILE *f)
{
	if (fwrite(p, 1, n, f) != n || fflush(f) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

static int
live_out(const char *p, size_t n, void *arg)
{
	(void)arg;
	return live(p, n, stdout);
}

static int
live_err(const char *p, size_t n, void *arg)
{
	(void)arg;
	return live(p, n, stderr);
}

static void
print_execution(struct e2b_ctx *c, const struct e2b_exec *x)
{
	struct json *j = json_new_object(), *res;
	char *err = x->err_name ? error_repr(x) : NULL;
	struct buf tmp = BUF_INIT;
	size_t i;

	json_add_bool(j, "success", true);
	res = json_add_array(j, "results");
	for (i = 0; i < json_len(x->results); i++) {
		buf_reset(&tmp);
		json_push_str(
		    res, e2b_result_text(json_at(x->results, i), &tmp));
	}
	json_add(j, "stdout", json_dup(x->out));
	json_add(j, "stderr", json_dup(x->err));
	json_add_str(j, "error", err);
	json_add_str(j, "sandbox_id", c->sbx.id);
	add_notice(c, j);
	cmd_e2b_print_py(j);
	json_free(j);
	free(err);
	buf_release(&tmp);
}

static void
print_stream_end(const struct e2b_exec *x)
{
	struct buf tmp = BUF_INIT;
	size_t i;

	for (i = 0; i < json_len(x->results); i++) {
		buf_reset(&tmp);
		printf("%s\n", e2b_result_text(json_at(x->results, i), &tmp));
	}
	buf_release(&tmp);
	if (x->err_name)
		fprintf(stderr, "%s\n",
		    *x->err_traceback ? x->err_traceback : x->err_value);
}

int
cmd_e2b_run_python(struct e2b_ctx *c)
{
	struct e2b_run run = { 0 };
	struct e2b_exec x;
	struct buf code = BUF_INIT;
	int r, status = 1;

	if ((r = load_code(c, &code)) != 0) {
		buf_release(&code);
		return r;
	}
	e2b_exec_init(&x);
	if ((r = cmd_e2b_setup(c)) != 0 ||
	    (r = cmd_e2b_target(c, E2B_DEFAULT_TEMPLATE)) != 0)
		goto fail;
	run.code = code.ptr;
	run.context_id = c->o.context;
	run.language = c->o.context ? NULL : c->o.language;
	run.envs = c->o.envs;
	run.timeout_ms = c->o.timeout_s * 1000;
	if (c->o.stream) {
		run.on_stdout = live_out;
		run.on_stderr = live_err;
	}
	if ((r = e2b_interp_run(&c->dp, &run, &x, &c->e)) != 0)
		goto fail;
	if (c->o.stream)
		print_stream_end(&x);
	else
		print_execution(c, &x);
	status = x.err_name ? 1 : 0;
	goto out;
fail:
	if (c->o.stream)
		cmd_e2b_error(c);
	else
		print_failure("Code execution", c);
out:
	e2b_exec_release(&x);
	buf_release(&code);
	return status;
}

/* Forwarding our standard input to the process (--stdin). */
struct feeder {
	struct e2b_ctx *c;
	pthread_t th;
	atomic_bool done, started;
	atomic_uint pid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *
feed_stdin(void *arg)
{
	struct feeder *f = arg;
	struct pollfd pfd = { 0, POLLIN, 0 };
	struct rerr e;
	char tmp[16384];
	ssize_t got;

	rerr_clear(&e);
	while (!atomic_load(&f->done)) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((got = read(0, tmp, sizeof(tmp))) < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (e2b_envd_send_stdin(&f->c->dp, atomic_load(&f->pid), tmp,
		        (size_t)got, &e) != 0)
			return NULL;
	}
	if (!atomic_load(&f->done))
		e2b_envd_close_stdin(&f->c->dp, atomic_load(&f->pid), &e);
	return NULL;
}

static void
on_start(uint32_t pid, void *arg)
{
	struct feeder *f = arg;

	atomic_store(&f->pid, pid);
	if (f->c->o.stdin_open &&
	    pthread_create(&f->th, NULL, feed_stdin, f) == 0)
		atomic_store(&f->started, true);
}

struct collect {
	struct feeder f; /* first: the callbacks get this struct */
	struct buf out, err;
	bool stream;
};

static int
col_out(const char *p, size_t n, void *arg)
{
	struct collect *k = arg;

	return k->stream ? live(p, n, stdout) : buf_add(&k->out, p, n);
}

static int
col_err(const char *p, size_t n, void *arg)
{
	struct collect *k = arg;

	return k->stream ? live(p, n, stderr) : buf_add(&k->err, p, n);
}

/* The command line: one word as it is (a shell command line, as ROMA's
 * run_command takes it), several each quoted for the shell and joined,
 * so `exec sh -c 'exit 3'` runs exactly that. */
static char *
join_args(const struct e2b_opts *o)
{
	struct buf b = BUF_INIT;
	int i;

	if (o->argc == 1)
		return xstrdup(o->argv[0]);
	for (i = 0; i < o->argc; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		e2b_shell_quote(o->argv[i], &b);
	}
	return buf_detach(&b, NULL);
}

static void
print_command(struct e2b_ctx *c, const struct e2b_proc_result *res,
    const struct collect *k)
{
	struct json *j = json_new_object();

	json_add_bool(j, "success", res->exit_code == 0);
	json_add_num(j, "exit_code", res->exit_code);
	json_add_str(j, "stdout", k->out.ptr);
	json_add_str(j, "stderr", k->err.ptr);
	json_add_str(j, "sandbox_id", c->sbx.id);
	if (res->exit_code != 0 && res->error[0])
		json_add_str(j, "error", res->error);
	add_notice(c, j);
	cmd_e2b_print_py(j);
	json_free(j);
}

static int
run_command(struct e2b_ctx *c, struct e2b_proc_req *req, struct collect *k,
    struct e2b_proc_result *res)
{
	struct e2b_proc_cb cb = { on_start, col_out, col_err, k };
	int r;

	k->f.c = c;
	k->stream = c->o.stream;
	r = e2b_envd_start(&c->dp, req, &cb, res, &c->e);
	atomic_store(&k->f.done, true);
	if (atomic_load(&k->f.started))
		pthread_join(k->f.th, NULL);
	return r;
}

int
cmd_e2b_exec(struct e2b_ctx *c)
{
	struct e2b_proc_req req = { 0 };
	struct e2b_proc_result res;
	struct collect k;
	char *cmd;
	int r, status = 1;

	if (c->o.argc == 0)
		return cmd_e2b_usage("missing command", NULL);
	memset(&k, 0, sizeof(k));
	buf_init(&k.out, 0);
	buf_init(&k.err, 0);
	cmd = join_args(&c->o);
	if ((r = cmd_e2b_setup(c)) != 0 ||
	    (r = cmd_e2b_target(c, E2B_DEFAULT_TEMPLATE)) != 0)
		goto fail;
	req.cmd = cmd;
	req.envs = c->o.envs;
	req.cwd = c->o.cwd;
	req.stdin_open = c->o.stdin_open;
	req.timeout_ms = c->o.timeout_s * 1000;
	if ((r = run_command(c, &req, &k, &res)) != 0)
		goto fail;
	if (!c->o.stream)
		print_command(c, &res, &k);
	status = res.exit_code == 0                    ? 0
	    : res.exit_code > 0 && res.exit_code < 256 ? res.exit_code
	                                               : 1;
	goto out;
fail:
	if (c->o.stream)
		cmd_e2b_error(c);
	else
		print_failure("Command execution", c);
out:
	buf_release(&k.out);
	buf_release(&k.err);
	free(cmd);
	return status;
}
