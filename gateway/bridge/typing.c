/*
 * Typing notifications across the gateway (issue 14 item 1): RFC 3994
 * isComposing MESSAGEs from SIP become XEP-0085 standalone chat states,
 * chat states from XMPP become isComposing MESSAGEs, by the RFC 7573 §6
 * table (codec/chatstate.c). They are for machines: never shown as
 * text, fire and forget both ways (XEP-0085 §5.8: a service may drop
 * them), thinned per pair (codec/typing_pace.c), and kept in a bounded
 * table of pairs that one periodic tick expires.
 *
 * Decisions (README "Typing"):
 * - A chat state always goes as type='chat' whatever [message]
 *   xmpp_type says: XEP-0085 §5.4 (context of usage): only with chat
 *   (or groupchat), and clients
 *   show nothing for one in a normal message.
 * - An isComposing MESSAGE gets 200 once its chat state is handed to
 *   the XMPP link, or once it was thinned away: there is nothing to
 *   prove, a chat state is not a message a person is owed. 503 when the
 *   link is down, 415 when [typing] sip_to_xmpp = no (RFC 3994 §7: the
 *   sender then stops), 400 for a document we cannot read.
 * - SIP active without a later document within its refresh (120 s when
 *   none, RFC 3994 §3.3) becomes <paused/> (STANDARDS §2.19).
 * - composing becomes active with refresh 60 (RFC 3994 §3.2 floor);
 *   the gateway sends no refreshes of its own: a composing that lasts
 *   past it turns idle on the SIP side (§3.3) until the next change.
 * - After a 415 to an isComposing MESSAGE, the pair gets none until it
 *   expires (RFC 3994 §7).
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "bridge.h"
#include "chatstate.h"
#include "config.h"
#include "iscomposing.h"
#include "log.h"
#include "mapping.h"
#include "sip_stack.h"
#include "strbuf.h"
#include "strmap.h"
#include "typing_pace.h"
#include "xmpp_link.h"

#define TYPING_MAX_PAIRS	10000	/* least recently used go first */
#define TYPING_PAIR_TTL_MS	(10 * 60 * 1000)	/* XEP-0085 §2: gone */
#define TYPING_TICK_MS		250
#define XMPP_REFRESH_S		60	/* our <refresh> towards SIP */

enum typing_dir { TYPING_S2X = 's', TYPING_X2S = 'x' };

/* One pair of users, one way: who, the pace, when the state lapses. */
struct typing_pair {
	struct strmap_node node;
	TAILQ_ENTRY(typing_pair) lru;
	struct typing_pace pace;
	uint64_t seen_ms;	/* last notification from the sender */
	uint64_t lapse_ms;	/* S2X: SIP refresh runs out; 0: none */
	int refused;		/* X2S: the SIP side answered 415 */
	char *from, *to;	/* after the key */
	char key[];		/* "d\nfrom\nto", then "d\nfrom", "to" */
};

struct bridge_typing {
	struct gateway *gw;
	struct strmap pairs;
	TAILQ_HEAD(, typing_pair) lru;	/* oldest first */
	size_t n;
	struct event *tick;
	struct strbuf sb;
	size_t n_sent;		/* isComposing MESSAGEs awaiting answers */
	unsigned long dropped_full;
};

/* A MESSAGE we sent, until its answer: the pair is found again by key. */
struct typing_sent {
	struct bridge_typing *bt;
	char key[];
};

/* Milliseconds on the monotonic clock, never 0. */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

/* Writes the key of a pair into a malloc'ed string. */
static char *
pair_key(enum typing_dir d, const char *from, const char *to)
{
	size_t n = strlen(from) + strlen(to) + 4;
	char *k;

	if ((k = malloc(n)) != NULL)
		snprintf(k, n, "%c\n%s\n%s", (char)d, from, to);
	return k;
}

