/*
 * Reading a plain MESSAGE from its raw bytes; see sip_request_scan.h.
 * Every length is checked: this reads network input before any parser
 * has seen it. "Plain" is deliberately narrow: where libosip2 would
 * unescape, unfold, split or normalise something, the request is left to
 * it, so that both readings of what is accepted here are the same.
 */
#include <string.h>
#include <strings.h>

#include "sip_lex.h"
#include "sip_request_scan.h"
#include "sip_scan.h"
#include "strbuf.h"

#define MAGIC_COOKIE	"z9hG4bK"	/* RFC 3261 §8.1.1.7 */

/* User and parameter characters that need no escaping (RFC 3261 §25.1). */
static int
is_uri_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '!' || c == '~' || c == '*' || c == '\'' || c == '+';
}

static int
is_host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_token(int c)
{
	return sip_is_token_char(c);
}

/* The classes above as one table: the scan looks at every byte once. */
enum char_class { C_TOKEN = 1, C_URI = 2, C_HOST = 4, C_DIGIT = 8 };
static unsigned char char_classes[256];

static void
char_classes_init(void)
{
	for (int c = 1; c < 256; c++)
		char_classes[c] = (unsigned char)((is_token(c) ? C_TOKEN : 0) |
		    (is_uri_char(c) ? C_URI : 0) |
		    (is_host_char(c) ? C_HOST : 0) |
		    (is_digit(c) ? C_DIGIT : 0));
}

/* Past the run of characters at p of class cls. */
static const char *
skip(const char *p, const char *e, enum char_class cls)
{
	while (p < e && (char_classes[(unsigned char)*p] & cls))
		p++;
	return p;
}

/*
 * Past a plain SIP URI at p: "sip:" or "sips:", an optional user of
 * unescaped characters and '@', a host name, an optional port and
 * ";name" or ";name=value" parameters. NULL if it is anything else (an
 * escape, a password, headers, an IPv6 reference, another scheme, a
 * parameter libosip2 drops when it prints the URI).
 */
static const char *
scan_uri(const char *p, const char *e, int params)
{
	const char *q;

	if (e - p > 5 && memcmp(p, "sips:", 5) == 0)
		p += 5;
	else if (e - p > 4 && memcmp(p, "sip:", 4) == 0)
		p += 4;
	else
		return NULL;
	q = skip(p, e, C_URI);
	if (q < e && *q == '@') {
		if (q == p)
			return NULL;
		p = q + 1;
	}
	/* libosip2 cannot read a one-letter host in a To. */
	if ((q = skip(p, e, C_HOST)) - p < 2)
		return NULL;
	p = q;
	if (p < e && *p == ':') {
		p++;
		q = skip(p, e, C_DIGIT);
		if (q == p || q - p > 5)
			return NULL;
		p = q;
	}
	while (params && p < e && *p == ';') {
		p++;
		if ((q = skip(p, e, C_URI)) == p)
			return NULL;
		/* libosip2 never prints an "x-obp" parameter (eXosip's own). */
		if (q - p == 5 && strncasecmp(p, "x-obp", 5) == 0)
			return NULL;
		p = q;
		if (p < e && *p == '=') {
			p++;
			if ((q = skip(p, e, C_URI)) == p)
				return NULL;
			p = q;
		}
	}
	return p;
}

/* ";name" or ";name=token" header parameters; is one of them a tag? */
static int
header_params(const char *p, const char *e, int *tagged)
{
	*tagged = 0;
	while (p < e) {
		const char *name = p + 1;

		if (*p != ';' || (p = skip(name, e, C_TOKEN)) == name)
			return -1;
		if (p - name == 3 && strncasecmp(name, "tag", 3) == 0)
			*tagged = 1;
		if (p < e && *p == '=') {
			const char *value = ++p;

			if ((p = skip(value, e, C_TOKEN)) == value)
				return -1;
		}
	}
	return 0;
}

/*
 * A From or To value (RFC 3261 §20.20): in name-addr form, an optional
 * display name (quoted without escapes, or tokens), "<" a plain URI ">";
 * or in addr-spec form, a plain URI whose parameters would be the
 * header's (§20.10); then ";name" or ";name=token" parameters. Sets *uri,
 * the raw display name (quotes included; when display is not NULL, and
 * left alone if there is none) and whether a tag parameter is among them.
 */
static int
scan_name_addr(const char *p, const char *e, struct sip_span *uri,
    struct sip_span *display, int *tagged)
{
	const char *u, *d = p;

