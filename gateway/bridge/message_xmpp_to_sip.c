/*
 * Pager-mode messages from XMPP to SIP (RFC 7572 §5, RFC 7247 §7): a
 * <message/> becomes a MESSAGE printed here and sent in a client
 * transaction; what the SIP side answers decides what the XMPP sender
 * hears. A 2xx is silence; a SIP error, Timer F or a transport failure
 * becomes an error stanza back to the sender (RFC 7247 Table 3,
 * sip_answered_cb and report_to_xmpp below), its text the peer's reason
 * phrase made fit. From SIGTERM on, a new one is refused at once with the
 * shutdown error, so nothing from XMPP reaches the SIP stack while it is
 * being taken down. Error stanzas about messages we sent to XMPP are not
 * ours: they go to message_sip_to_xmpp.c.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "errors.h"
#include "imdn.h"
#include "log.h"
#include "mapping.h"
#include "sender_share.h"
#include "sip_display.h"
#include "sip_stack.h"
#include "stanza.h"
#include "xmpp_link.h"

/* An XMPP message travelling as a SIP MESSAGE. */
struct pending_out {
	TAILQ_ENTRY(pending_out) entry;
	struct bridge_message *bm;
	char *sender;		/* full JID errors go back to */
	char *recipient;	/* the JID it was sent to: our side */
	char *id;
	char *lang;
	struct sender_share *share;
	int want_receipt;	/* XEP-0184 <request/> with an id */
};

/* Sends an error stanza about a message from XMPP back to its sender. */
static void
report_to_xmpp(struct bridge_message *bm, const char *from, const char *to,
    const char *id, const char *lang, const char *condition, const char *text,
    const char *gone_uri)
{
	struct gateway *gw = bm->gw;
	struct xmpp_error_cond cond;
	struct im_error e = { 0 };
	char *from_bare = NULL;
	const char *slash;

	cond.condition = condition;
	cond.type = errors_xmpp_condition_type(condition);
	/* Errors come from the address the message was sent to, bare. */
	if (from != NULL && (slash = strchr(from, '/')) != NULL)
		from_bare = strndup(from, (size_t)(slash - from));
	e.from = from_bare != NULL ? from_bare :
	    from != NULL ? from : gw->cfg->xmpp_component;
	e.to = to;
	e.id = id;
	e.cond = &cond;
	e.text = text;
	e.lang = lang;
	e.gone_uri = gone_uri;
	strbuf_reset(&bm->sb);
	/* The text is made fit by the builder; only addresses can fail. */
	if (stanza_build_message_error(&bm->sb, &e) != 0) {
		log_warnx("message: could not build a %s error for %s (id %s)",
		    condition, to != NULL ? to : "?", id != NULL ? id : "-");
		goto out;
	}
	/* Errors have room of their own in the send queue. */
	switch (xmpp_link_send_error(gw->xmpp, bm->sb.buf, bm->sb.len,
	    condition)) {
	case 0:
		xmpp_link_flush(gw->xmpp);
		break;
	case -2:
		break;		/* counted and logged by the link */
	default:
		log_warnx("message: could not report %s to %s (id %s): XMPP "
		    "link down", condition, to, id != NULL ? id : "-");
		break;
	}
out:
	free(from_bare);
}

/* Frees an outbound record. */
void
message_out_free(struct bridge_message *bm, struct pending_out *po)
{
	TAILQ_REMOVE(&bm->out, po, entry);
	bm->n_out--;
	sender_share_put(&bm->shares_out, po->share);
	free(po->sender);
	free(po->recipient);
	free(po->id);
	free(po->lang);
	free(po);
}

