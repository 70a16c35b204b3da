/*
 * SIP, SIPS, IM and PRES URIs as they appear inside a header's <...>:
 * scheme ":" [ user "@" ] hostport *( ";" param ) [ "?" headers ]
 * (RFC 3261 §19.1.1 and §25.1; RFC 3860/3859 for im:/pres:, which carry
 * a mailbox and headers only). The check is strict and copies nothing;
 * sip_addr_parse then decodes and copies the parts callers need.
 */
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* Checks that s consists of bytes of the CC_* classes in mask and
 * valid %xx escapes; an empty s is refused. */
static int
escaped_text_ok(const char *s, size_t len, unsigned mask)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || hex_value((unsigned char)s[i + 1]) < 0 ||
			    hex_value((unsigned char)s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!char_in((unsigned char)s[i], mask))
			return 0;
	}
	return 1;
}

/* Case-insensitive comparison of a span with a lowercase literal. */
static int
span_is(const char *s, size_t len, const char *lit)
{
	size_t i;

	if (strlen(lit) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (ascii_lower(s[i]) != lit[i])
			return 0;
	return 1;
}

/* The byte classes of each part of a URI (RFC 3261 §25.1; RFC 2822
 * atext for the mailbox of im: and pres:, RFC 3860). */
#define URI_USER	(CC_ALNUM | CC_MARK | CC_USER)
#define URI_PARAM	(CC_ALNUM | CC_MARK | CC_PARAM)
#define URI_HEADER	(CC_ALNUM | CC_HEADER)
#define URI_MAILBOX	(CC_ALNUM | CC_MAILBOX)

/* Checks the ";name[=value]" list; remembers the gr value. RFC 5627
 * §3.2: "gr" without a value marks a temporary GRUU, which RFC 7247
 * §6.3 does not map to a resource, so only a valued gr is kept. */
static int
parse_params(const char *s, size_t len, struct sip_view *v)
{
	const char *end = s + len, *p = s, *next, *eq;
	size_t nlen;
	int seen_gr = 0;

	while (p < end) {
		if (*p != ';')
			return -1;
		p++;
		next = memchr(p, ';', (size_t)(end - p));
		if (next == NULL)
			next = end;
		eq = memchr(p, '=', (size_t)(next - p));
		nlen = (size_t)((eq != NULL ? eq : next) - p);
		if (!escaped_text_ok(p, nlen, URI_PARAM))
			return -1;
		if (eq != NULL && !escaped_text_ok(eq + 1,
		    (size_t)(next - eq - 1), URI_PARAM))
			return -1;
		if (span_is(p, nlen, "gr")) {
			if (seen_gr++)
				return -1;
			if (eq != NULL) {
				v->gr.p = eq + 1;
				v->gr.len = (size_t)(next - eq - 1);
			}
		}
		p = next;
	}
	return 0;
}

/* Recognises the scheme; -1 for anything but sip, sips, im and pres. */
static int
parse_scheme(const char *s, size_t len, enum uri_scheme *scheme)
{
	if (span_is(s, len, "sip"))
		*scheme = SCHEME_SIP;
	else if (span_is(s, len, "sips"))
		*scheme = SCHEME_SIPS;
	else if (span_is(s, len, "im"))
		*scheme = SCHEME_IM;
	else if (span_is(s, len, "pres"))
		*scheme = SCHEME_PRES;
	else
		return -1;
	return 0;
}

/* Checks a URI against the grammar and records where its parts are. */
int
sip_view_parse(const char *uri, size_t len, struct sip_view *v)
{
	const char *colon, *p, *end = uri + len, *at, *hp_end, *q;
	size_t hostlen;
	int mailbox;

	memset(v, 0, sizeof(*v));
	if (len == 0 || len > MAP_URI_MAX || memchr(uri, '\0', len) != NULL)
		return -1;
	if ((colon = memchr(uri, ':', len)) == NULL ||
	    parse_scheme(uri, (size_t)(colon - uri), &v->scheme) == -1)
		return -1;
	mailbox = v->scheme == SCHEME_IM || v->scheme == SCHEME_PRES;
	p = colon + 1;

	/* The user part ends at the first @: the grammar allows no @ in
	 * user, params or headers except %40. A ":password" is refused
	 * (RFC 3261 §19.1.1: NOT RECOMMENDED; nothing to map it to). */
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		v->user.p = p;
		v->user.len = (size_t)(at - p);
		if (!escaped_text_ok(v->user.p, v->user.len,
		    mailbox ? URI_MAILBOX : URI_USER))
			return -1;
		p = at + 1;
	} else if (mailbox)
		return -1;		/* RFC 3860: a mailbox has a local part */

	for (hp_end = p; hp_end < end && *hp_end != ';' && *hp_end != '?';
	    hp_end++)
		;
	if (sip_hostport_parse(p, (size_t)(hp_end - p), &hostlen,
	    &v->port) == -1)
		return -1;
	v->host.p = p;
	v->host.len = hostlen;
	v->hostport.p = p;
	v->hostport.len = (size_t)(hp_end - p);
	if (mailbox && v->port != 0)
		return -1;

	q = memchr(hp_end, '?', (size_t)(end - hp_end));
	if (q == NULL)
		q = end;
	if (q > hp_end) {
		if (mailbox || parse_params(hp_end, (size_t)(q - hp_end), v) == -1)
			return -1;
		v->has_params = 1;
	}
	if (q < end) {
		if (!escaped_text_ok(q + 1, (size_t)(end - q - 1), URI_HEADER))
			return -1;
		v->has_headers = 1;
	}
	return 0;
}

