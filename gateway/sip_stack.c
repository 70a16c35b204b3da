/*
 * The SIP stack: libosip2 transactions driven by libevent.
 *
 * Every input (a message from the transport, a timer, a response from a
 * bridge) ends in drain(): the osip timers and the four FSM queues run
 * until no callback added new work. Transactions libosip2 kills are freed
 * after that loop, never inside its callbacks. One libevent timer is
 * re-armed from osip_timers_gettimeout().
 */
#include <sys/queue.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <osip2/osip.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_completed.h"
#include "sip_frame.h"
#include "sip_stack.h"
#include "sip_transport.h"

#define DRAIN_MAX_ROUNDS 32
#define TIMER_CAP_MS 1000

struct sip_tx {
	TAILQ_ENTRY(sip_tx) entry;	/* live list */
	TAILQ_ENTRY(sip_tx) dead_entry;
	struct sip_stack *stack;
	osip_transaction_t *tr;
	struct sip_peer peer;	/* request source, or our next hop */
	int server;
	int responded;		/* server: final response handed to osip */
	int dead;
	sip_response_cb cb;	/* client: called exactly once */
	void *cb_arg;
	int cb_done;
	char to_tag[17];
	char *completed_key;	/* server, UDP: where its final response is kept */
};

/* A request waiting for its next hop's address to resolve. */
struct pending_send {
	struct sip_stack *stack;
	osip_message_t *req;
	sip_response_cb cb;
	void *arg;
	int proto;
};

struct sip_stack {
	struct event_base *base;
	const struct config *cfg;
	struct sip_stack_handlers handlers;
	void *arg;
	osip_t *osip;
	struct sip_transport *transport;
	struct evdns_base *dns;
	struct event *timer;
	struct event *drain_ev;
	int draining;
	unsigned long events_added;
	TAILQ_HEAD(, sip_tx) live;
	TAILQ_HEAD(, sip_tx) dead;
	size_t n_live;
	/* Outbound proxy, resolved at start. */
	int have_proxy;
	struct sip_peer proxy;
	char *proxy_route;
	struct sip_completed *completed;	/* answers to retransmissions */
};

static void drain(struct sip_stack *s);

/* Monotonic milliseconds, for the completed-transaction cache. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static void fail_later(struct sip_stack *s, sip_response_cb cb, void *arg,
    int status);

/* Queues an event on a transaction and makes sure drain() will run. */
static int
tx_add_event(struct sip_tx *tx, osip_event_t *evt)
{
	struct sip_stack *s = tx->stack;

	if (osip_transaction_add_event(tx->tr, evt) != 0) {
		osip_event_free(evt);
		return -1;
	}
	s->events_added++;
	if (!s->draining)
		event_active(s->drain_ev, EV_TIMEOUT, 0);
	return 0;
}

/* Creates our context for an osip transaction. */
static struct sip_tx *
tx_new(struct sip_stack *s, osip_transaction_t *tr, int server)
{
	struct sip_tx *tx = calloc(1, sizeof(*tx));

	if (tx == NULL)
		return NULL;
	tx->stack = s;
	tx->tr = tr;
	tx->server = server;
	sip_random_token(tx->to_tag, sizeof(tx->to_tag));
	osip_transaction_set_your_instance(tr, tx);
	TAILQ_INSERT_TAIL(&s->live, tx, entry);
	s->n_live++;
	return tx;
}

/* Reports a client transaction's outcome, once. */
static void
tx_finish(struct sip_tx *tx, int status, const osip_message_t *resp)
{
	if (tx->cb_done || tx->server)
		return;
	tx->cb_done = 1;
	if (tx->cb != NULL)
		tx->cb(tx->cb_arg, status, resp);
}

/* Frees a transaction and our context. */
static void
tx_free(struct sip_tx *tx)
{
	struct sip_stack *s = tx->stack;

	TAILQ_REMOVE(&s->live, tx, entry);
	s->n_live--;
	osip_transaction_free(tx->tr);
	free(tx->completed_key);
	free(tx);
}