/* The SIP side answered a message from XMPP: RFC 7247 Table 3. */
static void
sip_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct pending_out *po = arg;
	struct bridge_message *bm = po->bm;
	const struct xmpp_error_cond *cond;
	char *gone = NULL, *cause = NULL;
	const char *text = NULL;
	char jid_uri[1100];

	if (status >= 200 && status < 300) {
		log_trace(TRACE_MESSAGE, "%s -> %s delivered to SIP (%d)",
		    po->sender, po->recipient, status);
		/* RFC 3428 §7: only a 200 says a UA took it (XEP-0184). */
		if (status == 200 && po->want_receipt)
			receipt_to_xmpp(bm, po->recipient, po->sender, po->id,
			    0);
		message_out_free(bm, po);
		return;
	}
	if ((cond = errors_sip_to_xmpp(status)) == NULL)
		cond = errors_sip_to_xmpp(500);
	/* The stack's 404 without a response: the SIP domain has no
	 * server (RFC 3263), RFC 7247 Table 2's remote-server-not-found. */
	if (status == 404 && resp == NULL)
		cond = errors_xmpp_condition_lookup("remote-server-not-found");
	if (resp != NULL)
		text = sip_msg_reason(resp);
	else if (status == 404)
		text = "No SIP server found for that domain";
	else if (bm->gw->shutting_down)
		text = "Gateway shut down before the SIP side answered";
	else if (status == 408)
		text = "No answer from the SIP side";
	else
		text = "SIP transport failure";
	/* RFC 7247 Table 3: 301 -> <gone/> with the new address. */
	if (status == 301 && resp != NULL) {
		char *uri;

		if ((uri = sip_msg_contact_uri(resp)) != NULL &&
		    map_sip_to_xmpp(bm->gw->map, uri, &gone, &cause) == MAP_OK)
			snprintf(jid_uri, sizeof(jid_uri), "xmpp:%s", gone);
		else
			jid_uri[0] = '\0';
		free(uri);
	}
	log_info_limited("message: %s -> %s refused by SIP: %d -> %s",
	    po->sender, po->recipient, status, cond->condition);
	report_to_xmpp(bm, po->recipient, po->sender, po->id, po->lang,
	    cond->condition, text, gone != NULL && jid_uri[0] ? jid_uri : NULL);
	free(gone);
	free(cause);
	message_out_free(bm, po);
}

/* Whether a <thread/> can serve as a Call-ID (RFC 3261 word). */
static int
is_sip_word(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (n >= 128 || (!isalnum((unsigned char)*s) &&
		    strchr("-.!%*_+`'~()<>:\\\"/[]?{}", *s) == NULL))
			return 0;
	}
	return n > 0;
}

/* Whether xml:lang is a plausible language tag for Content-Language. */
static int
is_language_tag(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (n >= 35 || (!isalnum((unsigned char)*s) && *s != '-'))
			return 0;
	return n > 0;
}

/* Whether the RFC 3428 1300-byte rule applies to this message. */
static int
size_rule_applies(struct bridge_message *bm, const char *ruri)
{
	const struct config *cfg = bm->gw->cfg;

	switch (cfg->message_size_policy) {
	case SIZE_LIMIT_ALWAYS:
		return 1;
	case SIZE_LIMIT_UDP:
		return sip_stack_next_hop_is_udp(bm->gw->sip, ruri);
	default:
		return 0;
	}
}

/* Room for the Via and Route the stack adds after we measure. */
#define VIA_ROUTE_RESERVE 200

/* Appends s with controls replaced, so that it fits in one header line. */
static void
put_header_text(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;

		strbuf_append(sb, &c, 1);
	}
}

/*
 * Prints the MESSAGE for m (RFC 3428, RFC 7572 §5) into bm->sip_sb: every
 * header after the Via and Route the stack adds, the empty line, the
 * body. Printed directly: building it through libosip2's message model
 * cost more than everything else on this path together.
 */
