/*
 * The SIP stack: datagrams and stream frames in, parsed by libosip2, handed
 * to our transactions (sip_txn.c); requests out to their next hop: the
 * outbound proxy for every request if there is one, else the servers the
 * route set's or the Request-URI's host publishes (RFC 3263, sip_hop.c),
 * found without blocking the loop.
 */
#include <sys/queue.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_completed.h"
#include "sip_dns.h"
#include "sip_frame.h"
#include "sip_request_scan.h"
#include "sip_stack_int.h"
#include "sip_transport.h"

#define HOUSEKEEPING_MS 1000

/*
 * The transport a URI asks for (RFC 3261 §26.2.2, §19.1.2): sips: is TLS
 * (transport=tcp on it means TLS over TCP too), else its transport
 * parameter, UDP by default. *port is its default port (5061 for TLS).
 */
static int
uri_proto(const osip_uri_t *u, int *port)
{
	osip_uri_param_t *tp = NULL;
	int proto = IPPROTO_UDP;

	if (osip_uri_uparam_get_byname((osip_uri_t *)u, "transport", &tp) ==
	    0 && tp != NULL && tp->gvalue != NULL) {
		if (osip_strcasecmp(tp->gvalue, "tcp") == 0)
			proto = IPPROTO_TCP;
		else if (osip_strcasecmp(tp->gvalue, "tls") == 0)
			proto = SIP_PROTO_TLS;
	}
	if (u->scheme != NULL && osip_strcasecmp(u->scheme, "sips") == 0)
		proto = SIP_PROTO_TLS;
	*port = proto == SIP_PROTO_TLS ? 5061 : 5060;
	return proto;
}

static int send_parsed(struct sip_stack *s, osip_message_t *req,
    sip_response_cb cb, void *arg);

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
		sip_stack_send(s, from, buf, len);
		osip_free(buf);
	}
	osip_message_free(resp);
}

/*
 * A request from a source over its rate (sip_source.c): 503 with
 * Retry-After (RFC 3261 §21.5.4), statelessly, and nothing more of it.
 * An ACK, or what does not parse, gets no answer.
 */
