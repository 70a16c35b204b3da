/*
 * The pure half of the XMPP link: what an incoming <message/> says, in our
 * own struct, and the handful of stanzas the link writes by itself (error
 * replies, IQ results, pings). No sockets, no logging, no state.
 *
 * Incoming stanzas were parsed by libstrophe (expat), so their text is
 * well-formed UTF-8; still, every field may be missing, empty, repeated or
 * huge. Outgoing text may come from anywhere (a SIP reason phrase): it is
 * escaped and its UTF-8 repaired here, because one bad byte on the
 * component stream makes the server close the whole link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strophe.h>

#include "strbuf.h"
#include "xmpp_link.h"
#include "xmpp_link_stanza_int.h"

#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_RECEIPTS	"urn:xmpp:receipts"
#define NS_CHATSTATES	"http://jabber.org/protocol/chatstates"
#define NS_MARKERS	"urn:xmpp:chat-markers:0"
#define NS_PING		"urn:xmpp:ping"

/* True when child is in the stanza's own namespace (or in none). */
static int
in_stanza_ns(xmpp_stanza_t *child, const char *stanza_ns)
{
	const char *ns = xmpp_stanza_get_ns(child);

	if (ns == NULL)
		return 1;
	return stanza_ns != NULL && strcmp(ns, stanza_ns) == 0;
}

/* True when the element's name is name. */
static int
is_named(xmpp_stanza_t *elem, const char *name)
{
	const char *n = xmpp_stanza_get_name(elem);

	return n != NULL && strcmp(n, name) == 0;
}

/*
 * xml:lang of an element. libstrophe's expat parser drops the "xml:"
 * prefix, so the attribute arrives as "lang"; other builds may keep it.
 */
static const char *
elem_lang(xmpp_stanza_t *elem)
{
	const char *lang = xmpp_stanza_get_attribute(elem, "xml:lang");

	if (lang == NULL)
		lang = xmpp_stanza_get_attribute(elem, "lang");
	return lang;
}

/* Text content of elem: borrowed when it is one text node, else copied. */
static const char *
elem_text(struct xmpp_link_parsed *p, xmpp_stanza_t *elem)
{
	xmpp_stanza_t *child = xmpp_stanza_get_children(elem);
	const char *ptr;
	char *copy;

	if (child == NULL)
		return "";
	if (xmpp_stanza_is_text(child) && xmpp_stanza_get_next(child) == NULL) {
		ptr = xmpp_stanza_get_text_ptr(child);
		return ptr != NULL ? ptr : "";
	}
	if (p->n_owned >= (int)(sizeof(p->owned) / sizeof(p->owned[0])))
		return "";
	copy = xmpp_stanza_get_text(elem);
	if (copy == NULL)
		return "";
	p->owned[p->n_owned++] = copy;
	return copy;
}

/*
 * RFC 6120 §8.3: the defined condition, the type, the <text/> and, for
 * <gone/>, the new address (RFC 7247 §7.1 maps it to 301).
 */
static void
parse_error(struct xmpp_link_parsed *p, xmpp_stanza_t *error)
{
	struct xmpp_in_message *m = &p->msg;
	xmpp_stanza_t *c;
	const char *ns, *name, *text;

	m->error_type = xmpp_stanza_get_attribute(error, "type");
	for (c = xmpp_stanza_get_children(error); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c))
			continue;
		ns = xmpp_stanza_get_ns(c);
		name = xmpp_stanza_get_name(c);
		if (ns == NULL || name == NULL || strcmp(ns, NS_STANZAS) != 0)
			continue;
		if (strcmp(name, "text") == 0) {
			if (m->error_text == NULL)
				m->error_text = elem_text(p, c);
		} else if (m->error_condition == NULL) {
			m->error_condition = name;
			if (strcmp(name, "gone") == 0) {
				text = elem_text(p, c);
				if (*text != '\0')
					m->error_gone_uri = text;
			}
		}
	}
}

/* elem_text() for xmpp_link_muc.c. */
const char *
xmpp_link_elem_text(struct xmpp_link_parsed *p, xmpp_stanza_t *elem)
{
	return elem_text(p, elem);
}

/* parse_error() for xmpp_link_muc.c: into p->msg's error fields. */
void
xmpp_link_read_error(struct xmpp_link_parsed *p, xmpp_stanza_t *error)
{
	parse_error(p, error);
}

