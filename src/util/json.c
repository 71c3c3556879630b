#include "roma.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* struct json is cJSON itself, kept opaque to the rest of roma. */
#define C(j)  ((cJSON *)(j))
#define CC(j) ((const cJSON *)(j))
#define J(c)  ((struct json *)(c))

void
json_setup(void)
{
	cJSON_Hooks hooks = { xmalloc, free };

	cJSON_InitHooks(&hooks);
}

struct json *
json_new_object(void)
{
	json_setup();
	return (struct json *)cJSON_CreateObject();
}

void
json_free(struct json *j)
{
	cJSON_Delete(C(j));
}

void
json_add_str(struct json *obj, const char *key, const char *val)
{
	if (val)
		cJSON_AddStringToObject(C(obj), key, val);
	else
		cJSON_AddNullToObject(C(obj), key);
}

void
json_add_num(struct json *obj, const char *key, double val)
{
	cJSON_AddNumberToObject(C(obj), key, val);
}

void
json_add_bool(struct json *obj, const char *key, bool val)
{
	cJSON_AddBoolToObject(C(obj), key, val);
}

struct json *
json_add_object(struct json *obj, const char *key)
{
	return (struct json *)cJSON_AddObjectToObject(C(obj), key);
}

/* cJSON's text `s` (NULL: out of memory) appended to `out`, then freed. */
static int
print_take(char *s, struct buf *out)
{
	int r;

	if (s == NULL)
		return -ENOMEM;
	r = buf_adds(out, s);
	free(s);
	return r;
}

int
json_print(const struct json *j, struct buf *out)
{
	return print_take(cJSON_PrintUnformatted(CC(j)), out);
}

const char *
json_version(void)
{
	return cJSON_Version();
}

struct json *
json_parse(const char *text, size_t n)
{
	json_setup();
	return (struct json *)cJSON_ParseWithLength(text, n);
}

/* Member `key` of object `obj`: case-sensitive, as the services spell
 * their members exactly. */
const struct json *
json_get(const struct json *obj, const char *key)
{
	if (obj == NULL || !cJSON_IsObject(CC(obj)))
		return NULL;
	return (const struct json *)cJSON_GetObjectItemCaseSensitive(
	    CC(obj), key);
}

const struct json *
json_get_obj(const struct json *j, const char *key)
{
	const cJSON *m = CC(json_get(j, key));

	return cJSON_IsObject(m) ? (const struct json *)m : NULL;
}

