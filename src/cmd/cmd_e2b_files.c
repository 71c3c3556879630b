/*
 * roma e2b files put|get|cat|ls|mkdir|rm|mv, roma e2b status and roma e2b
 * context: the rest of ROMA's toolkit (upload_file, download_file,
 * list_files, create_directory, get_sandbox_status) and the code
 * interpreter's contexts.
 */
#include "roma.h"
#include "cmd/cmd_e2b.h"
#include "e2b/interp.h"
#include "util/json.h"
#include "util/time.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct src {
	int fd;
	const char *mem; /* standard input read whole, or NULL */
	size_t off, len;
};

static ssize_t
src_read(void *dst, size_t n, void *arg)
{
	struct src *s = arg;
	ssize_t got;

	if (s->mem) {
		if (n > s->len - s->off)
			n = s->len - s->off;
		memcpy(dst, s->mem + s->off, n);
		s->off += n;
		return (ssize_t)n;
	}
	while ((got = read(s->fd, dst, n)) < 0 && errno == EINTR)
		;
	return got < 0 ? -errno : got;
}

static int
to_fd(const void *p, size_t n, void *arg)
{
	int fd = *(int *)arg;
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
print_transfer(struct e2b_ctx *c, const char *verb, const char *local,
    const char *remote, uint64_t size)
{
	struct json *j = json_new_object();
	struct buf m = BUF_INIT;

	buf_addf(&m, "%s %llu bytes", verb, (unsigned long long)size);
	json_add_bool(j, "success", true);
	json_add_str(j, "message", m.ptr);
	if (verb[0] == 'U') {
		json_add_str(j, "local_path", local);
		json_add_str(j, "remote_path", remote);
	} else {
		json_add_str(j, "remote_path", remote);
		json_add_str(j, "local_path", local);
	}
	json_add_int(j, "size_bytes", (int64_t)size);
	json_add_str(j, "sandbox_id", c->sbx.id);
	cmd_e2b_print_py(j);
	json_free(j);
	buf_release(&m);
}

static int
put(struct e2b_ctx *c, const char *local, const char *remote)
{
	struct src s = { 0, NULL, 0, 0 };
	struct buf in = BUF_INIT;
	struct stat st;
	uint64_t len;
	int r;

	if (strcmp(local, "-") == 0) {
		if ((r = cmd_e2b_read_all(0, &in)) != 0)
			return rerr_set(
			    &c->e, r, "standard input: %s", strerror(-r));
		s.mem = in.ptr;
		len = s.len = in.len;
	} else {
		if ((s.fd = open(local, O_RDONLY | O_CLOEXEC)) < 0 ||
		    fstat(s.fd, &st) != 0)
			return rerr_set(&c->e, -errno,
			    "Local file does not exist: %s", local);
		len = (uint64_t)st.st_size;
	}
	r = e2b_files_write(&c->dp, remote, src_read, &s, len, &c->e);
	if (s.fd > 0)
		close(s.fd);
	buf_release(&in);
	if (r == 0)
		print_transfer(c, "Uploaded", local, remote, len);
	return r;
}

static int
get(struct e2b_ctx *c, const char *remote, const char *local)
{
	struct stat st;
	int fd = 1, r;

	if (strcmp(local, "-") != 0 &&
	    (fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	        0)
		return rerr_set(
		    &c->e, -errno, "%s: %s", local, strerror(errno));
	r = e2b_files_read(&c->dp, remote, to_fd, &fd, &c->e);
	if (fd != 1) {
		if (fstat(fd, &st) != 0)
			st.st_size = 0;
		if (close(fd) != 0 && r == 0)
			r = rerr_set(
			    &c->e, -errno, "%s: %s", local, strerror(errno));
		if (r != 0)
			unlink(local);
		else
			print_transfer(c, "Downloaded", local, remote,
			    (uint64_t)st.st_size);
	}
	return r;
}

static const char *
type_char(const char *t)
{
	if (t && strcmp(t, "FILE_TYPE_DIRECTORY") == 0)
		return "d";
	if (t && strcmp(t, "FILE_TYPE_SYMLINK") == 0)
		return "l";
	return "-";
}

static int
ls(struct e2b_ctx *c, const char *dir)
{
	struct json *entries = NULL;
	const struct json *en;
	int64_t size;
	size_t i;
	int r;

	r = e2b_fs_list(&c->dp, dir, c->o.depth, &entries, &c->e);
	if (r == 0 && c->o.json)
		cmd_e2b_print_py(entries);
	for (i = 0; r == 0 && !c->o.json && i < json_len(entries); i++) {
		en = json_at(entries, i);
		size = 0;
		json_get_int(en, "size", &size);
		printf("%s %10lld %s\n", type_char(json_get_str(en, "type")),
		    (long long)size,
		    json_get_str(en, "path") ? json_get_str(en, "path")
		                             : json_get_str(en, "name"));
	}
	json_free(entries);
	return r;
}

static int
mkdir_cmd(struct e2b_ctx *c, const char *dir)
{
	struct json *j;
	struct buf m = BUF_INIT;
	int r = e2b_fs_mkdir(&c->dp, dir, &c->e);

	if (r == -EEXIST)
		r = 0; /* mkdir -p, as ROMA's create_directory */
	if (r != 0 || !c->o.json)
		return r;
	j = json_new_object();
	buf_addf(&m, "Created directory: %s", dir);
	json_add_bool(j, "success", true);
	json_add_str(j, "message", m.ptr);
	json_add_str(j, "path", dir);
	json_add_str(j, "sandbox_id", c->sbx.id);
	cmd_e2b_print_py(j);
	json_free(j);
	buf_release(&m);
	return 0;
}

static int
files_do(struct e2b_ctx *c, const char *a, int need)
{
	char **v = c->o.argv;
	int one = 1;

	if (strcmp(a, "put") == 0)
		return put(c, v[0], v[1]);
	if (strcmp(a, "get") == 0)
		return get(c, v[0], v[1]);
	if (strcmp(a, "cat") == 0)
		return e2b_files_read(&c->dp, v[0], to_fd, &one, &c->e);
	if (strcmp(a, "ls") == 0)
		return ls(c, need == 0 && c->o.argc == 0 ? "/home/user" : v[0]);
	if (strcmp(a, "mkdir") == 0)
		return mkdir_cmd(c, v[0]);
	if (strcmp(a, "rm") == 0)
		return e2b_fs_remove(&c->dp, v[0], &c->e);
	return e2b_fs_move(&c->dp, v[0], v[1], &c->e);
}

static int
files_args(const char *a)
{
	static const struct {
		const char *name;
		int n;
	} t[] = { { "put", 2 }, { "get", 2 }, { "cat", 1 }, { "ls", 0 },
		{ "mkdir", 1 }, { "rm", 1 }, { "mv", 2 } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (strcmp(a, t[i].name) == 0)
			return t[i].n;
	return -1;
}

int
cmd_e2b_files(struct e2b_ctx *c, const char *action)
{
	int need = files_args(action);

	if (need < 0)
		return cmd_e2b_usage("unknown files command", action);
	if (c->o.argc < need || c->o.argc > (need ? need : 1))
		return cmd_e2b_usage("wrong number of arguments for", action);
	if (cmd_e2b_setup(c) != 0 ||
	    cmd_e2b_target(c, E2B_DEFAULT_TEMPLATE) != 0 ||
	    files_do(c, action, need) != 0) {
		cmd_e2b_error(c);
		return 1;
	}
	return 0;
}
