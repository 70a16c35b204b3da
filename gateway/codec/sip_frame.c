/*
 * SIP message framing for streams (TCP) and datagrams (UDP).
 *
 * On a stream, Content-Length is mandatory (RFC 3261 §18.3) and decides
 * where the next message starts; a message without a valid one cannot be
 * framed, so the connection has to go. In a datagram the message ends with
 * the datagram; a Content-Length larger than what arrived is an error, a
 * smaller one truncates the body (RFC 3261 §18.3), and a missing one means
 * "the rest of the datagram".
 */
#include <string.h>

#include "sip_frame.h"
#include "span.h"

/*
 * Finds CRLFCRLF (or LFLF, tolerated) ending the header block; *end_len is
 * 2 or 3, the bytes after the returned '\n'. A stream resumes the search
 * 3 bytes before where it last stopped (sip_stream.c): a match is decided
 * by at most the 3 bytes from its first '\n'.
 */
const char *
sip_frame_header_end(const char *buf, size_t len, size_t *end_len)
{
	const char *p = buf, *end = buf + len, *nl;

	/* From line end to line end: memchr is many times a byte loop. */
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL &&
	    nl + 1 < end) {
		if (nl[1] == '\n') {
			*end_len = 2;
			return nl;
		}
		if (nl + 2 < end && nl[1] == '\r' && nl[2] == '\n') {
			*end_len = 3;
			return nl;
		}
		p = nl + 1;
	}
	return NULL;
}

/*
 * Scans the header block for Content-Length ("l" in compact form).
 * Returns 1 with *value set, 0 if absent, -1 if malformed or repeated
 * with different values.
 */
static int
content_length(const char *hdr, size_t len, size_t *value)
{
	const char *line = hdr, *end = hdr + len;
	int found = 0;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *colon, *p, *q;
		size_t v = 0, digits = 0;

		if (eol == NULL)
			eol = end;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || line[0] == ' ' || line[0] == '\t')
			goto next;
		q = colon;
		while (q > line && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (!span_eq_ci(line, (size_t)(q - line), "content-length") &&
		    !span_eq_ci(line, (size_t)(q - line), "l"))
			goto next;
		for (p = colon + 1; p < eol && (*p == ' ' || *p == '\t'); p++)
			;
		for (; p < eol && *p >= '0' && *p <= '9'; p++) {
			if (++digits > 9)
				return -1;
			v = v * 10 + (size_t)(*p - '0');
		}
		for (; p < eol && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
			;
		if (digits == 0 || p != eol)
			return -1;	/* negative, empty or trailing junk */
		if (found && v != *value)
			return -1;
		*value = v;
		found = 1;
next:
		line = eol + 1;
	}
	return found;
}

/* Checks the first line looks like text a SIP peer would send. */
static int
plausible_start(const char *buf, size_t len)
{
	size_t n = len < 8 ? len : 8;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

/* Counts leading CRLF / LF keep-alive bytes (RFC 5626 §4.4.1). */
static size_t
leading_crlf(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

/*
 * Frames the next message of a stream. Leading CRLFs come back as
 * SIP_FRAME_KEEPALIVE so the caller can consume them (and answer a
 * double-CRLF ping with a single CRLF pong).
 */
int
sip_frame_stream(const char *buf, size_t len, size_t max_len,
    struct sip_frame *out)
{
	size_t crlf = leading_crlf(buf, len), end_len, cl;
	const char *end;
	int r;

	memset(out, 0, sizeof(*out));
	if (crlf > 0) {
		out->msg_len = crlf;
		return SIP_FRAME_KEEPALIVE;
	}
	if (len > 0 && !plausible_start(buf, len))
		return SIP_FRAME_GARBAGE;
	end = sip_frame_header_end(buf, len < max_len ? len : max_len,
	    &end_len);
	if (end == NULL)
		return len >= max_len ? SIP_FRAME_TOO_LARGE : SIP_FRAME_NEED_MORE;
	out->header_len = (size_t)(end - buf) + end_len;
	r = content_length(buf, out->header_len, &cl);
	if (r <= 0)
		return SIP_FRAME_BAD_LENGTH;
	if (cl > max_len - out->header_len)
		return SIP_FRAME_TOO_LARGE;
	out->body_len = cl;
	out->msg_len = out->header_len + cl;
	return len >= out->msg_len ? SIP_FRAME_OK : SIP_FRAME_NEED_MORE;
}

/* Frames one datagram; trailing bytes beyond Content-Length are dropped. */
int
sip_frame_datagram(const char *buf, size_t len, size_t max_len,
    struct sip_frame *out)
{
	size_t end_len, cl;
	const char *end;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > max_len)
		return SIP_FRAME_TOO_LARGE;
	if (len == leading_crlf(buf, len)) {
		out->msg_len = len;
		return SIP_FRAME_KEEPALIVE;
	}
	if (!plausible_start(buf, len))
		return SIP_FRAME_GARBAGE;
	if ((end = sip_frame_header_end(buf, len, &end_len)) == NULL) {
		/* Headers without the blank line: tolerated if nothing follows. */
		out->header_len = len;
		out->msg_len = len;
		return content_length(buf, len, &cl) < 0 ?
		    SIP_FRAME_BAD_LENGTH : SIP_FRAME_OK;
	}
	out->header_len = (size_t)(end - buf) + end_len;
	r = content_length(buf, out->header_len, &cl);
	if (r < 0)
		return SIP_FRAME_BAD_LENGTH;
	if (r == 0)
		cl = len - out->header_len;
	if (cl > len - out->header_len)
		return SIP_FRAME_TRUNCATED;
	out->body_len = cl;
	out->msg_len = out->header_len + cl;
	return SIP_FRAME_OK;
}

/* Names a result for log lines. */
const char *
sip_frame_result_str(int result)
{
	switch (result) {
	case SIP_FRAME_OK:
		return "ok";
	case SIP_FRAME_NEED_MORE:
		return "incomplete";
	case SIP_FRAME_KEEPALIVE:
		return "keep-alive";
	case SIP_FRAME_BAD_LENGTH:
		return "missing or invalid Content-Length";
	case SIP_FRAME_TOO_LARGE:
		return "message too large";
	case SIP_FRAME_TRUNCATED:
		return "body shorter than Content-Length";
	case SIP_FRAME_GARBAGE:
		return "not a SIP message";
	}
	return "?";
}
