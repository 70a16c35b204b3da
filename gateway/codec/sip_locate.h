/*
 * Locating SIP servers (RFC 3263 §4), the part that needs no network:
 * what a URI lets us look up (NAPTR, SRV or only addresses, and over
 * which transports), which NAPTR records to follow and in what order, the
 * SRV names to ask when a domain has no NAPTR, the RFC 2782 order of an
 * SRV answer given a random source, and the TTL of a DNS answer (for the
 * cache). gateway/sip/sip_dns.c asks the questions; sip_hop.c walks the
 * answers.
 *
 * Pure code: no sockets, no event loop, no resolver library.
 */
#ifndef SIPXMPP_SIP_LOCATE_H
#define SIPXMPP_SIP_LOCATE_H

#include <stddef.h>

/* Transports, as bits of a mask. */
#define SIP_LOCATE_UDP	0x1
#define SIP_LOCATE_TCP	0x2
#define SIP_LOCATE_TLS	0x4
#define SIP_LOCATE_ALL	0x7

#define SIP_LOCATE_NAME_MAX	256	/* a domain name and its NUL */
#define SIP_LOCATE_SRV_NAMES	3	/* one per transport */

/* What a SIP or SIPS URI (or a Route's) says about its next hop. */
struct sip_locate_uri {
	int sips;		/* sips: scheme (RFC 3261 §19.1) */
	const char *host;	/* name or numeric address, no brackets */
	int port;		/* 0: none written */
	int transport;		/* SIP_LOCATE_*, 0: no transport= */
};

/* RFC 3263 §4: where to start looking. */
enum sip_locate_step {
	SIP_LOCATE_STEP_ADDRESS,	/* A/AAAA of host, at port */
	SIP_LOCATE_STEP_SRV,		/* SRV for the one transport named */
	SIP_LOCATE_STEP_NAPTR,		/* NAPTR, then SRV, then A/AAAA */
};

struct sip_locate_plan {
	enum sip_locate_step step;
	int transports;		/* the transports the URI allows */
	int transport;		/* without NAPTR/SRV: the one to use */
	int port;		/* without SRV: the port to use */
};

/* A NAPTR record as c-ares reads it (RFC 3403 §4.1). */
struct sip_locate_naptr {
	unsigned int order, preference;
	const char *flags, *service, *replacement;
};

/* An SRV name to ask, and the transport its answers speak. */
struct sip_locate_srv_name {
	int transport;
	char name[SIP_LOCATE_NAME_MAX];
};

/* An SRV record (RFC 2782). */
struct sip_locate_srv {
	unsigned int priority, weight, port;
	const char *target;
};

/* A random integer in [0, bound]: RFC 2782's selection asks for one. */
typedef unsigned int (*sip_locate_random)(void *arg, unsigned int bound);

/* sip_locate.c */
int sip_locate_plan(const struct sip_locate_uri *uri, int supported,
    struct sip_locate_plan *plan);
int sip_locate_is_numeric(const char *host);
size_t sip_locate_naptr(struct sip_locate_naptr *recs, size_t n,
    int transports, struct sip_locate_srv_name *out, size_t max);
size_t sip_locate_srv_names(const char *domain, int sips, int transports,
    struct sip_locate_srv_name *out, size_t max);
size_t sip_locate_srv_order(struct sip_locate_srv *recs, size_t n,
    sip_locate_random rnd, void *arg);
int sip_locate_default_port(int transport);
const char *sip_locate_transport_name(int transport);
int sip_locate_answer_ttl(const unsigned char *buf, size_t len,
    unsigned int *ttl);

#endif
