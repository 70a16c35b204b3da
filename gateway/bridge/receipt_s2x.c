/*
 * IMDN for SIP senders (RFC 5438): a SIP message whose CPIM asked for
 * delivery or display notifications (imdn.Disposition-Notification)
 * went to XMPP with XEP-0184 <request/> and XEP-0333 <markable/>; it is
 * remembered here under the XMPP id we gave it, and the recipient's
 * <received id/> and <displayed id/> go back to the SIP sender as
 * message/imdn+xml in message/cpim (§7.2.1.1). The table is bounded
 * ([receipts] max_tracked, oldest forgotten first) and entries expire
 * ([receipts] track_s); a receipt for an id we do not hold, or from
 * anyone but the message's recipient, is dropped with a rate-limited
 * log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "imdn.h"
#include "log.h"
#include "sip_stack.h"
#include "receipt_table.h"
#include "xmpp_link.h"

/* The SIP side answered a notification: nothing more to do but say. */
static void
imdn_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	(void)arg;
	(void)resp;
	if (status >= 300)
		log_info_limited("receipt: IMDN notification refused by SIP "
		    "(%d)", status);
}

/* Sends one notification about e's message to its SIP sender. */
static int
send_imdn(struct bridge_message *bm, const struct receipt_entry *e,
    enum imdn_kind kind)
{
	struct gateway *gw = bm->gw;
	struct strbuf *sb = &bm->sip_sb, body;
	struct imdn_out o;
	char tag[17], call_id[33], nid[17], clen[24];
	int rc = -1;

	if (gw->sip == NULL || gw->shutting_down)
		return -1;
	if (strpbrk(e->sip_peer, "\r\n<>") != NULL ||
	    strpbrk(e->sip_self, "\r\n<>") != NULL)
		return -1;
	sip_random_token(nid, sizeof(nid));
	memset(&o, 0, sizeof(o));
	o.from_uri = e->sip_self;
	o.to_uri = e->sip_peer;
	o.message_id = e->ref;
	o.notification_id = nid;
	o.recipient_uri = e->sip_self;
	o.datetime = e->datetime;	/* NULL: now */
	o.kind = kind;
	o.status = kind == IMDN_DISPLAY ? IMDN_DISPLAYED : IMDN_DELIVERED;
	strbuf_init(&body);
	if (imdn_build_cpim(&body, &o) != 0)
		goto out;
	sip_random_token(tag, sizeof(tag));
	sip_random_token(call_id, sizeof(call_id));
	snprintf(clen, sizeof(clen), "%zu", body.len);
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: <");
	strbuf_appends(sb, e->sip_self);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, e->sip_peer);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	strbuf_appends(sb, call_id);
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\nUser-Agent: "
	    SIPXMPP_AGENT "\r\nContent-Type: message/cpim\r\n"
	    "Content-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	strbuf_append(sb, body.buf, body.len);
	if (sb->failed)
		goto out;
	if (sip_send_request_text(gw->sip, "MESSAGE", e->sip_peer, sb->buf,
	    sb->len, imdn_answered_cb, NULL) != 0)
		goto out;
	log_trace(TRACE_MESSAGE, "%s -> %s IMDN %s for %s", e->sip_self,
	    e->sip_peer, kind == IMDN_DISPLAY ? "displayed" : "delivered",
	    e->ref);
	rc = 0;
out:
	strbuf_free(&body);
	return rc;
}

/* One receipt (XEP-0184 or XEP-0333) about id from the XMPP side. */
static void
one_receipt(struct bridge_message *bm, const struct xmpp_in_message *m,
    const char *id, enum imdn_kind kind)
{
	struct receipt_table *rt = bm->receipts;
	struct receipt_entry *e;
	int bit = kind == IMDN_DISPLAY ? IMDN_WANT_DISPLAY :
	    IMDN_WANT_POSITIVE_DELIVERY;

	if ((e = receipt_table_find(rt, id)) == NULL) {
		log_info_limited("receipt: %s from %s about unknown or "
		    "forgotten id %s dropped", kind == IMDN_DISPLAY ?
		    "displayed" : "received", m->from, id);
		return;
	}
	/* Only the recipient may say she has it (RFC 5438 §5). */
	if (!receipt_same_bare(m->from, e->jid_peer) ||
	    !receipt_same_bare(m->to, e->jid_self)) {
		log_info_limited("receipt: %s -> %s about %s, not between %s "
		    "and %s: dropped", m->from, m->to, id, e->jid_peer,
		    e->jid_self);
		return;
	}
	if (!(e->want & bit))
		return;		/* not asked for, or already sent */
	e->want &= ~bit;
	/* XEP-0333 §4: displayed implies received. */
	if (kind == IMDN_DISPLAY)
		e->want &= ~IMDN_WANT_POSITIVE_DELIVERY;
	send_imdn(bm, e, kind);
	if (e->want == 0)
		receipt_entry_free(rt, e);
}

/*
 * Remembers that the XMPP message xmpp_id carries the SIP message
 * imdn_id, whose sender wants the notifications in want; -1 when it
 * cannot (the message then gets no notifications).
 */
int
receipt_track(struct bridge_message *bm, const char *xmpp_id,
    const char *imdn_id, int want, const char *sip_sender,
    const char *sip_recipient, const char *jid_from, const char *jid_to,
    const char *datetime)
{
	struct receipt_new t;

	t.key = xmpp_id;
	t.ref = imdn_id;
	t.want = want;
	t.sip_peer = sip_sender;
	t.sip_self = sip_recipient;
	t.jid_self = jid_from;
	t.jid_peer = jid_to;
	t.datetime = datetime;
	return receipt_table_add(bm->receipts, &t);
}

/* Whether receipts may be asked of XMPP recipients at all. */
int
receipt_tracking_on(const struct bridge_message *bm)
{
	return receipt_table_on(bm->receipts);
}

/*
 * A <message/> from XMPP holding <received id/> or <displayed id/>:
 * notifications for the SIP messages they name.
 */
void
receipt_from_xmpp(struct bridge_message *bm, const struct xmpp_in_message *m)
{
	if (m->from == NULL || m->to == NULL)
		return;
	if (m->receipt_received_id != NULL && *m->receipt_received_id)
		one_receipt(bm, m, m->receipt_received_id, IMDN_DELIVERY);
	if (m->marker_displayed_id != NULL && *m->marker_displayed_id)
		one_receipt(bm, m, m->marker_displayed_id, IMDN_DISPLAY);
}
