/*
 * IMDN for SIP senders (RFC 5438): a SIP message whose CPIM asked for
 * delivery or display notifications (imdn.Disposition-Notification)
 * went to XMPP with XEP-0184 <request/> and XEP-0333 <markable/>; it is
 * remembered here under the XMPP id we gave it, and the recipient's
 * <received id/> and <displayed id/> go back to the SIP sender as
 * message/imdn+xml in message/cpim (§7.2.1.1). The table is bounded
 * ([receipts] max_tracked, oldest forgotten first) and entries expire
 * ([receipts] track_s); a receipt for an id we do not hold, or from
 * anyone but the message's recipient, is dropped with a rate-limited
 * log line.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "imdn.h"
#include "log.h"
#include "sip_stack.h"
#include "strmap.h"
#include "xmpp_link.h"

/* One SIP message whose notifications we may still owe. */
struct receipt_entry {
	struct strmap_node node;	/* key: xmpp_id */
	TAILQ_ENTRY(receipt_entry) entry;	/* oldest first */
	time_t expires;			/* monotonic seconds */
	int want;			/* IMDN_WANT_* still owed */
	char *xmpp_id;
	char *imdn_id;			/* the sender's imdn.Message-ID */
	char *sip_sender;		/* where notifications go */
	char *sip_recipient;		/* who notifies: the original target */
	char *jid_from;			/* the message's XMPP from (ours) */
	char *jid_to;			/* its recipient: only she may ack */
};

struct receipt_table {
	struct strmap map;
	TAILQ_HEAD(, receipt_entry) order;
	size_t n;
	size_t max;
	int ttl;
};

/* Now, in seconds of the monotonic clock. */
static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Creates the table for cfg's bounds; NULL when out of memory. */
struct receipt_table *
receipt_table_new(const struct config *cfg)
{
	struct receipt_table *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		return NULL;
	strmap_init(&rt->map);
	TAILQ_INIT(&rt->order);
	rt->max = (size_t)cfg->receipts_max_tracked;
	rt->ttl = cfg->receipts_track_s;
	return rt;
}

/* Forgets one entry. */
static void
entry_free(struct receipt_table *rt, struct receipt_entry *e)
{
	strmap_remove(&rt->map, &e->node);
	TAILQ_REMOVE(&rt->order, e, entry);
	rt->n--;
	free(e->xmpp_id);
	free(e->imdn_id);
	free(e->sip_sender);
	free(e->sip_recipient);
	free(e->jid_from);
	free(e->jid_to);
	free(e);
}

/* Frees the table and everything in it. */
void
receipt_table_free(struct receipt_table *rt)
{
	struct receipt_entry *e;

	if (rt == NULL)
		return;
	while ((e = TAILQ_FIRST(&rt->order)) != NULL)
		entry_free(rt, e);
	strmap_free(&rt->map);
	free(rt);
}

/* Whether receipts may be asked of XMPP recipients at all. */
int
receipt_tracking_on(const struct bridge_message *bm)
{
	return bm->receipts != NULL && bm->receipts->max > 0;
}

/* Drops expired entries, then the oldest while the table is full. */
static void
expire(struct receipt_table *rt, time_t now, size_t room)
{
	struct receipt_entry *e;

	while ((e = TAILQ_FIRST(&rt->order)) != NULL &&
	    (e->expires <= now || rt->n + room > rt->max))
		entry_free(rt, e);
}

/*
 * Remembers that the XMPP message xmpp_id carries the SIP message
 * imdn_id, whose sender wants the notifications in want. 0, or -1 (then
 * the message simply gets no receipts) when out of memory.
 */
int
receipt_track(struct bridge_message *bm, const char *xmpp_id,
    const char *imdn_id, int want, const char *sip_sender,
    const char *sip_recipient, const char *jid_from, const char *jid_to)
{
	struct receipt_table *rt = bm->receipts;
	struct receipt_entry *e;
	time_t now = now_s();

	if (!receipt_tracking_on(bm))
		return -1;
	expire(rt, now, 1);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->expires = now + rt->ttl;
	e->want = want;
	if ((e->xmpp_id = strdup(xmpp_id)) == NULL ||
	    (e->imdn_id = strdup(imdn_id)) == NULL ||
	    (e->sip_sender = strdup(sip_sender)) == NULL ||
	    (e->sip_recipient = strdup(sip_recipient)) == NULL ||
	    (e->jid_from = strdup(jid_from)) == NULL ||
	    (e->jid_to = strdup(jid_to)) == NULL ||
	    strmap_insert(&rt->map, &e->node, e->xmpp_id) != 0) {
		free(e->xmpp_id);
		free(e->imdn_id);
		free(e->sip_sender);
		free(e->sip_recipient);
		free(e->jid_from);
		free(e->jid_to);
		free(e);
		return -1;
	}
	TAILQ_INSERT_TAIL(&rt->order, e, entry);
	rt->n++;
	return 0;
}