/*
 * Picks among repeated <body/> or <subject/> (RFC 6121 §5.2.3): the first
 * without xml:lang or in the stanza's language, else the first one.
 */
static int
lang_preferred(xmpp_stanza_t *elem, const char *stanza_lang)
{
	const char *lang = elem_lang(elem);

	if (lang == NULL || *lang == '\0')
		return 1;
	return stanza_lang != NULL && strcasecmp(lang, stanza_lang) == 0;
}

/* Turns a <message/> into out->msg; 0 on success, -1 if not a message. */
int
xmpp_link_parse_message(xmpp_stanza_t *stanza, struct xmpp_link_parsed *out)
{
	struct xmpp_in_message *m = &out->msg;
	xmpp_stanza_t *c, *body = NULL, *subject = NULL, *thread = NULL;
	xmpp_stanza_t *error = NULL;
	int body_pref = 0, subject_pref = 0;
	const char *ns, *stanza_ns;

	memset(out, 0, sizeof(*out));
	if (stanza == NULL || !xmpp_stanza_is_tag(stanza) ||
	    !is_named(stanza, "message"))
		return -1;
	out->ctx = xmpp_stanza_get_context(stanza);
	stanza_ns = xmpp_stanza_get_ns(stanza);
	m->from = xmpp_stanza_get_attribute(stanza, "from");
	m->to = xmpp_stanza_get_attribute(stanza, "to");
	m->id = xmpp_stanza_get_attribute(stanza, "id");
	m->type = xmpp_stanza_get_attribute(stanza, "type");
	m->lang = elem_lang(stanza);

	for (c = xmpp_stanza_get_children(stanza); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c) || xmpp_stanza_get_name(c) == NULL)
			continue;
		if (in_stanza_ns(c, stanza_ns)) {
			if (is_named(c, "body")) {
				if (body == NULL ||
				    (!body_pref && lang_preferred(c, m->lang))) {
					body = c;
					body_pref = lang_preferred(c, m->lang);
				}
				continue;
			}
			if (is_named(c, "subject")) {
				if (subject == NULL || (!subject_pref &&
				    lang_preferred(c, m->lang))) {
					subject = c;
					subject_pref = lang_preferred(c,
					    m->lang);
				}
				continue;
			}
			if (is_named(c, "thread")) {
				if (thread == NULL)
					thread = c;
				continue;
			}
			if (is_named(c, "error")) {
				if (error == NULL)
					error = c;
				continue;
			}
			m->has_other_payload = 1;
			continue;
		}
		ns = xmpp_stanza_get_ns(c);
		if (strcmp(ns, NS_RECEIPTS) == 0 && is_named(c, "request"))
			m->has_receipt_request = 1;	/* XEP-0184 §5.1 */
		else if (strcmp(ns, NS_RECEIPTS) == 0 &&
		    is_named(c, "received"))		/* XEP-0184 §5.2 */
			m->receipt_received_id =
			    xmpp_stanza_get_attribute(c, "id");
		else if (strcmp(ns, NS_MARKERS) == 0 && is_named(c, "markable"))
			m->has_markable = 1;		/* XEP-0333 §3 */
		else if (strcmp(ns, NS_MARKERS) == 0 &&
		    is_named(c, "displayed"))		/* XEP-0333 §4 */
			m->marker_displayed_id =
			    xmpp_stanza_get_attribute(c, "id");
		else if (strcmp(ns, NS_MARKERS) == 0)
			;	/* received/acknowledged markers: not carried */
		else if (strcmp(ns, NS_CHATSTATES) == 0) {
			/* XEP-0085 §5.6: one state per message; the first. */
			if (!m->has_chat_state)
				m->chat_state = xmpp_stanza_get_name(c);
			m->has_chat_state = 1;
		} else if (xmpp_link_nick_child(out, c, &m->nick))
			;				/* XEP-0172 §3 */
		else if (!xmpp_link_muc_message_child(out, c))
			m->has_other_payload = 1;
	}
	if (body != NULL)
		m->body = elem_text(out, body);
	if (subject != NULL)
		m->subject = elem_text(out, subject);
	if (thread != NULL)
		m->thread = elem_text(out, thread);
	if (error != NULL && m->type != NULL && strcmp(m->type, "error") == 0)
		parse_error(out, error);
	return 0;
}