static int
message_text(struct bridge_message *bm, const struct xmpp_in_message *m,
    const char *ruri, const char *from_uri, const char *imdn_id, int want)
{
	struct strbuf *sb = &bm->sip_sb, cpim;
	char tag[17], call_id[33], clen[24];
	const char *body = m->body;
	size_t body_len = strlen(m->body);
	int rc;

	/* The mapping escapes what it builds; a line break never gets out. */
	if (strpbrk(ruri, "\r\n<>") != NULL ||
	    strpbrk(from_uri, "\r\n<>") != NULL)
		return -1;
	sip_random_token(tag, sizeof(tag));
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: ");
	/* XEP-0172: the sender's <nick/> is the name the UA shows. */
	sip_display_put(sb, m->nick);
	strbuf_appends(sb, "<");
	strbuf_appends(sb, from_uri);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, ruri);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	if (m->thread != NULL && is_sip_word(m->thread))
		strbuf_appends(sb, m->thread);
	else {
		sip_random_token(call_id, sizeof(call_id));
		strbuf_appends(sb, call_id);
	}
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\n"
	    "User-Agent: " SIPXMPP_AGENT "\r\n");
	if (m->subject != NULL) {
		strbuf_appends(sb, "Subject: ");
		put_header_text(sb, m->subject);
		strbuf_appends(sb, "\r\n");
	}
	if (m->lang != NULL && is_language_tag(m->lang)) {
		strbuf_appends(sb, "Content-Language: ");
		strbuf_appends(sb, m->lang);
		strbuf_appends(sb, "\r\n");
	}
	/* RFC 5438 §7.1.1.1 to a peer that reads it (receipt_x2s.c). */
	strbuf_init(&cpim);
	if (imdn_id != NULL && imdn_build_request_cpim(&cpim, from_uri, ruri,
	    imdn_id, want, m->body, body_len) == 0) {
		body = cpim.buf;
		body_len = cpim.len;
		strbuf_appends(sb, "Content-Type: message/cpim\r\n");
	} else
		strbuf_appends(sb, "Content-Type: text/plain;charset=UTF-8"
		    "\r\n");
	snprintf(clen, sizeof(clen), "%zu", body_len);
	strbuf_appends(sb, "Content-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	strbuf_append(sb, body, body_len);
	rc = sb->failed || cpim.failed ? -1 : body == m->body ? 0 : 1;
	strbuf_free(&cpim);
	return rc;
}

