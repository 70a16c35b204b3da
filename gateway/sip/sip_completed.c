/*
 * The response cache of completed non-INVITE server transactions: a
 * string hash for lookups and a FIFO in expiry order (every entry lives
 * the same time), so expiry and eviction are O(1) each.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_completed.h"
#include "strmap.h"

struct completed_entry {
	struct strmap_node node;	/* first: a node is its entry */
	TAILQ_ENTRY(completed_entry) fifo;
	long long expires_ms;
	size_t len;
	char *key;			/* in data, after the len bytes kept */
	char data[];
};

struct sip_completed {
	struct strmap map;
	TAILQ_HEAD(, completed_entry) fifo;
	size_t bytes;
	size_t max_bytes;
	long ttl_ms;
};

/* An empty cache holding at most max_bytes of responses for ttl_ms. */
struct sip_completed *
sip_completed_new(size_t max_bytes, long ttl_ms)
{
	struct sip_completed *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	strmap_init(&c->map);
	TAILQ_INIT(&c->fifo);
	c->max_bytes = max_bytes;
	c->ttl_ms = ttl_ms;
	return c;
}

/* Unlinks and frees one entry. */
static void
drop(struct sip_completed *c, struct completed_entry *e)
{
	strmap_remove(&c->map, &e->node);
	TAILQ_REMOVE(&c->fifo, e, fifo);
	c->bytes -= sizeof(*e) + e->len + strlen(e->key) + 1;
	free(e);
}

void
sip_completed_free(struct sip_completed *c)
{
	struct completed_entry *e;

	if (c == NULL)
		return;
	while ((e = TAILQ_FIRST(&c->fifo)) != NULL)
		drop(c, e);
	strmap_free(&c->map);
	free(c);
}

/*
 * The transaction key of a request (RFC 3261 §17.2.3): top Via branch,
 * sent-by and method. 0 with the key in out; -1 if the request cannot be
 * matched this way (an RFC 2543 branch without the magic cookie, INVITE
 * and ACK, which have transactions of their own) or the key is too long.
 */
int
sip_completed_key(const osip_message_t *req, char *out, size_t size)
{
	if (req->sip_method == NULL || MSG_IS_INVITE(req) || MSG_IS_ACK(req))
		return -1;
	return sip_completed_key_method(req, req->sip_method, out, size);
}

/*
 * The same key for any method: an ACK is matched to its INVITE's
 * transaction by asking for the key with method "INVITE" (§17.2.3).
 */
int
sip_completed_key_method(const osip_message_t *req, const char *method,
    char *out, size_t size)
{
	osip_via_t *via = osip_list_get(&req->vias, 0);
	osip_generic_param_t *branch = NULL;
	int n;

	if (via == NULL || via->host == NULL || method == NULL ||
	    osip_via_param_get_byname(via, "branch", &branch) != 0 ||
	    branch == NULL || branch->gvalue == NULL ||
	    strncmp(branch->gvalue, "z9hG4bK", 7) != 0)
		return -1;
	n = snprintf(out, size, "%s %s:%s %s", branch->gvalue, via->host,
	    via->port != NULL ? via->port : "5060", method);
	if (n < 0 || (size_t)n >= size)
		return -1;
	/* Hosts compare without case; so does our key. */
	for (char *p = out + strlen(branch->gvalue) + 1; *p != ' '; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

/* Drops entries that have expired. */
void
sip_completed_expire(struct sip_completed *c, long long now_ms)
{
	struct completed_entry *e;

	while ((e = TAILQ_FIRST(&c->fifo)) != NULL && e->expires_ms <= now_ms)
		drop(c, e);
}

/*
 * Keeps len bytes for key (what the caller needs to answer again: the
 * response, or how to rebuild it), replacing an older entry; the oldest
 * entries go when the byte budget is spent. -1 if out of memory (the
 * retransmission will then find nothing: the bridge sees the request
 * again, which a MESSAGE receiver may take as a duplicate).
 */
int
sip_completed_put(struct sip_completed *c, const char *key, const char *buf,
    size_t len, long long now_ms)
{
	struct strmap_node *old = strmap_find(&c->map, key);
	struct completed_entry *e;
	size_t keylen = strlen(key), need = sizeof(*e) + len + keylen + 1;

	if (old != NULL)
		drop(c, (struct completed_entry *)old);
	if (need > c->max_bytes)
		return -1;
	sip_completed_expire(c, now_ms);
	while (c->bytes + need > c->max_bytes &&
	    (e = TAILQ_FIRST(&c->fifo)) != NULL)
		drop(c, e);
	/* One block: entry, kept bytes, key. */
	if ((e = malloc(need)) == NULL)
		return -1;
	memcpy(e->data, buf, len);
	e->key = e->data + len;
	memcpy(e->key, key, keylen + 1);
	if (strmap_insert(&c->map, &e->node, e->key) < 0) {
		free(e);
		return -1;
	}
	e->len = len;
	e->expires_ms = now_ms + c->ttl_ms;
	TAILQ_INSERT_TAIL(&c->fifo, e, fifo);
	c->bytes += need;
	return 0;
}

/* The bytes kept for key, if they have not expired: 1, else 0. */
int
sip_completed_get(struct sip_completed *c, const char *key, long long now_ms,
    const char **buf, size_t *len)
{
	struct completed_entry *e =
	    (struct completed_entry *)strmap_find(&c->map, key);

	if (e == NULL || e->expires_ms <= now_ms)
		return 0;
	*buf = e->data;
	*len = e->len;
	return 1;
}

size_t
sip_completed_count(const struct sip_completed *c)
{
	return c->map.n;
}

size_t
sip_completed_bytes(const struct sip_completed *c)
{
	return c->bytes;
}