/* <priority/> (RFC 6121 §4.7.2.3): an integer -128..127, else absent. */
static int
parse_priority(const char *text, int *out)
{
	long v;
	char *end;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (*text == '\0')
		return -1;
	v = strtol(text, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end != '\0' || v < -128 || v > 127)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Turns a <presence/> into out->pres (RFC 6121 §4.7); 0 on success, -1 if
 * it is not a presence. Unknown children are ignored, a bad <priority/>
 * counts as absent, and of repeated <status/> the one in the stanza's
 * language wins.
 */
int
xmpp_link_parse_presence(xmpp_stanza_t *stanza, struct xmpp_link_parsed *out)
{
	struct xmpp_in_presence *pr = &out->pres;
	xmpp_stanza_t *c, *show = NULL, *status = NULL, *prio = NULL;
	xmpp_stanza_t *error = NULL;
	const char *stanza_ns;
	int status_pref = 0;

	memset(out, 0, sizeof(*out));
	if (stanza == NULL || !xmpp_stanza_is_tag(stanza) ||
	    !is_named(stanza, "presence"))
		return -1;
	out->ctx = xmpp_stanza_get_context(stanza);
	stanza_ns = xmpp_stanza_get_ns(stanza);
	pr->from = xmpp_stanza_get_attribute(stanza, "from");
	pr->to = xmpp_stanza_get_attribute(stanza, "to");
	pr->id = xmpp_stanza_get_attribute(stanza, "id");
	pr->type = xmpp_stanza_get_attribute(stanza, "type");
	pr->lang = elem_lang(stanza);
	for (c = xmpp_stanza_get_children(stanza); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if (!xmpp_stanza_is_tag(c) || xmpp_stanza_get_name(c) == NULL)
			continue;
		if (!in_stanza_ns(c, stanza_ns)) {
			if (!xmpp_link_nick_child(out, c, &pr->nick))
				(void)xmpp_link_muc_presence_child(out, c);
			continue;
		}
		if (is_named(c, "show") && show == NULL)
			show = c;
		else if (is_named(c, "status") && (status == NULL ||
		    (!status_pref && lang_preferred(c, pr->lang)))) {
			status = c;
			status_pref = lang_preferred(c, pr->lang);
		} else if (is_named(c, "priority") && prio == NULL)
			prio = c;
		else if (is_named(c, "error") && error == NULL)
			error = c;
	}
	if (show != NULL)
		pr->show = elem_text(out, show);
	if (status != NULL) {
		pr->status = elem_text(out, status);
		pr->status_lang = elem_lang(status) != NULL ?
		    elem_lang(status) : pr->lang;
	}
	if (prio != NULL &&
	    parse_priority(elem_text(out, prio), &pr->priority) == 0)
		pr->has_priority = 1;
	if (error != NULL && pr->type != NULL &&
	    strcmp(pr->type, "error") == 0) {
		parse_error(out, error);
		pr->error_condition = out->msg.error_condition;
		pr->error_type = out->msg.error_type;
		pr->error_text = out->msg.error_text;
	}
	return 0;
}

/* Frees what xmpp_link_parse_message() had to copy. */
void
xmpp_link_parsed_clear(struct xmpp_link_parsed *p)
{
	for (int i = 0; i < p->n_owned; i++)
		xmpp_free(p->ctx, p->owned[i]);
	p->n_owned = 0;
}

/* Adds b to *total, saturating at limit + 1 (we only ask "too large?"). */
static int
add_size(size_t *total, size_t b, size_t limit)
{
	if (b > limit || *total > limit - b) {
		*total = limit + 1;
		return -1;
	}
	*total += b;
	return 0;
}

/* Adds the attributes' "name='value'" lengths of one element. */
static int
measure_attrs(xmpp_stanza_t *st, size_t *total, size_t limit)
{
	const char *stack[64], **attrs = stack;
	int n, count, r = 0;

	count = xmpp_stanza_get_attribute_count(st);
	if (count <= 0)
		return 0;
	if (count > 32 &&
	    (attrs = calloc((size_t)count * 2, sizeof(*attrs))) == NULL)
		return add_size(total, limit + 1, limit);
	n = xmpp_stanza_get_attributes(st, attrs, count * 2);
	for (int i = 0; i + 1 < n && r == 0; i += 2)
		r = add_size(total, strlen(attrs[i]) + strlen(attrs[i + 1]) + 4,
		    limit);
	if (attrs != stack)
		free(attrs);
	return r;
}

/* One element and its subtree; -1 once the limit is passed. */
static int
measure(xmpp_stanza_t *st, size_t *total, size_t limit, int depth)
{
	const char *name, *text;
	xmpp_stanza_t *c;

	if (depth > XMPP_LINK_MAX_DEPTH)
		return add_size(total, limit + 1, limit);
	if (xmpp_stanza_is_text(st)) {
		text = xmpp_stanza_get_text_ptr(st);
		return add_size(total, text != NULL ? strlen(text) : 0, limit);
	}
	name = xmpp_stanza_get_name(st);
	/* <name ...></name> */
	if (add_size(total, 2 * (name != NULL ? strlen(name) : 0) + 5,
	    limit) < 0)
		return -1;
	if (measure_attrs(st, total, limit) < 0)
		return -1;
	for (c = xmpp_stanza_get_children(st); c != NULL;
	    c = xmpp_stanza_get_next(c))
		if (measure(c, total, limit, depth + 1) < 0)
			return -1;
	return 0;
}

/*
 * Roughly how many bytes the stanza takes as text, without serializing it;
 * anything past limit (or nested deeper than XMPP_LINK_MAX_DEPTH) returns
 * limit + 1, so the walk stops early on hostile input.
 */
size_t
xmpp_link_stanza_size(xmpp_stanza_t *stanza, size_t limit)
{
	size_t total = 0;

	if (stanza == NULL)
		return 0;
	if (limit == (size_t)-1)
		limit--;
	measure(stanza, &total, limit, 0);
	return total;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

/*
 * Writes s as XML character data or attribute value: markup escaped,
 * characters XML 1.0 forbids and broken UTF-8 replaced by U+FFFD.
 */
static void
put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	while (n > 0) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\t':
		case '\n':
		case '\r':
			/*
			 * As references, or a parser would normalize them
			 * (XML 1.0 §2.11, §3.3.3) and change the value.
			 */
			fprintf(f, "&#%d;", *p);
			break;
		default:
			if (*p < 0x20) {
				fputs("\xef\xbf\xbd", f);
				break;
			}
			len = utf8_seq(p, n);
			if (len == 0) {
				fputs("\xef\xbf\xbd", f);
				break;
			}
			fwrite(p, 1, len, f);
			p += len;
			n -= len;
			continue;
		}
		p++;
		n--;
	}
}

