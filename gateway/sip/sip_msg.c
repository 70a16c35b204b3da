/*
 * struct sip_msg (sip_msg.h): what the floors above read of a SIP message
 * and how they build one, over libosip2's model, which they never see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_display.h"
#include "sip_osip.h"
#include "strbuf.h"

/* A handle for osip, which it takes; NULL (osip freed) on no memory. */
struct sip_msg *
sip_msg_wrap(osip_message_t *osip)
{
	struct sip_msg *m;

	if (osip == NULL)
		return NULL;
	if ((m = malloc(sizeof(*m))) == NULL) {
		osip_message_free(osip);
		return NULL;
	}
	m->osip = osip;
	return m;
}

/* The message inside a malloc'ed handle, which goes. */
osip_message_t *
sip_msg_unwrap(struct sip_msg *m)
{
	osip_message_t *osip;

	if (m == NULL)
		return NULL;
	osip = m->osip;
	free(m);
	return osip;
}

/* Frees a handle from sip_msg_request_new(), sip_tx_response() and co. */
void
sip_msg_free(struct sip_msg *m)
{
	osip_message_free(sip_msg_unwrap(m));
}

/* The method of a request; NULL for a response. */
const char *
sip_msg_method(const struct sip_msg *m)
{
	return MSG_IS_REQUEST(m->osip) ? m->osip->sip_method : NULL;
}

/* The status of a response; 0 for a request. */
int
sip_msg_status(const struct sip_msg *m)
{
	return MSG_IS_RESPONSE(m->osip) ? m->osip->status_code : 0;
}

/* A response's reason phrase (NULL if none). */
const char *
sip_msg_reason(const struct sip_msg *m)
{
	return MSG_IS_RESPONSE(m->osip) ? m->osip->reason_phrase : NULL;
}

/* A header's first value by long or compact name (NULL: absent). */
const char *
sip_msg_header(const struct sip_msg *m, const char *name,
    const char *compact)
{
	return sip_header_value(m->osip, name, compact);
}

/* The Request-URI, printed; NULL for a response or no memory. */
char *
sip_msg_request_uri(const struct sip_msg *m)
{
	return sip_uri_string(m->osip->req_uri);
}

/* The From URI (no display name, no tag), printed. */
char *
sip_msg_from_uri(const struct sip_msg *m)
{
	return m->osip->from != NULL ? sip_uri_string(m->osip->from->url) :
	    NULL;
}

/*
 * The From display name as a person reads it (RFC 3261 §25.1, read by
 * sip_display.c as for a MESSAGE's fields); NULL when there is none or
 * it is not a valid one, or out of memory.
 */
char *
sip_msg_from_display(const struct sip_msg *m)
{
	const char *raw = m->osip->from != NULL ?
	    m->osip->from->displayname : NULL;
	char name[SIP_DISPLAY_MAX + 1];
	int n;

	if (raw == NULL || (n = sip_display_name(raw, strlen(raw), name,
	    sizeof(name))) < 0)
		return NULL;
	return strndup(name, (size_t)n);
}

/*
 * Gives a request's From the display-name name (XEP-0172 <nick/>),
 * written as a quoted-string by sip_display_put; nothing for a NULL or
 * empty name. 0, or -1 when out of memory (the From is unchanged).
 */
int
sip_msg_set_from_display(struct sip_msg *m, const char *name)
{
	struct strbuf sb;
	char *quoted;

	if (name == NULL || name[0] == '\0' || m->osip->from == NULL)
		return 0;
	strbuf_init(&sb);
	sip_display_put(&sb, name);
	if (sb.failed || sb.len < 3 ||
	    (quoted = osip_strdup(sb.buf)) == NULL) {
		strbuf_free(&sb);
		return -1;
	}
	strbuf_free(&sb);
	quoted[strlen(quoted) - 1] = '\0';	/* libosip2 adds the space */
	osip_free(m->osip->from->displayname);
	m->osip->from->displayname = quoted;
	return 0;
}

/* The first Contact's URI, printed; NULL if there is none. */
char *
sip_msg_contact_uri(const struct sip_msg *m)
{
	osip_contact_t *c = NULL;

	if (osip_message_get_contact(m->osip, 0, &c) < 0 || c == NULL)
		return NULL;
	return sip_uri_string(c->url);
}

/* The Call-ID, printed (libosip2 splits it at '@'). */
char *
sip_msg_call_id(const struct sip_msg *m)
{
	char *s = NULL;

	if (m->osip->call_id == NULL ||
	    osip_call_id_to_str(m->osip->call_id, &s) != 0)
		return NULL;
	return s;
}

