#include "roma.h"
#include "e2b/api.h"
#include "e2b/session.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX (64u << 10)

bool
e2b_session_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.')
		return false;
	return strspn(name,
	           "abcdefghijklmnopqrstuvwxyz"
	           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int
e2b_session_dir(struct buf *out, struct rerr *e)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (x && x[0] == '/')
		return buf_addf(out, "%s/roma/e2b", x);
	if (home == NULL || home[0] != '/')
		return rerr_set(e, -ENOENT,
		    "no state directory: set XDG_STATE_HOME or HOME");
	return buf_addf(out, "%s/.local/state/roma/e2b", home);
}

/* mkdir -p with mode 0700 for what we create. */
static int
mkdirs(const char *path, struct rerr *e)
{
	char *p = xstrdup(path), *s, c;
	int r = 0;

	for (s = p + 1; r == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			r = rerr_set(e, -errno, "%s: %s", p, strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return r;
}

static void
state_path(const struct e2b_session *s, const char *ext, struct buf *p)
{
	buf_addf(p, "%s/%s%s", s->dir, s->name, ext);
}

static void
clear_state(struct e2b_session *s)
{
	free(s->sandbox_id);
	free(s->template_id);
	s->sandbox_id = s->template_id = NULL;
	s->created_at = 0;
	s->timeout_s = 0;
}

static int
read_state(struct e2b_session *s, struct rerr *e)
{
	struct buf p = BUF_INIT, b = BUF_INIT;
	struct json *j = NULL;
	char tmp[4096];
	ssize_t got;
	int fd, r = 0;
	int64_t v;

	state_path(s, ".json", &p);
	buf_init(&b, STATE_MAX);
	if ((fd = open(p.ptr, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)
			r = rerr_set(
			    e, -errno, "%s: %s", p.ptr, strerror(errno));
		goto out;
	}
	while ((got = read(fd, tmp, sizeof(tmp))) > 0 && r == 0)
		r = buf_add(&b, tmp, (size_t)got);
	close(fd);
	j = json_parse(b.ptr, b.len);
	if (json_get_str(j, "sandbox_id") == NULL) {
		log_warn(
		    LOG_E2B, "%s: unreadable session state, ignored", p.ptr);
		goto out;
	}
	s->sandbox_id = xstrdup(json_get_str(j, "sandbox_id"));
	if (json_get_str(j, "template"))
		s->template_id = xstrdup(json_get_str(j, "template"));
	if (json_get_int(j, "created_at", &v))
		s->created_at = (time_t)v;
	if (json_get_int(j, "timeout", &v))
		s->timeout_s = (long)v;
out:
	json_free(j);
	buf_release(&p);
	buf_release(&b);
	return r;
}

int
e2b_session_open(struct e2b_session *s, const char *name, struct rerr *e)
{
	struct buf d = BUF_INIT, p = BUF_INIT;
	int r;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (!e2b_session_name_ok(name))
		return rerr_set(e, -EINVAL,
		    "bad session name '%s': use letters, digits, '.', '_' "
		    "and '-'",
		    name);
	s->name = xstrdup(name);
	if ((r = e2b_session_dir(&d, e)) != 0 || (r = mkdirs(d.ptr, e)) != 0)
		goto out;
	s->dir = buf_detach(&d, NULL);
	state_path(s, ".lock", &p);
	if ((s->lock_fd = open(p.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) <
	    0) {
		r = rerr_set(e, -errno, "%s: %s", p.ptr, strerror(errno));
		goto out;
	}
	while ((r = flock(s->lock_fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (r != 0) {
		r = rerr_set(e, -errno, "lock %s: %s", p.ptr, strerror(errno));
		goto out;
	}
	r = read_state(s, e);
out:
	buf_release(&d);
	buf_release(&p);
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
e2b_session_save(struct e2b_session *s, struct rerr *e)
{
	struct buf p = BUF_INIT, tmp = BUF_INIT, text = BUF_INIT;
	struct json *j = json_new_object();
	int fd, r;

	json_add_str(j, "sandbox_id", s->sandbox_id);
	json_add_str(j, "template", s->template_id);
	json_add_int(j, "created_at", (int64_t)s->created_at);
	json_add_int(j, "timeout", s->timeout_s);
	json_print_pretty(j, &text);
	buf_addc(&text, '\n');
	state_path(s, ".json", &p);
	buf_addf(&tmp, "%s.tmp.%ld", p.ptr, (long)getpid());
	if ((fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	         0600)) < 0) {
		r = rerr_set(e, -errno, "%s: %s", tmp.ptr, strerror(errno));
		goto out;
	}
	r = write_all(fd, text.ptr, text.len);
	if (close(fd) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp.ptr, p.ptr) != 0)
		r = -errno;
	if (r != 0) {
		unlink(tmp.ptr);
		rerr_set(e, r, "%s: %s", p.ptr, strerror(-r));
	}
out:
	json_free(j);
	buf_release(&p);
	buf_release(&tmp);
	buf_release(&text);
	return r;
}

int
e2b_session_forget(struct e2b_session *s, struct rerr *e)
{
	struct buf p = BUF_INIT;
	int r = 0;

	state_path(s, ".json", &p);
	if (unlink(p.ptr) != 0 && errno != ENOENT)
		r = rerr_set(e, -errno, "%s: %s", p.ptr, strerror(errno));
	clear_state(s);
	buf_release(&p);
	return r;
}

void
e2b_session_unlock(struct e2b_session *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

void
e2b_session_close(struct e2b_session *s)
{
	e2b_session_unlock(s);
	clear_state(s);
	free(s->name);
	free(s->dir);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}

static int
create(struct e2b_api *a, struct e2b_session *s, const struct e2b_create *c,
    struct e2b_sandbox *out, struct rerr *e)
{
	int r;

	if ((r = e2b_api_create(a, c, out, e)) != 0)
		return r;
	clear_state(s);
	s->sandbox_id = xstrdup(out->id);
	s->template_id = xstrdup(c->template_id ? c->template_id : "base");
	s->created_at = time(NULL);
	s->timeout_s = c->timeout_s;
	return e2b_session_save(s, e);
}

int
e2b_session_ensure(struct e2b_api *a, struct e2b_session *s,
    const struct e2b_create *c, struct e2b_sandbox *out, struct buf *notice,
    struct rerr *e)
{
	struct e2b_create cc = *c;
	char *old;
	int r;

	memset(out, 0, sizeof(*out));
	/* No timeout asked for: the one the session was given last, so a
	 * call without --sandbox-timeout does not undo an earlier one. */
	if (cc.timeout_s <= 0)
		cc.timeout_s = s->timeout_s > 0 ? s->timeout_s
		                                : E2B_SESSION_DEFAULT_TIMEOUT;
	if (s->sandbox_id == NULL)
		return create(a, s, &cc, out, e);
	r = e2b_api_connect(a, s->sandbox_id, cc.timeout_s, out, NULL, e);
	if (r == 0) {
		if (cc.timeout_s != s->timeout_s) {
			s->timeout_s = cc.timeout_s;
			r = e2b_session_save(s, e);
		}
		return r;
	}
	if (r != -ENOENT)
		return r;
	old = xstrdup(s->sandbox_id);
	rerr_clear(e);
	if ((r = create(a, s, &cc, out, e)) == 0)
		buf_addf(notice,
		    "sandbox %s of session '%s' was gone (expired or killed); "
		    "started %s in its place: Python variables and files "
		    "from earlier calls are lost",
		    old, s->name, out->id);
	free(old);
	return r;
}
