/*
 * Next hops without an outbound proxy (RFC 3263 §4): a request to
 * sip:bob@partner.example goes where partner.example publishes its SIP
 * servers. NAPTR picks the transports in the partner's order, SRV the
 * servers (RFC 2782 priority and weight), A/AAAA their addresses; a
 * numeric host or an explicit port skips NAPTR and SRV, a transport=
 * skips NAPTR. The targets are tried one at a time, each as a new client
 * transaction on a fresh copy of the request (a new Via branch, §4.3),
 * the next one after a transport error, Timer F or a 503. Look-ups go
 * through sip_dns.c, which caches them for their TTL.
 */
#include <sys/queue.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "entropy.h"
#include "log.h"
#include "sip_dns.h"
#include "sip_locate.h"
#include "sip_stack_int.h"

#define HOP_NAMES_MAX	6	/* SRV names from NAPTR or our own three */
#define HOP_NAPTR_MAX	32	/* NAPTR records read from one answer */
#define HOP_TARGETS_MAX	8	/* SRV targets kept per name */
/*
 * Transactions per request: each may wait for Timer F, so a domain that
 * lists many dead servers cannot hold a message for minutes.
 */
#define HOP_TRIES_MAX	4

/* A server to try: an SRV target, or the domain itself (§4.2). */
struct hop_target {
	int transport;		/* SIP_LOCATE_* */
	int port;
	char name[SIP_LOCATE_NAME_MAX];
};

struct sip_hop {
	TAILQ_ENTRY(sip_hop) entry;	/* in the stack's hops */
	struct sip_stack *s;
	osip_message_t *req;		/* as given: each try sends a copy */
	sip_response_cb cb;
	void *arg;
	char host[SIP_LOCATE_NAME_MAX];
	int sips;
	struct sip_locate_plan plan;
	struct sip_locate_srv_name names[HOP_NAMES_MAX];
	size_t n_names, next_name;
	int srv_found;			/* some SRV name had targets */
	int domain_tried;		/* the A/AAAA fallback of §4.2 is done */
	struct hop_target targets[HOP_TARGETS_MAX];
	size_t n_targets, next_target;
	struct sockaddr_storage addrs[SIP_DNS_ADDRS_MAX];
	size_t n_addrs, next_addr;
	struct hop_target current;	/* whose addresses those are */
	int tries;
	int status;			/* what the owner hears if all fail */
	int dns_failed;			/* a look-up got no answer */
	int done;			/* status decided, done_ev pending */
	struct event *done_ev;
};

static void hop_next_name(struct sip_hop *h);
static void hop_next_target(struct sip_hop *h);
static void hop_try_next(struct sip_hop *h);

/*
 * The transports we can send on: TLS only with a tls: listener, which our
 * Via and Contact then name (RFC 3261 §26.2.2), so that the peer's
 * answers and in-dialog requests come back over TLS too. Without one TLS
 * targets are skipped with a log line (hop_skip_tls()).
 */
static int
hop_supported(const struct sip_stack *s)
{
	const char *host;
	int port;

	if (sip_stack_local(s, SIP_PROTO_TLS, AF_UNSPEC, &host, &port) == 0)
		return SIP_LOCATE_UDP | SIP_LOCATE_TCP | SIP_LOCATE_TLS;
	return SIP_LOCATE_UDP | SIP_LOCATE_TCP;
}

/* Says that a TLS service or target the peer named was passed over. */
static void
hop_skip_tls(struct sip_hop *h, const char *what)
{
	log_info_limited("sip: %s: %s needs TLS, and listen has no tls: "
	    "address: skipped", h->host, what);
}

/* Hands the owner its answer and frees the search. */
static void
hop_free(struct sip_hop *h)
{
	TAILQ_REMOVE(&h->s->hops, h, entry);
	if (h->done_ev != NULL)
		event_free(h->done_ev);
	osip_message_free(h->req);
	free(h);
}

