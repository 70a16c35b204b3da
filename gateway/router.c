/*
 * The first stop of everything that arrives: SIP requests are dispatched
 * by method, XMPP stanzas by kind, and the few answers every request may
 * get (405/501 with Allow, 503 while shutting down) are given here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "content.h"
#include "gateway.h"
#include "log.h"
#include "sip_event.h"
#include "sip_stack.h"
#include "xmpp_link.h"

/* Methods RFC 3261 and its extensions define, that we do not serve. */
static int
is_known_method(const char *m)
{
	static const char *const known[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS",
		"SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "PRACK", "UPDATE",
		"REFER", "MESSAGE",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i]) == 0)
			return 1;
	return 0;
}

/* Answers OPTIONS (RFC 3261 §11.2): what we allow and accept. */
static void
answer_options(struct gateway *gw, struct sip_tx *tx)
{
	struct sip_msg *resp = sip_tx_response(tx, 200, "OK");

	if (resp == NULL)
		return;
	sip_msg_add_header(resp, "Allow", GATEWAY_ALLOW);
	sip_msg_add_header(resp, "Accept", CONTENT_ACCEPT);
	sip_respond(gw->sip, tx, resp);
}

/*
 * Whether a request carries a message or a subscription, which only a
 * member of our trust domain may hand us ([sip] trusted_peers).
 */
static int
needs_trust(const char *method)
{
	return strcmp(method, "MESSAGE") == 0 ||
	    strcmp(method, "SUBSCRIBE") == 0 ||
	    strcmp(method, "NOTIFY") == 0 || strcmp(method, "PUBLISH") == 0;
}

/*
 * Refuses a request that needs trust from a source outside the trust
 * domain (RFC 3325 §2.3): anyone who can reach our port could otherwise
 * write to any Jabber user as any SIP user, or read presence as any
 * watcher. 403 (RFC 3261 §21.4.4), logged at most about once a second.
 * 1 if refused.
 */
static int
refuse_untrusted(struct gateway *gw, struct sip_tx *tx, const char *method,
    const char *from)
{
	char source[80];

	if (sip_tx_trusted(tx))
		return 0;
	sip_tx_source(tx, source, sizeof(source));
	log_warnx_limited("sip: %s from %s (%s) refused: not a trusted peer",
	    method, source, from != NULL ? from : "?");
	gateway_answer(gw, tx, 403, "Not a trusted peer", NULL);
	return 1;
}

/*
 * Whether a SUBSCRIBE or NOTIFY is for the conference package (RFC
 * 4575 §3.1): those are the room bridge's; every other Event goes to
 * the presence bridge, which serves presence and answers the rest 489.
 */
static int
is_conference(const struct sip_msg *req)
{
	const char *ev = sip_msg_header(req, "event", "o");
	struct event_hdr eh;

	return ev != NULL && sip_event_parse(ev, &eh) == 0 &&
	    strcmp(eh.package, "conference") == 0;
}

/* Every new SIP request but MESSAGE. */
void
router_sip_request(void *arg, struct sip_tx *tx, const struct sip_msg *req)
{
	struct gateway *gw = arg;
	const char *method = sip_msg_method(req);

	if (gw->shutting_down) {
		gateway_answer(gw, tx, 503, "Gateway shutting down", NULL);
		return;
	}
	if (needs_trust(method)) {
		char *from = sip_msg_from_uri(req);
		int refused = refuse_untrusted(gw, tx, method, from);

		free(from);
		if (refused)
			return;
	}
	if ((strcmp(method, "SUBSCRIBE") == 0 ||
	    strcmp(method, "NOTIFY") == 0) && is_conference(req))
		bridge_room_from_sip_subscribe(gw->rooms, tx, req);
	else if (strcmp(method, "SUBSCRIBE") == 0 ||
	    strcmp(method, "NOTIFY") == 0)
		bridge_presence_from_sip(gw->presence, tx, req);
	else if (strcmp(method, "OPTIONS") == 0 && health_options_refused(gw))
		gateway_answer(gw, tx, 503, "XMPP link down", NULL);
	else if (strcmp(method, "OPTIONS") == 0)
		answer_options(gw, tx);
	else if (strcmp(method, "CANCEL") == 0)
		/* RFC 3261 §9.2: nothing of ours is cancellable. */
		gateway_answer(gw, tx, 481, NULL, NULL);
	else if (is_known_method(method)) {
		/* INVITE included: a final answer, never silence. */
		char *from = sip_msg_from_uri(req);

		log_info_limited("sip: %s from %s refused: not served", method,
		    from != NULL ? from : "?");
		free(from);
		gateway_answer(gw, tx, 405, NULL, NULL);
	} else
		gateway_answer(gw, tx, 501, NULL, NULL);
}

/* Every new SIP MESSAGE. */
void
router_sip_message(void *arg, struct sip_tx *tx,
    const struct sip_message_fields *fields)
{
	struct gateway *gw = arg;

	if (gw->shutting_down) {
		gateway_answer(gw, tx, 503, "Gateway shutting down", NULL);
		return;
	}
	if (refuse_untrusted(gw, tx, "MESSAGE", fields->from_uri))
		return;
	bridge_message_from_sip(gw->messages, tx, fields);
}

/*
 * Every <message/> from the component link. While shutting down the
 * bridge answers new ones with the shutdown error itself (it must still
 * see error stanzas about messages in flight).
 */
void
router_xmpp_message(void *arg, const struct xmpp_in_message *msg)
{
	struct gateway *gw = arg;

	/* A room's stanza to one of our occupants is the room bridge's. */
	if (!gw->shutting_down && bridge_room_from_xmpp_message(gw->rooms,
	    msg))
		return;
	bridge_message_from_xmpp(gw->messages, msg);
}

/*
 * Every <presence/> from the component link. Once the SIP stack is
 * gone (the last turns of shutdown, which only carry answers out),
 * presence has nowhere to go: it is dropped, as a stopped gateway's
 * would be (RFC 6121 §4.2.2: an unavailable entity's server answers for
 * it), and counted in one line at the end rather than one per stanza.
 */
void
router_xmpp_presence(void *arg, const struct xmpp_in_presence *pres)
{
	struct gateway *gw = arg;

	if (gw->sip == NULL) {
		gw->presence_dropped++;
		return;
	}
	if (bridge_room_from_xmpp_presence(gw->rooms, pres))
		return;
	bridge_presence_from_xmpp(gw->presence, pres);
}

/* A disco#info answer: what the room bridge asked (is it a room?). */
void
router_xmpp_disco_info(void *arg, const struct xmpp_in_disco_info *d)
{
	struct gateway *gw = arg;

	if (gw->sip == NULL)
		return;
	bridge_room_disco_info(gw->rooms, d);
}

void
router_xmpp_up(void *arg)
{
	struct gateway *gw = arg;

	log_info("xmpp link up");
	bridge_presence_link_up(gw->presence);
	bridge_room_link_up(gw->rooms);
}

/* Messages waiting for the link fail through their pings (503). */
void
router_xmpp_down(void *arg)
{
	struct gateway *gw = arg;

	log_warnx("xmpp link down");
	bridge_room_link_down(gw->rooms);
}
