/* Unit tests for s3/creds: every source of the chain with temporary files
 * and environment, the HTTP sources (STS web identity, container, IMDSv2)
 * against a canned-reply server on a loopback thread, the provider's
 * refresh, and secrets kept out of logs and messages. */
#include "roma.h"
#include "s3/creds.h"
#include "s3/profile.h"
#include "s3/sigv4.h"
#include "net/http.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/rerr.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "httpd_harness.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "FwoGZXIvYXdzEXAMPLETOKEN/+=="

static char dir[] = "/tmp/roma-creds.XXXXXX";
static char path_creds[256], path_config[256], path_count[256];
static struct tls_ca ca = TLS_CA_INIT;
static struct buf logged = BUF_INIT;

static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_REGION",
	"AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_V1_DISABLED" };

static void
sink(const char *line, void *arg)
{
	(void)arg;
	buf_adds(&logged, line);
	buf_addc(&logged, '\n');
}

static void
put_file(const char *path, mode_t mode, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
path_in(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int
setup_group(void **state)
{
	(void)state;
	httpd_client_init(&ca);
	assert_non_null(mkdtemp(dir));
	snprintf(path_creds, sizeof(path_creds), "%s/credentials", dir);
	snprintf(path_config, sizeof(path_config), "%s/config", dir);
	snprintf(path_count, sizeof(path_count), "%s/count", dir);
	log_set_sink(sink, NULL);
	return 0;
}

static int
teardown_group(void **state)
{
	char cmd[300];

	(void)state;
	log_set_sink(NULL, NULL);
	log_clear_secrets();
	tls_ca_release(&ca);
	buf_release(&logged);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	unlink(path_creds);
	unlink(path_config);
	unlink(path_count);
	setenv("HOME", dir, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path_creds, 1);
	setenv("AWS_CONFIG_FILE", path_config, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	buf_reset(&logged);
	return 0;
}

/* Resolve with the test's CA and `profile`; the secret never shows in the
 * message or the log. */
static int
resolve(const char *profile, struct creds *c, struct rerr *e)
{
	struct creds_opts o = { 0 };
	int r;

	o.profile = profile;
	o.ca = &ca;
	rerr_clear(e);
	r = creds_resolve(&o, c, e);
	assert_null(strstr(e->msg, SECRET));
	assert_null(strstr(e->msg, TOKEN));
	assert_null(strstr(logged.ptr, SECRET));
	assert_null(strstr(logged.ptr, TOKEN));
	return r;
}

static void
test_mode_warning(void **state)
{
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	put_file(path_creds, 0644,
	    "[default]\naws_access_key_id = AKID\naws_secret_access_key = " SECRET
	    "\n");
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_non_null(strstr(logged.ptr, "readable by other users"));
	assert_non_null(strstr(logged.ptr, "chmod 600"));
	buf_reset(&logged);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_null(strstr(logged.ptr, "readable")); /* once only */
	creds_release(&c);
}

static void
test_env(void **state)
{
	struct creds c = { 0 };
	struct sigv4_creds sc;
	struct rerr e;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.source, "env");
	assert_string_equal(c.access_key, "AKIDENV");
	assert_string_equal(c.secret_key, SECRET);
	assert_string_equal(c.session_token, TOKEN);
	assert_int_equal(c.expires, 0);
	creds_sigv4(&c, &sc);
	assert_string_equal(sc.access_key, "AKIDENV");
	assert_string_equal(sc.session_token, TOKEN);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(resolve(NULL, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "AWS_SECRET_ACCESS_KEY"));
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_ACCESS_KEY", "AKIDOLD", 1);
	setenv("AWS_SECRET_KEY", SECRET, 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.access_key, "AKIDOLD");
	/* Logged lines mask a registered secret. */
	log_warn(LOG_CREDS, "oops %s", SECRET);
	assert_null(strstr(logged.ptr, SECRET));
	creds_release(&c);
	assert_null(c.secret_key);
}

static void
test_shared_files(void **state)
{
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	put_file(path_creds, 0600,
	    "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = " SECRET
	    "\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = " SECRET
	    "\naws_session_token = " TOKEN "\n[half]\naws_access_key_id = X\n");
	put_file(path_config, 0600,
	    "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = " SECRET
	    "\n");
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.access_key, "AKIDDEF");
	assert_string_equal(
	    c.source, "shared-credentials-file (profile default)");
	setenv("AWS_PROFILE", "dev", 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.access_key, "AKIDDEV");
	assert_string_equal(c.session_token, TOKEN);
	/* The environment wins over AWS_PROFILE, not over --profile. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.source, "env");
	assert_int_equal(resolve("cfg", &c, &e), 0);
	assert_string_equal(c.access_key, "AKIDCFG");
	assert_string_equal(c.source, "config-file (profile cfg)");
	assert_int_equal(resolve("half", &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "aws_secret_access_key"));
	assert_int_equal(resolve("nosuch", &c, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "nosuch"));
	assert_non_null(strstr(e.msg, "--profile"));
	creds_release(&c);
}

static void
test_nothing_and_anonymous(void **state)
{
	struct creds_opts o = { 0 };
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	assert_int_equal(resolve(NULL, &c, &e), -ENOKEY);
	assert_non_null(strstr(e.msg, "AWS_ACCESS_KEY_ID"));
	assert_non_null(strstr(e.msg, "aws configure"));
	assert_non_null(strstr(e.msg, "--profile"));
	assert_null(strchr(e.msg, '\n'));
	put_file(path_config, 0600,
	    "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n");
	assert_int_equal(resolve(NULL, &c, &e), -ENOTSUP);
	o.anonymous = true;
	assert_int_equal(creds_resolve(&o, &c, &e), 0);
	assert_true(c.anonymous);
	assert_null(c.access_key);
	assert_string_equal(c.source, "anonymous");
	creds_release(&c);
}

static void
helper(const char *script)
{
	char *path = path_in("helper.sh");
	char cfg[512];

	put_file(path, 0700, script);
	snprintf(cfg, sizeof(cfg), "[default]\ncredential_process = %s --arg\n",
	    path);
	put_file(path_config, 0600, cfg);
}

static void
test_process(void **state)
{
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	helper("#!/bin/sh\n"
	       "[ \"$1\" = --arg ] || exit 4\n"
	       "[ -z \"$AWS_SECRET_ACCESS_KEY$AWS_SESSION_TOKEN\" ] || exit 3\n"
	       "echo 'helper says hi' >&2\n"
	       "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
	       "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%s\", "
	       "\"Expiration\": \"2030-01-01T00:00:00.5+01:00\"}' " SECRET
	       " " TOKEN "\n");
	/* Our own secrets in the environment must not reach the helper. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", TOKEN, 1);
	assert_int_equal(resolve("default", &c, &e), 0);
	assert_string_equal(c.source, "credential_process (profile default)");
	assert_string_equal(c.access_key, "AKIDPROC");
	assert_string_equal(c.secret_key, SECRET);
	assert_string_equal(c.session_token, TOKEN);
	assert_int_equal(c.expires, 1893452400); /* 2029-12-31T23:00:00Z */
	helper("#!/bin/sh\necho 'no luck' >&2\nexit 2\n");
	assert_int_equal(resolve("default", &c, &e), -EACCES);
	assert_non_null(strstr(e.msg, "exit status 2"));
	helper("#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", "
	       "\"SecretAccessKey\": \"" SECRET "\"}'\n");
	assert_int_equal(resolve("default", &c, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "Version"));
	helper("#!/bin/sh\necho 'not json " SECRET "'\n");
	assert_int_equal(resolve("default", &c, &e), -EPROTO);
	creds_release(&c);
}

static void
test_expiration(void **state)
{
	static const struct {
		const char *s;
		time_t t;
	} ok[] = {
		{ "2015-08-30T12:36:00Z", 1440938160 },
		{ "2015-08-30T12:36:00.123456Z", 1440938160 },
		{ "2015-08-30T14:36:00+02:00", 1440938160 },
		{ "2015-08-30T10:36:00-0200", 1440938160 },
		{ "2015-08-30T12:36:00z", 1440938160 },
	};
	static const char *const bad[] = { "", "2015-08-30",
		"2015-08-30T12:36:00", "2015-08-30T12:36:00Zjunk",
		"2015-08-30T12:36:00+2", "garbage-garbage-xx",
		"2015-08-30T12:36:00+24:00" };
	time_t t;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(creds_parse_expiration(ok[i].s, &t), 0);
		assert_int_equal(t, ok[i].t);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(creds_parse_expiration(bad[i], &t), -EINVAL);
	assert_int_equal(creds_parse_expiration(NULL, &t), -EINVAL);
}

static const char sts_json[] =
    "{\"AssumeRoleWithWebIdentityResponse\":{\"AssumeRoleWithWebIdentityResult\":"
    "{\"Credentials\":{\"AccessKeyId\":\"ASIASTS\",\"Expiration\":1.8934524E9,"
    "\"SecretAccessKey\":\"" SECRET "\",\"SessionToken\":\"" TOKEN "\"}},"
    "\"ResponseMetadata\":{\"RequestId\":\"r-1\"}}}";

static const char sts_xml[] =
    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
    "<Credentials><AccessKeyId>ASIAXML</AccessKeyId><SecretAccessKey>" SECRET
    "</SecretAccessKey><SessionToken>" TOKEN "&amp;x</SessionToken>"
    "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
    "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";

static const char sts_denied[] =
    "{\"Error\":{\"Code\":\"AccessDenied\",\"Message\":\"Not authorized\","
    "\"Type\":\"Sender\"},\"RequestId\":\"x\"}";

static void
test_web_identity(void **state)
{
	struct httpd s = { .one_per_conn = true };
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	httpd_reply(&s, "200 OK", "", sts_json);
	httpd_reply(&s, "200 OK", "", sts_xml);
	httpd_reply(
	    &s, "403 Forbidden", "x-amzn-RequestId: req-42\r\n", sts_denied);
	put_file(path_in("token"), 0600, "eyJ.web.token\n");
	httpd_start(&s);
	setenv("AWS_ENDPOINT_URL_STS", httpd_url(&s, "/"), 1);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path_in("token"), 1);
	/* Web identity comes before the shared files, as in the AWS CLI. */
	put_file(path_creds, 0600,
	    "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = x\n");
	assert_int_equal(resolve(NULL, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "AWS_ROLE_ARN"));
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123:role/my role", 1);
	setenv("AWS_ROLE_SESSION_NAME", "sess", 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.source, "web-identity");
	assert_string_equal(c.access_key, "ASIASTS");
	assert_string_equal(c.session_token, TOKEN);
	assert_int_equal(c.expires, 1893452400);
	assert_non_null(strstr(s.seen.ptr, "POST / HTTP/1.1"));
	assert_non_null(strstr(s.seen.ptr, "Accept: application/json"));
	assert_non_null(strstr(s.seen.ptr,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"
	    "RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fmy%20role&"
	    "RoleSessionName=sess&WebIdentityToken=eyJ.web.token"));
	assert_null(strstr(s.seen.ptr, "Authorization"));
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.access_key, "ASIAXML");
	assert_string_equal(c.session_token, TOKEN "&x");
	assert_int_equal(resolve(NULL, &c, &e), -EACCES);
	assert_int_equal(e.http_status, 403);
	assert_string_equal(e.code, "AccessDenied");
	assert_string_equal(e.request_id, "req-42");
	assert_non_null(strstr(e.msg, "Not authorized"));
	httpd_stop(&s);
	httpd_release(&s);
	creds_release(&c);
}

