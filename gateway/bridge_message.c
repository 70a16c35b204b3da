/*
 * Pager-mode messages both ways (RFC 7572), errors per RFC 7247 §7.
 *
 * SIP -> XMPP: a MESSAGE is translated and sent at once, but its final
 * response waits until the XMPP side has had its say. Messages to one
 * domain sent in the same loop turn share one XEP-0199 ping sent after
 * them; because servers process a sender's stanzas in order (RFC 6120
 * §10.1), the ping's answer proves every error for those messages has
 * already come back. So: an error stanza with the message's id becomes
 * the SIP error (RFC 7247 Table 2); the ping's answer becomes the 200; no
 * answer within [message] ack_timeout_ms becomes a 408, and a link lost
 * meanwhile a 503. Nothing is answered 200 before the server accepted it.
 * An error stanza counts only when it comes from the address the message
 * was sent to (xmpp_link_jid_answers): anyone else could otherwise refuse
 * someone else's message.
 *
 * XMPP -> SIP: a <message/> becomes a MESSAGE; a SIP error (or Timer F)
 * becomes an error stanza to the sender (RFC 7247 Table 3). From SIGTERM
 * on, a new one is refused at once with the shutdown error, so nothing
 * from XMPP reaches the SIP stack while it is being taken down.
 *
 * Both ways, one sender holds at most max_pending_per_sender of the
 * max_pending slots (sender_share.c).
 */
#include <sys/queue.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "content.h"
#include "errors.h"
#include "gateway.h"
#include "log.h"
#include "mapping.h"
#include "sender_share.h"
#include "sip_stack.h"
#include "stanza.h"
#include "xmpp_link.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct ack_batch;

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

/* An XMPP message travelling as a SIP MESSAGE. */
struct pending_out {
	TAILQ_ENTRY(pending_out) entry;
	struct bridge_message *bm;
	char *sender;		/* full JID errors go back to */
	char *recipient;	/* the JID it was sent to: our side */
	char *id;
	char *lang;
	struct sender_share *share;
};

struct bridge_message {
	struct gateway *gw;
	struct pending_in **buckets;
	size_t mask;
	size_t n_in;
	uint64_t next_seq;
	char id_prefix[9];
	TAILQ_HEAD(, ack_batch) batches;	/* open, or pinged and waiting */
	struct event *flush_ev;
	TAILQ_HEAD(, pending_out) out;
	size_t n_out;
	struct strbuf sb;
	struct strbuf sip_sb;		/* MESSAGEs to SIP are printed here */
	struct sender_shares shares_in;	/* by From URI */
	struct sender_shares shares_out;	/* by bare JID */
};

/* Creates the bridge; the hash is sized for [message] max_pending. */
struct bridge_message *
bridge_message_new(struct gateway *gw)
{
	struct bridge_message *bm = calloc(1, sizeof(*bm));
	size_t n = 1024;

	if (bm == NULL)
		return NULL;
	while (n < (size_t)gw->cfg->message_max_pending && n < (1u << 24))
		n <<= 1;
	if ((bm->buckets = calloc(n, sizeof(*bm->buckets))) == NULL) {
		free(bm);
		return NULL;
	}
	bm->mask = n - 1;
	bm->gw = gw;
	bm->next_seq = 1;
	/* Ids from an earlier run of the daemon must never match ours. */
	sip_random_token(bm->id_prefix, sizeof(bm->id_prefix));
	TAILQ_INIT(&bm->batches);
	TAILQ_INIT(&bm->out);
	sender_shares_init(&bm->shares_in,
	    (size_t)gw->cfg->message_max_pending_per_sender);
	sender_shares_init(&bm->shares_out,
	    (size_t)gw->cfg->message_max_pending_per_sender);
	strbuf_init(&bm->sb);
	strbuf_init(&bm->sip_sb);
	return bm;
}