static void
refuse_over_rate(struct sip_stack *s, const char *buf, size_t len,
    const struct sip_peer *from, unsigned retry_after_s)
{
	osip_message_t *req = NULL, *resp = NULL;
	char num[16], *out = NULL;
	size_t out_len = 0;

	if (osip_message_init(&req) != 0)
		return;
	if (osip_message_parse(req, buf, len) != 0 || !MSG_IS_REQUEST(req) ||
	    MSG_IS_ACK(req) || osip_list_size(&req->vias) <= 0 ||
	    req->from == NULL || req->to == NULL || req->call_id == NULL ||
	    req->cseq == NULL ||
	    (resp = sip_response_new(req, 503, "Too many requests from your "
	    "address", NULL)) == NULL)
		goto out;
	snprintf(num, sizeof(num), "%u", retry_after_s);
	if (osip_message_set_header(resp, "Retry-After", num) == 0 &&
	    osip_message_to_str(resp, &out, &out_len) == 0) {
		sip_stack_send(s, from, out, out_len);
		osip_free(out);
	}
out:
	osip_message_free(resp);
	osip_message_free(req);
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

/*
 * The numeric source address of peer, as received= carries it (RFC 3261
 * §18.2.1), and returns its port. IPv4 is written by hand: this runs for
 * every request.
 */
int
sip_peer_host(const struct sip_peer *peer, char *out, size_t size)
{
	const struct sockaddr *sa = (const void *)&peer->addr;

	if (peer->addr.ss_family == AF_INET && size >= 16) {
		const struct sockaddr_in *sin = (const void *)sa;
		const unsigned char *b = (const void *)&sin->sin_addr;
		char *p = out;

		for (int i = 0; i < 4; i++) {
			if (b[i] >= 100)
				*p++ = (char)('0' + b[i] / 100);
			if (b[i] >= 10)
				*p++ = (char)('0' + b[i] / 10 % 10);
			*p++ = (char)('0' + b[i] % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return ntohs(sin->sin_port);
	}
	if (peer->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, out, size);
		return ntohs(sin6->sin6_port);
	}
	if (size > 0)
		out[0] = '\0';
	return 0;
}

/* Everything the transport hands up lands here. */
static void
recv_cb(void *arg, const char *buf, size_t len, const struct sip_peer *from,
    int frame)
{
	struct sip_stack *s = arg;
	osip_message_t *msg = NULL;
	struct sip_request_scan scan;
	const char *why;
	char who[80];
	unsigned retry;

	if (frame == SIP_FRAME_OK && len > 9 &&
	    memcmp(buf, "SIP/2.0 2", 9) == 0 &&
	    sip_txn_response_quick(s, buf, len))
		return;
	/* A source that is no trusted peer has its share of requests. */
	if (s->limit_requests && (len < 8 || memcmp(buf, "SIP/2.0 ", 8)) &&
	    sip_transport_admit_request(s->transport, from,
	    sip_stack_trusts(s, from), sip_now_ms(), &retry) < 0) {
		refuse_over_rate(s, buf, len, from, retry);
		return;
	}
	/* A plain MESSAGE needs no message model (sip_request_scan.h). */
	if (frame == SIP_FRAME_OK && len > 8 && buf[0] == 'M' &&
	    sip_request_scan(buf, len, &scan) == 0) {
		sip_txn_message_in(s, &scan, from, buf, len);
		return;
	}
	if (osip_message_init(&msg) != 0 ||
	    osip_message_parse(msg, buf, len) != 0) {
		sip_peer_format(from, who, sizeof(who));
		log_warnx_limited("sip: %s: unparseable %zu-byte message "
		    "dropped", who, len);
		goto drop;
	}
	if (frame != SIP_FRAME_OK) {
		/* Only the header block of a message we could not frame. */
		sip_peer_format(from, who, sizeof(who));
		log_warnx_limited("sip: %s: %s", who,
		    sip_frame_result_str(frame));
		if (MSG_IS_REQUEST(msg) && !MSG_IS_ACK(msg))
			reply_stateless(s, msg, from,
			    frame == SIP_FRAME_TOO_LARGE ? 513 : 400,
			    frame == SIP_FRAME_TOO_LARGE ? "Message Too Large" :
			    "Bad Content-Length");
		goto drop;
	}
	if ((why = missing_mandatory(msg)) != NULL) {
		sip_peer_format(from, who, sizeof(who));
		log_warnx_limited("sip: %s: malformed message: %s", who, why);
		if (MSG_IS_REQUEST(msg) && !MSG_IS_ACK(msg))
			reply_stateless(s, msg, from, 400, why);
		goto drop;
	}
	if (MSG_IS_REQUEST(msg)) {
		char host[64];
		int port = sip_peer_host(from, host, sizeof(host));

		sip_request_fix_via(msg, host, port);
		sip_txn_request_in(s, msg, from, buf, len);
	} else
		sip_txn_response_in(s, msg, from);
	return;
drop:
	osip_message_free(msg);
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sip_txn_reap(arg);
}

/* Expires the completed cache when no traffic does it. */
static void
housekeeping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_stack *s = arg;

	(void)fd;
	(void)what;
	sip_completed_expire(s->completed, sip_now_ms());
	if (s->transport != NULL)
		sip_transport_sweep_sources(s->transport, sip_now_ms());
}

/* Parses "sip:host[:port][;transport=x]" into a next hop. */
static int
parse_proxy(struct sip_stack *s, const char *text)
{
	osip_uri_t *uri = NULL;
	struct evutil_addrinfo hints, *res = NULL;
	char portbuf[8];
	int port, proto, r = -1;

	if (osip_uri_init(&uri) != 0 || osip_uri_parse(uri, text) != 0 ||
	    uri->host == NULL)
		goto out;
	proto = uri_proto(uri, &port);
	if (uri->port != NULL)
		port = atoi(uri->port);
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	/* Before the loop runs: a blocking look-up is fine here. */
	if (evutil_getaddrinfo(uri->host, portbuf, &hints, &res) != 0 ||
	    res == NULL)
		goto out;
	memset(&s->proxy, 0, sizeof(s->proxy));
	memcpy(&s->proxy.addr, res->ai_addr, res->ai_addrlen);
	s->proxy.addrlen = res->ai_addrlen;
	s->proxy.proto = proto;
	s->have_proxy = 1;
	s->proxy_port = port;
	if ((s->proxy_host = strdup(uri->host)) == NULL)
		goto out;
	/* RFC 5922 §7.3: its certificate must name the host we were given. */
	s->proxy.name = s->proxy_host;
	{
		char route[512];

		snprintf(route, sizeof(route), "<sip:%s%s%s:%d;lr%s>",
		    strchr(uri->host, ':') ? "[" : "", uri->host,
		    strchr(uri->host, ':') ? "]" : "", port,
		    proto == SIP_PROTO_TLS ? ";transport=tls" :
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

/*
 * Reads [sip] trusted_peers (checked when the file was loaded). A
 * configuration built without the table's defaults trusts nobody.
 */
static int
trust_init(struct sip_stack *s)
{
	const char *text = s->cfg->sip_trusted_peers;
	char *why = NULL;

	if (text == NULL) {
		memset(&s->trust, 0, sizeof(s->trust));
		return 0;
	}
	if (config_trust_parse(text, &s->trust, &why) < 0) {
		log_error("sip: trusted_peers: %s", why != NULL ? why :
		    "out of memory");
		free(why);
		return -1;
	}
	for (int i = 0; i < s->trust.n; i++)
		if (s->trust.e[i].family == 0)
			s->trust_names = 1;
	log_info("sip: trusted peers (messages, subscriptions, "
	    "P-Asserted-Identity): %s", text);
	return 0;
}

/*
 * Whether a request from `from` comes from a member of our trust domain
 * (RFC 3325 §2.3): by its source address, or over TLS by the name its
 * verified certificate proves. The names are only looked up when a
 * tls: entry could use them.
 */
int
sip_stack_trusts(const struct sip_stack *s, const struct sip_peer *from)
{
	int family = from->addr.ss_family;
	const void *addr = NULL;

	if (family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)
		    &from->addr)->sin_addr;
	else if (family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)
		    &from->addr)->sin6_addr;
	if (config_trust_match(&s->trust, family, addr))
		return 1;
	if (!s->trust_names || s->transport == NULL || from->conn_id == 0)
		return 0;
	for (int i = 0; i < s->trust.n; i++)
		if (s->trust.e[i].family == 0 &&
		    sip_transport_peer_proves(s->transport, from,
		    s->trust.e[i].name))
			return 1;
	return 0;
}

/* Makes the stack; with a send hook it has no resolver (tests only). */
static struct sip_stack *
stack_new(struct event_base *base, const struct config *cfg,
    const struct sip_stack_handlers *handlers, void *arg,
    sip_stack_send_hook send, void *send_arg)
{
	struct sip_stack *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->send_hook = send;
	s->send_arg = send_arg;
	s->base = base;
	s->cfg = cfg;
	s->handlers = *handlers;
	s->arg = arg;
	s->t1_ms = cfg->sip_t1_ms >= 100 ? cfg->sip_t1_ms : 500;
	/* libosip2's header table; osip_init() did this before. */
	parser_init();
	strmap_init(&s->servers);
	strmap_init(&s->clients);
	strmap_init(&s->by_conn);
	strbuf_init(&s->scratch);
	strbuf_init(&s->scratch_vias);
	strbuf_init(&s->scratch_recipe);
	strbuf_init(&s->scratch_fields);
	TAILQ_INIT(&s->live);
	TAILQ_INIT(&s->dead);
	TAILQ_INIT(&s->hops);
	/* A detached stack has no transport: its bytes go to the hook. */
	if (send == NULL &&
	    (s->transport = sip_transport_new(base, cfg, recv_cb, s)) != NULL)
		sip_transport_set_closed_cb(s->transport, sip_txn_conn_closed);
	s->reap_ev = event_new(base, -1, 0, reap_cb, s);
	s->housekeeping = event_new(base, -1, EV_PERSIST, housekeeping_cb, s);
	s->completed = sip_completed_new(SIP_COMPLETED_MAX_BYTES,
	    SIP_COMPLETED_TTL_MS);
	if ((send == NULL && s->transport == NULL) || s->reap_ev == NULL ||
	    s->housekeeping == NULL || s->completed == NULL)
		goto fail;
	if (trust_init(s) < 0)
		goto fail;
	if (s->transport != NULL &&
	    sip_transport_set_source_limits(s->transport, &s->trust) < 0)
		goto fail;
	s->limit_requests = s->transport != NULL &&
	    cfg->sip_source_requests_per_s > 0;
	if (cfg->sip_outbound_proxy != NULL && cfg->sip_outbound_proxy[0] &&
	    parse_proxy(s, cfg->sip_outbound_proxy) < 0) {
		log_error("sip: cannot use outbound proxy %s",
		    cfg->sip_outbound_proxy);
		goto fail;
	}
	/* Without a proxy, next hops come from DNS (RFC 3263, sip_hop.c). */
	if (send == NULL && !s->have_proxy &&
	    (s->dns = sip_dns_new(base, cfg->sip_dns_server)) == NULL)
		goto fail;
	return s;
fail:
	sip_stack_free(s);
	return NULL;
}

/* Creates the stack; nothing listens until sip_stack_start(). */
struct sip_stack *
sip_stack_new(struct event_base *base, const struct config *cfg,
    const struct sip_stack_handlers *handlers, void *arg)
{
	return stack_new(base, cfg, handlers, arg, NULL, NULL);
}

/*
 * A stack for tests that opens no socket and resolves nothing (see
 * sip_stack.h); sip_stack_start() only starts its housekeeping.
 */
struct sip_stack *
sip_stack_new_detached(struct event_base *base, const struct config *cfg,
    const struct sip_stack_handlers *handlers, void *arg,
    sip_stack_send_hook send, void *send_arg, const char *local_host,
    int local_port)
{
	struct sip_stack *s;

	if (send == NULL || local_host == NULL ||
	    strlen(local_host) >= sizeof(s->local_host))
		return NULL;
	if ((s = stack_new(base, cfg, handlers, arg, send, send_arg)) == NULL)
		return NULL;
	strcpy(s->local_host, local_host);
	s->local_port = local_port;
	return s;
}

/*
 * Hands a detached stack one datagram from `from`, as udp_deliver() in
 * sip_transport.c does: NUL-terminated, framed, the header block only
 * when the framing fails.
 */
void
sip_stack_inject(struct sip_stack *s, const char *buf, size_t len,
    const struct sip_peer *from)
{
	size_t max = (size_t)s->cfg->sip_max_message_bytes;
	struct sip_frame f;
	char *copy;
	int r;

	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	r = sip_frame_datagram(copy, len, max, &f);
	if (r == SIP_FRAME_OK)
		recv_cb(s, copy, f.msg_len, from, r);
	else if (r != SIP_FRAME_KEEPALIVE && f.header_len > 0)
		recv_cb(s, copy, f.header_len, from, r);
	free(copy);
}

/* Every byte the stack sends leaves here: the transport, or a test's hook. */
int
sip_stack_send(struct sip_stack *s, const struct sip_peer *to,
    const char *buf, size_t len)
{
	return sip_stack_send_conn(s, to, buf, len, NULL);
}

/*
 * sip_stack_send(), telling conn_id (if not NULL) which stream connection
 * the bytes went on (0 over UDP; to's own conn_id through a test's hook).
 */
int
sip_stack_send_conn(struct sip_stack *s, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id)
{
	if (s->send_hook != NULL) {
		if (conn_id != NULL)
			*conn_id = to->conn_id;
		s->send_hook(s->send_arg, to, buf, len);
		return 0;
	}
	return sip_transport_send(s->transport, to, buf, len, conn_id);
}

/* The address our Via and Contact name (sip_transport_local()). */
int
sip_stack_local(const struct sip_stack *s, int proto, int family,
    const char **host, int *port)
{
	if (s->send_hook != NULL) {
		(void)proto;
		(void)family;
		*host = s->local_host;
		*port = s->local_port;
		return 0;
	}
	return sip_transport_local(s->transport, proto, family, host, port);
}

/* Opens the listeners (none for a detached stack). */
int
sip_stack_start(struct sip_stack *s)
{
	struct timeval tv = { HOUSEKEEPING_MS / 1000, 0 };

	if (s->send_hook == NULL && sip_transport_listen(s->transport) < 0)
		return -1;
	return event_add(s->housekeeping, &tv);
}

/* Graceful shutdown: no new connections. */
void
sip_stack_stop_listening(struct sip_stack *s)
{
	if (s->transport != NULL)
		sip_transport_stop_listening(s->transport);
}

/* SIGHUP: the TLS certificates read again (the old kept if bad). */
int
sip_stack_tls_reload(struct sip_stack *s)
{
	return s->transport == NULL ? 0 :
	    sip_transport_tls_reload(s->transport);
}

/* Frees everything, live transactions included. */
void
sip_stack_free(struct sip_stack *s)
{
	if (s == NULL)
		return;
	/* Requesters hear 503 once each: no next hop is tried from here. */
	s->freeing = 1;
	if (s->reap_ev != NULL)
		sip_txn_free_all(s);
	sip_dns_free(s->dns);
	s->dns = NULL;
	sip_hop_free_all(s);
	sip_transport_free(s->transport);
	if (s->reap_ev != NULL)
		event_free(s->reap_ev);
	if (s->housekeeping != NULL)
		event_free(s->housekeeping);
	strmap_free(&s->servers);
	strmap_free(&s->clients);
	strmap_free(&s->by_conn);	/* emptied as its transactions ended */
	strbuf_free(&s->scratch);
	strbuf_free(&s->scratch_vias);
	strbuf_free(&s->scratch_recipe);
	strbuf_free(&s->scratch_fields);
	free(s->proxy_route);
	free(s->proxy_host);
	sip_completed_free(s->completed);
	free(s);
}

/*
 * Sends a request built by sip_msg_request_new() or sip_dialog_request(),
 * taking ownership of it. With an outbound proxy, every request goes to
 * the proxy, in-dialog ones too (RFC 3261 §8.1.2: the proxy's URI heads
 * the route set, sip_txn_client_start puts it there): a peer's Contact or
 * Record-Route never makes us send, or connect, anywhere else. Without
 * one: to the servers that the first Route, if it has a route set, else
 * the Request-URI names (RFC 3263, sip_hop.c). On 0, cb runs exactly once, from a later loop turn (or while the
 * stack is being freed); on -1 nothing was sent and cb never runs.
 */
int
sip_send_request(struct sip_stack *s, struct sip_msg *m, sip_response_cb cb,
    void *arg)
{
	return send_parsed(s, sip_msg_unwrap(m), cb, arg);
}

/* sip_send_request() for libosip2's model of the request, which it takes. */
static int
send_parsed(struct sip_stack *s, osip_message_t *req, sip_response_cb cb,
    void *arg)
{
	if (s->have_proxy)
		return sip_txn_client_start(s, req, &s->proxy, cb, arg);
	return sip_hop_send(s, req, cb, arg);
}

/*
 * Sends a request the caller printed: its Request-Line is made of method
 * and ruri, rest holds every header our Via and Route do not, the empty
 * line and the body. 0 and cb once later, -1 and no cb. Over the outbound
 * proxy it goes as printed (see sip_txn_client_start_text); without one
 * the next hop comes from the Request-URI, so the text is parsed and takes
 * sip_send_request()'s path.
 */
int
sip_send_request_text(struct sip_stack *s, const char *method,
    const char *ruri, const char *rest, size_t rest_len, sip_response_cb cb,
    void *arg)
{
	osip_message_t *req = NULL;
	struct strbuf text;
	int r = -1;

	if (s->have_proxy)
		return sip_txn_client_start_text(s, &s->proxy, method, ruri,
		    rest, rest_len, cb, arg);
	strbuf_init(&text);
	strbuf_appends(&text, method);
	strbuf_appends(&text, " ");
	strbuf_appends(&text, ruri);
	strbuf_appends(&text, " SIP/2.0\r\n");
	strbuf_append(&text, rest, rest_len);
	if (!text.failed && osip_message_init(&req) == 0 &&
	    osip_message_parse(req, text.buf, text.len) == 0)
		r = send_parsed(s, req, cb, arg);
	else if (req != NULL)
		osip_message_free(req);
	strbuf_free(&text);
	return r;
}

/*
 * Our Contact URI (RFC 3261 §8.1.1.8) for dialogs: the listener of the
 * transport our requests leave by (the outbound proxy's, else UDP; over
 * TLS it says transport=tls, RFC 3261 §26.2.2), or
 * [sip] contact_host. -1 if there is no such listener or out is short.
 */
int
sip_stack_contact(const struct sip_stack *s, char *out, size_t size)
{
	int proto = s->have_proxy ? s->proxy.proto : IPPROTO_UDP;
	int family = s->have_proxy ? s->proxy.addr.ss_family : AF_INET;
	const char *host;
	int port, n;

	if (sip_stack_local(s, proto, family, &host, &port) < 0 &&
	    sip_stack_local(s, proto, AF_UNSPEC, &host, &port) < 0)
		return -1;
	if (s->cfg->sip_contact_host != NULL && s->cfg->sip_contact_host[0])
		host = s->cfg->sip_contact_host;
	n = snprintf(out, size, "sip:%s%s%s:%d%s", strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", port,
	    proto == SIP_PROTO_TLS ? ";transport=tls" :
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
	if (strncasecmp(ruri, "sips:", 5) == 0)
		return 0;
	t = strcasestr(ruri, ";transport=");
	return t == NULL || (strncasecmp(t + 11, "tcp", 3) != 0 &&
	    strncasecmp(t + 11, "tls", 3) != 0);
}
