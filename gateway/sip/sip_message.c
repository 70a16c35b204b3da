/*
 * Building SIP requests and responses with libosip2, and reading headers
 * the way real peers send them (long or compact names).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "entropy.h"
#include "log.h"
#include "sip_osip.h"
#include "sip_stack.h"

/* Fills out with len-1 random lowercase hex characters and a NUL. */
void
sip_random_token(char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	size_t n = (len - 1) / 2 + 1;

	if (n > sizeof(raw))
		n = sizeof(raw);
	entropy_bytes(raw, n);
	for (size_t i = 0; i + 1 < len && i / 2 < n; i++)
		out[i] = hex[(raw[i / 2] >> ((i & 1) ? 0 : 4)) & 0xf];
	out[len - 1 < 2 * n ? len - 1 : 2 * n] = '\0';
}

/*
 * RFC 3261 §18.2.1 received and RFC 3581 rport on the top Via of a request
 * that came from host:port. With rport, received is set even where the
 * sent-by says the same (RFC 3581 §4); libosip2 sets it only where they
 * differ.
 */
void
sip_request_fix_via(osip_message_t *req, const char *host, int port)
{
	osip_via_t *via;
	osip_generic_param_t *rport = NULL, *received = NULL;

	osip_message_fix_last_via_header(req, host, port);
	if ((via = osip_list_get(&req->vias, 0)) != NULL &&
	    osip_via_param_get_byname(via, "rport", &rport) == 0 &&
	    rport != NULL &&
	    (osip_via_param_get_byname(via, "received", &received) != 0 ||
	    received == NULL))
		osip_via_set_received(via, osip_strdup(host));
}

/* Returns a URI as a malloc'ed string (libosip2's allocator is malloc). */
char *
sip_uri_string(const osip_uri_t *uri)
{
	char *s = NULL;

	if (uri == NULL || osip_uri_to_str(uri, &s) != 0)
		return NULL;
	return s;
}

/*
 * Finds an extension header by long or compact name. libosip2 keeps
 * headers it does not know under the name as received, in lowercase.
 */
const char *
sip_header_value(const osip_message_t *msg, const char *name,
    const char *compact)
{
	osip_header_t *h = NULL;

	if (osip_message_header_get_byname(msg, name, 0, &h) >= 0 &&
	    h != NULL && h->hvalue != NULL)
		return h->hvalue;
	if (compact != NULL &&
	    osip_message_header_get_byname(msg, compact, 0, &h) >= 0 &&
	    h != NULL && h->hvalue != NULL)
		return h->hvalue;
	return NULL;
}

/* Appends a header; 0 on success. */
int
sip_message_add_header(osip_message_t *msg, const char *name,
    const char *value)
{
	return osip_message_set_header(msg, name, value) == 0 ? 0 : -1;
}

/* Sets the body and its Content-Type / Content-Length. */
int
sip_message_set_body(osip_message_t *msg, const char *content_type,
    const char *body, size_t len)
{
	char clen[24];

	if (osip_message_set_content_type(msg, content_type) != 0)
		return -1;
	if (len > 0 && osip_message_set_body(msg, body, len) != 0)
		return -1;
	osip_content_length_free(msg->content_length);
	msg->content_length = NULL;
	snprintf(clen, sizeof(clen), "%zu", len);
	return osip_message_set_content_length(msg, clen) == 0 ? 0 : -1;
}

/*
 * Builds a response to req (RFC 3261 §8.2.6): Vias, From, Call-ID and CSeq
 * copied, To copied with our tag added unless it has one or this is a 100.
 */
