/*
 * Per-source limits at the SIP edge (issue: one address must not cost the
 * gateway more than its share): requests per second and connections per
 * source that is not a trusted peer (base/source_limit.c keeps the
 * buckets and counts). A source is an IPv4 address or an IPv6 /64, the
 * block one host is usually given, so an IPv6 peer cannot take a new
 * bucket for every address of its own network.
 *
 * Trusted peers are exempt: they are the proxies that carry every user's
 * traffic, limited per user there.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "source_limit.h"
#include "sip_transport_int.h"

/* Sources tracked at once; a full table of live ones refuses new ones. */
#define SOURCE_TABLE_MAX	65536

/* peer's source key: "v4 a.b.c.d" or "v6 x:x:x:x::/64"; "" if neither. */
void
sip_source_key(const struct sip_peer *peer, char *out, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (peer->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&peer->addr;

		if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)))
			snprintf(out, size, "v4 %s", text);
	} else if (peer->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&peer->addr;
		struct in6_addr a = sin6->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			if (inet_ntop(AF_INET, &a.s6_addr[12], text,
			    sizeof(text)))
				snprintf(out, size, "v4 %s", text);
			return;
		}
		memset(&a.s6_addr[8], 0, 8);	/* the /64 */
		if (inet_ntop(AF_INET6, &a, text, sizeof(text)))
			snprintf(out, size, "v6 %s/64", text);
	}
}

/* Whether peer's address is in the trust list (no TLS name: by address). */
static int
trusted_by_address(const struct sip_transport *t, const struct sip_peer *p)
{
	const void *addr;

	if (t->trust == NULL)
		return 0;
	if (p->addr.ss_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)
		    &p->addr)->sin_addr;
	else if (p->addr.ss_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)
		    &p->addr)->sin6_addr;
	else
		return 0;
	return config_trust_match(t->trust, p->addr.ss_family, addr);
}

/*
 * Turns the limits on, as the configuration says, for sources outside
 * trust (the stack's parsed trusted_peers, which must outlive t).
 */
int
sip_transport_set_source_limits(struct sip_transport *t,
    const struct config_trust *trust)
{
	const struct config *cfg = t->cfg;

	t->trust = trust;
	if (cfg->sip_source_requests_per_s == 0 &&
	    cfg->sip_source_max_connections == 0)
		return 0;
	t->sources = source_limits_new(
	    (unsigned)cfg->sip_source_requests_per_s,
	    (unsigned)cfg->sip_source_request_burst,
	    (unsigned)cfg->sip_source_max_connections, SOURCE_TABLE_MAX);
	return t->sources == NULL ? -1 : 0;
}

/*
 * A new connection from c's peer: 0 if it may stay (counted against its
 * source when that is not trusted), -1 if it must be closed (logged).
 */
int
sip_source_admit_connection(struct sip_conn *c)
{
	struct timespec ts;
	long long now_ms;
	struct sip_transport *t = c->t;
	enum source_verdict v;
	char who[80];

	if (t->sources == NULL || trusted_by_address(t, &c->peer))
		return 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	sip_source_key(&c->peer, c->source, sizeof(c->source));
	if ((v = source_limits_connect(t->sources, c->source, now_ms)) ==
	    SOURCE_OK) {
		c->source_counted = 1;
		return 0;
	}
	sip_peer_format(&c->peer, who, sizeof(who));
	log_warnx_limited("sip: %s: connection refused: %s (%s)", who,
	    source_verdict_name(v), c->source);
	return -1;
}

/* c closes: its source may open another. */
void
sip_source_release_connection(struct sip_conn *c)
{
	if (c->source_counted && c->t->sources != NULL)
		source_limits_disconnect(c->t->sources, c->source);
	c->source_counted = 0;
}

/*
 * One request from `from` (trusted: the stack's verdict, TLS names
 * included): 0 if it may be served, else -1 with *retry_after_s for the
 * 503 (logged, at most once a second).
 */
int
sip_transport_admit_request(struct sip_transport *t,
    const struct sip_peer *from, int trusted, long long now_ms,
    unsigned *retry_after_s)
{
	enum source_verdict v;
	char key[64], who[80];

	*retry_after_s = 0;
	if (t->sources == NULL || trusted)
		return 0;
	sip_source_key(from, key, sizeof(key));
	if ((v = source_limits_request(t->sources, key, now_ms,
	    retry_after_s)) == SOURCE_OK)
		return 0;
	sip_peer_format(from, who, sizeof(who));
	log_warnx_limited("sip: %s: request refused with 503: %s (%s)", who,
	    source_verdict_name(v), key);
	return -1;
}

/* Forgets the sources that hold nothing; from the stack's housekeeping. */
void
sip_transport_sweep_sources(struct sip_transport *t, long long now_ms)
{
	if (t->sources != NULL)
		source_limits_sweep(t->sources, now_ms);
}