/* libosip2: a transaction reached TERMINATED; free it after the drain. */
static void
kill_cb(int type, osip_transaction_t *tr)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);

	(void)type;
	if (tx == NULL || tx->dead)
		return;
	tx->dead = 1;
	TAILQ_INSERT_TAIL(&tx->stack->dead, tx, dead_entry);
}

/* libosip2: a new request arrived on a server transaction. */
static void
request_received_cb(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);

	(void)type;
	if (tx == NULL)
		return;
	tx->stack->handlers.request_cb(tx->stack->arg, tx, msg);
}

/* libosip2: a final response to one of our requests. */
static void
response_received_cb(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);

	(void)type;
	if (tx != NULL && msg != NULL && msg->status_code >= 200)
		tx_finish(tx, msg->status_code, msg);
}

/* libosip2: Timer F fired. */
static void
timeout_cb(int type, osip_transaction_t *tr, osip_message_t *msg)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);

	(void)type;
	(void)msg;
	if (tx != NULL)
		tx_finish(tx, 408, NULL);
}

/* libosip2: sending failed. */
static void
transport_error_cb(int type, osip_transaction_t *tr, int error)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);

	(void)type;
	log_warnx("sip: transport error %d on transaction %d", error,
	    tr->transactionid);
	if (tx != NULL)
		tx_finish(tx, 503, NULL);
}

/*
 * libosip2 wants a message on the wire. Responses go back where the
 * request came from: the same connection for TCP, the Via's received and
 * rport (as osip computed them into host/port) for UDP.
 */
static int
send_cb(osip_transaction_t *tr, osip_message_t *msg, char *host, int port,
    int out_socket)
{
	struct sip_tx *tx = osip_transaction_get_your_instance(tr);
	struct sip_peer dest;
	char *buf = NULL;
	size_t len = 0;
	int r;

	(void)out_socket;
	if (tx == NULL)
		return -1;
	dest = tx->peer;
	if (MSG_IS_RESPONSE(msg) && dest.proto == IPPROTO_UDP &&
	    host != NULL && port > 0) {
		struct sip_peer via;

		if (sip_peer_from_host(&via, host, port, IPPROTO_UDP) == 0)
			dest = via;
	}
	if (osip_message_to_str(msg, &buf, &len) != 0)
		return -1;
	r = sip_transport_send(tx->stack->transport, &dest, buf, len);
	if (tx->completed_key != NULL && MSG_IS_RESPONSE(msg) &&
	    msg->status_code >= 200 && sip_completed_put(tx->stack->completed,
	    tx->completed_key, &dest, buf, len, now_ms()) < 0)
		log_warnx("sip: no memory to keep a response for "
		    "retransmissions");
	osip_free(buf);
	return r;
}

/* Re-arms the single osip timer from the nearest transaction deadline. */
static void
rearm_timer(struct sip_stack *s)
{
	struct timeval tv = { 0, 0 };

	osip_timers_gettimeout(s->osip, &tv);
	if (tv.tv_sec > TIMER_CAP_MS / 1000 || tv.tv_sec < 0) {
		tv.tv_sec = TIMER_CAP_MS / 1000;
		tv.tv_usec = 0;
	}
	evtimer_add(s->timer, &tv);
}

