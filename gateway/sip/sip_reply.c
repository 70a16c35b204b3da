/*
 * Building a response from the request's own header lines; see
 * sip_reply.h. The header block was accepted by libosip2 before it gets
 * here, but is scanned as if it had not: every length is checked.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_lex.h"
#include "sip_reply.h"
#include "sip_stack.h"		/* SIPXMPP_AGENT */
#include "strbuf.h"

#define SERVER_LINE "Server: " SIPXMPP_AGENT "\r\n"

enum copied { H_FROM, H_TO, H_CALL_ID, H_CSEQ, H_COUNT };

struct line {
	const char *start;	/* the header's first byte */
	size_t len;		/* through its last line's end, CRLF excluded */
	size_t value_end;	/* offset where its value ends (before blanks) */
};

/*
 * The length of the header block of msg (start line and headers, with
 * the empty line's end), or len if it has no empty line.
 */
size_t
sip_reply_header_block(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL &&
	    nl + 1 < end) {
		if (nl[1] == '\n')
			return (size_t)(nl - msg) + 2;
		if (nl[1] == '\r' && nl + 2 < end && nl[2] == '\n')
			return (size_t)(nl - msg) + 3;
		p = nl + 1;
	}
	return len;
}

/* Which copied header a field name is, long or compact (RFC 3261 §7.3.3). */
static int
header_kind(const char *name, size_t n)
{
	if ((n == 4 && strncasecmp(name, "From", 4) == 0) ||
	    (n == 1 && (name[0] == 'f' || name[0] == 'F')))
		return H_FROM;
	if ((n == 2 && strncasecmp(name, "To", 2) == 0) ||
	    (n == 1 && (name[0] == 't' || name[0] == 'T')))
		return H_TO;
	if ((n == 7 && strncasecmp(name, "Call-ID", 7) == 0) ||
	    (n == 1 && (name[0] == 'i' || name[0] == 'I')))
		return H_CALL_ID;
	if (n == 4 && strncasecmp(name, "CSeq", 4) == 0)
		return H_CSEQ;
	return -1;
}

/*
 * Finds the first From, To, Call-ID and CSeq in the header block, with
 * their continuation lines (§7.3.1). -1 if one is missing.
 */
static int
find_lines(const char *hdr, size_t hdr_len, struct line lines[H_COUNT])
{
	const char *p = hdr, *end = hdr + hdr_len;

	memset(lines, 0, sizeof(struct line) * H_COUNT);
	p = sip_next_line(sip_line_end(p, end), end);	/* the request line */
	while (p < end && *p != '\r' && *p != '\n') {
		const char *e = sip_line_end(p, end), *colon, *name_end;
		int kind;

		colon = memchr(p, ':', (size_t)(e - p));
		name_end = colon;
		while (name_end != NULL && name_end > p &&
		    (name_end[-1] == ' ' || name_end[-1] == '\t'))
			name_end--;
		kind = colon != NULL ? header_kind(p, (size_t)(name_end - p)) :
		    -1;
		/* Folded lines belong to this header. */
		while (sip_next_line(e, end) < end &&
		    (*sip_next_line(e, end) == ' ' || *sip_next_line(e, end) == '\t'))
			e = sip_line_end(sip_next_line(e, end), end);
		if (kind >= 0 && lines[kind].start == NULL) {
			const char *v = e;

			while (v > colon + 1 && (v[-1] == ' ' || v[-1] == '\t'))
				v--;
			lines[kind].start = p;
			lines[kind].len = (size_t)(e - p);
			lines[kind].value_end = (size_t)(v - p);
		}
		p = sip_next_line(e, end);
	}
	for (int k = 0; k < H_COUNT; k++)
		if (lines[k].start == NULL)
			return -1;
	return 0;
}

/*
 * Appends "Via: ...\r\n" for each parsed Via of req, received/rport
 * included. -1 if it has none or memory ran out.
 */
int
sip_reply_vias(struct strbuf *out, const osip_message_t *req)
{
	int n = osip_list_size(&req->vias);

	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		osip_via_t *via = osip_list_get(&req->vias, i);
		char *s = NULL;

		if (via == NULL || osip_via_to_str(via, &s) != 0)
			return -1;
		strbuf_append(out, "Via: ", 5);
		strbuf_appends(out, s);
		strbuf_append(out, "\r\n", 2);
		osip_free(s);
	}
	return out->failed ? -1 : 0;
}

/* Whether the header block has every field a response copies. */
int
sip_reply_can_copy(const char *hdr, size_t hdr_len)
{
	struct line lines[H_COUNT];

	return find_lines(hdr, hdr_len, lines) == 0;
}

/*
 * Writes a response into out: status line, the Via lines (from
 * sip_reply_vias()), From, To (with ";tag=" to_tag added unless to_tag is
 * NULL), Call-ID and CSeq copied from the header block hdr as received,
 * Server, the extra lines (each ending in CRLF, or NULL), and an empty
 * body. -1 if a copied field is missing or memory ran out.
 */
int
sip_reply_build(struct strbuf *out, const char *hdr, size_t hdr_len,
    const char *vias, int status, const char *reason, const char *to_tag,
    const char *extra)
{
	struct line lines[H_COUNT];
	char code[3];

	if (status < 100 || status > 699 || vias == NULL ||
	    find_lines(hdr, hdr_len, lines) < 0)
		return -1;
	if (reason == NULL)
		reason = osip_message_get_reason(status);
	if (reason == NULL)
		reason = "Unknown";
	code[0] = (char)('0' + status / 100);
	code[1] = (char)('0' + status / 10 % 10);
	code[2] = (char)('0' + status % 10);
	strbuf_append(out, "SIP/2.0 ", 8);
	strbuf_append(out, code, 3);
	strbuf_append(out, " ", 1);
	strbuf_appends(out, reason);
	strbuf_append(out, "\r\n", 2);
	strbuf_appends(out, vias);
	for (int k = 0; k < H_COUNT; k++) {
		strbuf_append(out, lines[k].start, lines[k].value_end);
		if (k == H_TO && status > 100 && to_tag != NULL) {
			strbuf_append(out, ";tag=", 5);
			strbuf_appends(out, to_tag);
		}
		strbuf_append(out, "\r\n", 2);
	}
	strbuf_append(out, SERVER_LINE, sizeof(SERVER_LINE) - 1);
	if (extra != NULL)
		strbuf_appends(out, extra);
	strbuf_append(out, "Content-Length: 0\r\n\r\n", 21);
	return out->failed ? -1 : 0;
}
