/*
 * sha256ni - SHA-256 on the x86 SHA extensions (SHA-NI).
 *
 * mbedTLS 3.6 accelerates SHA-256 only on Arm; its portable C runs at about
 * 350 MiB/s per core, which made the SigV4 payload hash of plain-HTTP
 * uploads roma's main cost.  SHA-NI is several times faster.  Only this file
 * is compiled for those instructions (a function attribute, no global
 * -msha), so the binary still runs on CPUs without them: callers check
 * sha256ni_available() first and use mbedTLS otherwise (util/crypto does).
 */
#ifndef UTIL_SHA256NI_H
#define UTIL_SHA256NI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256NI_BLOCK 64

struct sha256ni {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char buf[SHA256NI_BLOCK];
	size_t fill; /* bytes waiting in buf */
};

/* Whether this CPU has SHA-NI, SSE4.1 and SSSE3 (CPUID, checked once). */
bool sha256ni_available(void);

/* The rest must only be called when sha256ni_available(). */
void sha256ni_init(struct sha256ni *s);
void sha256ni_update(struct sha256ni *s, const void *p, size_t n);
void sha256ni_final(struct sha256ni *s, unsigned char out[32]);
void sha256ni(const void *p, size_t n, unsigned char out[32]);
/* The compression function over `n` whole 64-byte blocks. */
void sha256ni_blocks(uint32_t h[8], const unsigned char *p, size_t n);

#endif
