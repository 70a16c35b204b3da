/*
 * The memory of messages whose receipts may still come, one table per
 * direction (receipt_s2x.c, receipt_x2s.c): found by the id the other
 * side will name, bounded (the oldest forgotten first) and expiring, so
 * neither a flood of requests nor receipts that never come can grow it.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bridge_message_int.h"
#include "config.h"
#include "receipt_table.h"

/* Now, in seconds of the monotonic clock. */
time_t
receipt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Creates a table for cfg's bounds; NULL when out of memory. */
struct receipt_table *
receipt_table_new(const struct config *cfg)
{
	struct receipt_table *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		return NULL;
	strmap_init(&rt->map);
	TAILQ_INIT(&rt->order);
	rt->max = (size_t)cfg->receipts_max_tracked;
	rt->ttl = cfg->receipts_track_s;
	return rt;
}

/* Frees an entry's strings and the entry. */
static void
entry_strings_free(struct receipt_entry *e)
{
	free(e->key);
	free(e->ref);
	free(e->sip_peer);
	free(e->sip_self);
	free(e->jid_self);
	free(e->jid_peer);
	free(e->datetime);
	free(e);
}

/* Forgets one entry. */
void
receipt_entry_free(struct receipt_table *rt, struct receipt_entry *e)
{
	strmap_remove(&rt->map, &e->node);
	TAILQ_REMOVE(&rt->order, e, entry);
	rt->n--;
	entry_strings_free(e);
}

/* Frees the table and everything in it. */
void
receipt_table_free(struct receipt_table *rt)
{
	struct receipt_entry *e;

	if (rt == NULL)
		return;
	while ((e = TAILQ_FIRST(&rt->order)) != NULL)
		receipt_entry_free(rt, e);
	strmap_free(&rt->map);
	free(rt);
}

/* Whether the table may hold anything ([receipts] max_tracked > 0). */
int
receipt_table_on(const struct receipt_table *rt)
{
	return rt != NULL && rt->max > 0;
}

/* Drops expired entries, then the oldest while the table is full. */
static void
expire(struct receipt_table *rt, time_t now, size_t room)
{
	struct receipt_entry *e;

	while ((e = TAILQ_FIRST(&rt->order)) != NULL &&
	    (e->expires <= now || rt->n + room > rt->max))
		receipt_entry_free(rt, e);
}

/*
 * Remembers one message under t->key, the oldest or expired forgotten to
 * make room. 0, or -1 (the message then simply gets no receipts) when the
 * table is off or memory ran out.
 */
int
receipt_table_add(struct receipt_table *rt, const struct receipt_new *t)
{
	struct receipt_entry *e;
	time_t now = receipt_now();

	if (!receipt_table_on(rt))
		return -1;
	expire(rt, now, 1);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->expires = now + rt->ttl;
	e->want = t->want;
	if ((e->key = strdup(t->key)) == NULL ||
	    (e->ref = strdup(t->ref)) == NULL ||
	    (e->sip_peer = strdup(t->sip_peer)) == NULL ||
	    (e->sip_self = strdup(t->sip_self)) == NULL ||
	    (e->jid_self = strdup(t->jid_self)) == NULL ||
	    (e->jid_peer = strdup(t->jid_peer)) == NULL ||
	    (t->datetime != NULL &&
	    (e->datetime = strdup(t->datetime)) == NULL) ||
	    strmap_insert(&rt->map, &e->node, e->key) != 0) {
		entry_strings_free(e);
		return -1;
	}
	TAILQ_INSERT_TAIL(&rt->order, e, entry);
	rt->n++;
	return 0;
}

/* The live entry under key, or NULL (an expired one is forgotten). */
struct receipt_entry *
receipt_table_find(struct receipt_table *rt, const char *key)
{
	struct strmap_node *node;
	struct receipt_entry *e;

	if (rt == NULL || (node = strmap_find(&rt->map, key)) == NULL)
		return NULL;
	e = (struct receipt_entry *)node;
	if (e->expires <= receipt_now()) {
		receipt_entry_free(rt, e);
		return NULL;
	}
	return e;
}

/* Whether JID a, resource dropped, is JID b, resource dropped. */
int
receipt_same_bare(const char *a, const char *b)
{
	const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
	size_t la = sa != NULL ? (size_t)(sa - a) : strlen(a);
	size_t lb = sb != NULL ? (size_t)(sb - b) : strlen(b);

	return la == lb && strncasecmp(a, b, la) == 0;
}
