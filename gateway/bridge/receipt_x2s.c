/*
 * Receipts to XMPP senders: what message_xmpp_to_sip.c and the IMDN path
 * report back when the SIP side took a message. XEP-0184 §5.2: a
 * <received/> means the recipient's client has the message, so only a
 * SIP 200 earns one (RFC 3428 §7: a UA took it); a 202 comes from a
 * store-and-forward server and says nothing about the recipient.
 */
#include <string.h>
#include <stdlib.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "log.h"
#include "stanza_receipt.h"
#include "xmpp_link.h"

/*
 * Sends a receipt about acked_id to the XMPP sender `to`, from the
 * address the message was sent to (`from`, the resource dropped: the
 * contact is the SIP user, not one of our sessions). 0 when queued.
 */
int
receipt_to_xmpp(struct bridge_message *bm, const char *from, const char *to,
    const char *acked_id, int displayed)
{
	struct gateway *gw = bm->gw;
	char id[32], *bare = NULL;
	const char *slash;
	int rc = -1;

	if (gw->xmpp == NULL || from == NULL || to == NULL || acked_id == NULL)
		return -1;
	if ((slash = strchr(from, '/')) != NULL) {
		if ((bare = strndup(from, (size_t)(slash - from))) == NULL)
			return -1;
		from = bare;
	}
	xmpp_link_random_id(id, sizeof(id));
	strbuf_reset(&bm->sb);
	if (stanza_build_receipt(&bm->sb, from, to, id, NULL, displayed ?
	    RECEIPT_DISPLAYED : RECEIPT_RECEIVED, acked_id) != 0) {
		log_debug("receipt: could not build one for %s (id %s)", to,
		    acked_id);
		goto out;
	}
	if (xmpp_link_send(gw->xmpp, bm->sb.buf, bm->sb.len) != 0) {
		log_debug("receipt: %s not told of %s: XMPP link down", to,
		    acked_id);
		goto out;
	}
	xmpp_link_flush(gw->xmpp);
	log_trace(TRACE_MESSAGE, "%s -> %s %s receipt for %s", from, to,
	    displayed ? "displayed" : "received", acked_id);
	rc = 0;
out:
	free(bare);
	return rc;
}
