/*
 * Per-source limits (what one address may cost us): a token bucket of
 * requests per second and a count of open connections, per source key
 * (the SIP adapter makes the key: an IPv4 address, an IPv6 /64). The
 * table is bounded: entries that hold nothing (a full bucket, no
 * connection) are swept, and when it is full of live ones a new source
 * is refused rather than let memory grow with the number of addresses
 * an attacker owns.
 *
 * Pure code: no clock of its own (the caller passes milliseconds), no
 * sockets.
 */
#ifndef SIPXMPP_SOURCE_LIMIT_H
#define SIPXMPP_SOURCE_LIMIT_H

#include <stddef.h>

struct source_limits;

enum source_verdict {
	SOURCE_OK,
	SOURCE_OVER_RATE,	/* its bucket is empty: 503 + Retry-After */
	SOURCE_OVER_CONNECTIONS,	/* it holds its share of connections */
	SOURCE_TABLE_FULL,	/* no room to track one more source */
	SOURCE_NO_MEMORY,
};

/* source_limit.c */
struct source_limits *source_limits_new(unsigned rate_per_s, unsigned burst,
    unsigned max_connections, size_t max_sources);
void source_limits_free(struct source_limits *sl);
enum source_verdict source_limits_request(struct source_limits *sl,
    const char *source, long long now_ms, unsigned *retry_after_s);
enum source_verdict source_limits_connect(struct source_limits *sl,
    const char *source, long long now_ms);
void source_limits_disconnect(struct source_limits *sl, const char *source);
size_t source_limits_sweep(struct source_limits *sl, long long now_ms);
size_t source_limits_count(const struct source_limits *sl);
const char *source_verdict_name(enum source_verdict v);

#endif
