/*
 * Server transactions (RFC 3261 §17.2): a request until the bridge answers
 * it; then, over UDP, its answer in the completed cache (non-INVITE) or
 * retransmitted until the ACK (INVITE, always refused). Responses are
 * built from the request's own lines where possible (sip_reply.c).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_completed.h"
#include "sip_reply.h"
#include "sip_request_scan.h"
#include "sip_stack_int.h"

/*
 * Where responses to a request go (RFC 3261 §18.2.2, RFC 3581): over TCP
 * or TLS back on its connection (conn_id), and should that be gone, to a
 * new one at the address it came from and the Via's sent-by port (the
 * source port of a connection is no listener); over UDP to the address
 * it came from, at the port it came from if its top Via asked so with
 * rport, else at the sent-by port. port is the sent-by port, 0 when the
 * Via names none: the transport's default then (5060, 5061 for TLS).
 */
static void
reply_destination(const struct sip_peer *from, int rport, int port,
    struct sip_peer *to)
{
	*to = *from;
	if (port == 0)
		port = from->proto == SIP_PROTO_TLS ? 5061 : 5060;
	if ((from->proto == IPPROTO_UDP && rport) || port <= 0 ||
	    port > 65535)
		return;
	if (to->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&to->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&to->addr)->sin6_port = htons(port);
}

/* reply_destination() for a request libosip2 parsed. */
static void
reply_destination_parsed(const osip_message_t *req,
    const struct sip_peer *from, struct sip_peer *to)
{
	osip_via_t *via = osip_list_get(&req->vias, 0);
	osip_generic_param_t *rport = NULL;

	if (via == NULL) {
		*to = *from;
		return;
	}
	reply_destination(from, osip_via_param_get_byname(via, "rport",
	    &rport) == 0 && rport != NULL,
	    via->port != NULL ? atoi(via->port) : 0, to);
}

/* reply_destination() for a request sip_request_scan() read. */
static void
reply_destination_scanned(const struct sip_request_scan *scan,
    const struct sip_peer *from, struct sip_peer *to)
{
	int port = 0;

	/* At most five digits: the scan checked. */
	for (size_t i = 0; scan->via_port.p != NULL && i < scan->via_port.n;
	    i++)
		port = port * 10 + (scan->via_port.p[i] - '0');
	reply_destination(from, scan->via_rport.p != NULL, port, to);
}

