#include "roma.h"
#include "util/crypto.h"
#include "util/xmem.h"

#include <stdlib.h>

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

struct crypto_sha256 {
	mbedtls_sha256_context ctx;
};

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	mbedtls_sha256(p, n, out, 0);
}

void
crypto_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
    unsigned char out[CRYPTO_SHA256_LEN])
{
	mbedtls_md_hmac(
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, klen, p, n, out);
}

struct crypto_sha256 *
crypto_sha256_new(void)
{
	struct crypto_sha256 *c = xmalloc(sizeof(*c));

	mbedtls_sha256_init(&c->ctx);
	mbedtls_sha256_starts(&c->ctx, 0);
	return c;
}

void
crypto_sha256_update(struct crypto_sha256 *c, const void *p, size_t n)
{
	mbedtls_sha256_update(&c->ctx, p, n);
}

void
crypto_sha256_final(
    struct crypto_sha256 *c, unsigned char out[CRYPTO_SHA256_LEN])
{
	mbedtls_sha256_finish(&c->ctx, out);
	mbedtls_sha256_free(&c->ctx);
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
