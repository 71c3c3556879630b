#include "roma.h"
#include "s3/profile.h"
#include "util/buf.h"
#include "util/ini.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/xmem.h"

#include <errno.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_flag warned_mode = ATOMIC_FLAG_INIT;

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

char *
profile_expand_home(const char *path)
{
	struct buf b = BUF_INIT;

	if (strcmp(path, "~") != 0 && strncmp(path, "~/", 2) != 0)
		return xstrdup(path);
	buf_adds(&b, home_dir());
	buf_adds(&b, path + 1);
	return buf_detach(&b, NULL);
}

static char *
file_path(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return profile_expand_home(v && *v ? v : dflt);
}

/* Secret keys in a file others can read are not secret: say so once. */
static void
check_mode(const char *path, mode_t mode)
{
	if ((mode & 044) == 0 || atomic_flag_test_and_set(&warned_mode))
		return;
	log_warn(LOG_CREDS,
	    "%s is readable by other users (mode %03o); run: chmod 600 %s",
	    path, (unsigned)mode & 0777, path);
}

int
profile_load(const char *flag, struct profile *p, struct rerr *e)
{
	const char *env = getenv("AWS_PROFILE");
	mode_t mode = 0;
	int r;

	if (flag && *flag) {
		p->name = xstrdup(flag);
		p->name_from = "--profile";
	} else if (env && *env) {
		p->name = xstrdup(env);
		p->name_from = "AWS_PROFILE";
	} else {
		p->name = xstrdup("default");
		p->name_from = "default";
	}
	p->creds_path =
	    file_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
	p->config_path = file_path("AWS_CONFIG_FILE", "~/.aws/config");
	r = ini_load(p->creds_path, &p->creds, &mode, e);
	if (r == 0)
		check_mode(p->creds_path, mode);
	else if (r != -ENOENT)
		return r;
	r = ini_load(p->config_path, &p->config, NULL, e);
	return r == -ENOENT ? 0 : r;
}

void
profile_release(struct profile *p)
{
	free(p->name);
	free(p->creds_path);
	free(p->config_path);
	ini_free(p->creds);
	ini_free(p->config);
	memset(p, 0, sizeof(*p));
}

/* The config file's section name for the profile, or NULL if absent. */
static const char *
config_sect(const struct profile *p, struct buf *b)
{
	buf_reset(b);
	buf_addf(b, "profile %s", p->name);
	if (ini_has_section(p->config, b->ptr))
		return b->ptr;
	/* "[default]" is the spelling the AWS CLI writes for the default. */
	if (strcmp(p->name, "default") == 0 &&
	    ini_has_section(p->config, "default"))
		return "default";
	return NULL;
}

bool
profile_exists(const struct profile *p)
{
	struct buf b = BUF_INIT;
	bool r;

	r = ini_has_section(p->creds, p->name) || config_sect(p, &b) != NULL;
	buf_release(&b);
	return r;
}

const char *
profile_config_sub(const struct profile *p, const char *key, const char *sub)
{
	struct buf b = BUF_INIT;
	const char *s, *v = NULL;

	if ((s = config_sect(p, &b)) != NULL)
		v = sub ? ini_get_sub(p->config, s, key, sub)
		        : ini_get(p->config, s, key);
	buf_release(&b);
	return v && *v ? v : NULL;
}

const char *
profile_config(const struct profile *p, const char *key)
{
	return profile_config_sub(p, key, NULL);
}

const char *
profile_cred(const struct profile *p, const char *key)
{
	const char *v = ini_get(p->creds, p->name, key);

	return v && *v ? v : NULL;
}

const char *
profile_service(const struct profile *p, const char *service, const char *key)
{
	struct buf b = BUF_INIT;
	const char *name = profile_config(p, "services"), *v = NULL;

	if (name) {
		buf_addf(&b, "services %s", name);
		v = ini_get_sub(p->config, b.ptr, service, key);
	}
	buf_release(&b);
	return v && *v ? v : NULL;
}
