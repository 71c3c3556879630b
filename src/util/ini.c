#include "roma.h"
#include "util/ini.h"
#include "util/buf.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
	size_t sect; /* index into ini->sects */
	char *key;   /* lower-cased */
	char *sub;   /* lower-cased sub-property name, or NULL */
	char *val;
};

struct ini {
	char **sects;
	size_t nsects, capsects;
	struct entry *ents;
	size_t nents, capents;
};

/* Parser state between lines. */
struct pstate {
	struct ini *ini;
	bool in_sect; /* false before the first or after a bad header */
	size_t sect;
	bool have_last;   /* the last property of this section, for */
	size_t last;      /* continuation and sub-property lines */
	bool last_parent; /* its value was empty: indented lines are subs */
};

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trim [*s, *e) of blanks. */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && blank((*e)[-1]))
		(*e)--;
}

static char *
lower_dup(const char *s, const char *e)
{
	char *r = xstrndup(s, (size_t)(e - s));
	char *p;

	for (p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

/* A value ends at a '#' or ';' that follows a blank (the SDKs' rule). */
static const char *
value_end(const char *s, const char *e)
{
	const char *p;

	for (p = s; p < e; p++)
		if ((*p == '#' || *p == ';') && p > s && blank(p[-1]))
			break;
	return p;
}

/* "type   name" -> "type name"; NULL for an empty name. */
static char *
sect_name(const char *s, const char *e)
{
	const char *w;
	struct buf b = BUF_INIT;

	trim(&s, &e);
	if (s == e)
		return NULL;
	for (w = s; w < e && !blank(*w); w++)
		;
	buf_add(&b, s, (size_t)(w - s));
	while (w < e && blank(*w))
		w++;
	if (w < e) {
		buf_addc(&b, ' ');
		buf_add(&b, w, (size_t)(e - w));
	}
	return buf_detach(&b, NULL);
}

static size_t
add_sect(struct ini *ini, char *name)
{
	size_t i;

	for (i = 0; i < ini->nsects; i++) {
		if (strcmp(ini->sects[i], name) == 0) {
			free(name);
			return i;
		}
	}
	if (ini->nsects == ini->capsects) {
		ini->capsects = ini->capsects ? ini->capsects * 2 : 8;
		ini->sects =
		    xrealloc(ini->sects, ini->capsects * sizeof(*ini->sects));
	}
	ini->sects[ini->nsects] = name;
	return ini->nsects++;
}

static size_t
add_entry(struct ini *ini, size_t sect, char *key, char *sub, char *val)
{
	struct entry *en;

	if (ini->nents == ini->capents) {
		ini->capents = ini->capents ? ini->capents * 2 : 16;
		ini->ents =
		    xrealloc(ini->ents, ini->capents * sizeof(*ini->ents));
	}
	en = &ini->ents[ini->nents];
	en->sect = sect;
	en->key = key;
	en->sub = sub;
	en->val = val;
	return ini->nents++;
}

static void
header_line(struct pstate *ps, const char *s, const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s));
	char *name;

	ps->have_last = false;
	ps->in_sect = false;
	if (close == NULL || (name = sect_name(s + 1, close)) == NULL)
		return;
	ps->sect = add_sect(ps->ini, name);
	ps->in_sect = true;
}

/* Split "key = value" at the first '='; false when malformed. */
static bool
split_prop(const char *s, const char *e, const char **ke, const char **vs,
    const char **ve)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *k = s;

	if (eq == NULL)
		return false;
	*ke = eq;
	trim(&k, ke);
	if (k == *ke)
		return false;
	/* The blank after '=' counts: "k = # c" is an empty value. */
	*vs = eq + 1;
	*ve = value_end(*vs, e);
	trim(vs, ve);
	return true;
}

static void
prop_line(struct pstate *ps, const char *s, const char *e, bool sub)
{
	const char *ke, *vs, *ve;
	const struct entry *parent;
	char *key, *val;

	if (!split_prop(s, e, &ke, &vs, &ve))
		return;
	key = lower_dup(s, ke);
	val = xstrndup(vs, (size_t)(ve - vs));
	if (sub) {
		parent = &ps->ini->ents[ps->last];
		add_entry(ps->ini, ps->sect, xstrdup(parent->key), key, val);
		return;
	}
	ps->last = add_entry(ps->ini, ps->sect, key, NULL, val);
	ps->have_last = true;
	ps->last_parent = vs == ve;
}

