/*
 * Pager-mode messages from SIP to XMPP (RFC 7572 §5, RFC 7247 §7): a SIP
 * MESSAGE is translated and sent at once; its final response waits in
 * the pending table for the XMPP side's verdict. Messages to one domain
 * sent in one loop turn form a batch that one XEP-0199 ping confirms
 * (bridge_message.c says why that proves delivery): the ping's answer is
 * the 200, an error stanza from the message's destination becomes the
 * SIP error (RFC 7247 Table 2), no answer in time a 408, a lost link a
 * 503.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "bridge.h"
#include "bridge_message_int.h"
#include "config.h"
#include "content.h"
#include "errors.h"
#include "imdn.h"
#include "iscomposing.h"
#include "log.h"
#include "mapping.h"
#include "sender_share.h"
#include "sip_stack.h"
#include "stanza.h"
#include "xmpp_link.h"

/* A SIP MESSAGE waiting for the XMPP side's verdict. */
struct pending_in {
	TAILQ_ENTRY(pending_in) batch_entry;
	struct pending_in *hash_next;
	struct ack_batch *batch;
	uint64_t seq;
	struct sip_tx *tx;
	struct sender_share *share;
	int to_full_jid;
	char to[];		/* the JID it was sent to: only it may refuse */
};

/* Messages to one domain that one ping will confirm. */
struct ack_batch {
	TAILQ_ENTRY(ack_batch) entry;
	struct bridge_message *bm;
	char *domain;
	int pinged;		/* its ping is out; the link will call back */
	TAILQ_HEAD(, pending_in) members;
};

/* Answers a SIP request through the router's common rules. */
static void
answer(struct bridge_message *bm, struct sip_tx *tx, int status,
    const char *reason, const char *contact)
{
	gateway_answer(bm->gw, tx, status, reason, contact);
}

/* Hash of messages in flight, by the sequence number in their id. */
static void
pending_insert(struct bridge_message *bm, struct pending_in *p)
{
	struct pending_in **b = &bm->buckets[p->seq & bm->mask];

	p->hash_next = *b;
	*b = p;
	bm->n_in++;
}

/*
 * The id of our message number seq: the prefix, '-', seq in lower-case
 * hex (what pending_find() reads back). By hand: snprintf was 3 % of a
 * bridged message.
 */
static void
message_id(const struct bridge_message *bm, uint64_t seq, char out[48])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(bm->id_prefix);
	char digits[16];
	int k = 0;

	memcpy(out, bm->id_prefix, n);
	out[n++] = '-';
	do
		digits[k++] = hex[seq & 0xf];
	while ((seq >>= 4) != 0);
	while (k > 0)
		out[n++] = digits[--k];
	out[n] = '\0';
}

static struct pending_in *
pending_find(struct bridge_message *bm, const char *id)
{
	size_t plen = strlen(bm->id_prefix);
	struct pending_in *p;
	uint64_t seq;
	char *end;

	if (id == NULL || strncmp(id, bm->id_prefix, plen) != 0 ||
	    id[plen] != '-')
		return NULL;
	seq = strtoull(id + plen + 1, &end, 16);
	if (*end != '\0')
		return NULL;
	for (p = bm->buckets[seq & bm->mask]; p != NULL; p = p->hash_next)
		if (p->seq == seq)
			return p;
	return NULL;
}

/* Unlinks a finished message from the hash and its batch, and frees it. */
static void
pending_done(struct bridge_message *bm, struct pending_in *p)
{
	struct pending_in **b = &bm->buckets[p->seq & bm->mask];

	while (*b != p)
		b = &(*b)->hash_next;
	*b = p->hash_next;
	bm->n_in--;
	if (p->batch != NULL)
		TAILQ_REMOVE(&p->batch->members, p, batch_entry);
	sender_share_put(&bm->shares_in, p->share);
	free(p);
}

/* Answers whatever is still in a batch. */
static void
batch_answer(struct ack_batch *b, int status, const char *reason)
{
	struct pending_in *p;

	while ((p = TAILQ_FIRST(&b->members)) != NULL) {
		answer(b->bm, p->tx, status, reason, NULL);
		pending_done(b->bm, p);
	}
}

/* Answers a batch and frees it. */
static void
batch_finish(struct ack_batch *b, int status, const char *reason)
{
	batch_answer(b, status, reason);
	TAILQ_REMOVE(&b->bm->batches, b, entry);
	free(b->domain);
	free(b);
}

/* The ping after a batch came back (ok) or did not (link lost, timeout). */
static void
batch_acked_cb(void *arg, int ok)
{
	struct ack_batch *b = arg;
	struct gateway *gw = b->bm->gw;

	if (ok)
		batch_finish(b, 200, "OK");
	else if (!xmpp_link_is_ready(gw->xmpp))
		batch_finish(b, 503, "XMPP link lost before delivery was confirmed");
	else
		batch_finish(b, 408, "XMPP side did not confirm delivery in time");
}