/* Number of messages in flight, both directions. */
size_t
bridge_message_pending(const struct bridge_message *bm)
{
	return bm->n_in + bm->n_out;
}

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
	const char *ruri = req->ruri, *from_uri = req->from_uri;
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
	if ((r = map_sip_to_xmpp(gw->map, ruri, &to_jid, &cause)) != MAP_OK) {
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
		log_info_limited("message: %s -> %s refused: target is on the "
		    "SIP side", from_uri, ruri);
		answer(bm, tx, 482, "Target is a SIP user of this gateway",
		    NULL);
		goto out;
	}
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
	r = content_to_text(req->content_type, req->content_encoding,
	    req->body != NULL ? req->body : "", req->body_len, &text, &cause);
	if (r != CONTENT_TEXT) {
		log_info_limited("message: %s -> %s: body refused: %s", from_uri,
		    ruri, cause != NULL ? cause : "unsupported");
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
	log_debug("message: %s -> %s sent as %s", from_uri, to_jid, id);
out:
	sender_share_put(&bm->shares_in, share);
	content_text_clear(&text);
	free(to_jid);
	free(from_jid);
	free(cause);
}

/* An error stanza for a message we sent: RFC 7247 Table 2. */
static void
error_from_xmpp(struct bridge_message *bm, const struct xmpp_in_message *m)
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
		log_info("message: error %s about %s from %s, not from %s: "
		    "ignored", m->error_condition != NULL ?
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

/* Sends an error stanza about a message from XMPP back to its sender. */
static void
report_to_xmpp(struct bridge_message *bm, const char *from, const char *to,
    const char *id, const char *lang, const char *condition, const char *text,
    const char *gone_uri)
{
	struct gateway *gw = bm->gw;
	struct xmpp_error_cond cond;
	struct im_error e = { 0 };
	char *from_bare = NULL;
	const char *slash;

	cond.condition = condition;
	cond.type = errors_xmpp_condition_type(condition);
	/* Errors come from the address the message was sent to, bare. */
	if (from != NULL && (slash = strchr(from, '/')) != NULL)
		from_bare = strndup(from, (size_t)(slash - from));
	e.from = from_bare != NULL ? from_bare :
	    from != NULL ? from : gw->cfg->xmpp_component;
	e.to = to;
	e.id = id;
	e.cond = &cond;
	e.text = text;
	e.lang = lang;
	e.gone_uri = gone_uri;
	strbuf_reset(&bm->sb);
	/* The text is made fit by the builder; only addresses can fail. */
	if (stanza_build_message_error(&bm->sb, &e) != 0) {
		log_warnx("message: could not build a %s error for %s (id %s)",
		    condition, to != NULL ? to : "?", id != NULL ? id : "-");
		goto out;
	}
	/* Errors have room of their own in the send queue. */
	switch (xmpp_link_send_error(gw->xmpp, bm->sb.buf, bm->sb.len,
	    condition)) {
	case 0:
		xmpp_link_flush(gw->xmpp);
		break;
	case -2:
		break;		/* counted and logged by the link */
	default:
		log_warnx("message: could not report %s to %s (id %s): XMPP "
		    "link down", condition, to, id != NULL ? id : "-");
		break;
	}
out:
	free(from_bare);
}

/* Frees an outbound record. */
static void
pending_out_free(struct bridge_message *bm, struct pending_out *po)
{
	TAILQ_REMOVE(&bm->out, po, entry);
	bm->n_out--;
	sender_share_put(&bm->shares_out, po->share);
	free(po->sender);
	free(po->recipient);
	free(po->id);
	free(po->lang);
	free(po);
}

/* The SIP side answered a message from XMPP: RFC 7247 Table 3. */
static void
sip_answered_cb(void *arg, int status, const osip_message_t *resp)
{
	struct pending_out *po = arg;
	struct bridge_message *bm = po->bm;
	const struct xmpp_error_cond *cond;
	char *gone = NULL, *cause = NULL;
	const char *text = NULL;
	char jid_uri[1100];

	if (status >= 200 && status < 300) {
		log_debug("message: %s -> %s delivered to SIP (%d)",
		    po->sender, po->recipient, status);
		pending_out_free(bm, po);
		return;
	}
	if ((cond = errors_sip_to_xmpp(status)) == NULL)
		cond = errors_sip_to_xmpp(500);
	if (resp != NULL)
		text = resp->reason_phrase;
	else if (bm->gw->shutting_down)
		text = "Gateway shut down before the SIP side answered";
	else if (status == 408)
		text = "No answer from the SIP side";
	else
		text = "SIP transport failure";
	/* RFC 7247 Table 3: 301 -> <gone/> with the new address. */
	if (status == 301 && resp != NULL) {
		osip_contact_t *c = NULL;
		char *uri = NULL;

		if (osip_message_get_contact(resp, 0, &c) >= 0 && c != NULL &&
		    (uri = sip_uri_string(c->url)) != NULL &&
		    map_sip_to_xmpp(bm->gw->map, uri, &gone, &cause) == MAP_OK)
			snprintf(jid_uri, sizeof(jid_uri), "xmpp:%s", gone);
		else
			jid_uri[0] = '\0';
		osip_free(uri);
	}
	log_info_limited("message: %s -> %s refused by SIP: %d -> %s",
	    po->sender, po->recipient, status, cond->condition);
	report_to_xmpp(bm, po->recipient, po->sender, po->id, po->lang,
	    cond->condition, text, gone != NULL && jid_uri[0] ? jid_uri : NULL);
	free(gone);
	free(cause);
	pending_out_free(bm, po);
}

/* Whether a <thread/> can serve as a Call-ID (RFC 3261 word). */
static int
is_sip_word(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (n >= 128 || (!isalnum((unsigned char)*s) &&
		    strchr("-.!%*_+`'~()<>:\\\"/[]?{}", *s) == NULL))
			return 0;
	}
	return n > 0;
}

