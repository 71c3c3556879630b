/*
 * json - building and reading JSON over cJSON.  The only module that
 * includes cJSON; the rest of roma sees `struct json` values.  Builders
 * never fail (allocation failure aborts, see xmem.h).
 */
#ifndef UTIL_JSON_H
#define UTIL_JSON_H

#include "util/buf.h"

#include <stdbool.h>

struct json;

void json_setup(void);
struct json *json_new_object(void);
void json_free(struct json *j);
/* Each adder returns `obj`'s new member; a NULL `val` adds null. */
void json_add_str(struct json *obj, const char *key, const char *val);
void json_add_num(struct json *obj, const char *key, double val);
void json_add_bool(struct json *obj, const char *key, bool val);
struct json *json_add_object(struct json *obj, const char *key);
/* Append compact JSON text (no newline) to `out`. */
int json_print(const struct json *j, struct buf *out);
const char *json_version(void);

#endif