static const char container_ok[] =
    "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"" SECRET
    "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"2030-01-01T00:00:00Z\","
    "\"RoleArn\":\"r\"}";

static void
test_container(void **state)
{
	struct httpd s = { .one_per_conn = true };
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	httpd_reply(&s, "200 OK", "", container_ok);
	httpd_reply(&s, "200 OK", "", container_ok);
	httpd_reply(&s, "500 Oops", "", "");
	httpd_start(&s);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", httpd_url(&s, "/v2/creds"),
	    1);
	put_file(path_in("ctok"), 0600, "Bearer-abc123\n");
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path_in("ctok"), 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored", 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.source, "container");
	assert_string_equal(c.access_key, "ASIACONT");
	assert_string_equal(c.session_token, TOKEN);
	assert_int_equal(c.expires, 1893456000);
	assert_non_null(strstr(s.seen.ptr, "GET /v2/creds HTTP/1.1"));
	assert_non_null(strstr(s.seen.ptr, "Authorization: Bearer-abc123\r\n"));
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_non_null(strstr(s.seen.ptr, "Authorization: ignored\r\n"));
	assert_int_equal(resolve(NULL, &c, &e), -EPROTO);
	assert_int_equal(e.http_status, 500);
	httpd_stop(&s);
	httpd_release(&s);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/x", 1);
	assert_int_equal(resolve(NULL, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "loopback"));
	creds_release(&c);
}