/* Whether xml:lang is a plausible language tag for Content-Language. */
static int
is_language_tag(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (n >= 35 || (!isalnum((unsigned char)*s) && *s != '-'))
			return 0;
	return n > 0;
}

/* Whether the RFC 3428 1300-byte rule applies to this message. */
static int
size_rule_applies(struct bridge_message *bm, const char *ruri)
{
	const struct config *cfg = bm->gw->cfg;

	switch (cfg->message_size_policy) {
	case SIZE_LIMIT_ALWAYS:
		return 1;
	case SIZE_LIMIT_UDP:
		return sip_stack_next_hop_is_udp(bm->gw->sip, ruri);
	default:
		return 0;
	}
}

/* Room for the Via and Route the stack adds after we measure. */
#define VIA_ROUTE_RESERVE 200

/* Appends s with controls replaced, so that it fits in one header line. */
static void
put_header_text(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;

		strbuf_append(sb, &c, 1);
	}
}

/*
 * Prints the MESSAGE for m (RFC 3428, RFC 7572 §5) into bm->sip_sb: every
 * header after the Via and Route the stack adds, the empty line, the
 * body. Printed directly: building it through libosip2's message model
 * cost more than everything else on this path together.
 */
static int
message_text(struct bridge_message *bm, const struct xmpp_in_message *m,
    const char *ruri, const char *from_uri)
{
	struct strbuf *sb = &bm->sip_sb;
	char tag[17], call_id[33], clen[24];

	/* The mapping escapes what it builds; a line break never gets out. */
	if (strpbrk(ruri, "\r\n<>") != NULL ||
	    strpbrk(from_uri, "\r\n<>") != NULL)
		return -1;
	sip_random_token(tag, sizeof(tag));
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: <");
	strbuf_appends(sb, from_uri);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, ruri);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	if (m->thread != NULL && is_sip_word(m->thread))
		strbuf_appends(sb, m->thread);
	else {
		sip_random_token(call_id, sizeof(call_id));
		strbuf_appends(sb, call_id);
	}
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\n"
	    "User-Agent: " SIPXMPP_AGENT "\r\n");
	if (m->subject != NULL) {
		strbuf_appends(sb, "Subject: ");
		put_header_text(sb, m->subject);
		strbuf_appends(sb, "\r\n");
	}
	if (m->lang != NULL && is_language_tag(m->lang)) {
		strbuf_appends(sb, "Content-Language: ");
		strbuf_appends(sb, m->lang);
		strbuf_appends(sb, "\r\n");
	}
	snprintf(clen, sizeof(clen), "%zu", strlen(m->body));
	strbuf_appends(sb, "Content-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	strbuf_appends(sb, m->body);
	return sb->failed ? -1 : 0;
}

