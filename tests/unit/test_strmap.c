/*
 * The intrusive string hash behind the transaction, completed-response
 * and presence indexes: find, insert, remove, growth, a walk that
 * removes as it goes, and keys built to collide under the unkeyed hash
 * it used before (hash flooding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

#define N 10000

#define STAGES		12		/* 2^12 colliding keys */
#define BLOCK		6		/* characters a stage adds */
#define SEEN_BITS	20		/* birthday table: 2^20 slots, 2^19 tries */

static const char alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct item {
	struct strmap_node node;	/* first: a node is its item */
	char key[16];
	int seen;
};

/* Many keys force several doublings; each is found, and only once. */
static void
test_insert_find_grow(void **state)
{
	struct strmap m;
	struct item *items = calloc(N, sizeof(*items));
	size_t walked = 0;

	(void)state;
	assert_non_null(items);
	strmap_init(&m);
	assert_null(strmap_find(&m, "nothing"));
	assert_null(strmap_next(&m, NULL));
	for (int i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "k%d", i);
		assert_int_equal(strmap_insert(&m, &items[i].node,
		    items[i].key), 0);
	}
	assert_int_equal(m.n, N);
	for (int i = 0; i < N; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		assert_ptr_equal(strmap_find(&m, key), &items[i].node);
		/* Again: the hash of the last key is remembered. */
		assert_ptr_equal(strmap_find(&m, key), &items[i].node);
		key[0] = 'K';
		assert_null(strmap_find(&m, key));
	}
	assert_null(strmap_find(&m, "k10000"));
	for (struct strmap_node *n = strmap_next(&m, NULL); n != NULL;
	    n = strmap_next(&m, n)) {
		((struct item *)n)->seen++;
		walked++;
	}
	assert_int_equal(walked, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(items[i].seen, 1);
	strmap_free(&m);
	free(items);
}

/* A walk may remove the node it holds once it has the next one. */
static void
test_remove_while_walking(void **state)
{
	struct strmap m;
	struct item *items = calloc(N, sizeof(*items));
	struct strmap_node *n, *next;

	(void)state;
	assert_non_null(items);
	strmap_init(&m);
	for (int i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "%d", i);
		assert_int_equal(strmap_insert(&m, &items[i].node,
		    items[i].key), 0);
	}
	for (n = strmap_next(&m, NULL); n != NULL; n = next) {
		next = strmap_next(&m, n);
		if (atoi(((struct item *)n)->key) % 2 == 0)
			strmap_remove(&m, n);
	}
	assert_int_equal(m.n, N / 2);
	assert_null(strmap_find(&m, "0"));
	assert_non_null(strmap_find(&m, "1"));
	/* Removing a node that is not in the map changes nothing. */
	strmap_remove(&m, &items[0].node);
	assert_int_equal(m.n, N / 2);
	strmap_free(&m);
	free(items);
}

