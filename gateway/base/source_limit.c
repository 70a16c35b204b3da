/*
 * Per-source token buckets and connection counts (source_limit.h), in a
 * strmap keyed by the source: SipHash under a per-process key, so a peer
 * cannot choose addresses that pile up in one chain.
 */
#include <stdlib.h>
#include <string.h>

#include "source_limit.h"
#include "strmap.h"

/*
 * Tokens are kept in thousandths, so that a rate of r per second refills
 * exactly r thousandths per millisecond.
 */
#define MILLI	1000LL

struct source_entry {
	struct strmap_node node;	/* first: the node is the entry */
	long long tokens;		/* thousandths of a request */
	long long last_ms;		/* when tokens was last brought up */
	unsigned connections;
	char key[];
};

struct source_limits {
	struct strmap map;
	long long rate;			/* requests per second; 0: no limit */
	long long burst;		/* thousandths: the bucket's size */
	unsigned max_connections;	/* per source; 0: no limit */
	size_t max_sources;
};

/* A table for these limits; NULL if out of memory. */
struct source_limits *
source_limits_new(unsigned rate_per_s, unsigned burst,
    unsigned max_connections, size_t max_sources)
{
	struct source_limits *sl = calloc(1, sizeof(*sl));

	if (sl == NULL)
		return NULL;
	strmap_init(&sl->map);
	sl->rate = rate_per_s;
	/* A bucket holds at least one request, or none would ever pass. */
	sl->burst = (burst > 0 ? burst : 1) * MILLI;
	sl->max_connections = max_connections;
	sl->max_sources = max_sources > 0 ? max_sources : 1;
	return sl;
}

/* Frees the table and every entry. */
void
source_limits_free(struct source_limits *sl)
{
	struct strmap_node *n, *next;

	if (sl == NULL)
		return;
	for (n = strmap_next(&sl->map, NULL); n != NULL; n = next) {
		next = strmap_next(&sl->map, n);
		strmap_remove(&sl->map, n);
		free(n);
	}
	strmap_free(&sl->map);
	free(sl);
}

/* Brings e's bucket up to now; a clock that went back refills nothing. */
static void
refill(const struct source_limits *sl, struct source_entry *e,
    long long now_ms)
{
	long long elapsed = now_ms - e->last_ms;

	if (elapsed > 0) {
		/* Past a full bucket's worth the product could overflow. */
		if (sl->rate == 0 || elapsed >= sl->burst / sl->rate + 1)
			e->tokens = sl->burst;
		else if ((e->tokens += elapsed * sl->rate) > sl->burst)
			e->tokens = sl->burst;
	}
	e->last_ms = now_ms;
}

/* Whether e holds nothing a fresh entry would not: it may go. */
static int
idle(const struct source_limits *sl, struct source_entry *e,
    long long now_ms)
{
	refill(sl, e, now_ms);
	return e->connections == 0 && e->tokens >= sl->burst;
}

/*
 * Forgets the sources that hold nothing (a full bucket, no connection);
 * the number forgotten. Run it from time to time, and it runs itself
 * when the table is full.
 */
size_t
source_limits_sweep(struct source_limits *sl, long long now_ms)
{
	struct strmap_node *n, *next;
	size_t freed = 0;

	for (n = strmap_next(&sl->map, NULL); n != NULL; n = next) {
		next = strmap_next(&sl->map, n);
		if (idle(sl, (struct source_entry *)n, now_ms)) {
			strmap_remove(&sl->map, n);
			free(n);
			freed++;
		}
	}
	return freed;
}

/* source's entry, made with a full bucket if new; NULL and *v if not. */
static struct source_entry *
entry(struct source_limits *sl, const char *source, long long now_ms,
    enum source_verdict *v)
{
	struct source_entry *e;
	size_t len;

	if ((e = (struct source_entry *)strmap_find(&sl->map, source)) !=
	    NULL)
		return e;
	if (sl->map.n >= sl->max_sources &&
	    source_limits_sweep(sl, now_ms) == 0) {
		*v = SOURCE_TABLE_FULL;
		return NULL;
	}
	len = strlen(source);
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL) {
		*v = SOURCE_NO_MEMORY;
		return NULL;
	}
	memcpy(e->key, source, len + 1);
	e->tokens = sl->burst;
	e->last_ms = now_ms;
	e->connections = 0;
	if (strmap_insert(&sl->map, &e->node, e->key) < 0) {
		free(e);
		*v = SOURCE_NO_MEMORY;
		return NULL;
	}
	return e;
}

/*
 * One request from source: SOURCE_OK and a token taken, or
 * SOURCE_OVER_RATE with *retry_after_s (at least 1) until the next
 * token, or SOURCE_TABLE_FULL / SOURCE_NO_MEMORY. With no rate set,
 * always SOURCE_OK and nothing is tracked.
 */
enum source_verdict
source_limits_request(struct source_limits *sl, const char *source,
    long long now_ms, unsigned *retry_after_s)
{
	enum source_verdict v = SOURCE_OK;
	struct source_entry *e;
	long long missing;

	*retry_after_s = 0;
	if (sl->rate == 0)
		return SOURCE_OK;
	if ((e = entry(sl, source, now_ms, &v)) == NULL) {
		*retry_after_s = 1;
		return v;
	}
	refill(sl, e, now_ms);
	if (e->tokens >= MILLI) {
		e->tokens -= MILLI;
		return SOURCE_OK;
	}
	missing = MILLI - e->tokens;	/* thousandths, at rate per ms */
	*retry_after_s = (unsigned)((missing + sl->rate * MILLI - 1) /
	    (sl->rate * MILLI));
	if (*retry_after_s == 0)
		*retry_after_s = 1;
	return SOURCE_OVER_RATE;
}

/*
 * A connection from source opens: SOURCE_OK and counted (close it with
 * source_limits_disconnect), or SOURCE_OVER_CONNECTIONS (source already
 * holds max_connections), SOURCE_TABLE_FULL, SOURCE_NO_MEMORY. With no
 * limit set, always SOURCE_OK and nothing is counted.
 */
enum source_verdict
source_limits_connect(struct source_limits *sl, const char *source,
    long long now_ms)
{
	enum source_verdict v = SOURCE_OK;
	struct source_entry *e;

	if (sl->max_connections == 0)
		return SOURCE_OK;
	if ((e = entry(sl, source, now_ms, &v)) == NULL)
		return v;
	if (e->connections >= sl->max_connections)
		return SOURCE_OVER_CONNECTIONS;
	e->connections++;
	return SOURCE_OK;
}

/* A connection counted by source_limits_connect() closed. */
void
source_limits_disconnect(struct source_limits *sl, const char *source)
{
	struct source_entry *e;

	if (sl->max_connections == 0)
		return;
	e = (struct source_entry *)strmap_find(&sl->map, source);
	if (e != NULL && e->connections > 0)
		e->connections--;
}

/* Sources tracked now (for tests and stats). */
size_t
source_limits_count(const struct source_limits *sl)
{
	return sl->map.n;
}

/* A verdict's name, for log lines. */
const char *
source_verdict_name(enum source_verdict v)
{
	switch (v) {
	case SOURCE_OK:
		return "ok";
	case SOURCE_OVER_RATE:
		return "over its request rate";
	case SOURCE_OVER_CONNECTIONS:
		return "over its connections";
	case SOURCE_TABLE_FULL:
		return "too many sources tracked";
	case SOURCE_NO_MEMORY:
		return "out of memory";
	}
	return "?";
}
