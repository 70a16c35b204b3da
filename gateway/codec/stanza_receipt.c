/*
 * Receipts as stanzas: <message from to id [type]><received
 * xmlns='urn:xmpp:receipts' id='…'/></message> (XEP-0184 §5.2, Example
 * 4) or <displayed xmlns='urn:xmpp:chat-markers:0' id='…'/> (XEP-0333
 * §4). Written whole or not at all, with stanza.c's helpers.
 */
#include <string.h>

#include "stanza_int.h"
#include "stanza_receipt.h"

/*
 * Appends one receipt for acked_id to sb; -1, with sb unchanged, when an
 * address or the id is missing, empty or not writable as XML.
 */
int
stanza_build_receipt(struct strbuf *sb, const char *from, const char *to,
    const char *stanza_id, const char *type, enum stanza_receipt_kind kind,
    const char *acked_id)
{
	size_t start = sb->len;

	if (sb->failed || acked_id == NULL || *acked_id == '\0')
		return -1;
	if (stanza_open(sb, "message", from, to, stanza_id) < 0)
		goto fail;
	if (type != NULL && stanza_attr(sb, "type", type) < 0)
		goto fail;
	if (kind == RECEIPT_RECEIVED)
		strbuf_appends(sb, "><received xmlns='" NS_XMPP_RECEIPTS "'");
	else
		strbuf_appends(sb, "><displayed xmlns='" NS_XMPP_MARKERS "'");
	if (stanza_attr(sb, "id", acked_id) < 0)
		goto fail;
	strbuf_appends(sb, "/></message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}
