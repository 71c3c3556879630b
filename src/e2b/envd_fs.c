#include "roma.h"
#include "e2b/envd.h"
#include "util/json.h"
#include "util/rerr.h"

#include <errno.h>
#include <string.h>

static struct json *
path_msg(const char *path)
{
	struct json *m = json_new_object();

	json_add_str(m, "path", path);
	return m;
}

/* A not_found from envd names the path for the user. */
static int
fs_call(const struct e2b_dp *dp, const char *method, struct json *msg,
    const char *path, struct json **reply, struct rerr *e)
{
	int r = e2b_envd_unary(dp, method, msg, reply, e);

	if (r == -ENOENT)
		rerr_http(e, r, e->http_status, "FileNotFoundError", NULL,
		    "%s: no such file or directory in sandbox %s", path,
		    dp->id);
	json_free(msg);
	return r;
}

/* Move member `key` of `*reply` to `*out`. */
static void
take(struct json **reply, const char *key, struct json **out)
{
	const struct json *m = json_get(*reply, key);

	*out = m ? json_dup(m) : NULL;
	json_free(*reply);
	*reply = NULL;
}

int
e2b_fs_stat(const struct e2b_dp *dp, const char *path, struct json **entry,
    struct rerr *e)
{
	struct json *reply = NULL;
	int r;

	*entry = NULL;
	r = fs_call(
	    dp, "/filesystem.Filesystem/Stat", path_msg(path), path, &reply, e);
	if (r == 0)
		take(&reply, "entry", entry);
	if (r == 0 && *entry == NULL)
		*entry = json_new_object();
	return r;
}

int
e2b_fs_list(const struct e2b_dp *dp, const char *path, unsigned depth,
    struct json **entries, struct rerr *e)
{
	struct json *msg = path_msg(path), *reply = NULL;
	int r;

	*entries = NULL;
	json_add_num(msg, "depth", depth ? depth : 1);
	r = fs_call(dp, "/filesystem.Filesystem/ListDir", msg, path, &reply, e);
	if (r == 0)
		take(&reply, "entries", entries);
	if (r == 0 && *entries == NULL)
		*entries = json_new_array();
	return r;
}

int
e2b_fs_mkdir(const struct e2b_dp *dp, const char *path, struct rerr *e)
{
	return fs_call(dp, "/filesystem.Filesystem/MakeDir", path_msg(path),
	    path, NULL, e);
}

int
e2b_fs_move(
    const struct e2b_dp *dp, const char *src, const char *dst, struct rerr *e)
{
	struct json *m = json_new_object();

	json_add_str(m, "source", src);
	json_add_str(m, "destination", dst);
	return fs_call(dp, "/filesystem.Filesystem/Move", m, src, NULL, e);
}

int
e2b_fs_remove(const struct e2b_dp *dp, const char *path, struct rerr *e)
{
	return fs_call(
	    dp, "/filesystem.Filesystem/Remove", path_msg(path), path, NULL, e);
}
