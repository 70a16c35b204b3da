/*
 * The receipt stanzas we send (stanza_receipt.c): XEP-0184 <received/>
 * and XEP-0333 <displayed/>, each a <message/> of its own. Pure code;
 * every value checked and escaped, as in stanza.c.
 */
#ifndef SIPXMPP_STANZA_RECEIPT_H
#define SIPXMPP_STANZA_RECEIPT_H

#include "strbuf.h"

#define NS_XMPP_RECEIPTS	"urn:xmpp:receipts"
#define NS_XMPP_MARKERS		"urn:xmpp:chat-markers:0"

enum stanza_receipt_kind {
	RECEIPT_RECEIVED,	/* XEP-0184 §5.2 */
	RECEIPT_DISPLAYED	/* XEP-0333 §4 */
};

int stanza_build_receipt(struct strbuf *sb, const char *from, const char *to,
    const char *stanza_id, const char *type, enum stanza_receipt_kind kind,
    const char *acked_id);

#endif
