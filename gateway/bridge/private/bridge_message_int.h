/*
 * Inside the message bridge: what its files share. bridge_message.c
 * creates and frees it, message_sip_to_xmpp.c carries SIP MESSAGEs to
 * XMPP (pending table, ping batches, XMPP errors -> SIP answers),
 * message_xmpp_to_sip.c carries <message/>s to SIP (client transactions,
 * SIP errors -> error stanzas to the sender).
 */
#ifndef SIPXMPP_BRIDGE_MESSAGE_INT_H
#define SIPXMPP_BRIDGE_MESSAGE_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "sender_share.h"
#include "strbuf.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct event;
struct gateway;
struct xmpp_in_message;
struct pending_in;		/* message_sip_to_xmpp.c */
struct ack_batch;		/* message_sip_to_xmpp.c */
struct pending_out;		/* message_xmpp_to_sip.c */
struct receipt_table;		/* receipt_s2x.c */
struct config;

struct bridge_message {
	struct gateway *gw;
	struct pending_in **buckets;
	size_t mask;
	size_t n_in;
	uint64_t next_seq;
	char id_prefix[9];
	TAILQ_HEAD(, ack_batch) batches;	/* open, or pinged and waiting */
	struct event *flush_ev;
	TAILQ_HEAD(, pending_out) out;
	size_t n_out;
	struct strbuf sb;
	struct strbuf sip_sb;		/* MESSAGEs to SIP are printed here */
	struct sender_shares shares_in;	/* by From URI */
	struct sender_shares shares_out;	/* by bare JID */
	struct receipt_table *receipts;	/* SIP messages owed IMDN */
	struct receipt_table *receipts_x2s;	/* sent as CPIM, IMDN awaited */
};

/* message_sip_to_xmpp.c */
void message_error_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *m);

/* message_xmpp_to_sip.c */
void message_out_free(struct bridge_message *bm, struct pending_out *po);

/* receipt_table.c */
struct receipt_table *receipt_table_new(const struct config *cfg);
void receipt_table_free(struct receipt_table *rt);

/* receipt_s2x.c */
int receipt_tracking_on(const struct bridge_message *bm);
int receipt_track(struct bridge_message *bm, const char *xmpp_id,
    const char *imdn_id, int want, const char *sip_sender,
    const char *sip_recipient, const char *jid_from, const char *jid_to,
    const char *datetime);
void receipt_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *m);

/* receipt_x2s.c */
struct sip_tx;
struct sip_message_fields;
int receipt_to_xmpp(struct bridge_message *bm, const char *from,
    const char *to, const char *acked_id, int displayed);
int receipt_imdn_peer(const struct bridge_message *bm, const char *ruri);
int receipt_table_on_x2s(const struct bridge_message *bm);
int receipt_track_x2s(struct bridge_message *bm, const char *imdn_id,
    const char *xmpp_id, int want, const char *ruri, const char *from_uri,
    const char *contact_jid, const char *sender_jid);
int receipt_imdn_from_sip(struct bridge_message *bm, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *to_jid);

#endif
