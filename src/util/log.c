#include "roma.h"
#include "util/log.h"
#include "util/buf.h"
#include "util/xmem.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REDACTED    "<redacted>"
#define MAX_SECRETS 32
#define MIN_SECRET  4

/* Set at start-up, before threads; read without a lock afterwards. */
static enum log_level cur_level = LOG_LEVEL_WARN;
static unsigned cur_cats = LOG_ALL;
static void (*redact_hook)(struct buf *);
static void (*sink_fn)(const char *, void *);
static void *sink_arg;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[MAX_SECRETS];
static size_t nsecrets;

static const char *const level_names[] = {
	"error",
	"warning",
	"info",
	"debug",
	"trace",
};

static const struct {
	const char *name;
	unsigned bit;
} cat_names[] = {
	{ "core", LOG_CORE },
	{ "http", LOG_HTTP },
	{ "s3", LOG_S3 },
	{ "fuse", LOG_FUSE },
	{ "e2b", LOG_E2B },
	{ "creds", LOG_CREDS },
	{ "all", LOG_ALL },
};

enum { R_QUERY = 1, R_HEADER = 2, R_AUTH = 4 };

static const struct {
	const char *name;
	unsigned kind;
} rules[] = {
	{ "X-Amz-Signature", R_QUERY | R_HEADER },
	{ "Signature", R_QUERY },
	{ "X-Amz-Security-Token", R_QUERY | R_HEADER },
	{ "X-API-Key", R_QUERY | R_HEADER },
	{ "X-Access-Token", R_QUERY | R_HEADER },
	{ "Authorization", R_HEADER | R_AUTH },
};

void
log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

void
log_enable(unsigned cats)
{
	cur_cats = cats & LOG_ALL;
}

enum log_level
log_get_level(void)
{
	return cur_level;
}

bool
log_on(enum log_level lvl, unsigned cats)
{
	if (lvl > cur_level)
		return false;
	return lvl <= LOG_LEVEL_WARN || (cats & cur_cats) != 0;
}

static int
parse_level(const char *s, size_t n, enum log_level *lvl)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strlen(level_names[i]) == n &&
		    strncasecmp(s, level_names[i], n) == 0) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	if (n == 4 && strncasecmp(s, "warn", 4) == 0) {
		*lvl = LOG_LEVEL_WARN;
		return 0;
	}
	return -EINVAL;
}

static int
parse_cats(const char *s, unsigned *cats)
{
	size_t i, n;

	*cats = 0;
	while (*s) {
		n = strcspn(s, ",");
		for (i = 0; i < ARRAY_SIZE(cat_names); i++)
			if (strlen(cat_names[i].name) == n &&
			    strncasecmp(s, cat_names[i].name, n) == 0)
				break;
		if (i == ARRAY_SIZE(cat_names))
			return -EINVAL;
		*cats |= cat_names[i].bit;
		s += n;
		if (*s == ',')
			s++;
	}
	return *cats ? 0 : -EINVAL;
}

int
log_configure(const char *spec)
{
	enum log_level lvl;
	unsigned cats = LOG_ALL;
	const char *colon;
	int r;

	colon = strchr(spec, ':');
	r = parse_level(
	    spec, colon ? (size_t)(colon - spec) : strlen(spec), &lvl);
	if (r == 0 && colon)
		r = parse_cats(colon + 1, &cats);
	if (r != 0)
		return r;
	cur_level = lvl;
	cur_cats = cats;
	return 0;
}

void
log_init_env(void)
{
	const char *s = getenv("ROMA_LOG");

	if (s && *s && log_configure(s) != 0)
		log_warn(LOG_CORE,
		    "ignoring ROMA_LOG=%s: expected LEVEL[:CAT,...] with "
		    "LEVEL error|warn|info|debug|trace and CAT "
		    "core|http|s3|fuse|e2b|creds|all",
		    s);
}

static const char *
cat_name(unsigned cat)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cat_names); i++)
		if (cat & cat_names[i].bit)
			return cat_names[i].name;
	return "core";
}

static void
emit(struct buf *line)
{
	pthread_mutex_lock(&lock);
	if (sink_fn) {
		sink_fn(line->ptr, sink_arg);
	} else {
		buf_addc(line, '\n');
		fwrite(line->ptr, 1, line->len, stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&lock);
}

void
log_vmsg(enum log_level lvl, unsigned cat, const char *fmt, va_list ap)
{
	struct buf line = BUF_INIT;

	if (!log_on(lvl, cat))
		return;
	buf_adds(&line, "roma: ");
	buf_adds(&line, level_names[lvl]);
	if (lvl >= LOG_LEVEL_DEBUG)
		buf_addf(&line, "(%s)", cat_name(cat));
	buf_adds(&line, ": ");
	buf_vaddf(&line, fmt, ap);
	while (line.len && line.ptr[line.len - 1] == '\n')
		buf_truncate(&line, line.len - 1);
	log_redact(&line);
	emit(&line);
	buf_release(&line);
}

void
log_msg(enum log_level lvl, unsigned cat, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, cat, fmt, ap);
	va_end(ap);
}

