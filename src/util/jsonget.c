#include "roma.h"
#include "util/jsonget.h"
#include "util/json.h"

#include <cJSON.h>

struct json *
jsonget_parse(const char *text, size_t n)
{
	json_setup();
	return (struct json *)cJSON_ParseWithLength(text, n);
}

/* Case-sensitive, as the services spell their members exactly. */
static const cJSON *
member(const struct json *j, const char *key)
{
	if (j == NULL || !cJSON_IsObject((const cJSON *)j))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive((const cJSON *)j, key);
}

const struct json *
jsonget_obj(const struct json *j, const char *key)
{
	const cJSON *m = member(j, key);

	return cJSON_IsObject(m) ? (const struct json *)m : NULL;
}

const char *
jsonget_str(const struct json *j, const char *key)
{
	const cJSON *m = member(j, key);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

bool
jsonget_num(const struct json *j, const char *key, double *out)
{
	const cJSON *m = member(j, key);

	if (!cJSON_IsNumber(m))
		return false;
	*out = m->valuedouble;
	return true;
}