/* FNV-1a, 32 bits, from state h: the hash strmap used to have. */
static uint32_t
fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Block number j: BLOCK characters, all of them varying with j (blocks
 * that differ in a few bytes only hardly ever collide under FNV-1a, so
 * j is mixed first, by splitmix64's finalizer).
 */
static void
block_of(uint64_t j, char out[BLOCK])
{
	j = (j ^ (j >> 30)) * 0xbf58476d1ce4e5b9ULL;
	j = (j ^ (j >> 27)) * 0x94d049bb133111ebULL;
	j ^= j >> 31;
	for (int i = 0; i < BLOCK; i++, j /= 62)
		out[i] = alphabet[j % 62];
}

/*
 * Two different blocks that take FNV-1a from state h to the same state
 * (a birthday search: about 2^16 blocks for 32 bits). Returns that state.
 */
static uint32_t
colliding_pair(uint32_t h, char a[BLOCK], char b[BLOCK])
{
	size_t size = (size_t)1 << SEEN_BITS, i;
	uint64_t *seen = calloc(size, sizeof(*seen));	/* state << 32 | j+1 */
	uint32_t out = 0;
	char blk[BLOCK];

	assert_non_null(seen);
	for (uint64_t j = 0; j < size / 2; j++) {
		block_of(j, blk);
		out = fnv1a(h, blk, BLOCK);
		for (i = out & (size - 1); seen[i] != 0; i = (i + 1) &
		    (size - 1))
			if ((uint32_t)(seen[i] >> 32) == out) {
				block_of((seen[i] & 0xffffffffu) - 1, a);
				if (memcmp(a, blk, BLOCK) == 0)
					continue;	/* the same block */
				memcpy(b, blk, BLOCK);
				free(seen);
				return out;
			}
		seen[i] = (uint64_t)out << 32 | (j + 1);
	}
	free(seen);
	fail_msg("no FNV-1a collision among %zu blocks", size / 2);
	return 0;
}

/*
 * 2^STAGES keys with one and the same FNV-1a hash (Joux's
 * multicollision: a colliding pair of blocks per stage, each key picks
 * one of every pair), shaped like the completed cache's keys: a Via
 * branch, then the sent-by and the method. The common suffix keeps the
 * collision, since FNV-1a's state is all it carries forward.
 */
static char **
flood_keys(size_t *n)
{
	static const char prefix[] = "z9hG4bK", suffix[] = " 10.0.0.1:5060 "
	    "MESSAGE";
	char pair[STAGES][2][BLOCK];
	uint32_t h = fnv1a(2166136261u, prefix, sizeof(prefix) - 1);
	size_t len = sizeof(prefix) - 1 + STAGES * BLOCK + sizeof(suffix);
	char **keys;

	for (int s = 0; s < STAGES; s++)
		h = colliding_pair(h, pair[s][0], pair[s][1]);
	*n = (size_t)1 << STAGES;
	keys = calloc(*n, sizeof(*keys));
	assert_non_null(keys);
	for (size_t k = 0; k < *n; k++) {
		char *p = keys[k] = malloc(len);

		assert_non_null(p);
		memcpy(p, prefix, sizeof(prefix) - 1);
		p += sizeof(prefix) - 1;
		for (int s = 0; s < STAGES; s++, p += BLOCK)
			memcpy(p, pair[s][(k >> s) & 1], BLOCK);
		memcpy(p, suffix, sizeof(suffix));
	}
	return keys;
}

/* The longest chain of a map, and how many buckets are used. */
static size_t
longest_chain(const struct strmap *m, size_t *used)
{
	size_t longest = 0;

	*used = 0;
	for (size_t i = 0; i <= m->mask; i++) {
		size_t len = 0;

		for (struct strmap_node *n = m->buckets[i]; n != NULL;
		    n = n->next)
			len++;
		*used += len > 0;
		if (len > longest)
			longest = len;
	}
	return longest;
}

/*
 * A peer sends 4,096 Via branches that all collide under FNV-1a (the
 * attack of issue 10: 476 us a MESSAGE instead of 11.6 once 32,768 were
 * cached). Under the old hash they all fell into one bucket; under the
 * keyed hash they spread like any keys: short chains, most buckets used.
 */
static void
run_flood(const unsigned char *key)
{
	struct strmap m;
	struct item *items;
	size_t n, used, longest;
	char **keys = flood_keys(&n);
	uint32_t h0 = fnv1a(2166136261u, keys[0], strlen(keys[0]));

	/* The attack is real: one FNV-1a value, n different keys. */
	for (size_t k = 1; k < n; k++) {
		assert_int_equal(fnv1a(2166136261u, keys[k], strlen(keys[k])),
		    h0);
		assert_string_not_equal(keys[k], keys[k - 1]);
	}
	if (key != NULL)
		strmap_set_key_for_test(key);
	items = calloc(n, sizeof(*items));
	assert_non_null(items);
	strmap_init(&m);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(strmap_insert(&m, &items[k].node, keys[k]), 0);
	for (size_t k = 0; k < n; k++)
		assert_ptr_equal(strmap_find(&m, keys[k]), &items[k].node);
	longest = longest_chain(&m, &used);
	print_message("%zu colliding keys, %zu buckets: longest chain %zu, "
	    "%zu buckets used\n", n, m.mask + 1, longest, used);
	/* n random keys in n buckets: about 7 at most, 63 % used. */
	assert_true(longest <= 16);
	assert_true(used >= (m.mask + 1) / 2);
	strmap_free(&m);
	for (size_t k = 0; k < n; k++)
		free(keys[k]);
	free(keys);
	free(items);
}

/* The flood under a fixed key (reproducible)... */
static void
test_flood_fixed_key(void **state)
{
	static const unsigned char key[16] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	};

	(void)state;
	run_flood(key);
}

/* ...and under the key of the process, from getrandom(). */
static void
test_flood_process_key(void **state)
{
	(void)state;
	assert_int_equal(strmap_seed(), 0);
	run_flood(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_grow),
		cmocka_unit_test(test_remove_while_walking),
		cmocka_unit_test(test_flood_process_key),
		cmocka_unit_test(test_flood_fixed_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
