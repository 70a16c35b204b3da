/*
 * The one place that says what the gateway is and what it translates
 * (XEP-0030 §3.1 identities and features). The component's domain is a
 * gateway to SIP (gateway/simple, STANDARDS §2.22); each contact JID is
 * a SIP user, shown as a client (STANDARDS §2.22: no identity is
 * specified for a transport's contact, client/pc is what clients expect
 * of a chat peer). A contact lists only what the gateway really carries
 * to and from SIP, so that a Jabber client sends receipts and chat
 * states only where they go somewhere (XEP-0184 §5 and XEP-0085 ask it
 * to look before sending them).
 * The caps ver (caps.c) is computed from these tables: changing a line
 * here changes the ver every contact announces.
 */
#include <stddef.h>

#include "caps.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * "simple" is the type the XMPP Registrar lists for a gateway to SIP
 * (SIMPLE); "sip" is registered for nothing, so clients show no icon.
 */
static const struct disco_identity component_identities[] = {
	{ "gateway", "simple", NULL, "SIP gateway" },
};

static const char *const component_features[] = {
	NS_DISCO_INFO,
	"jabber:iq:gateway",		/* XEP-0100 §6: prompt -> JID */
	"jid\\20escaping",		/* XEP-0106 §6: SIP users' @ and all */
	"urn:xmpp:ping",		/* XEP-0199 */
};

static const struct disco_identity contact_identities[] = {
	{ "client", "pc", NULL, NULL },
};

/*
 * What a message to or from a SIP user keeps on the way. Receipts, chat
 * states, markers and nick are issue 14's other parts (typing, receipts,
 * names): the merge keeps a line here only for what the gateway then
 * really translates.
 */
static const char *const contact_features[] = {
	NS_CAPS,				/* XEP-0115: we send <c/> */
	NS_DISCO_INFO,				/* XEP-0030 §3.1 MUST */
	"http://jabber.org/protocol/chatstates", /* XEP-0085 <-> RFC 3994 */
	"http://jabber.org/protocol/nick",	/* XEP-0172 <-> display-name */
	"jabber:x:conference",			/* XEP-0249 invitations */
	"urn:xmpp:chat-markers:0",		/* XEP-0333 <-> IMDN displayed */
	"urn:xmpp:ping",			/* XEP-0199, answered for them */
	"urn:xmpp:receipts",			/* XEP-0184 <-> SIP 200, IMDN */
};

static const struct disco_table tables[] = {
	[DISCO_COMPONENT] = { component_identities, N(component_identities),
	    component_features, N(component_features) },
	[DISCO_CONTACT] = { contact_identities, N(contact_identities),
	    contact_features, N(contact_features) },
};

/* The identities and features of one kind of entity. */
const struct disco_table *
disco_table(enum disco_entity who)
{
	return &tables[who == DISCO_COMPONENT ? DISCO_COMPONENT :
	    DISCO_CONTACT];
}
