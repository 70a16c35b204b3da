/*
 * The requests (iq get and set) the component answers, for its own
 * domain and for each contact JID (a SIP user seen from XMPP):
 *   - XEP-0199 ping: a result, for the domain and for a known contact;
 *   - XEP-0030 disco#info: the tables of codec/disco_table.c, and for a
 *     contact also on the node#ver of its XEP-0115 caps (§6.2);
 *   - XEP-0100 §6 jabber:iq:gateway on the domain: the prompt, and the
 *     JID for a SIP address through the mapping (the bridges answer);
 *   - anything else: service-unavailable (RFC 6120 §8.4), never silence.
 * An address the mapping does not know is no contact: disco#info gets
 * item-not-found (XEP-0030 §3.1), the rest service-unavailable (RFC 6121
 * §8.5.1: no such account). Every answer is small and constant, or one
 * mapping lookup; they share the bounded reserve of error answers, so a
 * flood of requests cannot grow the send queue without bound.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "config.h"
#include "log.h"
#include "strbuf.h"
#include "xmpp_link_int.h"

#define NS_PING		"urn:xmpp:ping"
#define NS_GATEWAY	"jabber:iq:gateway"
#define PROMPT_MAX	1024	/* a SIP address longer is refused */

/* XEP-0100 §6.2: what the user is asked, and how to answer it. */
#define GATEWAY_PROMPT							\
	"<query xmlns='" NS_GATEWAY "'>"				\
	"<desc>Enter the SIP address of the person you want to reach, "	\
	"for example sip:alice@sip.example.</desc>"			\
	"<prompt>SIP address</prompt>"					\
	"</query>"

/* One request being answered: the stanza's attributes and first child. */
struct iq_req {
	struct xmpp_link	*link;
	xmpp_stanza_t		*st;
	const char		*type;
	const char		*from;
	const char		*to;
	xmpp_stanza_t		*child;
};

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

/* True when the request's child is <name xmlns=ns/>. */
static int
asks(const struct iq_req *r, const char *name, const char *ns)
{
	const char *n, *s;

	if (r->child == NULL)
		return 0;
	n = xmpp_stanza_get_name(r->child);
	s = xmpp_stanza_get_ns(r->child);
	return n != NULL && s != NULL && strcmp(n, name) == 0 &&
	    strcmp(s, ns) == 0;
}

/* True for a get (1) or a set (0) request. */
static int
is_get(const struct iq_req *r)
{
	return strcmp(r->type, "get") == 0;
}

/* Answers with an error; the reason is traced, never logged per packet. */
static void
refuse(const struct iq_req *r, const char *type, const char *condition,
    const char *text)
{
	log_trace(TRACE_XMPP, "iq %s to %s from %s: %s", r->type, r->to,
	    r->from, condition);
	xmpp_link_reply_error(r->link, r->st, "iq", type, condition, text);
}

/* Answers with a result from the address asked, carrying payload. */
static void
answer(const struct iq_req *r, const char *payload)
{
	char *xml;
	size_t len;

	xml = xmpp_link_build_iq_result(r->to, r->from,
	    xmpp_stanza_get_attribute(r->st, "id"), payload, &len);
	if (xml == NULL)
		log_warnx("xmpp: cannot build an iq result for %s", r->from);
	else if (xmpp_link_send_error(r->link, xml, len, "iq result") == -1)
		log_warnx("xmpp: cannot answer an iq from %s: link not ready",
		    r->from);
	free(xml);
}

/* Answers a disco#info get for who (node checked by the caller). */
static void
answer_disco(const struct iq_req *r, enum disco_entity who,
    const char *node)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (caps_build_disco_info(&sb, who, node) != 0)
		refuse(r, "wait", "resource-constraint", NULL);
	else
		answer(r, sb.buf);
	strbuf_free(&sb);
}

/*
 * A jabber:iq:gateway set (XEP-0100 §6.3): <prompt> holds the SIP
 * address; the answer is <jid>, or the mapping's refusal (an address it
 * cannot read: jid-malformed; one no rule maps: item-not-found).
 */
