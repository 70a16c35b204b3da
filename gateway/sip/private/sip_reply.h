/*
 * Responses built from the request as it arrived (RFC 3261 §8.2.6.2):
 * the From, To, Call-ID and CSeq header fields are copied byte for byte
 * from the request's header block, the Vias printed from the parsed
 * request (which carry received/rport, §18.2.1, RFC 3581). Cheaper than
 * cloning the parsed request into a response and printing that, which
 * cost more than parsing the request did.
 *
 * Pure code: no sockets.
 */
#ifndef SIPXMPP_SIP_REPLY_H
#define SIPXMPP_SIP_REPLY_H

#include <stddef.h>

#include <osipparser2/osip_message.h>

struct strbuf;

/* sip_reply.c */
size_t sip_reply_header_block(const char *msg, size_t len);
int sip_reply_vias(struct strbuf *out, const osip_message_t *req);
int sip_reply_can_copy(const char *hdr, size_t hdr_len);
int sip_reply_build(struct strbuf *out, const char *hdr, size_t hdr_len,
    const char *vias, int status, const char *reason, const char *to_tag,
    const char *extra);

#endif
