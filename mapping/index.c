/*
 * The hash index behind table lookups: open addressing with linear
 * probing over (hash, rule number) slots, kept at most half full. Keys
 * are not copied; they live in the table's arena and are found through
 * the rule they belong to, so the index costs 8 bytes a slot.
 */
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* Reads 8 or 4 bytes as a number, in the machine's byte order. */
static inline uint64_t
load64(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

static inline uint64_t
load32(const char *s)
{
	uint32_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* Eight bytes at a time: each word is folded in with a multiply and a
 * shift, and a final mix spreads every input bit over the low bits the
 * mask keeps. The last 1-7 bytes are read as one word too, by loads
 * that may overlap (the length, mixed in first, tells the cases
 * apart). Byte-at-a-time FNV-1a cost several times more per key. The
 * keys come from the operator's table; peers only look them up, so
 * there is no flooding to defend against here. */
uint32_t
strindex_hash(const char *s, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = len * k, w;

	for (; len >= 8; s += 8, len -= 8) {
		h = (h ^ load64(s)) * k;
		h ^= h >> 29;
	}
	if (len > 0) {
		if (len >= 4)
			w = load32(s) | load32(s + len - 4) << 32;
		else
			w = (uint64_t)(unsigned char)s[0] |
			    (uint64_t)(unsigned char)s[len / 2] << 8 |
			    (uint64_t)(unsigned char)s[len - 1] << 16;
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Puts id in the first free slot of its probe sequence. */
static void
place(struct strindex_slot *slots, uint32_t mask, uint32_t hash,
    uint32_t id)
{
	uint32_t i = hash & mask;

	while (slots[i].id != 0)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].id = id;
}

/* Doubles the slot array (or creates it), re-placing what it held. */
static int
grow(struct strindex *ix)
{
	struct strindex_slot *slots;
	uint32_t cap, i;

	cap = ix->slots == NULL ? 16 : (ix->mask + 1) * 2;
	if (cap == 0 || (slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	if (ix->slots != NULL) {
		for (i = 0; i <= ix->mask; i++)
			if (ix->slots[i].id != 0)
				place(slots, cap - 1, ix->slots[i].hash,
				    ix->slots[i].id);
		free(ix->slots);
	}
	ix->slots = slots;
	ix->mask = cap - 1;
	return 0;
}

/* Adds rule number id - 1 under the given hash of its key; duplicates
 * are the caller's business (it looks first). -1 when out of memory. */
int
strindex_insert(struct strindex *ix, uint32_t hash, uint32_t id)
{
	if (ix->slots == NULL || (ix->count + 1) * 2 > ix->mask + 1)
		if (grow(ix) == -1)
			return -1;
	place(ix->slots, ix->mask, hash, id);
	ix->count++;
	return 0;
}

/* Returns the id stored for key, or 0. */
uint32_t
strindex_find(const struct strindex *ix, const struct map_table *t,
    int side, const char *key, size_t len, uint32_t hash)
{
	struct span k;
	uint32_t i;

	if (ix->slots == NULL)
		return 0;
	for (i = hash & ix->mask; ix->slots[i].id != 0; i = (i + 1) & ix->mask) {
		if (ix->slots[i].hash != hash)
			continue;
		k = rule_key(t, &t->rules[ix->slots[i].id - 1], side);
		if (k.len == len && memcmp(k.p, key, len) == 0)
			return ix->slots[i].id;
	}
	return 0;
}

/* Releases the slots. */
void
strindex_free(struct strindex *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}
