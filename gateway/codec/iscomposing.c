/*
 * RFC 3994 isComposing documents, both ways. Read on the one hardened
 * XML reader (xml_read.c): no DOCTYPE, UTF-8 checked, size bounded.
 * Extensions in other namespaces are skipped (RFC 3994 §6 "##other"
 * lax); an unknown state token is idle (RFC 3994 §3.4).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "cause.h"
#include "iscomposing.h"
#include "xml_read.h"

#define NS_ISCOMPOSING	"urn:ietf:params:xml:ns:im-iscomposing"
#define MEDIA_TYPE	"application/im-iscomposing+xml"

/* 1 if n is the element name in the isComposing namespace. */
static int
is_elem(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, NS_ISCOMPOSING) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * The text of n with surrounding white space trimmed, copied into out
 * (size > 0); -1 when it does not fit: no field we read is long.
 */
static int
elem_text(const xmlNode *n, char *out, size_t size)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s, *e;
	size_t len;
	int r = -1;

	if (t == NULL)
		return -1;
	s = (const char *)t;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	len = (size_t)(e - s);
	if (len < size) {
		memcpy(out, s, len);
		out[len] = '\0';
		r = 0;
	}
	xmlFree(t);
	return r;
}

/* xs:positiveInteger, capped at ISCOMPOSING_REFRESH_MAX; -1 if not one. */
static int
parse_refresh(const char *s)
{
	long v = 0;

	if (*s == '+')
		s++;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v <= ISCOMPOSING_REFRESH_MAX)
			v = v * 10 + (*s - '0');
	}
	if (v == 0)
		return -1;
	return v > ISCOMPOSING_REFRESH_MAX ? ISCOMPOSING_REFRESH_MAX : (int)v;
}

/*
 * Reads an isComposing document into out: 0, or -1 with *cause when it
 * is too large, not well-formed, not <isComposing/> in its namespace,
 * lacks <state/> (RFC 3994 §6: required) or has a field we cannot read.
 */
int
iscomposing_parse(const char *body, size_t len, struct iscomposing *out,
    char **cause)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *c;
	char state[32], refresh[32];
	int have_state = 0, r = -1, v;

	memset(out, 0, sizeof(*out));
	if (body == NULL || len == 0) {
		set_cause(cause, "isComposing: empty body");
		return -1;
	}
	if (len > ISCOMPOSING_MAX_BODY) {
		set_cause(cause, "isComposing: body of %zu bytes too large",
		    len);
		return -1;
	}
	if ((doc = xml_read_body(body, len, "isComposing", cause)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!is_elem(root, "isComposing")) {
		set_cause(cause, "isComposing: root is not <isComposing/> in "
		    NS_ISCOMPOSING);
		goto out;
	}
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(c, "state")) {
			if (have_state++ ||
			    elem_text(c, state, sizeof(state)) < 0) {
				set_cause(cause, "isComposing: bad <state/>");
				goto out;
			}
			/* RFC 3994 §3.4: an unknown token is idle. */
			out->active = strcmp(state, "active") == 0;
		} else if (is_elem(c, "refresh")) {
			if (elem_text(c, refresh, sizeof(refresh)) < 0 ||
			    (v = parse_refresh(refresh)) < 0) {
				set_cause(cause, "isComposing: bad <refresh/>");
				goto out;
			}
			out->refresh = v;
		} else if (is_elem(c, "lastactive")) {
			if (elem_text(c, out->lastactive,
			    sizeof(out->lastactive)) < 0) {
				set_cause(cause, "isComposing: bad "
				    "<lastactive/>");
				goto out;
			}
		} else if (is_elem(c, "contenttype")) {
			if (elem_text(c, out->contenttype,
			    sizeof(out->contenttype)) < 0) {
				set_cause(cause, "isComposing: bad "
				    "<contenttype/>");
				goto out;
			}
		}
		/* Anything else: an extension, skipped (RFC 3994 §6). */
	}
	if (!have_state) {
		set_cause(cause, "isComposing: no <state/>");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	xmlFreeDoc(doc);
	return r;
}

/*
 * Appends our isComposing document for ic (RFC 3994 §3.4): the state,
 * a refresh only with active (§3.2: no refreshes while idle), never
 * below 60 s; contenttype and lastactive when set. 0, or -1 with sb
 * left as it was.
 */
int
iscomposing_build(struct strbuf *sb, const struct iscomposing *ic)
{
	size_t start = sb->len;
	char num[16];
	int refresh;

	if (sb->failed)
		return -1;
	strbuf_appends(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<isComposing xmlns=\"" NS_ISCOMPOSING "\">\n<state>");
	strbuf_appends(sb, ic->active ? "active" : "idle");
	strbuf_appends(sb, "</state>\n");
	if (ic->lastactive[0] != '\0') {
		strbuf_appends(sb, "<lastactive>");
		if (strbuf_append_xml_checked(sb, ic->lastactive,
		    strlen(ic->lastactive), 0) != 0)
			goto fail;
		strbuf_appends(sb, "</lastactive>\n");
	}
	if (ic->contenttype[0] != '\0') {
		strbuf_appends(sb, "<contenttype>");
		if (strbuf_append_xml_checked(sb, ic->contenttype,
		    strlen(ic->contenttype), 0) != 0)
			goto fail;
		strbuf_appends(sb, "</contenttype>\n");
	}
	if (ic->active) {
		refresh = ic->refresh < ISCOMPOSING_REFRESH_MIN ?
		    ISCOMPOSING_REFRESH_MIN : ic->refresh;
		if (refresh > ISCOMPOSING_REFRESH_MAX)
			refresh = ISCOMPOSING_REFRESH_MAX;
		snprintf(num, sizeof(num), "%d", refresh);
		strbuf_appends(sb, "<refresh>");
		strbuf_appends(sb, num);
		strbuf_appends(sb, "</refresh>\n");
	}
	strbuf_appends(sb, "</isComposing>\n");
	if (!sb->failed)
		return 0;
fail:
	if (!sb->failed && sb->buf != NULL) {
		sb->len = start;
		sb->buf[start] = '\0';
	}
	return -1;
}

/* 1 if a Content-Type value names application/im-iscomposing+xml. */
int
iscomposing_is_type(const char *ct)
{
	size_t n = sizeof(MEDIA_TYPE) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, MEDIA_TYPE, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}
