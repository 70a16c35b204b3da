/*
 * SIP transactions (RFC 3261 §17) of our own, on libevent timers; libosip2
 * only parses and prints the messages.
 *
 * libosip2's transaction layer walked every live transaction on each
 * datagram and cloned each request into it; a gateway answering every
 * request at once needs far less:
 * - a server transaction is the request until the bridge answers it, then
 *   (UDP) its final response in the completed cache for Timer J;
 * - a client transaction is the request as sent, retransmitted on Timer E
 *   over UDP until an answer or Timer F;
 * - an INVITE is always refused (non-2xx): the refusal is retransmitted on
 *   Timer G until the ACK or Timer H, and ACKs are absorbed for Timer I.
 * Transactions are found by key in hash tables, never by walking a list.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_completed.h"
#include "sip_reply.h"
#include "sip_scan.h"
#include "sip_stack_int.h"

#define TIMER_F_MS	(64 * SIP_T1_MS)	/* also Timer H and J */

long long
sip_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tx_timer_cb(evutil_socket_t, short, void *);

static struct sip_tx *
tx_new(struct sip_stack *s, enum sip_tx_kind kind)
{
	struct sip_tx *tx = calloc(1, sizeof(*tx));

	if (tx == NULL)
		return NULL;
	tx->stack = s;
	tx->kind = kind;
	evtimer_assign(&tx->timer, s->base, tx_timer_cb, tx);
	TAILQ_INSERT_TAIL(&s->live, tx, entry);
	s->n_live++;
	return tx;
}

static struct strmap *
tx_map(struct sip_tx *tx)
{
	return tx->kind == SIP_TX_CLIENT ? &tx->stack->clients :
	    &tx->stack->servers;
}

/* Indexes tx under key (taken); -1 if that key is in use or no memory. */
static int
tx_index(struct sip_tx *tx, char *key)
{
	tx->key = key;
	if (key == NULL || strmap_find(tx_map(tx), key) != NULL ||
	    strmap_insert(tx_map(tx), &tx->node, key) < 0)
		return -1;
	tx->keyed = 1;
	return 0;
}

/* Arms the transaction's one timer ms from now. */
static void
tx_arm(struct sip_tx *tx, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(&tx->timer, &tv);
	tx->timer_added = 1;
}

/* Ends a transaction: out of its index now, freed from the loop later. */
static void
tx_kill(struct sip_tx *tx)
{
	struct sip_stack *s = tx->stack;

	if (tx->dead)
		return;
	tx->dead = 1;
	if (tx->keyed)
		strmap_remove(tx_map(tx), &tx->node);
	tx->keyed = 0;
	if (tx->timer_added)
		evtimer_del(&tx->timer);
	tx->timer_added = 0;
	TAILQ_REMOVE(&s->live, tx, entry);
	s->n_live--;
	TAILQ_INSERT_TAIL(&s->dead, tx, entry);
	event_active(s->reap_ev, EV_TIMEOUT, 0);
}

static void
tx_free(struct sip_tx *tx)
{
	if (tx->req != NULL)
		osip_message_free(tx->req);
	free(tx->hdr);
	free(tx->vias);
	free(tx->wire);
	free(tx->key);
	free(tx);
}

/* Reports a client transaction's outcome, once, and ends it. */
static void
client_finish(struct sip_tx *tx, int status, const osip_message_t *resp)
{
	if (!tx->cb_done) {
		tx->cb_done = 1;
		if (tx->cb != NULL)
			tx->cb(tx->cb_arg, status, resp);
	}
	tx_kill(tx);
}

/* Frees the transactions that ended; runs from the loop, never nested. */
void
sip_txn_reap(struct sip_stack *s)
{
	struct sip_tx *tx;

	while ((tx = TAILQ_FIRST(&s->dead)) != NULL) {
		TAILQ_REMOVE(&s->dead, tx, entry);
		tx_free(tx);
	}
}

