/*
 * Client transactions (RFC 3261 §17.1.2): a request as sent, retransmitted
 * over UDP on Timer E until an answer or Timer F, matched by the branch of
 * the Via we added.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_scan.h"
#include "sip_stack_int.h"

/* Timers E and F of a client transaction; left: ms to Timer F. */
void
sip_txn_client_timer(struct sip_tx *tx, long long left)
{
	/*
	 * The first send failed, or the connection it went on closed before
	 * the answer (sip_txn_conn.c): RFC 3261 §17.1.4, a transport error
	 * is a 503 for the TU, now rather than at Timer F.
	 */
	if (tx->wire == NULL || tx->transport_failed) {
		sip_txn_client_finish(tx, 503, NULL);
		return;
	}
	/*
	 * libevent's coarse clock may wake us a few ms before the deadline
	 * our fine one reads: a timer armed for Timer F is Timer F, never
	 * one more Timer E copy (RFC 3261 §17.1.2.2).
	 */
	if (left <= 0 || tx->at_deadline) {
		sip_txn_client_finish(tx, 408, NULL);	/* Timer F */
		return;
	}
	if (tx->peer.proto == IPPROTO_UDP) {	/* Timer E */
		sip_txn_send_wire(tx, &tx->peer);
		tx->interval_ms = tx->interval_ms * 2 < SIP_T2_MS ?
		    tx->interval_ms * 2 : SIP_T2_MS;
	}
	tx->at_deadline = tx->interval_ms >= left;
	sip_txn_arm(tx, tx->interval_ms < left ? tx->interval_ms : left);
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
		log_trace(TRACE_SIP, "stray %d response dropped",
		    resp->status_code);
	} else if (resp->status_code >= 200) {
		sip_txn_client_finish(tx, resp->status_code, resp);
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
	sip_txn_client_finish(tx, r.status, NULL);
	return 1;
}

/* Writes 0..65535 in decimal at p; returns its length. */
static size_t
put_decimal(char *p, int v)
{
	char digits[5];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < sizeof(digits));
	for (size_t i = 0; i < n; i++)
		p[i] = digits[n - 1 - i];
	return n;
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
	char *p = via;
	size_t n;
	int port, ipv6;

	if (sip_stack_local(s, proto, family, &host, &port) < 0 &&
	    sip_stack_local(s, proto, AF_UNSPEC, &host, &port) < 0) {
		log_warnx("sip: no %s listener to send from",
		    proto == SIP_PROTO_TLS ? "tls" :
		    proto == IPPROTO_TCP ? "tcp" : "udp");
		return -1;
	}
	if (s->cfg->sip_contact_host != NULL && s->cfg->sip_contact_host[0])
		host = s->cfg->sip_contact_host;
	memcpy(branch, "z9hG4bK", 7);
	sip_random_token(branch + 7, 25);
	/* Printed by hand: snprintf was a tenth of an XMPP → SIP message. */
	ipv6 = strchr(host, ':') != NULL;
	n = strlen(host);
	if (size < n + 80 || port < 0 || port > 65535)
		return -1;
	/* RFC 3261 §26.2.1: TLS over TCP is "TLS" in Via. */
	memcpy(p, proto == SIP_PROTO_TLS ? "SIP/2.0/TLS " :
	    proto == IPPROTO_TCP ? "SIP/2.0/TCP " : "SIP/2.0/UDP ", 12);
	p += 12;
	if (ipv6)
		*p++ = '[';
	memcpy(p, host, n);
	p += n;
	if (ipv6)
		*p++ = ']';
	*p++ = ':';
	p += put_decimal(p, port);
	memcpy(p, ";branch=", 8);
	p += 8;
	memcpy(p, branch, 32);		/* with its NUL */
	p += 31;
	memcpy(p, ";rport", 7);
	return 0;
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
	uint64_t conn_id = 0;
	char *key;

	if (strlen(method) >= sizeof(tx->method) ||
	    (key = strdup(branch)) == NULL) {
		free(wire);
		return -1;
	}
	if ((tx = sip_txn_new(s, SIP_TX_CLIENT)) == NULL) {
		free(key);
		free(wire);
		return -1;
	}
	strcpy(tx->method, method);
	tx->peer = *hop;
	/* The name outlives the caller's peer: the transaction's own copy. */
	if (hop->name != NULL && hop->name[0] != '\0' &&
	    (tx->peer.name = tx->hop_name = strdup(hop->name)) == NULL) {
		sip_txn_kill(tx);
		free(key);
		free(wire);
		return -1;
	}
	tx->cb = cb;
	tx->cb_arg = arg;
	if (out != NULL)
		*out = tx;
	if (sip_txn_index(tx, key) < 0) {
		/* 96 random bits collided, or no memory: fail from the loop. */
		free(wire);
		sip_txn_arm(tx, 0);
		return 0;
	}
	tx->deadline_ms = sip_now_ms() + SIP_TIMER_F_MS(s);
	tx->interval_ms = SIP_T1_MS(s);
	if (sip_stack_send_conn(s, hop, wire, len, &conn_id) < 0) {
		log_warnx("sip: cannot send a %s request", tx->method);
		free(wire);
		sip_txn_arm(tx, 0);			/* 503 from the loop */
		return 0;
	}
	/* Over TCP/TLS: if that connection closes first, 503 at once. */
	if (conn_id != 0) {
		tx->peer.conn_id = conn_id;
		if (sip_txn_conn_attach(tx, conn_id) < 0)
			log_warnx_limited("sip: no memory to watch connection "
			    "%llu for a %s request: Timer F will end it",
			    (unsigned long long)conn_id, tx->method);
	}
	tx->wire = wire;
	tx->wire_len = len;
	sip_txn_arm(tx, hop->proto == IPPROTO_UDP ? SIP_T1_MS(s) :
	    SIP_TIMER_F_MS(s));
	return 0;
}

