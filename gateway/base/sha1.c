/*
 * SHA-1 written from FIPS 180-4 §6.1.2: the message padded with 0x80,
 * zeros and its 64-bit big-endian bit length to whole 64-byte blocks;
 * each block expanded to 80 words and mixed into five state words over
 * four rounds of twenty steps. The base floor links no crypto library,
 * and a caps hash of a few hundred bytes does not need one.
 */
#include <stdint.h>
#include <string.h>

#include "sha1.h"

/* Rotates x left by b bits (0 < b < 32). */
static inline uint32_t
rotl(uint32_t x, int b)
{
	return (x << b) | (x >> (32 - b));
}

/* Mixes one 64-byte block into the state h (FIPS 180-4 §6.1.2, step 1-4). */
static void
block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);			/* Ch */
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;				/* Parity */
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);	/* Maj */
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rotl(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rotl(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* The SHA-1 digest of len bytes at data. */
void
sha1(const void *data, size_t len, unsigned char out[SHA1_LEN])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };		/* FIPS 180-4 §5.3.1 */
	const unsigned char *p = data;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t left, n, i;

	for (left = len; left >= 64; left -= 64, p += 64)
		block(h, p);
	/* §5.1.1: 0x80, zeros, then the length, in one or two blocks. */
	memset(tail, 0, sizeof(tail));
	if (left > 0)
		memcpy(tail, p, left);
	tail[left] = 0x80;
	n = left + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(h, tail);
	if (n == 128)
		block(h, tail + 64);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}
