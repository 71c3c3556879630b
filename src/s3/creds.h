/*
 * creds - the AWS credential chain, in the AWS CLI's order:
 *
 *   env                      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *                            AWS_SESSION_TOKEN (skipped under --profile,
 *                            as the CLI does)
 *   web-identity             AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or
 *                            the profile's web_identity_token_file and
 *                            role_arn, through STS AssumeRoleWithWebIdentity
 *   shared-credentials-file  the profile's keys in ~/.aws/credentials
 *   credential_process       the profile's helper, run by /bin/sh -c
 *   config-file              the profile's keys in ~/.aws/config
 *   container                AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 * _FULL_URI imds                     EC2 instance metadata, IMDSv2 token first
 *
 * A source that is not configured passes to the next; one that is
 * configured but fails stops the chain with its error, so a broken helper
 * is never hidden behind an instance role.  Secrets are registered with
 * the logger the moment they are read, never appear in messages, and are
 * wiped when released.  Nothing found is -ENOKEY with a message saying
 * what was tried and how to fix it.
 */
#ifndef S3_CREDS_H
#define S3_CREDS_H

#include "roma.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct rerr;
struct tls_ca;
struct profile;
struct sigv4_creds;

#define CREDS_REFRESH_MARGIN 300 /* s before Expiration to fetch anew */

struct creds {
	char *access_key;    /* NULL when anonymous */
	char *secret_key;    /* NULL when anonymous */
	char *session_token; /* NULL when none */
	time_t expires;      /* 0: does not expire */
	char source[128];    /* "env", "shared-credentials-file (profile
	                        dev)", ...: never a secret */
	bool anonymous;      /* unsigned requests (--no-sign-request) */
};

struct creds_opts {
	const char *profile;     /* --profile, or NULL */
	bool anonymous;          /* --no-sign-request: no lookup at all */
	const struct tls_ca *ca; /* trust for STS; NULL: tls_ca_find(NULL) */
	const char *region;      /* --region, for a regional STS endpoint */
};

/* Walk the chain.  Returns 0 with `out` filled, -ENOKEY when no source
 * has credentials, or a source's -errno; `e` says why.  `out` is
 * released first. */
int creds_resolve(
    const struct creds_opts *o, struct creds *out, struct rerr *e);
/* Wipe and free the keys; `c` can be reused. */
void creds_release(struct creds *c);
/* Deep copy into `dst` (released first). */
void creds_copy(struct creds *dst, const struct creds *src);
/* The signer's view of `c`, valid while `c` is. */
void creds_sigv4(const struct creds *c, struct sigv4_creds *out);
/* Parse an Expiration: "2024-05-01T12:00:00Z", optionally with fractional
 * seconds and a +hh:mm/-hh:mm offset instead of Z.  Returns 0 or -EINVAL. */
int creds_parse_expiration(const char *s, time_t *t);

/*
 * A provider: thread-safe, caching credentials and resolving the chain
 * again when they are within CREDS_REFRESH_MARGIN of expiry.  If a refresh
 * fails while the current credentials are still valid, they are kept and
 * a warning is logged.  `now` may be NULL (the system clock).
 */
struct creds_provider;

struct creds_provider *creds_provider_new(
    const struct creds_opts *o, time_t (*now)(void));
/* Current credentials copied into `out` (release it); 0 or the chain's
 * error. */
int creds_provider_get(
    struct creds_provider *p, struct creds *out, struct rerr *e);
void creds_provider_free(struct creds_provider *p);

/*
 * The sources one by one (creds_resolve chains them; tests call them).
 * Each returns 0 when it filled `out`, -ENOENT when it is not configured
 * (nothing in `e`), or another -errno with `e` filled.
 */
int creds_from_env(struct creds *out, struct rerr *e);
int creds_from_profile_keys(const struct profile *p, bool config_file,
    struct creds *out, struct rerr *e);
int creds_from_process(
    const struct profile *p, struct creds *out, struct rerr *e);
int creds_from_web_identity(const struct profile *p, const struct tls_ca *ca,
    const char *region, struct creds *out, struct rerr *e);
int creds_from_container(
    const struct tls_ca *ca, struct creds *out, struct rerr *e);
int creds_from_imds(const struct tls_ca *ca, struct creds *out, struct rerr *e);
/* Parse credential_process output (Version 1 JSON). */
int creds_parse_process(
    const char *json, size_t n, struct creds *out, struct rerr *e);
/* Fill `out`, registering the secrets with the logger. */
void creds_set(struct creds *out, const char *ak, const char *sk,
    const char *token, time_t expires, const char *source);

#endif