/* Runs timers and FSMs until quiet, then frees killed transactions. */
static void
drain(struct sip_stack *s)
{
	struct sip_tx *tx;

	if (s->draining)
		return;
	s->draining = 1;
	for (int round = 0; round < DRAIN_MAX_ROUNDS; round++) {
		unsigned long before = s->events_added;

		osip_timers_ict_execute(s->osip);
		osip_timers_ist_execute(s->osip);
		osip_timers_nict_execute(s->osip);
		osip_timers_nist_execute(s->osip);
		osip_ict_execute(s->osip);
		osip_ist_execute(s->osip);
		osip_nict_execute(s->osip);
		osip_nist_execute(s->osip);
		if (s->events_added == before)
			break;
	}
	while ((tx = TAILQ_FIRST(&s->dead)) != NULL) {
		TAILQ_REMOVE(&s->dead, tx, dead_entry);
		if (!tx->server && !tx->cb_done)
			tx_finish(tx, 408, NULL);
		tx_free(tx);
	}
	sip_completed_expire(s->completed, now_ms());
	s->draining = 0;
	rearm_timer(s);
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

/* Answers a request statelessly (no transaction could be made). */
static void
reply_stateless(struct sip_stack *s, const osip_message_t *req,
    const struct sip_peer *from, int status, const char *reason)
{
	osip_message_t *resp;
	char *buf = NULL;
	size_t len = 0;

	if (osip_list_size(&req->vias) <= 0 || req->from == NULL ||
	    req->to == NULL || req->call_id == NULL || req->cseq == NULL)
		return;
	if ((resp = sip_response_new(req, status, reason, NULL)) == NULL)
		return;
	if (osip_message_to_str(resp, &buf, &len) == 0) {
		sip_transport_send(s->transport, from, buf, len);
		osip_free(buf);
	}
	osip_message_free(resp);
}

/* Checks the headers every transaction needs (RFC 3261 §8.1.1). */
static const char *
missing_mandatory(const osip_message_t *m)
{
	if (osip_list_size(&m->vias) <= 0)
		return "no Via";
	if (m->from == NULL || m->from->url == NULL)
		return "no From";
	if (m->to == NULL || m->to->url == NULL)
		return "no To";
	if (m->call_id == NULL || m->call_id->number == NULL)
		return "no Call-ID";
	if (m->cseq == NULL || m->cseq->number == NULL ||
	    m->cseq->method == NULL)
		return "no CSeq";
	if (MSG_IS_REQUEST(m)) {
		if (m->req_uri == NULL || m->req_uri->scheme == NULL)
			return "no Request-URI";
		if (strcmp(m->cseq->method, m->sip_method) != 0 &&
		    !MSG_IS_ACK(m) && !MSG_IS_CANCEL(m))
			return "CSeq method differs from the request method";
	}
	return NULL;
}

/* Everything the transport hands up lands here. */
static void
recv_cb(void *arg, const char *buf, size_t len, const struct sip_peer *from,
    int frame)
{
	struct sip_stack *s = arg;
	osip_event_t *evt = osip_parse(buf, len);
	osip_transaction_t *tr;
	const char *why;
	char who[80];
	struct sip_tx *tx;
	osip_fsm_type_t kind;
	char key[SIP_COMPLETED_KEY_MAX];
	int have_key = 0;

	sip_peer_format(from, who, sizeof(who));
	if (evt == NULL || evt->sip == NULL) {
		log_warnx("sip: %s: unparseable %zu-byte message dropped", who,
		    len);
		if (evt != NULL)
			osip_event_free(evt);
		return;
	}
	if (frame != SIP_FRAME_OK) {
		/* Only the header block of a message we could not frame. */
		log_warnx("sip: %s: %s", who, sip_frame_result_str(frame));
		if (MSG_IS_REQUEST(evt->sip) && !MSG_IS_ACK(evt->sip))
			reply_stateless(s, evt->sip, from,
			    frame == SIP_FRAME_TOO_LARGE ? 513 : 400,
			    frame == SIP_FRAME_TOO_LARGE ? "Message Too Large" :
			    "Bad Content-Length");
		goto drop;
	}
	if ((why = missing_mandatory(evt->sip)) != NULL) {
		log_warnx("sip: %s: malformed message: %s", who, why);
		if (MSG_IS_REQUEST(evt->sip) && !MSG_IS_ACK(evt->sip))
			reply_stateless(s, evt->sip, from, 400, why);
		goto drop;
	}
	if (MSG_IS_REQUEST(evt->sip)) {
		char host[64];
		const struct sockaddr *sa = (const void *)&from->addr;
		int port = from->addr.ss_family == AF_INET ?
		    ntohs(((const struct sockaddr_in *)sa)->sin_port) :
		    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);

		evutil_inet_ntop(from->addr.ss_family,
		    from->addr.ss_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
		    host, sizeof(host));
		osip_message_fix_last_via_header(evt->sip, host, port);
	}
	if (from->proto == IPPROTO_UDP && MSG_IS_REQUEST(evt->sip) &&
	    sip_completed_key(evt->sip, key, sizeof(key)) == 0) {
		const struct sip_peer *dest;
		const char *rbuf;
		size_t rlen;

		have_key = 1;
		if (sip_completed_get(s->completed, key, now_ms(), &rbuf,
		    &rlen, &dest)) {
			/*
			 * RFC 3261 §17.2.2: a retransmission, answered again,
			 * where this copy came from if it asked so (rport,
			 * RFC 3581: a NAT may have moved it), else as before.
			 */
			osip_via_t *via = osip_list_get(&evt->sip->vias, 0);
			osip_generic_param_t *rport = NULL;

			if (via != NULL && osip_via_param_get_byname(via,
			    "rport", &rport) == 0 && rport != NULL)
				dest = from;
			sip_transport_send(s->transport, dest, rbuf, rlen);
			goto drop;
		}
	}
	if (osip_find_transaction_and_add_event(s->osip, evt) == 0) {
		s->events_added++;
		drain(s);
		return;
	}
	if (MSG_IS_RESPONSE(evt->sip)) {
		log_debug("sip: %s: stray %d response dropped", who,
		    evt->sip->status_code);
		goto drop;
	}
	if (MSG_IS_ACK(evt->sip)) {
		log_debug("sip: %s: stray ACK dropped", who);
		goto drop;
	}
	kind = MSG_IS_INVITE(evt->sip) ? IST : NIST;
	if (osip_transaction_init(&tr, kind, s->osip, evt->sip) != 0) {
		log_warnx("sip: %s: cannot create a transaction", who);
		reply_stateless(s, evt->sip, from, 500, NULL);
		goto drop;
	}
	if ((tx = tx_new(s, tr, 1)) == NULL) {
		osip_transaction_free(tr);
		goto drop;
	}
	tx->peer = *from;
	if (have_key && kind == NIST && tr->nist_context != NULL &&
	    (tx->completed_key = strdup(key)) != NULL)
		/* Our cache plays Timer J: the transaction ends at once. */
		tr->nist_context->timer_j_length = 0;
	evt->transactionid = tr->transactionid;
	if (osip_transaction_add_event(tr, evt) != 0) {
		osip_event_free(evt);
		return;
	}
	s->events_added++;
	drain(s);
	return;
drop:
	osip_event_free(evt);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

/* Parses "sip:host[:port][;transport=x]" into a next hop. */
static int
parse_proxy(struct sip_stack *s, const char *text)
{
	osip_uri_t *uri = NULL;
	osip_uri_param_t *tp = NULL;
	struct evutil_addrinfo hints, *res = NULL;
	char portbuf[8];
	int port, proto = IPPROTO_UDP, r = -1;

	if (osip_uri_init(&uri) != 0 || osip_uri_parse(uri, text) != 0 ||
	    uri->host == NULL)
		goto out;
	if (osip_uri_uparam_get_byname(uri, "transport", &tp) == 0 &&
	    tp != NULL && tp->gvalue != NULL &&
	    osip_strcasecmp(tp->gvalue, "tcp") == 0)
		proto = IPPROTO_TCP;
	port = uri->port != NULL ? atoi(uri->port) : 5060;
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	/* Before the loop runs: a blocking look-up is fine here. */
	if (evutil_getaddrinfo(uri->host, portbuf, &hints, &res) != 0 ||
	    res == NULL)
		goto out;
	memset(&s->proxy, 0, sizeof(s->proxy));
	memcpy(&s->proxy.addr, res->ai_addr, res->ai_addrlen);
	s->proxy.addrlen = res->ai_addrlen;
	s->proxy.proto = proto;
	s->have_proxy = 1;
	{
		char route[512];

		snprintf(route, sizeof(route), "<sip:%s%s%s:%d;lr%s>",
		    strchr(uri->host, ':') ? "[" : "", uri->host,
		    strchr(uri->host, ':') ? "]" : "", port,
		    proto == IPPROTO_TCP ? ";transport=tcp" : "");
		s->proxy_route = strdup(route);
	}
	r = s->proxy_route != NULL ? 0 : -1;
out:
	if (res != NULL)
		evutil_freeaddrinfo(res);
	osip_uri_free(uri);
	return r;
}

/* Creates the stack; nothing listens until sip_stack_start(). */
struct sip_stack *
sip_stack_new(struct event_base *base, const struct config *cfg,
    const struct sip_stack_handlers *handlers, void *arg)
{
	static const int request_types[] = {
		OSIP_IST_INVITE_RECEIVED, OSIP_NIST_REGISTER_RECEIVED,
		OSIP_NIST_BYE_RECEIVED, OSIP_NIST_OPTIONS_RECEIVED,
		OSIP_NIST_INFO_RECEIVED, OSIP_NIST_CANCEL_RECEIVED,
		OSIP_NIST_NOTIFY_RECEIVED, OSIP_NIST_SUBSCRIBE_RECEIVED,
		OSIP_NIST_UNKNOWN_REQUEST_RECEIVED,
	};
	static const int response_types[] = {
		OSIP_NICT_STATUS_2XX_RECEIVED, OSIP_NICT_STATUS_3XX_RECEIVED,
		OSIP_NICT_STATUS_4XX_RECEIVED, OSIP_NICT_STATUS_5XX_RECEIVED,
		OSIP_NICT_STATUS_6XX_RECEIVED,
	};
	struct sip_stack *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->base = base;
	s->cfg = cfg;
	s->handlers = *handlers;
	s->arg = arg;
	TAILQ_INIT(&s->live);
	TAILQ_INIT(&s->dead);
	if (osip_init(&s->osip) != 0)
		goto fail;
	osip_set_application_context(s->osip, s);
	osip_set_cb_send_message(s->osip, send_cb);
	for (size_t i = 0; i < sizeof(request_types) / sizeof(int); i++)
		osip_set_message_callback(s->osip, request_types[i],
		    request_received_cb);
	for (size_t i = 0; i < sizeof(response_types) / sizeof(int); i++)
		osip_set_message_callback(s->osip, response_types[i],
		    response_received_cb);
	osip_set_message_callback(s->osip, OSIP_NICT_STATUS_TIMEOUT,
	    timeout_cb);
	osip_set_kill_transaction_callback(s->osip, OSIP_ICT_KILL_TRANSACTION,
	    kill_cb);
	osip_set_kill_transaction_callback(s->osip, OSIP_IST_KILL_TRANSACTION,
	    kill_cb);
	osip_set_kill_transaction_callback(s->osip,
	    OSIP_NICT_KILL_TRANSACTION, kill_cb);
	osip_set_kill_transaction_callback(s->osip,
	    OSIP_NIST_KILL_TRANSACTION, kill_cb);
	osip_set_transport_error_callback(s->osip,
	    OSIP_NICT_TRANSPORT_ERROR, transport_error_cb);
	osip_set_transport_error_callback(s->osip,
	    OSIP_NIST_TRANSPORT_ERROR, transport_error_cb);
	osip_set_transport_error_callback(s->osip,
	    OSIP_IST_TRANSPORT_ERROR, transport_error_cb);
	s->transport = sip_transport_new(base, cfg, recv_cb, s);
	s->timer = evtimer_new(base, timer_cb, s);
	s->drain_ev = event_new(base, -1, 0, drain_cb, s);
	s->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	s->completed = sip_completed_new(SIP_COMPLETED_MAX_BYTES,
	    SIP_COMPLETED_TTL_MS);
	if (s->transport == NULL || s->timer == NULL || s->drain_ev == NULL ||
	    s->completed == NULL)
		goto fail;
	if (cfg->sip_outbound_proxy != NULL && cfg->sip_outbound_proxy[0] &&
	    parse_proxy(s, cfg->sip_outbound_proxy) < 0) {
		log_error("sip: cannot use outbound proxy %s",
		    cfg->sip_outbound_proxy);
		goto fail;
	}
	return s;
fail:
	sip_stack_free(s);
	return NULL;
}

/* Opens the listeners and arms the timer. */
int
sip_stack_start(struct sip_stack *s)
{
	if (sip_transport_listen(s->transport) < 0)
		return -1;
	rearm_timer(s);
	return 0;
}

/* Graceful shutdown: no new connections. */
void
sip_stack_stop_listening(struct sip_stack *s)
{
	sip_transport_stop_listening(s->transport);
}

/* Frees everything, live transactions included. */
void
sip_stack_free(struct sip_stack *s)
{
	struct sip_tx *tx;

	if (s == NULL)
		return;
	if (s->dns != NULL) {
		evdns_base_free(s->dns, 1);
		s->dns = NULL;
	}
	while ((tx = TAILQ_FIRST(&s->dead)) != NULL)
		TAILQ_REMOVE(&s->dead, tx, dead_entry);
	while ((tx = TAILQ_FIRST(&s->live)) != NULL) {
		tx_finish(tx, 503, NULL);
		tx_free(tx);
	}
	if (s->osip != NULL)
		osip_release(s->osip);
	sip_transport_free(s->transport);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->drain_ev != NULL)
		event_free(s->drain_ev);
	free(s->proxy_route);
	sip_completed_free(s->completed);
	free(s);
}