static void
continuation(struct pstate *ps, const char *s, const char *e)
{
	struct entry *en = &ps->ini->ents[ps->last];
	size_t old = strlen(en->val), add;

	e = value_end(s, e);
	trim(&s, &e);
	add = (size_t)(e - s);
	en->val = xrealloc(en->val, old + add + 2);
	en->val[old] = '\n';
	memcpy(en->val + old + 1, s, add);
	en->val[old + 1 + add] = '\0';
}

static void
parse_line(struct pstate *ps, const char *s, const char *e)
{
	bool indented = s < e && blank(*s);

	trim(&s, &e);
	if (s == e || *s == '#' || *s == ';')
		return;
	if (*s == '[' && !indented) {
		header_line(ps, s, e);
		return;
	}
	if (!ps->in_sect)
		return;
	if (indented && ps->have_last) {
		if (ps->last_parent)
			prop_line(ps, s, e, true);
		else
			continuation(ps, s, e);
		return;
	}
	prop_line(ps, s, e, false);
}

struct ini *
ini_parse(const char *text, size_t n)
{
	struct pstate ps = { 0 };
	const char *p = text, *end = text + n, *eol, *nul;

	ps.ini = xcalloc(1, sizeof(*ps.ini));
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		/* A NUL cannot be in a C string value: end the line there. */
		nul = memchr(p, '\0', (size_t)(eol - p));
		parse_line(&ps, p, nul ? nul : eol);
		p = eol + 1;
	}
	return ps.ini;
}

static int
read_all(int fd, const char *path, struct buf *b, struct rerr *e)
{
	char chunk[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rerr_set(
			    e, -errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			return 0;
		if (buf_add(b, chunk, (size_t)n) != 0)
			return rerr_set(e, -EFBIG, "%s: larger than %u bytes",
			    path, INI_MAX_FILE);
	}
}

int
ini_load(const char *path, struct ini **out, mode_t *mode, struct rerr *e)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return rerr_set(e, -errno, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		r = rerr_set(e, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = rerr_set(e, -EISDIR, "%s: is a directory", path);
		goto out;
	}
	if (mode)
		*mode = st.st_mode & 07777;
	buf_init(&b, INI_MAX_FILE);
	if ((r = read_all(fd, path, &b, e)) == 0)
		*out = ini_parse(b.ptr, b.len);
out:
	close(fd);
	buf_release(&b);
	return r;
}

void
ini_free(struct ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nsects; i++)
		free(ini->sects[i]);
	for (i = 0; i < ini->nents; i++) {
		free(ini->ents[i].key);
		free(ini->ents[i].sub);
		free(ini->ents[i].val);
	}
	free(ini->sects);
	free(ini->ents);
	free(ini);
}

static bool
find_sect(const struct ini *ini, const char *section, size_t *idx)
{
	size_t i;

	if (ini == NULL || section == NULL)
		return false;
	for (i = 0; i < ini->nsects; i++) {
		if (strcmp(ini->sects[i], section) == 0) {
			*idx = i;
			return true;
		}
	}
	return false;
}

bool
ini_has_section(const struct ini *ini, const char *section)
{
	size_t i;

	return find_sect(ini, section, &i);
}

static const char *
lookup(const struct ini *ini, const char *section, const char *key,
    const char *sub)
{
	const struct entry *en;
	size_t s, i;

	if (!find_sect(ini, section, &s))
		return NULL;
	for (i = ini->nents; i-- > 0;) {
		en = &ini->ents[i];
		if (en->sect != s || !str_ieq(en->key, key))
			continue;
		if (sub == NULL && en->sub == NULL)
			return en->val;
		if (sub && en->sub && str_ieq(en->sub, sub))
			return en->val;
	}
	return NULL;
}

const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	return lookup(ini, section, key, NULL);
}

const char *
ini_get_sub(const struct ini *ini, const char *section, const char *key,
    const char *sub)
{
	return lookup(ini, section, key, sub);
}