/* The From tag, or NULL. */
const char *
sip_msg_from_tag(const struct sip_msg *m)
{
	return sip_message_from_tag(m->osip);
}

/* The To tag, or NULL. */
const char *
sip_msg_to_tag(const struct sip_msg *m)
{
	return sip_message_to_tag(m->osip);
}

/* The CSeq number; 0 if missing or not a number below 2**31. */
unsigned long
sip_msg_cseq(const struct sip_msg *m)
{
	return sip_message_cseq(m->osip);
}

/* The first body: 0 and *body, *len; -1 if there is none. */
int
sip_msg_body(const struct sip_msg *m, const char **body, size_t *len)
{
	osip_body_t *b = NULL;

	if (osip_message_get_body(m->osip, 0, &b) < 0 || b == NULL ||
	    b->body == NULL)
		return -1;
	*body = b->body;
	*len = b->length;
	return 0;
}

/* Content-Type's type and subtype: 0, or -1 if there is none. */
int
sip_msg_content_type(const struct sip_msg *m, const char **type,
    const char **subtype)
{
	const osip_content_type_t *ct = m->osip->content_type;

	if (ct == NULL || ct->subtype == NULL)
		return -1;
	*type = ct->type != NULL ? ct->type : "?";
	*subtype = ct->subtype;
	return 0;
}

/*
 * Whether the request accepts type/subtype: an Accept listing it or a
 * wildcard for it (RFC 3261 §20.1), or no Accept at all (1); 0 if not.
 */
int
sip_msg_accepts(const struct sip_msg *m, const char *type,
    const char *subtype)
{
	int n = osip_list_size(&m->osip->accepts);

	if (n <= 0)
		return 1;
	for (int i = 0; i < n; i++) {
		const osip_accept_t *a = osip_list_get(&m->osip->accepts, i);

		if (a == NULL || a->type == NULL)
			continue;
		if (strcmp(a->type, "*") == 0 ||
		    (strcasecmp(a->type, type) == 0 && a->subtype != NULL &&
		    (strcmp(a->subtype, "*") == 0 ||
		    strcasecmp(a->subtype, subtype) == 0)))
			return 1;
	}
	return 0;
}

/*
 * An out-of-dialog request without Via (the stack adds it): From with a
 * new tag, a new Call-ID unless one is given, CSeq 1. NULL on failure.
 */
struct sip_msg *
sip_msg_request_new(const char *method, const char *ruri,
    const char *from_uri, const char *to_uri, const char *call_id)
{
	return sip_msg_wrap(sip_request_new(method, ruri, from_uri, to_uri,
	    call_id));
}

/* Appends a header; 0 on success. */
int
sip_msg_add_header(struct sip_msg *m, const char *name, const char *value)
{
	return sip_message_add_header(m->osip, name, value);
}

/* Sets Contact: <uri> (RFC 3261 §8.1.1.8); 0 on success. */
int
sip_msg_set_contact(struct sip_msg *m, const char *uri)
{
	char buf[1100];
	int n = snprintf(buf, sizeof(buf), "<%s>", uri);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return osip_message_set_contact(m->osip, buf) == 0 ? 0 : -1;
}

/* Sets the body with its Content-Type and Content-Length. */
int
sip_msg_set_body(struct sip_msg *m, const char *content_type,
    const char *body, size_t len)
{
	return sip_message_set_body(m->osip, content_type, body, len);
}

/*
 * RFC 3261 §12.1.1: a response that makes (or refreshes) a dialog carries
 * the request's Record-Route values, in order. 0, or -1 on no memory.
 */
int
sip_msg_copy_record_routes(struct sip_msg *resp, const struct sip_msg *req)
{
	if (osip_list_size(&resp->osip->record_routes) > 0)
		return 0;
	return osip_list_clone(&req->osip->record_routes,
	    &resp->osip->record_routes,
	    (int (*)(void *, void **))&osip_record_route_clone) == 0 ? 0 : -1;
}

/* One message from its bytes (tests, fuzzers); NULL if unparsable. */
struct sip_msg *
sip_msg_parse(const char *buf, size_t len)
{
	osip_message_t *osip = NULL;

	if (osip_message_init(&osip) != 0)
		return NULL;
	if (osip_message_parse(osip, buf, len) != 0) {
		osip_message_free(osip);
		return NULL;
	}
	return sip_msg_wrap(osip);
}