/* Unlinks and frees a pair. */
static void
pair_free(struct bridge_typing *bt, struct typing_pair *p)
{
	strmap_remove(&bt->pairs, &p->node);
	TAILQ_REMOVE(&bt->lru, p, lru);
	bt->n--;
	free(p);
}

/* The pair for key, or NULL. */
static struct typing_pair *
pair_find(struct bridge_typing *bt, const char *key)
{
	struct strmap_node *n = strmap_find(&bt->pairs, key);

	return n == NULL ? NULL : (struct typing_pair *)((char *)n -
	    offsetof(struct typing_pair, node));
}

/* The pair from -> to one way, made if new; NULL if out of memory. */
static struct typing_pair *
pair_get(struct bridge_typing *bt, enum typing_dir d, const char *from,
    const char *to)
{
	struct typing_pair *p;
	char *key;
	size_t kl;

	if ((key = pair_key(d, from, to)) == NULL)
		return NULL;
	if ((p = pair_find(bt, key)) != NULL) {
		free(key);
		TAILQ_REMOVE(&bt->lru, p, lru);
		TAILQ_INSERT_TAIL(&bt->lru, p, lru);
		return p;
	}
	kl = strlen(key) + 1;
	if (bt->n >= TYPING_MAX_PAIRS) {
		/* Bounded: the pair quiet the longest makes room. */
		pair_free(bt, TAILQ_FIRST(&bt->lru));
		if (bt->dropped_full++ == 0)
			log_info("typing: %d pairs: the oldest are forgotten",
			    TYPING_MAX_PAIRS);
	}
	/* The key, then a copy of it cut into from and to. */
	if ((p = calloc(1, sizeof(*p) + 2 * kl)) == NULL) {
		free(key);
		return NULL;
	}
	memcpy(p->key, key, kl);
	memcpy(p->key + kl, key, kl);
	free(key);
	p->from = p->key + kl + 2;
	p->to = strchr(p->from, '\n');
	*p->to++ = '\0';
	/* What the far side assumes before anything: idle (RFC 3994 §3.3). */
	typing_pace_init(&p->pace, d == TYPING_S2X ? CHAT_STATE_PAUSED : 0);
	if (strmap_insert(&bt->pairs, &p->node, p->key) != 0) {
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&bt->lru, p, lru);
	bt->n++;
	return p;
}

/* Sends chat state s from -> to (XEP-0085 §5.6, standalone). */
static void
send_chat_state(struct bridge_typing *bt, struct typing_pair *p, int s)
{
	struct gateway *gw = bt->gw;

	strbuf_reset(&bt->sb);
	if (!xmpp_link_is_ready(gw->xmpp) || stanza_build_chat_state(&bt->sb,
	    p->from, p->to, "chat", NULL, (enum chat_state)s) != 0 ||
	    xmpp_link_send(gw->xmpp, bt->sb.buf, bt->sb.len) != 0) {
		log_info_limited("typing: <%s/> %s -> %s not sent",
		    chat_state_name((enum chat_state)s), p->from, p->to);
		return;
	}
	log_trace(TRACE_MESSAGE, "typing: <%s/> %s -> %s",
	    chat_state_name((enum chat_state)s), p->from, p->to);
}

/* The SIP side's answer to an isComposing MESSAGE we sent. */
static void
sent_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct typing_sent *ts = arg;
	struct typing_pair *p;
	const char *from = ts->key + 2, *to = strchr(from, '\n') + 1;
	int flen = (int)(to - 1 - from);

	(void)resp;
	ts->bt->n_sent--;
	if (status >= 200 && status < 300) {
		log_trace(TRACE_MESSAGE, "typing: isComposing %.*s -> %s "
		    "answered %d", flen, from, to, status);
		goto out;
	}
	if (status == 415 && (p = pair_find(ts->bt, ts->key)) != NULL) {
		/* RFC 3994 §7: after a 415 the sender MUST stop. */
		p->refused = 1;
		p->pace.pending = -1;
	}
	/* XEP-0085 states are fire and forget: no error goes back. */
	log_info_limited("typing: isComposing %.*s -> %s answered %d", flen,
	    from, to, status);
