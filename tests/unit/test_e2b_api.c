/* Unit tests for the E2B client's pure parts: the SDK's error mapping,
 * Retry-After, Sandbox replies, configuration and addressing, base64 and
 * Python-style JSON output. */
#include "roma.h"
#include "e2b/api.h"
#include "e2b/config.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/dotenv.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static const struct {
	enum e2b_op op;
	int status;
	const char *body;
	int err;
	const char *cls;
	const char *msg;
} cases[] = {
	{ E2B_OP_INFO, 401, "{\"code\":401,\"message\":\"Invalid API key\"}",
	    -EACCES, "AuthenticationError",
	    "Unauthorized, please check your credentials. - Invalid API key" },
	{ E2B_OP_CREATE, 429, "{\"code\":429,\"message\":\"slow down\"}",
	    -EAGAIN, "RateLimitError",
	    "Rate limit exceeded, please try again later - slow down" },
	{ E2B_OP_CREATE, 503, "{\"code\":503,\"message\":\"busy\"}", -EBUSY,
	    "ServiceBusyError",
	    "Service temporarily unavailable, please retry - busy" },
	{ E2B_OP_INFO, 404, "{\"code\":404,\"message\":\"Sandbox gone\"}",
	    -ENOENT, "SandboxNotFoundError", "Sandbox ib1 not found" },
	{ E2B_OP_KILL, 404, "{\"code\":404,\"message\":\"x\"}", -ENOENT,
	    "SandboxNotFoundError", "Sandbox ib1 not found" },
	/* Keyed on the body's code, not the status. */
	{ E2B_OP_TIMEOUT, 404, "404 page not found", -ENOENT, "SandboxError",
	    "404: 404 page not found" },
	{ E2B_OP_CREATE, 404, "{\"code\":404,\"message\":\"no template\"}",
	    -ENOENT, "SandboxError", "404: no template" },
	{ E2B_OP_PAUSE, 409, "{\"code\":409,\"message\":\"paused\"}", -EALREADY,
	    "SandboxError", "Sandbox ib1 is already paused - paused" },
	{ E2B_OP_TIMEOUT, 400,
	    "{\"code\":400,\"message\":\"Timeout must be greater than 0\"}",
	    -EINVAL, "SandboxError", "400: Timeout must be greater than 0" },
	{ E2B_OP_CREATE, 500, "", -EIO, "SandboxError",
	    "500: Internal Server Error" },
	{ E2B_OP_LIST, 502, "upstream down\n", -EIO, "SandboxError",
	    "502: upstream down" },
};

static void
test_error_table(void **state)
{
	struct rerr e;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		rerr_clear(&e);
		assert_int_equal(
		    e2b_api_error(cases[i].op, "ib1", cases[i].status,
		        cases[i].body, strlen(cases[i].body), &e),
		    cases[i].err);
		assert_int_equal(e.http_status, cases[i].status);
		assert_string_equal(e.code, cases[i].cls);
		assert_string_equal(e.msg, cases[i].msg);
	}
}

static void
test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(e2b_api_retry_after("1"), 1);
	assert_int_equal(e2b_api_retry_after("120 "), 120);
	assert_int_equal(e2b_api_retry_after("0"), 0);
	assert_int_equal(e2b_api_retry_after(NULL), -1);
	assert_int_equal(e2b_api_retry_after(""), -1);
	assert_int_equal(e2b_api_retry_after("-1"), -1);
	assert_int_equal(e2b_api_retry_after("1.5"), -1);
	assert_int_equal(
	    e2b_api_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
	assert_int_equal(e2b_api_retry_after("99999999999"), -1);
}

