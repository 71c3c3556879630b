/*
 * opts - goofys's command line with Go `flag` rules (see opts.h).
 */
#include "roma.h"
#include "fs/opts.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum ftype {
	F_BOOL,  /* bool */
	F_STR,   /* char * */
	F_MODE,  /* unsigned, Go int, & 0777 */
	F_U32,   /* uint32_t, Go int truncated as Go's uint32() */
	F_I64,   /* int64_t, Go int */
	F_COUNT, /* unsigned, Go int, 0..65535 */
	F_DUR,   /* uint64_t ms, Go duration */
	F_OPT,   /* -o: appended to a list */
	F_SIZE,  /* uint64_t bytes; a bare number is MiB */
};

#define NOSET  ((size_t)-1)
#define OFF(f) offsetof(struct fs_mount_opts, f)

struct flagdef {
	const char *name;
	enum ftype type;
	size_t off;
	size_t set_off; /* a bool set when the flag is given, or NOSET */
};

/* Every name Go's FlagSet knows (aliases are names of their own). */
static const struct flagdef flags[] = {
	{ "help", F_BOOL, OFF(help), NOSET },
	{ "h", F_BOOL, OFF(help), NOSET },
	{ "o", F_OPT, 0, NOSET },
	{ "cache", F_STR, OFF(cache), NOSET },
	{ "dir-mode", F_MODE, OFF(dir_mode), NOSET },
	{ "file-mode", F_MODE, OFF(file_mode), NOSET },
	{ "uid", F_U32, OFF(uid), NOSET },
	{ "gid", F_U32, OFF(gid), NOSET },
	{ "endpoint", F_STR, OFF(endpoint), NOSET },
	{ "region", F_STR, OFF(region), OFF(region_set) },
	{ "requester-pays", F_BOOL, OFF(requester_pays), NOSET },
	{ "storage-class", F_STR, OFF(storage_class), NOSET },
	{ "profile", F_STR, OFF(profile), NOSET },
	{ "use-content-type", F_BOOL, OFF(use_content_type), NOSET },
	{ "sse", F_BOOL, OFF(sse), NOSET },
	{ "sse-kms", F_STR, OFF(sse_kms), OFF(sse_kms_set) },
	{ "sse-c", F_STR, OFF(sse_c), NOSET },
	{ "acl", F_STR, OFF(acl), NOSET },
	{ "subdomain", F_BOOL, OFF(subdomain), NOSET },
	{ "cheap", F_BOOL, OFF(cheap), NOSET },
	{ "no-implicit-dir", F_BOOL, OFF(no_implicit_dir), NOSET },
	{ "stat-cache-ttl", F_DUR, OFF(stat_cache_ttl_ms), NOSET },
	{ "type-cache-ttl", F_DUR, OFF(type_cache_ttl_ms), NOSET },
	{ "http-timeout", F_DUR, OFF(http_timeout_ms), NOSET },
	{ "debug_fuse", F_BOOL, OFF(debug_fuse), NOSET },
	{ "debug_s3", F_BOOL, OFF(debug_s3), NOSET },
	{ "f", F_BOOL, OFF(foreground), NOSET },
	{ "version", F_BOOL, OFF(version), NOSET },
	{ "v", F_BOOL, OFF(version), NOSET },
	/* Accepted for compatibility. */
	{ "max-idle-handles", F_I64, OFF(max_idle_handles),
	    OFF(max_idle_handles_set) },
	{ "use-path-request", F_BOOL, OFF(use_path_request), NOSET },
	{ "pid-file", F_STR, OFF(pid_file), NOSET },
	{ "cred-filename", F_STR, OFF(cred_filename), NOSET },
	/* roma's own. */
	{ "memory-limit", F_SIZE, OFF(memory_limit), NOSET },
	{ "staging-dir", F_STR, OFF(staging_dir), OFF(staging_set) },
	{ "part-size", F_SIZE, OFF(part_size), NOSET },
	{ "max-parallel", F_COUNT, OFF(max_parallel), NOSET },
	{ "read-ahead", F_SIZE, OFF(read_ahead), NOSET },
	{ "copy-threshold", F_SIZE, OFF(copy_threshold), NOSET },
	{ "enable-symlinks", F_BOOL, OFF(enable_symlinks), NOSET },
	{ "ca-bundle", F_STR, OFF(ca_bundle), NOSET },
	{ "debug", F_BOOL, OFF(debug), NOSET },
	{ "log-file", F_STR, OFF(log_file), NOSET },
	{ "sse-c-file", F_STR, OFF(sse_c_file), NOSET },
};

