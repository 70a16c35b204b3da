/*
 * The SIP adapter's own view of a message: libosip2's parsed model, and
 * the functions that build and read it. Private to gateway/sip/: the
 * floors above see a message only as struct sip_msg (sip_msg.h), so
 * libosip2 stays an implementation detail of this folder.
 */
#ifndef SIPXMPP_SIP_OSIP_H
#define SIPXMPP_SIP_OSIP_H

#include <osipparser2/osip_message.h>

#include "sip_msg.h"

struct strbuf;
struct sip_message_fields;

/*
 * The handle: one pointer. A request the stack received lives inside its
 * server transaction; a response handed to a callback on the stack of the
 * call; one being built is malloc'ed (sip_msg_wrap) until sent or freed.
 */
struct sip_msg {
	osip_message_t *osip;
};

/* sip_msg.c */
struct sip_msg *sip_msg_wrap(osip_message_t *osip);
osip_message_t *sip_msg_unwrap(struct sip_msg *m);

/* sip_message.c: building requests and responses, reading headers. */
osip_message_t *sip_response_new(const osip_message_t *req, int status,
    const char *reason, const char *to_tag);
osip_message_t *sip_request_new(const char *method, const char *ruri,
    const char *from_uri, const char *to_uri, const char *call_id);
const char *sip_header_value(const osip_message_t *msg, const char *name,
    const char *compact);
int sip_message_add_header(osip_message_t *msg, const char *name,
    const char *value);
int sip_message_set_body(osip_message_t *msg, const char *content_type,
    const char *body, size_t len);
char *sip_uri_string(const osip_uri_t *uri);
void sip_request_fix_via(osip_message_t *req, const char *host, int port);
const char *sip_message_from_tag(const osip_message_t *msg);
const char *sip_message_to_tag(const osip_message_t *msg);
unsigned long sip_message_cseq(const osip_message_t *msg);

/* sip_identity.c */
char *sip_asserted_uri(const osip_message_t *m);

/* sip_message_fields.c */
int sip_message_fields_from_osip(const osip_message_t *req,
    struct strbuf *sb, struct sip_message_fields *out);

#endif