/* A <message/> from XMPP: translate it (RFC 7572 §5) and send it on. */
void
bridge_message_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *m)
{
	struct gateway *gw = bm->gw;
	struct pending_out *po = NULL;
	struct sender_share *share = NULL;
	char *ruri = NULL, *from_uri = NULL, *cause = NULL;
	const char *slash;
	char imdn_id[17];
	size_t wire_len;
	int r, want, cpim_sent;

	if (m->type != NULL && strcmp(m->type, "error") == 0) {
		message_error_from_xmpp(bm, m);
		return;
	}
	if (m->from == NULL || m->to == NULL)
		return;		/* the link refuses these at the edge */
	if (m->type != NULL && strcmp(m->type, "groupchat") == 0) {
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "feature-not-implemented", "Group chat is not supported",
		    NULL);
		return;
	}
	/* XEP-0184/0333 receipts for SIP messages: IMDN (receipt_s2x.c). */
	if (m->receipt_received_id != NULL || m->marker_displayed_id != NULL)
		receipt_from_xmpp(bm, m);
	if (m->body == NULL && m->chat_state != NULL) {
		/* XEP-0085 standalone: typing.c, fire and forget. */
		bridge_typing_from_xmpp(gw->typing, m);
		return;
	}
	if (m->body == NULL) {
		/* Chat states and receipts alone carry nothing for a person. */
		log_trace(TRACE_MESSAGE, "%s -> %s without body not "
		    "translated", m->from, m->to);
		return;
	}
	/*
	 * From SIGTERM on nothing new goes to SIP (README "Shutdown"): the
	 * SIP stack is about to go, and the link stays up a little longer
	 * only to carry the last answers.
	 */
	if (gw->shutting_down || gw->sip == NULL) {
		log_debug("message: %s -> %s refused: shutting down", m->from,
		    m->to);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "service-unavailable",
		    "Gateway shut down; message not sent to SIP", NULL);
		return;
	}
	if ((r = map_xmpp_to_sip(gw->map, m->to, &ruri, &cause)) != MAP_OK) {
		log_info_limited("message: %s -> %s refused: %s", m->from,
		    m->to, cause != NULL ? cause : map_result_name(r));
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    r == MAP_MALFORMED ? "jid-malformed" : "item-not-found",
		    "No SIP address for this JID", NULL);
		goto out;
	}
	free(cause);
	cause = NULL;
	if ((r = map_xmpp_to_sip(gw->map, m->from, &from_uri, &cause)) !=
	    MAP_OK) {
		log_info_limited("message: sender %s not mapped: %s", m->from,
		    cause != NULL ? cause : map_result_name(r));
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang, "forbidden",
		    "Sender has no SIP address here", NULL);
		goto out;
	}
	if (bm->n_out >= (size_t)gw->cfg->message_max_pending) {
		log_warnx_limited("message: %s -> %s refused: %zu messages "
		    "in flight to SIP ([message] max_pending)", m->from, m->to,
		    bm->n_out);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "resource-constraint", "Too many messages in flight to SIP",
		    NULL);
		goto out;
	}
	slash = strchr(m->from, '/');
	if ((r = sender_share_take(&bm->shares_out, m->from, slash != NULL ?
	    (size_t)(slash - m->from) : strlen(m->from), &share)) !=
	    SENDER_SHARE_OK) {
		if (r == SENDER_SHARE_FULL)
			log_debug("message: %s holds its share of max_pending",
			    m->from);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    r == SENDER_SHARE_FULL ? "resource-constraint" :
		    "internal-server-error", r == SENDER_SHARE_FULL ?
		    "Too many of your messages in flight to SIP" : NULL, NULL);
		goto out;
	}
	/* XEP-0184/0333 asked, the peer reads IMDN: RFC 5438 (§7.1.1.1). */
	want = (m->has_receipt_request ? IMDN_WANT_POSITIVE_DELIVERY : 0) |
	    (m->has_markable ? IMDN_WANT_DISPLAY : 0);
	if (want != 0 && m->id != NULL && *m->id != '\0' &&
	    receipt_table_on_x2s(bm) && receipt_imdn_peer(bm, ruri))
		sip_random_token(imdn_id, sizeof(imdn_id));
	else
		imdn_id[0] = '\0';
	if ((cpim_sent = message_text(bm, m, ruri, from_uri, imdn_id[0] ?
	    imdn_id : NULL, want)) < 0) {
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "internal-server-error", NULL, NULL);
		goto out;
	}
	/* RFC 7572 §6, RFC 3428 §1: pager mode stays under 1300 bytes. */
	wire_len = sizeof("MESSAGE  SIP/2.0\r\n") - 1 + strlen(ruri) +
	    bm->sip_sb.len + VIA_ROUTE_RESERVE;
	if (size_rule_applies(bm, ruri) &&
	    wire_len > (size_t)gw->cfg->message_size_limit) {
		log_info_limited("message: %s -> %s too large for SIP (%zu "
		    "bytes)", m->from, m->to, wire_len);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "policy-violation",
		    "Message too large for SIP pager mode (RFC 3428)", NULL);
		goto out;
	}
	if ((po = calloc(1, sizeof(*po))) == NULL ||
	    (po->sender = strdup(m->from)) == NULL ||
	    (po->recipient = strdup(m->to)) == NULL ||
	    (m->id != NULL && (po->id = strdup(m->id)) == NULL) ||
	    (m->lang != NULL && (po->lang = strdup(m->lang)) == NULL)) {
		if (po != NULL) {
			free(po->sender);
			free(po->recipient);
			free(po->id);
			free(po);
		}
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "internal-server-error", NULL, NULL);
		goto out;
	}
	po->bm = bm;
	po->share = share;
	/* A peer asked for IMDN says itself when its user has it. */
	po->want_receipt = m->has_receipt_request && m->id != NULL &&
	    *m->id != '\0' && cpim_sent != 1;
	share = NULL;
	TAILQ_INSERT_TAIL(&bm->out, po, entry);
	bm->n_out++;
	if (sip_send_request_text(gw->sip, "MESSAGE", ruri, bm->sip_sb.buf,
	    bm->sip_sb.len, sip_answered_cb, po) != 0) {
		report_to_xmpp(bm, po->recipient, po->sender, po->id, po->lang,
		    "remote-server-not-found", "No route to the SIP side",
		    NULL);
		message_out_free(bm, po);
		goto out;
	}
	if (cpim_sent == 1)
		receipt_track_x2s(bm, imdn_id, m->id, want, ruri, from_uri,
		    m->to, m->from);
	bridge_typing_content(gw->typing, 'x', from_uri, ruri);
	log_trace(TRACE_MESSAGE, "%s -> %s sent to SIP", m->from, ruri);
out:
	sender_share_put(&bm->shares_out, share);
	free(ruri);
	free(from_uri);
	free(cause);
}

