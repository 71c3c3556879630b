/* Unit tests for net/tls: the order of trust sources and every way a
 * source the user named can be unusable. */
#include "roma.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/rerr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static char tmp[64];
static struct buf path = BUF_INIT;

static const char *
at(const char *name)
{
	buf_reset(&path);
	buf_addf(&path, "%s/%s", tmp, name);
	return path.ptr;
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
clear_env(void)
{
	unsetenv("AWS_CA_BUNDLE");
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	unsetenv("CURL_CA_BUNDLE");
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/roma-test-tls.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	write_file("good.pem", PEM);
	write_file("other.pem", "some text\n" PEM);
	write_file("empty.pem", "");
	write_file("nocert.pem", "-----BEGIN PUBLIC KEY-----\nxx\n");
	assert_int_equal(mkdir(at("certs"), 0755), 0);
	write_file("certs/ca.pem", PEM);
	assert_int_equal(mkdir(at("emptydir"), 0755), 0);
	assert_int_equal(mkdir(at("junkdir"), 0755), 0);
	write_file("junkdir/readme", "no certificates here\n");
	clear_env();
	return 0;
}

static int
teardown(void **state)
{
	const char *const files[] = { "good.pem", "other.pem", "empty.pem",
		"nocert.pem", "certs/ca.pem", "junkdir/readme" };
	const char *const dirs[] = { "certs", "emptydir", "junkdir" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++)
		unlink(at(files[i]));
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		rmdir(at(dirs[i]));
	rmdir(tmp);
	buf_release(&path);
	clear_env();
	return 0;
}

/* Find with `flag` and the given system list; expect success from
 * `source` (path ending in `tail`, or NULL for none). */
static void
expect(const char *flag, const char *const *sys, const char *source,
    const char *tail)
{
	struct tls_ca ca = TLS_CA_INIT;
	struct rerr e;

	rerr_clear(&e);
	if (tls_ca_find_from(flag, sys, &ca, &e) != 0)
		fail_msg("unexpected error: %s", rerr_str(&e));
	assert_string_equal(ca.source, source);
	if (tail) {
		assert_non_null(ca.path);
		assert_true(ca.path[0] == '/');
		assert_non_null(strstr(ca.path, tail));
		assert_int_equal(ca.pem.len, 0);
	} else {
		assert_null(ca.path);
	}
	tls_ca_release(&ca);
}

/* Expect error `err` whose message mentions each of `words`. */
static void
expect_err(const char *flag, int err, const char *w1, const char *w2)
{
	struct tls_ca ca = TLS_CA_INIT;
	struct rerr e;

	rerr_clear(&e);
	assert_int_equal(tls_ca_find_from(flag, NULL, &ca, &e), err);
	assert_null(ca.source);
	assert_null(ca.path);
	if (w1 && strstr(e.msg, w1) == NULL)
		fail_msg("'%s' not in: %s", w1, e.msg);
	if (w2 && strstr(e.msg, w2) == NULL)
		fail_msg("'%s' not in: %s", w2, e.msg);
	assert_null(strchr(e.msg, '\n'));
	tls_ca_release(&ca);
}

static void
test_order(void **state)
{
	char good[128], other[128], certs[128];
	const char *const sys[] = { "/nonexistent/roma/ca.pem", good, NULL };

	(void)state;
	snprintf(good, sizeof(good), "%s", at("good.pem"));
	snprintf(other, sizeof(other), "%s", at("other.pem"));
	snprintf(certs, sizeof(certs), "%s", at("certs"));
	setenv("AWS_CA_BUNDLE", good, 1);
	setenv("SSL_CERT_FILE", good, 1);
	setenv("SSL_CERT_DIR", certs, 1);
	setenv("CURL_CA_BUNDLE", good, 1);
	expect(other, sys, "--ca-bundle", "other.pem");
	expect(NULL, sys, "AWS_CA_BUNDLE", "good.pem");
	unsetenv("AWS_CA_BUNDLE");
	expect(NULL, sys, "SSL_CERT_FILE", "good.pem");
	unsetenv("SSL_CERT_FILE");
	expect(NULL, sys, "SSL_CERT_DIR", "certs");
	unsetenv("SSL_CERT_DIR");
	expect(NULL, sys, "CURL_CA_BUNDLE", "good.pem");
	unsetenv("CURL_CA_BUNDLE");
	expect(NULL, sys, "system", "good.pem");
	expect(NULL, NULL, "embedded", NULL);
}

static void
test_dir_flag(void **state)
{
	struct tls_ca ca = TLS_CA_INIT;

	(void)state;
	setenv("SSL_CERT_DIR", at("certs"), 1);
	assert_int_equal(tls_ca_find_from(NULL, NULL, &ca, NULL), 0);
	assert_true(ca.is_dir);
	tls_ca_release(&ca);
	unsetenv("SSL_CERT_DIR");
	setenv("SSL_CERT_FILE", at("good.pem"), 1);
	assert_int_equal(tls_ca_find_from(NULL, NULL, &ca, NULL), 0);
	assert_false(ca.is_dir);
	tls_ca_release(&ca);
}

static void
test_flag_wins_over_bad_env(void **state)
{
	char good[128];

	(void)state;
	snprintf(good, sizeof(good), "%s", at("good.pem"));
	setenv("AWS_CA_BUNDLE", "/nonexistent/roma.pem", 1);
	expect(good, NULL, "--ca-bundle", "good.pem");
}

static void
test_bad_env_does_not_fall_through(void **state)
{
	(void)state;
	setenv("AWS_CA_BUNDLE", "/nonexistent/roma.pem", 1);
	setenv("SSL_CERT_FILE", at("good.pem"), 1);
	expect_err(
	    NULL, -ENOENT, "AWS_CA_BUNDLE=/nonexistent/roma.pem", "unset it");
}

static void
test_flag_errors(void **state)
{
	(void)state;
	expect_err("", -EINVAL, "--ca-bundle", "empty");
	expect_err("/nonexistent/x.pem", -ENOENT, "--ca-bundle /nonexistent",
	    "give a PEM CA bundle file");
	expect_err(at("certs"), -EINVAL, "is a directory", "SSL_CERT_DIR");
	expect_err(at("empty.pem"), -EINVAL, "empty.pem", "empty");
	expect_err(
	    at("nocert.pem"), -EINVAL, "nocert.pem", "no PEM certificate");
}

static void
test_env_errors(void **state)
{
	static const char *const vars[] = { "AWS_CA_BUNDLE", "SSL_CERT_FILE",
		"CURL_CA_BUNDLE" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vars); i++) {
		setenv(vars[i], "", 1);
		expect_err(NULL, -EINVAL, vars[i], "is empty");
		setenv(vars[i], "/nonexistent/x.pem", 1);
		expect_err(NULL, -ENOENT, vars[i], "/nonexistent/x.pem");
		setenv(vars[i], at("certs"), 1);
		expect_err(NULL, -EINVAL, vars[i], "is a directory");
		setenv(vars[i], at("empty.pem"), 1);
		expect_err(NULL, -EINVAL, vars[i], "file is empty");
		setenv(vars[i], at("nocert.pem"), 1);
		expect_err(NULL, -EINVAL, vars[i], "no PEM certificate");
		unsetenv(vars[i]);
	}
}