/* Writes name='value' (with a leading space) unless value is NULL. */
static void
put_attr(FILE *f, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fprintf(f, " %s='", name);
	put_escaped(f, value);
	fputc('\'', f);
}

/* A condition is an element name: only lowercase letters and '-'. */
static int
valid_condition(const char *c)
{
	if (c == NULL || *c == '\0' || strlen(c) > 64)
		return 0;
	for (; *c != '\0'; c++)
		if ((*c < 'a' || *c > 'z') && *c != '-')
			return 0;
	return 1;
}

/* Closes the memory stream; the text, or NULL if it failed. */
static char *
finish(FILE *f, char **buf, size_t *len, size_t *lenp)
{
	int failed = ferror(f);

	if (fclose(f) != 0 || failed) {
		free(*buf);
		return NULL;
	}
	if (lenp != NULL)
		*lenp = *len;
	return *buf;
}

/*
 * An error reply (RFC 6120 §8.3) of kind "message" or "iq", from our side
 * (the original's to) to the original sender. The caller makes sure it
 * never answers an error with an error (RFC 6120 §8.3.1). Malloc'ed.
 */
char *
xmpp_link_build_error(const char *kind, const char *from, const char *to,
    const char *id, const char *type, const char *condition,
    const char *text, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (kind == NULL || (strcmp(kind, "message") != 0 &&
	    strcmp(kind, "iq") != 0 && strcmp(kind, "presence") != 0))
		return NULL;
	if (!valid_condition(condition))
		condition = "undefined-condition";
	if (!valid_condition(type))
		type = "cancel";
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "<%s", kind);
	put_attr(f, "from", from);
	put_attr(f, "to", to);
	put_attr(f, "id", id);
	fprintf(f, " type='error'><error type='%s'><%s xmlns='" NS_STANZAS
	    "'/>", type, condition);
	if (text != NULL && *text != '\0') {
		fputs("<text xmlns='" NS_STANZAS "'>", f);
		put_escaped(f, text);
		fputs("</text>", f);
	}
	fprintf(f, "</error></%s>", kind);
	return finish(f, &buf, &len, lenp);
}

