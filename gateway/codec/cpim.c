/*
 * message/cpim (RFC 3862) parsing.
 *
 * A CPIM message is a block of "Name: value" message headers, a blank
 * line, then one MIME entity: its own content headers, a blank line, its
 * body (RFC 3862 §2, §3). Lines end in CRLF; bare LF is accepted because
 * real clients send it. Nothing is copied: the results are spans into the
 * caller's buffer, which need not be NUL-terminated and may hold anything.
 * Every line and block is bounded (CPIM_MAX_LINE, CPIM_MAX_LINES).
 */
#include <string.h>

#include "cpim.h"

/* A header line as found: its name and raw value (folding included). */
struct header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

#define IMDN_NS "urn:ietf:params:imdn"

/*
 * Reads the line at *pos (without its LF or CRLF) and moves *pos past it.
 * Returns 0 at the end of the buffer, -1 if the line is too long, else 1.
 */
static int
next_line(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *line_len)
{
	const char *p = buf + *pos, *nl;
	size_t left = len - *pos, n;

	if (left == 0)
		return 0;
	/* Never look further than a line may be long. */
	nl = memchr(p, '\n', left < CPIM_MAX_LINE + 2 ? left : CPIM_MAX_LINE + 2);
	if (nl == NULL) {
		if (left > CPIM_MAX_LINE + 1)
			return -1;
		n = left;
		*pos = len;
	} else {
		n = (size_t)(nl - p);
		*pos += n + 1;
	}
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > CPIM_MAX_LINE)
		return -1;
	*line = p;
	*line_len = n;
	return 1;
}

/*
 * Reads one header block starting at *pos into hdrs (room for
 * CPIM_MAX_LINES), up to and including the blank line that ends it.
 * A line starting with SP/HT continues the previous header (RFC 5322
 * folding, which MIME headers use and which we tolerate in CPIM ones).
 * If need_blank is set, reaching the end of the buffer first is an error;
 * otherwise it ends the block (an entity with headers and no body).
 */
static int
parse_block(const char *buf, size_t len, size_t *pos, int need_blank,
    struct header *hdrs, size_t *nhdrs)
{
	size_t n = 0, lines = 0;

	for (;;) {
		const char *line, *colon, *end;
		size_t line_len, name_len;
		int r;

		if ((r = next_line(buf, len, pos, &line, &line_len)) < 0)
			return -1;
		if (r == 0) {
			if (need_blank)
				return -1;
			break;
		}
		if (++lines > CPIM_MAX_LINES)
			return -1;
		if (line_len == 0)
			break;
		end = line + line_len;
		if (line[0] == ' ' || line[0] == '\t') {
			if (n == 0)
				return -1;
			hdrs[n - 1].value_len = (size_t)(end - hdrs[n - 1].value);
			continue;
		}
		if ((colon = memchr(line, ':', line_len)) == NULL)
			return -1;
		name_len = (size_t)(colon - line);
		while (name_len > 0 && (line[name_len - 1] == ' ' ||
		    line[name_len - 1] == '\t'))
			name_len--;
		if (name_len == 0)
			return -1;
		/* RFC 3862 §3.1: a name is printable ASCII, no spaces. */
		for (size_t i = 0; i < name_len; i++)
			if ((unsigned char)line[i] <= 0x20 ||
			    (unsigned char)line[i] >= 0x7f)
				return -1;
		hdrs[n].name = line;
		hdrs[n].name_len = name_len;
		hdrs[n].value = colon + 1;
		hdrs[n].value_len = (size_t)(end - (colon + 1));
		n++;
	}
	*nhdrs = n;
	return 0;
}

/*
 * The URI of a From/To/cc value: the part inside <...> after an optional
 * display name, which may be a quoted string holding '<' (RFC 3862 §3.2).
 * Without brackets, a lone token with a scheme is taken as the URI.
 */
static struct span
header_uri(const char *v, size_t n)
{
	struct span t, none = { NULL, 0 };
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		const char *gt;

		if (quoted) {
			if (v[i] == '\\')
				i++;
			else if (v[i] == '"')
				quoted = 0;
			continue;
		}
		if (v[i] == '"') {
			quoted = 1;
			continue;
		}
		if (v[i] != '<')
			continue;
		if ((gt = memchr(v + i + 1, '>', n - i - 1)) == NULL)
			return none;
		return span_trim_bytes(v + i + 1, (size_t)(gt - (v + i + 1)));
	}
	t = span_trim_bytes(v, n);
	for (size_t i = 0; i < t.len; i++)
		if (span_is_ws(t.ptr[i]) || t.ptr[i] == '"')
			return none;
	if (t.len == 0 || memchr(t.ptr, ':', t.len) == NULL)
		return none;
	return t;
}

/*
 * Subject (RFC 3862 §4.5): header parameters come straight after the
 * colon, before the space that starts the value, as in
 * "Subject:;lang=fr beau temps prevu pour aujourd'hui".
 */
static void
parse_subject(const struct header *h, struct cpim_message *out)
{
	const char *p = h->value, *end = h->value + h->value_len;

	while (p < end && *p == ';') {
		const char *q = ++p, *eqs;

		while (q < end && *q != ';' && !span_is_ws(*q))
			q++;
		eqs = memchr(p, '=', (size_t)(q - p));
		if (eqs != NULL && span_eq_ci(p, (size_t)(eqs - p), "lang"))
			out->subject_lang = span_trim_bytes(eqs + 1,
			    (size_t)(q - eqs - 1));
		p = q;
	}
	out->subject = span_trim_bytes(p, (size_t)(end - p));
}

/*
 * NS (RFC 3862 §4.6): "prefix <namespace-URI>". Remembers the prefix
 * bound to the IMDN namespace (RFC 5438 §9.1), so that prefixed headers
 * after it can be recognised.
 */
