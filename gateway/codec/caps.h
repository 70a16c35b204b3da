/*
 * What the gateway says it is (XEP-0030 disco#info) and its XEP-0115
 * entity capabilities hash: one table of identities and features for the
 * component's own JID and one for every contact JID (a SIP user seen
 * from XMPP), in disco_table.c; the caps ver and the disco#info answer
 * are both computed from it, so they cannot disagree (XEP-0115 §5.4).
 */
#ifndef SIPXMPP_CAPS_H
#define SIPXMPP_CAPS_H

#include <stddef.h>

struct strbuf;

#define NS_CAPS		"http://jabber.org/protocol/caps"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"
/* XEP-0115 §4: the node names the software, ver its feature set. */
#define CAPS_NODE	"https://sipxmpp.invalid/sipxmppd"
#define CAPS_VER_SIZE	29	/* base64 of 20 bytes, and the NUL */
#define CAPS_MAX_ITEMS	32	/* identities or features of one entity */

/* A XEP-0030 identity; lang and name may be NULL. */
struct disco_identity {
	const char *category;
	const char *type;
	const char *lang;
	const char *name;
};

/* Whose disco#info: the component's domain, or any contact JID. */
enum disco_entity {
	DISCO_COMPONENT,
	DISCO_CONTACT,
};

/* One entity's answer: its identities and features. */
struct disco_table {
	const struct disco_identity *identities;
	size_t n_identities;
	const char *const *features;
	size_t n_features;
};

/* disco_table.c */
const struct disco_table *disco_table(enum disco_entity who);

/* caps.c */
int caps_ver(const struct disco_table *t, char out[CAPS_VER_SIZE]);
const char *caps_contact_ver(void);
int caps_node_is_ours(const char *node, enum disco_entity who);
int caps_build_disco_info(struct strbuf *sb, enum disco_entity who,
    const char *node);
int caps_build_c(struct strbuf *sb);

#endif
