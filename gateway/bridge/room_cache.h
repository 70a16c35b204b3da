/*
 * A small bounded map with expiry, for what the room bridge remembers
 * about peers for a while (issue 13): invitations per SIP user (a rate
 * bound), the password an invitation gave (until the reply joins), and
 * whether a JID is a room (disco#info, XEP-0045 §6.4). Keys compare
 * without regard to ASCII case (JIDs' domains and our lookups do); every
 * entry expires; at most max entries, the next one pushing out an
 * expired one first, else the one that expires soonest: a peer cannot
 * make it grow. Pure: the caller gives the time (monotonic ms).
 */
#ifndef SIPXMPP_ROOM_CACHE_H
#define SIPXMPP_ROOM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

#define ROOM_CACHE_KEY_MAX	3072	/* longer keys are refused */

struct room_cache_entry {
	struct strmap_node node;
	uint64_t expires;		/* ms, monotonic */
	int value;			/* a count, a yes/no */
	char *text;			/* NULL, or a secret (wiped on free) */
	char key[];			/* lower-case */
};

struct room_cache {
	struct strmap map;
	size_t max;
};

/* room_cache.c */
void room_cache_init(struct room_cache *c, size_t max);
void room_cache_free(struct room_cache *c);
struct room_cache_entry *room_cache_get(struct room_cache *c,
    const char *key, uint64_t now);
int room_cache_put(struct room_cache *c, const char *key, int value,
    const char *text, uint64_t now, uint64_t ttl);
void room_cache_del(struct room_cache *c, const char *key);
size_t room_cache_size(const struct room_cache *c);
uint64_t room_cache_now(void);

#endif
