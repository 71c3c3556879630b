/* Unit tests for s3/endpoint: region and endpoint precedence, addressing
 * style, the URL table (virtual host, dotted bucket, custom endpoint with
 * port or path, awkward keys), region hints, other services' endpoints. */
#include "roma.h"
#include "s3/endpoint.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/roma-endpoint.XXXXXX";
static char config[256];

static const char *const vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
	"AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" };

static void
write_config(const char *text)
{
	FILE *f = fopen(config, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char creds[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	unlink(config);
	snprintf(creds, sizeof(creds), "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
	setenv("AWS_CONFIG_FILE", config, 1);
	return 0;
}

static int
setup_group(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(config, sizeof(config), "%s/config", dir);
	return 0;
}

static int
teardown_group(void **state)
{
	(void)state;
	unlink(config);
	rmdir(dir);
	return 0;
}

/* Resolve `o` and check the region and, unless NULL, where it came from. */
static void
expect_region(
    const struct endpoint_opts *o, const char *region, const char *from)
{
	struct endpoint ep;

	assert_int_equal(endpoint_resolve(o, &ep, NULL), 0);
	assert_string_equal(ep.region, region);
	if (from != NULL)
		assert_string_equal(ep.region_from, from);
	endpoint_release(&ep);
}

static void
test_region_precedence(void **state)
{
	struct endpoint_opts o = { 0 };
	struct endpoint ep;

	(void)state;
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_true(endpoint_is_aws(&ep));
	endpoint_release(&ep);
	/* Each step outranks the one before. */
	expect_region(&o, "us-east-1", "default");
	write_config("[default]\nregion = eu-central-1\n"
	             "[profile dev]\nregion = ap-south-1\n");
	expect_region(&o, "eu-central-1", NULL);
	setenv("AWS_PROFILE", "dev", 1);
	expect_region(&o, "ap-south-1", "profile");
	setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
	expect_region(&o, "us-west-1", NULL);
	setenv("AWS_REGION", "us-west-2", 1);
	expect_region(&o, "us-west-2", NULL);
	o.region = "sa-east-1";
	expect_region(&o, "sa-east-1", "--region");
	o.region = "evil.example.com/";
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), -EINVAL);
	endpoint_release(&ep);
}

static void
test_endpoint_precedence(void **state)
{
	struct endpoint_opts o = { 0 };
	struct endpoint ep;
	struct rerr e = { 0 };

	(void)state;
	write_config("[default]\nendpoint_url = http://profile:1\n"
	             "services = local\n"
	             "s3 =\n  addressing_style = virtual\n"
	             "[services local]\ns3 =\n  endpoint_url = http://svc:2\n");
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_string_equal(ep.host, "svc:2");
	assert_int_equal(ep.style, ENDPOINT_VIRTUAL);
	endpoint_release(&ep);
	setenv("AWS_ENDPOINT_URL", "http://global:3", 1);
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_string_equal(ep.host, "global:3");
	assert_string_equal(ep.url_from, "AWS_ENDPOINT_URL");
	endpoint_release(&ep);
	setenv("AWS_ENDPOINT_URL_S3", "https://s3env:4/", 1);
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_string_equal(ep.host, "s3env:4");
	assert_string_equal(ep.scheme, "https");
	assert_string_equal(ep.base, "");
	endpoint_release(&ep);
	o.endpoint = "http://flag:5";
	o.style = ENDPOINT_PATH;
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_string_equal(ep.host, "flag:5");
	assert_string_equal(ep.url_from, "--endpoint");
	assert_int_equal(ep.style, ENDPOINT_PATH);
	endpoint_release(&ep);
	o.endpoint = NULL;
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_true(endpoint_is_aws(&ep));
	endpoint_release(&ep);
	o.endpoint = "ftp://x";
	assert_int_equal(endpoint_resolve(&o, &ep, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "ftp://x"));
	endpoint_release(&ep);
	o.endpoint = NULL;
	write_config("[default]\ns3 =\n  addressing_style = sideways\n");
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	endpoint_release(&ep);
	o.style = ENDPOINT_AUTO;
	assert_int_equal(endpoint_resolve(&o, &ep, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "sideways"));
	endpoint_release(&ep);
}

/* Which custom endpoints are on this machine (their payloads go unsigned). */
static void
test_loopback(void **state)
{
	static const struct {
		const char *url;
		bool loopback;
	} cases[] = {
		{ "http://127.0.0.1:9000", true },
		{ "http://127.9.8.7", true },
		{ "http://LocalHost:1/base", true },
		{ "http://[::1]:5", true },
		{ "http://0.0.0.0:1", false },
		{ "http://localhost.example", false },
		{ "http://127x.example", false },
		{ "http://10.0.0.1", false },
		{ "http://[::2]", false },
	};
	struct endpoint_opts o = { 0 };
	struct endpoint ep;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		o.endpoint = cases[i].url;
		assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
		if (ep.loopback != cases[i].loopback)
			fail_msg("%s: loopback %d", cases[i].url, ep.loopback);
		endpoint_release(&ep);
	}
	o.endpoint = NULL;
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_false(ep.loopback); /* AWS */
	endpoint_release(&ep);
}