/* End of a loop turn: one ping per domain covers what was sent to it. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_message *bm = arg;
	struct gateway *gw = bm->gw;
	struct ack_batch *b, *next;

	(void)fd;
	(void)what;
	TAILQ_FOREACH_SAFE(b, &bm->batches, entry, next) {
		if (b->pinged)
			continue;
		b->pinged = 1;
		if (xmpp_link_ping(gw->xmpp, gw->cfg->xmpp_component, b->domain,
		    gw->cfg->message_error_window_ms, batch_acked_cb, b) < 0)
			batch_finish(b, 503, "XMPP link down");
	}
	xmpp_link_flush(gw->xmpp);
}

/*
 * Makes flush_cb() run at the end of this turn. Called before the first
 * stanza of the turn goes to the link, whose own end-of-turn write was
 * then asked for later: the pings join the messages' write, one send()
 * and one turn of libstrophe instead of two.
 */
static int
flush_soon(struct bridge_message *bm)
{
	if (bm->flush_ev == NULL &&
	    (bm->flush_ev = event_new(bm->gw->base, -1, 0, flush_cb,
	    bm)) == NULL)
		return -1;
	event_active(bm->flush_ev, EV_TIMEOUT, 0);
	return 0;
}

/* Puts a sent message into this turn's batch for its domain. */
static int
batch_join(struct bridge_message *bm, struct pending_in *p,
    const char *domain)
{
	struct ack_batch *b;

	TAILQ_FOREACH(b, &bm->batches, entry)
		if (!b->pinged && strcmp(b->domain, domain) == 0)
			goto join;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->domain = strdup(domain)) == NULL) {
		free(b);
		return -1;
	}
	b->bm = bm;
	TAILQ_INIT(&b->members);
	TAILQ_INSERT_TAIL(&bm->batches, b, entry);
	if (flush_soon(bm) < 0)
		return -1;
join:
	p->batch = b;
	TAILQ_INSERT_TAIL(&b->members, p, batch_entry);
	return 0;
}

/* The domain part of a JID (between '@' and '/'), copied into out. */
static void
jid_domain_of(const char *jid, char *out, size_t size)
{
	const char *at = strchr(jid, '@'), *slash;
	size_t n;

	if (at == NULL || ((slash = strchr(jid, '/')) != NULL && slash < at))
		at = jid;
	else
		at++;
	slash = strchr(at, '/');
	n = slash != NULL ? (size_t)(slash - at) : strlen(at);
	if (n >= size)
		n = size - 1;
	memcpy(out, at, n);
	out[n] = '\0';
}

/* Maps a mapping failure to a SIP status and reason. */
static int
map_failure_status(int r, const char **reason)
{
	switch (r) {
	case MAP_SIPS:
		/* RFC 7247 §8: XMPP cannot promise TLS on every hop. */
		*reason = "SIPS URI not translated to XMPP (RFC 7247 section 8)";
		return 403;
	case MAP_MALFORMED:
		*reason = "Address cannot be translated to XMPP";
		return 400;
	case MAP_NOMEM:
		*reason = NULL;
		return 500;
	default:
		*reason = "No XMPP address for this SIP address";
		return 404;
	}
}