/*
 * Decodes a %-encoded span into a new string that must be UTF-8. Not
 * through pct_decode, whose NULL means either: a URI refused for want of
 * memory would be answered 400 (jid-malformed) instead of 500.
 */
static int
decode_span(struct span s, char **out)
{
	struct obuf ob;
	char *d;

	if ((d = malloc(s.len + 1)) == NULL)
		return MAP_NOMEM;
	obuf_init(&ob, d, s.len + 1);
	if (pct_decode_into(s.p, s.len, &ob) == -1 ||	/* a bad %xx, %00 */
	    !utf8_valid(d, strlen(d))) {
		free(d);
		return MAP_MALFORMED;
	}
	*out = d;
	return MAP_OK;
}

/* Parses a URI into separately allocated, decoded parts: the scheme
 * and host lowercased, IPv6 without brackets, user and gr decoded (and
 * refused unless UTF-8 without NUL). */
int
sip_addr_parse(const char *uri, struct sip_addr *out)
{
	static const char *const names[] = { "sip", "sips", "im", "pres" };
	struct sip_view v;
	struct span host;
	size_t i;
	int rc = MAP_NOMEM;

	memset(out, 0, sizeof(*out));
	if (uri == NULL ||
	    sip_view_parse(uri, strnlen(uri, MAP_URI_MAX + 1), &v) == -1)
		return MAP_MALFORMED;
	if ((out->scheme = strdup(names[v.scheme])) == NULL)
		goto fail;
	host = v.host;
	if (host.p[0] == '[') {
		host.p++;
		host.len -= 2;
	}
	if ((out->host = malloc(host.len + 1)) == NULL)
		goto fail;
	for (i = 0; i < host.len; i++)
		out->host[i] = ascii_lower(host.p[i]);
	out->host[host.len] = '\0';
	out->port = v.port;
	if (v.user.p != NULL && (rc = decode_span(v.user, &out->user)) != 0)
		goto fail;
	if (v.gr.p != NULL && (rc = decode_span(v.gr, &out->gr)) != 0)
		goto fail;
	return MAP_OK;
fail:
	sip_addr_clear(out);
	return rc;
}

/* Frees the parts filled by sip_addr_parse. */
void
sip_addr_clear(struct sip_addr *addr)
{
	free(addr->scheme);
	free(addr->user);
	free(addr->host);
	free(addr->gr);
	memset(addr, 0, sizeof(*addr));
}
