/*
 * Per-sender shares of the messages in flight: one sender may hold at
 * most [message] max_pending_per_sender of the max_pending slots, so a
 * flood from one address cannot lock everyone else out. Keys are the
 * sender's bare JID (XMPP -> SIP) or From URI (SIP -> XMPP), ASCII case
 * folded; a sender's entry lives while it has messages in flight.
 */
#ifndef SIPXMPP_SENDER_SHARE_H
#define SIPXMPP_SENDER_SHARE_H

#include <stddef.h>

#include "strmap.h"

struct sender_share;

struct sender_shares {
	struct strmap map;
	size_t limit;		/* 0: no per-sender limit */
};

#define SENDER_SHARE_OK		0
#define SENDER_SHARE_FULL	1	/* the sender holds its whole share */
#define SENDER_SHARE_NOMEM	(-1)

/* sender_share.c */
void sender_shares_init(struct sender_shares *s, size_t limit);
void sender_shares_free(struct sender_shares *s);
int sender_share_take(struct sender_shares *s, const char *key, size_t len,
    struct sender_share **out);
void sender_share_put(struct sender_shares *s, struct sender_share *sh);
size_t sender_share_count(const struct sender_share *sh);

#endif