/* -o items mount.fuse or mount(8) consume: harmless if they reach us. */
static const char *const dropped_opts[] = { "", "_netdev", "auto", "noauto",
	"user", "users", "nouser", "nofail", "defaults", "nonempty",
	"drop_privileges" };

struct parser {
	struct fs_mount_opts *o;
	struct buf opts; /* the merged -o list */
	char **msg;
};

static int fail(struct parser *p, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int
fail(struct parser *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(*p->msg);
	*p->msg = buf_detach(&b, NULL);
	return FS_OPTS_USAGE;
}

static const struct flagdef *
find_flag(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flags); i++)
		if (strlen(flags[i].name) == n &&
		    memcmp(flags[i].name, name, n) == 0)
			return &flags[i];
	return NULL;
}

/* ---- Go's number, bool and duration syntax ---- */

static int
digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* strconv's underscoreOK: '_' only between digits (a prefix counts). */
static bool
underscore_ok(const char *s, bool prefixed, int base)
{
	char saw = prefixed ? '0' : '^';

	for (; *s; s++) {
		if (digit_val(*s) < base) {
			saw = '0';
			continue;
		}
		if (*s == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

int
fs_opts_go_int(const char *s, int64_t *out)
{
	bool neg = false, prefixed = false, any = false;
	uint64_t v = 0, lim;
	int base = 10, d;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && s[1] && strchr("xXoObB", s[1])) {
		base = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
		s += 2;
		prefixed = true;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
	}
	if (strchr(s, '_') && !underscore_ok(s, prefixed, base))
		return -EINVAL;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		if (*s == '_')
			continue;
		if ((d = digit_val(*s)) >= base)
			return -EINVAL;
		if (v > (lim - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int
fs_opts_go_bool(const char *s, bool *out)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true",
		"True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false",
		"False" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	uint64_t ns;
} go_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
	{ "ms", 1000000 },
	{ "s", 1000000000ull },
	{ "m", 60000000000ull },
	{ "h", 3600000000000ull },
};

/* One <number><unit> of a Go duration, added to *ns; advances *sp. */
static int
go_duration_term(const char **sp, uint64_t *ns)
{
	const char *s = *sp, *u;
	uint64_t v = 0, f = 0, scale = 1, unit = 0, add;
	bool pre = false, post = false;
	size_t i, n;

	for (; *s >= '0' && *s <= '9'; s++, pre = true) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, post = true)
			if (scale < 1000000000000000000ull) {
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
	if (!pre && !post)
		return -EINVAL;
	for (u = s; *s && *s != '.' && (*s < '0' || *s > '9'); s++)
		;
	n = (size_t)(s - u);
	for (i = 0; i < ARRAY_SIZE(go_units); i++)
		if (strlen(go_units[i].name) == n &&
		    memcmp(go_units[i].name, u, n) == 0)
			unit = go_units[i].ns;
	if (unit == 0)
		return -EINVAL;
	if (v > ((uint64_t)INT64_MAX) / unit)
		return -ERANGE;
	add = v * unit + (uint64_t)((long double)f * unit / scale);
	if (add > (uint64_t)INT64_MAX - *ns)
		return -ERANGE;
	*ns += add;
	*sp = s;
	return 0;
}

int
fs_opts_go_duration(const char *s, uint64_t *ms)
{
	uint64_t ns = 0;
	bool neg = false;
	int r;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (*s == '\0')
		return -EINVAL;
	while (*s)
		if ((r = go_duration_term(&s, &ns)) != 0)
			return r;
	*ms = neg ? 0 : ns / 1000000;
	return 0;
}

/* ---- Setting one flag ---- */

/* What Go says about a bad value, after "invalid value %q for flag -%s: ". */
static void
bad_value_reason(struct buf *b, enum ftype t, const char *v, int err)
{
	bool digits = *v && strspn(v, "0123456789") == strlen(v);

	if (t == F_DUR)
		buf_addf(b, "time: %s %s",
		    digits ? "missing unit in duration" : "invalid duration",
		    v);
	else if (t == F_SIZE)
		buf_addf(b,
		    "invalid size %s (use a number of MiB, or 512K, "
		    "64M, 1G)",
		    v);
	else
		buf_addf(b, "strconv.ParseInt: parsing \"%s\": %s", v,
		    err == -ERANGE ? "value out of range" : "invalid syntax");
}

static int
parse_size(const char *v, uint64_t *out)
{
	uint64_t n;

	if (str_to_u64(v, UINT64_MAX >> 20, &n) == 0) {
		*out = n << 20;
		return 0;
	}
	return str_parse_size(v, out);
}

static int
set_number(const struct flagdef *f, void *field, const char *v)
{
	int64_t i = 0;
	uint64_t u = 0;
	int r;

	if (f->type == F_DUR) {
		if ((r = fs_opts_go_duration(v, &u)) == 0)
			*(uint64_t *)field = u;
		return r;
	}
	if (f->type == F_SIZE) {
		if ((r = parse_size(v, &u)) == 0)
			*(uint64_t *)field = u;
		return r;
	}
	if ((r = fs_opts_go_int(v, &i)) != 0)
		return r;
	if (f->type == F_MODE)
		*(unsigned *)field = (unsigned)((uint64_t)i & 0777);
	else if (f->type == F_U32)
		*(uint32_t *)field = (uint32_t)(uint64_t)i;
	else if (f->type == F_I64)
		*(int64_t *)field = i;
	else if (i < 0 || i > 65535)
		return -ERANGE;
	else
		*(unsigned *)field = (unsigned)i;
	return 0;
}

/* Merge one -o value ("a,b=c,...") into the list: a key seen before takes
 * the new value in its old place (goofys keeps a map). */
static void
add_mount_opts(struct parser *p, const char *val)
{
	char *copy = xstrdup(val), *item, *next;
	struct buf out = BUF_INIT;
	size_t i;

	for (item = copy; item; item = next) {
		bool drop = false;

		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		for (i = 0; i < ARRAY_SIZE(dropped_opts); i++)
			if (strcmp(item, dropped_opts[i]) == 0)
				drop = true;
		if (drop || str_starts_with(item, "x-") ||
		    str_starts_with(item, "X-") ||
		    str_starts_with(item, "comment="))
			continue;
		buf_reset(&out);
		{
			size_t klen = strcspn(item, "=");
			char *s = p->opts.ptr, *hit = NULL, *end;

			/* Find "key" or "key=..." as a whole item. */
			while (s && *s) {
				end = strchr(s, ',');
				if (strncmp(s, item, klen) == 0 &&
				    (s[klen] == '=' || s[klen] == ',' ||
				        s[klen] == '\0'))
					hit = s;
				s = end ? end + 1 : NULL;
			}
			if (hit) {
				end = strchr(hit, ',');
				buf_add(&out, p->opts.ptr,
				    (size_t)(hit - p->opts.ptr));
				buf_adds(&out, item);
				if (end)
					buf_adds(&out, end);
				buf_reset(&p->opts);
				buf_add(&p->opts, out.ptr, out.len);
				continue;
			}
		}
		if (p->opts.len)
			buf_addc(&p->opts, ',');
		buf_adds(&p->opts, item);
	}
	buf_release(&out);
	free(copy);
}

static int
set_flag(
    struct parser *p, const struct flagdef *f, const char *name, const char *v)
{
	char *base = (char *)p->o;
	struct buf why = BUF_INIT;
	bool b;
	int r;

	if (f->set_off != NOSET)
		*(bool *)(base + f->set_off) = true;
	switch (f->type) {
	case F_BOOL:
		if (fs_opts_go_bool(v, &b) != 0)
			return fail(p,
			    "Incorrect Usage. invalid boolean value \"%s\" "
			    "for -%s: strconv.ParseBool: parsing \"%s\": "
			    "invalid syntax",
			    v, name, v);
		*(bool *)(base + f->off) = b;
		return 0;
	case F_STR:
		free(*(char **)(base + f->off));
		*(char **)(base + f->off) = xstrdup(v);
		return 0;
	case F_OPT:
		add_mount_opts(p, v);
		return 0;
	default:
		break;
	}
	if ((r = set_number(f, base + f->off, v)) == 0)
		return 0;
	bad_value_reason(&why, f->type, v, r);
	r = fail(p, "Incorrect Usage. invalid value \"%s\" for flag -%s: %s", v,
	    name, why.ptr);
	buf_release(&why);
	return r;
}

/*
 * Go's FlagSet.parseOne: 1 when argv[*i] was a flag (and maybe its value),
 * 0 when flags end here, -1 on an error (in p->msg).
 */
static int
parse_one(struct parser *p, int argc, char **argv, int *i)
{
	const char *s = argv[*i], *name, *eq;
	const struct flagdef *f;
	size_t n;

	if (strlen(s) < 2 || s[0] != '-')
		return 0;
	name = s + 1;
	if (s[1] == '-') {
		if (s[2] == '\0') {
			(*i)++; /* "--" ends the flags */
			return 0;
		}
		name++;
	}
	if (*name == '\0' || *name == '-' || *name == '=') {
		fail(p, "Incorrect Usage. bad flag syntax: %s", s);
		return -1;
	}
	(*i)++;
	eq = strchr(name + 1, '=');
	n = eq ? (size_t)(eq - name) : strlen(name);
	if ((f = find_flag(name, n)) == NULL) {
		fail(p, "Incorrect Usage. flag provided but not defined: -%.*s",
		    (int)n, name);
		return -1;
	}
	{
		char fname[64];
		int r;

		snprintf(fname, sizeof(fname), "%.*s", (int)n, name);
		if (f->type == F_BOOL)
			r = set_flag(p, f, fname, eq ? eq + 1 : "true");
		else if (eq)
			r = set_flag(p, f, fname, eq + 1);
		else if (*i < argc)
			r = set_flag(p, f, fname, argv[(*i)++]);
		else
			r = fail(p,
			    "Incorrect Usage. flag needs an argument: -%s",
			    fname);
		return r ? -1 : 1;
	}
}

static void
set_defaults(struct fs_mount_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dir_mode = 0755;
	o->file_mode = 0644;
	o->uid = (uint32_t)getuid();
	o->gid = (uint32_t)getgid();
	o->region = xstrdup("us-east-1");
	o->storage_class = xstrdup("STANDARD");
	o->stat_cache_ttl_ms = 60000;
	o->type_cache_ttl_ms = 60000;
	o->http_timeout_ms = 30000;
}

/* BUCKET[:PREFIX], or s3://BUCKET/PREFIX (roma's extension). */
static void
split_source(struct fs_mount_opts *o, const char *src)
{
	const char *sep;

	o->source = xstrdup(src);
	if (str_starts_with(src, "s3://")) {
		src += 5;
		sep = strchr(src, '/');
	} else {
		sep = strchr(src, ':');
	}
	o->bucket = sep ? xstrndup(src, (size_t)(sep - src)) : xstrdup(src);
	o->prefix = xstrdup(sep ? sep + 1 : "");
}

/* goofys's MassageMountFlags: PROG SOURCE MNT -o LIST from mount.fuse. */
static char **
massage(int *argc, char **argv)
{
	char **out, *list, *item, *next;
	struct buf rest = BUF_INIT;
	int n = 0;

	if (*argc != 5 || strcmp(argv[3], "-o") != 0)
		return NULL;
	list = xstrdup(argv[4]);
	out = xcalloc(strlen(argv[4]) + 8, sizeof(*out));
	out[n++] = xstrdup(argv[0]);
	for (item = list; item; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if (item[0] == '-') {
			out[n++] = xstrdup(item);
			continue;
		}
		if (rest.len)
			buf_addc(&rest, ',');
		buf_adds(&rest, item);
	}
	if (rest.len) {
		out[n++] = xstrdup("-o");
		out[n++] = buf_detach(&rest, NULL);
	}
	buf_release(&rest);
	out[n++] = xstrdup(argv[1]);
	out[n++] = xstrdup(argv[2]);
	free(list);
	*argc = n;
	return out;
}

static int
parse_argv(struct parser *p, int argc, char **argv, const char *name)
{
	struct fs_mount_opts *o = p->o;
	int i = 1, r;

	while (i < argc && (r = parse_one(p, argc, argv, &i)) != 0)
		if (r < 0)
			return FS_OPTS_USAGE;
	if (o->sse_kms_set)
		o->sse = true; /* KMS implies SSE */
	o->options = p->opts.len ? xstrdup(p->opts.ptr) : NULL;
	if (o->help || o->version)
		return 0;
	if (argc - i != 2)
		return fail(p, "Error: %s takes exactly two arguments.", name);
	split_source(o, argv[i]);
	o->mountpoint = xstrdup(argv[i + 1]);
	return 0;
}

int
fs_opts_parse(struct fs_mount_opts *o, int argc, char **argv, const char *name,
    char **msg)
{
	struct parser p = { o, BUF_INIT, msg };
	char **m;
	int r, i;

	*msg = NULL;
	set_defaults(o);
	if ((m = massage(&argc, argv)) != NULL)
		argv = m;
	r = parse_argv(&p, argc, argv, name);
	buf_release(&p.opts);
	if (m) {
		for (i = 0; i < argc; i++)
			free(m[i]);
		free(m);
	}
	return r;
}

void
fs_opts_release(struct fs_mount_opts *o)
{
	char **strs[] = { &o->source, &o->bucket, &o->prefix, &o->mountpoint,
		&o->options, &o->cache, &o->endpoint, &o->region,
		&o->storage_class, &o->profile, &o->sse_kms, &o->sse_c, &o->acl,
		&o->pid_file, &o->cred_filename, &o->staging_dir, &o->ca_bundle,
		&o->log_file, &o->sse_c_file };
	size_t i;

	if (o->sse_c) /* a key: no copy left in freed memory */
		explicit_bzero(o->sse_c, strlen(o->sse_c));
	for (i = 0; i < ARRAY_SIZE(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

/* Whether the -o list already has `key` (alone or with a value). */
static bool
has_opt(const char *list, const char *key)
{
	size_t k = strlen(key);
	const char *s = list;

	while (s && *s) {
		if (strncmp(s, key, k) == 0 &&
		    (s[k] == '=' || s[k] == ',' || s[k] == '\0'))
			return true;
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
	return false;
}

char *
fs_opts_mount_options(const struct fs_mount_opts *o)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (o->options)
		buf_adds(&b, o->options);
	if (!has_opt(o->options, "fsname") && o->source) {
		buf_adds(&b, b.len ? ",fsname=" : "fsname=");
		for (s = o->source; *s; s++) {
			if (*s == ',' || *s == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *s);
		}
	}
	if (!has_opt(o->options, "subtype"))
		buf_adds(&b, b.len ? ",subtype=goofys" : "subtype=goofys");
	return buf_detach(&b, NULL);
}
