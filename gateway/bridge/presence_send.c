/*
 * What the presence bridge sends, in both directions: presence stanzas on
 * the component link, the headers of every SIP request or answer in a
 * subscription, and the refusals of a SUBSCRIBE or NOTIFY.
 */
#include <stdio.h>
#include <string.h>


#include "bridge.h"
#include "config.h"
#include "log.h"
#include "presence_int.h"
#include "sip_stack.h"
#include "xmpp_link.h"

/*
 * Sends a presence stanza on the component link. Every one is from a
 * contact JID, so an available one carries the contact's XEP-0115 caps
 * (§6.1 SHOULD), which tell clients to send receipts and chat states.
 */
void
presence_send_stanza(struct bridge_presence *bp, const struct im_presence *pr)
{
	struct im_presence with_caps;
	struct strbuf sb;

	if (pr->type == NULL && !pr->caps) {
		with_caps = *pr;
		with_caps.caps = 1;
		pr = &with_caps;
	}
	strbuf_init(&sb);
	if (stanza_build_presence(&sb, pr) < 0) {
		log_warnx("presence: cannot build %s presence %s -> %s",
		    pr->type != NULL ? pr->type : "available", pr->from,
		    pr->to);
	} else if (!xmpp_link_is_ready(bp->gw->xmpp)) {
		log_info_limited("presence: xmpp link down, %s presence "
		    "%s -> %s not sent", pr->type != NULL ? pr->type :
		    "available", pr->from, pr->to);
	} else if (xmpp_link_send(bp->gw->xmpp, sb.buf, sb.len) != 0)
		log_warnx("presence: cannot send %s presence %s -> %s",
		    pr->type != NULL ? pr->type : "available", pr->from,
		    pr->to);
	else
		log_trace(TRACE_PRESENCE, "%s -> %s: %s", pr->from, pr->to,
		    pr->type != NULL ? pr->type : "available");
	strbuf_free(&sb);
}

/* A presence with nothing but a type. */
void
presence_send_simple(struct bridge_presence *bp, const char *from,
    const char *to, const char *type)
{
	struct im_presence pr;

	memset(&pr, 0, sizeof(pr));
	pr.from = from;
	pr.to = to;
	pr.type = type;
	presence_send_stanza(bp, &pr);
}

/*
 * The subscription request for a SIP watcher C (RFC 8048 §5.3.1), from C
 * to W, with C's From display-name as <nick/>: XEP-0172 §4.1 wants the
 * name in a subscription request, so the roster shows it.
 */
void
presence_send_subscribe(struct bridge_presence *bp,
    const struct presence_pair *p)
{
	struct im_presence pr;

	memset(&pr, 0, sizeof(pr));
	pr.from = p->contact_jid;
	pr.to = p->user_jid;
	pr.type = "subscribe";
	pr.nick = p->contact_nick;
	presence_send_stanza(bp, &pr);
}

/* Event, Contact and Allow-Events on what we send in a subscription. */
void
presence_add_sip_headers(struct bridge_presence *bp, struct sip_msg *msg,
    int with_contact)
{
	if (bp->contact[0] == '\0' && sip_stack_contact(bp->gw->sip,
	    bp->contact, sizeof(bp->contact)) < 0)
		bp->contact[0] = '\0';
	if (sip_msg_method(msg) != NULL)
		sip_msg_add_header(msg, "Event", "presence");
	if (with_contact && bp->contact[0] != '\0')
		sip_msg_set_contact(msg, bp->contact);
	sip_msg_add_header(msg, "Allow-Events", "presence");
}

/*
 * Answers a SUBSCRIBE or NOTIFY we cannot take, with what RFC 6665 and
 * RFC 3261 ask for beside the status: Allow-Events with 489, Min-Expires
 * with 423, Retry-After with 503, Accept with 406.
 */
void
presence_refuse(struct bridge_presence *bp, struct sip_tx *tx, int status,
    const char *reason)
{
	struct sip_msg *resp = sip_tx_response(tx, status, reason);
	char num[16];

	if (resp == NULL)
		return;
	if (status == 489)		/* RFC 6665 §8.2.2 */
		sip_msg_add_header(resp, "Allow-Events",
		    "presence, conference");
	if (status == 503) {
		snprintf(num, sizeof(num), "%d", bp->gw->cfg->presence_retry_s);
		sip_msg_add_header(resp, "Retry-After", num);
	}
	if (status == 423) {
		snprintf(num, sizeof(num), "%d",
		    bp->gw->cfg->presence_min_expires);
		sip_msg_add_header(resp, "Min-Expires", num);
	}
	if (status == 406)
		sip_msg_add_header(resp, "Accept",
		    "application/pidf+xml");
	sip_respond(bp->gw->sip, tx, resp);
}
