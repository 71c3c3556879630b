/*
 * SHA-256 (FIPS 180-4) whose compression function runs on the x86 SHA
 * extensions; see sha256ni.h for why it is hand-written.  Written from
 * Intel's description of SHA256RNDS2, SHA256MSG1 and SHA256MSG2:
 *
 * - SHA256RNDS2 does two rounds.  It keeps the eight working variables in
 *   two registers, {A,B,E,F} and {C,D,G,H} (A in the top lane), and takes
 *   W[t] + K[t] for its two rounds from the low 64 bits of a third.  Two
 *   rounds turn {A,B,E,F} into the new one and the old one into the new
 *   {C,D,G,H}, so a pair of calls with the registers' roles swapped does
 *   four rounds and leaves each register where it started.
 * - SHA256MSG1(W[t-16..t-13], W[t-12..t-9]) adds sigma0 of the next word to
 *   each; adding W[t-7..t-4] and then SHA256MSG2 with W[t-4..t-1] (which
 *   adds sigma1 of the word two back, computing the first two new words
 *   before the last two) gives W[t..t+3].
 *
 * Only the compression function uses those instructions, under a target
 * attribute; buffering and padding are plain C.
 */
#include "roma.h"
#include "util/sha256ni.h"

#include <stdlib.h>
#include <string.h>

static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t k256[64] = { 0x428a2f98, 0x71374491, 0xb5c0fbcf,
	0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
	0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
	0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
	0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
	0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c,
	0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee,
	0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2 };

static bool
cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) ||
	    !(c & bit_SSSE3))
		return false;
	/* Leaf 7 sub-leaf 0, EBX bit 29: the SHA extensions. */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & (1u << 29)) != 0;
}

/* Four rounds from W[i..i+3]. */
SHANI static inline void
rounds4(__m128i *abef, __m128i *cdgh, __m128i w, int i)
{
	__m128i wk =
	    _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&k256[i]));

	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	*abef =
	    _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

/* W[t..t+3] from W[t-16..t-1], four words a register. */
SHANI static inline __m128i
schedule4(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	__m128i t = _mm_sha256msg1_epu32(w0, w1);

	t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));
	return _mm_sha256msg2_epu32(t, w3);
}

/* Four big-endian message words. */
SHANI static inline __m128i
load_be(const unsigned char *p)
{
	const __m128i swap =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), swap);
}

SHANI static void
block(__m128i *abef, __m128i *cdgh, const unsigned char *p)
{
	__m128i a0 = *abef, c0 = *cdgh;
	__m128i w0 = load_be(p), w1 = load_be(p + 16), w2 = load_be(p + 32),
	        w3 = load_be(p + 48);
	int i;

	rounds4(abef, cdgh, w0, 0);
	rounds4(abef, cdgh, w1, 4);
	rounds4(abef, cdgh, w2, 8);
	rounds4(abef, cdgh, w3, 12);
	for (i = 16; i < 64; i += 16) {
		w0 = schedule4(w0, w1, w2, w3);
		rounds4(abef, cdgh, w0, i);
		w1 = schedule4(w1, w2, w3, w0);
		rounds4(abef, cdgh, w1, i + 4);
		w2 = schedule4(w2, w3, w0, w1);
		rounds4(abef, cdgh, w2, i + 8);
		w3 = schedule4(w3, w0, w1, w2);
		rounds4(abef, cdgh, w3, i + 12);
	}
	*abef = _mm_add_epi32(*abef, a0);
	*cdgh = _mm_add_epi32(*cdgh, c0);
}

SHANI void
sha256ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	/* h[0..7] = A..H, lane 0 lowest: to {F,E,B,A} and {H,G,D,C}. */
	__m128i badc =
	    _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1);
	__m128i hgfe =
	    _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b);
	__m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
	__m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0);
	__m128i abcd, efgh;

	for (; n > 0; n--, p += SHA256NI_BLOCK)
		block(&abef, &cdgh, p);
	/* And back: {A,B,E,F} and {G,H,C,D} in lane order, then split. */
	abef = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	abcd = _mm_blend_epi16(abef, cdgh, 0xf0);
	efgh = _mm_alignr_epi8(cdgh, abef, 8);
	_mm_storeu_si128((__m128i *)&h[0], abcd);
	_mm_storeu_si128((__m128i *)&h[4], efgh);
}

#else /* not x86 */

static bool
cpu_has_shani(void)
{
	return false;
}

void
sha256ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	(void)h;
	(void)p;
	(void)n;
	abort(); /* callers check sha256ni_available() */
}

#endif

bool
sha256ni_available(void)
{
	/* 0: not yet asked, 1: no, 2: yes.  A race only asks CPUID twice. */
	static _Atomic int known;
	int k = known;

	if (k == 0) {
		k = cpu_has_shani() ? 2 : 1;
		known = k;
	}
	return k == 2;
}

void
sha256ni_init(struct sha256ni *s)
{
	memcpy(s->h, iv, sizeof(s->h));
	s->len = 0;
	s->fill = 0;
}

void
sha256ni_update(struct sha256ni *s, const void *p, size_t n)
{
	const unsigned char *q = p;
	size_t take;

	if (n == 0) /* p may be NULL */
		return;
	s->len += n;
	if (s->fill > 0) {
		take =
		    SHA256NI_BLOCK - s->fill < n ? SHA256NI_BLOCK - s->fill : n;
		memcpy(s->buf + s->fill, q, take);
		s->fill += take;
		q += take;
		n -= take;
		if (s->fill < SHA256NI_BLOCK)
			return;
		sha256ni_blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	sha256ni_blocks(s->h, q, n / SHA256NI_BLOCK);
	q += n - n % SHA256NI_BLOCK;
	s->fill = n % SHA256NI_BLOCK;
	if (s->fill > 0)
		memcpy(s->buf, q, s->fill);
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* FIPS 180-4 §5.1.1: 0x80, zeros, the length in bits (64 bits, big end). */
void
sha256ni_final(struct sha256ni *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	size_t i;

	s->buf[s->fill++] = 0x80;
	if (s->fill > SHA256NI_BLOCK - 8) {
		memset(s->buf + s->fill, 0, SHA256NI_BLOCK - s->fill);
		sha256ni_blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, SHA256NI_BLOCK - 8 - s->fill);
	put_be32(s->buf + 56, (uint32_t)(bits >> 32));
	put_be32(s->buf + 60, (uint32_t)bits);
	sha256ni_blocks(s->h, s->buf, 1);
	for (i = 0; i < 8; i++)
		put_be32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof(*s));
}

void
sha256ni(const void *p, size_t n, unsigned char out[32])
{
	struct sha256ni s;

	sha256ni_init(&s);
	sha256ni_update(&s, p, n);
	sha256ni_final(&s, out);
}