	if (e - p > 4 && memcmp(p, "sip", 3) == 0 && (p[3] == ':' ||
	    p[3] == 's')) {
		if ((u = scan_uri(p, e, 0)) == NULL)
			return -1;
		uri->p = p;
		uri->n = (size_t)(u - p);
		return header_params(u, e, tagged);
	}
	if (p < e && *p == '"') {
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
				return -1;
		if (p >= e)
			return -1;
		if (display != NULL) {
			display->p = d;
			display->n = (size_t)(p + 1 - d);
		}
		for (p++; p < e && *p == ' '; p++)
			;
	} else {
		while (p < e && *p != '<') {
			if (!(char_classes[(unsigned char)*p] & C_TOKEN) && *p != ' ')
				return -1;
			p++;
		}
		if (display != NULL && p > d) {
			display->p = d;
			display->n = (size_t)(p - d);
		}
	}
	if (p >= e || *p != '<')
		return -1;
	u = p + 1;
	if ((p = scan_uri(u, e, 1)) == NULL || p >= e || *p != '>')
		return -1;
	uri->p = u;
	uri->n = (size_t)(p - u);
	return header_params(p + 1, e, tagged);
}

/* Call-ID (§20.8): a token, or two joined by one '@'. */
static int
call_id_plain(const char *p, const char *e)
{
	const char *q = skip(p, e, C_TOKEN);

	if (q == p)
		return 0;
	if (q < e && *q == '@') {
		p = q + 1;
		q = skip(p, e, C_TOKEN);
		if (q == p)
			return 0;
	}
	return q == e;
}

/*
 * Content-Type (§20.15): type "/" subtype and ";name=value" parameters of
 * tokens. Not multipart: libosip2 splits such a body into its parts.
 */
static int
content_type_plain(const char *p, const char *e)
{
	const char *q = skip(p, e, C_TOKEN);

	if (q == p || q >= e || *q != '/' ||
	    (q - p == 9 && strncasecmp(p, "multipart", 9) == 0))
		return 0;
	p = q + 1;
	if ((q = skip(p, e, C_TOKEN)) == p)
		return 0;
	while (q < e) {
		if (*q != ';')
			return 0;
		p = q + 1;
		if (p < e && *p == ' ')
			p++;
		if ((q = skip(p, e, C_TOKEN)) == p || q >= e || *q != '=')
			return 0;
		p = q + 1;
		if ((q = skip(p, e, C_TOKEN)) == p)
			return 0;
	}
	return 1;
}

/*
 * The top Via: one plain value (sip_scan.c's grammar, one space after the
 * protocol, no IPv6), a branch with the magic cookie, at most a bare
 * rport, and neither received nor maddr (where responses go would then
 * be for libosip2's reading to decide).
 */
static int
scan_top_via(const char *v, const char *e, struct sip_request_scan *r)
{
	const char *p = v + 8, *q;

	p = skip(p, e, C_TOKEN);
	p++;				/* the one space, checked by the caller */
	r->via_host.p = p;
	if ((q = skip(p, e, C_HOST)) == p)
		return -1;
	r->via_host.n = (size_t)(q - p);
	p = q;
	if (p < e && *p == ':') {
		r->via_port.p = ++p;
		p = skip(p, e, C_DIGIT);
		r->via_port.n = (size_t)(p - r->via_port.p);
	}
	while (p < e) {
		const char *name = p + 1, *value = NULL;
		size_t n;

		if (*p != ';')
			return -1;
		p = skip(name, e, C_TOKEN);
		n = (size_t)(p - name);
		if (p < e && *p == '=') {
			value = ++p;
			p = skip(value, e, C_TOKEN);
		}
		if (n == 6 && strncasecmp(name, "branch", 6) == 0) {
			if (r->via_branch.p != NULL || value == NULL ||
			    memcmp(name, "branch", 6) != 0 ||
			    p - value <= (long)strlen(MAGIC_COOKIE) ||
			    memcmp(value, MAGIC_COOKIE,
			    strlen(MAGIC_COOKIE)) != 0)
				return -1;
			r->via_branch.p = value;
			r->via_branch.n = (size_t)(p - value);
		} else if (n == 5 && strncasecmp(name, "rport", 5) == 0) {
			if (r->via_rport.p != NULL || value != NULL ||
			    memcmp(name, "rport", 5) != 0)
				return -1;
			r->via_rport.p = name;
			r->via_rport.n = n;
		} else if ((n == 8 && strncasecmp(name, "received", 8) == 0) ||
		    (n == 5 && strncasecmp(name, "maddr", 5) == 0))
			return -1;
	}
	return r->via_branch.p != NULL ? 0 : -1;
}