/* A SIP MESSAGE arrived: translate it (RFC 7572 §5) and send it on. */
void
bridge_message_from_sip(struct bridge_message *bm, struct sip_tx *tx,
    const struct sip_message_fields *req)
{
	struct gateway *gw = bm->gw;
	struct content_text text = { 0 };
	struct im_message m = { 0 };
	struct pending_in *p = NULL;
	struct sender_share *share = NULL;
	/*
	 * The sender is who the stack says sent it (RFC 3325 §9.1): the
	 * P-Asserted-Identity of a trusted peer, else the From.
	 */
	const char *ruri = req->ruri, *from_uri = req->sender_uri;
	const char *to_uri = req->to_uri;
	char *to_jid = NULL, *from_jid = NULL, *cause = NULL;
	char id[48], domain[1024];
	const char *reason;
	int r, status;

	if (ruri == NULL || from_uri == NULL || to_uri == NULL) {
		answer(bm, tx, 400, "Unreadable address", NULL);
		goto out;
	}
	/* RFC 7247 §8 applies to the To header as well as the target. */
	if (strncasecmp(to_uri, "sips:", 5) == 0) {
		status = map_failure_status(MAP_SIPS, &reason);
		answer(bm, tx, status, reason, NULL);
		goto out;
	}
	if ((r = map_sip_to_xmpp(gw->map, ruri, &to_jid, &cause)) == MAP_ROOM) {
		/* A room or an occupant: the room bridge's (issue 13). */
		bridge_room_from_sip(gw->rooms, tx, req);
		goto out;
	}
	if (r != MAP_OK) {
		status = map_failure_status(r, &reason);
		log_info_limited("message: %s -> %s refused (%d): %s",
		    from_uri, ruri, status,
		    cause != NULL ? cause : map_result_name(r));
		answer(bm, tx, status, reason, NULL);
		goto out;
	}
	/*
	 * A target in our own component domain is a SIP user: the XMPP
	 * server would hand the message straight back to us, and on to SIP,
	 * possibly to us again. No Max-Forwards survives that trip.
	 */
	jid_domain_of(to_jid, domain, sizeof(domain));
	if (strcasecmp(domain, gw->cfg->xmpp_component) == 0) {
		log_info_limited("message: %s -> %s refused: target is on "
		    "the SIP side", from_uri, ruri);
		answer(bm, tx, 482, "Target is a SIP user of this gateway",
		    NULL);
		goto out;
	}
	/* The embed rule's JID may be a room elsewhere (issue 13). */
	if (bridge_room_embedded(gw->rooms, tx, req))
		goto out;
	free(cause);
	cause = NULL;
	if ((r = map_sip_to_xmpp(gw->map, from_uri, &from_jid, &cause)) !=
	    MAP_OK) {
		log_info_limited("message: sender %s not mapped: %s", from_uri,
		    cause != NULL ? cause : map_result_name(r));
		answer(bm, tx, 403, "Sender has no XMPP address here", NULL);
		goto out;
	}
	/* XEP-0114: we may only send from our own component domain. */
	jid_domain_of(from_jid, domain, sizeof(domain));
	if (strcasecmp(domain, gw->cfg->xmpp_component) != 0) {
		log_info_limited("message: sender %s maps to %s, outside %s",
		    from_uri, from_jid, gw->cfg->xmpp_component);
		answer(bm, tx, 403, "Sender not served by this gateway", NULL);
		goto out;
	}
	free(cause);
	cause = NULL;
	/* RFC 5438 notifications about our messages (receipt_x2s.c). */
	if (receipt_imdn_from_sip(bm, tx, req, from_jid, to_jid))
		goto out;
	/* RFC 3994 isComposing: a chat state, never text (typing.c). */
	if (iscomposing_is_type(req->content_type)) {
		bridge_typing_from_sip(gw->typing, tx, req, from_jid, to_jid);
		goto out;
	}
	r = content_to_text(req->content_type, req->content_encoding,
	    req->body != NULL ? req->body : "", req->body_len, &text, &cause);
	if (r != CONTENT_TEXT) {
		log_info_limited("message: %s -> %s: body refused: %s",
		    from_uri, ruri, cause != NULL ? cause : "unsupported");
		if (r == CONTENT_UNSUPPORTED || r == CONTENT_MACHINE)
			answer(bm, tx, 415, "Unsupported Media Type", NULL);
		else
			answer(bm, tx, r == CONTENT_NOMEM ? 500 : 400, cause,
			    NULL);
		goto out;
	}
	if (!xmpp_link_is_ready(gw->xmpp)) {
		answer(bm, tx, 503, "XMPP link down", NULL);
		goto out;
	}
	if (bm->n_in >= (size_t)gw->cfg->message_max_pending) {
		answer(bm, tx, 503, "Too many messages in flight", NULL);
		goto out;
	}
	if ((r = sender_share_take(&bm->shares_in, from_uri, strlen(from_uri),
	    &share)) != SENDER_SHARE_OK) {
		if (r == SENDER_SHARE_FULL)
			log_debug("message: %s holds its share of max_pending",
			    from_uri);
		answer(bm, tx, r == SENDER_SHARE_FULL ? 503 : 500,
		    r == SENDER_SHARE_FULL ? "Too many messages in flight "
		    "from this sender" : NULL, NULL);
		goto out;
	}
	message_id(bm, bm->next_seq, id);
	m.from = from_jid;
	m.to = to_jid;
	m.id = id;
	m.type = gw->cfg->message_type == XMPP_TYPE_CHAT ? "chat" : NULL;
	m.lang = req->content_language;
	if (m.lang == NULL)
		m.lang = text.lang;
	m.subject = req->subject;
	if (m.subject == NULL)
		m.subject = text.subject;
	m.thread = req->call_id;
	m.body = text.text;
	m.body_len = text.len;
	m.nick = req->from_display;	/* XEP-0172 §4.2: who writes */
	/* RFC 5438 asked for: XEP-0184 and XEP-0333 (receipt_s2x.c). */
	if (text.imdn_message_id != NULL && receipt_tracking_on(bm)) {
		m.receipt_request = (text.imdn_want &
		    IMDN_WANT_POSITIVE_DELIVERY) != 0;
		m.markable = (text.imdn_want & IMDN_WANT_DISPLAY) != 0;
	}
	strbuf_reset(&bm->sb);
	if (stanza_build_message(&bm->sb, &m) != 0) {
		answer(bm, tx, 400, "Message cannot be carried in XMPP", NULL);
		goto out;
	}
	if (flush_soon(bm) < 0) {
		answer(bm, tx, 500, NULL, NULL);
		goto out;
	}
	if (xmpp_link_send(gw->xmpp, bm->sb.buf, bm->sb.len) != 0) {
		answer(bm, tx, 503, "XMPP link congested", NULL);
		goto out;
	}
	if ((p = calloc(1, sizeof(*p) + strlen(to_jid) + 1)) == NULL) {
		/* Sent but untracked: say so rather than claim delivery. */
		answer(bm, tx, 500, NULL, NULL);
		goto out;
	}
	p->seq = bm->next_seq++;
	p->tx = tx;
	p->share = share;
	share = NULL;
	strcpy(p->to, to_jid);
	p->to_full_jid = strchr(to_jid, '/') != NULL;
	pending_insert(bm, p);
	jid_domain_of(to_jid, domain, sizeof(domain));
	if (batch_join(bm, p, domain) < 0) {
		answer(bm, tx, 500, NULL, NULL);
		pending_done(bm, p);
	}
	if (m.receipt_request || m.markable)
		receipt_track(bm, id, text.imdn_message_id, text.imdn_want,
		    from_uri, ruri, from_jid, to_jid, text.imdn_datetime);
	bridge_typing_content(gw->typing, 's', from_jid, to_jid);
	log_trace(TRACE_MESSAGE, "%s -> %s sent as %s", from_uri, to_jid, id);
out:
	sender_share_put(&bm->shares_in, share);
	content_text_clear(&text);
	free(to_jid);
	free(from_jid);
	free(cause);
}

