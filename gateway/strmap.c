/*
 * Intrusive string hash (FNV-1a, chaining). The table never owns nodes
 * or keys; removing a node is O(chain).
 */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* FNV-1a over the key's bytes. */
static uint32_t
hash_of(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
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
	uint32_t h;
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