/* The deferred end of a search that found nothing to send to. */
static void
hop_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_hop *h = arg;
	sip_response_cb cb = h->cb;
	void *cb_arg = h->arg;
	int status = h->status;

	(void)fd;
	(void)what;
	hop_free(h);
	cb(cb_arg, status, NULL);
}

/*
 * Every target failed, or none was found: the owner hears the last
 * transaction's 408/503, 404 if the domain has no SIP server or address
 * at all (RFC 7247 Table 2: remote-server-not-found), 503 if DNS did not
 * answer. From the next loop turn: this may run inside sip_send_request.
 */
static void
hop_finish(struct sip_hop *h)
{
	struct timeval now = { 0, 0 };

	if (h->done)
		return;
	h->done = 1;
	if (h->tries == 0) {
		h->status = h->dns_failed ? 503 : 404;
		log_warnx_limited("sip: %s: no SIP server found (%s)", h->host,
		    h->dns_failed ? "DNS did not answer" :
		    "no NAPTR, SRV or address records");
	} else
		log_warnx_limited("sip: %s: every next hop failed (last: %d)",
		    h->host, h->status);
	/* Left in the stack's list: sip_hop_free_all() reports it. */
	if (event_add(h->done_ev, &now) != 0)
		log_error("sip: cannot schedule the end of a next-hop search");
}

/* A random integer in [0, bound] for RFC 2782's weighted choice. */
static unsigned int
hop_random(void *arg, unsigned int bound)
{
	unsigned int r;

	(void)arg;
	entropy_bytes(&r, sizeof(r));
	return bound == ~0U ? r : r % (bound + 1);
}

/* The SRV answer for names[next_name - 1]. */
static void
hop_srv_cb(void *arg, enum sip_dns_status status, const unsigned char *msg,
    size_t len)
{
	struct sip_hop *h = arg;
	const struct sip_locate_srv_name *name = &h->names[h->next_name - 1];
	struct ares_srv_reply *reply = NULL;
	struct sip_locate_srv recs[HOP_TARGETS_MAX * 2];
	size_t n = 0;

	if (status == SIP_DNS_CANCELLED) {
		hop_finish(h);
		return;
	}
	if (status == SIP_DNS_FAILED)
		h->dns_failed = 1;
	/* c-ares copies what it parses: the cache may drop msg later. */
	if (status == SIP_DNS_OK &&
	    ares_parse_srv_reply(msg, (int)len, &reply) == ARES_SUCCESS) {
		for (struct ares_srv_reply *r = reply;
		    r != NULL && n < HOP_TARGETS_MAX * 2; r = r->next) {
			recs[n].priority = r->priority;
			recs[n].weight = r->weight;
			recs[n].port = r->port;
			recs[n].target = r->host;
			n++;
		}
	}
	n = sip_locate_srv_order(recs, n, hop_random, NULL);
	h->n_targets = 0;
	h->next_target = 0;
	for (size_t i = 0; i < n && h->n_targets < HOP_TARGETS_MAX; i++) {
		struct hop_target *t = &h->targets[h->n_targets];

		if (recs[i].port == 0 || strlen(recs[i].target) >= sizeof(t->name))
			continue;
		t->transport = name->transport;
		t->port = (int)recs[i].port;
		strcpy(t->name, recs[i].target);
		h->n_targets++;
	}
	if (reply != NULL)
		ares_free_data(reply);
	log_trace(TRACE_SIP, "%s: SRV %s: %zu target(s)", h->host, name->name,
	    h->n_targets);
	if (h->n_targets > 0)
		h->srv_found = 1;
	hop_next_target(h);
}

/*
 * The next SRV name to ask; when none is left and none had targets, the
 * domain's own addresses at the default port (RFC 3263 §4.2).
 */