/* A Via value: plain, one value, one space after the protocol. */
static int
via_value_plain(const char *v, const char *e)
{
	const char *p;

	/* libosip2 prints "SIP/2.0/" in capitals whatever it read. */
	if (!sip_scan_via_plain(v, e) || memcmp(v, "SIP/2.0/", 8) != 0 ||
	    memchr(v, ',', (size_t)(e - v)))
		return 0;
	p = skip(v + 8, e, C_TOKEN);
	return p + 1 < e && *p == ' ' && p[1] != ' ' && p[1] != '[';
}

/* What a header name is to the scan. */
enum header_kind {
	H_OTHER,	/* kept by libosip2 as name and value */
	H_KEEPS_COMMA,	/* the same, and a comma in it stays there */
	H_VIA, H_FROM, H_TO, H_CALL_ID, H_CSEQ, H_CONTENT_TYPE,
	H_CONTENT_LENGTH, H_CONTENT_ENCODING, H_SUBJECT, H_SUBJECT_COMPACT,
	H_CONTENT_LANGUAGE,
	H_ASSERTED_IDENTITY,	/* RFC 3325 §9.1; kept as name and value */
	H_PRIVACY,		/* RFC 3323 §4.2; kept as name and value */
	H_PARSED,	/* read by libosip2 into a structure of its own */
};

/*
 * Names in lower case, the commonest first. H_PARSED: libosip2 reads
 * them into structures (or splits them); H_KEEPS_COMMA: it does not split
 * their values at commas, as it does those of many others (Supported,
 * Require, Content-Language…), "x-" names included.
 */
static const struct {
	const char *name;
	size_t len;
	enum header_kind kind;
} header_names[] = {
#define N(s, k)	{ s, sizeof(s) - 1, k }
	N("via", H_VIA), N("from", H_FROM), N("to", H_TO),
	N("call-id", H_CALL_ID), N("cseq", H_CSEQ),
	N("content-type", H_CONTENT_TYPE),
	N("content-length", H_CONTENT_LENGTH),
	N("content-encoding", H_CONTENT_ENCODING),
	N("subject", H_SUBJECT), N("content-language", H_CONTENT_LANGUAGE),
	N("p-asserted-identity", H_ASSERTED_IDENTITY),
	N("privacy", H_PRIVACY),
	N("user-agent", H_KEEPS_COMMA), N("server", H_KEEPS_COMMA),
	N("date", H_KEEPS_COMMA), N("organization", H_KEEPS_COMMA),
	N("accept", H_PARSED), N("accept-encoding", H_PARSED),
	N("accept-language", H_PARSED), N("alert-info", H_PARSED),
	N("allow", H_PARSED), N("authentication-info", H_PARSED),
	N("authorization", H_PARSED), N("call-info", H_PARSED),
	N("contact", H_PARSED), N("error-info", H_PARSED),
	N("mime-version", H_PARSED), N("proxy-authenticate", H_PARSED),
	N("proxy-authentication-info", H_PARSED),
	N("proxy-authorization", H_PARSED), N("record-route", H_PARSED),
	N("route", H_PARSED), N("www-authenticate", H_PARSED),
#undef N
};

static enum header_kind
header_kind(const char *name, size_t n)
{
	char low[32];

	if (n == 1) {
		switch (*name | 0x20) {
		case 'v': return H_VIA;
		case 'f': return H_FROM;
		case 't': return H_TO;
		case 'i': return H_CALL_ID;
		case 'c': return H_CONTENT_TYPE;
		case 'l': return H_CONTENT_LENGTH;
		case 'e': return H_CONTENT_ENCODING;
		case 's': return H_SUBJECT_COMPACT;
		default: return H_PARSED;	/* other compact forms: left to it */
		}
	}
	if (n >= sizeof(low))
		return H_OTHER;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] - 'A' + 'a' : name[i]);
	for (size_t i = 0; i < sizeof(header_names) / sizeof(header_names[0]);
	    i++)
		if (header_names[i].len == n &&
		    memcmp(header_names[i].name, low, n) == 0)
			return header_names[i].kind;
	return n > 2 && low[0] == 'x' && low[1] == '-' ? H_KEEPS_COMMA :
	    H_OTHER;
}

/* Sets a header that may appear once; -1 the second time. */
static int
set_once(struct sip_span *s, const char *v, const char *e)
{
	if (s->p != NULL)
		return -1;
	s->p = v;
	s->n = (size_t)(e - v);
	return 0;
}