const char *
json_get_str(const struct json *j, const char *key)
{
	const cJSON *m = CC(json_get(j, key));

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

bool
json_get_num(const struct json *j, const char *key, double *out)
{
	const cJSON *m = CC(json_get(j, key));

	if (!cJSON_IsNumber(m))
		return false;
	*out = m->valuedouble;
	return true;
}

bool
json_is_obj(const struct json *j)
{
	return j && cJSON_IsObject(CC(j));
}

bool
json_is_arr(const struct json *j)
{
	return j && cJSON_IsArray(CC(j));
}

bool
json_is_str(const struct json *j)
{
	return j && cJSON_IsString(CC(j));
}

bool
json_is_null(const struct json *j)
{
	return j && cJSON_IsNull(CC(j));
}

const char *
json_str(const struct json *j)
{
	return json_is_str(j) ? CC(j)->valuestring : NULL;
}

bool
json_get_bool(const struct json *obj, const char *key, bool *out)
{
	const cJSON *m = CC(json_get(obj, key));

	if (!cJSON_IsBool(m))
		return false;
	*out = cJSON_IsTrue(m);
	return true;
}

/* Whether `d` is a whole number that fits an int64. */
static bool
whole(double d)
{
	return d > -9.2e18 && d < 9.2e18 && (double)(int64_t)d == d;
}

static bool
int_text(const char *s, int64_t *out)
{
	const char *p = s + (*s == '-');
	char *end;
	long long v;

	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool
json_get_int(const struct json *obj, const char *key, int64_t *out)
{
	const cJSON *m = CC(json_get(obj, key));
	double d;

	if (cJSON_IsString(m))
		return int_text(m->valuestring, out);
	if (!cJSON_IsNumber(m))
		return false;
	d = m->valuedouble;
	if (!whole(d))
		return false;
	*out = (int64_t)d;
	return true;
}

size_t
json_len(const struct json *j)
{
	if (j == NULL || !(cJSON_IsArray(CC(j)) || cJSON_IsObject(CC(j))))
		return 0;
	return (size_t)cJSON_GetArraySize(CC(j));
}

const struct json *
json_at(const struct json *j, size_t i)
{
	const cJSON *c;

	if (j == NULL || !(cJSON_IsArray(CC(j)) || cJSON_IsObject(CC(j))))
		return NULL;
	for (c = CC(j)->child; c && i > 0; c = c->next)
		i--;
	return (const struct json *)c;
}

const char *
json_key(const struct json *member)
{
	return member ? CC(member)->string : NULL;
}

struct json *
json_new_array(void)
{
	json_setup();
	return J(cJSON_CreateArray());
}

struct json *
json_new_str(const char *s)
{
	json_setup();
	return s ? J(cJSON_CreateString(s)) : J(cJSON_CreateNull());
}

struct json *
json_new_null(void)
{
	json_setup();
	return J(cJSON_CreateNull());
}

struct json *
json_dup(const struct json *j)
{
	json_setup();
	return j ? J(cJSON_Duplicate(CC(j), 1)) : NULL;
}

struct json *
json_add_array(struct json *obj, const char *key)
{
	return J(cJSON_AddArrayToObject(C(obj), key));
}

void
json_add(struct json *obj, const char *key, struct json *item)
{
	if (!cJSON_AddItemToObject(C(obj), key, C(item)))
		cJSON_Delete(C(item));
}

void
json_add_int(struct json *obj, const char *key, int64_t v)
{
	cJSON_AddNumberToObject(C(obj), key, (double)v);
}

void
json_add_raw(struct json *obj, const char *key, const char *text)
{
	cJSON_AddRawToObject(C(obj), key, text);
}

void
json_push(struct json *arr, struct json *item)
{
	if (!cJSON_AddItemToArray(C(arr), C(item)))
		cJSON_Delete(C(item));
}

void
json_push_str(struct json *arr, const char *s)
{
	json_push(arr, json_new_str(s));
}

void
json_del(struct json *obj, const char *key)
{
	if (obj && cJSON_IsObject(C(obj)))
		cJSON_DeleteItemFromObjectCaseSensitive(C(obj), key);
}

/* Decode one UTF-8 sequence at `s` (n bytes left); U+FFFD when bad. */
static unsigned
utf8_next(const unsigned char *s, size_t n, size_t *used)
{
	unsigned c = s[0], need, v, min, i;

	*used = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, v = c & 0x07, min = 0x10000;
	else
		return 0xfffd;
	if (n <= need)
		return 0xfffd;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0xfffd;
	*used = need + 1;
	return v;
}

static int
py_string(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used;
	unsigned c;
	int r = buf_addc(out, '"');

	while (r == 0 && n > 0) {
		c = utf8_next(p, n, &used);
		p += used;
		n -= used;
		if (c == '"' || c == '\\')
			r = buf_addf(out, "\\%c", (char)c);
		else if (c == '\n')
			r = buf_adds(out, "\\n");
		else if (c == '\r')
			r = buf_adds(out, "\\r");
		else if (c == '\t')
			r = buf_adds(out, "\\t");
		else if (c == '\b')
			r = buf_adds(out, "\\b");
		else if (c == '\f')
			r = buf_adds(out, "\\f");
		else if (c >= 0x20 && c < 0x7f)
			r = buf_addc(out, (char)c);
		else if (c < 0x10000)
			r = buf_addf(out, "\\u%04x", c);
		else
			r = buf_addf(out, "\\u%04x\\u%04x",
			    0xd800 + ((c - 0x10000) >> 10),
			    0xdc00 + ((c - 0x10000) & 0x3ff));
	}
	return r ? r : buf_addc(out, '"');
}

/* Whole numbers as integers, others in the shortest form that reads
 * back exactly (Python's float repr). */
static int
py_number(double d, struct buf *out)
{
	char tmp[40];
	int prec;

	if (whole(d) && d > -1e16 && d < 1e16)
		return buf_addf(out, "%.0f", d);
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	return buf_adds(out, tmp);
}

static int
py_value(const cJSON *c, struct buf *out)
{
	const cJSON *m;
	int r = 0;

	if (cJSON_IsNull(c) || c == NULL)
		return buf_adds(out, "null");
	if (cJSON_IsBool(c))
		return buf_adds(out, cJSON_IsTrue(c) ? "true" : "false");
	if (cJSON_IsNumber(c))
		return py_number(c->valuedouble, out);
	if (cJSON_IsString(c))
		return py_string(c->valuestring, out);
	if (cJSON_IsRaw(c))
		return buf_adds(out, c->valuestring);
	r = buf_addc(out, cJSON_IsArray(c) ? '[' : '{');
	for (m = c->child; r == 0 && m; m = m->next) {
		if (m != c->child)
			r = buf_adds(out, ", ");
		if (r == 0 && cJSON_IsObject(c)) {
			r = py_string(m->string ? m->string : "", out);
			if (r == 0)
				r = buf_adds(out, ": ");
		}
		if (r == 0)
			r = py_value(m, out);
	}
	return r ? r : buf_addc(out, cJSON_IsArray(c) ? ']' : '}');
}

int
json_print_py(const struct json *j, struct buf *out)
{
	return py_value(CC(j), out);
}

int
json_print_pretty(const struct json *j, struct buf *out)
{
	return print_take(cJSON_Print(CC(j)), out);
}
