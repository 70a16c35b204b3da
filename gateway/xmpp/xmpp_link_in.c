/*
 * What arrives on the component link. Messages are checked at the edge
 * (size) and handed to the bridges as struct xmpp_in_message; IQs are
 * answered here: answers to our pings release their barrier, XEP-0199
 * pings and XEP-0030 disco#info to our domain get a result, and every
 * other get or set gets service-unavailable, so nobody waits on us.
 * Other results and errors go to the bridges when they are disco#info
 * answers (is this address a room, XEP-0045 §6.4) or errors.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

#define NS_PING		"urn:xmpp:ping"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

/*
 * What we tell who asks what we are (XEP-0030); jid\20escaping because
 * SIP user parts reach XMPP XEP-0106-escaped (XEP-0106 §6).
 */
#define DISCO_INFO							\
	"<query xmlns='" NS_DISCO_INFO "'>"				\
	"<identity category='gateway' type='sip' name='SIP gateway'/>"	\
	"<feature var='" NS_DISCO_INFO "'/>"				\
	"<feature var='jid\\20escaping'/>"				\
	"<feature var='" NS_PING "'/>"					\
	"</query>"

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
static void
reply_error(struct xmpp_link *link, xmpp_stanza_t *st, const char *kind,
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
			reply_error(link, st, "message", "modify",
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

/* The first element child of a stanza, or NULL. */
static xmpp_stanza_t *
first_element(xmpp_stanza_t *st)
{
	xmpp_stanza_t *c;

	for (c = xmpp_stanza_get_children(st); c != NULL;
	    c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c))
			return c;
	return NULL;
}

/* True when child is <name xmlns=ns/>. */
static int
child_is(xmpp_stanza_t *child, const char *name, const char *ns)
{
	const char *n, *s;

	if (child == NULL)
		return 0;
	n = xmpp_stanza_get_name(child);
	s = xmpp_stanza_get_ns(child);
	return n != NULL && s != NULL && strcmp(n, name) == 0 &&
	    strcmp(s, ns) == 0;
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
	const char *to = xmpp_stanza_get_attribute(st, "to");
	const char *domain = link->cfg->xmpp_component;
	const char *payload = NULL;
	xmpp_stanza_t *child;
	char *xml;
	size_t len;

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
		reply_error(link, st, "iq", "modify", "policy-violation",
		    "Request too large for the gateway");
		return;
	}
	child = first_element(st);
	if (strcmp(type, "get") != 0 ||
	    !xmpp_link_jid_is_domain(to, domain)) {
		reply_error(link, st, "iq", "cancel", "service-unavailable",
		    NULL);
		return;
	}
	if (child_is(child, "ping", NS_PING))
		payload = "";				/* XEP-0199 §4.2 */
	else if (child_is(child, "query", NS_DISCO_INFO) &&
	    xmpp_stanza_get_attribute(child, "node") == NULL)
		payload = DISCO_INFO;			/* XEP-0030 §3.1 */
	if (payload == NULL) {
		reply_error(link, st, "iq", "cancel", "service-unavailable",
		    NULL);
		return;
	}
	if (from == NULL)
		return;
	xml = xmpp_link_build_iq_result(to, from,
	    xmpp_stanza_get_attribute(st, "id"), payload, &len);
	if (xml == NULL || xmpp_link_send_text(link, xml, len) != 0)
		log_warnx("xmpp: cannot answer an iq from %s", from);
	free(xml);
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

