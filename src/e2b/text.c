#include "roma.h"
#include "e2b/text.h"
#include "util/json.h"

#include <stdbool.h>
#include <string.h>

#define REDACTED "<redacted>"

void
e2b_shell_quote(const char *word, struct buf *out)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                           "@%+=:,./_-";
	const char *p;

	if (word[0] != '\0' && strspn(word, safe) == strlen(word)) {
		buf_adds(out, word);
		return;
	}
	buf_addc(out, '\'');
	for (p = word; *p; p++) {
		if (*p == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, *p);
	}
	buf_addc(out, '\'');
}

static bool
is_env_key(const char *k)
{
	return k && (strcmp(k, "envs") == 0 || strcmp(k, "env_vars") == 0);
}

/* A copy of `j` with the secrets replaced; `key` is its member name. */
static struct json *
copy(const struct json *j, const char *key)
{
	const struct json *m;
	struct json *out;
	size_t i;

	if ((json_is_str(j) && key && strcmp(key, "stdin") == 0) ||
	    (is_env_key(key) && !json_is_obj(j) && !json_is_null(j)))
		return json_new_str(REDACTED);
	if (json_is_arr(j)) {
		out = json_new_array();
		for (i = 0; i < json_len(j); i++)
			json_push(out, copy(json_at(j, i), NULL));
		return out;
	}
	if (!json_is_obj(j))
		return json_dup(j);
	out = json_new_object();
	for (i = 0; i < json_len(j); i++) {
		m = json_at(j, i);
		if (is_env_key(key))
			json_add_str(out, json_key(m), REDACTED);
		else
			json_add(out, json_key(m), copy(m, json_key(m)));
	}
	return out;
}

void
e2b_log_json(const struct json *msg, struct buf *out)
{
	struct json *c = copy(msg, NULL);

	json_print(c, out);
	json_free(c);
}
