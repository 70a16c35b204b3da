/*
 * A From header's display-name made readable (RFC 3261 §25.1); see
 * sip_display.h.
 */
#include <string.h>

#include "sip_display.h"
#include "strbuf.h"

/* RFC 3261 §25.1 token characters. */
static int
is_token(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-.!%*_+`'~", c)
	    != NULL);
}

/* Whitespace of LWS (CRLF folding is undone by the parsers before). */
static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends c to out unless it is full; -1 when it is. */
static int
put(char *out, size_t size, size_t *n, char c)
{
	if (*n + 1 >= size)
		return -1;
	out[(*n)++] = c;
	return 0;
}

/*
 * Reads the raw display-name raw[0..len) into out (NUL-terminated, at
 * most SIP_DISPLAY_MAX bytes and size - 1): a quoted-string without its
 * quotes and with "\x" made x, or tokens separated by single spaces.
 * Returns the length, or -1 when there is none, it is not a display-name
 * (controls, NUL, stray characters, an unclosed quote) or too long: a
 * hostile header gives no name rather than half of one.
 */
int
sip_display_name(const char *raw, size_t len, char *out, size_t size)
{
	const char *p = raw, *e = raw + len;
	size_t n = 0;

	if (raw == NULL || out == NULL || size == 0)
		return -1;
	if (size > SIP_DISPLAY_MAX + 1)
		size = SIP_DISPLAY_MAX + 1;
	while (p < e && is_ws((unsigned char)*p))
		p++;
	while (e > p && is_ws((unsigned char)e[-1]))
		e--;
	if (p == e)
		return -1;
	if (*p == '"') {
		/* quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE */
		if (e - p < 2 || e[-1] != '"')
			return -1;
		for (p++, e--; p < e; p++) {
			int c = (unsigned char)*p;

			if (c == '\\') {
				/* quoted-pair: anything but CR, LF. */
				if (++p >= e)
					return -1;	/* it escaped the quote */
				c = (unsigned char)*p;
			} else if (c == '"')
				return -1;
			/* A name is shown, never a control (tab: a space). */
			if (c == '\t')
				c = ' ';
			if (c < 0x20 || c == 0x7f || put(out, size, &n,
			    (char)c) < 0)
				return -1;
		}
	} else {
		for (; p < e; p++) {
			int c = (unsigned char)*p;

			if (is_ws(c)) {
				if (n > 0 && out[n - 1] == ' ')
					continue;
				c = ' ';
			} else if (!is_token(c))
				return -1;
			if (put(out, size, &n, (char)c) < 0)
				return -1;
		}
	}
	out[n] = '\0';
	return n > 0 ? (int)n : -1;
}

/*
 * Appends name as a From display-name, "name" and a space (RFC 3261
 * §25.1 quoted-string): '"' and '\' become quoted-pairs, a control
 * (never allowed in a header, and CR LF would end it) a space, and at
 * most SIP_DISPLAY_MAX bytes are written, cut at a UTF-8 character
 * boundary. Nothing for a NULL or empty name.
 */
void
sip_display_put(struct strbuf *sb, const char *name)
{
	size_t n, i;

	if (name == NULL || (n = strlen(name)) == 0)
		return;
	if (n > SIP_DISPLAY_MAX) {
		n = SIP_DISPLAY_MAX;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	strbuf_append(sb, "\"", 1);
	for (i = 0; i < n; i++) {
		char c = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ?
		    ' ' : name[i];

		if (c == '"' || c == '\\')
			strbuf_append(sb, "\\", 1);
		strbuf_append(sb, &c, 1);
	}
	strbuf_append(sb, "\" ", 2);
}