/*
 * Without an outbound proxy the stack finds the next hop in the parsed
 * Request-URI: the printed MESSAGE is parsed and sent that way.
 */
static int
send_parsed(struct bridge_message *bm, const char *ruri,
    struct pending_out *po)
{
	struct strbuf text;
	osip_message_t *req = NULL;
	int r = -1;

	strbuf_init(&text);
	strbuf_appends(&text, "MESSAGE ");
	strbuf_appends(&text, ruri);
	strbuf_appends(&text, " SIP/2.0\r\n");
	strbuf_append(&text, bm->sip_sb.buf, bm->sip_sb.len);
	if (!text.failed && osip_message_init(&req) == 0 &&
	    osip_message_parse(req, text.buf, text.len) == 0)
		r = sip_send_request(bm->gw->sip, req, sip_answered_cb, po);
	else if (req != NULL)
		osip_message_free(req);
	strbuf_free(&text);
	return r;
}

/* A <message/> from XMPP: translate it (RFC 7572 §5) and send it on. */
void
bridge_message_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *m)
{
	struct gateway *gw = bm->gw;
	struct pending_out *po = NULL;
	struct sender_share *share = NULL;
	char *ruri = NULL, *from_uri = NULL, *cause = NULL;
	const char *slash;
	size_t wire_len;
	int r;

	if (m->type != NULL && strcmp(m->type, "error") == 0) {
		error_from_xmpp(bm, m);
		return;
	}
	if (m->from == NULL || m->to == NULL)
		return;		/* the link refuses these at the edge */
	if (m->type != NULL && strcmp(m->type, "groupchat") == 0) {
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "feature-not-implemented", "Group chat is not supported",
		    NULL);
		return;
	}
	if (m->body == NULL) {
		/* Chat states and receipts alone carry nothing for a person. */
		log_debug("message: %s -> %s without body not translated",
		    m->from, m->to);
		return;
	}
	/*
	 * From SIGTERM on nothing new goes to SIP (README "Shutdown"): the
	 * SIP stack is about to go, and the link stays up a little longer
	 * only to carry the last answers.
	 */
	if (gw->shutting_down || gw->sip == NULL) {
		log_debug("message: %s -> %s refused: shutting down", m->from,
		    m->to);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "service-unavailable",
		    "Gateway shut down; message not sent to SIP", NULL);
		return;
	}
	if ((r = map_xmpp_to_sip(gw->map, m->to, &ruri, &cause)) != MAP_OK) {
		log_info_limited("message: %s -> %s refused: %s", m->from, m->to,
		    cause != NULL ? cause : map_result_name(r));
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    r == MAP_MALFORMED ? "jid-malformed" : "item-not-found",
		    "No SIP address for this JID", NULL);
		goto out;
	}
	free(cause);
	cause = NULL;
	if ((r = map_xmpp_to_sip(gw->map, m->from, &from_uri, &cause)) !=
	    MAP_OK) {
		log_info_limited("message: sender %s not mapped: %s", m->from,
		    cause != NULL ? cause : map_result_name(r));
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang, "forbidden",
		    "Sender has no SIP address here", NULL);
		goto out;
	}
	if (bm->n_out >= (size_t)gw->cfg->message_max_pending) {
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "resource-constraint", "Too many messages in flight to SIP",
		    NULL);
		goto out;
	}
	slash = strchr(m->from, '/');
	if ((r = sender_share_take(&bm->shares_out, m->from, slash != NULL ?
	    (size_t)(slash - m->from) : strlen(m->from), &share)) !=
	    SENDER_SHARE_OK) {
		if (r == SENDER_SHARE_FULL)
			log_debug("message: %s holds its share of max_pending",
			    m->from);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    r == SENDER_SHARE_FULL ? "resource-constraint" :
		    "internal-server-error", r == SENDER_SHARE_FULL ?
		    "Too many of your messages in flight to SIP" : NULL, NULL);
		goto out;
	}
	if (message_text(bm, m, ruri, from_uri) < 0) {
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "internal-server-error", NULL, NULL);
		goto out;
	}
	/* RFC 7572 §6, RFC 3428 §1: pager mode stays under 1300 bytes. */
	wire_len = sizeof("MESSAGE  SIP/2.0\r\n") - 1 + strlen(ruri) +
	    bm->sip_sb.len + VIA_ROUTE_RESERVE;
	if (size_rule_applies(bm, ruri) &&
	    wire_len > (size_t)gw->cfg->message_size_limit) {
		log_info_limited("message: %s -> %s too large for SIP (%zu "
		    "bytes)", m->from, m->to, wire_len);
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "policy-violation",
		    "Message too large for SIP pager mode (RFC 3428)", NULL);
		goto out;
	}
	if ((po = calloc(1, sizeof(*po))) == NULL ||
	    (po->sender = strdup(m->from)) == NULL ||
	    (po->recipient = strdup(m->to)) == NULL ||
	    (m->id != NULL && (po->id = strdup(m->id)) == NULL) ||
	    (m->lang != NULL && (po->lang = strdup(m->lang)) == NULL)) {
		if (po != NULL) {
			free(po->sender);
			free(po->recipient);
			free(po->id);
			free(po);
		}
		report_to_xmpp(bm, m->to, m->from, m->id, m->lang,
		    "internal-server-error", NULL, NULL);
		goto out;
	}
	po->bm = bm;
	po->share = share;
	share = NULL;
	TAILQ_INSERT_TAIL(&bm->out, po, entry);
	bm->n_out++;
	r = sip_send_request_text(gw->sip, "MESSAGE", ruri, bm->sip_sb.buf,
	    bm->sip_sb.len, sip_answered_cb, po);
	if (r == -2)
		r = send_parsed(bm, ruri, po);
	if (r != 0) {
		report_to_xmpp(bm, po->recipient, po->sender, po->id, po->lang,
		    "remote-server-not-found", "No route to the SIP side",
		    NULL);
		pending_out_free(bm, po);
		goto out;
	}
	log_debug("message: %s -> %s sent to SIP", m->from, ruri);
out:
	sender_share_put(&bm->shares_out, share);
	free(ruri);
	free(from_uri);
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

/* Frees the bridge. Outbound records are answered by the SIP stack. */
void
bridge_message_free(struct bridge_message *bm)
{
	struct pending_out *po;

	if (bm == NULL)
		return;
	bridge_message_shutdown(bm);
	while ((po = TAILQ_FIRST(&bm->out)) != NULL)
		pending_out_free(bm, po);
	if (bm->flush_ev != NULL)
		event_free(bm->flush_ev);
	sender_shares_free(&bm->shares_in);
	sender_shares_free(&bm->shares_out);
	strbuf_free(&bm->sb);
	strbuf_free(&bm->sip_sb);
	free(bm->buckets);
	free(bm);
}