static void
hop_next_name(struct sip_hop *h)
{
	while (h->next_name < h->n_names) {
		const struct sip_locate_srv_name *name =
		    &h->names[h->next_name++];

		if ((name->transport & hop_supported(h->s)) == 0) {
			hop_skip_tls(h, name->name);
			continue;
		}
		if (sip_dns_query(h->s->dns, name->name, ns_t_srv, hop_srv_cb,
		    h) == 0)
			return;
	}
	if (h->srv_found || h->domain_tried) {
		hop_finish(h);
		return;
	}
	h->domain_tried = 1;
	if ((h->plan.transport & hop_supported(h->s)) == 0) {
		hop_skip_tls(h, "its default transport");
		hop_finish(h);
		return;
	}
	h->targets[0].transport = h->plan.transport;
	h->targets[0].port = h->plan.port;
	strcpy(h->targets[0].name, h->host);
	h->n_targets = 1;
	h->next_target = 0;
	hop_next_target(h);
}

/* The NAPTR answer for the domain (RFC 3263 §4.1). */
static void
hop_naptr_cb(void *arg, enum sip_dns_status status, const unsigned char *msg,
    size_t len)
{
	struct sip_hop *h = arg;
	struct ares_naptr_reply *reply = NULL;
	struct sip_locate_naptr recs[HOP_NAPTR_MAX];
	size_t n = 0;

	if (status == SIP_DNS_CANCELLED) {
		hop_finish(h);
		return;
	}
	if (status == SIP_DNS_OK &&
	    ares_parse_naptr_reply(msg, (int)len, &reply) == ARES_SUCCESS) {
		for (struct ares_naptr_reply *r = reply;
		    r != NULL && n < HOP_NAPTR_MAX; r = r->next) {
			recs[n].order = r->order;
			recs[n].preference = r->preference;
			recs[n].flags = (const char *)r->flags;
			recs[n].service = (const char *)r->service;
			recs[n].replacement = r->replacement;
			n++;
		}
	}
	h->n_names = sip_locate_naptr(recs, n, h->plan.transports, h->names,
	    HOP_NAMES_MAX);
	if (reply != NULL)
		ares_free_data(reply);
	log_trace(TRACE_SIP, "%s: NAPTR: %zu SIP service(s)", h->host,
	    h->n_names);
	/* §4.1: no (usable) NAPTR: one SRV query per transport. */
	if (h->n_names == 0)
		h->n_names = sip_locate_srv_names(h->host, h->sips,
		    h->plan.transports & hop_supported(h->s), h->names,
		    HOP_NAMES_MAX);
	h->next_name = 0;
	hop_next_name(h);
}

/* The addresses of h->current. */
static void
hop_addr_cb(void *arg, enum sip_dns_status status,
    const struct sockaddr_storage *addrs, size_t n)
{
	struct sip_hop *h = arg;

	if (status == SIP_DNS_CANCELLED) {
		hop_finish(h);
		return;
	}
	if (status == SIP_DNS_FAILED)
		h->dns_failed = 1;
	if (status != SIP_DNS_OK || addrs == NULL)
		n = 0;
	if (n > SIP_DNS_ADDRS_MAX)
		n = SIP_DNS_ADDRS_MAX;
	if (n > 0)
		memcpy(h->addrs, addrs, n * sizeof(*addrs));
	h->n_addrs = n;
	h->next_addr = 0;
	log_trace(TRACE_SIP, "%s: %s: %zu address(es)", h->host,
	    h->current.name, h->n_addrs);
	hop_try_next(h);
}

/* The next SRV target (or the domain), once its addresses are known. */
static void
hop_next_target(struct sip_hop *h)
{
	while (h->next_target < h->n_targets) {
		struct sockaddr_storage ss;
		struct sip_peer p;

		h->current = h->targets[h->next_target++];
		if ((h->current.transport & hop_supported(h->s)) == 0) {
			hop_skip_tls(h, h->current.name);
			continue;
		}
		if (sip_peer_from_host(&p, h->current.name, h->current.port,
		    IPPROTO_UDP) == 0) {
			memcpy(&ss, &p.addr, sizeof(ss));
			hop_addr_cb(h, SIP_DNS_OK, &ss, 1);
			return;
		}
		if (sip_dns_addresses(h->s->dns, h->current.name, hop_addr_cb,
		    h) == 0)
			return;
	}
	hop_next_name(h);
}