/* The request a server transaction is about. */
const osip_message_t *
sip_tx_request(const struct sip_tx *tx)
{
	return tx->tr->orig_request;
}

/* Whether the request came over a stream (no 1300-byte concern). */
int
sip_tx_is_reliable(const struct sip_tx *tx)
{
	return tx->peer.proto == IPPROTO_TCP;
}

/* Sends a response built by sip_response_new(); takes ownership. */
int
sip_respond(struct sip_stack *s, struct sip_tx *tx, osip_message_t *resp)
{
	osip_event_t *evt;

	(void)s;
	if (tx->responded || tx->dead) {
		osip_message_free(resp);
		return -1;
	}
	if (resp->status_code >= 200)
		tx->responded = 1;
	if ((evt = osip_new_outgoing_sipmessage(resp)) == NULL) {
		osip_message_free(resp);
		return -1;
	}
	evt->transactionid = tx->tr->transactionid;
	return tx_add_event(tx, evt);
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
	return sip_response_new(tx->tr->orig_request, status, reason,
	    tx->to_tag);
}

/* Answers with a bare status line. */
int
sip_respond_status(struct sip_stack *s, struct sip_tx *tx, int status,
    const char *reason)
{
	osip_message_t *resp = sip_tx_response(tx, status, reason);

	if (resp == NULL)
		return -1;
	return sip_respond(s, tx, resp);
}