/* Whether a Route names our outbound proxy (host and port as configured). */
static int
route_is_proxy(const struct sip_stack *s, const osip_route_t *r)
{
	int port;

	if (r == NULL || r->url == NULL || r->url->host == NULL ||
	    s->proxy_host == NULL)
		return 0;
	port = r->url->port != NULL ? atoi(r->url->port) : 5060;
	return port == s->proxy_port &&
	    osip_strcasecmp(r->url->host, s->proxy_host) == 0;
}

/* Puts route (text) first in req's route set. */
static int
prepend_route(osip_message_t *req, const char *route)
{
	osip_route_t *r = NULL;

	if (osip_route_init(&r) != 0)
		return -1;
	if (osip_route_parse(r, route) != 0 ||
	    osip_list_add(&req->routes, r, 0) < 0) {
		osip_route_free(r);
		return -1;
	}
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
	/* RFC 3261 §8.1.2: the outbound proxy heads the route set, an
	 * in-dialog one included, unless the dialog's set starts with it
	 * already (it Record-Routed). */
	if (s->have_proxy && s->proxy_route != NULL &&
	    !route_is_proxy(s, osip_list_get(&req->routes, 0)) &&
	    prepend_route(req, s->proxy_route) < 0) {
		osip_message_free(req);
		return -1;
	}
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
	char via[300], branch[32], *wire, *p;
	struct sip_tx *tx = NULL;
	size_t method_len = strlen(method), ruri_len = strlen(ruri);
	size_t via_len, route_len;

	if (format_via(s, hop->proto, hop->addr.ss_family, via, sizeof(via),
	    branch) < 0)
		return -1;
	via_len = strlen(via);
	route_len = s->proxy_route != NULL ? strlen(s->proxy_route) : 0;
	if ((wire = malloc(method_len + ruri_len + via_len + route_len +
	    rest_len + 40)) == NULL)
		return -1;
	/* "method ruri SIP/2.0", our Via, the proxy's Route, then rest. */
	p = wire;
	memcpy(p, method, method_len);
	p += method_len;
	*p++ = ' ';
	memcpy(p, ruri, ruri_len);
	p += ruri_len;
	memcpy(p, " SIP/2.0\r\nVia: ", 15);
	p += 15;
	memcpy(p, via, via_len);
	p += via_len;
	memcpy(p, "\r\n", 2);
	p += 2;
	if (s->proxy_route != NULL) {
		memcpy(p, "Route: ", 7);
		p += 7;
		memcpy(p, s->proxy_route, route_len);
		p += route_len;
		memcpy(p, "\r\n", 2);
		p += 2;
	}
	memcpy(p, rest, rest_len);
	p += rest_len;
	if (client_launch(s, hop, method, wire, (size_t)(p - wire), branch,
	    cb, arg, &tx) < 0)
		return -1;
	tx->quick = 1;
	return 0;
}

