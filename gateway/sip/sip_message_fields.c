/*
 * The fields of a MESSAGE the bridge translates (struct
 * sip_message_fields), from libosip2's model of it or from the spans
 * sip_request_scan() found, copied as NUL-terminated strings into one
 * reused buffer: the bridge reads them the same way whichever parser read
 * the request.
 */
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_display.h"
#include "sip_osip.h"
#include "sip_request_scan.h"
#include "sip_stack.h"
#include "strbuf.h"

enum field {
	F_RURI, F_FROM, F_TO, F_CALL_ID, F_TYPE, F_ENCODING, F_LANGUAGE,
	F_SUBJECT, F_ASSERTED, F_PRIVACY, F_DISPLAY, F_COUNT
};

/* Where each field starts in sb, or -1: pointers are set once sb is full. */
struct offsets {
	long at[F_COUNT];
};

static void
put(struct strbuf *sb, struct offsets *o, enum field f, const char *s,
    size_t n)
{
	if (s == NULL) {
		o->at[f] = -1;
		return;
	}
	o->at[f] = (long)sb->len;
	strbuf_append(sb, s, n);
	strbuf_append(sb, "", 1);
}

static int
finish(const struct strbuf *sb, const struct offsets *o,
    struct sip_message_fields *out)
{
	const char **dst[F_COUNT] = {
		&out->ruri, &out->from_uri, &out->to_uri, &out->call_id,
		&out->content_type, &out->content_encoding,
		&out->content_language, &out->subject, &out->asserted_uri,
		&out->privacy, &out->from_display,
	};

	if (sb->failed)
		return -1;
	for (int f = 0; f < F_COUNT; f++)
		*dst[f] = o->at[f] < 0 ? NULL : sb->buf + o->at[f];
	/* Until the stack applies its peer's trust: nobody's is believed. */
	out->trusted = 0;
	out->sender_uri = out->from_uri;
	return 0;
}

/* Puts a string libosip2 printed (or NULL) and frees it. */
static void
put_printed(struct strbuf *sb, struct offsets *o, enum field f, char *s)
{
	put(sb, o, f, s, s != NULL ? strlen(s) : 0);
	osip_free(s);
}

/* The first Content-Encoding, if any. */
static const char *
content_encoding(const osip_message_t *req)
{
	osip_content_encoding_t *ce = NULL;

	if (osip_message_get_content_encoding(req, 0, &ce) >= 0 && ce != NULL)
		return ce->value;
	return sip_header_value(req, "content-encoding", "e");
}

static void
put_text(struct strbuf *sb, struct offsets *o, enum field f, const char *s)
{
	put(sb, o, f, s, s != NULL ? strlen(s) : 0);
}

/* The From display name, read from its raw text (RFC 3261 §25.1) the
 * same way for both readings; none when it is not a valid one. */
static void
put_display(struct strbuf *sb, struct offsets *o, const char *raw,
    size_t len)
{
	char name[SIP_DISPLAY_MAX + 1];
	int n = raw != NULL ? sip_display_name(raw, len, name,
	    sizeof(name)) : -1;

	put(sb, o, F_DISPLAY, n < 0 ? NULL : name, n < 0 ? 0 : (size_t)n);
}

/* The fields of a request libosip2 parsed. -1 if memory ran out. */
int
sip_message_fields_from_osip(const osip_message_t *req, struct strbuf *sb,
    struct sip_message_fields *out)
{
	struct offsets o;
	osip_body_t *body = NULL;
	char *s;

	strbuf_reset(sb);
	put_printed(sb, &o, F_RURI, sip_uri_string(req->req_uri));
	put_printed(sb, &o, F_FROM, req->from != NULL ?
	    sip_uri_string(req->from->url) : NULL);
	put_printed(sb, &o, F_TO, req->to != NULL ?
	    sip_uri_string(req->to->url) : NULL);
	if (req->call_id == NULL || osip_call_id_to_str(req->call_id, &s) != 0)
		s = NULL;
	put_printed(sb, &o, F_CALL_ID, s);
	if (req->content_type == NULL ||
	    osip_content_type_to_str(req->content_type, &s) != 0)
		s = NULL;
	put_printed(sb, &o, F_TYPE, s);
	put_text(sb, &o, F_ENCODING, content_encoding(req));
	put_text(sb, &o, F_LANGUAGE,
	    sip_header_value(req, "content-language", NULL));
	put_text(sb, &o, F_SUBJECT, sip_header_value(req, "subject", "s"));
	put_printed(sb, &o, F_ASSERTED, sip_asserted_uri(req));
	put_text(sb, &o, F_PRIVACY, sip_header_value(req, "privacy", NULL));
	put_display(sb, &o, req->from != NULL ? req->from->displayname : NULL,
	    req->from != NULL && req->from->displayname != NULL ?
	    strlen(req->from->displayname) : 0);
	osip_message_get_body(req, 0, &body);
	out->body = body != NULL ? body->body : NULL;
	out->body_len = body != NULL ? body->length : 0;
	return finish(sb, &o, out);
}

/* The fields of a request sip_request_scan() read from raw. */
int
sip_message_fields_from_scan(const struct sip_request_scan *scan,
    struct strbuf *sb, struct sip_message_fields *out)
{
	const struct sip_span *span[F_COUNT] = {
		&scan->ruri, &scan->from_uri, &scan->to_uri, &scan->call_id,
		&scan->content_type, &scan->content_encoding,
		&scan->content_language, &scan->subject, &scan->asserted_uri,
		&scan->privacy, NULL,
	};
	struct offsets o;

	strbuf_reset(sb);
	for (int f = 0; f < F_DISPLAY; f++)
		put(sb, &o, (enum field)f, span[f]->p, span[f]->n);
	put_display(sb, &o, scan->from_display.p, scan->from_display.n);
	out->body = scan->body.p;
	out->body_len = scan->body.n;
	return finish(sb, &o, out);
}
