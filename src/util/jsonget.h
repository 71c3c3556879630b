/*
 * jsonget - reading untrusted JSON replies (credential helpers, STS,
 * container and instance metadata) into `struct json` values, and typed
 * getters that return NULL or false rather than trusting a shape.  Lives
 * in util/ because only util/ may include cJSON.
 */
#ifndef UTIL_JSONGET_H
#define UTIL_JSONGET_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>

struct json;

/* Parse `n` bytes; NULL when not valid JSON.  Free with json_free. */
struct json *jsonget_parse(const char *text, size_t n);
/* The member `key` of object `j` if it is an object, else NULL. */
const struct json *jsonget_obj(const struct json *j, const char *key);
/* The member `key` of object `j` if it is a string, else NULL. */
const char *jsonget_str(const struct json *j, const char *key);
/* The member `key` of object `j` if it is a number: true and `*out`. */
bool jsonget_num(const struct json *j, const char *key, double *out);

#endif
