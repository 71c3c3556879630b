/*
 * config - where the E2B client's settings come from, and the data-plane
 * addresses they imply.  Flags win over the environment, which wins over
 * a `.env` file: E2B_API_KEY, E2B_DOMAIN (default e2b.app), E2B_API_URL,
 * E2B_SANDBOX_URL, E2B_DEBUG, and a CA bundle for self-hosted sites
 * (E2B_CA_BUNDLE, else net/tls's chain); ROMA_E2B_ADDRESSING and
 * ROMA_E2B_STALL_TIMEOUT are roma's own.  The
 * API key is registered with the logger's secret list as soon as it is
 * read, and is never printed.
 */
#ifndef E2B_CONFIG_H
#define E2B_CONFIG_H

#include "roma.h"
#include "util/dotenv.h"

#include <stdbool.h>

struct buf;
struct dotenv;
struct rerr;

#define E2B_ENVD_PORT    49983u
#define E2B_JUPYTER_PORT 49999u

/* How sandboxes are addressed on the data plane. */
enum e2b_addressing {
	E2B_ADDR_AUTO,    /* as the SDK: URL if set, else by domain */
	E2B_ADDR_HOST,    /* https://<port>-<id>.<domain> */
	E2B_ADDR_SANDBOX, /* https://sandbox.<domain> + routing headers */
	E2B_ADDR_URL,     /* E2B_SANDBOX_URL + routing headers */
};

/* Values given on the command line; NULL when absent. */
struct e2b_flags {
	const char *api_key_file, *domain, *api_url, *sandbox_url;
	const char *ca_bundle, *addressing, *debug;
	const char *stall_timeout; /* a duration, e.g. "30s" */
};

struct e2b_config {
	char *api_key;     /* NULL when none is configured */
	char *domain;      /* never NULL */
	char *api_url;     /* never NULL; no trailing slash */
	char *sandbox_url; /* NULL unless set; no trailing slash */
	char *ca_bundle;   /* NULL: the usual trust chain (net/tls) */
	bool ca_from_env;  /* ca_bundle is E2B_CA_BUNDLE's, not --ca-bundle */
	bool debug;
	enum e2b_addressing addressing;
	long stall_ms; /* a stream silent this long fails; default 30 s */
};

/*
 * Fill `cfg` from `f`, then `env` (NULL: none) and then `dotenv` (NULL:
 * none).  Returns 0, or -EINVAL / -errno with `e` naming the setting.
 * Release with e2b_config_release even on error.
 */
int e2b_config_load(struct e2b_config *cfg, const struct e2b_flags *f,
    dotenv_lookup_fn env, const struct dotenv *dotenv, struct rerr *e);
void e2b_config_release(struct e2b_config *cfg);
/* The setting `name` from `env`, then `dotenv`; NULL when unset or "". */
const char *e2b_config_lookup(
    const char *name, dotenv_lookup_fn env, const struct dotenv *dotenv);

/*
 * Append the base URL (no trailing slash) for `port` of sandbox `id` to
 * `out`, `domain` being the sandbox's own domain or NULL.  `*routing` is
 * set when the E2b-Sandbox-Id/-Port headers are what routes the request.
 */
int e2b_config_sandbox_base(const struct e2b_config *cfg, const char *id,
    const char *domain, unsigned port, struct buf *out, bool *routing);

#endif
