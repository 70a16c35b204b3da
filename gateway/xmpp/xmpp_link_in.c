/*
 * What arrives on the component link. Messages are checked at the edge
 * (size) and handed to the bridges as struct xmpp_in_message; IQs are
 * answered: answers to our pings release their barrier here, requests
 * (get, set) are answered by xmpp_link_iq.c, so nobody waits on us.
 * Other results and errors go to the bridges when they are disco#info
 * answers (is this address a room, XEP-0045 §6.4) or errors.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

/* True when jid (node@domain/resource) is in domain. */
static int
jid_in_domain(const char *jid, const char *domain)
{
	const char *d, *slash;
	size_t dlen = strlen(domain);

	if (jid == NULL)
		return 0;
	slash = strchr(jid, '/');
	d = memchr(jid, '@', slash != NULL ? (size_t)(slash - jid) :
	    strlen(jid));
	d = d != NULL ? d + 1 : jid;
	if ((slash != NULL ? (size_t)(slash - d) : strlen(d)) != dlen)
		return 0;
	return strncasecmp(d, domain, dlen) == 0;
}

/*
 * Answers a stanza with an error from our side. Our from is the address
 * the stanza was sent to, so the sender sees who refused; it must be in
 * our domain (XEP-0114, Prosody 13 enforces it), else the domain itself.
 */
void
xmpp_link_reply_error(struct xmpp_link *link, xmpp_stanza_t *st,
    const char *kind,
    const char *type, const char *condition, const char *text)
{
	const char *from = xmpp_stanza_get_attribute(st, "from");
	const char *to = xmpp_stanza_get_attribute(st, "to");
	const char *domain = link->cfg->xmpp_component;
	char *xml;
	size_t len;

	if (from == NULL)
		return;		/* nobody to tell */
	if (!jid_in_domain(to, domain))
		to = domain;
	xml = xmpp_link_build_error(kind, to, from,
	    xmpp_stanza_get_attribute(st, "id"), type, condition, text, &len);
	/* A full reserve is logged by xmpp_link_send_error() itself. */
	if (xml == NULL)
		log_warnx("xmpp: cannot build a %s error for a %s from %s",
		    condition, kind, from);
	else if (xmpp_link_send_error(link, xml, len, condition) == -1)
		log_warnx("xmpp: cannot answer %s from %s with %s: link "
		    "not ready", kind, from, condition);
	free(xml);
}

/* True when the stanza is larger than max_stanza_bytes. */
static int
too_large(struct xmpp_link *link, xmpp_stanza_t *st)
{
	size_t max = (size_t)link->cfg->xmpp_max_stanza_bytes;

	return xmpp_link_stanza_size(st, max) > max;
}

/* A <message/> for us: checked at the edge, then handed to the bridges. */
static void
on_message(struct xmpp_link *link, xmpp_stanza_t *st)
{
	struct xmpp_link_parsed p;
	const char *type = xmpp_stanza_get_attribute(st, "type");
	int is_error = type != NULL && strcmp(type, "error") == 0;

	if (too_large(link, st)) {
		log_warnx_limited("xmpp: refusing a message from %s: larger "
		    "than max_stanza_bytes (%d)",
		    xmpp_stanza_get_attribute(st, "from") != NULL ?
		    xmpp_stanza_get_attribute(st, "from") : "(unknown)",
		    link->cfg->xmpp_max_stanza_bytes);
		/* RFC 6120 §8.3.1: never answer an error with an error. */
		if (!is_error)
			xmpp_link_reply_error(link, st, "message", "modify",
			    "policy-violation", "Message too large for the "
			    "gateway");
		return;
	}
	if (xmpp_link_parse_message(st, &p) != 0)
		return;
	if (link->h.message_cb != NULL)
		link->h.message_cb(link->arg, &p.msg);
	xmpp_link_parsed_clear(&p);
}

