/*
 * The three facts that match a 2xx to one of our MESSAGEs (RFC 3261
 * §17.1.3): its status, the branch of its top Via and its CSeq method,
 * read from the raw datagram without building libosip2's message model,
 * which cost as much as the rest of the XMPP → SIP path together.
 * Anything unusual (folded or compact lines it does not follow, a missing
 * field) makes it give up: the full parser then decides.
 *
 * Pure code: no sockets.
 */
#ifndef SIPXMPP_SIP_SCAN_H
#define SIPXMPP_SIP_SCAN_H

#include <stddef.h>

#define SIP_SCAN_BRANCH_MAX	64
#define SIP_SCAN_METHOD_MAX	24

struct sip_scan_response {
	int status;
	char branch[SIP_SCAN_BRANCH_MAX];
	char method[SIP_SCAN_METHOD_MAX];
};

/* sip_scan.c */
int sip_scan_response(const char *buf, size_t len,
    struct sip_scan_response *out);
int sip_scan_via_plain(const char *v, const char *e);

#endif