static void
gateway_set(const struct iq_req *r)
{
	struct xmpp_link *link = r->link;
	xmpp_stanza_t *prompt;
	const char *condition = "item-not-found";
	char *text = NULL, *jid = NULL;
	struct strbuf sb;

	prompt = xmpp_stanza_get_child_by_name_and_ns(r->child, "prompt",
	    NS_GATEWAY);
	if (prompt != NULL)
		text = xmpp_stanza_get_text(prompt);
	if (text == NULL || text[0] == '\0' || strlen(text) > PROMPT_MAX) {
		refuse(r, "modify", "bad-request",
		    "Give a SIP address in <prompt/>");
		goto out;
	}
	if ((jid = link->h.gateway_prompt_cb(link->arg, text,
	    &condition)) == NULL) {
		log_info_limited("xmpp: no JID for SIP address %.64s asked "
		    "by %s: %s", text, r->from, condition);
		refuse(r, condition != NULL && strcmp(condition,
		    "jid-malformed") == 0 ? "modify" : "cancel",
		    condition != NULL ? condition : "item-not-found",
		    "No JID for this SIP address");
		goto out;
	}
	strbuf_init(&sb);
	strbuf_appends(&sb, "<query xmlns='" NS_GATEWAY "'><jid>");
	strbuf_append_xml_escaped(&sb, jid, strlen(jid));
	strbuf_appends(&sb, "</jid></query>");
	if (sb.failed)
		refuse(r, "wait", "resource-constraint", NULL);
	else
		answer(r, sb.buf);
	strbuf_free(&sb);
out:
	free(jid);
	if (text != NULL)
		xmpp_free(link->ctx, text);
}

/* A request to the component's own domain. */
static void
to_domain(const struct iq_req *r)
{
	const char *node;

	if (is_get(r) && asks(r, "ping", NS_PING))
		answer(r, "");				/* XEP-0199 §4.2 */
	else if (is_get(r) && asks(r, "query", NS_DISCO_INFO)) {
		node = xmpp_stanza_get_attribute(r->child, "node");
		if (!caps_node_is_ours(node, DISCO_COMPONENT))
			refuse(r, "cancel", "item-not-found", NULL);
		else
			answer_disco(r, DISCO_COMPONENT, node);
	} else if (r->link->h.gateway_prompt_cb != NULL &&
	    asks(r, "query", NS_GATEWAY)) {
		if (is_get(r))
			answer(r, GATEWAY_PROMPT);	/* XEP-0100 §6.2 */
		else
			gateway_set(r);
	} else
		refuse(r, "cancel", "service-unavailable", NULL);
}

/*
 * True when to is node@domain[/resource] in our domain; bare gets
 * node@domain (malloc'ed).
 */
static int
contact_of(const char *to, const char *domain, char **bare)
{
	const char *at, *slash;
	size_t dlen = strlen(domain), blen;

	*bare = NULL;
	if (to == NULL)
		return 0;
	slash = strchr(to, '/');
	blen = slash != NULL ? (size_t)(slash - to) : strlen(to);
	at = memchr(to, '@', blen);
	if (at == NULL || at == to || blen - (size_t)(at + 1 - to) != dlen ||
	    strncasecmp(at + 1, domain, dlen) != 0)
		return 0;
	return (*bare = strndup(to, blen)) != NULL;
}

/* A request to a contact JID, known to the mapping or not. */
static void
to_contact(const struct iq_req *r, const char *bare)
{
	struct xmpp_link *link = r->link;
	int known, disco;
	const char *node;

	disco = is_get(r) && asks(r, "query", NS_DISCO_INFO);
	known = link->h.contact_cb != NULL &&
	    link->h.contact_cb(link->arg, bare) == 1;
	if (!known) {
		/* XEP-0030 §3.1 for disco; RFC 6121 §8.5.1 otherwise. */
		refuse(r, "cancel", disco ? "item-not-found" :
		    "service-unavailable", NULL);
		return;
	}
	if (is_get(r) && asks(r, "ping", NS_PING))
		answer(r, "");		/* XEP-0199 §4.2, for the SIP user */
	else if (disco) {
		node = xmpp_stanza_get_attribute(r->child, "node");
		if (!caps_node_is_ours(node, DISCO_CONTACT))
			refuse(r, "cancel", "item-not-found", NULL);
		else
			answer_disco(r, DISCO_CONTACT, node);
	} else
		refuse(r, "cancel", "service-unavailable", NULL);
}

/*
 * An iq get or set for us, not too large (the caller checked): answered,
 * whatever it asks (RFC 6120 §8.2.3).
 */
void
xmpp_link_iq_request(struct xmpp_link *link, xmpp_stanza_t *st)
{
	struct iq_req r;
	char *bare;

	r.link = link;
	r.st = st;
	r.type = xmpp_stanza_get_attribute(st, "type");
	r.from = xmpp_stanza_get_attribute(st, "from");
	r.to = xmpp_stanza_get_attribute(st, "to");
	r.child = first_element(st);
	if (r.from == NULL || r.to == NULL)
		return;		/* the server always sets both (XEP-0114) */
	if (xmpp_link_jid_is_domain(r.to, link->cfg->xmpp_component))
		to_domain(&r);
	else if (contact_of(r.to, link->cfg->xmpp_component, &bare)) {
		to_contact(&r, bare);
		free(bare);
	} else
		refuse(&r, "cancel", "service-unavailable", NULL);
}