/* Adds our Via (RFC 3261 §8.1.1.7, with rport per RFC 3581). */
static int
add_via(struct sip_stack *s, osip_message_t *req, int proto, int family)
{
	const char *host;
	char via[256], branch[25];
	int port;

	if (sip_transport_local(s->transport, proto, family, &host, &port) < 0 &&
	    sip_transport_local(s->transport, proto, AF_UNSPEC, &host,
	    &port) < 0)
		return -1;
	if (s->cfg->sip_contact_host != NULL && s->cfg->sip_contact_host[0])
		host = s->cfg->sip_contact_host;
	sip_random_token(branch, sizeof(branch));
	snprintf(via, sizeof(via), "SIP/2.0/%s %s%s%s:%d;branch=z9hG4bK%s;rport",
	    proto == IPPROTO_TCP ? "TCP" : "UDP",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port, branch);
	return osip_message_set_via(req, via) == 0 ? 0 : -1;
}

/* Hands a request with a known next hop to a new client transaction. */
static int
start_client(struct sip_stack *s, struct sip_tx **out, osip_message_t *req,
    const struct sip_peer *hop, sip_response_cb cb, void *arg)
{
	osip_transaction_t *tr = NULL;
	osip_event_t *evt;
	struct sip_tx *tx;
	char host[64];
	const struct sockaddr *sa = (const void *)&hop->addr;
	int port;

	if (add_via(s, req, hop->proto, hop->addr.ss_family) < 0) {
		log_warnx("sip: no %s listener to send from",
		    hop->proto == IPPROTO_TCP ? "tcp" : "udp");
		return -1;
	}
	/* A route set of its own (in-dialog) replaces the proxy's. */
	if (s->have_proxy && s->proxy_route != NULL &&
	    osip_list_size(&req->routes) <= 0)
		osip_message_set_route(req, s->proxy_route);
	if (osip_transaction_init(&tr, NICT, s->osip, req) != 0)
		return -1;
	/*
	 * Timer K only soaks up retransmitted responses, which are then
	 * dropped as strays just as well; ending the transaction at its
	 * final response keeps libosip2's per-message scans short.
	 */
	if (tr->nict_context != NULL)
		tr->nict_context->timer_k_length = 0;
	if ((tx = tx_new(s, tr, 0)) == NULL) {
		osip_transaction_free(tr);
		return -1;
	}
	tx->peer = *hop;
	tx->cb = cb;
	tx->cb_arg = arg;
	port = hop->addr.ss_family == AF_INET ?
	    ntohs(((const struct sockaddr_in *)sa)->sin_port) :
	    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	evutil_inet_ntop(hop->addr.ss_family, hop->addr.ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
	    host, sizeof(host));
	osip_nict_set_destination(tr->nict_context, osip_strdup(host), port);
	*out = tx;
	if ((evt = osip_new_outgoing_sipmessage(req)) == NULL ||
	    (evt->transactionid = tr->transactionid, tx_add_event(tx, evt)) < 0) {
		/* The transaction owns req; report the failure from the loop. */
		tx->cb = NULL;
		tx->cb_done = 1;
		fail_later(s, cb, arg, 503);
		kill_cb(0, tr);
		event_active(s->drain_ev, EV_TIMEOUT, 0);
		return -1;
	}
	return 0;
}