/* <iq type='result'/> with an optional payload we wrote ourselves. */
char *
xmpp_link_build_iq_result(const char *from, const char *to, const char *id,
    const char *payload, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs("<iq", f);
	put_attr(f, "from", from);
	put_attr(f, "to", to);
	put_attr(f, "id", id);
	if (payload != NULL && *payload != '\0')
		fprintf(f, " type='result'>%s</iq>", payload);
	else
		fputs(" type='result'/>", f);
	return finish(f, &buf, &len, lenp);
}

/* Whether s can go into an attribute as it is: printable ASCII, no markup. */
static int
attr_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    strchr("&<>'\"", *s) != NULL)
			return 0;
	return 1;
}

/*
 * A XEP-0199 ping, the link's ordering barrier: one per domain and loop
 * turn under load. Our own ids and domains are plain ASCII and are
 * copied as they are (open_memstream cost 15,000 instructions a ping);
 * anything else is escaped and repaired like every other attribute.
 */
char *
xmpp_link_build_ping(const char *from, const char *to, const char *id,
    size_t *lenp)
{
	struct strbuf sb;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (attr_plain(from) && attr_plain(to) && attr_plain(id)) {
		strbuf_init(&sb);
		strbuf_appends(&sb, "<iq type='get' id='");
		strbuf_appends(&sb, id);
		strbuf_appends(&sb, "' from='");
		strbuf_appends(&sb, from);
		strbuf_appends(&sb, "' to='");
		strbuf_appends(&sb, to);
		strbuf_appends(&sb, "'><ping xmlns='" NS_PING "'/></iq>");
		if (sb.failed) {
			strbuf_free(&sb);
			return NULL;
		}
		if (lenp != NULL)
			*lenp = sb.len;
		return sb.buf;
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs("<iq type='get'", f);
	put_attr(f, "id", id);
	put_attr(f, "from", from);
	put_attr(f, "to", to);
	fputs("><ping xmlns='" NS_PING "'/></iq>", f);
	return finish(f, &buf, &len, lenp);
}

/* True when jid is exactly the bare domain (ASCII case-insensitive). */
int
xmpp_link_jid_is_domain(const char *jid, const char *domain)
{
	if (jid == NULL || domain == NULL)
		return 0;
	return strcasecmp(jid, domain) == 0;
}

/* Length of the bare part of a JID (before any '/'). */
static size_t
bare_len(const char *jid)
{
	const char *slash = strchr(jid, '/');

	return slash != NULL ? (size_t)(slash - jid) : strlen(jid);
}

/*
 * True when from may answer a stanza we sent to sent_to (RFC 6120 §8.3.1:
 * an error or result comes from the address the stanza was sent to, and
 * §10.5: an account's server answers for it). A domain answers only as
 * itself; a bare JID as itself or as any of its resources; a full JID as
 * itself or as its bare JID. Node and domain compare ASCII-case-blind
 * (our addresses may not be normalized, a server's are); a resource
 * exactly. Anything else, a missing from included, is someone else.
 */
int
xmpp_link_jid_answers(const char *sent_to, const char *from)
{
	size_t sbare, fbare;

	if (sent_to == NULL || from == NULL || *sent_to == '\0')
		return 0;
	sbare = bare_len(sent_to);
	fbare = bare_len(from);
	if (sbare != fbare || strncasecmp(sent_to, from, sbare) != 0)
		return 0;
	if (sent_to[sbare] == '\0')		/* sent to a bare address */
		return from[fbare] == '\0' ||
		    memchr(sent_to, '@', sbare) != NULL;
	/* Sent to a full JID: that resource, or the account (bare). */
	return from[fbare] == '\0' || strcmp(sent_to + sbare, from + fbare) == 0;
}
