/*
 * DNS for locating SIP servers (RFC 3263): c-ares driven from our libevent
 * loop (one event per socket c-ares opens, one timer from ares_timeout),
 * with a bounded cache that keeps each answer for its TTL. No threads, no
 * blocking. Only sip_hop.c asks it anything.
 */
#ifndef SIPXMPP_SIP_DNS_H
#define SIPXMPP_SIP_DNS_H

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct sip_dns;

#define SIP_DNS_CACHE_MAX	512	/* answers kept */
#define SIP_DNS_TTL_MAX		3600	/* s: longer TTLs are cut to this */
#define SIP_DNS_NEGATIVE_TTL	30	/* s: how long "no such records" holds */
#define SIP_DNS_ADDRS_MAX	8	/* addresses kept per name */

/* What a look-up found. */
enum sip_dns_status {
	SIP_DNS_OK,		/* records (or addresses) found */
	SIP_DNS_NONE,		/* the name or the records do not exist */
	SIP_DNS_FAILED,		/* no answer: timeout, refused, bad reply */
	SIP_DNS_CANCELLED,	/* the resolver is being freed */
};

/*
 * The answer to a NAPTR or SRV question: the DNS message itself (for
 * c-ares' parsers) when status is SIP_DNS_OK. Valid during the call.
 */
typedef void (*sip_dns_answer_cb)(void *arg, enum sip_dns_status status,
    const unsigned char *msg, size_t len);
/* A name's IPv4 and IPv6 addresses (port 0) when status is SIP_DNS_OK. */
typedef void (*sip_dns_addr_cb)(void *arg, enum sip_dns_status status,
    const struct sockaddr_storage *addrs, size_t n);

/* sip_dns.c */
struct sip_dns *sip_dns_new(struct event_base *base, const char *server);
void sip_dns_free(struct sip_dns *dns);
int sip_dns_query(struct sip_dns *dns, const char *name, int type,
    sip_dns_answer_cb cb, void *arg);
int sip_dns_addresses(struct sip_dns *dns, const char *name,
    sip_dns_addr_cb cb, void *arg);
const char *sip_dns_status_str(enum sip_dns_status status);

#endif
