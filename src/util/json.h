/*
 * json - JSON over cJSON: building, parsing untrusted replies (credential
 * helpers, STS, instance metadata, the E2B API), and printing compact, as
 * Python's json.dumps does (ROMA's toolkit prints its replies that way), or
 * indented.  The only module that includes cJSON; the rest of roma sees
 * `struct json` values.  Builders never fail (allocation failure aborts,
 * see xmem.h); getters never trust a shape: they return NULL or false on a
 * mismatch.
 */
#ifndef UTIL_JSON_H
#define UTIL_JSON_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;

void json_setup(void);
const char *json_version(void);
void json_free(struct json *j);

/* Parsing: `n` bytes; NULL when not valid JSON.  Free with json_free. */
struct json *json_parse(const char *text, size_t n);

/* Reading members of an object (NULL, false: absent or another type). */
const struct json *json_get(const struct json *obj, const char *key);
const struct json *json_get_obj(const struct json *obj, const char *key);
const char *json_get_str(const struct json *obj, const char *key);
bool json_get_num(const struct json *obj, const char *key, double *out);
bool json_get_bool(const struct json *obj, const char *key, bool *out);
/* A whole number, or a string of an optional '-' and digits (proto3
 * int64).  True and *out when it is one. */
bool json_get_int(const struct json *obj, const char *key, int64_t *out);

/* Reading any value. */
bool json_is_obj(const struct json *j);
bool json_is_arr(const struct json *j);
bool json_is_str(const struct json *j);
bool json_is_null(const struct json *j);
/* The string value of `j` itself, or NULL. */
const char *json_str(const struct json *j);
/* Arrays and objects: the element count; element i (NULL past the end). */
size_t json_len(const struct json *j);
const struct json *json_at(const struct json *j, size_t i);
/* The key of an element reached through json_at on an object. */
const char *json_key(const struct json *member);

/* Building.  json_add and json_push take ownership of `item`; a NULL
 * `val` of json_add_str adds null. */
struct json *json_new_object(void);
struct json *json_new_array(void);
struct json *json_new_str(const char *s); /* NULL: null */
struct json *json_new_null(void);
struct json *json_dup(const struct json *j);
void json_add(struct json *obj, const char *key, struct json *item);
void json_add_str(struct json *obj, const char *key, const char *val);
void json_add_num(struct json *obj, const char *key, double val);
void json_add_int(struct json *obj, const char *key, int64_t v);
void json_add_bool(struct json *obj, const char *key, bool val);
struct json *json_add_object(struct json *obj, const char *key);
struct json *json_add_array(struct json *obj, const char *key);
/* Member `key` holding `text` verbatim, which must be valid JSON. */
void json_add_raw(struct json *obj, const char *key, const char *text);
void json_push(struct json *arr, struct json *item);
void json_push_str(struct json *arr, const char *s);
/* Remove member `key` of `obj` if present. */
void json_del(struct json *obj, const char *key);

/* Printing, appended to `out`: compact (no newline); like json.dumps(j)
 * in Python (", " and ": " separators, non-ASCII as \uXXXX, whole numbers
 * without a fraction); indented for people, a tab per level. */
int json_print(const struct json *j, struct buf *out);
int json_print_py(const struct json *j, struct buf *out);
int json_print_pretty(const struct json *j, struct buf *out);

#endif
