/*
 * The room bridge's bounded memory with expiry (room_cache.h). Lookups
 * go through the keyed hash of strmap.c; eviction, only when full, scans
 * once (max is small: hundreds to a few thousand).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "room_cache.h"

/* Lower-cases key into out (ROOM_CACHE_KEY_MAX + 1 bytes); -1 if too
 * long. */
static int
fold(const char *key, char *out)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++) {
		if (i >= ROOM_CACHE_KEY_MAX)
			return -1;
		out[i] = (char)tolower((unsigned char)key[i]);
	}
	out[i] = '\0';
	return 0;
}

/* Frees one entry, its secret wiped first. */
static void
entry_free(struct room_cache *c, struct room_cache_entry *e)
{
	strmap_remove(&c->map, &e->node);
	if (e->text != NULL) {
		explicit_bzero(e->text, strlen(e->text));
		free(e->text);
	}
	free(e);
}

/* An empty cache of at most max entries (at least one). */
void
room_cache_init(struct room_cache *c, size_t max)
{
	strmap_init(&c->map);
	c->max = max > 0 ? max : 1;
}

/* Frees every entry. */
void
room_cache_free(struct room_cache *c)
{
	struct strmap_node *n;

	while ((n = strmap_next(&c->map, NULL)) != NULL)
		entry_free(c, (struct room_cache_entry *)n);
	strmap_free(&c->map);
}

/* The live entry for key at now, or NULL; an expired one goes. */
struct room_cache_entry *
room_cache_get(struct room_cache *c, const char *key, uint64_t now)
{
	char k[ROOM_CACHE_KEY_MAX + 1];
	struct room_cache_entry *e;

	if (fold(key, k) < 0)
		return NULL;
	e = (struct room_cache_entry *)strmap_find(&c->map, k);
	if (e != NULL && e->expires <= now) {
		entry_free(c, e);
		return NULL;
	}
	return e;
}

/* Makes room for one entry: the expired go, else the soonest to. */
static void
make_room(struct room_cache *c, uint64_t now)
{
	struct strmap_node *n, *next;
	struct room_cache_entry *e, *soonest = NULL;

	for (n = strmap_next(&c->map, NULL); n != NULL; n = next) {
		next = strmap_next(&c->map, n);
		e = (struct room_cache_entry *)n;
		if (e->expires <= now)
			entry_free(c, e);
		else if (soonest == NULL || e->expires < soonest->expires)
			soonest = e;
	}
	if (c->map.n >= c->max && soonest != NULL)
		entry_free(c, soonest);
}

/*
 * Sets key to value and a copy of text (NULL: none), expiring ttl ms
 * after now; an existing entry is replaced. 0, or -1 (no memory, key
 * too long).
 */
int
room_cache_put(struct room_cache *c, const char *key, int value,
    const char *text, uint64_t now, uint64_t ttl)
{
	char k[ROOM_CACHE_KEY_MAX + 1];
	struct room_cache_entry *e;
	size_t len;

	if (fold(key, k) < 0)
		return -1;
	if ((e = (struct room_cache_entry *)strmap_find(&c->map, k)) != NULL)
		entry_free(c, e);
	if (c->map.n >= c->max)
		make_room(c, now);
	len = strlen(k);
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		return -1;
	memcpy(e->key, k, len + 1);
	e->value = value;
	e->expires = now + ttl;
	if ((text != NULL && (e->text = strdup(text)) == NULL) ||
	    strmap_insert(&c->map, &e->node, e->key) != 0) {
		free(e->text);
		free(e);
		return -1;
	}
	return 0;
}

/* Forgets key. */
void
room_cache_del(struct room_cache *c, const char *key)
{
	char k[ROOM_CACHE_KEY_MAX + 1];
	struct strmap_node *n;

	if (fold(key, k) == 0 && (n = strmap_find(&c->map, k)) != NULL)
		entry_free(c, (struct room_cache_entry *)n);
}

/* How many entries it holds, expired ones not yet pushed out included. */
size_t
room_cache_size(const struct room_cache *c)
{
	return c->map.n;
}

/* Now on the monotonic clock, in ms. */
uint64_t
room_cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
