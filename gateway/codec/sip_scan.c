/*
 * Reading a response's status, top Via branch and CSeq method from its
 * raw bytes; see sip_scan.h. Every length is checked: this reads network
 * input before any parser has seen it.
 */
#include <string.h>
#include <strings.h>

#include "sip_lex.h"
#include "sip_scan.h"

/*
 * Copies the token at p (up to e) into out; -1 if it is empty, too long,
 * or followed (after blanks) by anything but its end or, with params, ';'
 * or ',': what the parser would take as part of it is never cut off.
 */
static int
copy_token(const char *p, const char *e, int params, char *out, size_t size)
{
	size_t n = 0;

	const char *after;

	while (p + n < e && sip_is_token_char(p[n]))
		n++;
	for (after = p + n; after < e && (*after == ' ' || *after == '\t');
	    after++)
		;
	if (n == 0 || n >= size ||
	    (after < e && (!params || (*after != ';' && *after != ','))))
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Past "[hex:hex...]" at p, or NULL: an IPv6 reference, colon included. */
static const char *
skip_ipv6(const char *p, const char *e)
{
	const char *start = ++p;
	int colon = 0;

	while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
	    (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
		colon |= *p++ == ':';
	if (p >= e || *p != ']' || p - start < 2 || !colon)
		return NULL;
	return p + 1;
}

/*
 * Whether [v, e) is a plain Via value, the way SIP stacks write them:
 * "SIP/2.0/" transport, spaces, a host name or IPv6 reference, an optional
 * port, then ";name" or ";name=value" parameters without blanks (values:
 * tokens or IPv6 references), and nothing after but spaces. libosip2
 * drops a Via it cannot read and takes the next as the top one; anything
 * less plain is left to it.
 */
int
sip_scan_via_plain(const char *v, const char *e)
{
	const char *p = v + 8;

	while (e > v && e[-1] == ' ')
		e--;
	if (e - v < 10 || strncasecmp(v, "SIP/2.0/", 8) != 0)
		return 0;
	while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		p++;
	/* Spaces only: libosip2 refuses a TAB here. */
	if (p == v + 8 || p >= e || *p != ' ')
		return 0;
	while (p < e && *p == ' ')
		p++;
	if (p < e && *p == '[') {
		if ((p = skip_ipv6(p, e)) == NULL)
			return 0;
	} else {
		const char *host = p;

		while (p < e && is_host_char(*p))
			p++;
		if (p == host)
			return 0;
	}
	if (p < e && *p == ':') {
		const char *port = ++p;

		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == port || p - port > 5)
			return 0;
	}
	while (p < e) {
		const char *name = ++p;

		if (p[-1] != ';')
			return 0;
		while (p < e && sip_is_token_char(*p))
			p++;
		if (p == name)
			return 0;
		if (p < e && *p == '=') {
			const char *value = ++p;

			if (p < e && *p == '[') {
				if ((p = skip_ipv6(p, e)) == NULL)
					return 0;
			} else {
				while (p < e && sip_is_token_char(*p))
					p++;
				if (p == value)
					return 0;
			}
		}
	}
	return 1;
}

/* The branch of the first Via value in [v, e); -1 if it has none. */
static int
via_branch(const char *v, const char *e, char *out, size_t size)
{
	/* The first value ends at a comma: no quotes before the params. */
	const char *comma = memchr(v, ',', (size_t)(e - v));

	if (comma != NULL)
		e = comma;
	if (!sip_scan_via_plain(v, e))
		return -1;
	/* A quoted parameter may hide a comma or a ";branch=": parser's job. */
	if (memchr(v, '"', (size_t)(e - v)) != NULL)
		return -1;
	/*
	 * The first parameter named branch decides, as in libosip2; only the
	 * plain form we send, ";branch=" without blanks, is read here.
	 */
	for (const char *p = v; p < e; p++) {
		const char *q = p + 1;

		if (*p != ';')
			continue;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (e - q < 6 || strncasecmp(q, "branch", 6) != 0 ||
		    (q + 6 < e && sip_is_token_char(q[6])))
			continue;		/* another parameter */
		if (q != p + 1 || q + 6 >= e || q[6] != '=')
			return -1;
		return copy_token(q + 7, e, 1, out, size);
	}
	return -1;
}

/*
 * Fills out from a response in buf. 0 when the status line, a top Via
 * with a branch and a CSeq with a method were all found plainly; -1 for
 * anything else, a request included.
 */
int
sip_scan_response(const char *buf, size_t len, struct sip_scan_response *out)
{
	const char *p = buf, *end = buf + len, *e;
	int have_via = 0, have_cseq = 0;

	memset(out, 0, sizeof(*out));
	/* libosip2 reads a NUL as the end of what it holds: so do we. */
	if (len < 12 || memcmp(buf, "SIP/2.0 ", 8) != 0 || buf[8] < '1' ||
	    buf[8] > '6' || memchr(buf, '\0', len) != NULL)
		return -1;
	for (int i = 8; i < 11; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		out->status = out->status * 10 + (buf[i] - '0');
	}
	if (buf[11] != ' ' && buf[11] != '\r' && buf[11] != '\n')
		return -1;
	e = sip_line_end(p, end);
	if (memchr(p, '\r', (size_t)(e - p)) != NULL)
		return -1;
	p = sip_next_line(e, end);
	while (p < end && *p != '\n' && !(*p == '\r' && p + 1 < end &&
	    p[1] == '\n')) {
		const char *colon, *name_end, *v;
		size_t n;

		e = sip_line_end(p, end);
		/* Folding, a lone CR: left to the parser. */
		if (*p == ' ' || *p == '\t' ||
		    memchr(p, '\r', (size_t)(e - p)) != NULL)
			return -1;
		if ((colon = memchr(p, ':', (size_t)(e - p))) == NULL)
			return -1;
		for (name_end = p; name_end < colon && sip_is_token_char(*name_end);
		    name_end++)
			;
		if (name_end == p || name_end != colon)
			return -1;	/* not a plain "Name:" */
		n = (size_t)(name_end - p);
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		if (!have_via && ((n == 3 && strncasecmp(p, "Via", 3) == 0) ||
		    (n == 1 && (*p == 'v' || *p == 'V')))) {
			if (via_branch(v, e, out->branch,
			    sizeof(out->branch)) < 0)
				return -1;
			have_via = 1;
		} else if (n == 4 && strncasecmp(p, "CSeq", 4) == 0) {
			if (have_cseq)
				return -1;	/* two: left to the parser */
			while (v < e && *v >= '0' && *v <= '9')
				v++;
			if (v >= e || (*v != ' ' && *v != '\t'))
				return -1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			if (copy_token(v, e, 0, out->method,
			    sizeof(out->method)) < 0)
				return -1;
			have_cseq = 1;
		}
		p = sip_next_line(e, end);
	}
	return have_via && have_cseq ? 0 : -1;
}
