/*
 * profile - the AWS shared files for one profile, as the AWS CLI finds
 * them: the name from the caller's --profile, else AWS_PROFILE, else
 * "default"; the credentials file from AWS_SHARED_CREDENTIALS_FILE, else
 * ~/.aws/credentials; the config file from AWS_CONFIG_FILE, else
 * ~/.aws/config.  Absent files are normal.  A credentials file that group
 * or others may read draws one warning per process.
 */
#ifndef S3_PROFILE_H
#define S3_PROFILE_H

#include "roma.h"

#include <stdbool.h>
#include <sys/types.h>

struct rerr;
struct ini;

struct profile {
	char *name;
	const char *name_from; /* "--profile", "AWS_PROFILE" or "default" */
	char *creds_path;      /* after ~ expansion */
	char *config_path;
	struct ini *creds;  /* NULL when the file is absent */
	struct ini *config; /* NULL when the file is absent */
};

#define PROFILE_INIT                               \
	{                                          \
		NULL, NULL, NULL, NULL, NULL, NULL \
	}

/*
 * Find and read both files for the profile `flag` (NULL: not given).
 * Returns 0, or -errno with `e` naming the file that could not be read.
 * Release `p` even on error.
 */
int profile_load(const char *flag, struct profile *p, struct rerr *e);
void profile_release(struct profile *p);
/* Whether the profile appears in either file. */
bool profile_exists(const struct profile *p);
/* `key` of the profile in the config file ("[profile NAME]", or
 * "[default]" for the default profile), or NULL. */
const char *profile_config(const struct profile *p, const char *key);
/* Sub-property `key`.`sub` of the profile in the config file, or NULL. */
const char *profile_config_sub(
    const struct profile *p, const char *key, const char *sub);
/* `key` of the profile in the credentials file, or NULL. */
const char *profile_cred(const struct profile *p, const char *key);
/* `key` for `service` in the profile's "services" section, or NULL. */
const char *profile_service(
    const struct profile *p, const char *service, const char *key);
/* Expand a leading "~/" with $HOME (else the password entry): malloc'd. */
char *profile_expand_home(const char *path);

#endif
