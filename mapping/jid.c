/*
 * JIDs (RFC 7622 §3): [ localpart "@" ] domainpart [ "/" resourcepart ].
 * A strict, allocation-free check first (jid_view_parse), then, for the
 * callers who want their own copies, jid_parse.
 */
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* Checks an escaped localpart: 1..1023 bytes of UTF-8 text without the
 * characters RFC 7622 §3.3.1 disallows (" & ' / : < > @), spaces or
 * controls. Backslashes are allowed: they carry XEP-0106 escapes. */
int
jid_local_valid(const char *s, size_t len)
{
	size_t i;
	int wide = 0;

	if (len == 0 || len > JID_PART_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			wide = 1;
		else if (char_in((unsigned char)s[i], CC_LOCAL_BAD))
			return 0;
	}
	/* ASCII controls are in CC_LOCAL_BAD; the rest of what
	 * ident_text_ok refuses is not ASCII. */
	return !wide || ident_text_ok(s, len);
}

/* Splits and checks a JID without copying it. RFC 7622 §3.1: the
 * resource is everything after the first slash (it may hold / and @);
 * the localpart is what precedes an @ before that slash. */
int
jid_view_parse(const char *s, size_t len, struct jid_view *v)
{
	const char *slash, *at;
	size_t bare;

	memset(v, 0, sizeof(*v));
	if (len == 0 || len > JID_MAX || !utf8_valid(s, len))
		return -1;
	slash = memchr(s, '/', len);
	bare = slash != NULL ? (size_t)(slash - s) : len;
	if (slash != NULL) {
		v->resource.p = slash + 1;
		v->resource.len = len - bare - 1;
		if (v->resource.len == 0 || v->resource.len > JID_PART_MAX ||
		    !opaque_text_ok(v->resource.p, v->resource.len))
			return -1;
	}
	if ((at = memchr(s, '@', bare)) != NULL) {
		v->local.p = s;
		v->local.len = (size_t)(at - s);
		if (!jid_local_valid(v->local.p, v->local.len))
			return -1;
		v->domain.p = at + 1;
		v->domain.len = bare - v->local.len - 1;
	} else {
		v->domain.p = s;
		v->domain.len = bare;
	}
	/* RFC 7622 §3.2: a final dot is stripped. */
	if (v->domain.len > 1 && v->domain.p[v->domain.len - 1] == '.')
		v->domain.len--;
	if (!jid_domain_valid(v->domain.p, v->domain.len))
		return -1;
	return 0;
}

/* Copies len bytes into a new string, lowercasing ASCII if asked. */
static char *
copy_span(const char *s, size_t len, int lower)
{
	char *out;
	size_t i;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		out[i] = lower ? ascii_lower(s[i]) : s[i];
	out[len] = '\0';
	return out;
}

/* Parses a JID into separately allocated parts; the domain is
 * lowercased (ASCII), the localpart keeps its case and escapes. */
int
jid_parse(const char *text, struct jid *out)
{
	struct jid_view v;

	memset(out, 0, sizeof(*out));
	if (text == NULL ||
	    jid_view_parse(text, strnlen(text, JID_MAX + 1), &v) == -1)
		return MAP_MALFORMED;
	if ((out->domain = copy_span(v.domain.p, v.domain.len, 1)) == NULL)
		goto nomem;
	if (v.local.p != NULL &&
	    (out->local = copy_span(v.local.p, v.local.len, 0)) == NULL)
		goto nomem;
	if (v.resource.p != NULL && (out->resource =
	    copy_span(v.resource.p, v.resource.len, 0)) == NULL)
		goto nomem;
	return MAP_OK;
nomem:
	jid_clear(out);
	return MAP_NOMEM;
}

/* Frees the parts of a JID filled by jid_parse. */
void
jid_clear(struct jid *jid)
{
	free(jid->local);
	free(jid->domain);
	free(jid->resource);
	memset(jid, 0, sizeof(*jid));
}
