#include "roma.h"
#include "e2b/ndjson.h"
#include "util/json.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
e2b_lines_init(struct e2b_lines *l)
{
	buf_init(&l->acc, E2B_NDJSON_MAX_LINE);
}

void
e2b_lines_release(struct e2b_lines *l)
{
	buf_release(&l->acc);
}

static int
emit(const char *p, size_t n, e2b_line_fn fn, void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return 0;
	return fn(p, n, arg);
}

int
e2b_lines_feed(
    struct e2b_lines *l, const void *data, size_t n, e2b_line_fn fn, void *arg)
{
	const char *p = data, *nl;
	size_t len;
	int r;

	while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
		len = (size_t)(nl - p);
		if (l->acc.len > 0) {
			if ((r = buf_add(&l->acc, p, len)) != 0)
				return r;
			r = emit(l->acc.ptr, l->acc.len, fn, arg);
			buf_reset(&l->acc);
		} else {
			if (len > E2B_NDJSON_MAX_LINE)
				return -E2BIG;
			r = emit(p, len, fn, arg);
		}
		if (r != 0)
			return r;
		p = nl + 1;
		n -= len + 1;
	}
	return n > 0 ? buf_add(&l->acc, p, n) : 0;
}

int
e2b_lines_finish(struct e2b_lines *l, e2b_line_fn fn, void *arg)
{
	int r = emit(l->acc.ptr, l->acc.len, fn, arg);

	buf_reset(&l->acc);
	return r;
}

void
e2b_exec_init(struct e2b_exec *x)
{
	memset(x, 0, sizeof(*x));
	x->results = json_new_array();
	x->out = json_new_array();
	x->err = json_new_array();
	x->count = -1;
}

void
e2b_exec_release(struct e2b_exec *x)
{
	json_free(x->results);
	json_free(x->out);
	json_free(x->err);
	free(x->err_name);
	free(x->err_value);
	free(x->err_traceback);
	memset(x, 0, sizeof(*x));
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static int
on_error(struct e2b_exec *x, const struct json *j)
{
	free(x->err_name);
	free(x->err_value);
	free(x->err_traceback);
	x->err_name = dup_or_empty(json_get_str(j, "name"));
	x->err_value = dup_or_empty(json_get_str(j, "value"));
	x->err_traceback = dup_or_empty(json_get_str(j, "traceback"));
	return E2B_MSG_ERROR;
}

/* Push a stdout/stderr chunk; *text points into the stored copy. */
static int
on_stream(struct json *arr, const struct json *j, int kind, const char **text)
{
	const char *t = json_get_str(j, "text");

	if (t == NULL)
		return -EPROTO;
	json_push_str(arr, t);
	*text = json_str(json_at(arr, json_len(arr) - 1));
	return kind;
}

static int
dispatch(
    struct e2b_exec *x, struct json *j, const char *type, const char **text)
{
	struct json *res;
	int64_t v;

	if (strcmp(type, "result") == 0) {
		res = json_dup(j);
		json_del(res, "type");
		json_push(x->results, res);
		return E2B_MSG_RESULT;
	}
	if (strcmp(type, "stdout") == 0)
		return on_stream(x->out, j, E2B_MSG_STDOUT, text);
	if (strcmp(type, "stderr") == 0)
		return on_stream(x->err, j, E2B_MSG_STDERR, text);
	if (strcmp(type, "error") == 0)
		return on_error(x, j);
	if (strcmp(type, "number_of_executions") == 0) {
		if (json_get_int(j, "execution_count", &v))
			x->count = v;
		return E2B_MSG_COUNT;
	}
	if (strcmp(type, "end_of_execution") == 0) {
		x->ended = true;
		return E2B_MSG_END;
	}
	return E2B_MSG_OTHER;
}

int
e2b_exec_line(struct e2b_exec *x, const char *line, size_t n, const char **text)
{
	struct json *j = json_parse(line, n);
	const char *type = json_get_str(j, "type");
	int r = -EPROTO;

	*text = NULL;
	if (type != NULL)
		r = dispatch(x, j, type, text);
	json_free(j);
	return r;
}

/* Python's truthiness of a result field: present, not None, not empty. */
static bool
truthy(const struct json *v)
{
	if (v == NULL || json_is_null(v))
		return false;
	if (json_is_str(v))
		return json_str(v)[0] != '\0';
	if (json_is_obj(v) || json_is_arr(v))
		return json_len(v) > 0;
	return true;
}

const char *
e2b_result_text(const struct json *res, struct buf *tmp)
{
	/* The SDK's Result.formats() order after text, html and png,
	 * which cannot be set here; then the keys of "extra". */
	static const char *const fmts[] = { "markdown", "svg", "jpeg", "pdf",
		"latex", "json", "javascript", "data", "chart" };
	const struct json *extra = json_get(res, "extra");
	const char *sep = "";
	size_t i;

	if (json_get_str(res, "text") != NULL)
		return json_get_str(res, "text");
	if (truthy(json_get(res, "png")))
		return "[PNG image output]";
	if (truthy(json_get(res, "html")))
		return "[HTML output]";
	buf_adds(tmp, "Result(Formats: ");
	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		if (!truthy(json_get(res, fmts[i])))
			continue;
		buf_addf(tmp, "%s%s", sep, fmts[i]);
		sep = ", ";
	}
	for (i = 0; json_is_obj(extra) && i < json_len(extra); i++) {
		buf_addf(tmp, "%s%s", sep, json_key(json_at(extra, i)));
		sep = ", ";
	}
	buf_addc(tmp, ')');
	return tmp->ptr;
}
