#include "roma.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dotenv {
	char **keys, **vals;
	size_t n, cap;
};

/* A cursor over the text being parsed. */
struct cur {
	const char *p, *end;
	dotenv_lookup_fn env;
	struct dotenv *d;
};

static void
set(struct dotenv *d, const char *k, size_t klen, char *v)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strlen(d->keys[i]) == klen &&
		    memcmp(d->keys[i], k, klen) == 0) {
			free(d->vals[i]);
			d->vals[i] = v;
			return;
		}
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->keys = xrealloc(d->keys, d->cap * sizeof(*d->keys));
		d->vals = xrealloc(d->vals, d->cap * sizeof(*d->vals));
	}
	d->keys[d->n] = xstrndup(k, klen);
	d->vals[d->n++] = v;
}

const char *
dotenv_get(const struct dotenv *d, const char *key)
{
	size_t i;

	for (i = 0; d && i < d->n; i++)
		if (strcmp(d->keys[i], key) == 0)
			return d->vals[i];
	return NULL;
}

static bool
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
keychar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void
skip_blanks(struct cur *c)
{
	while (c->p < c->end && blank(*c->p))
		c->p++;
}

static void
skip_line(struct cur *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		c->p++;
}

/* Expand ${NAME} and ${NAME:-default} in `n` bytes of `s` into `out`. */
static void
expand(struct cur *c, const char *s, size_t n, struct buf *out)
{
	const char *end = s + n, *close, *dflt, *v;
	char *name;
	size_t nlen;

	while (s < end) {
		if (*s != '$' || s + 1 >= end || s[1] != '{' ||
		    (close = memchr(s, '}', (size_t)(end - s))) == NULL) {
			buf_addc(out, *s++);
			continue;
		}
		dflt = memmem(s + 2, (size_t)(close - s - 2), ":-", 2);
		nlen = (size_t)((dflt ? dflt : close) - s - 2);
		name = xstrndup(s + 2, nlen);
		v = c->env ? c->env(name) : NULL;
		if (v == NULL)
			v = dotenv_get(c->d, name);
		if (v && *v)
			buf_adds(out, v);
		else if (dflt)
			buf_add(out, dflt + 2, (size_t)(close - dflt - 2));
		free(name);
		s = close + 1;
	}
}

/* A double-quoted value, the cursor just past the opening quote. */
static bool
dquoted(struct cur *c, struct buf *raw)
{
	char e;

	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->p + 1 < c->end) {
			e = c->p[1];
			c->p += 2;
			if (e != '\0' && strchr("ntr\"\\'", e) != NULL) {
				buf_addc(raw,
				    e == 'n'       ? '\n'
				        : e == 't' ? '\t'
				        : e == 'r' ? '\r'
				                   : e);
			} else {
				buf_addc(raw, '\\');
				buf_addc(raw, e);
			}
			continue;
		}
		buf_addc(raw, *c->p++);
	}
	if (c->p >= c->end)
		return false;
	c->p++;
	return true;
}

/* The value after '=': quoted or plain; false when malformed. */
static bool
value(struct cur *c, struct buf *out)
{
	struct buf raw = BUF_INIT;
	const char *s, *q;
	bool ok = true;

	skip_blanks(c);
	if (c->p < c->end && *c->p == '\'') {
		s = ++c->p;
		if ((q = memchr(s, '\'', (size_t)(c->end - s))) == NULL)
			return false;
		buf_add(out, s, (size_t)(q - s));
		c->p = q + 1;
	} else if (c->p < c->end && *c->p == '"') {
		c->p++;
		if ((ok = dquoted(c, &raw)))
			expand(c, raw.ptr, raw.len, out);
	} else {
		s = c->p;
		while (c->p < c->end && *c->p != '\n' &&
		    !(*c->p == '#' && c->p > s && blank(c->p[-1])))
			c->p++;
		q = c->p;
		while (q > s && blank(q[-1]))
			q--;
		expand(c, s, (size_t)(q - s), out);
	}
	buf_release(&raw);
	return ok;
}

static void
line(struct cur *c)
{
	struct buf v = BUF_INIT;
	const char *k;
	size_t klen;

	skip_blanks(c);
	if (c->end - c->p > 7 && memcmp(c->p, "export", 6) == 0 &&
	    blank(c->p[6])) {
		c->p += 6;
		skip_blanks(c);
	}
	k = c->p;
	while (c->p < c->end && keychar(*c->p))
		c->p++;
	klen = (size_t)(c->p - k);
	skip_blanks(c);
	if (klen == 0 || c->p >= c->end || *c->p != '=') {
		skip_line(c);
		return;
	}
	c->p++;
	if (value(c, &v))
		set(c->d, k, klen, buf_detach(&v, NULL));
	buf_release(&v);
	skip_line(c);
}

struct dotenv *
dotenv_parse(const char *text, size_t n, dotenv_lookup_fn env)
{
	struct dotenv *d = xcalloc(1, sizeof(*d));
	struct cur c = { text, text + n, env, d };

	while (c.p < c.end)
		line(&c);
	return d;
}

static int
read_all(int fd, struct buf *b)
{
	char tmp[8192];
	ssize_t got;
	int r;

	while ((got = read(fd, tmp, sizeof(tmp))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if ((r = buf_add(b, tmp, (size_t)got)) != 0)
			return r == -E2BIG ? -EFBIG : r;
	}
	return 0;
}

int
dotenv_load(
    const char *path, dotenv_lookup_fn env, struct dotenv **out, struct rerr *e)
{
	struct buf b = BUF_INIT;
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return rerr_set(e, -errno, "%s: %s", path, strerror(errno));
	}
	buf_init(&b, DOTENV_MAX_FILE);
	r = read_all(fd, &b);
	close(fd);
	if (r != 0)
		rerr_set(e, r, "%s: %s", path,
		    r == -EFBIG ? "file too large" : strerror(-r));
	else
		*out = dotenv_parse(b.ptr, b.len, env);
	buf_release(&b);
	return r;
}

void
dotenv_free(struct dotenv *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->keys[i]);
		free(d->vals[i]);
	}
	free(d->keys);
	free(d->vals);
	free(d);
}

size_t
dotenv_count(const struct dotenv *d)
{
	return d ? d->n : 0;
}

const char *
dotenv_key(const struct dotenv *d, size_t i)
{
	return i < dotenv_count(d) ? d->keys[i] : NULL;
}

const char *
dotenv_value(const struct dotenv *d, size_t i)
{
	return i < dotenv_count(d) ? d->vals[i] : NULL;
}
