/*
 * Unit tests for util/sha256ni against mbedTLS (crypto's fallback, forced
 * with crypto_sha256_force_mbedtls): every length to 2048 at every
 * alignment mod 16, random streaming chunkings, the FIPS 180-2 vectors, a
 * 64 MiB buffer, and the switch between the two (ROMA_NO_SHANI).  The
 * SHA-NI cases are skipped on a CPU without the SHA extensions.
 */
#include "roma.h"
#include "util/crypto.h"
#include "util/sha256ni.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAXLEN 2048

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void
fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
}

/* mbedTLS's digest, through crypto's forced fallback. */
static void
ref_sha256(const void *p, size_t n, unsigned char out[32])
{
	crypto_sha256_force_mbedtls(true);
	assert_string_equal(crypto_sha256_impl(), "mbedtls");
	crypto_sha256(p, n, out);
	crypto_sha256_force_mbedtls(false);
}

static void
need_shani(void)
{
	if (!sha256ni_available())
		skip();
}

static void
hex_equal(const unsigned char d[32], const char *want)
{
	char hex[65];

	crypto_hex(d, 32, hex);
	assert_string_equal(hex, want);
}

static const struct {
	const char *msg;
	const char *sha;
} vectors[] = {
	{ "",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

#define MILLION_A \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void
test_fips_vectors(void **state)
{
	unsigned char d[32];
	char *a = malloc(1000000);
	size_t i;

	(void)state;
	assert_non_null(a);
	memset(a, 'a', 1000000);
	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		ref_sha256(vectors[i].msg, strlen(vectors[i].msg), d);
		hex_equal(d, vectors[i].sha);
	}
	ref_sha256(a, 1000000, d);
	hex_equal(d, MILLION_A);
	if (sha256ni_available()) {
		for (i = 0; i < ARRAY_SIZE(vectors); i++) {
			sha256ni(vectors[i].msg, strlen(vectors[i].msg), d);
			hex_equal(d, vectors[i].sha);
		}
		sha256ni(a, 1000000, d);
		hex_equal(d, MILLION_A);
	}
	free(a);
}

/* Every length 0..2048, each from a different offset mod 16. */
static void
test_every_length(void **state)
{
	unsigned char buf[MAXLEN + 16], want[32], got[32];
	size_t n, off;

	(void)state;
	need_shani();
	fill_random(buf, sizeof(buf));
	for (n = 0; n <= MAXLEN; n++) {
		off = n % 16;
		ref_sha256(buf + off, n, want);
		sha256ni(buf + off, n, got);
		assert_memory_equal(got, want, 32);
		crypto_sha256(buf + off, n, got); /* the automatic choice */
		assert_memory_equal(got, want, 32);
	}
	sha256ni(NULL, 0, got);
	hex_equal(got, vectors[0].sha);
}

/* `n` bytes of `p` through the streaming calls in random pieces. */
static void
stream_random(const unsigned char *p, size_t n, unsigned char out[32])
{
	struct crypto_sha256 *c = crypto_sha256_new();
	size_t off = 0, k;

	while (off < n) {
		switch (next_rand() % 4) {
		case 0:
			k = 0;
			break;
		case 1:
			k = next_rand() % 64 + 1;
			break;
		case 2:
			k = 64;
			break;
		default:
			k = next_rand() % 4096;
		}
		k = k > n - off ? n - off : k;
		crypto_sha256_update(c, p + off, k);
		off += k;
	}
	crypto_sha256_final(c, out);
}

static void
test_streaming(void **state)
{
	static unsigned char buf[20000];
	unsigned char want[32], got[32];
	size_t n;
	int i, forced;

	(void)state;
	need_shani();
	fill_random(buf, sizeof(buf));
	for (forced = 0; forced < 2; forced++) {
		for (i = 0; i < 300; i++) {
			n = i < 130 ? (size_t)i : next_rand() % sizeof(buf);
			ref_sha256(buf, n, want);
			crypto_sha256_force_mbedtls(forced);
			assert_string_equal(crypto_sha256_impl(),
			    forced ? "mbedtls" : "sha-ni");
			stream_random(buf, n, got);
			crypto_sha256_force_mbedtls(false);
			assert_memory_equal(got, want, 32);
		}
	}
}

static void
test_large(void **state)
{
	size_t n = 64u << 20;
	unsigned char *p = malloc(n), want[32], got[32];
	struct sha256ni s;

	(void)state;
	need_shani();
	assert_non_null(p);
	fill_random(p, n);
	ref_sha256(p, n, want);
	sha256ni(p, n, got);
	assert_memory_equal(got, want, 32);
	/* A message not a whole number of blocks, streamed in odd pieces. */
	sha256ni_init(&s);
	sha256ni_update(&s, p, 3);
	sha256ni_update(&s, p + 3, (1u << 20) + 5);
	sha256ni_update(&s, p + 3 + (1u << 20) + 5, n - 13 - (1u << 20));
	sha256ni_final(&s, got);
	ref_sha256(p, n - 5, want);
	assert_memory_equal(got, want, 32);
	free(p);
}

/* ROMA_NO_SHANI is read when the choice is made (once, in a program). */
static void
test_switch(void **state)
{
	const char *ni = sha256ni_available() ? "sha-ni" : "mbedtls";

	(void)state;
	setenv("ROMA_NO_SHANI", "1", 1);
	crypto_sha256_force_mbedtls(false);
	assert_string_equal(crypto_sha256_impl(), "mbedtls");
	setenv("ROMA_NO_SHANI", "0", 1);
	crypto_sha256_force_mbedtls(false);
	assert_string_equal(crypto_sha256_impl(), ni);
	unsetenv("ROMA_NO_SHANI");
	crypto_sha256_force_mbedtls(true);
	assert_string_equal(crypto_sha256_impl(), "mbedtls");
	crypto_sha256_force_mbedtls(false);
	assert_string_equal(crypto_sha256_impl(), ni);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_switch),
	};

	/* The cases set it themselves: one from the caller would skew them. */
	unsetenv("ROMA_NO_SHANI");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
