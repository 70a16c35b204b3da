/*
 * From a SIP MESSAGE body to the text a person should read (RFC 7572 §7).
 *
 *   text/plain      any charset iconv(3) knows, converted to UTF-8; UTF-8
 *                   itself (the default) is only validated and copied;
 *   text/html,      reduced to plain text with libxml2's HTML parser;
 *   application/xhtml+xml
 *   message/cpim    unwrapped once (RFC 3862), the inner entity judged by
 *                   these same rules;
 *   application/im-iscomposing+xml, message/imdn+xml
 *                   machine bodies (RFC 3994, RFC 5438): never shown;
 *   anything else   unsupported.
 *
 * The text we hand out is UTF-8 holding only characters XML 1.0 allows,
 * with LF line ends, so that it can go into a <body/> unchanged. What
 * cannot be shown faithfully is refused with a reason, never patched up.
 *
 * This file reads the Content-Type and applies the rules, unwrapping
 * CPIM; decoding text/plain (any charset to checked UTF-8) is in
 * content_charset.c, flattening HTML in content_html.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "content.h"
#include "content_int.h"
#include "cpim.h"
#include "cpim_build.h"
#include "imdn.h"
#include "strbuf.h"

#define CONTENT_MAX_LANG	35

/* The parts of a Content-Type value we use. */
struct ctype {
	struct span type;
	struct span subtype;
	struct span charset;	/* empty if absent */
};

