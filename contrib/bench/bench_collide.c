/*
 * Via branches for the hash-flooding scenarios (issue 10 item 3).
 *
 * Colliding: every branch has one and the same 32-bit FNV-1a hash, the
 * unkeyed hash the gateway's tables used to have. Joux's multicollision:
 * from the state after the common prefix, a birthday search finds two
 * blocks of BLOCK characters that lead to the same state (about 2^16
 * tries); from there the next pair, and so on for COLLIDE_STAGES stages.
 * Branch number i takes block (i >> s) & 1 of stage s: 2^stages different
 * branches, one hash. What follows the branch in the gateway's key (the
 * sent-by and the method) is the same for all, and FNV-1a carries only
 * its state forward, so the keys collide too. They are computed once,
 * when the scenario starts (24 birthday searches of about 2^16 tries).
 *
 * Random: branches of the same length, random characters, for the same
 * load without the collisions.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BLOCK		6
#define SEEN_BITS	20		/* birthday table: 2^20 slots, 2^19 tries */

static const char alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct collide {
	char	 pair[COLLIDE_STAGES][2][BLOCK];
	uint64_t rng;
};

/* FNV-1a, 32 bits, continued from state h. */
static uint32_t
fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* splitmix64's finalizer: every output bit depends on every input bit. */
static uint64_t
mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Block number j (all its characters vary with j). */
static void
block_of(uint64_t j, char out[BLOCK])
{
	j = mix(j);
	for (int i = 0; i < BLOCK; i++, j /= 62)
		out[i] = alphabet[j % 62];
}

/* Two different blocks taking FNV-1a from h to one state; -1 if none. */
static int
find_pair(uint64_t *seen, uint32_t *h, char a[BLOCK], char b[BLOCK])
{
	size_t size = (size_t)1 << SEEN_BITS, i;
	uint32_t out;
	char blk[BLOCK];

	memset(seen, 0, size * sizeof(*seen));
	for (uint64_t j = 0; j < size / 2; j++) {
		block_of(j, blk);
		out = fnv1a(*h, blk, BLOCK);
		for (i = out & (size - 1); seen[i] != 0;
		    i = (i + 1) & (size - 1)) {
			if ((uint32_t)(seen[i] >> 32) != out)
				continue;
			block_of((seen[i] & 0xffffffffu) - 1, a);
			if (memcmp(a, blk, BLOCK) == 0)
				continue;
			memcpy(b, blk, BLOCK);
			*h = out;
			return 0;
		}
		seen[i] = (uint64_t)out << 32 | (j + 1);
	}
	return -1;
}

/* The colliding blocks for branches that start with prefix. */
struct collide *
collide_new(const char *prefix)
{
	struct collide *c = xcalloc(1, sizeof(*c));
	uint64_t *seen = xcalloc((size_t)1 << SEEN_BITS, sizeof(*seen));
	uint32_t h = fnv1a(2166136261u, prefix, strlen(prefix));

	for (int s = 0; s < COLLIDE_STAGES; s++)
		if (find_pair(seen, &h, c->pair[s][0], c->pair[s][1]) != 0) {
			bench_warnx("collide: no FNV-1a collision at stage %d",
			    s);
			free(seen);
			free(c);
			return NULL;
		}
	free(seen);
	c->rng = (uint64_t)now_ns();
	return c;
}

/*
 * Writes COLLIDE_LEN characters and a NUL: colliding branch number i
 * (modulo 2^COLLIDE_STAGES), or random characters.
 */
void
collide_branch(struct collide *c, int random, uint64_t i, char *out)
{
	for (int s = 0; s < COLLIDE_STAGES; s++, out += BLOCK) {
		if (random)
			block_of(c->rng++, out);
		else
			memcpy(out, c->pair[s][(i >> s) & 1], BLOCK);
	}
	*out = '\0';
}

void
collide_free(struct collide *c)
{
	free(c);
}
