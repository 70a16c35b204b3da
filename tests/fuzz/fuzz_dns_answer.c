/*
 * What sipxmppd does with a name server's answer (sip_dns.c, sip_hop.c):
 * our own reading of its TTLs (codec/sip_locate.c, the one part we parse
 * ourselves) and c-ares' NAPTR and SRV parsers, whose records then go
 * through the RFC 3263 / RFC 2782 choices. Nothing may read out of
 * bounds, and the SRV order must put lower priorities first.
 */
#include <arpa/nameser.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "sip_locate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A cheap, deterministic "random" source for the weighted choice. */
static unsigned int
half(void *arg, unsigned int bound)
{
	(void)arg;
	return bound / 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ares_naptr_reply *naptr = NULL;
	struct ares_srv_reply *srv = NULL;
	struct sip_locate_naptr nrecs[32];
	struct sip_locate_srv srecs[32];
	struct sip_locate_srv_name names[6];
	unsigned int ttl;
	size_t n = 0;

	(void)sip_locate_answer_ttl(data, size, &ttl);
	if (size > 65535)
		return 0;
	if (ares_parse_naptr_reply(data, (int)size, &naptr) == ARES_SUCCESS) {
		for (struct ares_naptr_reply *r = naptr; r != NULL && n < 32;
		    r = r->next, n++) {
			nrecs[n].order = r->order;
			nrecs[n].preference = r->preference;
			nrecs[n].flags = (const char *)r->flags;
			nrecs[n].service = (const char *)r->service;
			nrecs[n].replacement = r->replacement;
		}
		(void)sip_locate_naptr(nrecs, n, SIP_LOCATE_ALL, names, 6);
		ares_free_data(naptr);
	}
	n = 0;
	if (ares_parse_srv_reply(data, (int)size, &srv) == ARES_SUCCESS) {
		for (struct ares_srv_reply *r = srv; r != NULL && n < 32;
		    r = r->next, n++) {
			srecs[n].priority = r->priority;
			srecs[n].weight = r->weight;
			srecs[n].port = r->port;
			srecs[n].target = r->host;
		}
		n = sip_locate_srv_order(srecs, n, half, NULL);
		for (size_t i = 1; i < n; i++)
			if (srecs[i].priority < srecs[i - 1].priority)
				abort();	/* RFC 2782: priority first */
		ares_free_data(srv);
	}
	return 0;
}
