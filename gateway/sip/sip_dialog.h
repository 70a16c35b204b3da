/*
 * SIP dialogs (RFC 3261 §12) as the subscription code needs them: made
 * from a SUBSCRIBE we receive (we are the notifier) or one we send (we are
 * the subscriber, confirmed by its 2xx or by the first NOTIFY, RFC 6665
 * §4.1.2.4), building in-dialog requests, checking the peer's CSeq, and
 * "dialog.field=value" lines for the store. Pure code over struct sip_msg.
 */
#ifndef SIPXMPP_SIP_DIALOG_H
#define SIPXMPP_SIP_DIALOG_H

#include "sip_msg.h"

struct strbuf;

/*
 * The strings are read-only outside sip_dialog.c: they point into two
 * blocks (what the dialog was made with, what the peer said last), so a
 * dialog held for hours costs two allocations, not seven.
 */
struct sip_dialog {
	const char *call_id;
	const char *local_tag;
	const char *local_uri;	/* our From URI (no tag, no brackets) */
	const char *remote_uri;	/* the peer's */
	const char *remote_tag;	/* NULL until the dialog is confirmed */
	const char *remote_target;	/* the peer's Contact: our R-URI */
	const char *route_set;	/* '\n'-separated Route values, in the order
				   our requests carry them; NULL if none */
	char *ids_block;	/* owns call_id .. remote_uri */
	char *peer_block;	/* owns remote_tag .. route_set */
	unsigned long local_cseq;	/* of the last request we sent */
	unsigned long remote_cseq;	/* of the last one accepted; 0: none */
};

#define SIP_DIALOG_MAX_ROUTES	16	/* longer route sets are refused */

/* sip_dialog.c */
int sip_dialog_uas_init(struct sip_dialog *d, const struct sip_msg *req,
    const char *local_tag);
int sip_dialog_uac_init(struct sip_dialog *d, const struct sip_msg *req);
int sip_dialog_uac_confirm(struct sip_dialog *d, const struct sip_msg *msg);
int sip_dialog_update_target(struct sip_dialog *d, const struct sip_msg *msg);
struct sip_msg *sip_dialog_request(struct sip_dialog *d, const char *method);
int sip_dialog_accept_cseq(struct sip_dialog *d, const struct sip_msg *req);
int sip_dialog_matches_remote(const struct sip_dialog *d,
    const struct sip_msg *req);
void sip_dialog_clear(struct sip_dialog *d);
int sip_dialog_encode(const struct sip_dialog *d, struct strbuf *sb);
int sip_dialog_decode_field(struct sip_dialog *d, const char *key,
    const char *value);
int sip_dialog_is_complete(const struct sip_dialog *d);

#endif
