/*
 * Pager-mode messages both ways (RFC 7572), errors per RFC 7247 §7.
 *
 * SIP -> XMPP: a MESSAGE is translated and sent at once, but its final
 * response waits until the XMPP side has had its say. Messages to one
 * domain sent in the same loop turn share one XEP-0199 ping sent after
 * them; because servers process a sender's stanzas in order (RFC 6120
 * §10.1), the ping's answer proves every error for those messages has
 * already come back. So: an error stanza with the message's id becomes
 * the SIP error (RFC 7247 Table 2); the ping's answer becomes the 200; no
 * answer within [message] ack_timeout_ms becomes a 408, and a link lost
 * meanwhile a 503. Nothing is answered 200 before the server accepted it.
 * An error stanza counts only when it comes from the address the message
 * was sent to (xmpp_link_jid_answers): anyone else could otherwise refuse
 * someone else's message.
 *
 * XMPP -> SIP: a <message/> becomes a MESSAGE; a SIP error (or Timer F)
 * becomes an error stanza to the sender (RFC 7247 Table 3). From SIGTERM
 * on, a new one is refused at once with the shutdown error, so nothing
 * from XMPP reaches the SIP stack while it is being taken down.
 *
 * Both ways, one sender holds at most max_pending_per_sender of the
 * max_pending slots (sender_share.c).
 *
 * Where it lives: bridge_message.c creates and frees the bridge;
 * message_sip_to_xmpp.c is the SIP -> XMPP direction (the pending table,
 * the ping batches, an XMPP error stanza becoming the SIP answer);
 * message_xmpp_to_sip.c is the XMPP -> SIP direction (the MESSAGE
 * printed, its client transaction, and a SIP error or timeout becoming an
 * error stanza to the XMPP sender). bridge_message_int.h is what they
 * share.
 */
#include <sys/queue.h>

#include <stdlib.h>

#include <event2/event.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "sender_share.h"
#include "sip_stack.h"

/* Creates the bridge; the hash is sized for [message] max_pending. */
struct bridge_message *
bridge_message_new(struct gateway *gw)
{
	struct bridge_message *bm = calloc(1, sizeof(*bm));
	size_t n = 1024;

	if (bm == NULL)
		return NULL;
	while (n < (size_t)gw->cfg->message_max_pending && n < (1u << 24))
		n <<= 1;
	if ((bm->buckets = calloc(n, sizeof(*bm->buckets))) == NULL) {
		free(bm);
		return NULL;
	}
	if ((bm->receipts = receipt_table_new(gw->cfg)) == NULL ||
	    (bm->receipts_x2s = receipt_table_new(gw->cfg)) == NULL) {
		receipt_table_free(bm->receipts);
		free(bm->buckets);
		free(bm);
		return NULL;
	}
	bm->mask = n - 1;
	bm->gw = gw;
	bm->next_seq = 1;
	/* Ids from an earlier run of the daemon must never match ours. */
	sip_random_token(bm->id_prefix, sizeof(bm->id_prefix));
	TAILQ_INIT(&bm->batches);
	TAILQ_INIT(&bm->out);
	sender_shares_init(&bm->shares_in,
	    (size_t)gw->cfg->message_max_pending_per_sender);
	sender_shares_init(&bm->shares_out,
	    (size_t)gw->cfg->message_max_pending_per_sender);
	strbuf_init(&bm->sb);
	strbuf_init(&bm->sip_sb);
	return bm;
}

/* Number of messages in flight, both directions. */
size_t
bridge_message_pending(const struct bridge_message *bm)
{
	return bm->n_in + bm->n_out;
}

/* Frees the bridge. Outbound records are answered by the SIP stack. */
void
bridge_message_free(struct bridge_message *bm)
{
	struct pending_out *po;

	if (bm == NULL)
		return;
	bridge_message_shutdown(bm);
	while ((po = TAILQ_FIRST(&bm->out)) != NULL)
		message_out_free(bm, po);
	if (bm->flush_ev != NULL)
		event_free(bm->flush_ev);
	sender_shares_free(&bm->shares_in);
	sender_shares_free(&bm->shares_out);
	strbuf_free(&bm->sb);
	strbuf_free(&bm->sip_sb);
	receipt_table_free(bm->receipts);
	receipt_table_free(bm->receipts_x2s);
	free(bm->buckets);
	free(bm);
}