static const char imds_creds[] =
    "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\","
    "\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN
    "\",\"Expiration\":\"2030-01-01T00:00:00Z\"}";

static void
test_imds(void **state)
{
	struct httpd s = { .one_per_conn = true };
	struct creds c = { 0 };
	struct rerr e;
	const char *p;

	(void)state;
	httpd_reply(&s, "200 OK", "", "imds-tok-123");
	httpd_reply(&s, "200 OK", "", "my-role\nother\n");
	httpd_reply(&s, "200 OK", "", imds_creds);
	httpd_start(&s);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", httpd_url(&s, "/"), 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.source, "imds");
	assert_string_equal(c.access_key, "ASIAIMDS");
	assert_string_equal(c.session_token, TOKEN);
	p = s.seen.ptr;
	assert_non_null(strstr(p, "PUT /latest/api/token HTTP/1.1"));
	assert_non_null(
	    strstr(p, "X-aws-ec2-metadata-token-ttl-seconds: 21600"));
	p = strstr(p, "GET /latest/meta-data/iam/security-credentials/ HTTP");
	assert_non_null(p);
	assert_non_null(strstr(p, "X-aws-ec2-metadata-token: imds-tok-123"));
	p = strstr(
	    p, "GET /latest/meta-data/iam/security-credentials/my-role ");
	assert_non_null(p);
	assert_non_null(strstr(p, "X-aws-ec2-metadata-token: imds-tok-123"));
	httpd_stop(&s);
	httpd_release(&s);
	creds_release(&c);
}

