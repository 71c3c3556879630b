/*
 * jsondoc - the rest of JSON that the E2B client needs beyond json.h and
 * jsonget.h: any-typed members, arrays, object iteration, booleans,
 * proto3 int64 (a number or a decimal string), trees built from parts,
 * and printing as Python's json.dumps does (ROMA's toolkit prints its
 * replies that way).  Lives in util/ because only util/ includes cJSON.
 * Getters never trust a shape: they return NULL/false on a mismatch.
 */
#ifndef UTIL_JSONDOC_H
#define UTIL_JSONDOC_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct json;

/* Reading. */
const struct json *jsondoc_get(const struct json *obj, const char *key);
bool jsondoc_is_obj(const struct json *j);
bool jsondoc_is_arr(const struct json *j);
bool jsondoc_is_str(const struct json *j);
bool jsondoc_is_null(const struct json *j);
/* The string value of `j` itself, or NULL. */
const char *jsondoc_str(const struct json *j);
/* Member `key` as a boolean: true and *out when it is one. */
bool jsondoc_bool(const struct json *obj, const char *key, bool *out);
/* Member `key` as an integer: a whole number, or a string of an optional
 * '-' and digits (proto3 int64).  True and *out when it is one. */
bool jsondoc_int(const struct json *obj, const char *key, int64_t *out);
/* Arrays and objects: the element count; element i (NULL past the end). */
size_t jsondoc_len(const struct json *j);
const struct json *jsondoc_at(const struct json *j, size_t i);
/* The key of an element reached through jsondoc_at on an object. */
const char *jsondoc_key(const struct json *member);

/* Building.  Adders take ownership of `item`. */
struct json *jsondoc_new_array(void);
struct json *jsondoc_new_str(const char *s); /* NULL: null */
struct json *jsondoc_new_null(void);
struct json *jsondoc_dup(const struct json *j);
struct json *jsondoc_add_array(struct json *obj, const char *key);
void jsondoc_add(struct json *obj, const char *key, struct json *item);
void jsondoc_add_int(struct json *obj, const char *key, int64_t v);
/* Member `key` holding `text` verbatim, which must be valid JSON. */
void jsondoc_add_raw(struct json *obj, const char *key, const char *text);
void jsondoc_push(struct json *arr, struct json *item);
void jsondoc_push_str(struct json *arr, const char *s);
/* Remove member `key` of `obj` if present. */
void jsondoc_del(struct json *obj, const char *key);

/* Printing: like json.dumps(j) in Python (", " and ": " separators,
 * non-ASCII as \uXXXX, whole numbers without a fraction). */
int jsondoc_print_py(const struct json *j, struct buf *out);
/* Indented for people, tab per level. */
int jsondoc_print_pretty(const struct json *j, struct buf *out);

#endif