out:
	free(ts);
}

/* Sends an isComposing MESSAGE from -> to (RFC 3994 §3.5, page mode). */
static void
send_iscomposing(struct bridge_typing *bt, struct typing_pair *p, int active)
{
	struct gateway *gw = bt->gw;
	struct iscomposing ic = { 0 };
	struct strbuf doc;
	struct typing_sent *ts = NULL;
	char tag[17], call_id[33], clen[24];
	size_t kl = strlen(p->key) + 1;

	/*
	 * Typing MESSAGEs are thinned per pair, but one XMPP user may type
	 * at many SIP users: [message] max_pending bounds them too.
	 */
	if (bt->n_sent >= (size_t)gw->cfg->message_max_pending) {
		log_warnx_limited("typing: %zu isComposing MESSAGEs in flight "
		    "([message] max_pending): %s -> %s dropped", bt->n_sent,
		    p->from, p->to);
		return;
	}
	strbuf_init(&doc);
	ic.active = active;
	ic.refresh = XMPP_REFRESH_S;
	if (active)
		snprintf(ic.contenttype, sizeof(ic.contenttype), "text/plain");
	if (gw->shutting_down || gw->sip == NULL ||
	    strpbrk(p->from, "\r\n<>") != NULL ||
	    strpbrk(p->to, "\r\n<>") != NULL ||
	    iscomposing_build(&doc, &ic) != 0)
		goto fail;
	sip_random_token(tag, sizeof(tag));
	sip_random_token(call_id, sizeof(call_id));
	snprintf(clen, sizeof(clen), "%zu", doc.len);
	strbuf_reset(&bt->sb);
	strbuf_appends(&bt->sb, "Max-Forwards: 70\r\nFrom: <");
	strbuf_appends(&bt->sb, p->from);
	strbuf_appends(&bt->sb, ">;tag=");
	strbuf_appends(&bt->sb, tag);
	strbuf_appends(&bt->sb, "\r\nTo: <");
	strbuf_appends(&bt->sb, p->to);
	strbuf_appends(&bt->sb, ">\r\nCall-ID: ");
	strbuf_appends(&bt->sb, call_id);
	strbuf_appends(&bt->sb, "\r\nCSeq: 1 MESSAGE\r\nUser-Agent: "
	    SIPXMPP_AGENT "\r\nContent-Type: application/im-iscomposing+xml"
	    "\r\nContent-Length: ");
	strbuf_appends(&bt->sb, clen);
	strbuf_appends(&bt->sb, "\r\n\r\n");
	strbuf_append(&bt->sb, doc.buf, doc.len);
	if (bt->sb.failed || (ts = malloc(sizeof(*ts) + kl)) == NULL)
		goto fail;
	ts->bt = bt;
	memcpy(ts->key, p->key, kl);
	if (sip_send_request_text(gw->sip, "MESSAGE", p->to, bt->sb.buf,
	    bt->sb.len, sent_answered_cb, ts) != 0) {
		free(ts);
		goto fail;
	}
	bt->n_sent++;
	log_trace(TRACE_MESSAGE, "typing: isComposing %s %s -> %s",
	    active ? "active" : "idle", p->from, p->to);
	strbuf_free(&doc);
	return;
fail:
	log_info_limited("typing: isComposing %s -> %s not sent", p->from,
	    p->to);
	strbuf_free(&doc);
}

/* Sends state s of pair p the way p goes. */
static void
pair_send(struct bridge_typing *bt, struct typing_pair *p, int s)
{
	if (p->key[0] == TYPING_S2X)
		send_chat_state(bt, p, s);
	else if (!p->refused)
		send_iscomposing(bt, p, s);
}