/*
 * Works out the next hop (RFC 3263 without SRV): the first Route of an
 * in-dialog request's route set (loose routing, RFC 3261 §12.2.1.1), else
 * the Request-URI.
 */
static int
ruri_hop(const osip_message_t *req, struct sip_peer *hop, char **name)
{
	osip_uri_param_t *tp = NULL;
	osip_route_t *route = osip_list_get(&req->routes, 0);
	const osip_uri_t *u = route != NULL && route->url != NULL ?
	    route->url : req->req_uri;
	int port = u->port != NULL ? atoi(u->port) : 5060;
	int proto = IPPROTO_UDP;

	if (osip_uri_uparam_get_byname((osip_uri_t *)u, "transport", &tp) == 0 &&
	    tp != NULL && tp->gvalue != NULL &&
	    osip_strcasecmp(tp->gvalue, "tcp") == 0)
		proto = IPPROTO_TCP;
	*name = NULL;
	if (u->host == NULL || port <= 0 || port > 65535)
		return -1;
	if (sip_peer_from_host(hop, u->host, port, proto) == 0)
		return 0;
	memset(hop, 0, sizeof(*hop));
	hop->proto = proto;
	((struct sockaddr_in *)&hop->addr)->sin_port = htons(port);
	*name = u->host;
	return 1;
}