static void
test_cert_dir_errors(void **state)
{
	(void)state;
	setenv("SSL_CERT_DIR", "", 1);
	expect_err(NULL, -EINVAL, "SSL_CERT_DIR", "is empty");
	setenv("SSL_CERT_DIR", "/nonexistent/certs", 1);
	expect_err(NULL, -ENOENT, "SSL_CERT_DIR=/nonexistent/certs", NULL);
	setenv("SSL_CERT_DIR", at("good.pem"), 1);
	expect_err(NULL, -EINVAL, "not a directory", "SSL_CERT_FILE");
	setenv("SSL_CERT_DIR", at("emptydir"), 1);
	expect_err(NULL, -EINVAL, "emptydir", "no PEM certificate");
	setenv("SSL_CERT_DIR", at("junkdir"), 1);
	expect_err(NULL, -EINVAL, "junkdir", "no PEM certificate");
}

static void
test_system_skips(void **state)
{
	char empty[128], nocert[128], dir[128], good[128];
	const char *const sys[] = { "/nonexistent/a.pem", empty, nocert, dir,
		good, NULL };
	const char *const none[] = { "/nonexistent/a.pem", empty, NULL };

	(void)state;
	snprintf(empty, sizeof(empty), "%s", at("empty.pem"));
	snprintf(nocert, sizeof(nocert), "%s", at("nocert.pem"));
	snprintf(dir, sizeof(dir), "%s", at("certs"));
	snprintf(good, sizeof(good), "%s", at("good.pem"));
	expect(NULL, sys, "system", "good.pem");
	expect(NULL, none, "embedded", NULL);
	/* The real list has at least the Debian path. */
	assert_string_equal(
	    tls_system_paths[0], "/etc/ssl/certs/ca-certificates.crt");
}