/* At shutdown: requesters hear 503, the rest goes. */
void
sip_txn_free_all(struct sip_stack *s)
{
	struct sip_tx *tx;

	while ((tx = TAILQ_FIRST(&s->live)) != NULL) {
		if (tx->kind == SIP_TX_CLIENT)
			client_finish(tx, 503, NULL);
		else
			tx_kill(tx);
	}
	sip_txn_reap(s);
}

static int
send_wire(struct sip_tx *tx, const struct sip_peer *to)
{
	return sip_transport_send(tx->stack->transport, to, tx->wire,
	    tx->wire_len);
}

/* Timers E/F (client), G/H/I (INVITE server). */
static void
tx_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_tx *tx = arg;
	long long now = sip_now_ms(), left = tx->deadline_ms - now;

	(void)fd;
	(void)what;
	tx->timer_added = 0;
	if (tx->kind == SIP_TX_CLIENT) {
		if (tx->wire == NULL) {		/* the first send failed */
			client_finish(tx, 503, NULL);
			return;
		}
		if (left <= 0) {
			client_finish(tx, 408, NULL);	/* Timer F */
			return;
		}
		if (tx->peer.proto == IPPROTO_UDP) {	/* Timer E */
			send_wire(tx, &tx->peer);
			tx->interval_ms = tx->interval_ms * 2 < SIP_T2_MS ?
			    tx->interval_ms * 2 : SIP_T2_MS;
		}
		tx_arm(tx, tx->interval_ms < left ? tx->interval_ms : left);
		return;
	}
	/* INVITE server, refusal sent over UDP. */
	if (tx->acked || left <= 0) {
		if (!tx->acked)
			log_info("sip: no ACK for our %s refusal within 32 s",
			    "INVITE");
		tx_kill(tx);			/* Timer I or H */
		return;
	}
	send_wire(tx, &tx->reply_to);		/* Timer G */
	tx->interval_ms = tx->interval_ms * 2 < SIP_T2_MS ?
	    tx->interval_ms * 2 : SIP_T2_MS;
	tx_arm(tx, tx->interval_ms < left ? tx->interval_ms : left);
}

/*
 * Where responses to a request go (RFC 3261 §18.2.2, RFC 3581): back on
 * its connection over TCP; over UDP to the address it came from, at the
 * port it came from if the Via asked so with rport, else at the Via's
 * sent-by port.
 */
static void
reply_destination(const osip_message_t *req, const struct sip_peer *from,
    struct sip_peer *to)
{
	osip_via_t *via = osip_list_get(&req->vias, 0);
	osip_generic_param_t *rport = NULL;
	int port;

	*to = *from;
	if (from->proto != IPPROTO_UDP || via == NULL ||
	    (osip_via_param_get_byname(via, "rport", &rport) == 0 &&
	    rport != NULL))
		return;
	port = via->port != NULL ? atoi(via->port) : 5060;
	if (port <= 0 || port > 65535)
		return;
	if (to->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&to->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&to->addr)->sin6_port = htons(port);
}

/* The key a request's server transaction is found by, or NULL. */
static char *
server_key(const osip_message_t *req, const char *method)
{
	char key[SIP_COMPLETED_KEY_MAX];

	if (sip_completed_key_method(req, method, key, sizeof(key)) < 0)
		return NULL;
	return strdup(key);
}

/* An ACK: for one of our INVITE refusals, or astray (§17.2.3). */
static void
ack_in(struct sip_stack *s, osip_message_t *ack, const struct sip_peer *from)
{
	char key[SIP_COMPLETED_KEY_MAX];
	struct sip_tx *tx = NULL;

	if (from->proto == IPPROTO_UDP &&
	    sip_completed_key_method(ack, "INVITE", key, sizeof(key)) == 0)
		tx = (struct sip_tx *)strmap_find(&s->servers, key);
	if (tx != NULL && tx->responded && !tx->acked) {
		tx->acked = 1;
		tx_arm(tx, SIP_T4_MS);		/* Timer I */
	} else if (tx == NULL)
		log_debug("sip: stray ACK dropped");
	osip_message_free(ack);
}

