#include "roma.h"
#include "e2b/config.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/str.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 4096

static const char *const sdk_domains[] = { "e2b.app", "e2b.dev", "e2b.pro",
	"e2b-staging.dev" };

const char *
e2b_config_lookup(
    const char *name, dotenv_lookup_fn env, const struct dotenv *dotenv)
{
	const char *v = env ? env(name) : NULL;

	if (v == NULL || *v == '\0')
		v = dotenv_get(dotenv, name);
	return v && *v ? v : NULL;
}

static char *
without_slash(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

static int
read_key_file(const char *path, char **out, struct rerr *e)
{
	char tmp[KEY_MAX + 1];
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return rerr_set(
		    e, -errno, "--api-key-file %s: %s", path, strerror(errno));
	got = read(fd, tmp, KEY_MAX);
	close(fd);
	if (got < 0)
		return rerr_set(
		    e, -errno, "--api-key-file %s: %s", path, strerror(errno));
	tmp[got] = '\0';
	*out = xstrdup(str_trim(tmp));
	explicit_bzero(tmp, sizeof(tmp));
	if (**out == '\0')
		return rerr_set(e, -EINVAL, "--api-key-file %s is empty", path);
	return 0;
}

static bool
truthy(const char *v)
{
	return v &&
	    (str_ieq(v, "true") || str_ieq(v, "1") || str_ieq(v, "yes") ||
	        str_ieq(v, "on"));
}

static int
addressing(const char *v, enum e2b_addressing *out, struct rerr *e)
{
	if (v == NULL || strcmp(v, "auto") == 0)
		*out = E2B_ADDR_AUTO;
	else if (strcmp(v, "host") == 0)
		*out = E2B_ADDR_HOST;
	else if (strcmp(v, "sandbox") == 0)
		*out = E2B_ADDR_SANDBOX;
	else if (strcmp(v, "url") == 0)
		*out = E2B_ADDR_URL;
	else
		return rerr_set(e, -EINVAL,
		    "addressing must be auto, host, sandbox or url, not '%s'",
		    v);
	return 0;
}

static int
stall(const char *v, long *ms, struct rerr *e)
{
	uint64_t t;

	*ms = 30000;
	if (v == NULL)
		return 0;
	if (str_parse_duration(v, &t) != 0 || t < 1000 || t > 86400000u)
		return rerr_set(e, -EINVAL,
		    "stall timeout must be a duration from 1s to 24h, not '%s'",
		    v);
	*ms = (long)t;
	return 0;
}

static char *
api_of(const char *domain)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "https://api.%s", domain);
	return buf_detach(&b, NULL);
}

#define PICK(flag, name) ((flag) ? (flag) : e2b_config_lookup(name, env, d))

int
e2b_config_load(struct e2b_config *cfg, const struct e2b_flags *f,
    dotenv_lookup_fn env, const struct dotenv *d, struct rerr *e)
{
	const char *v;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (f->api_key_file) {
		if ((r = read_key_file(f->api_key_file, &cfg->api_key, e)))
			return r;
	} else if ((v = e2b_config_lookup("E2B_API_KEY", env, d)) != NULL) {
		cfg->api_key = xstrdup(v);
	}
	if (cfg->api_key)
		log_add_secret(cfg->api_key);
	cfg->debug = truthy(PICK(f->debug, "E2B_DEBUG"));
	cfg->domain =
	    xstrdup((v = PICK(f->domain, "E2B_DOMAIN")) ? v : "e2b.app");
	if ((v = PICK(f->api_url, "E2B_API_URL")) != NULL)
		cfg->api_url = without_slash(v);
	else if (cfg->debug)
		cfg->api_url = xstrdup("http://localhost:3000");
	else
		cfg->api_url = api_of(cfg->domain);
	if ((v = PICK(f->sandbox_url, "E2B_SANDBOX_URL")) != NULL)
		cfg->sandbox_url = without_slash(v);
	if ((v = PICK(f->ca_bundle, "E2B_CA_BUNDLE")) != NULL) {
		cfg->ca_bundle = xstrdup(v);
		cfg->ca_from_env = f->ca_bundle == NULL;
	}
	if ((r = addressing(PICK(f->addressing, "ROMA_E2B_ADDRESSING"),
	         &cfg->addressing, e)) != 0)
		return r;
	if ((r = stall(PICK(f->stall_timeout, "ROMA_E2B_STALL_TIMEOUT"),
	         &cfg->stall_ms, e)) != 0)
		return r;
	if (cfg->addressing == E2B_ADDR_URL && cfg->sandbox_url == NULL)
		return rerr_set(e, -EINVAL,
		    "addressing 'url' needs E2B_SANDBOX_URL or --sandbox-url");
	return 0;
}

void
e2b_config_release(struct e2b_config *cfg)
{
	if (cfg->api_key)
		explicit_bzero(cfg->api_key, strlen(cfg->api_key));
	free(cfg->api_key);
	free(cfg->domain);
	free(cfg->api_url);
	free(cfg->sandbox_url);
	free(cfg->ca_bundle);
	memset(cfg, 0, sizeof(*cfg));
}

static bool
sdk_domain(const char *d)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sdk_domains); i++)
		if (strcmp(d, sdk_domains[i]) == 0)
			return true;
	return false;
}

int
e2b_config_sandbox_base(const struct e2b_config *cfg, const char *id,
    const char *domain, unsigned port, struct buf *out, bool *routing)
{
	enum e2b_addressing a = cfg->addressing;
	const char *dom = domain && *domain ? domain : cfg->domain;

	*routing = true;
	if (a == E2B_ADDR_AUTO) {
		if (cfg->sandbox_url)
			a = E2B_ADDR_URL;
		else if (cfg->debug)
			return buf_addf(out, "http://localhost:%u", port);
		else if (port == E2B_ENVD_PORT && sdk_domain(dom))
			a = E2B_ADDR_SANDBOX;
		else
			a = E2B_ADDR_HOST;
	}
	if (a == E2B_ADDR_URL)
		return buf_adds(out, cfg->sandbox_url);
	if (a == E2B_ADDR_SANDBOX)
		return buf_addf(out, "https://sandbox.%s", dom);
	*routing = false;
	return buf_addf(out, "https://%u-%s.%s", port, id, dom);
}
