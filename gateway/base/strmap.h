/*
 * A small intrusive hash table keyed by strings: the node lives inside
 * the object it indexes and points at a key the object owns. Chained,
 * doubled when it gets fuller than one node per bucket. Keys are hashed
 * with SipHash-2-4 under a random key per process (strmap.c), so a peer
 * cannot pick keys that pile up in one chain.
 */
#ifndef SIPXMPP_STRMAP_H
#define SIPXMPP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_node {
	struct strmap_node *next;
	uint64_t hash;
	const char *key;
};

struct strmap {
	struct strmap_node **buckets;
	size_t mask;		/* buckets - 1; 0 before the first insert */
	size_t n;
};

/* strmap.c */
int strmap_seed(void);
void strmap_set_key_for_test(const unsigned char key[16]);
void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
struct strmap_node *strmap_find(const struct strmap *m, const char *key);
int strmap_insert(struct strmap *m, struct strmap_node *node,
    const char *key);
void strmap_remove(struct strmap *m, struct strmap_node *node);
struct strmap_node *strmap_next(const struct strmap *m,
    const struct strmap_node *node);

#endif
