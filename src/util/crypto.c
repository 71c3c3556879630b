#include "roma.h"
#include "util/crypto.h"
#include "util/sha256ni.h"
#include "util/xmem.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

/*
 * SHA-256 runs on SHA-NI where the CPU has it: mbedTLS 3.6 accelerates
 * SHA-256 only on Arm, and its C code made the payload hash of signed
 * plain-HTTP uploads most of roma's CPU time (see util/sha256ni.h).
 */
struct crypto_sha256 {
	bool ni; /* chosen at creation, kept to the end */
	union {
		mbedtls_sha256_context mb;
		struct sha256ni ni;
	} u;
};

/* 0: not decided yet, 1: mbedTLS, 2: SHA-NI. */
static _Atomic int impl;

static bool
decide_ni(void)
{
	const char *off = getenv("ROMA_NO_SHANI");

	if (off && *off && strcmp(off, "0") != 0)
		return false;
	return sha256ni_available();
}

static bool
use_ni(void)
{
	int k = impl;

	if (k == 0) {
		k = decide_ni() ? 2 : 1;
		impl = k;
	}
	return k == 2;
}

const char *
crypto_sha256_impl(void)
{
	return use_ni() ? "sha-ni" : "mbedtls";
}

void
crypto_sha256_force_mbedtls(bool on)
{
	impl = on ? 1 : 0;
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	if (use_ni())
		sha256ni(p, n, out);
	else
		mbedtls_sha256(p, n, out, 0);
}

void
crypto_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
    unsigned char out[CRYPTO_SHA256_LEN])
{
	/* Short inputs (the SigV4 key and string to sign): mbedTLS is fine. */
	mbedtls_md_hmac(
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, klen, p, n, out);
}

struct crypto_sha256 *
crypto_sha256_new(void)
{
	struct crypto_sha256 *c = xmalloc(sizeof(*c));

	c->ni = use_ni();
	if (c->ni) {
		sha256ni_init(&c->u.ni);
	} else {
		mbedtls_sha256_init(&c->u.mb);
		mbedtls_sha256_starts(&c->u.mb, 0);
	}
	return c;
}

void
crypto_sha256_update(struct crypto_sha256 *c, const void *p, size_t n)
{
	if (c->ni)
		sha256ni_update(&c->u.ni, p, n);
	else
		mbedtls_sha256_update(&c->u.mb, p, n);
}

void
crypto_sha256_final(
    struct crypto_sha256 *c, unsigned char out[CRYPTO_SHA256_LEN])
{
	if (c->ni) {
		sha256ni_final(&c->u.ni, out);
	} else {
		mbedtls_sha256_finish(&c->u.mb, out);
		mbedtls_sha256_free(&c->u.mb);
	}
	free(c);
}

void
crypto_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

const char *
crypto_version(void)
{
	return MBEDTLS_VERSION_STRING;
}
