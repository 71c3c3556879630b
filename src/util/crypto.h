/*
 * crypto - SHA-256, HMAC-SHA-256 and hex over mbedTLS.  The only module that
 * includes mbedTLS headers for hashing; everything else sees these calls.
 */
#ifndef UTIL_CRYPTO_H
#define UTIL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

struct crypto_sha256; /* streaming context */

void crypto_sha256(
    const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t klen, const void *p, size_t n,
    unsigned char out[CRYPTO_SHA256_LEN]);
struct crypto_sha256 *crypto_sha256_new(void);
void crypto_sha256_update(struct crypto_sha256 *c, const void *p, size_t n);
/* Writes the digest and frees `c`. */
void crypto_sha256_final(
    struct crypto_sha256 *c, unsigned char out[CRYPTO_SHA256_LEN]);
/*
 * The SHA-256 behind the calls above: "sha-ni" (the x86 SHA extensions)
 * when the CPU has them and ROMA_NO_SHANI is unset or "0" (read once), else
 * "mbedtls".  crypto_sha256_force_mbedtls(true) switches to mbedTLS for
 * what follows (tests compare the two); call it before starting threads.
 */
const char *crypto_sha256_impl(void);
void crypto_sha256_force_mbedtls(bool on);
/* Lower-case hex of `n` bytes into `out`, which holds 2n+1 bytes. */
void crypto_hex(const unsigned char *in, size_t n, char *out);
/* mbedTLS's version, e.g. "3.6.6". */
const char *crypto_version(void);

#endif
