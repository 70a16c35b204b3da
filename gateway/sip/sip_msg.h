/*
 * A SIP request or response as the floors above the SIP adapter see it:
 * an opaque handle, read and built only through these functions, as the
 * XMPP edge hands them struct xmpp_in_message. Inside gateway/sip/ it
 * holds libosip2's parsed message (private/sip_osip.h); no libosip2 type
 * shows through, so the bridges build without its headers.
 *
 * Strings a function returns as "char *" are the caller's, freed with
 * free(); "const char *" ones live as long as the message.
 */
#ifndef SIPXMPP_SIP_MSG_H
#define SIPXMPP_SIP_MSG_H

#include <stddef.h>

struct sip_msg;

/* Reading a request (or a response, where it says so). */
const char *sip_msg_method(const struct sip_msg *m);	/* NULL: response */
int sip_msg_status(const struct sip_msg *m);		/* 0: request */
const char *sip_msg_reason(const struct sip_msg *m);	/* response only */
const char *sip_msg_header(const struct sip_msg *m, const char *name,
    const char *compact);
char *sip_msg_request_uri(const struct sip_msg *m);
char *sip_msg_from_uri(const struct sip_msg *m);
char *sip_msg_from_display(const struct sip_msg *m);
char *sip_msg_contact_uri(const struct sip_msg *m);	/* the first one */
char *sip_msg_call_id(const struct sip_msg *m);
const char *sip_msg_from_tag(const struct sip_msg *m);
const char *sip_msg_to_tag(const struct sip_msg *m);
unsigned long sip_msg_cseq(const struct sip_msg *m);
int sip_msg_body(const struct sip_msg *m, const char **body, size_t *len);
int sip_msg_content_type(const struct sip_msg *m, const char **type,
    const char **subtype);
int sip_msg_accepts(const struct sip_msg *m, const char *type,
    const char *subtype);

/* Building a request, or a response that sip_tx_response() began. */
struct sip_msg *sip_msg_request_new(const char *method, const char *ruri,
    const char *from_uri, const char *to_uri, const char *call_id);
int sip_msg_add_header(struct sip_msg *m, const char *name,
    const char *value);
int sip_msg_set_contact(struct sip_msg *m, const char *uri);
int sip_msg_set_from_display(struct sip_msg *m, const char *name);
int sip_msg_set_body(struct sip_msg *m, const char *content_type,
    const char *body, size_t len);
int sip_msg_copy_record_routes(struct sip_msg *resp,
    const struct sip_msg *req);
void sip_msg_free(struct sip_msg *m);

/* For tests and fuzzers: one message from its bytes; NULL if unparsable. */
struct sip_msg *sip_msg_parse(const char *buf, size_t len);

#endif