static void
parse_ns(const struct header *h, struct cpim_message *out,
    struct span *imdn_prefix)
{
	const char *lt = memchr(h->value, '<', h->value_len);
	struct span uri;

	if (lt == NULL)
		return;
	uri = header_uri(h->value, h->value_len);
	if (!span_eq_ci(uri.ptr, uri.len, IMDN_NS))
		return;
	out->has_imdn = 1;
	*imdn_prefix = span_trim_bytes(h->value, (size_t)(lt - h->value));
}

/* Handles one CPIM message header (RFC 3862 §4). */
static void
message_header(const struct header *h, struct cpim_message *out,
    struct span *imdn_prefix, int *seen)
{
	const char *dot;

	if (span_eq_ci(h->name, h->name_len, "from")) {
		if (!(*seen & 1))
			out->from_uri = header_uri(h->value, h->value_len);
		*seen |= 1;
	} else if (span_eq_ci(h->name, h->name_len, "to")) {
		if (!(*seen & 2))
			out->to_uri = header_uri(h->value, h->value_len);
		*seen |= 2;
	} else if (span_eq_ci(h->name, h->name_len, "subject")) {
		if (!(*seen & 4))
			parse_subject(h, out);
		*seen |= 4;
	} else if (span_eq_ci(h->name, h->name_len, "datetime"))
		out->datetime = span_trim_bytes(h->value, h->value_len);
	else if (span_eq_ci(h->name, h->name_len, "ns"))
		parse_ns(h, out, imdn_prefix);
	else if ((dot = memchr(h->name, '.', h->name_len)) != NULL &&
	    imdn_prefix->len > 0 &&
	    (size_t)(dot - h->name) == imdn_prefix->len &&
	    strncmp(h->name, imdn_prefix->ptr, imdn_prefix->len) == 0) {
		const char *local = dot + 1;
		size_t local_len = h->name_len - imdn_prefix->len - 1;

		if (span_eq_ci(local, local_len, "message-id"))
			out->imdn_message_id = span_trim_bytes(h->value,
			    h->value_len);
		else if (span_eq_ci(local, local_len,
		    "disposition-notification"))
			out->imdn_disposition = span_trim_bytes(h->value,
			    h->value_len);
	}
}

/* Handles one content header of the encapsulated MIME entity. */
static void
content_header(const struct header *h, struct cpim_message *out)
{
	struct span v = span_trim_bytes(h->value, h->value_len);

	if (span_eq_ci(h->name, h->name_len, "content-type"))
		out->content_type = v;
	else if (span_eq_ci(h->name, h->name_len, "content-language"))
		out->content_lang = v;
	else if (span_eq_ci(h->name, h->name_len, "content-encoding"))
		out->content_encoding = v;
	else if (span_eq_ci(h->name, h->name_len, "content-transfer-encoding"))
		out->content_transfer_encoding = v;
}

/*
 * 1 if a block is the MIME header of the CPIM object itself
 * ("Content-type: Message/CPIM", as RFC 3862's examples print it) rather
 * than CPIM headers: some peers include it in the body.
 */
static int
is_mime_wrapper(const struct header *hdrs, size_t n)
{
	struct span v;

	if (n == 0 ||
	    !span_eq_ci(hdrs[0].name, hdrs[0].name_len, "content-type"))
		return 0;
	v = span_trim_bytes(hdrs[0].value, hdrs[0].value_len);
	if (v.len < 12 || !span_eq_ci(v.ptr, 12, "message/cpim"))
		return 0;
	return v.len == 12 || v.ptr[12] == ';' || span_is_ws(v.ptr[12]);
}

/*
 * Parses a message/cpim body. Returns 0 with *out filled (spans into buf;
 * absent items are empty), or -1 if buf is not a CPIM message: no header
 * block, a line that is not a header, a line or block over the bounds,
 * or no blank line after the message headers.
 *
 * One published mistake is tolerated: RFC 5438's notification examples
 * run the content headers into the message headers with no blank line
 * between. If the message headers hold a Content-Type and what follows
 * does not parse as a header block with one, what follows is the body.
 */
int
cpim_parse(const char *buf, size_t len, struct cpim_message *out)
{
	struct header hdrs[CPIM_MAX_LINES];
	struct cpim_message merged;
	struct span imdn_prefix = { NULL, 0 };
	size_t n, pos = 0, body_pos;
	int seen = 0, inner_ok;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0)
		return -1;
	if (parse_block(buf, len, &pos, 1, hdrs, &n) < 0)
		return -1;
	if (is_mime_wrapper(hdrs, n) &&
	    parse_block(buf, len, &pos, 1, hdrs, &n) < 0)
		return -1;
	if (n == 0)
		return -1;
	memset(&merged, 0, sizeof(merged));
	for (size_t i = 0; i < n; i++) {
		message_header(&hdrs[i], out, &imdn_prefix, &seen);
		content_header(&hdrs[i], &merged);
	}

	body_pos = pos;
	inner_ok = parse_block(buf, len, &pos, 0, hdrs, &n) == 0;
	if (inner_ok)
		for (size_t i = 0; i < n; i++)
			content_header(&hdrs[i], out);
	if (merged.content_type.len > 0 && (!inner_ok ||
	    out->content_type.len == 0)) {
		out->content_type = merged.content_type;
		out->content_lang = merged.content_lang;
		out->content_encoding = merged.content_encoding;
		out->content_transfer_encoding =
		    merged.content_transfer_encoding;
		pos = body_pos;
	} else if (!inner_ok) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->body = buf + pos;
	out->body_len = len - pos;
	return 0;
}
