/*
 * The first stop of everything that arrives: SIP requests are dispatched
 * by method, XMPP stanzas by kind, and the few answers every request may
 * get (405/501 with Allow, 503 while shutting down) are given here.
 */
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "config.h"
#include "content.h"
#include "gateway.h"
#include "log.h"
#include "sip_stack.h"
#include "xmpp_link.h"

#define REASON_MAX 120

/* Reason phrases must be one line of text (RFC 3261 §25.1). */
static void
sanitize_reason(char *out, size_t size, const char *text)
{
	size_t n = 0;

	for (; text != NULL && *text != '\0' && n + 1 < size; text++) {
		unsigned char c = (unsigned char)*text;

		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80 &&
	    text != NULL && *text != '\0')
		n--;
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0 &&
	    text != NULL && *text != '\0')
		n--;
	out[n] = '\0';
}

/* Answers a SIP request with status, Retry-After or Contact as needed. */
void
gateway_answer(struct gateway *gw, struct sip_tx *tx, int status,
    const char *reason, const char *contact)
{
	char buf[REASON_MAX + 1], extra[1400];
	size_t n = 0;

	if (gw->sip == NULL) {
		/* After the stack was freed its transactions are gone too. */
		log_debug("message: no SIP stack to answer %d with", status);
		return;
	}
	if (reason != NULL) {
		sanitize_reason(buf, sizeof(buf), reason);
		reason = buf[0] != '\0' ? buf : NULL;
	}
	extra[0] = '\0';
	if (status == 503)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Retry-After: %d\r\n", gw->cfg->message_retry_after_s);
	if (status == 415 && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Accept: %s\r\n", CONTENT_ACCEPT);
	/* The mapping escapes what it builds; a stray break never gets out. */
	if (contact != NULL && strpbrk(contact, "\r\n<>") == NULL &&
	    n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Contact: <%s>\r\n", contact);
	if ((status == 405 || status == 501) && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Allow: %s\r\n", GATEWAY_ALLOW);
	if (n >= sizeof(extra)) {
		log_error("message: answer %d does not fit", status);
		n = 0;
		extra[0] = '\0';
	}
	if (sip_respond_lines(gw->sip, tx, status, reason, extra) < 0)
		log_warnx("message: cannot answer %d", status);
}

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
	osip_message_t *resp = sip_tx_response(tx, 200, "OK");

	if (resp == NULL)
		return;
	sip_message_add_header(resp, "Allow", GATEWAY_ALLOW);
	sip_message_add_header(resp, "Accept", CONTENT_ACCEPT);
	sip_respond(gw->sip, tx, resp);
}

/* Every new SIP request but MESSAGE. */
void
router_sip_request(void *arg, struct sip_tx *tx, const osip_message_t *req)
{
	struct gateway *gw = arg;
	const char *method = req->sip_method;

	if (gw->shutting_down) {
		gateway_answer(gw, tx, 503, "Gateway shutting down", NULL);
		return;
	}
	if (strcmp(method, "SUBSCRIBE") == 0 ||
	    strcmp(method, "NOTIFY") == 0)
		bridge_presence_from_sip(gw->presence, tx, req);
	else if (strcmp(method, "OPTIONS") == 0)
		answer_options(gw, tx);
	else if (strcmp(method, "CANCEL") == 0)
		/* RFC 3261 §9.2: nothing of ours is cancellable. */
		gateway_answer(gw, tx, 481, NULL, NULL);
	else if (is_known_method(method)) {
		/* INVITE included: a final answer, never silence. */
		log_info_limited("sip: %s from %s refused: not served", method,
		    req->from->url->host != NULL ? req->from->url->host : "?");
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
	bridge_presence_from_xmpp(gw->presence, pres);
}

void
router_xmpp_up(void *arg)
{
	struct gateway *gw = arg;

	log_info("xmpp link up");
	bridge_presence_link_up(gw->presence);
}

/* Messages waiting for the link fail through their pings (503). */
void
router_xmpp_down(void *arg)
{
	(void)arg;
	log_warnx("xmpp link down");
}
