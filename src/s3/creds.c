#include "roma.h"
#include "s3/creds.h"
#include "s3/profile.h"
#include "s3/sigv4.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"
#include "util/time.h"
#include "util/xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCESS_MAX (64u << 10) /* credential_process output */

extern char **environ;

/* Never handed to a credential helper: roma's own secrets. */
static const char *const secret_env[] = { "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "E2B_API_KEY",
	"E2B_ACCESS_TOKEN" };

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static const char *
env2(const char *name, const char *fallback)
{
	const char *v = env(name);

	return v ? v : env(fallback);
}

static void
wipe_free(char *s)
{
	if (s) {
		/* volatile: the store must not be optimised away */
		for (volatile char *p = s; *p; p++)
			*p = 0;
		free(s);
	}
}

void
creds_release(struct creds *c)
{
	free(c->access_key);
	wipe_free(c->secret_key);
	wipe_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

void
creds_set(struct creds *out, const char *ak, const char *sk, const char *token,
    time_t expires, const char *source)
{
	creds_release(out);
	log_add_secret(sk);
	out->access_key = xstrdup(ak);
	out->secret_key = xstrdup(sk);
	if (token && *token) {
		log_add_secret(token);
		out->session_token = xstrdup(token);
	}
	out->expires = expires;
	snprintf(out->source, sizeof(out->source), "%s", source);
}

void
creds_copy(struct creds *dst, const struct creds *src)
{
	creds_release(dst);
	*dst = *src;
	dst->access_key = src->access_key ? xstrdup(src->access_key) : NULL;
	dst->secret_key = src->secret_key ? xstrdup(src->secret_key) : NULL;
	dst->session_token =
	    src->session_token ? xstrdup(src->session_token) : NULL;
}

void
creds_sigv4(const struct creds *c, struct sigv4_creds *out)
{
	out->access_key = c->access_key;
	out->secret_key = c->secret_key;
	out->session_token = c->session_token;
}

static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
creds_parse_expiration(const char *s, time_t *t)
{
	char base[21];
	const char *p;
	int hh, mm, sign;
	time_t v;

	if (s == NULL || strlen(s) < 19)
		return -EINVAL;
	memcpy(base, s, 19);
	memcpy(base + 19, "Z", 2);
	if (time_parse_iso8601(base, &v) != 0)
		return -EINVAL;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*t = v;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p == '+' ? 1 : -1;
	/* Each check before the cursor moves on: never past the NUL. */
	if ((hh = two_digits(p + 1)) < 0 || hh > 23)
		return -EINVAL;
	p += 3;
	if (*p == ':')
		p++;
	if ((mm = two_digits(p)) < 0 || mm > 59 || p[2] != '\0')
		return -EINVAL;
	*t = v - sign * (time_t)(hh * 3600 + mm * 60);
	return 0;
}

int
creds_from_env(struct creds *out, struct rerr *e)
{
	/* AWS_ACCESS_KEY and AWS_SECRET_KEY: the Go SDK's old names. */
	const char *ak = env2("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY");
	const char *sk = env2("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY");
	const char *tok = env2("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN");

	if (sk)
		log_add_secret(sk);
	if (tok)
		log_add_secret(tok);
	if (ak == NULL && sk == NULL)
		return -ENOENT;
	if (ak == NULL || sk == NULL)
		return rerr_set(e, -EINVAL,
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together, "
		    "but only %s is set: set both, or neither",
		    ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY");
	creds_set(out, ak, sk, tok, 0, "env");
	return 0;
}

int
creds_from_profile_keys(const struct profile *p, bool config_file,
    struct creds *out, struct rerr *e)
{
	const char *(*get)(const struct profile *, const char *) =
	    config_file ? profile_config : profile_cred;
	const char *ak = get(p, "aws_access_key_id");
	const char *sk = get(p, "aws_secret_access_key");
	const char *tok = get(p, "aws_session_token");
	char src[128];

	if (sk)
		log_add_secret(sk);
	if (ak == NULL && sk == NULL)
		return -ENOENT;
	if (ak == NULL || sk == NULL)
		return rerr_set(e, -EINVAL,
		    "profile %s in %s has %s but not %s", p->name,
		    config_file ? p->config_path : p->creds_path,
		    ak ? "aws_access_key_id" : "aws_secret_access_key",
		    ak ? "aws_secret_access_key" : "aws_access_key_id");
	snprintf(src, sizeof(src), "%s (profile %s)",
	    config_file ? "config-file" : "shared-credentials-file", p->name);
	creds_set(out, ak, sk, tok, 0, src);
	return 0;
}

int
creds_parse_process(
    const char *json, size_t n, struct creds *out, struct rerr *e)
{
	struct json *j = json_parse(json, n);
	const char *ak, *sk, *exp;
	time_t t = 0;
	double ver;
	int r = 0;

	if (j == NULL)
		return rerr_set(e, -EPROTO, "output is not JSON");
	ak = json_get_str(j, "AccessKeyId");
	sk = json_get_str(j, "SecretAccessKey");
	if (sk)
		log_add_secret(sk);
	if (!json_get_num(j, "Version", &ver) || ver != 1)
		r = rerr_set(e, -EPROTO, "output lacks \"Version\": 1");
	else if (ak == NULL || sk == NULL || !*ak || !*sk)
		r = rerr_set(
		    e, -EPROTO, "output lacks AccessKeyId or SecretAccessKey");
	else if ((exp = json_get_str(j, "Expiration")) != NULL &&
	    creds_parse_expiration(exp, &t) != 0)
		r = rerr_set(e, -EPROTO, "bad Expiration \"%.40s\"", exp);
	else
		creds_set(out, ak, sk, json_get_str(j, "SessionToken"), t,
		    "credential_process");
	json_free(j);
	return r;
}

/* The environment without roma's secrets; the strings are borrowed. */
static char **
helper_env(void)
{
	size_t n = 0, k = 0, i;
	char **v;

	while (environ && environ[n])
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		size_t j, len = strcspn(environ[i], "=");

		for (j = 0; j < ARRAY_SIZE(secret_env); j++)
			if (strlen(secret_env[j]) == len &&
			    strncmp(environ[i], secret_env[j], len) == 0)
				break;
		if (j == ARRAY_SIZE(secret_env))
			v[k++] = environ[i];
	}
	return v;
}

static int
read_child(int fd, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int r = 0;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Keep draining past the cap so the helper is not blocked. */
		if (r == 0 && buf_add(out, chunk, (size_t)n) != 0)
			r = -E2BIG;
	}
	return r;
}