/* 1 for RFC 2045 token characters. */
static int
is_token(char c)
{
	unsigned char u = (unsigned char)c;

	if (u <= 0x20 || u >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skips whitespace and RFC 822 (comments) from *p up to end. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end) {
		if (span_is_ws(*p))
			p++;
		else if (*p == '(') {
			int depth = 0;

			for (; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
		} else
			break;
	}
	return p;
}

/* Reads a token at *pp; an empty span if there is none. */
static struct span
token(const char **pp, const char *end)
{
	struct span s = { *pp, 0 };

	while (*pp < end && is_token(**pp))
		(*pp)++;
	s.len = (size_t)(*pp - s.ptr);
	return s;
}

/*
 * Parses "type/subtype *(; name=value)" (RFC 2045 §5.1), case-blind,
 * values tokens or quoted strings. Returns -1 if there is no type/subtype;
 * a broken parameter list just ends the parameters.
 */
static int
ctype_parse(const char *s, size_t len, struct ctype *ct)
{
	const char *p = s, *end = s + len;

	memset(ct, 0, sizeof(*ct));
	p = skip_ws(p, end);
	ct->type = token(&p, end);
	p = skip_ws(p, end);
	if (ct->type.len == 0 || p >= end || *p != '/')
		return -1;
	p = skip_ws(p + 1, end);
	ct->subtype = token(&p, end);
	if (ct->subtype.len == 0)
		return -1;
	for (;;) {
		struct span name, value;

		p = skip_ws(p, end);
		if (p >= end || *p != ';')
			break;
		p = skip_ws(p + 1, end);
		name = token(&p, end);
		p = skip_ws(p, end);
		if (name.len == 0 || p >= end || *p != '=')
			break;
		p = skip_ws(p + 1, end);
		if (p < end && *p == '"') {
			/* A quoted charset is used as is; "\" makes it unusable. */
			value.ptr = ++p;
			while (p < end && *p != '"')
				p++;
			if (p >= end)
				break;
			value.len = (size_t)(p - value.ptr);
			p++;
		} else
			value = token(&p, end);
		if (span_is(name, "charset"))
			ct->charset = value;
	}
	return 0;
}

/* A malloc'ed, NUL-terminated copy of a span. */
static char *
span_dup(struct span s)
{
	char *p = malloc(s.len + 1);

	if (p != NULL) {
		memcpy(p, s.ptr, s.len);
		p[s.len] = '\0';
	}
	return p;
}

/*
 * The first tag of a Content-Language list, if it looks like a language
 * tag (RFC 5646 letters, digits, hyphens); anything else is ignored, as
 * the language is a hint, not content.
 */
static struct span
first_lang(struct span v)
{
	struct span t = { v.ptr, 0 }, none = { NULL, 0 };

	while (t.len < v.len && v.ptr[t.len] != ',' &&
	    !span_is_ws(v.ptr[t.len]))
		t.len++;
	if (t.len == 0 || t.len > CONTENT_MAX_LANG)
		return none;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.ptr[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return none;
	}
	return t;
}

static int convert(struct span type, struct span encoding, const char *body,
    size_t len, int depth, struct content_text *out, char **cause);

/*
 * RFC 5438 §6.2, §7.1.1: the notifications the sender asks for and the id
 * they must name. An id that could not travel back in a header or an
 * XMPP id, or a request for nothing we can give, is as no request.
 */
static int
cpim_imdn_request(const struct cpim_message *m, struct content_text *out)
{
	int want;

	if (!m->has_imdn || m->imdn_message_id.len == 0 ||
	    m->imdn_message_id.len > IMDN_ID_MAX)
		return 0;
	for (size_t i = 0; i < m->imdn_message_id.len; i++) {
		char c = m->imdn_message_id.ptr[i];

		if (c < 0x21 || c > 0x7e || strchr("<>&'\"", c) != NULL)
			return 0;
	}
	want = imdn_disposition_parse(m->imdn_disposition.ptr,
	    m->imdn_disposition.len);
	want &= IMDN_WANT_POSITIVE_DELIVERY | IMDN_WANT_DISPLAY;
	if (want <= 0)
		return 0;
	if ((out->imdn_message_id = span_dup(m->imdn_message_id)) == NULL)
		return -1;
	out->imdn_want = want;
	/* §11.1.2: a notification repeats the IM's DateTime. */
	if (m->datetime.len > 0 && m->datetime.len < CPIM_DATETIME_MAX) {
		if ((out->imdn_datetime = span_dup(m->datetime)) == NULL)
			return -1;
		if (!cpim_datetime_valid(out->imdn_datetime)) {
			free(out->imdn_datetime);
			out->imdn_datetime = NULL;
		}
	}
	return 0;
}

/*
 * message/cpim (RFC 3862): the inner entity is judged by the same rules,
 * one level deep; its sender, Subject and language come along.
 */
static int
cpim_text(const char *body, size_t len, struct content_text *out,
    char **cause)
{
	struct cpim_message m;
	struct span cte, lang;
	int r;

	if (cpim_parse(body, len, &m) < 0) {
		set_cause(cause, "message/cpim: not a CPIM message");
		return CONTENT_MALFORMED;
	}
	cte = m.content_transfer_encoding;
	if (cte.len > 0 && !span_is(cte, "7bit") && !span_is(cte, "8bit") &&
	    !span_is(cte, "binary")) {
		set_cause(cause, "message/cpim: Content-Transfer-Encoding "
		    "\"%.*s\" not supported", (int)(cte.len > 64 ? 64 :
		    cte.len), cte.ptr);
		return CONTENT_UNSUPPORTED;
	}
	r = convert(m.content_type, m.content_encoding, m.body, m.body_len, 1,
	    out, cause);
	if (r != CONTENT_TEXT)
		return r;

	if (m.from_uri.len > 0) {
		/* A URI: no spaces or controls, UTF-8 (IRIs) at most. */
		for (size_t i = 0; i < m.from_uri.len; i++)
			if ((unsigned char)m.from_uri.ptr[i] <= 0x20 ||
			    m.from_uri.ptr[i] == 0x7f)
				goto bad_from;
		if (strbuf_xml_check(m.from_uri.ptr, m.from_uri.len,
		    NULL) != 0)
			goto bad_from;
		if ((out->cpim_from = span_dup(m.from_uri)) == NULL)
			goto nomem;
	}
	if (m.subject.len > 0) {
		struct content_text subj;

		memset(&subj, 0, sizeof(subj));
		if ((r = content_finish_text(m.subject.ptr, m.subject.len,
		    "message/cpim Subject", &subj, cause)) != CONTENT_TEXT) {
			content_text_clear(out);
			return r;
		}
		out->subject = subj.text;
	}
	lang = first_lang(m.content_lang);
	if (lang.len > 0 && (out->lang = span_dup(lang)) == NULL)
		goto nomem;
	if (cpim_imdn_request(&m, out) < 0)
		goto nomem;
	return CONTENT_TEXT;
bad_from:
	content_text_clear(out);
	set_cause(cause, "message/cpim: bad From URI");
	return CONTENT_MALFORMED;
nomem:
	content_text_clear(out);
	return CONTENT_NOMEM;
}

/* Applies the rules to one entity; depth 1 is inside message/cpim. */
static int
convert(struct span type, struct span encoding, const char *body,
    size_t len, int depth, struct content_text *out, char **cause)
{
	struct ctype ct;
	struct span t;

	t = span_trim(type);
	if (t.len == 0) {
		/*
		 * RFC 3428 §8: a MESSAGE body has a type. Be lenient: text
		 * with no type is text/plain, no body at all is no text.
		 */
		if (len == 0)
			return content_finish_text("", 0, "body", out, cause);
		t.ptr = "text/plain";
		t.len = strlen(t.ptr);
	}
	if (ctype_parse(t.ptr, t.len, &ct) < 0) {
		set_cause(cause, "malformed Content-Type \"%.*s\"",
		    (int)(t.len > 64 ? 64 : t.len), t.ptr);
		return CONTENT_UNSUPPORTED;
	}

	/* RFC 3994 isComposing, RFC 5438 IMDN: for machines, not people. */
	if ((span_is(ct.type, "application") &&
	    span_is(ct.subtype, "im-iscomposing+xml")) ||
	    (span_is(ct.type, "message") && span_is(ct.subtype, "imdn+xml"))) {
		set_cause(cause, "%.*s/%.*s is a machine body, not text",
		    (int)ct.type.len, ct.type.ptr, (int)ct.subtype.len,
		    ct.subtype.ptr);
		return CONTENT_MACHINE;
	}

	/* RFC 3261 §20.12: we decode no content coding; identity is none. */
	encoding = span_trim(encoding);
	if (encoding.len > 0 && !span_is(encoding, "identity")) {
		set_cause(cause, "Content-Encoding \"%.*s\" not supported",
		    (int)(encoding.len > 64 ? 64 : encoding.len),
		    encoding.ptr);
		return CONTENT_UNSUPPORTED;
	}

	if (span_is(ct.type, "text") && span_is(ct.subtype, "plain"))
		return content_plain_text(ct.charset, body, len, out, cause);
	if ((span_is(ct.type, "text") && span_is(ct.subtype, "html")) ||
	    (span_is(ct.type, "application") &&
	    span_is(ct.subtype, "xhtml+xml")))
		return content_html_text(ct.charset, body, len, out, cause);
	if (span_is(ct.type, "message") && span_is(ct.subtype, "cpim")) {
		if (depth > 0) {
			set_cause(cause, "message/cpim inside message/cpim");
			return CONTENT_UNSUPPORTED;
		}
		return cpim_text(body, len, out, cause);
	}
	set_cause(cause, "Content-Type %.*s/%.*s not supported",
	    (int)(ct.type.len > 64 ? 64 : ct.type.len), ct.type.ptr,
	    (int)(ct.subtype.len > 64 ? 64 : ct.subtype.len), ct.subtype.ptr);
	return CONTENT_UNSUPPORTED;
}

/*
 * Decides what a MESSAGE body says to a person. content_type and
 * content_encoding are the raw header values (NULL if absent). Returns
 * CONTENT_TEXT with out filled (free with content_text_clear), or another
 * content_verdict with *cause (if cause is not NULL) saying why. out is
 * always initialised, so clearing it is safe either way.
 */
int
content_to_text(const char *content_type, const char *content_encoding,
    const char *body, size_t len, struct content_text *out, char **cause)
{
	struct span type = { content_type, 0 }, enc = { content_encoding, 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (body == NULL && len > 0) {
		set_cause(cause, "no body");
		return CONTENT_MALFORMED;
	}
	if (len > CONTENT_MAX_BODY) {
		set_cause(cause, "body too large (%zu bytes, at most %d)",
		    len, CONTENT_MAX_BODY);
		return CONTENT_MALFORMED;
	}
	if (body == NULL)
		body = "";
	if (content_type != NULL)
		type.len = strnlen(content_type, CPIM_MAX_LINE);
	if (content_encoding != NULL)
		enc.len = strnlen(content_encoding, CPIM_MAX_LINE);
	r = convert(type, enc, body, len, 0, out, cause);
	if (r != CONTENT_TEXT)
		content_text_clear(out);
	return r;
}

/* Frees what content_to_text filled in and zeroes it. */
void
content_text_clear(struct content_text *text)
{
	free(text->text);
	free(text->cpim_from);
	free(text->subject);
	free(text->lang);
	free(text->imdn_message_id);
	free(text->imdn_datetime);
	memset(text, 0, sizeof(*text));
}