/*
 * What the completed cache keeps: 'R' and the response itself, or, for a
 * response built from the request's own lines, 'C' and how to build it
 * again from the retransmission: "status\0reason\0to-tag\0extra" (empty
 * reason: the usual one; empty tag: the To had one). About 30 bytes
 * instead of 400, so the cache covers Timer J at far higher rates.
 */
#define KEPT_RESPONSE	'R'
#define KEPT_RECIPE	'C'

/* The field after the NUL-terminated one at p, or NULL past end. */
static const char *
next_field(const char *p, const char *end)
{
	const char *nul;

	if (p == NULL || p >= end ||
	    (nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
		return NULL;
	return nul + 1;
}

/* Sends the kept answer to a retransmitted request again. */
static void
answer_again(struct sip_stack *s, const osip_message_t *req,
    const struct sip_peer *from, const char *raw, size_t raw_len,
    const char *kept, size_t len)
{
	struct sip_peer to;
	const char *status, *reason, *tag, *extra, *end = kept + len;

	reply_destination(req, from, &to);
	if (len > 1 && kept[0] == KEPT_RESPONSE) {
		sip_transport_send(s->transport, &to, kept + 1, len - 1);
		return;
	}
	/* Four NUL-terminated fields, written by keep_recipe(). */
	status = kept + 1;
	reason = next_field(status, end);
	tag = next_field(reason, end);
	extra = next_field(tag, end);
	if (kept[0] != KEPT_RECIPE || extra == NULL ||
	    next_field(extra, end) == NULL)
		return;
	strbuf_reset(&s->scratch_vias);
	strbuf_reset(&s->scratch);
	if (sip_reply_vias(&s->scratch_vias, req) < 0 ||
	    sip_reply_build(&s->scratch, raw, sip_reply_header_block(raw,
	    raw_len), s->scratch_vias.buf, atoi(status),
	    *reason != '\0' ? reason : NULL, *tag != '\0' ? tag : NULL,
	    extra) < 0) {
		log_warnx("sip: cannot answer a retransmission again");
		return;
	}
	sip_transport_send(s->transport, &to, s->scratch.buf, s->scratch.len);
}

/*
 * A request: a retransmission is answered as before (or absorbed while
 * the bridge works on it); a new one becomes a server transaction and goes
 * to the handler. Takes req.
 */
void
sip_txn_request_in(struct sip_stack *s, osip_message_t *req,
    const struct sip_peer *from, const char *raw, size_t raw_len)
{
	int invite = MSG_IS_INVITE(req);
	osip_generic_param_t *to_tag = NULL;
	struct sip_tx *tx;
	char *key = NULL;

	if (MSG_IS_ACK(req)) {
		ack_in(s, req, from);
		return;
	}
	if (from->proto == IPPROTO_UDP &&
	    (key = server_key(req, req->sip_method)) != NULL) {
		const char *rbuf;
		size_t rlen;

		tx = (struct sip_tx *)strmap_find(&s->servers, key);
		if (tx != NULL) {
			/* In progress: the last response again, if any. */
			if (tx->wire != NULL)
				send_wire(tx, &tx->reply_to);
			goto drop;
		}
		if (!invite && sip_completed_get(s->completed, key,
		    sip_now_ms(), &rbuf, &rlen)) {
			/*
			 * Completed (§17.2.2): the final response again, where
			 * this copy asks for it (a NAT may have moved it).
			 */
			answer_again(s, req, from, raw, raw_len, rbuf, rlen);
			goto drop;
		}
	}
	if ((tx = tx_new(s, invite ? SIP_TX_INVITE_SERVER :
	    SIP_TX_SERVER)) == NULL) {
		log_error("sip: out of memory for a transaction");
		goto drop;
	}
	tx->req = req;
	tx->to_tagged = req->to != NULL &&
	    osip_to_get_tag(req->to, &to_tag) == 0 && to_tag != NULL;
	tx->hdr_len = sip_reply_header_block(raw, raw_len);
	if ((tx->hdr = malloc(tx->hdr_len)) != NULL)
		memcpy(tx->hdr, raw, tx->hdr_len);
	tx->peer = *from;
	reply_destination(req, from, &tx->reply_to);
	sip_random_token(tx->to_tag, sizeof(tx->to_tag));
	if (key != NULL && tx_index(tx, key) < 0) {
		/* Cannot happen after the look-up above, bar memory. */
		tx->key = NULL;
		free(key);
	}
	s->handlers.request_cb(s->arg, tx, req);
	return;
drop:
	free(key);
	osip_message_free(req);
}

/* A response: to one of our client transactions (§17.1.3), or astray. */
void
sip_txn_response_in(struct sip_stack *s, osip_message_t *resp,
    const struct sip_peer *from)
{
	osip_via_t *via = osip_list_get(&resp->vias, 0);
	osip_generic_param_t *branch = NULL;
	struct sip_tx *tx = NULL;

	(void)from;
	if (via != NULL && osip_via_param_get_byname(via, "branch",
	    &branch) == 0 && branch != NULL && branch->gvalue != NULL)
		tx = (struct sip_tx *)strmap_find(&s->clients, branch->gvalue);
	if (tx == NULL || tx->cb_done || resp->cseq == NULL ||
	    resp->cseq->method == NULL ||
	    strcmp(resp->cseq->method, tx->method) != 0) {
		log_debug("sip: stray %d response dropped", resp->status_code);
	} else if (resp->status_code >= 200) {
		client_finish(tx, resp->status_code, resp);
	} else if (resp->status_code >= 100 && tx->interval_ms < SIP_T2_MS) {
		/* Proceeding: retransmit every T2 from now on (§17.1.2.2). */
		tx->interval_ms = SIP_T2_MS;
	}
	osip_message_free(resp);
}

/*
 * A 2xx to one of our printed MESSAGEs, matched from its raw bytes
 * (sip_scan.h): the bridge wants nothing from it but its status. 1 if it
 * ended a transaction; 0 if it is for the full parser.
 */
int
sip_txn_response_quick(struct sip_stack *s, const char *buf, size_t len)
{
	struct sip_scan_response r;
	struct sip_tx *tx;

	if (sip_scan_response(buf, len, &r) < 0 || r.status < 200 ||
	    r.status > 299)
		return 0;
	tx = (struct sip_tx *)strmap_find(&s->clients, r.branch);
	if (tx == NULL || !tx->quick || tx->cb_done ||
	    strcmp(r.method, tx->method) != 0)
		return 0;
	client_finish(tx, r.status, NULL);
	return 1;
}

/*
 * Our Via for a request leaving by proto/family, with a fresh branch
 * (RFC 3261 §8.1.1.7, RFC 3581 rport) copied into branch. -1 if we have
 * no listener to send from.
 */
static int
format_via(struct sip_stack *s, int proto, int family, char *via,
    size_t size, char branch[32])
{
	const char *host;
	int port, n;

	if (sip_transport_local(s->transport, proto, family, &host, &port) < 0 &&
	    sip_transport_local(s->transport, proto, AF_UNSPEC, &host,
	    &port) < 0) {
		log_warnx("sip: no %s listener to send from",
		    proto == IPPROTO_TCP ? "tcp" : "udp");
		return -1;
	}
	if (s->cfg->sip_contact_host != NULL && s->cfg->sip_contact_host[0])
		host = s->cfg->sip_contact_host;
	memcpy(branch, "z9hG4bK", 7);
	sip_random_token(branch + 7, 25);
	n = snprintf(via, size, "SIP/2.0/%s %s%s%s:%d;branch=%s;rport",
	    proto == IPPROTO_TCP ? "TCP" : "UDP",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port, branch);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Starts a client transaction for the request in wire (taken), whose
 * top Via has branch. 0: cb runs exactly once, from a later loop turn.
 * -1: nothing was sent, cb never runs.
 */
static int
client_launch(struct sip_stack *s, const struct sip_peer *hop,
    const char *method, char *wire, size_t len, const char *branch,
    sip_response_cb cb, void *arg, struct sip_tx **out)
{
	struct sip_tx *tx;
	char *key;

	if (strlen(method) >= sizeof(tx->method) ||
	    (key = strdup(branch)) == NULL) {
		free(wire);
		return -1;
	}
	if ((tx = tx_new(s, SIP_TX_CLIENT)) == NULL) {
		free(key);
		free(wire);
		return -1;
	}
	strcpy(tx->method, method);
	tx->peer = *hop;
	tx->cb = cb;
	tx->cb_arg = arg;
	if (out != NULL)
		*out = tx;
	if (tx_index(tx, key) < 0) {
		/* 100 random bits collided, or no memory: fail from the loop. */
		free(wire);
		tx_arm(tx, 0);
		return 0;
	}
	tx->deadline_ms = sip_now_ms() + TIMER_F_MS;
	tx->interval_ms = SIP_T1_MS;
	if (sip_transport_send(s->transport, hop, wire, len) < 0) {
		log_warnx("sip: cannot send a %s request", tx->method);
		free(wire);
		tx_arm(tx, 0);			/* 503 from the loop */
		return 0;
	}
	tx->wire = wire;
	tx->wire_len = len;
	tx_arm(tx, hop->proto == IPPROTO_UDP ? SIP_T1_MS : TIMER_F_MS);
	return 0;
}

/* Sends req (taken) to hop as a new client transaction; as client_launch(). */
int
sip_txn_client_start(struct sip_stack *s, osip_message_t *req,
    const struct sip_peer *hop, sip_response_cb cb, void *arg)
{
	char via[300], branch[32], method[24], *buf = NULL;
	size_t len = 0;

	if (format_via(s, hop->proto, hop->addr.ss_family, via, sizeof(via),
	    branch) < 0 || osip_message_set_via(req, via) != 0 ||
	    req->cseq == NULL || req->cseq->method == NULL ||
	    strlen(req->cseq->method) >= sizeof(method)) {
		osip_message_free(req);
		return -1;
	}
	/* A route set of its own (in-dialog) replaces the proxy's. */
	if (s->have_proxy && s->proxy_route != NULL &&
	    osip_list_size(&req->routes) <= 0)
		osip_message_set_route(req, s->proxy_route);
	strcpy(method, req->cseq->method);
	if (osip_message_to_str(req, &buf, &len) != 0) {
		osip_message_free(req);
		return -1;
	}
	osip_message_free(req);
	return client_launch(s, hop, method, buf, len, branch, cb, arg, NULL);
}

/*
 * Sends a request we printed ourselves to hop (the outbound proxy): the
 * request line, our Via, the proxy's Route, then rest, which holds every
 * other header (its CSeq naming method), the empty line and the body.
 */
int
sip_txn_client_start_text(struct sip_stack *s, const struct sip_peer *hop,
    const char *method, const char *ruri, const char *rest, size_t rest_len,
    sip_response_cb cb, void *arg)
{
	char via[300], branch[32], *wire;
	struct sip_tx *tx = NULL;
	size_t len;
	int n;

	if (format_via(s, hop->proto, hop->addr.ss_family, via, sizeof(via),
	    branch) < 0)
		return -1;
	len = strlen(method) + strlen(ruri) + strlen(via) + rest_len + 64 +
	    (s->proxy_route != NULL ? strlen(s->proxy_route) : 0);
	if ((wire = malloc(len)) == NULL)
		return -1;
	n = snprintf(wire, len, "%s %s SIP/2.0\r\nVia: %s\r\n%s%s%s",
	    method, ruri, via, s->proxy_route != NULL ? "Route: " : "",
	    s->proxy_route != NULL ? s->proxy_route : "",
	    s->proxy_route != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n + rest_len > len) {
		free(wire);
		return -1;
	}
	memcpy(wire + n, rest, rest_len);
	if (client_launch(s, hop, method, wire, (size_t)n + rest_len, branch,
	    cb, arg, &tx) < 0)
		return -1;
	tx->quick = 1;
	return 0;
}

/* The request a server transaction is about; NULL once forgotten. */
const osip_message_t *
sip_tx_request(const struct sip_tx *tx)
{
	return tx->req;
}

/*
 * The handler has read what it needs from the request while the answer
 * waits (a MESSAGE waits for the XMPP side): free the parsed request now,
 * in the turn it was made, keeping only what sip_respond_lines() copies.
 * Long-lived parsed requests, a hundred small blocks each, were what made
 * malloc slow under load. Kept when libosip2 would have to build the
 * answer (the header block is not one we copy from).
 */
void
sip_tx_forget_request(struct sip_tx *tx)
{
	struct strbuf sb;

	if (tx->req == NULL || tx->hdr == NULL ||
	    !sip_reply_can_copy(tx->hdr, tx->hdr_len))
		return;
	strbuf_init(&sb);
	if (sip_reply_vias(&sb, tx->req) < 0) {
		strbuf_free(&sb);
		return;
	}
	tx->vias = sb.buf;
	osip_message_free(tx->req);
	tx->req = NULL;
}

/* Whether the request came over a stream (no 1300-byte concern). */
int
sip_tx_is_reliable(const struct sip_tx *tx)
{
	return tx->peer.proto == IPPROTO_TCP;
}

/* The To-tag our responses on this server transaction carry. */
const char *
sip_tx_to_tag(const struct sip_tx *tx)
{
	return tx->to_tag;
}

/* Builds a response carrying this transaction's To-tag. */
osip_message_t *
sip_tx_response(const struct sip_tx *tx, int status, const char *reason)
{
	if (tx->req == NULL)
		return NULL;
	return sip_response_new(tx->req, status, reason, tx->to_tag);
}

/* Puts a final answer in the completed cache, as a recipe if there is one. */
static int
keep_answer(struct sip_stack *s, const char *key, const char *buf, size_t len,
    const struct strbuf *recipe)
{
	char *whole;
	int r;

	if (recipe != NULL)
		return sip_completed_put(s->completed, key, recipe->buf,
		    recipe->len, sip_now_ms());
	if ((whole = malloc(len + 1)) == NULL)
		return -1;
	whole[0] = KEPT_RESPONSE;
	memcpy(whole + 1, buf, len);
	r = sip_completed_put(s->completed, key, whole, len + 1, sip_now_ms());
	free(whole);
	return r;
}

/* A final response sent: what the transaction still has to do. */
static void
server_completed(struct sip_tx *tx, const char *buf, size_t len,
    const struct strbuf *recipe)
{
	struct sip_stack *s = tx->stack;
	char *copy;

	tx->responded = 1;
	if (tx->kind == SIP_TX_INVITE_SERVER && tx->keyed &&
	    (copy = malloc(len)) != NULL) {
		/* Our INVITE answers are refusals: retransmit until ACK. */
		memcpy(copy, buf, len);
		free(tx->wire);
		tx->wire = copy;
		tx->wire_len = len;
		tx->deadline_ms = sip_now_ms() + TIMER_F_MS;
		tx->interval_ms = SIP_T1_MS;
		osip_message_free(tx->req);
		tx->req = NULL;
		tx_arm(tx, SIP_T1_MS);
		return;
	}
	if (tx->keyed && tx->kind == SIP_TX_SERVER &&
	    keep_answer(s, tx->key, buf, len, recipe) < 0)
		log_warnx("sip: no memory to keep a response for "
		    "retransmissions");
	tx_kill(tx);
}

/* Sends a response's bytes and moves the transaction on. */
static int
respond_bytes(struct sip_tx *tx, const char *buf, size_t len, int status,
    const struct strbuf *recipe)
{
	int r = sip_transport_send(tx->stack->transport, &tx->reply_to, buf,
	    len);
	char *copy;

	if (status >= 200)
		server_completed(tx, buf, len, recipe);
	else if ((copy = malloc(len)) != NULL) {
		/* A provisional answers retransmissions until the final one. */
		memcpy(copy, buf, len);
		free(tx->wire);
		tx->wire = copy;
		tx->wire_len = len;
	}
	return r;
}

/* Writes how answer_again() rebuilds this answer. */
static void
keep_recipe(struct strbuf *sb, int status, const char *reason,
    const char *tag, const char *extra)
{
	char code[4] = { (char)('0' + status / 100),
	    (char)('0' + status / 10 % 10), (char)('0' + status % 10), '\0' };
	char kind = KEPT_RECIPE;

	strbuf_reset(sb);
	strbuf_append(sb, &kind, 1);
	strbuf_append(sb, code, 4);
	strbuf_append(sb, reason != NULL ? reason : "",
	    (reason != NULL ? strlen(reason) : 0) + 1);
	strbuf_append(sb, tag, strlen(tag) + 1);
	strbuf_append(sb, extra != NULL ? extra : "",
	    (extra != NULL ? strlen(extra) : 0) + 1);
}

/* Whether a server transaction may still answer with status. */
static int
may_answer(const struct sip_tx *tx, int status)
{
	return !tx->responded && !tx->dead && tx->kind != SIP_TX_CLIENT &&
	    !(tx->kind == SIP_TX_INVITE_SERVER && status >= 200 &&
	    status < 300);
}

/* Sends a response built by sip_response_new(); takes ownership. */
int
sip_respond(struct sip_stack *s, struct sip_tx *tx, osip_message_t *resp)
{
	char *buf = NULL;
	size_t len = 0;
	int r, status = resp->status_code;

	(void)s;
	if (!may_answer(tx, status) ||
	    osip_message_to_str(resp, &buf, &len) != 0) {
		osip_message_free(resp);
		return -1;
	}
	osip_message_free(resp);
	r = respond_bytes(tx, buf, len, status, NULL);
	osip_free(buf);
	return r;
}

/*
 * Answers with status and reason (NULL: the usual one) and extra header
 * lines ("Name: value\r\n" each, or NULL), copying the request's own
 * From, To, Call-ID and CSeq lines (sip_reply.h).
 */
int
sip_respond_lines(struct sip_stack *s, struct sip_tx *tx, int status,
    const char *reason, const char *extra)
{
	osip_message_t *resp;

	const char *vias = tx->vias;

	if (!may_answer(tx, status))
		return -1;
	if (vias == NULL && tx->req != NULL) {
		strbuf_reset(&s->scratch_vias);
		if (sip_reply_vias(&s->scratch_vias, tx->req) == 0)
			vias = s->scratch_vias.buf;
	}
	strbuf_reset(&s->scratch);
	if (tx->hdr != NULL && sip_reply_build(&s->scratch, tx->hdr,
	    tx->hdr_len, vias, status, reason,
	    tx->to_tagged ? NULL : tx->to_tag, extra) == 0) {
		keep_recipe(&s->scratch_recipe, status, reason,
		    tx->to_tagged ? "" : tx->to_tag, extra);
		return respond_bytes(tx, s->scratch.buf, s->scratch.len,
		    status, s->scratch_recipe.failed ? NULL :
		    &s->scratch_recipe);
	}
	/* A header block our scanner does not follow: libosip2 does it. */
	if ((resp = sip_tx_response(tx, status, reason)) == NULL)
		return -1;
	while (extra != NULL && *extra != '\0') {
		const char *eol = strstr(extra, "\r\n"), *colon;
		char name[64], value[1200];

		if (eol == NULL)
			break;
		colon = memchr(extra, ':', (size_t)(eol - extra));
		if (colon != NULL && (size_t)(colon - extra) < sizeof(name) &&
		    (size_t)(eol - colon) < sizeof(value)) {
			memcpy(name, extra, (size_t)(colon - extra));
			name[colon - extra] = '\0';
			colon++;
			while (*colon == ' ')
				colon++;
			memcpy(value, colon, (size_t)(eol - colon));
			value[eol - colon] = '\0';
			sip_message_add_header(resp, name, value);
		}
		extra = eol + 2;
	}
	return sip_respond(s, tx, resp);
}

/* Answers with a bare status line. */
int
sip_respond_status(struct sip_stack *s, struct sip_tx *tx, int status,
    const char *reason)
{
	return sip_respond_lines(s, tx, status, reason, NULL);
}
