/*
 * fuzz_ini - hostile AWS shared config and credentials files through the
 * parser and every kind of lookup, plus the small text parsers that read
 * what those files and credential sources hold (Expiration, region
 * hints).  Must never crash, leak or trip a sanitizer.
 */
#include "roma.h"
#include "s3/creds.h"
#include "s3/endpoint.h"
#include "util/ini.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookups(const struct ini *ini)
{
	static const char *const sects[] = { "default", "profile default",
		"profile dev", "services s3only", "dev", "" };
	static const char *const keys[] = { "aws_access_key_id",
		"aws_secret_access_key", "region", "s3", "services", "" };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sects); i++) {
		(void)ini_has_section(ini, sects[i]);
		for (j = 0; j < ARRAY_SIZE(keys); j++) {
			(void)ini_get(ini, sects[i], keys[j]);
			(void)ini_get_sub(
			    ini, sects[i], keys[j], "addressing_style");
			(void)ini_get_sub(
			    ini, sects[i], keys[j], "endpoint_url");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini *ini = ini_parse((const char *)data, size);
	char *s = malloc(size + 1), region[64];
	time_t t;

	lookups(ini);
	ini_free(ini);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)creds_parse_expiration(s, &t);
	(void)endpoint_region_hint(
	    size & 1 ? s : NULL, s, size, region, sizeof(region));
	free(s);
	return 0;
}