osip_message_t *
sip_response_new(const osip_message_t *req, int status, const char *reason,
    const char *to_tag)
{
	osip_message_t *resp = NULL;
	osip_generic_param_t *tag = NULL;

	if (osip_message_init(&resp) != 0)
		return NULL;
	osip_message_set_version(resp, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(resp, status);
	osip_message_set_reason_phrase(resp, osip_strdup(reason != NULL ?
	    reason : osip_message_get_reason(status) != NULL ?
	    osip_message_get_reason(status) : "Unknown"));
	if (osip_list_clone(&req->vias, &resp->vias,
	    (int (*)(void *, void **))&osip_via_clone) != 0 ||
	    osip_from_clone(req->from, &resp->from) != 0 ||
	    osip_to_clone(req->to, &resp->to) != 0 ||
	    osip_call_id_clone(req->call_id, &resp->call_id) != 0 ||
	    osip_cseq_clone(req->cseq, &resp->cseq) != 0)
		goto fail;
	if (status > 100 && to_tag != NULL &&
	    osip_to_get_tag(resp->to, &tag) != 0)
		osip_to_set_tag(resp->to, osip_strdup(to_tag));
	osip_message_set_header(resp, "Server", SIPXMPP_AGENT);
	osip_message_set_content_length(resp, "0");
	return resp;
fail:
	osip_message_free(resp);
	return NULL;
}

/*
 * Builds an out-of-dialog request (RFC 3261 §8.1.1) without Via: the stack
 * adds it once it knows the transport and next hop.
 */
osip_message_t *
sip_request_new(const char *method, const char *ruri, const char *from_uri,
    const char *to_uri, const char *call_id)
{
	osip_message_t *req = NULL;
	osip_uri_t *uri = NULL;
	char tag[17], cid[33], buf[1200];

	if (osip_message_init(&req) != 0)
		return NULL;
	osip_message_set_method(req, osip_strdup(method));
	osip_message_set_version(req, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&uri) != 0 || osip_uri_parse(uri, ruri) != 0) {
		osip_uri_free(uri);
		goto fail;
	}
	osip_message_set_uri(req, uri);
	sip_random_token(tag, sizeof(tag));
	if ((size_t)snprintf(buf, sizeof(buf), "<%s>;tag=%s", from_uri, tag) >=
	    sizeof(buf) || osip_message_set_from(req, buf) != 0)
		goto fail;
	if ((size_t)snprintf(buf, sizeof(buf), "<%s>", to_uri) >= sizeof(buf) ||
	    osip_message_set_to(req, buf) != 0)
		goto fail;
	if (call_id == NULL) {
		sip_random_token(cid, sizeof(cid));
		call_id = cid;
	}
	if (osip_message_set_call_id(req, call_id) != 0)
		goto fail;
	snprintf(buf, sizeof(buf), "1 %s", method);
	if (osip_message_set_cseq(req, buf) != 0 ||
	    osip_message_set_max_forwards(req, "70") != 0)
		goto fail;
	osip_message_set_header(req, "User-Agent", SIPXMPP_AGENT);
	osip_message_set_content_length(req, "0");
	return req;
fail:
	osip_message_free(req);
	return NULL;
}

/* A tag parameter's value, or NULL. */
static const char *
tag_of(const osip_list_t *params)
{
	osip_generic_param_t *p = NULL;

	if (osip_generic_param_get_byname((osip_list_t *)params, "tag",
	    &p) != 0 || p == NULL || p->gvalue == NULL || p->gvalue[0] == '\0')
		return NULL;
	return p->gvalue;
}

/* The From tag of a message, or NULL. */
const char *
sip_message_from_tag(const osip_message_t *msg)
{
	return msg->from != NULL ? tag_of(&msg->from->gen_params) : NULL;
}

/* The To tag of a message, or NULL. */
const char *
sip_message_to_tag(const osip_message_t *msg)
{
	return msg->to != NULL ? tag_of(&msg->to->gen_params) : NULL;
}

/* The CSeq number, 0 if it is missing or not a number. */
unsigned long
sip_message_cseq(const osip_message_t *msg)
{
	unsigned long n;
	char *end;

	if (msg->cseq == NULL || msg->cseq->number == NULL ||
	    !isdigit((unsigned char)msg->cseq->number[0]))
		return 0;	/* RFC 3261 §25.1: CSeq is 1*DIGIT */
	errno = 0;
	n = strtoul(msg->cseq->number, &end, 10);
	if (errno != 0 || *end != '\0' || end == msg->cseq->number ||
	    n > 0x7fffffffUL)	/* RFC 3261 §8.1.1.5: less than 2**31 */
		return 0;
	return n;
}