/* An error stanza for a message we sent: RFC 7247 Table 2. */
void
message_error_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *m)
{
	struct pending_in *p = pending_find(bm, m->id);
	char *contact = NULL, *cause = NULL;
	int status;

	/*
	 * Only the address the message went to may refuse it (RFC 6120
	 * §8.3.1): its account's server or client. An error from anyone
	 * else, or without a from, would let a third party fail someone
	 * else's message; the ping still decides.
	 */
	if (p != NULL && !xmpp_link_jid_answers(p->to, m->from)) {
		log_info_limited("message: error %s about %s from %s, not "
		    "from %s: ignored", m->error_condition != NULL ?
		    m->error_condition : "?", m->id, m->from != NULL ?
		    m->from : "(none)", p->to);
		return;
	}
	if (p == NULL) {
		log_info_limited("message: late, unknown or foreign error %s "
		    "from %s (id %s) ignored",
		    m->error_condition != NULL ? m->error_condition : "?",
		    m->from != NULL ? m->from : "?", m->id != NULL ? m->id : "-");
		return;
	}
	status = errors_xmpp_to_sip(m->error_condition, p->to_full_jid,
	    m->error_gone_uri != NULL && m->error_gone_uri[0] != '\0');
	if (status >= 300 && status < 400) {
		const char *uri = m->error_gone_uri;

		if (uri != NULL && strncmp(uri, "xmpp:", 5) == 0)
			uri += 5;
		if (uri == NULL || map_xmpp_to_sip(bm->gw->map, uri, &contact,
		    &cause) != MAP_OK) {
			/* A 3xx without a usable Contact helps no one. */
			status = status == 301 ? 410 : 480;
		}
	}
	log_info_limited("message: %s answered by %s: %s -> %d", m->id,
	    m->from != NULL ? m->from : "?",
	    m->error_condition != NULL ? m->error_condition : "?", status);
	answer(bm, p->tx, status, m->error_text != NULL && m->error_text[0] ?
	    m->error_text : errors_reason_phrase(status), contact);
	pending_done(bm, p);
	free(contact);
	free(cause);
}

/* Graceful shutdown: whatever still waits for XMPP is answered now. */
void
bridge_message_shutdown(struct bridge_message *bm)
{
	struct ack_batch *b, *next;

	TAILQ_FOREACH_SAFE(b, &bm->batches, entry, next) {
		if (b->pinged)	/* freed when the link calls back */
			batch_answer(b, 503, "Gateway shutting down");
		else
			batch_finish(b, 503, "Gateway shutting down");
	}
}