/* Whether [v, e) is printable text: no controls, no blanks at its ends. */
static int
text_plain(const char *v, const char *e)
{
	if (v >= e || *v == ' ' || e[-1] == ' ')
		return 0;
	for (; v < e; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

/* One header line "Name: value" with its value in [v, e). */
static int
scan_header(struct sip_request_scan *r, const char *name, size_t n,
    const char *v, const char *e, struct sip_span *cseq,
    struct sip_span *length, struct sip_span *subject_compact)
{
	enum header_kind kind = header_kind(name, n);
	int tagged;

	switch (kind) {
	case H_VIA:
		if (r->n_vias >= SIP_REQUEST_SCAN_VIAS ||
		    !via_value_plain(v, e) ||
		    (r->n_vias == 0 && scan_top_via(v, e, r) < 0))
			return -1;
		r->vias[r->n_vias].p = v;
		r->vias[r->n_vias++].n = (size_t)(e - v);
		return 0;
	case H_FROM:
		return r->from_uri.p != NULL ||
		    scan_name_addr(v, e, &r->from_uri,
		    &r->from_display, &tagged) < 0 ? -1 : 0;
	case H_TO:
		return r->to_uri.p != NULL ||
		    scan_name_addr(v, e, &r->to_uri, NULL,
		    &r->to_tagged) < 0 ? -1 : 0;
	case H_CALL_ID:
		return !call_id_plain(v, e) ? -1 : set_once(&r->call_id, v, e);
	case H_CSEQ:
		return set_once(cseq, v, e);
	case H_CONTENT_TYPE:
		return !content_type_plain(v, e) ? -1 :
		    set_once(&r->content_type, v, e);
	case H_CONTENT_LENGTH:
		return skip(v, e, C_DIGIT) != e || e - v > 9 ? -1 :
		    set_once(length, v, e);
	case H_CONTENT_ENCODING:
		return skip(v, e, C_TOKEN) != e ? -1 :
		    set_once(&r->content_encoding, v, e);
	case H_ASSERTED_IDENTITY:
		/* One line of one sip:/sips: value; libosip2 keeps it as text. */
		if (r->asserted_uri.p != NULL ||
		    memchr(v, ',', (size_t)(e - v)) != NULL ||
		    scan_name_addr(v, e, &r->asserted_uri, NULL, &tagged) < 0)
			return -1;
		r->n_other++;
		return 0;
	case H_PRIVACY:
		if (!text_plain(v, e) || memchr(v, ',', (size_t)(e - v)) ||
		    set_once(&r->privacy, v, e) < 0)
			return -1;
		r->n_other++;
		return 0;
	case H_PARSED:
		return -1;
	default:
		break;
	}
	if (!text_plain(v, e) || (kind != H_KEEPS_COMMA && kind != H_SUBJECT &&
	    kind != H_SUBJECT_COMPACT && memchr(v, ',', (size_t)(e - v))))
		return -1;
	/* Kept by libosip2 as name and value; the first of a name counts. */
	r->n_other++;
	if (kind == H_SUBJECT && r->subject.p == NULL)
		set_once(&r->subject, v, e);
	else if (kind == H_SUBJECT_COMPACT && subject_compact->p == NULL)
		set_once(subject_compact, v, e);
	else if (kind == H_CONTENT_LANGUAGE && r->content_language.p == NULL)
		set_once(&r->content_language, v, e);
	return 0;
}

/* CSeq "number MESSAGE", the number as libosip2 and RFC 3261 allow it. */
static int
cseq_plain(const struct sip_span *cseq)
{
	const char *p = cseq->p, *e, *q;

	if (p == NULL)
		return 0;
	e = p + cseq->n;
	if ((q = skip(p, e, C_DIGIT)) == p || q - p > 10)
		return 0;
	return e - q == 8 && memcmp(q, " MESSAGE", 8) == 0;
}

/*
 * Reads the MESSAGE in buf (one whole message, framed) into out. 0 if it
 * is plain and has everything a MESSAGE must (RFC 3261 §8.1.1); -1 if
 * not, which only means libosip2 has to read it.
 */
int
sip_request_scan(const char *buf, size_t len, struct sip_request_scan *out)
{
	const char *p, *end = buf + len, *e, *q;
	struct sip_span cseq = { NULL, 0 }, length = { NULL, 0 };
	struct sip_span subject_compact = { NULL, 0 };
	size_t body_len = 0;

	memset(out, 0, sizeof(*out));
	if (char_classes['a'] == 0)
		char_classes_init();
	/* libosip2 reads a NUL as the end of what it holds. */
	if (len < 8 || memcmp(buf, "MESSAGE ", 8) != 0 ||
	    memchr(buf, '\0', len) != NULL)
		return -1;
	p = buf + 8;
	if ((q = scan_uri(p, end, 1)) == NULL || end - q < 10 ||
	    memcmp(q, " SIP/2.0\r\n", 10) != 0)
		return -1;
	out->ruri.p = p;
	out->ruri.n = (size_t)(q - p);
	for (p = q + 10; p < end && *p != '\r'; p = e + 2) {
		const char *name = p, *v;

		if ((e = memchr(p, '\r', (size_t)(end - p))) == NULL ||
		    e + 1 >= end || e[1] != '\n')
			return -1;
		/* "Name:" with no blank before the colon; no folding. */
		if ((q = skip(p, e, C_TOKEN)) == p || q >= e || *q != ':' ||
		    memchr(p, '\n', (size_t)(e - p)) != NULL)
			return -1;
		for (v = q + 1; v < e && *v == ' '; v++)
			;
		if (v >= e || e[-1] == ' ' || e[-1] == '\t' ||
		    (e + 2 < end && (e[2] == ' ' || e[2] == '\t')) ||
		    scan_header(out, name, (size_t)(q - name), v, e, &cseq,
		    &length, &subject_compact) < 0)
			return -1;
	}
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
		return -1;
	p += 2;
	for (q = length.p; q != NULL && q < length.p + length.n; q++)
		body_len = body_len * 10 + (size_t)(*q - '0');
	if (out->n_vias == 0 || out->from_uri.p == NULL ||
	    out->to_uri.p == NULL || out->call_id.p == NULL ||
	    !cseq_plain(&cseq) || length.p == NULL ||
	    body_len != (size_t)(end - p) ||
	    (body_len > 0 && out->content_type.p == NULL))
		return -1;		/* libosip2 drops a body without a type */
	if (out->subject.p == NULL)
		out->subject = subject_compact;
	out->body.p = p;
	out->body.n = body_len;
	return 0;
}

/*
 * The server transaction's key, as sip_completed_key_method() makes it
 * from the parsed request: "branch host:port MESSAGE", host in lower case.
 */
int
sip_request_scan_key(const struct sip_request_scan *r, char *out, size_t size)
{
	const struct sip_span port = r->via_port.p != NULL ? r->via_port :
	    (struct sip_span){ "5060", 4 };
	size_t n = r->via_branch.n + 1 + r->via_host.n + 1 + port.n + 8;
	char *p = out;

	if (n >= size)
		return -1;
	memcpy(p, r->via_branch.p, r->via_branch.n);
	p += r->via_branch.n;
	*p++ = ' ';
	/* Hosts compare without case; so does the key. */
	for (size_t i = 0; i < r->via_host.n; i++) {
		char c = r->via_host.p[i];

		*p++ = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	*p++ = ':';
	memcpy(p, port.p, port.n);
	p += port.n;
	memcpy(p, " MESSAGE", 9);
	return 0;
}

/*
 * Appends the Via lines a response carries (RFC 3261 §8.2.6.2): the top
 * one with the source port in its rport (RFC 3581 §4) and the source
 * address in received where rport asks for it or the sent-by differs
 * (§18.2.1), the others as they came.
 */
int
sip_request_scan_vias(const struct sip_request_scan *r, const char *src_ip,
    int src_port, struct strbuf *out)
{
	const struct sip_span *top = &r->vias[0];
	const char *rest = top->p;
	size_t ip_len = strlen(src_ip);

	if (r->n_vias <= 0)
		return -1;
	strbuf_append(out, "Via: ", 5);
	if (r->via_rport.p != NULL) {
		char port[8], *p = port + sizeof(port);

		do
			*--p = (char)('0' + src_port % 10);
		while ((src_port /= 10) > 0 && p > port + 1);
		*--p = '=';
		rest = r->via_rport.p + r->via_rport.n;
		strbuf_append(out, top->p, (size_t)(rest - top->p));
		strbuf_append(out, p, (size_t)(port + sizeof(port) - p));
	}
	strbuf_append(out, rest, (size_t)(top->p + top->n - rest));
	if (r->via_rport.p != NULL || r->via_host.n != ip_len ||
	    memcmp(r->via_host.p, src_ip, ip_len) != 0) {
		strbuf_append(out, ";received=", 10);
		strbuf_append(out, src_ip, ip_len);
	}
	strbuf_append(out, "\r\n", 2);
	for (int i = 1; i < r->n_vias; i++) {
		strbuf_append(out, "Via: ", 5);
		strbuf_append(out, r->vias[i].p, r->vias[i].n);
		strbuf_append(out, "\r\n", 2);
	}
	return out->failed ? -1 : 0;
}
