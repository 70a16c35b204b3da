/*
 * RFC 3263 §4 (locating SIP servers) and RFC 2782 (SRV) without the
 * network: the choices a resolver's answers leave us, made here so that
 * they can be tested against the RFCs' own examples.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip_locate.h"

/* Whether host is an IPv4 or IPv6 address rather than a name. */
int
sip_locate_is_numeric(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

/* RFC 3261 §19.1.2: 5060 for UDP and TCP, 5061 for TLS. */
int
sip_locate_default_port(int transport)
{
	return transport == SIP_LOCATE_TLS ? 5061 : 5060;
}

/* The transport's name as a URI's transport= writes it. */
const char *
sip_locate_transport_name(int transport)
{
	switch (transport) {
	case SIP_LOCATE_UDP:
		return "udp";
	case SIP_LOCATE_TCP:
		return "tcp";
	case SIP_LOCATE_TLS:
		return "tls";
	}
	return "?";
}

/*
 * RFC 3263 §4.1 and §4.2: what the URI lets us look up. A numeric host or
 * an explicit port means no NAPTR and no SRV (only addresses); a
 * transport= with a host name means SRV for that transport; neither means
 * NAPTR first. A SIPS URI only goes over TLS (RFC 3261 §26.2.1), so
 * transport=tcp there is TLS over TCP and transport=udp is refused.
 * supported masks the transports we can send on: -1 if the URI allows
 * none of them (the caller says why), else 0.
 */
int
sip_locate_plan(const struct sip_locate_uri *uri, int supported,
    struct sip_locate_plan *plan)
{
	int tp = uri->transport;

	memset(plan, 0, sizeof(*plan));
	if (uri->host == NULL || uri->host[0] == '\0' ||
	    strlen(uri->host) >= SIP_LOCATE_NAME_MAX || uri->port < 0 ||
	    uri->port > 65535)
		return -1;
	if (uri->sips) {
		if (tp == SIP_LOCATE_UDP)
			return -1;
		tp = tp != 0 ? SIP_LOCATE_TLS : 0;
		plan->transports = SIP_LOCATE_TLS;
	} else
		plan->transports = tp != 0 ? tp : SIP_LOCATE_ALL;
	/* §4.1: without a transport=, UDP for sip, TLS (over TCP) for sips. */
	plan->transport = tp != 0 ? tp :
	    uri->sips ? SIP_LOCATE_TLS : SIP_LOCATE_UDP;
	plan->port = uri->port != 0 ? uri->port :
	    sip_locate_default_port(plan->transport);
	if (sip_locate_is_numeric(uri->host) || uri->port != 0)
		plan->step = SIP_LOCATE_STEP_ADDRESS;
	else if (tp != 0)
		plan->step = SIP_LOCATE_STEP_SRV;
	else
		plan->step = SIP_LOCATE_STEP_NAPTR;
	if (plan->step == SIP_LOCATE_STEP_ADDRESS &&
	    (plan->transport & supported) == 0)
		return -1;
	if ((plan->transports & supported) == 0)
		return -1;
	return 0;
}

/* The transport a NAPTR service field names (RFC 3263 §4.1), or 0. */
static int
naptr_transport(const char *service)
{
	if (strcasecmp(service, "SIP+D2U") == 0)
		return SIP_LOCATE_UDP;
	if (strcasecmp(service, "SIP+D2T") == 0)
		return SIP_LOCATE_TCP;
	if (strcasecmp(service, "SIPS+D2T") == 0)
		return SIP_LOCATE_TLS;
	return 0;
}

/* Whether a sorts before b: lower order, then lower preference. */
static int
naptr_before(const struct sip_locate_naptr *a,
    const struct sip_locate_naptr *b)
{
	if (a->order != b->order)
		return a->order < b->order;
	return a->preference < b->preference;
}

/*
 * RFC 3263 §4.1: the SRV names a NAPTR answer points to, most preferred
 * first. Only records with the "s" flag (the next step is SRV), a
 * service we speak among transports and a replacement are kept; their
 * order and preference sort them (RFC 3403 §4.1). §4.1 reads the order
 * as the server's ranking of its transports: we follow the first one and
 * keep the rest for when all its targets fail (§4.3). recs is sorted in
 * place. Returns how many names were written to out (at most max).
 */
size_t
sip_locate_naptr(struct sip_locate_naptr *recs, size_t n, int transports,
    struct sip_locate_srv_name *out, size_t max)
{
	size_t kept = 0, written = 0;

	for (size_t i = 0; i < n; i++) {
		struct sip_locate_naptr r = recs[i];
		int tp;
		size_t j;

		if (r.flags == NULL || r.service == NULL ||
		    r.replacement == NULL ||
		    strcasecmp(r.flags, "s") != 0 ||
		    (tp = naptr_transport(r.service)) == 0 ||
		    (tp & transports) == 0 || r.replacement[0] == '\0' ||
		    strcmp(r.replacement, ".") == 0 ||
		    strlen(r.replacement) >= SIP_LOCATE_NAME_MAX)
			continue;
		/* Insertion sort: answers are a handful of records. */
		for (j = kept; j > 0 && naptr_before(&r, &recs[j - 1]); j--)
			recs[j] = recs[j - 1];
		recs[j] = r;
		kept++;
	}
	for (size_t i = 0; i < kept && written < max; i++) {
		out[written].transport = naptr_transport(recs[i].service);
		snprintf(out[written].name, sizeof(out[written].name), "%s",
		    recs[i].replacement);
		written++;
	}
	return written;
}

/*
 * RFC 3263 §4.1: a domain without (usable) NAPTR records: one SRV query
 * per transport we may use, "_sips._tcp" for TLS and for every SIPS URI,
 * "_sip._tcp" and "_sip._udp" otherwise. The RFC leaves the choice among
 * the answers to the client: TLS first, then TCP (no size limit), then
 * UDP. Returns how many names were written (at most max).
 */
size_t
sip_locate_srv_names(const char *domain, int sips, int transports,
    struct sip_locate_srv_name *out, size_t max)
{
	static const struct {
		int transport;
		const char *prefix;
	} order[] = {
		{ SIP_LOCATE_TLS, "_sips._tcp." },
		{ SIP_LOCATE_TCP, "_sip._tcp." },
		{ SIP_LOCATE_UDP, "_sip._udp." },
	};
	size_t written = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int n;

		if ((order[i].transport & transports) == 0 || written >= max ||
		    (sips && order[i].transport != SIP_LOCATE_TLS))
			continue;
		n = snprintf(out[written].name, sizeof(out[written].name),
		    "%s%s", order[i].prefix, domain);
		if (n < 0 || (size_t)n >= sizeof(out[written].name))
			continue;
		out[written].transport = order[i].transport;
		written++;
	}
	return written;
}

