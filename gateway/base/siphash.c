/*
 * SipHash-2-4, written from the paper (Aumasson, Bernstein: "SipHash: a
 * fast short-input PRF", INDOCRYPT 2012, §2): four 64-bit words of state
 * initialised from the key, two SipRounds per 8-byte message word, the
 * length in the top byte of the last word, four SipRounds to finish.
 */
#include <endian.h>
#include <string.h>

#include "siphash.h"

/* Rotates x left by b bits (0 < b < 64). */
static inline uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* The 8 bytes at p as a little-endian number: one load. */
static inline uint64_t
load64_le(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return le64toh(w);
}

/* The first n (< 8) bytes at p as a little-endian number. */
static inline uint64_t
load_tail_le(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	while (n-- > 0)
		w = (w << 8) | p[n];
	return w;
}

/* The paper's SipRound (§2, figure 2): add, rotate, xor on v0..v3. */
#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

/* Reads the 16 key bytes as the paper's two little-endian words. */
void
siphash_key_from_bytes(struct siphash_key *k, const unsigned char bytes[16])
{
	k->k0 = load64_le(bytes);
	k->k1 = load64_le(bytes + 8);
}

/* SipHash-2-4 of len bytes at msg under key k. */
uint64_t
siphash24(const struct siphash_key *k, const void *msg, size_t len)
{
	const unsigned char *p = msg;
	/* §2 "Initialization": the key and "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = k->k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k->k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k->k1 ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t left = len;

	/* §2 "Compression": each word goes into v3, two rounds, then v0. */
	for (; left >= 8; p += 8, left -= 8) {
		m = load64_le(p);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last 0-7 bytes, and the length mod 256 in the top byte. */
	m = load_tail_le(p, left) | (uint64_t)(len & 0xff) << 56;
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	/* §2 "Finalization": 0xff into v2, four rounds, the xor of all. */
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