/* A <presence/> for us: checked at the edge, then handed to the bridges. */
static void
on_presence(struct xmpp_link *link, xmpp_stanza_t *st)
{
	struct xmpp_link_parsed p;

	if (too_large(link, st)) {
		/* No error reply: presence errors only confuse clients,
		 * and a flood of them would amplify (RFC 8048 §8). */
		log_warnx_limited("xmpp: dropping a presence from %s: larger "
		    "than max_stanza_bytes (%d)",
		    xmpp_stanza_get_attribute(st, "from") != NULL ?
		    xmpp_stanza_get_attribute(st, "from") : "(unknown)",
		    link->cfg->xmpp_max_stanza_bytes);
		return;
	}
	if (xmpp_link_parse_presence(st, &p) != 0)
		return;
	if (link->h.presence_cb != NULL)
		link->h.presence_cb(link->arg, &p.pres);
	xmpp_link_parsed_clear(&p);
}

/*
 * A disco#info answer or an iq error for the bridges; 1 when it was one
 * and someone takes it. Too large ones are dropped (a result is never
 * answered, RFC 6120 §8.2.3), the feature and identity counts are capped.
 */
static int
disco_answer(struct xmpp_link *link, xmpp_stanza_t *st)
{
	struct xmpp_link_parsed p;

	if (link->h.disco_info_cb == NULL)
		return 0;
	if (too_large(link, st)) {
		log_warnx_limited("xmpp: dropping an iq answer from %s: "
		    "larger than max_stanza_bytes (%d)",
		    xmpp_stanza_get_attribute(st, "from") != NULL ?
		    xmpp_stanza_get_attribute(st, "from") : "(unknown)",
		    link->cfg->xmpp_max_stanza_bytes);
		return 1;
	}
	if (xmpp_link_parse_disco_info(st, &p) != 0)
		return 0;
	link->h.disco_info_cb(link->arg, &p.disco);
	xmpp_link_parsed_clear(&p);
	return 1;
}

/*
 * An <iq/>: answers to our pings release their barrier; requests get an
 * answer, whatever they ask (RFC 6120 §8.2.3: a get or set MUST be
 * answered), so nobody waits on us forever.
 */
static void
on_iq(struct xmpp_link *link, xmpp_stanza_t *st)
{
	const char *type = xmpp_stanza_get_attribute(st, "type");
	const char *from = xmpp_stanza_get_attribute(st, "from");

	if (type == NULL)
		return;
	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
		if (xmpp_link_ping_answered(link,
		    xmpp_stanza_get_attribute(st, "id"), from))
			return;
		if (!disco_answer(link, st))
			log_trace(TRACE_XMPP, "iq %s from %s matches "
			    "nothing we sent", type, from != NULL ? from :
			    "?");
		return;
	}
	if (strcmp(type, "get") != 0 && strcmp(type, "set") != 0)
		return;
	if (too_large(link, st)) {
		xmpp_link_reply_error(link, st, "iq", "modify",
		    "policy-violation", "Request too large for the gateway");
		return;
	}
	xmpp_link_iq_request(link, st);		/* xmpp_link_iq.c */
}

/* Every stanza libstrophe parsed for us; returns 1 to stay registered. */
int
xmpp_link_stanza_cb(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg)
{
	struct xmpp_link *link = arg;
	const char *name = xmpp_stanza_get_name(st);

	(void)conn;
	if (name == NULL)
		return 1;
	if (link->state != LINK_READY) {
		/* Counted: main() tells how many went unanswered at the end. */
		if (link->state == LINK_CLOSING)
			link->late_stanzas++;
		return 1;
	}
	if (strcmp(name, "message") == 0)
		on_message(link, st);
	else if (strcmp(name, "iq") == 0)
		on_iq(link, st);
	else if (strcmp(name, "presence") == 0)
		on_presence(link, st);
	else
		log_trace(TRACE_XMPP, "ignoring <%s/> from %s", name,
		    xmpp_stanza_get_attribute(st, "from") != NULL ?
		    xmpp_stanza_get_attribute(st, "from") : "?");
	return 1;
}