/* A callback deferred to the next loop turn, so it never runs re-entrantly. */
struct deferred_cb {
	sip_response_cb cb;
	void *arg;
	int status;
};

static void
deferred_cb_fire(evutil_socket_t fd, short what, void *arg)
{
	struct deferred_cb *d = arg;

	(void)fd;
	(void)what;
	d->cb(d->arg, d->status, NULL);
	free(d);
}

/* Reports a failure to a requester from the next loop turn. */
static void
fail_later(struct sip_stack *s, sip_response_cb cb, void *arg, int status)
{
	struct deferred_cb *d = malloc(sizeof(*d));
	struct timeval now = { 0, 0 };

	if (d == NULL) {
		log_error("sip: out of memory reporting a failed request");
		return;
	}
	d->cb = cb;
	d->arg = arg;
	d->status = status;
	if (event_base_once(s->base, -1, EV_TIMEOUT, deferred_cb_fire, d,
	    &now) != 0) {
		log_error("sip: cannot schedule a failure report");
		free(d);
	}
}

/* evdns answered for a Request-URI host name. */
static void
resolved_cb(int err, struct evutil_addrinfo *res, void *arg)
{
	struct pending_send *ps = arg;
	struct sip_stack *s = ps->stack;
	struct sip_tx *tx = NULL;
	struct sip_peer hop;

	if (err != 0 || res == NULL) {
		log_warnx("sip: cannot resolve next hop: %s",
		    evutil_gai_strerror(err));
		goto fail;
	}
	memset(&hop, 0, sizeof(hop));
	memcpy(&hop.addr, res->ai_addr, res->ai_addrlen);
	hop.addrlen = res->ai_addrlen;
	hop.proto = ps->proto;
	evutil_freeaddrinfo(res);
	res = NULL;
	if (start_client(s, &tx, ps->req, &hop, ps->cb, ps->arg) < 0) {
		if (tx != NULL) {	/* it owns req now and will report */
			free(ps);
			return;
		}
		goto fail;
	}
	free(ps);
	return;
fail:
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (err == EVUTIL_EAI_CANCEL)
		ps->cb(ps->arg, 503, NULL);	/* stack shutting down */
	else
		fail_later(s, ps->cb, ps->arg, 503);
	osip_message_free(ps->req);
	free(ps);
}

