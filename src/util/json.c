#include "roma.h"
#include "util/json.h"
#include "util/xmem.h"

#include <errno.h>
#include <stdlib.h>

#include <cJSON.h>

/* struct json is cJSON itself, kept opaque to the rest of roma. */
#define C(j)  ((cJSON *)(j))
#define CC(j) ((const cJSON *)(j))

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

int
json_print(const struct json *j, struct buf *out)
{
	char *s = cJSON_PrintUnformatted(CC(j));
	int r;

	if (s == NULL)
		return -ENOMEM;
	r = buf_adds(out, s);
	free(s);
	return r;
}

const char *
json_version(void)
{
	return cJSON_Version();
}