/* Housekeeping: kept states whose time came, lapsed SIP refreshes. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_typing *bt = arg;
	unsigned min = (unsigned)bt->gw->cfg->typing_min_interval_ms;
	struct typing_pair *p, *next;
	struct timeval tv = { 0, TYPING_TICK_MS * 1000 };
	uint64_t now = now_ms();
	int s;

	(void)fd;
	(void)what;
	for (p = TAILQ_FIRST(&bt->lru); p != NULL; p = next) {
		next = TAILQ_NEXT(p, lru);
		if (p->lapse_ms != 0 && now >= p->lapse_ms) {
			/* RFC 3994 §3.3: no refresh in time: idle. */
			p->lapse_ms = 0;
			if (typing_pace_offer(&p->pace, CHAT_STATE_PAUSED, now,
			    min) == TYPING_PACE_SEND)
				pair_send(bt, p, CHAT_STATE_PAUSED);
		}
		if ((s = typing_pace_due(&p->pace, now, min)) >= 0)
			pair_send(bt, p, s);
		if (p->pace.pending < 0 && p->lapse_ms == 0 &&
		    now - p->seen_ms > TYPING_PAIR_TTL_MS)
			pair_free(bt, p);
	}
	if (bt->n > 0)
		evtimer_add(bt->tick, &tv);
}

/* Makes sure the tick runs while there are pairs. */
static void
tick_arm(struct bridge_typing *bt)
{
	struct timeval tv = { 0, TYPING_TICK_MS * 1000 };

	if (!evtimer_pending(bt->tick, NULL))
		evtimer_add(bt->tick, &tv);
}

/* Creates the typing bridge; NULL if out of memory. */
struct bridge_typing *
bridge_typing_new(struct gateway *gw)
{
	struct bridge_typing *bt;

	if ((bt = calloc(1, sizeof(*bt))) == NULL)
		return NULL;
	bt->gw = gw;
	strmap_init(&bt->pairs);
	TAILQ_INIT(&bt->lru);
	strbuf_init(&bt->sb);
	if ((bt->tick = evtimer_new(gw->base, tick_cb, bt)) == NULL) {
		free(bt);
		return NULL;
	}
	return bt;
}

/* Frees the bridge and every pair (after the SIP stack: no answers left). */
void
bridge_typing_free(struct bridge_typing *bt)
{
	struct typing_pair *p;

	if (bt == NULL)
		return;
	while ((p = TAILQ_FIRST(&bt->lru)) != NULL)
		pair_free(bt, p);
	strmap_free(&bt->pairs);
	event_free(bt->tick);
	strbuf_free(&bt->sb);
	free(bt);
}

/* Offers state s of a pair to its pace and sends what it lets through. */
static void
pair_offer(struct bridge_typing *bt, struct typing_pair *p, int s)
{
	unsigned min = (unsigned)bt->gw->cfg->typing_min_interval_ms;
	uint64_t now = now_ms();

	p->seen_ms = now;
	switch (typing_pace_offer(&p->pace, s, now, min)) {
	case TYPING_PACE_SEND:
		pair_send(bt, p, s);
		break;
	case TYPING_PACE_LATER:
		log_trace(TRACE_MESSAGE, "typing: %s -> %s thinned: kept",
		    p->from, p->to);
		break;
	default:
		break;
	}
	tick_arm(bt);
}

/*
 * An isComposing MESSAGE from SIP, its sender and target already mapped
 * to from_jid and to_jid (message_sip_to_xmpp.c): answers tx.
 */