/*
 * Sends a request built by sip_request_new() or sip_dialog_request(),
 * taking ownership of it: to its first Route if it has a route set, else
 * to the outbound proxy if one is configured, else to the Request-URI host.
 * On 0, cb runs exactly once, from a later loop turn (or while the stack
 * is being freed); on -1 nothing was sent and cb never runs.
 */
int
sip_send_request(struct sip_stack *s, osip_message_t *req, sip_response_cb cb,
    void *arg)
{
	struct sip_peer hop;
	struct sip_tx *tx = NULL;
	char *name = NULL;
	int r;

	if (s->have_proxy && osip_list_size(&req->routes) <= 0)
		hop = s->proxy;
	else if ((r = ruri_hop(req, &hop, &name)) < 0) {
		osip_message_free(req);
		return -1;
	} else if (r == 1) {
		/* A host name: resolve it without blocking the loop. */
		struct pending_send *ps = calloc(1, sizeof(*ps));
		struct evutil_addrinfo hints;
		char portbuf[8];

		if (ps == NULL || s->dns == NULL) {
			free(ps);
			osip_message_free(req);
			return -1;
		}
		ps->stack = s;
		ps->req = req;
		ps->proto = hop.proto;
		ps->cb = cb;
		ps->arg = arg;
		snprintf(portbuf, sizeof(portbuf), "%d", ntohs(
		    ((struct sockaddr_in *)&hop.addr)->sin_port));
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_DGRAM;
		evdns_getaddrinfo(s->dns, name, portbuf, &hints, resolved_cb, ps);
		return 0;
	}
	if (start_client(s, &tx, req, &hop, cb, arg) < 0) {
		if (tx != NULL)
			return 0;	/* the transaction owns req and reports */
		osip_message_free(req);
		return -1;
	}
	return 0;
}

/*
 * Our Contact URI (RFC 3261 §8.1.1.8) for dialogs: the listener of the
 * transport our requests leave by (the outbound proxy's, else UDP), or
 * [sip] contact_host. -1 if there is no such listener or out is short.
 */
int
sip_stack_contact(const struct sip_stack *s, char *out, size_t size)
{
	int proto = s->have_proxy ? s->proxy.proto : IPPROTO_UDP;
	int family = s->have_proxy ? s->proxy.addr.ss_family : AF_INET;
	const char *host;
	int port, n;

	if (sip_transport_local(s->transport, proto, family, &host, &port) < 0 &&
	    sip_transport_local(s->transport, proto, AF_UNSPEC, &host,
	    &port) < 0)
		return -1;
	if (s->cfg->sip_contact_host != NULL && s->cfg->sip_contact_host[0])
		host = s->cfg->sip_contact_host;
	n = snprintf(out, size, "sip:%s%s%s:%d%s", strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", port,
	    proto == IPPROTO_TCP ? ";transport=tcp" : "");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Live transactions (for stats, shutdown and tests). */
size_t
sip_stack_transactions(const struct sip_stack *s)
{
	return s->n_live;
}

/* Whether a request to ruri would leave over UDP (RFC 3428 size rule). */
int
sip_stack_next_hop_is_udp(const struct sip_stack *s, const char *ruri)
{
	const char *t;

	if (s->have_proxy)
		return s->proxy.proto == IPPROTO_UDP;
	t = strcasestr(ruri, ";transport=");
	return t == NULL || strncasecmp(t + 11, "tcp", 3) != 0;
}