static void
test_imds_v1_and_absent(void **state)
{
	struct httpd s = { .one_per_conn = true };
	struct creds c = { 0 };
	struct rerr e;
	time_t t0;

	(void)state;
	httpd_reply(&s, "403 Forbidden", "", "");
	httpd_reply(&s, "200 OK", "", "my-role");
	httpd_reply(&s, "200 OK", "", imds_creds);
	httpd_reply(&s, "404 Not Found", "", "");
	httpd_start(&s);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", httpd_url(&s, ""), 1);
	assert_int_equal(resolve(NULL, &c, &e), 0);
	assert_string_equal(c.access_key, "ASIAIMDS");
	assert_null(strstr(s.seen.ptr, "X-aws-ec2-metadata-token:"));
	/* IMDSv1 refused: a 404 token reply then means "no instance role". */
	setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
	assert_int_equal(resolve(NULL, &c, &e), -ENOKEY);
	httpd_stop(&s);
	httpd_release(&s);
	/* Nothing listening: quick, and simply "no credentials". */
	t0 = time(NULL);
	assert_int_equal(resolve(NULL, &c, &e), -ENOKEY);
	assert_true(time(NULL) - t0 < 5);
	creds_release(&c);
}

static time_t fake_now;

static time_t
now_fn(void)
{
	return fake_now;
}

