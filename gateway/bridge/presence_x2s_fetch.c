/*
 * X2S fetches (RFC 8048 §7): a probe from an XMPP user with no SIP
 * subscription behind it becomes a SUBSCRIBE with Expires: 0, whose one
 * NOTIFY answers the probe; the dialog then ends. An unsubscribed dialog
 * lingers as a fetch that forwards nothing (presence_x2s.c, linger()).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "log.h"
#include "presence_int.h"
#include "sip_event.h"
#include "sip_stack.h"

/* What a fetch's SUBSCRIBE transaction was for, found again by key. */
struct fetch_tx {
	struct bridge_presence *bp;
	char *key;		/* the fetch's dialog key */
};

/* Ends a fetch: its dialog leaves the index. */
void
x2s_fetch_free(struct bridge_presence *bp, struct presence_fetch *f)
{
	presence_dialog_unindex(bp, &f->ref);
	sip_dialog_clear(&f->dlg);
	free(f->contact_jid);
	free(f->reply_to);
	free(f);
	bp->n_fetches--;
}

/* A fetch nobody answered in time: the prober learns nothing new. */
void
x2s_fetch_expire(struct bridge_presence *bp, struct presence_fetch *f)
{
	if (f->reply_to != NULL)
		log_trace(TRACE_PRESENCE, "fetch of %s for %s ended without "
		    "NOTIFY", f->contact_jid, f->reply_to);
	x2s_fetch_free(bp, f);
}

/* The answer to a fetch's SUBSCRIBE: only failures matter. */
static void
fetch_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct fetch_tx *t = arg;
	struct strmap_node *n = strmap_find(&t->bp->dialogs, t->key);

	(void)resp;
	if (n != NULL && ((struct dialog_ref *)n)->fetch && status >= 300) {
		struct presence_fetch *f = (struct presence_fetch *)n;

		log_trace(TRACE_PRESENCE, "fetch of %s for %s failed: %d",
		    f->contact_jid, f->reply_to, status);
		x2s_fetch_free(t->bp, f);
	}
	free(t->key);
	free(t);
}

/* RFC 8048 §7: a probe without a subscription is a SUBSCRIBE Expires: 0. */
void
x2s_fetch_start(struct bridge_presence *bp, struct presence_pair *p,
    const char *reply_to)
{
	struct presence_fetch *f;
	struct fetch_tx *t;
	struct sip_msg *req;

	if (bp->n_fetches >= PRESENCE_MAX_FETCHES) {
		log_warnx("presence: too many fetches in flight; probe of %s "
		    "by %s not answered", p->contact_jid, reply_to);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		free(f);
		return;
	}
	req = sip_msg_request_new("SUBSCRIBE", p->contact_sip, p->user_sip,
	    p->contact_sip, NULL);
	f->contact_jid = strdup(p->contact_jid);
	f->reply_to = strdup(reply_to);
	f->ref.fetch = 1;
	f->deadline = time(NULL) + PRESENCE_NOTIFY_TIMEOUT;
	if (req == NULL || f->contact_jid == NULL || f->reply_to == NULL ||
	    sip_dialog_uac_init(&f->dlg, req) < 0 ||
	    presence_dialog_index(bp, &f->ref, &f->dlg) < 0 ||
	    (t->key = strdup(f->ref.key)) == NULL) {
		sip_msg_free(req);
		presence_dialog_unindex(bp, &f->ref);
		sip_dialog_clear(&f->dlg);
		free(f->contact_jid);
		free(f->reply_to);
		free(f);
		free(t);
		return;
	}
	bp->n_fetches++;
	t->bp = bp;
	presence_add_sip_headers(bp, req, 1);
	sip_msg_add_header(req, "Accept", "application/pidf+xml");
	sip_msg_add_header(req, "Expires", "0");
	if (sip_send_request(bp->gw->sip, req, fetch_answered_cb, t) < 0) {
		free(t->key);
		free(t);
		x2s_fetch_free(bp, f);
		return;
	}
	log_trace(TRACE_PRESENCE, "fetching %s for %s", p->contact_jid,
	    reply_to);
}

/*
 * A NOTIFY (already answered 200) in a fetch's dialog: §7, the one NOTIFY
 * of a poll answers the probe; a NOTIFY without body that is not the end
 * leaves the fetch waiting for the next.
 */
void
x2s_fetch_notified(struct bridge_presence *bp, struct presence_fetch *f,
    enum sub_state state, const struct sip_msg *req)
{
	const char *body;
	size_t body_len;
	int has_body = x2s_pidf_body(req, &body, &body_len);

	if (f->reply_to == NULL) {	/* an ended dialog */
		if (state == SUB_STATE_TERMINATED)
			x2s_fetch_free(bp, f);
		return;
	}
	if (has_body && state != SUB_STATE_PENDING)
		x2s_send_body(bp, f->contact_jid, f->reply_to, body, body_len);
	if (has_body || state == SUB_STATE_TERMINATED)
		x2s_fetch_free(bp, f);
}