/* Moves recs[from] to recs[to] (to <= from), shifting the rest up. */
static void
srv_move(struct sip_locate_srv *recs, size_t to, size_t from)
{
	struct sip_locate_srv r = recs[from];

	memmove(&recs[to + 1], &recs[to], (from - to) * sizeof(*recs));
	recs[to] = r;
}

/*
 * RFC 2782, "Usage rules": sorts an SRV answer into the order to try its
 * targets. A target of "." means the service is decidedly not offered
 * there: such records are dropped. Lower priority first; within one
 * priority, each place goes to a record chosen at random with
 * probability in proportion to its weight, the records of weight 0 put
 * first so that they have a small chance when others have weight.
 * Returns how many records are left in recs.
 */
size_t
sip_locate_srv_order(struct sip_locate_srv *recs, size_t n,
    sip_locate_random rnd, void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		struct sip_locate_srv r = recs[i];
		size_t j;

		if (r.target == NULL || r.target[0] == '\0' ||
		    strcmp(r.target, ".") == 0)
			continue;
		for (j = kept; j > 0 && r.priority < recs[j - 1].priority;
		    j--)
			recs[j] = recs[j - 1];
		recs[j] = r;
		kept++;
	}
	for (size_t k = 0; k < kept; k++) {
		size_t end = k, zeros = k;
		unsigned long sum = 0, running = 0, pick;

		while (end < kept && recs[end].priority == recs[k].priority)
			end++;
		/* Weight 0 first, each keeping its place among its kind. */
		for (size_t i = k; i < end; i++)
			if (recs[i].weight == 0)
				srv_move(recs, zeros++, i);
		for (size_t i = k; i < end; i++)
			sum += recs[i].weight;
		pick = rnd(arg, (unsigned int)sum);
		if (pick > sum)
			pick = sum;
		for (size_t i = k; i < end; i++) {
			running += recs[i].weight;
			if (running >= pick) {
				srv_move(recs, k, i);
				break;
			}
		}
	}
	return kept;
}

/* Skips a possibly compressed domain name at *off (RFC 1035 §4.1.4). */
static int
skip_name(const unsigned char *buf, size_t len, size_t *off)
{
	size_t i = *off, total = 0;

	for (;;) {
		unsigned int c;

		if (i >= len)
			return -1;
		c = buf[i];
		if (c == 0) {
			*off = i + 1;
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {	/* a pointer ends the name */
			if (i + 1 >= len)
				return -1;
			*off = i + 2;
			return 0;
		}
		if ((c & 0xc0) != 0)		/* reserved label types */
			return -1;
		total += c + 1;
		if (total > 255)		/* §2.3.4 */
			return -1;
		i += c + 1;
	}
}

/* Reads a big-endian 16-bit value. */
static unsigned int
get16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/*
 * The lowest TTL among the answer records of a DNS response (RFC 1035
 * §4.1), for how long to keep it: 0 and *ttl set if there are answers, 1
 * if there are none (the caller caches the absence briefly), -1 if the
 * message is malformed. RFC 2181 §8: a TTL with its top bit set is 0.
 */
int
sip_locate_answer_ttl(const unsigned char *buf, size_t len,
    unsigned int *ttl)
{
	size_t off = 12;
	unsigned int qd, an, best = 0;
	int any = 0;

	if (len < 12)
		return -1;
	qd = get16(buf + 4);
	an = get16(buf + 6);
	for (unsigned int i = 0; i < qd; i++) {
		if (skip_name(buf, len, &off) < 0 || len - off < 4)
			return -1;
		off += 4;			/* QTYPE, QCLASS */
	}
	for (unsigned int i = 0; i < an; i++) {
		unsigned long t;
		unsigned int rdlen;

		if (skip_name(buf, len, &off) < 0 || len - off < 10)
			return -1;
		t = (unsigned long)buf[off + 4] << 24 |
		    (unsigned long)buf[off + 5] << 16 |
		    (unsigned long)buf[off + 6] << 8 | buf[off + 7];
		if (t & 0x80000000UL)
			t = 0;
		rdlen = get16(buf + off + 8);
		off += 10;
		if (len - off < rdlen)
			return -1;
		off += rdlen;
		if (!any || t < best)
			best = (unsigned int)t;
		any = 1;
	}
	*ttl = best;
	return any ? 0 : 1;
}