void
bridge_typing_from_sip(struct bridge_typing *bt, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *to_jid)
{
	struct gateway *gw = bt->gw;
	struct iscomposing ic;
	struct typing_pair *p;
	char *cause = NULL;
	int s;

	if (!gw->cfg->typing_sip_to_xmpp) {
		log_trace(TRACE_MESSAGE, "typing: isComposing %s -> %s: "
		    "[typing] sip_to_xmpp is off", req->sender_uri, req->ruri);
		gateway_answer(gw, tx, 415, "Unsupported Media Type", NULL);
		return;
	}
	if (req->content_encoding != NULL &&
	    strcasecmp(req->content_encoding, "identity") != 0) {
		gateway_answer(gw, tx, 415, "Unsupported Media Type", NULL);
		return;
	}
	if (iscomposing_parse(req->body, req->body_len, &ic, &cause) != 0) {
		log_info_limited("typing: %s -> %s: %s", req->sender_uri,
		    req->ruri, cause != NULL ? cause : "out of memory");
		gateway_answer(gw, tx, 400, cause != NULL ? cause :
		    "Unreadable isComposing", NULL);
		free(cause);
		return;
	}
	if (!xmpp_link_is_ready(gw->xmpp)) {
		gateway_answer(gw, tx, 503, "XMPP link down", NULL);
		return;
	}
	if ((p = pair_get(bt, TYPING_S2X, from_jid, to_jid)) == NULL) {
		gateway_answer(gw, tx, 500, NULL, NULL);
		return;
	}
	s = chat_state_from_iscomposing(ic.active);
	/* RFC 3994 §3.3: active lapses after its refresh, 120 s if none. */
	p->lapse_ms = ic.active ? now_ms() + (uint64_t)(ic.refresh > 0 ?
	    ic.refresh : ISCOMPOSING_REFRESH_DEFAULT) * 1000 : 0;
	pair_offer(bt, p, s);
	gateway_answer(gw, tx, 200, "OK", NULL);
}

/*
 * A message from XMPP without a body but with a chat state (the
 * message bridge's hook): an isComposing MESSAGE to the SIP user, if
 * the pace lets it. Nothing ever goes back to the sender.
 */
void
bridge_typing_from_xmpp(struct bridge_typing *bt,
    const struct xmpp_in_message *m)
{
	struct gateway *gw = bt->gw;
	enum chat_state cs = chat_state_from_name(m->chat_state);
	struct typing_pair *p;
	char *ruri = NULL, *from_uri = NULL, *cause = NULL;
	int r;

	if (!gw->cfg->typing_xmpp_to_sip || cs == CHAT_STATE_NONE ||
	    gw->shutting_down || gw->sip == NULL)
		return;
	if ((r = map_xmpp_to_sip(gw->map, m->to, &ruri, &cause)) != MAP_OK ||
	    (r = map_xmpp_to_sip(gw->map, m->from, &from_uri, &cause)) !=
	    MAP_OK) {
		log_info_limited("typing: <%s/> %s -> %s not mapped: %s",
		    m->chat_state, m->from, m->to, cause != NULL ? cause :
		    map_result_name(r));
		goto out;
	}
	if ((p = pair_get(bt, TYPING_X2S, from_uri, ruri)) == NULL)
		goto out;
	pair_offer(bt, p, chat_state_to_iscomposing(cs));
out:
	free(ruri);
	free(from_uri);
	free(cause);
}

/*
 * A message with a body went from -> to (d: 's' from SIP, 'x' from
 * XMPP, the addresses as the pair's): the receiver now counts the
 * sender as idle (RFC 3994 §3.3; XEP-0085 §5: a content message is
 * active), so the next composing must cross again.
 */
void
bridge_typing_content(struct bridge_typing *bt, int d, const char *from,
    const char *to)
{
	struct typing_pair *p;
	char *key;

	/* Every message passes here: with no pair, nothing to reset and
	 * no key to build (most traffic never types). */
	if (bt == NULL || bt->n == 0 || from == NULL || to == NULL ||
	    (key = pair_key((enum typing_dir)d, from, to)) == NULL)
		return;
	if ((p = pair_find(bt, key)) != NULL) {
		typing_pace_init(&p->pace, d == TYPING_S2X ?
		    CHAT_STATE_ACTIVE : 0);
		p->lapse_ms = 0;
	}
	free(key);
}
