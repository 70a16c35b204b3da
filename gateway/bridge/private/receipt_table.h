/*
 * Inside the message bridge: the bounded, expiring memory of messages
 * whose receipts may still come (receipt_table.c), one per direction.
 */
#ifndef SIPXMPP_RECEIPT_TABLE_H
#define SIPXMPP_RECEIPT_TABLE_H

#include <sys/queue.h>

#include <stddef.h>
#include <time.h>

#include "strmap.h"

struct config;

/*
 * One message. SIP -> XMPP: key our XMPP id, ref the sender's
 * imdn.Message-ID, sip_peer the SIP sender, sip_self its target, jid_self
 * our contact JID, jid_peer the XMPP recipient. XMPP -> SIP: key our
 * imdn.Message-ID, ref the sender's XMPP id, sip_peer the SIP recipient,
 * sip_self the sender's SIP URI, jid_self the contact JID it was sent
 * to, jid_peer the sender's full JID.
 */
struct receipt_entry {
	struct strmap_node node;	/* by key */
	TAILQ_ENTRY(receipt_entry) entry;	/* oldest first */
	time_t expires;			/* monotonic seconds */
	int want;			/* IMDN_WANT_* still owed or awaited */
	char *key;
	char *ref;
	char *sip_peer;
	char *sip_self;
	char *jid_self;
	char *jid_peer;
	char *datetime;			/* S2X: the IM's DateTime, or NULL */
};

/* What receipt_table_add copies into a new entry (fields as above). */
struct receipt_new {
	const char *key, *ref, *sip_peer, *sip_self, *jid_self, *jid_peer;
	const char *datetime;		/* may be NULL */
	int want;
};

struct receipt_table {
	struct strmap map;
	TAILQ_HEAD(, receipt_entry) order;
	size_t n;
	size_t max;
	int ttl;
};

/* receipt_table.c */
time_t receipt_now(void);
struct receipt_table *receipt_table_new(const struct config *cfg);
void receipt_table_free(struct receipt_table *rt);
int receipt_table_on(const struct receipt_table *rt);
int receipt_table_add(struct receipt_table *rt, const struct receipt_new *t);
struct receipt_entry *receipt_table_find(struct receipt_table *rt,
    const char *key);
void receipt_entry_free(struct receipt_table *rt, struct receipt_entry *e);
int receipt_same_bare(const char *a, const char *b);

#endif
