/*
 * Receipts to XMPP senders: what message_xmpp_to_sip.c and the IMDN path
 * report back when the SIP side took a message. XEP-0184 §5.2: a
 * <received/> means the recipient's client has the message, so only a
 * SIP 200 earns one (RFC 3428 §7: a UA took it); a 202 comes from a
 * store-and-forward server and says nothing about the recipient.
 *
 * To SIP domains listed in [receipts] imdn_domains (user agents that
 * read CPIM: one that does not would show the headers as text, so the
 * default is none) a message whose sender asked for receipts goes as
 * message/cpim asking for RFC 5438 notifications; it is remembered under
 * the imdn.Message-ID we gave it, and the delivered and displayed
 * notifications that come back become <received/> and XEP-0333
 * <displayed/>.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "imdn.h"
#include "log.h"
#include "receipt_table.h"
#include "sip_stack.h"
#include "stanza_receipt.h"
#include "xmpp_link.h"

/*
 * Sends a receipt about acked_id to the XMPP sender `to`, from the
 * address the message was sent to (`from`, the resource dropped: the
 * contact is the SIP user, not one of our sessions). 0 when queued.
 */
int
receipt_to_xmpp(struct bridge_message *bm, const char *from, const char *to,
    const char *acked_id, int displayed)
{
	struct gateway *gw = bm->gw;
	char id[32], *bare = NULL;
	const char *slash;
	int rc = -1;

	if (gw->xmpp == NULL || from == NULL || to == NULL || acked_id == NULL)
		return -1;
	if ((slash = strchr(from, '/')) != NULL) {
		if ((bare = strndup(from, (size_t)(slash - from))) == NULL)
			return -1;
		from = bare;
	}
	xmpp_link_random_id(id, sizeof(id));
	strbuf_reset(&bm->sb);
	if (stanza_build_receipt(&bm->sb, from, to, id, NULL, displayed ?
	    RECEIPT_DISPLAYED : RECEIPT_RECEIVED, acked_id) != 0) {
		log_debug("receipt: could not build one for %s (id %s)", to,
		    acked_id);
		goto out;
	}
	if (xmpp_link_send(gw->xmpp, bm->sb.buf, bm->sb.len) != 0) {
		log_debug("receipt: %s not told of %s: XMPP link down", to,
		    acked_id);
		goto out;
	}
	xmpp_link_flush(gw->xmpp);
	log_trace(TRACE_MESSAGE, "%s -> %s %s receipt for %s", from, to,
	    displayed ? "displayed" : "received", acked_id);
	rc = 0;
out:
	free(bare);
	return rc;
}

/* The host part of a SIP URI (after '@', before ';', ':', '>' or '?'). */
static void
uri_host(const char *uri, const char **host, size_t *len)
{
	const char *at = strchr(uri, '@'), *p;

	p = at != NULL ? at + 1 : strchr(uri, ':') != NULL ?
	    strchr(uri, ':') + 1 : uri;
	*host = p;
	while (*p != '\0' && strchr(";:>?", *p) == NULL)
		p++;
	*len = (size_t)(p - *host);
}

/* Whether messages to SIP may ask for IMDN at all. */
int
receipt_table_on_x2s(const struct bridge_message *bm)
{
	return receipt_table_on(bm->receipts_x2s);
}

/* Whether the SIP user ruri reads CPIM with IMDN ([receipts] imdn_domains). */
int
receipt_imdn_peer(const struct bridge_message *bm, const char *ruri)
{
	const char *list = bm->gw->cfg->receipts_imdn_domains, *host;
	size_t hlen;

	if (list == NULL || *list == '\0' || ruri == NULL)
		return 0;
	uri_host(ruri, &host, &hlen);
	while (*list != '\0') {
		size_t n = 0;

		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		while (list[n] != '\0' && list[n] != ' ' && list[n] != '\t' &&
		    list[n] != ',')
			n++;
		if (n > 0 && n == hlen && strncasecmp(list, host, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}

/*
 * Remembers a message sent to SIP as CPIM with imdn.Message-ID imdn_id,
 * so that the notifications naming it reach its XMPP sender.
 */
int
receipt_track_x2s(struct bridge_message *bm, const char *imdn_id,
    const char *xmpp_id, int want, const char *ruri, const char *from_uri,
    const char *contact_jid, const char *sender_jid)
{
	struct receipt_new t;

	t.key = imdn_id;
	t.ref = xmpp_id;
	t.want = want;
	t.sip_peer = ruri;
	t.sip_self = from_uri;
	t.jid_self = contact_jid;
	t.jid_peer = sender_jid;
	t.datetime = NULL;
	return receipt_table_add(bm->receipts_x2s, &t);
}

/*
 * A SIP MESSAGE that may be an RFC 5438 notification, from the SIP user
 * from_jid stands for to the XMPP user to_jid: 0 when it is none (the
 * caller carries it as text), else 1, answered: 400 for one we cannot
 * read, 200 otherwise, a receipt to the XMPP sender when it names a
 * message of ours and comes from its recipient.
 */
int
receipt_imdn_from_sip(struct bridge_message *bm, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *to_jid)
{
	struct receipt_entry *e;
	struct imdn n;
	char *cause = NULL;
	int r, bit;

	r = imdn_from_message(req->content_type, req->content_encoding,
	    req->body != NULL ? req->body : "", req->body_len, &n, &cause);
	if (r == 0)
		return 0;
	if (r < 0) {
		log_info_limited("receipt: IMDN from %s refused: %s",
		    req->sender_uri, cause != NULL ? cause : "?");
		gateway_answer(bm->gw, tx, 400, cause != NULL ? cause :
		    "Unreadable IMDN", NULL);
		free(cause);
		return 1;
	}
	/* A notification is never shown: whatever follows, it is taken. */
	gateway_answer(bm->gw, tx, 200, NULL, NULL);
	if ((e = receipt_table_find(bm->receipts_x2s, n.message_id)) == NULL) {
		log_info_limited("receipt: IMDN %s from %s about unknown or "
		    "forgotten message %s dropped", imdn_status_name(n.status),
		    req->sender_uri, n.message_id);
		return 1;
	}
	if (!receipt_same_bare(from_jid, e->jid_self) ||
	    !receipt_same_bare(to_jid, e->jid_peer)) {
		log_info_limited("receipt: IMDN about %s from %s, not its "
		    "recipient: dropped", n.message_id, req->sender_uri);
		return 1;
	}
	if (n.status == IMDN_DELIVERED)
		bit = IMDN_WANT_POSITIVE_DELIVERY;
	else if (n.status == IMDN_DISPLAYED)
		bit = IMDN_WANT_DISPLAY;
	else {
		log_info_limited("receipt: IMDN %s about %s from %s: nothing "
		    "to tell XMPP", imdn_status_name(n.status), n.message_id,
		    req->sender_uri);
		return 1;
	}
	if (!(e->want & bit))
		return 1;	/* not asked for, or told already */
	e->want &= ~bit;
	receipt_to_xmpp(bm, e->jid_self, e->jid_peer, e->ref,
	    bit == IMDN_WANT_DISPLAY);
	if (e->want == 0)
		receipt_entry_free(bm->receipts_x2s, e);
	return 1;
}