static void
test_relative_made_absolute(void **state)
{
	char cwd[256];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmp), 0);
	expect("good.pem", NULL, "--ca-bundle", "/good.pem");
	assert_int_equal(chdir(cwd), 0);
}

static void
test_embedded(void **state)
{
	struct tls_ca ca = TLS_CA_INIT, copy = TLS_CA_INIT;
	struct buf d = BUF_INIT;
	size_t n;

	(void)state;
	assert_int_equal(tls_ca_find_from(NULL, NULL, &ca, NULL), 0);
	assert_string_equal(ca.source, "embedded");
	n = tls_pem_count(ca.pem.ptr, ca.pem.len);
	assert_true(n > 50); /* Mozilla's bundle holds ~150 */
	assert_int_equal(strlen(ca.pem.ptr), ca.pem.len);
	tls_ca_describe(&ca, &d);
	assert_non_null(strstr(d.ptr, "embedded ("));
	assert_non_null(strstr(d.ptr, " certificates)"));
	tls_ca_copy(&copy, &ca);
	tls_ca_release(&ca);
	assert_string_equal(copy.source, "embedded");
	assert_int_equal(tls_pem_count(copy.pem.ptr, copy.pem.len), n);
	tls_ca_release(&copy);
	buf_release(&d);
}

static void
test_describe(void **state)
{
	struct tls_ca ca = TLS_CA_INIT, copy;
	struct buf d = BUF_INIT;

	(void)state;
	tls_ca_describe(&ca, &d);
	assert_string_equal(d.ptr, "none");
	setenv("SSL_CERT_FILE", at("good.pem"), 1);
	assert_int_equal(tls_ca_find(NULL, &ca, NULL), 0);
	buf_reset(&d);
	tls_ca_describe(&ca, &d);
	assert_true(strncmp(d.ptr, "SSL_CERT_FILE /", 15) == 0);
	tls_ca_copy(&copy, &ca);
	tls_ca_release(&ca);
	assert_non_null(strstr(copy.path, "good.pem"));
	tls_ca_release(&copy);
	buf_release(&d);
}

static void
test_pem_count(void **state)
{
	(void)state;
	assert_int_equal(tls_pem_count("", 0), 0);
	assert_int_equal(
	    tls_pem_count(PEM PEM "x" PEM, strlen(PEM) * 3 + 1), 3);
	/* Only within the given length. */
	assert_int_equal(tls_pem_count(PEM PEM, strlen(PEM) + 10), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_order),
		T(test_dir_flag),
		T(test_flag_wins_over_bad_env),
		T(test_bad_env_does_not_fall_through),
		T(test_flag_errors),
		T(test_env_errors),
		T(test_cert_dir_errors),
		T(test_system_skips),
		T(test_relative_made_absolute),
		T(test_embedded),
		T(test_describe),
		T(test_pem_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