/* The transport a SIP_LOCATE_* choice sends on. */
static int
hop_proto(int transport)
{
	return transport == SIP_LOCATE_UDP ? IPPROTO_UDP :
	    transport == SIP_LOCATE_TLS ? SIP_PROTO_TLS : IPPROTO_TCP;
}

/* The transaction's next hop for one address of h->current. */
static void
hop_peer(const struct sip_hop *h, const struct sockaddr_storage *a,
    struct sip_peer *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(&p->addr, a, sizeof(p->addr));
	if (a->ss_family == AF_INET6) {
		p->addrlen = sizeof(struct sockaddr_in6);
		((struct sockaddr_in6 *)&p->addr)->sin6_port =
		    htons((uint16_t)h->current.port);
	} else {
		p->addrlen = sizeof(struct sockaddr_in);
		((struct sockaddr_in *)&p->addr)->sin_port =
		    htons((uint16_t)h->current.port);
	}
	p->proto = hop_proto(h->current.transport);
	/*
	 * RFC 5922 §4.1: the certificate must name the domain of the URI
	 * we were given, not the SRV target it led to (a partner's DNS is
	 * not what proves who its servers are).
	 */
	if (p->proto == SIP_PROTO_TLS)
		p->name = h->host;	/* the transaction keeps a copy */
}

static void hop_attempt_cb(void *arg, int status, const struct sip_msg *resp);

/* Sends a copy of the request to the next address, else moves on. */
static void
hop_try_next(struct sip_hop *h)
{
	while (h->next_addr < h->n_addrs) {
		osip_message_t *copy = NULL;
		struct sip_peer p;
		char who[80];

		if (h->tries >= HOP_TRIES_MAX) {
			hop_finish(h);
			return;
		}
		hop_peer(h, &h->addrs[h->next_addr++], &p);
		h->tries++;
		sip_peer_format(&p, who, sizeof(who));
		log_trace(TRACE_SIP, "%s: trying %s (%s) over %s", h->host,
		    h->current.name, who,
		    sip_locate_transport_name(h->current.transport));
		/* §4.3: each try is a new transaction (a new Via branch). */
		if (osip_message_clone(h->req, &copy) != 0) {
			h->status = 503;
			continue;
		}
		if (sip_txn_client_start(h->s, copy, &p, hop_attempt_cb, h) == 0)
			return;
		h->status = 503;
	}
	hop_next_target(h);
}

/*
 * A try ended. RFC 3263 §4.3: a transport error, Timer F (408 without a
 * response) or a 503 sends the request to the next address; anything else
 * is the answer.
 */
static void
hop_attempt_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct sip_hop *h = arg;
	sip_response_cb cb = h->cb;
	void *cb_arg = h->arg;

	if (!h->s->freeing && (status == 503 ||
	    (status == 408 && resp == NULL))) {
		log_info_limited("sip: %s: next hop %s failed (%d%s): trying "
		    "the next", h->host, h->current.name, status,
		    resp == NULL ? ", no response" : "");
		h->status = status;
		hop_try_next(h);
		return;
	}
	hop_free(h);
	cb(cb_arg, status, resp);
}

/*
 * Sends req (taken) to the next hop its target URI (the first Route, else
 * the Request-URI) names, per RFC 3263. 0: cb runs exactly once, from a
 * later loop turn; -1: nothing was sent and cb never runs.
 */