/* Whether JID a, resource dropped, is the bare JID b (case-blind). */
static int
same_bare(const char *a, const char *b)
{
	const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
	size_t la = sa != NULL ? (size_t)(sa - a) : strlen(a);
	size_t lb = sb != NULL ? (size_t)(sb - b) : strlen(b);

	return la == lb && strncasecmp(a, b, la) == 0;
}

/* The SIP side answered a notification: nothing more to do but say. */
static void
imdn_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	(void)arg;
	(void)resp;
	if (status >= 300)
		log_info_limited("receipt: IMDN notification refused by SIP "
		    "(%d)", status);
}

/* Sends one notification about e's message to its SIP sender. */
static int
send_imdn(struct bridge_message *bm, const struct receipt_entry *e,
    enum imdn_kind kind)
{
	struct gateway *gw = bm->gw;
	struct strbuf *sb = &bm->sip_sb, body;
	struct imdn_out o;
	char tag[17], call_id[33], nid[17], clen[24];
	int rc = -1;

	if (gw->sip == NULL || gw->shutting_down)
		return -1;
	if (strpbrk(e->sip_sender, "\r\n<>") != NULL ||
	    strpbrk(e->sip_recipient, "\r\n<>") != NULL)
		return -1;
	sip_random_token(nid, sizeof(nid));
	memset(&o, 0, sizeof(o));
	o.from_uri = e->sip_recipient;
	o.to_uri = e->sip_sender;
	o.message_id = e->imdn_id;
	o.notification_id = nid;
	o.recipient_uri = e->sip_recipient;
	o.kind = kind;
	o.status = kind == IMDN_DISPLAY ? IMDN_DISPLAYED : IMDN_DELIVERED;
	strbuf_init(&body);
	if (imdn_build_cpim(&body, &o) != 0)
		goto out;
	sip_random_token(tag, sizeof(tag));
	sip_random_token(call_id, sizeof(call_id));
	snprintf(clen, sizeof(clen), "%zu", body.len);
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: <");
	strbuf_appends(sb, e->sip_recipient);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, e->sip_sender);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	strbuf_appends(sb, call_id);
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\nUser-Agent: "
	    SIPXMPP_AGENT "\r\nContent-Type: message/cpim\r\n"
	    "Content-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	strbuf_append(sb, body.buf, body.len);
	if (sb->failed)
		goto out;
	if (sip_send_request_text(gw->sip, "MESSAGE", e->sip_sender, sb->buf,
	    sb->len, imdn_answered_cb, NULL) != 0)
		goto out;
	log_trace(TRACE_MESSAGE, "%s -> %s IMDN %s for %s", e->sip_recipient,
	    e->sip_sender, kind == IMDN_DISPLAY ? "displayed" : "delivered",
	    e->imdn_id);
	rc = 0;
out:
	strbuf_free(&body);
	return rc;
}

/* One receipt (XEP-0184 or XEP-0333) about id from the XMPP side. */
static void
one_receipt(struct bridge_message *bm, const struct xmpp_in_message *m,
    const char *id, enum imdn_kind kind)
{
	struct receipt_table *rt = bm->receipts;
	struct receipt_entry *e = NULL;
	struct strmap_node *node;
	int bit = kind == IMDN_DISPLAY ? IMDN_WANT_DISPLAY :
	    IMDN_WANT_POSITIVE_DELIVERY;

	if (rt != NULL && (node = strmap_find(&rt->map, id)) != NULL) {
		e = (struct receipt_entry *)node;
		if (e->expires <= now_s()) {
			entry_free(rt, e);
			e = NULL;
		}
	}
	if (e == NULL) {
		log_info_limited("receipt: %s from %s about unknown or "
		    "forgotten id %s dropped", kind == IMDN_DISPLAY ?
		    "displayed" : "received", m->from, id);
		return;
	}
	/* Only the recipient may say she has it (RFC 5438 §5). */
	if (!same_bare(m->from, e->jid_to) || !same_bare(m->to, e->jid_from)) {
		log_info_limited("receipt: %s -> %s about %s, not between %s "
		    "and %s: dropped", m->from, m->to, id, e->jid_to,
		    e->jid_from);
		return;
	}
	if (!(e->want & bit))
		return;		/* not asked for, or already sent */
	e->want &= ~bit;
	/* XEP-0333 §4: displayed implies received. */
	if (kind == IMDN_DISPLAY)
		e->want &= ~IMDN_WANT_POSITIVE_DELIVERY;
	send_imdn(bm, e, kind);
	if (e->want == 0)
		entry_free(rt, e);
}

/*
 * A <message/> from XMPP holding <received id/> or <displayed id/>:
 * notifications for the SIP messages they name.
 */
void
receipt_from_xmpp(struct bridge_message *bm, const struct xmpp_in_message *m)
{
	if (m->from == NULL || m->to == NULL)
		return;
	if (m->receipt_received_id != NULL && *m->receipt_received_id)
		one_receipt(bm, m, m->receipt_received_id, IMDN_DELIVERY);
	if (m->marker_displayed_id != NULL && *m->marker_displayed_id)
		one_receipt(bm, m, m->marker_displayed_id, IMDN_DISPLAY);
}