/* The Via lines of a response to a request, parsed or scanned. */
static int
request_vias(struct strbuf *out, const osip_message_t *req,
    const struct sip_request_scan *scan, const struct sip_peer *from)
{
	char host[64];
	int port;

	if (req != NULL)
		return sip_reply_vias(out, req);
	port = sip_peer_host(from, host, sizeof(host));
	return sip_request_scan_vias(scan, host, port, out);
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
		sip_txn_arm(tx, SIP_T4_MS);		/* Timer I */
	} else if (tx == NULL)
		log_trace(TRACE_SIP, "stray ACK dropped");
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
answer_again(struct sip_stack *s, const struct sip_peer *to,
    const char *vias, const char *raw, size_t raw_len, const char *kept,
    size_t len)
{
	const char *status, *reason, *tag, *extra, *end = kept + len;

	if (len > 1 && kept[0] == KEPT_RESPONSE) {
		sip_stack_send(s, to, kept + 1, len - 1);
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
	strbuf_reset(&s->scratch);
	if (vias == NULL || sip_reply_build(&s->scratch, raw,
	    sip_reply_header_block(raw, raw_len), vias, atoi(status),
	    *reason != '\0' ? reason : NULL, *tag != '\0' ? tag : NULL,
	    extra) < 0) {
		log_warnx("sip: cannot answer a retransmission again");
		return;
	}
	sip_stack_send(s, to, s->scratch.buf, s->scratch.len);
}

/*
 * Whether the request with key was seen before: then it is answered as
 * before, or absorbed while the bridge works on it (§17.2.1, §17.2.2).
 */
static int
seen_before(struct sip_stack *s, const char *key, int invite,
    const osip_message_t *req, const struct sip_request_scan *scan,
    const struct sip_peer *from, const struct sip_peer *reply_to,
    const char *raw, size_t raw_len)
{
	struct sip_tx *tx = (struct sip_tx *)strmap_find(&s->servers, key);
	const char *rbuf;
	size_t rlen;

	if (tx != NULL) {
		/* In progress: the last response again, if any. */
		if (tx->wire != NULL)
			sip_txn_send_wire(tx, &tx->reply_to);
		return 1;
	}
	if (invite || !sip_completed_get(s->completed, key, sip_now_ms(),
	    &rbuf, &rlen))
		return 0;
	/*
	 * Completed: the final response again, where this copy asks for it
	 * (a NAT may have moved it).
	 */
	strbuf_reset(&s->scratch_vias);
	answer_again(s, reply_to, request_vias(&s->scratch_vias, req, scan,
	    from) == 0 ? s->scratch_vias.buf : NULL, raw, raw_len, rbuf, rlen);
	return 1;
}

/*
 * A server transaction for a new request, indexed by key (taken; NULL
 * over streams), with a copy of its header block (raw's first hdr_len
 * bytes) to answer from.
 */
static struct sip_tx *
server_open(struct sip_stack *s, int invite, char *key,
    const struct sip_peer *from, const struct sip_peer *reply_to,
    int to_tagged, const char *raw, size_t hdr_len)
{
	struct sip_tx *tx;

	if ((tx = sip_txn_new(s, invite ? SIP_TX_INVITE_SERVER :
	    SIP_TX_SERVER)) == NULL) {
		log_error("sip: out of memory for a transaction");
		free(key);
		return NULL;
	}
	tx->to_tagged = to_tagged;
	tx->hdr_len = hdr_len;
	if ((tx->hdr = malloc(tx->hdr_len)) != NULL)
		memcpy(tx->hdr, raw, tx->hdr_len);
	tx->peer = *from;
	tx->trusted = sip_stack_trusts(s, from);
	tx->reply_to = *reply_to;
	/* Borrowed from the connection, which may go first: answers go to
	 * the connection by its id, or to the address (§18.2.2). */
	tx->peer.name = tx->reply_to.name = NULL;
	sip_random_token(tx->to_tag, sizeof(tx->to_tag));
	if (key != NULL && sip_txn_index(tx, key) < 0) {
		/* Cannot happen after seen_before(), bar memory. */
		tx->key = NULL;
		free(key);
	}
	return tx;
}

/*
 * A MESSAGE handed to the bridge as its fields. It has read what it needs
 * when this returns; what it answers later comes from the header block:
 * libosip2's model of the request goes now, in the turn it was made
 * (long-lived, its hundred small blocks made malloc slow under load).
 */
static void
message_to_bridge(struct sip_stack *s, struct sip_tx *tx,
    struct sip_message_fields *fields)
{
	/* Its sender, as the trust of its source lets us name it. */
	sip_message_fields_trust(fields, tx->trusted);
	s->handlers.message_cb(s->arg, tx, fields);
	if (!tx->responded && !tx->dead)
		sip_tx_forget_request(tx);
}

/* A plain MESSAGE read by sip_request_scan(): no libosip2 model at all. */
void
sip_txn_message_in(struct sip_stack *s, const struct sip_request_scan *scan,
    const struct sip_peer *from, const char *raw, size_t raw_len)
{
	char buf[SIP_COMPLETED_KEY_MAX], *key = NULL;
	struct sip_message_fields fields;
	struct sip_peer reply_to;
	struct strbuf vias;
	struct sip_tx *tx;

	reply_destination_scanned(scan, from, &reply_to);
	if (from->proto == IPPROTO_UDP &&
	    sip_request_scan_key(scan, buf, sizeof(buf)) == 0) {
		if (seen_before(s, buf, 0, NULL, scan, from, &reply_to, raw,
		    raw_len))
			return;
		key = strdup(buf);
	}
	if ((tx = server_open(s, 0, key, from, &reply_to, scan->to_tagged,
	    raw, (size_t)(scan->body.p - raw))) == NULL)
		return;
	strbuf_init(&vias);
	if (request_vias(&vias, NULL, scan, from) == 0)
		tx->vias = vias.buf;
	else
		strbuf_free(&vias);
	if (tx->vias == NULL) {
		/* Nothing to answer with: a UDP sender will retransmit. */
		log_error("sip: out of memory for a MESSAGE");
		sip_txn_kill(tx);
		return;
	}
	if (sip_message_fields_from_scan(scan, &s->scratch_fields,
	    &fields) < 0) {
		log_error("sip: out of memory for a MESSAGE");
		sip_respond_status(s, tx, 500, NULL);
		return;
	}
	message_to_bridge(s, tx, &fields);
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
	struct sip_message_fields fields;
	struct sip_peer reply_to;
	struct sip_tx *tx;
	char *key = NULL;

	if (MSG_IS_ACK(req)) {
		ack_in(s, req, from);
		return;
	}
	reply_destination_parsed(req, from, &reply_to);
	if (from->proto == IPPROTO_UDP &&
	    (key = server_key(req, req->sip_method)) != NULL &&
	    seen_before(s, key, invite, req, NULL, from, &reply_to, raw,
	    raw_len)) {
		free(key);
		osip_message_free(req);
		return;
	}
	if ((tx = server_open(s, invite, key, from, &reply_to,
	    req->to != NULL && osip_to_get_tag(req->to, &to_tag) == 0 &&
	    to_tag != NULL, raw, sip_reply_header_block(raw, raw_len))) ==
	    NULL) {
		osip_message_free(req);
		return;
	}
	tx->req = req;
	tx->req_handle.osip = req;
	if (!MSG_IS_MESSAGE(req)) {
		s->handlers.request_cb(s->arg, tx, &tx->req_handle);
		return;
	}
	if (sip_message_fields_from_osip(req, &s->scratch_fields,
	    &fields) < 0) {
		log_error("sip: out of memory for a MESSAGE");
		sip_respond_status(s, tx, 500, NULL);
		return;
	}
	message_to_bridge(s, tx, &fields);
}

/* Timers G, H and I of an INVITE refused over UDP; left: ms to Timer H. */
void
sip_txn_invite_timer(struct sip_tx *tx, long long left)
{
	if (tx->acked || left <= 0 || tx->at_deadline) {	/* as Timer F */
		if (!tx->acked)
			log_info_limited("sip: no ACK for our INVITE refusal "
			    "within 32 s");
		sip_txn_kill(tx);		/* Timer I or H */
		return;
	}
	sip_txn_send_wire(tx, &tx->reply_to);	/* Timer G */
	tx->interval_ms = tx->interval_ms * 2 < SIP_T2_MS ?
	    tx->interval_ms * 2 : SIP_T2_MS;
	tx->at_deadline = tx->interval_ms >= left;
	sip_txn_arm(tx, tx->interval_ms < left ? tx->interval_ms : left);
}

/* The request a server transaction is about; NULL once forgotten. */
const struct sip_msg *
sip_tx_request(const struct sip_tx *tx)
{
	return tx->req != NULL ? &tx->req_handle : NULL;
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

/* Whether the request came over a stream, TCP or TLS (no 1300-byte
 * concern). */
int
sip_tx_is_reliable(const struct sip_tx *tx)
{
	return SIP_PROTO_IS_STREAM(tx->peer.proto);
}

/* The To-tag our responses on this server transaction carry. */
const char *
sip_tx_to_tag(const struct sip_tx *tx)
{
	return tx->to_tag;
}

/* Builds a response carrying this transaction's To-tag. */
struct sip_msg *
sip_tx_response(const struct sip_tx *tx, int status, const char *reason)
{
	if (tx->req == NULL)
		return NULL;
	return sip_msg_wrap(sip_response_new(tx->req, status, reason,
	    tx->to_tag));
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
	    s->n_refusals < SIP_REFUSALS_MAX && (copy = malloc(len)) != NULL) {
		/* Our INVITE answers are refusals: retransmit until ACK. */
		s->n_refusals++;
		tx->refusal_kept = 1;
		memcpy(copy, buf, len);
		free(tx->wire);
		tx->wire = copy;
		tx->wire_len = len;
		tx->deadline_ms = sip_now_ms() + SIP_TIMER_F_MS(s);
		tx->interval_ms = SIP_T1_MS(s);
		osip_message_free(tx->req);
		tx->req = NULL;
		sip_txn_arm(tx, SIP_T1_MS(s));
		return;
	}
	if (tx->keyed && tx->kind == SIP_TX_SERVER &&
	    keep_answer(s, tx->key, buf, len, recipe) < 0)
		log_warnx("sip: no memory to keep a response for "
		    "retransmissions");
	sip_txn_kill(tx);
}

/* Sends a response's bytes and moves the transaction on. */
static int
respond_bytes(struct sip_tx *tx, const char *buf, size_t len, int status,
    const struct strbuf *recipe)
{
	int r = sip_stack_send(tx->stack, &tx->reply_to, buf, len);
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

/* Sends a response begun by sip_tx_response(); takes ownership. */
int
sip_respond(struct sip_stack *s, struct sip_tx *tx, struct sip_msg *m)
{
	osip_message_t *resp = sip_msg_unwrap(m);
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
	struct sip_msg *resp;
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
			sip_msg_add_header(resp, name, value);
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