/* Run `cmd` with /bin/sh -c as the Go SDK and the other SDKs do on POSIX;
 * stdout is captured, stderr passes through to the user. */
static int
run_helper(const char *cmd, struct buf *out, int *status)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	char **envp = helper_env();
	int fds[2], r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		free(envp);
		return -errno;
	}
	if ((pid = fork()) == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	r = pid < 0 ? -errno : 0;
	close(fds[1]);
	free(envp);
	if (r == 0)
		r = read_child(fds[0], out);
	close(fds[0]);
	while (pid > 0 && waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return r;
}

int
creds_from_process(const struct profile *p, struct creds *out, struct rerr *e)
{
	const char *cmd = profile_config(p, "credential_process");
	struct buf b = BUF_INIT;
	struct rerr sub = { 0 };
	int st = 0, r;

	if (cmd == NULL)
		cmd = profile_cred(p, "credential_process");
	if (cmd == NULL)
		return -ENOENT;
	buf_init(&b, PROCESS_MAX);
	if ((r = run_helper(cmd, &b, &st)) != 0)
		r = rerr_set(e, r, "credential_process (profile %s): %s",
		    p->name, strerror(-r));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		r = rerr_set(e, -EACCES,
		    "credential_process (profile %s) failed (%s %d)", p->name,
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	else if ((r = creds_parse_process(b.ptr, b.len, out, &sub)) != 0)
		r = rerr_set(e, r, "credential_process (profile %s): %s",
		    p->name, sub.msg);
	else
		snprintf(out->source, sizeof(out->source),
		    "credential_process (profile %s)", p->name);
	if (b.len)
		memset(b.ptr, 0, b.len);
	buf_release(&b);
	return r;
}

static const char *
sts_region(const struct creds_opts *o, const struct profile *p)
{
	const char *r = o->region && *o->region ? o->region : NULL;

	if (r == NULL)
		r = env2("AWS_REGION", "AWS_DEFAULT_REGION");
	return r ? r : profile_config(p, "region");
}

/* A profile that assumes a role from another profile: say so rather than
 * fall through to an instance role the user did not mean. */
static int
unsupported_role(const struct profile *p, struct rerr *e)
{
	if (profile_config(p, "role_arn") == NULL ||
	    profile_config(p, "web_identity_token_file") != NULL)
		return -ENOENT;
	return rerr_set(e, -ENOTSUP,
	    "profile %s assumes a role (role_arn with source_profile or credential_source), which roma does not support yet: use credential_process or temporary keys",
	    p->name);
}

static int
no_creds(const struct profile *p, struct rerr *e)
{
	return rerr_set(e, -ENOKEY,
	    "no AWS credentials found (tried the environment, %s and %s for profile %s, web identity, container and EC2 instance metadata); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run 'aws configure', or pass --profile",
	    p->creds_path, p->config_path, p->name);
}

/* The sources after the environment, in order; stop at the first that
 * has credentials or fails. */
static int
walk(const struct creds_opts *o, const struct profile *p,
    const struct tls_ca *ca, struct creds *out, struct rerr *e)
{
	int r;

	if ((r = creds_from_web_identity(p, ca, sts_region(o, p), out, e)) !=
	    -ENOENT)
		return r;
	if ((r = creds_from_profile_keys(p, false, out, e)) != -ENOENT)
		return r;
	if ((r = creds_from_process(p, out, e)) != -ENOENT)
		return r;
	if ((r = creds_from_profile_keys(p, true, out, e)) != -ENOENT)
		return r;
	if ((r = unsupported_role(p, e)) != -ENOENT)
		return r;
	if ((r = creds_from_container(ca, out, e)) != -ENOENT)
		return r;
	if ((r = creds_from_imds(ca, out, e)) != -ENOENT)
		return r;
	return no_creds(p, e);
}

int
creds_resolve(const struct creds_opts *o, struct creds *out, struct rerr *e)
{
	struct profile p = PROFILE_INIT;
	struct tls_ca ca = TLS_CA_INIT;
	int r;

	creds_release(out);
	if (o->anonymous) {
		out->anonymous = true;
		snprintf(out->source, sizeof(out->source), "anonymous");
		return 0;
	}
	if ((r = profile_load(o->profile, &p, e)) != 0)
		goto out;
	/* An explicit --profile outranks the environment (the AWS CLI). */
	if (strcmp(p.name_from, "--profile") != 0 &&
	    (r = creds_from_env(out, e)) != -ENOENT)
		goto out;
	if (strcmp(p.name_from, "default") != 0 && !profile_exists(&p)) {
		r = rerr_set(e, -ENOENT,
		    "profile %s (from %s) is in neither %s nor %s", p.name,
		    p.name_from, p.creds_path, p.config_path);
		goto out;
	}
	if (o->ca == NULL && (r = tls_ca_find(NULL, &ca, e)) != 0)
		goto out;
	r = walk(o, &p, o->ca ? o->ca : &ca, out, e);
out:
	if (r == 0)
		log_debug(LOG_CREDS, "credentials from %s (access key %s)",
		    out->source, out->access_key);
	tls_ca_release(&ca);
	profile_release(&p);
	return r;
}

struct creds_provider {
	pthread_mutex_t mu;
	struct creds_opts o;
	char *profile, *region;
	time_t (*now)(void);
	struct creds cur;
	bool have;
};

static time_t
clock_now(void)
{
	return time(NULL);
}

struct creds_provider *
creds_provider_new(const struct creds_opts *o, time_t (*now)(void))
{
	struct creds_provider *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	p->o = *o;
	p->profile = o->profile ? xstrdup(o->profile) : NULL;
	p->region = o->region ? xstrdup(o->region) : NULL;
	p->o.profile = p->profile;
	p->o.region = p->region;
	p->now = now ? now : clock_now;
	return p;
}

static bool
stale(const struct creds_provider *p, time_t t)
{
	return !p->have ||
	    (p->cur.expires != 0 && t + CREDS_REFRESH_MARGIN >= p->cur.expires);
}

/* Called with the lock held. */
static int
refresh(struct creds_provider *p, time_t t, struct rerr *e)
{
	struct creds fresh = { 0 };
	int r = creds_resolve(&p->o, &fresh, e);

	if (r == 0) {
		creds_release(&p->cur);
		p->cur = fresh;
		p->have = true;
		return 0;
	}
	if (p->have && p->cur.expires > t) {
		log_warn(LOG_CREDS,
		    "refreshing credentials failed: %s; keeping those from %s until they expire",
		    rerr_str(e), p->cur.source);
		return 0;
	}
	return r;
}

int
creds_provider_get(struct creds_provider *p, struct creds *out, struct rerr *e)
{
	time_t t;
	int r = 0;

	pthread_mutex_lock(&p->mu);
	t = p->now();
	if (stale(p, t))
		r = refresh(p, t, e);
	if (r == 0)
		creds_copy(out, &p->cur);
	pthread_mutex_unlock(&p->mu);
	return r;
}

void
creds_provider_free(struct creds_provider *p)
{
	if (p == NULL)
		return;
	creds_release(&p->cur);
	pthread_mutex_destroy(&p->mu);
	free(p->profile);
	free(p->region);
	free(p);
}
