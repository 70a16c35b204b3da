/*
 * message/cpim (RFC 3862) building; see cpim_build.h. The message
 * headers (§3) then one MIME entity, text/plain in UTF-8:
 *
 *	From: "nick" <sip:room@conf.example;gr=nick>
 *	To: <sip:alice@example.com>
 *	DateTime: 2026-12-08T00:00:00Z
 *
 *	Content-Type: text/plain;charset=utf-8
 *
 *	text
 *
 * Every value that came from the network is checked or escaped here, so
 * no nick, URI or stamp can end a header line and start another.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cpim_build.h"
#include "strbuf.h"

/*
 * Whether s is an RFC 3339 date-time as XEP-0082 stamps are: digits,
 * '-', ':', 'T', '.', 'Z', '+', no more than CPIM_DATETIME_MAX - 1
 * bytes, starting with a four-digit year. Enough to keep a hostile
 * stamp out of a header line; the reader parses it.
 */
int
cpim_datetime_valid(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) < 20 || n >= CPIM_DATETIME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (i < 4 ? !(c >= '0' && c <= '9') : !((c >= '0' &&
		    c <= '9') || strchr("-:T.Z+", c) != NULL))
			return 0;
	}
	return 1;
}

/* Now in UTC, RFC 3339 (§4.4 of RFC 3862 asks for it). */
void
cpim_datetime_now(char out[CPIM_DATETIME_MAX])
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, CPIM_DATETIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "1970-01-01T00:00:00Z");
}

/* Whether uri may stand between '<' and '>' on one header line. */
static int
uri_ok(const char *uri)
{
	if (uri == NULL || *uri == '\0')
		return 0;
	for (; *uri != '\0'; uri++) {
		int c = (unsigned char)*uri;

		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == '"')
			return 0;
	}
	return 1;
}

/*
 * Appends s as a CPIM String (RFC 3862 §3.2): '"' and '\' escaped,
 * CR, LF and tab as \r \n \t, other controls as \uXXXX.
 */
static void
put_string(struct strbuf *sb, const char *s)
{
	char esc[8];

	strbuf_appends(sb, "\"");
	for (; *s != '\0'; s++) {
		int c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			strbuf_append(sb, esc, 2);
		} else if (c == '\r')
			strbuf_appends(sb, "\\r");
		else if (c == '\n')
			strbuf_appends(sb, "\\n");
		else if (c == '\t')
			strbuf_appends(sb, "\\t");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
			strbuf_appends(sb, esc);
		} else
			strbuf_append(sb, s, 1);
	}
	strbuf_appends(sb, "\" ");
}

/* Appends "Name: [String ]<uri>" and CRLF. */
static void
put_address(struct strbuf *sb, const char *name, const char *formal,
    const char *uri)
{
	strbuf_appends(sb, name);
	strbuf_appends(sb, ": ");
	if (formal != NULL && *formal != '\0')
		put_string(sb, formal);
	strbuf_appends(sb, "<");
	strbuf_appends(sb, uri);
	strbuf_appends(sb, ">\r\n");
}

/*
 * Appends the CPIM message c describes to sb. 0, or -1 when a URI or
 * the date-time could break a header line (sb as it was) or memory ran
 * out (sb failed).
 */
int
cpim_build(struct strbuf *sb, const struct cpim_out *c)
{
	if (sb->failed || !uri_ok(c->from_uri) ||
	    (c->to_uri != NULL && !uri_ok(c->to_uri)) ||
	    (c->datetime != NULL && !cpim_datetime_valid(c->datetime)) ||
	    (c->body == NULL && c->len > 0))
		return -1;
	put_address(sb, "From", c->from_name, c->from_uri);
	if (c->to_uri != NULL)
		put_address(sb, "To", NULL, c->to_uri);
	if (c->datetime != NULL) {
		strbuf_appends(sb, "DateTime: ");
		strbuf_appends(sb, c->datetime);
		strbuf_appends(sb, "\r\n");
	}
	strbuf_appends(sb, "\r\nContent-Type: text/plain;charset=utf-8\r\n"
	    "\r\n");
	if (c->len > 0)
		strbuf_append(sb, c->body, c->len);
	return sb->failed ? -1 : 0;
}