static void
test_urls(void **state)
{
	static const struct {
		const char *endpoint, *region;
		enum endpoint_style style;
		const char *bucket, *key, *query;
		const char *url, *host, *path;
	} t[] = {
		{ NULL, "us-west-2", ENDPOINT_AUTO, "mybucket",
		    "a/b c+d%e/\xc3\xbc//x.txt", NULL,
		    "https://mybucket.s3.us-west-2.amazonaws.com/a/b%20c%2Bd%25e/%C3%BC//x.txt",
		    "mybucket.s3.us-west-2.amazonaws.com",
		    "/a/b%20c%2Bd%25e/%C3%BC//x.txt" },
		{ NULL, "us-west-2", ENDPOINT_AUTO, "my.bucket", "k", NULL,
		    "https://s3.us-west-2.amazonaws.com/my.bucket/k",
		    "s3.us-west-2.amazonaws.com", "/my.bucket/k" },
		{ NULL, "us-east-1", ENDPOINT_AUTO, "My_Bucket", "k", NULL,
		    "https://s3.us-east-1.amazonaws.com/My_Bucket/k",
		    "s3.us-east-1.amazonaws.com", "/My_Bucket/k" },
		{ NULL, "us-east-1", ENDPOINT_AUTO, "bkt", NULL,
		    "list-type=2&prefix=a%2F",
		    "https://bkt.s3.us-east-1.amazonaws.com/?list-type=2&prefix=a%2F",
		    "bkt.s3.us-east-1.amazonaws.com", "/" },
		{ NULL, "us-east-1", ENDPOINT_AUTO, NULL, NULL, NULL,
		    "https://s3.us-east-1.amazonaws.com/",
		    "s3.us-east-1.amazonaws.com", "/" },
		{ NULL, "us-east-1", ENDPOINT_PATH, "bkt", "/lead", NULL,
		    "https://s3.us-east-1.amazonaws.com/bkt//lead",
		    "s3.us-east-1.amazonaws.com", "/bkt//lead" },
		{ NULL, "cn-north-1", ENDPOINT_AUTO, "bkt", "k", NULL,
		    "https://bkt.s3.cn-north-1.amazonaws.com.cn/k",
		    "bkt.s3.cn-north-1.amazonaws.com.cn", "/k" },
		{ "http://127.0.0.1:9000", "us-east-1", ENDPOINT_AUTO, "bkt",
		    "dir/a~b_c-d.e", NULL,
		    "http://127.0.0.1:9000/bkt/dir/a~b_c-d.e", "127.0.0.1:9000",
		    "/bkt/dir/a~b_c-d.e" },
		{ "https://minio.example/s3/", "us-east-1", ENDPOINT_AUTO,
		    "bkt", "k", "uploads",
		    "https://minio.example/s3/bkt/k?uploads", "minio.example",
		    "/s3/bkt/k" },
		{ "http://localhost:9000", "us-east-1", ENDPOINT_VIRTUAL,
		    "my.bkt", "k", NULL, "http://my.bkt.localhost:9000/k",
		    "my.bkt.localhost:9000", "/k" },
		{ "http://[::1]:9000", "us-east-1", ENDPOINT_AUTO, "bkt", "k",
		    NULL, "http://[::1]:9000/bkt/k", "[::1]:9000", "/bkt/k" },
		{ "http://localhost:9000", "us-east-1", ENDPOINT_AUTO, "bkt",
		    NULL, NULL, "http://localhost:9000/bkt", "localhost:9000",
		    "/bkt" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct endpoint_opts o = { 0 };
		struct endpoint ep;
		struct endpoint_req rq = ENDPOINT_REQ_INIT;

		o.endpoint = t[i].endpoint;
		o.region = t[i].region;
		o.style = t[i].style;
		assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
		assert_int_equal(endpoint_build(&ep, t[i].bucket, t[i].key,
		                     t[i].query, &rq, NULL),
		    0);
		assert_string_equal(rq.url.ptr, t[i].url);
		assert_string_equal(rq.host.ptr, t[i].host);
		assert_string_equal(rq.path.ptr, t[i].path);
		endpoint_req_release(&rq);
		endpoint_release(&ep);
	}
}

static void
test_build_errors(void **state)
{
	struct endpoint_opts o = { 0 };
	struct endpoint ep;
	struct endpoint_req rq = ENDPOINT_REQ_INIT;
	struct rerr e = { 0 };

	(void)state;
	o.style = ENDPOINT_VIRTUAL;
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_int_equal(
	    endpoint_build(&ep, "My_Bucket", "k", NULL, &rq, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "path style"));
	assert_int_equal(endpoint_build(&ep, "", "k", NULL, &rq, &e), -EINVAL);
	endpoint_req_release(&rq);
	endpoint_release(&ep);
}

static void
test_bucket_names(void **state)
{
	static const char *const ok[] = { "abc", "a-b.c", "my-bucket-123",
		"0ab", "a.b.c" };
	static const char *const bad[] = {
		"ab", "-ab", "ab-", "a..b", "a.-b", "a-.b", "ABC", "a_b",
		"192.168.1.1", ".ab", "ab.", "",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		assert_true(endpoint_bucket_virtual_ok(ok[i], false));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(endpoint_bucket_virtual_ok(bad[i], false));
	assert_true(endpoint_bucket_virtual_ok("ab-c", true));
	assert_false(endpoint_bucket_virtual_ok("a.b.c", true));
	assert_false(endpoint_bucket_virtual_ok(NULL, false));
}

static void
test_region_hint(void **state)
{
	static const char body[] =
	    "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the "
	    "region 'us-east-1' is wrong; expecting 'eu-west-1'</Message>"
	    "<Region>eu-west-1</Region></Error>";
	struct endpoint_opts o = { 0 };
	struct endpoint ep;
	struct endpoint_req rq = ENDPOINT_REQ_INIT;
	char r[32];

	(void)state;
	assert_int_equal(
	    endpoint_region_hint("ap-northeast-1", NULL, 0, r, sizeof(r)), 0);
	assert_string_equal(r, "ap-northeast-1");
	assert_int_equal(
	    endpoint_region_hint(NULL, body, strlen(body), r, sizeof(r)), 0);
	assert_string_equal(r, "eu-west-1");
	assert_int_equal(
	    endpoint_region_hint("evil.com/x", "<Region>a.b", 11, r, sizeof(r)),
	    -ENOENT);
	assert_int_equal(
	    endpoint_region_hint(NULL, "<Region>x", 9, r, sizeof(r)), -ENOENT);
	assert_int_equal(
	    endpoint_region_hint("eu-west-1", NULL, 0, r, 4), -ENOENT);

	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_int_equal(endpoint_set_region(&ep, "bad/region", NULL), -EINVAL);
	assert_int_equal(endpoint_set_region(&ep, "eu-west-1", NULL), 0);
	assert_int_equal(endpoint_build(&ep, "bkt", "k", NULL, &rq, NULL), 0);
	assert_string_equal(
	    rq.url.ptr, "https://bkt.s3.eu-west-1.amazonaws.com/k");
	endpoint_req_release(&rq);
	endpoint_release(&ep);
	/* A custom endpoint keeps its host; only the signing region moves. */
	o.endpoint = "http://127.0.0.1:9000";
	assert_int_equal(endpoint_resolve(&o, &ep, NULL), 0);
	assert_int_equal(endpoint_set_region(&ep, "eu-west-1", NULL), 0);
	assert_int_equal(endpoint_build(&ep, "bkt", "k", NULL, &rq, NULL), 0);
	assert_string_equal(rq.url.ptr, "http://127.0.0.1:9000/bkt/k");
	assert_string_equal(ep.region, "eu-west-1");
	endpoint_req_release(&rq);
	endpoint_release(&ep);
}

static void
expect_sts_url(const char *region, const char *want)
{
	char *u = endpoint_service_url("sts", NULL, region);

	assert_string_equal(u, want);
	free(u);
}

static void
test_service_url(void **state)
{
	(void)state;
	expect_sts_url("eu-west-1", "https://sts.eu-west-1.amazonaws.com");
	expect_sts_url(NULL, "https://sts.amazonaws.com");
	setenv("AWS_ENDPOINT_URL", "http://all:1", 1);
	expect_sts_url("eu-west-1", "http://all:1");
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:8", 1);
	expect_sts_url("eu-west-1", "http://127.0.0.1:8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_region_precedence, setup),
		cmocka_unit_test_setup(test_endpoint_precedence, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_urls, setup),
		cmocka_unit_test_setup(test_build_errors, setup),
		cmocka_unit_test_setup(test_bucket_names, setup),
		cmocka_unit_test_setup(test_region_hint, setup),
		cmocka_unit_test_setup(test_service_url, setup),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