int
sip_hop_send(struct sip_stack *s, osip_message_t *req, sip_response_cb cb,
    void *arg)
{
	osip_route_t *route = osip_list_get(&req->routes, 0);
	osip_uri_t *u = route != NULL && route->url != NULL ?
	    route->url : req->req_uri;
	osip_uri_param_t *tp = NULL;
	struct sip_locate_uri lu;
	struct sip_locate_plan plan;
	struct sip_hop *h;
	struct sip_peer p;

	memset(&lu, 0, sizeof(lu));
	if (u == NULL || u->host == NULL || u->scheme == NULL)
		goto refuse;
	lu.host = u->host;
	lu.sips = osip_strcasecmp(u->scheme, "sips") == 0;
	if (u->port != NULL && (lu.port = atoi(u->port)) <= 0)
		goto refuse;
	if (osip_uri_uparam_get_byname(u, "transport", &tp) == 0 &&
	    tp != NULL && tp->gvalue != NULL) {
		if (osip_strcasecmp(tp->gvalue, "udp") == 0)
			lu.transport = SIP_LOCATE_UDP;
		else if (osip_strcasecmp(tp->gvalue, "tcp") == 0)
			lu.transport = SIP_LOCATE_TCP;
		else if (osip_strcasecmp(tp->gvalue, "tls") == 0)
			lu.transport = SIP_LOCATE_TLS;
		else {
			log_warnx_limited("sip: %s: transport=%s: not one we "
			    "speak", u->host, tp->gvalue);
			goto refuse;
		}
	}
	if (sip_locate_plan(&lu, hop_supported(s), &plan) < 0) {
		log_warnx_limited("sip: %s: no transport this build sends "
		    "can reach a %s URI%s%s", u->host, lu.sips ? "sips" : "sip",
		    lu.transport ? " with transport=" : "",
		    lu.transport ? sip_locate_transport_name(lu.transport) : "");
		goto refuse;
	}
	/*
	 * A numeric host is its own single next hop: no search to keep.
	 * sips: or transport=tls on it is TLS (RFC 3261 §26.2.2), checked
	 * against that address (sip_tls_name.c); it went as plain TCP.
	 */
	if (plan.step == SIP_LOCATE_STEP_ADDRESS &&
	    sip_peer_from_host(&p, lu.host, plan.port,
	    hop_proto(plan.transport)) == 0)
		return sip_txn_client_start(s, req, &p, cb, arg);
	if (s->dns == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		goto refuse;
	h->s = s;
	h->req = req;
	h->cb = cb;
	h->arg = arg;
	h->sips = lu.sips;
	h->plan = plan;
	strcpy(h->host, lu.host);
	TAILQ_INSERT_TAIL(&s->hops, h, entry);
	if ((h->done_ev = evtimer_new(s->base, hop_done_cb, h)) == NULL) {
		h->req = NULL;
		hop_free(h);
		goto refuse;
	}
	switch (plan.step) {
	case SIP_LOCATE_STEP_NAPTR:
		if (sip_dns_query(s->dns, h->host, ns_t_naptr, hop_naptr_cb,
		    h) < 0)
			hop_naptr_cb(h, SIP_DNS_FAILED, NULL, 0);
		break;
	case SIP_LOCATE_STEP_SRV:
		h->n_names = sip_locate_srv_names(h->host, h->sips,
		    plan.transports & hop_supported(s), h->names,
		    HOP_NAMES_MAX);
		hop_next_name(h);
		break;
	case SIP_LOCATE_STEP_ADDRESS:
		h->domain_tried = 1;
		h->targets[0].transport = plan.transport;
		h->targets[0].port = plan.port;
		strcpy(h->targets[0].name, h->host);
		h->n_targets = 1;
		hop_next_target(h);
		break;
	}
	return 0;
refuse:
	osip_message_free(req);
	return -1;
}

/*
 * At shutdown, after the transactions and the resolver are gone: the
 * searches left waiting to report give their owners their answer.
 */
void
sip_hop_free_all(struct sip_stack *s)
{
	struct sip_hop *h;

	while ((h = TAILQ_FIRST(&s->hops)) != NULL) {
		sip_response_cb cb = h->cb;
		void *cb_arg = h->arg;

		hop_free(h);
		if (cb != NULL)
			cb(cb_arg, 503, NULL);
	}
}
