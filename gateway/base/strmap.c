/*
 * Intrusive string hash (SipHash-2-4, chaining). The table never owns
 * nodes or keys; removing a node is O(chain).
 *
 * The keys of these tables come from the network (Via branches, Call-IDs
 * and tags, addresses). An unkeyed hash lets a peer choose keys that all
 * land in one chain: FNV-1a, used before, has full 32-bit multicollisions
 * (test_strmap.c builds 4,096 keys in a fraction of a second), and 32,768
 * MESSAGEs with such Via branches cost 476 us each instead of 11.6
 * (issue 10). SipHash under a random
 * per-process key makes where a key lands unpredictable to the peer.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "entropy.h"
#include "siphash.h"
#include "strmap.h"

/*
 * The last key hashed and its hash. A request's transaction key is
 * hashed six times in a row (looked up among the transactions and in the
 * completed cache, inserted into both, found again): comparing it with
 * the last one costs a tenth of hashing it again, which keeps SipHash as
 * cheap per message as FNV-1a was.
 */
static struct {
	size_t	 len;		/* 0: nothing kept */
	uint64_t hash;
	char	 key[192];
} last;

static struct siphash_key map_key;
static int keyed;

/*
 * Takes the process's hash key from the kernel, once; main() calls it
 * before the loop runs and stops if it fails. -1 if there is no
 * randomness to be had.
 */
int
strmap_seed(void)
{
	unsigned char raw[16];

	if (keyed)
		return 0;
	if (entropy_fill(raw, sizeof(raw)) < 0)
		return -1;
	siphash_key_from_bytes(&map_key, raw);
	keyed = 1;
	return 0;
}

/* Tests only: a fixed key, so that where keys land can be checked. */
void
strmap_set_key_for_test(const unsigned char key[16])
{
	siphash_key_from_bytes(&map_key, key);
	keyed = 1;
	last.len = 0;
}

/*
 * The key, taken on first use where nobody seeded (unit tests, fuzzers).
 * Should the kernel have no randomness, the clock and the pid still keep
 * a peer from knowing the key in advance; the daemon never gets here
 * that way (main() refuses to start).
 */
static const struct siphash_key *
key_of_process(void)
{
	if (!keyed && strmap_seed() < 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		map_key.k0 = (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec;
		map_key.k1 = (uint64_t)getpid() << 32 ^ (uintptr_t)&ts;
		keyed = 1;
	}
	return &map_key;
}

/* The keyed hash of a key. */
static uint64_t
hash_of(const char *s)
{
	size_t len = strlen(s);
	uint64_t h;

	if (len == last.len && len > 0 && memcmp(s, last.key, len) == 0)
		return last.hash;
	h = siphash24(key_of_process(), s, len);
	if (len < sizeof(last.key)) {
		memcpy(last.key, s, len);
		last.len = len;
		last.hash = h;
	}
	return h;
}

void
strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

/* Frees the buckets (not the nodes). */
void
strmap_free(struct strmap *m)
{
	free(m->buckets);
	strmap_init(m);
}

/* The node with key, or NULL. */
struct strmap_node *
strmap_find(const struct strmap *m, const char *key)
{
	uint64_t h;
	struct strmap_node *n;

	if (m->buckets == NULL)
		return NULL;
	h = hash_of(key);
	for (n = m->buckets[h & m->mask]; n != NULL; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

/* Rehashes into twice as many buckets; -1 if memory runs out. */
static int
grow(struct strmap *m)
{
	size_t size = m->buckets == NULL ? 64 : (m->mask + 1) * 2;
	struct strmap_node **b = calloc(size, sizeof(*b));

	if (b == NULL)
		return -1;
	if (m->buckets != NULL) {
		for (size_t i = 0; i <= m->mask; i++) {
			struct strmap_node *n = m->buckets[i], *next;

			for (; n != NULL; n = next) {
				next = n->next;
				n->next = b[n->hash & (size - 1)];
				b[n->hash & (size - 1)] = n;
			}
		}
		free(m->buckets);
	}
	m->buckets = b;
	m->mask = size - 1;
	return 0;
}

/* Adds node under key (which must outlive it); -1 if out of memory. */
int
strmap_insert(struct strmap *m, struct strmap_node *node, const char *key)
{
	if ((m->buckets == NULL || m->n > m->mask) && grow(m) < 0 &&
	    m->buckets == NULL)
		return -1;
	node->key = key;
	node->hash = hash_of(key);
	node->next = m->buckets[node->hash & m->mask];
	m->buckets[node->hash & m->mask] = node;
	m->n++;
	return 0;
}

/* Unlinks node; a node that is not in the map is left alone. */
void
strmap_remove(struct strmap *m, struct strmap_node *node)
{
	struct strmap_node **p;

	if (m->buckets == NULL)
		return;
	for (p = &m->buckets[node->hash & m->mask]; *p != NULL;
	    p = &(*p)->next)
		if (*p == node) {
			*p = node->next;
			node->next = NULL;
			m->n--;
			return;
		}
}

/*
 * Iteration: the node after node (NULL: the first), or NULL at the end.
 * The map must not change during a walk, except by removing the node
 * just returned after its successor has been fetched.
 */
struct strmap_node *
strmap_next(const struct strmap *m, const struct strmap_node *node)
{
	size_t i;

	if (m->buckets == NULL)
		return NULL;
	if (node != NULL && node->next != NULL)
		return node->next;
	i = node == NULL ? 0 : (node->hash & m->mask) + 1;
	for (; i <= m->mask; i++)
		if (m->buckets[i] != NULL)
			return m->buckets[i];
	return NULL;
}
