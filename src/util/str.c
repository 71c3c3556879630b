#include "roma.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

char *
str_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool
str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
str_istarts_with(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Leading digits of `*s` into `*v`, advancing `*s`; -EINVAL if none. */
static int
digits(const char **s, uint64_t max, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0, d;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		d = (uint64_t)(*p - '0');
		if (n > (max - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*s = p;
	*v = n;
	return 0;
}

int
str_to_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int r;

	if ((r = digits(&s, max, &v)) != 0)
		return r;
	if (*s != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int
mul_add(uint64_t *acc, uint64_t v, uint64_t unit)
{
	if (v > UINT64_MAX / unit || v * unit > UINT64_MAX - *acc)
		return -ERANGE;
	*acc += v * unit;
	return 0;
}

static uint64_t
duration_unit(const char **s)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} units[] = {
		/* "ms" before "m" so the longer name wins. */
		{ "ms", 1 },
		{ "s", 1000 },
		{ "m", 60 * 1000 },
		{ "h", 60 * 60 * 1000 },
		{ "d", 24 * 60 * 60 * 1000 },
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		n = strlen(units[i].name);
		if (strncmp(*s, units[i].name, n) == 0) {
			*s += n;
			return units[i].ms;
		}
	}
	return 0;
}

int
str_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t acc = 0, v, unit;
	bool first = true;
	int r;

	do {
		if ((r = digits(&s, UINT64_MAX, &v)) != 0)
			return r;
		if (first && *s == '\0')
			unit = 1000; /* a bare number is seconds */
		else if ((unit = duration_unit(&s)) == 0)
			return -EINVAL;
		if ((r = mul_add(&acc, v, unit)) != 0)
			return r;
		first = false;
	} while (*s != '\0');
	*ms = acc;
	return 0;
}

int
str_parse_size(const char *s, uint64_t *bytes)
{
	static const char suffixes[] = "KMGT";
	const char *p;
	uint64_t v, unit = 1, acc = 0;
	int r;

	if ((r = digits(&s, UINT64_MAX, &v)) != 0)
		return r;
	if (*s && (p = strchr(suffixes, toupper((unsigned char)*s))) != NULL) {
		unit = (uint64_t)1 << (10 * (p - suffixes + 1));
		s++;
		if (str_ieq(s, "iB"))
			s += 2;
	}
	if (*s == 'B' || *s == 'b')
		s++;
	if (*s != '\0')
		return -EINVAL;
	if ((r = mul_add(&acc, v, unit)) != 0)
		return r;
	*bytes = acc;
	return 0;
}

bool
str_printable(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}