/* A helper counting its runs; after `ok_runs` runs it fails. */
static void
counting_helper(int ok_runs)
{
	char script[1024];

	snprintf(script, sizeof(script),
	    "#!/bin/sh\necho x >>'%s'\nn=$(wc -l <'%s')\n"
	    "[ $n -le %d ] || exit 1\n"
	    "printf '{\"Version\":1,\"AccessKeyId\":\"AKID%%s\","
	    "\"SecretAccessKey\":\"" SECRET "\","
	    "\"Expiration\":\"2030-01-01T01:00:00Z\"}' $n\n",
	    path_count, path_count, ok_runs);
	helper(script);
}

static void
test_provider_refresh(void **state)
{
	struct creds_opts o = { 0 };
	struct creds_provider *p;
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	counting_helper(100);
	o.ca = &ca;
	p = creds_provider_new(&o, now_fn);
	fake_now = 1893456000; /* 2030-01-01T00:00:00Z */
	assert_int_equal(creds_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key, "AKID1");
	assert_int_equal(c.expires, 1893456000 + 3600);
	fake_now += 3600 - CREDS_REFRESH_MARGIN - 1;
	assert_int_equal(creds_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key, "AKID1");
	fake_now += 2; /* inside the margin: fetched anew */
	assert_int_equal(creds_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key, "AKID2");
	assert_string_equal(c.source, "credential_process (profile default)");
	creds_provider_free(p);
	creds_release(&c);
}

static void
test_provider_keeps_valid(void **state)
{
	struct creds_opts o = { 0 };
	struct creds_provider *p;
	struct creds c = { 0 };
	struct rerr e;

	(void)state;
	counting_helper(1);
	o.ca = &ca;
	p = creds_provider_new(&o, now_fn);
	fake_now = 1893456000;
	assert_int_equal(creds_provider_get(p, &c, &e), 0);
	fake_now += 3600 - 60; /* refresh due, helper now fails */
	assert_int_equal(creds_provider_get(p, &c, &e), 0);
	assert_string_equal(c.access_key, "AKID1");
	assert_non_null(strstr(logged.ptr, "keeping those from"));
	fake_now += 61; /* expired: the failure is the caller's */
	assert_int_equal(creds_provider_get(p, &c, &e), -EACCES);
	assert_null(strstr(logged.ptr, SECRET));
	creds_provider_free(p);
	creds_release(&c);
}

static void *
getter(void *arg)
{
	struct creds c = { 0 };
	int i;

	for (i = 0; i < 50; i++)
		if (creds_provider_get(arg, &c, NULL) != 0)
			break;
	creds_release(&c);
	return NULL;
}

static void
test_provider_threads(void **state)
{
	struct creds_opts o = { 0 };
	struct creds_provider *p;
	pthread_t t[4];
	size_t i;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	o.ca = &ca;
	p = creds_provider_new(&o, NULL);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(pthread_create(&t[i], NULL, getter, p), 0);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		pthread_join(t[i], NULL);
	creds_provider_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mode_warning, setup),
		cmocka_unit_test_setup(test_env, setup),
		cmocka_unit_test_setup(test_shared_files, setup),
		cmocka_unit_test_setup(test_nothing_and_anonymous, setup),
		cmocka_unit_test_setup(test_process, setup),
		cmocka_unit_test_setup(test_expiration, setup),
		cmocka_unit_test_setup(test_web_identity, setup),
		cmocka_unit_test_setup(test_container, setup),
		cmocka_unit_test_setup(test_imds, setup),
		cmocka_unit_test_setup(test_imds_v1_and_absent, setup),
		cmocka_unit_test_setup(test_provider_refresh, setup),
		cmocka_unit_test_setup(test_provider_keeps_valid, setup),
		cmocka_unit_test_setup(test_provider_threads, setup),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