/* Move `out` into `line`, keeping the caller's cap; `out` is left empty. */
static void
swap_in(struct buf *line, struct buf *out)
{
	size_t max = line->max;

	buf_release(line);
	*line = *out;
	line->max = max;
	buf_init(out, 0);
}

static void
redact_secrets(struct buf *line)
{
	struct buf out = BUF_INIT;
	const char *p, *hit, *best;
	size_t i, blen = 0;

	pthread_mutex_lock(&lock);
	if (nsecrets == 0)
		goto out;
	for (p = line->ptr;;) {
		/* Earliest, then longest, so one secret inside another is
		 * whole. */
		for (best = NULL, i = 0; i < nsecrets; i++) {
			hit = strstr(p, secrets[i]);
			if (hit &&
			    (!best || hit < best ||
			        (hit == best && strlen(secrets[i]) > blen))) {
				best = hit;
				blen = strlen(secrets[i]);
			}
		}
		if (!best)
			break;
		buf_add(&out, p, (size_t)(best - p));
		buf_adds(&out, REDACTED);
		p = best + blen;
	}
	buf_adds(&out, p);
	swap_in(line, &out);
out:
	pthread_mutex_unlock(&lock);
	buf_release(&out);
}

static bool
is_word(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Length of a query value: up to a delimiter of the text around it. */
static size_t
query_value_len(const char *v)
{
	return strcspn(v, "&# \t\r\n\"'<>,;()");
}

/* Authorization: another scheme keeps its name, the credentials go. */
static size_t
scheme_len(const char *v, size_t vlen)
{
	size_t n;

	n = strcspn(v, " \t");
	if (n >= vlen)
		return 0;
	return n + strspn(v + n, " \t");
}

static bool
is_redacted(const char *v, size_t n)
{
	return n == strlen(REDACTED) && memcmp(v, REDACTED, n) == 0;
}

/* At `p`, a rule's name and separator; returns how much of the input was
 * consumed (0: no rule applies here). */
static size_t
redact_at(const char *start, const char *p, struct buf *out)
{
	size_t i, n, keep, vlen;
	const char *v;

	if (p > start && is_word(p[-1]))
		return 0;
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		n = strlen(rules[i].name);
		if (strncasecmp(p, rules[i].name, n) != 0)
			continue;
		if ((rules[i].kind & R_QUERY) && p[n] == '=') {
			v = p + n + 1;
			vlen = query_value_len(v);
		} else if ((rules[i].kind & R_HEADER) && p[n] == ':') {
			v = p + n + 1;
			v += strspn(v, " \t");
			vlen = strcspn(v, "\r\n");
		} else {
			continue;
		}
		/* AWS4 keeps algorithm and Credential: scan on for Signature.
		 */
		if ((rules[i].kind & R_AUTH) &&
		    strncasecmp(v, "AWS4-", 5) == 0) {
			buf_add(out, p, (size_t)(v - p));
			return (size_t)(v - p);
		}
		keep = rules[i].kind & R_AUTH ? scheme_len(v, vlen) : 0;
		buf_add(out, p, (size_t)(v - p) + keep);
		if (vlen > keep && !is_redacted(v + keep, vlen - keep))
			buf_adds(out, REDACTED);
		else
			buf_add(out, v + keep, vlen - keep);
		return (size_t)(v - p) + vlen;
	}
	return 0;
}

static void
redact_rules(struct buf *line)
{
	struct buf out = BUF_INIT;
	const char *p = line->ptr;
	size_t used;

	while (*p) {
		if ((used = redact_at(line->ptr, p, &out)) != 0) {
			p += used;
			continue;
		}
		buf_addc(&out, *p++);
	}
	swap_in(line, &out);
}

void
log_redact(struct buf *line)
{
	void (*hook)(struct buf *) = redact_hook;

	redact_secrets(line);
	redact_rules(line);
	if (hook)
		hook(line);
}

void
log_set_redact_hook(void (*fn)(struct buf *line))
{
	redact_hook = fn;
}

void
log_add_secret(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) < MIN_SECRET)
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], s) == 0)
			goto out;
	/* Full: the oldest goes; the newest credentials matter most. */
	if (nsecrets == MAX_SECRETS) {
		explicit_bzero(secrets[0], strlen(secrets[0]));
		free(secrets[0]);
		memmove(secrets, secrets + 1, sizeof(secrets[0]) * --nsecrets);
	}
	secrets[nsecrets++] = xstrdup(s);
out:
	pthread_mutex_unlock(&lock);
}

void
log_clear_secrets(void)
{
	pthread_mutex_lock(&lock);
	while (nsecrets > 0) {
		nsecrets--;
		explicit_bzero(secrets[nsecrets], strlen(secrets[nsecrets]));
		free(secrets[nsecrets]);
		secrets[nsecrets] = NULL;
	}
	pthread_mutex_unlock(&lock);
}

void
log_set_sink(void (*fn)(const char *line, void *arg), void *arg)
{
	pthread_mutex_lock(&lock);
	sink_fn = fn;
	sink_arg = arg;
	pthread_mutex_unlock(&lock);
}