static void
test_sandbox_parse(void **state)
{
	const char *t = "{\"sandboxID\":\"isbx123\",\"templateID\":\"base\","
	                "\"clientID\":\"c\",\"envdVersion\":\"0.6.13\","
	                "\"envdAccessToken\":\"tok-secret-1\","
	                "\"trafficAccessToken\":null,\"domain\":null}";
	struct json *j = json_parse(t, strlen(t));
	struct e2b_sandbox s;
	struct buf b = BUF_INIT;
	struct rerr e;

	(void)state;
	rerr_clear(&e);
	assert_int_equal(e2b_sandbox_parse(j, &s, &e), 0);
	assert_string_equal(s.id, "isbx123");
	assert_string_equal(s.envd_token, "tok-secret-1");
	assert_null(s.traffic_token);
	assert_null(s.domain);
	json_print(s.info, &b);
	assert_null(strstr(b.ptr, "tok-secret"));
	assert_null(strstr(b.ptr, "trafficAccessToken"));
	/* The token is registered with the logger. */
	buf_reset(&b);
	buf_adds(&b, "x tok-secret-1 y");
	log_redact(&b);
	assert_null(strstr(b.ptr, "tok-secret-1"));
	e2b_sandbox_release(&s);
	json_free(j);
	j = json_parse("{}", 2);
	assert_int_equal(e2b_sandbox_parse(j, &s, &e), -EPROTO);
	e2b_sandbox_release(&s);
	json_free(j);
	buf_release(&b);
	log_clear_secrets();
}

static const char *
env_a(const char *name)
{
	if (strcmp(name, "E2B_API_KEY") == 0)
		return "e2b_envkey";
	if (strcmp(name, "E2B_DOMAIN") == 0)
		return "example.org";
	return NULL;
}

static void
base(const struct e2b_config *c, unsigned port, const char *domain,
    const char *want, bool routing)
{
	struct buf b = BUF_INIT;
	bool r;

	assert_int_equal(
	    e2b_config_sandbox_base(c, "ib1", domain, port, &b, &r), 0);
	assert_string_equal(b.ptr, want);
	assert_int_equal(r, routing);
	buf_release(&b);
}

static void
test_config(void **state)
{
	const char *text = "E2B_API_KEY=e2b_filekey\nE2B_API_URL=http://x:1/\n";
	struct dotenv *d = dotenv_parse(text, strlen(text), NULL);
	struct e2b_flags f = { 0 };
	struct e2b_config c;
	struct rerr e;

	(void)state;
	rerr_clear(&e);
	/* The environment wins over .env; .env fills the rest. */
	assert_int_equal(e2b_config_load(&c, &f, env_a, d, &e), 0);
	assert_string_equal(c.api_key, "e2b_envkey");
	assert_string_equal(c.api_url, "http://x:1");
	assert_string_equal(c.domain, "example.org");
	assert_int_equal(c.stall_ms, 30000);
	base(&c, 49983, NULL, "https://49983-ib1.example.org", false);
	base(&c, 49983, "e2b.app", "https://sandbox.e2b.app", true);
	base(&c, 49999, "e2b.app", "https://49999-ib1.e2b.app", false);
	e2b_config_release(&c);
	/* Flags win over both. */
	f.domain = "e2b.dev";
	f.sandbox_url = "http://127.0.0.1:9/";
	f.stall_timeout = "5s";
	assert_int_equal(e2b_config_load(&c, &f, NULL, d, &e), 0);
	assert_string_equal(c.api_key, "e2b_filekey");
	assert_int_equal(c.stall_ms, 5000);
	base(&c, 49999, NULL, "http://127.0.0.1:9", true);
	e2b_config_release(&c);
	f.sandbox_url = NULL;
	f.addressing = "host";
	assert_int_equal(e2b_config_load(&c, &f, NULL, NULL, &e), 0);
	assert_null(c.api_key);
	assert_string_equal(c.api_url, "https://api.e2b.dev");
	base(&c, 49983, NULL, "https://49983-ib1.e2b.dev", false);
	e2b_config_release(&c);
	f.addressing = "url";
	assert_int_equal(e2b_config_load(&c, &f, NULL, NULL, &e), -EINVAL);
	e2b_config_release(&c);
	f.addressing = "bogus";
	assert_int_equal(e2b_config_load(&c, &f, NULL, NULL, &e), -EINVAL);
	e2b_config_release(&c);
	f.addressing = NULL;
	f.debug = "true";
	assert_int_equal(e2b_config_load(&c, &f, NULL, NULL, &e), 0);
	assert_string_equal(c.api_url, "http://localhost:3000");
	base(&c, 49999, NULL, "http://localhost:49999", true);
	e2b_config_release(&c);
	/* Where the CA bundle came from, for its error messages. */
	text = "E2B_CA_BUNDLE=/x/ca.pem\n";
	dotenv_free(d);
	d = dotenv_parse(text, strlen(text), NULL);
	assert_int_equal(e2b_config_load(&c, &f, NULL, d, &e), 0);
	assert_string_equal(c.ca_bundle, "/x/ca.pem");
	assert_true(c.ca_from_env);
	e2b_config_release(&c);
	f.ca_bundle = "/y/ca.pem";
	assert_int_equal(e2b_config_load(&c, &f, NULL, d, &e), 0);
	assert_string_equal(c.ca_bundle, "/y/ca.pem");
	assert_false(c.ca_from_env);
	e2b_config_release(&c);
	dotenv_free(d);
	log_clear_secrets();
}

static void
test_b64(void **state)
{
	/* Padding is optional, whitespace skipped, the URL alphabet taken. */
	static const struct {
		const char *b64, *text;
	} dec[] = { { "aGVsbG8K", "hello\n" }, { "YWI", "ab" },
		{ "Y W\nI=", "ab" }, { "-_8", "\xfb\xff" } };
	static const char *const bad[] = { "Y", "YW=I", "Y!==" };
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	b64_encode(&b, "hello\n", 6);
	assert_string_equal(b.ptr, "aGVsbG8K");
	buf_reset(&b);
	b64_encode(&b, "ab", 2);
	assert_string_equal(b.ptr, "YWI=");
	for (i = 0; i < ARRAY_SIZE(dec); i++) {
		buf_reset(&b);
		assert_int_equal(
		    b64_decode(&b, dec[i].b64, strlen(dec[i].b64)), 0);
		assert_string_equal(b.ptr, dec[i].text);
	}
	buf_reset(&b);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(
		    b64_decode(&b, bad[i], strlen(bad[i])), -EINVAL);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_print_py(void **state)
{
	const char *t = "{\"a\":[1,2.5,null,true],\"s\":\"\\u00e9\\n\\\"\","
	                "\"e\":\"\\ud83d\\ude00\",\"o\":{}}";
	struct json *j = json_parse(t, strlen(t));
	struct buf b = BUF_INIT;

	(void)state;
	json_add_raw(j, "r", "23.5");
	assert_int_equal(json_print_py(j, &b), 0);
	assert_string_equal(b.ptr,
	    "{\"a\": [1, 2.5, null, true], \"s\": \"\\u00e9\\n\\\"\", "
	    "\"e\": \"\\ud83d\\ude00\", \"o\": {}, \"r\": 23.5}");
	json_free(j);
	buf_release(&b);
}

/* A bad CA bundle is named after where it came from. */
static void
test_ca_source(void **state)
{
	struct e2b_config cfg;
	struct e2b_api api;
	struct rerr e;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.domain = (char *)"e2b.app";
	cfg.ca_bundle = (char *)"/nonexistent/ca.pem";
	cfg.ca_from_env = true;
	rerr_clear(&e);
	assert_int_equal(e2b_api_init(&api, &cfg, &e), -ENOENT);
	assert_string_equal(rerr_str(&e),
	    "E2B_CA_BUNDLE=/nonexistent/ca.pem: No such file or directory: "
	    "set E2B_CA_BUNDLE to a PEM CA bundle file or unset it");
	e2b_api_release(&api);
	cfg.ca_from_env = false;
	rerr_clear(&e);
	assert_int_equal(e2b_api_init(&api, &cfg, &e), -ENOENT);
	assert_non_null(strstr(rerr_str(&e), "--ca-bundle /nonexistent"));
	e2b_api_release(&api);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_sandbox_parse),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_print_py),
		cmocka_unit_test(test_ca_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
