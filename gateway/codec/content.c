/*
 * From a SIP MESSAGE body to the text a person should read (RFC 7572 §7).
 *
 *   text/plain      any charset iconv(3) knows, converted to UTF-8; UTF-8
 *                   itself (the default) is only validated and copied;
 *   text/html,      reduced to plain text with libxml2's HTML parser;
 *   application/xhtml+xml
 *   message/cpim    unwrapped once (RFC 3862), the inner entity judged by
 *                   these same rules;
 *   application/im-iscomposing+xml, message/imdn+xml
 *                   machine bodies (RFC 3994, RFC 5438): never shown;
 *   anything else   unsupported.
 *
 * The text we hand out is UTF-8 holding only characters XML 1.0 allows,
 * with LF line ends, so that it can go into a <body/> unchanged. What
 * cannot be shown faithfully is refused with a reason, never patched up.
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "cause.h"
#include "content.h"
#include "cpim.h"
#include "strbuf.h"

#define CONTENT_MAX_BODY	(1024 * 1024)
#define CONTENT_MAX_CHARSET	40
#define CONTENT_MAX_LANG	35

/* The parts of a Content-Type value we use. */
struct ctype {
	struct span type;
	struct span subtype;
	struct span charset;	/* empty if absent */
};

/* 1 for RFC 2045 token characters. */
static int
is_token(char c)
{
	unsigned char u = (unsigned char)c;

	if (u <= 0x20 || u >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skips whitespace and RFC 822 (comments) from *p up to end. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end) {
		if (span_is_ws(*p))
			p++;
		else if (*p == '(') {
			int depth = 0;

			for (; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
		} else
			break;
	}
	return p;
}

/* Reads a token at *pp; an empty span if there is none. */
static struct span
token(const char **pp, const char *end)
{
	struct span s = { *pp, 0 };

	while (*pp < end && is_token(**pp))
		(*pp)++;
	s.len = (size_t)(*pp - s.ptr);
	return s;
}

/*
 * Parses "type/subtype *(; name=value)" (RFC 2045 §5.1), case-blind,
 * values tokens or quoted strings. Returns -1 if there is no type/subtype;
 * a broken parameter list just ends the parameters.
 */
static int
ctype_parse(const char *s, size_t len, struct ctype *ct)
{
	const char *p = s, *end = s + len;

	memset(ct, 0, sizeof(*ct));
	p = skip_ws(p, end);
	ct->type = token(&p, end);
	p = skip_ws(p, end);
	if (ct->type.len == 0 || p >= end || *p != '/')
		return -1;
	p = skip_ws(p + 1, end);
	ct->subtype = token(&p, end);
	if (ct->subtype.len == 0)
		return -1;
	for (;;) {
		struct span name, value;

		p = skip_ws(p, end);
		if (p >= end || *p != ';')
			break;
		p = skip_ws(p + 1, end);
		name = token(&p, end);
		p = skip_ws(p, end);
		if (name.len == 0 || p >= end || *p != '=')
			break;
		p = skip_ws(p + 1, end);
		if (p < end && *p == '"') {
			/* A quoted charset is used as is; "\" makes it unusable. */
			value.ptr = ++p;
			while (p < end && *p != '"')
				p++;
			if (p >= end)
				break;
			value.len = (size_t)(p - value.ptr);
			p++;
		} else
			value = token(&p, end);
		if (span_is(name, "charset"))
			ct->charset = value;
	}
	return 0;
}

/* 1 if the charset needs no conversion: UTF-8, or ASCII (a subset). */
static int
charset_is_utf8(struct span cs)
{
	return cs.len == 0 || span_is(cs, "utf-8") || span_is(cs, "utf8") ||
	    span_is(cs, "us-ascii") || span_is(cs, "ascii");
}

/*
 * Copies a charset name into buf for iconv_open, refusing anything that
 * is not a plain name: glibc reads "//" suffixes and '/' as conversion
 * options, and the name comes from the network.
 */
static int
charset_name(struct span cs, char *buf, size_t size)
{
	if (cs.len == 0 || cs.len >= size)
		return -1;
	for (size_t i = 0; i < cs.len; i++) {
		char c = cs.ptr[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':' || c == '+'))
			return -1;
	}
	memcpy(buf, cs.ptr, cs.len);
	buf[cs.len] = '\0';
	return 0;
}

/* Doubles iconv's output buffer, within reason. */
static int
grow(char **buf, size_t *cap, char **op, size_t *outleft)
{
	size_t used = (size_t)(*op - *buf);
	char *nbuf;

	if (*cap > (size_t)CONTENT_MAX_BODY * 8)
		return CONTENT_MALFORMED;	/* no charset expands this much */
	if ((nbuf = realloc(*buf, *cap * 2)) == NULL)
		return CONTENT_NOMEM;
	*buf = nbuf;
	*cap *= 2;
	*op = nbuf + used;
	*outleft = *cap - used;
	return CONTENT_TEXT;
}

/*
 * Converts len bytes in charset `cs` to UTF-8, in a malloc'ed buffer
 * (*out, *out_len, not terminated). Returns a content_verdict.
 */
static int
to_utf8(struct span cs, const char *body, size_t len, char **out,
    size_t *out_len, char **cause)
{
	char name[CONTENT_MAX_CHARSET + 1], *buf = NULL, *in, *op;
	size_t cap, inleft = len, outleft;
	iconv_t cd;
	int ret = CONTENT_MALFORMED;

	if (charset_name(cs, name, sizeof(name)) < 0) {
		set_cause(cause, "unsupported charset \"%.*s\"",
		    (int)(cs.len > 64 ? 64 : cs.len), cs.ptr);
		return CONTENT_UNSUPPORTED;
	}
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1) {
		if (errno == ENOMEM)
			return CONTENT_NOMEM;
		set_cause(cause, "unsupported charset \"%s\"", name);
		return CONTENT_UNSUPPORTED;
	}
	/* Single-byte charsets need at most 3 bytes per byte. */
	cap = len * 3 + 16;
	if ((buf = malloc(cap)) == NULL) {
		ret = CONTENT_NOMEM;
		goto out;
	}
	in = (char *)body;
	op = buf;
	outleft = cap;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			if ((ret = grow(&buf, &cap, &op, &outleft)) !=
			    CONTENT_TEXT)
				goto grow_failed;
			continue;
		}
		ret = CONTENT_MALFORMED;
		if (errno == EILSEQ)
			set_cause(cause, "invalid %s sequence at byte %zu", name,
			    len - inleft);
		else if (errno == EINVAL)
			set_cause(cause, "truncated %s sequence at the end",
			    name);
		else
			set_cause(cause, "cannot convert from %s", name);
		goto out;
	}
	/* Stateful charsets (ISO-2022-*) may owe a final shift sequence. */
	while (iconv(cd, NULL, NULL, &op, &outleft) == (size_t)-1) {
		if (errno != E2BIG) {
			ret = CONTENT_MALFORMED;
			set_cause(cause, "cannot convert from %s", name);
			goto out;
		}
		if ((ret = grow(&buf, &cap, &op, &outleft)) != CONTENT_TEXT)
			goto grow_failed;
	}
	*out = buf;
	*out_len = (size_t)(op - buf);
	buf = NULL;
	ret = CONTENT_TEXT;
	goto out;
grow_failed:
	if (ret == CONTENT_MALFORMED)
		set_cause(cause, "%s text too large once converted", name);
out:
	free(buf);
	iconv_close(cd);
	return ret;
}

/*
 * Checks UTF-8 text and copies it NUL-terminated with CRLF (and lone CR,
 * which an XML parser would turn into LF anyway) as LF.
 */
static int
finish_text(const char *s, size_t len, const char *what,
    struct content_text *out, char **cause)
{
	size_t bad, n = 0;
	char *t;
	int r;

	if ((r = strbuf_xml_check(s, len, &bad)) != 0) {
		if (r == STRBUF_BAD_UTF8)
			set_cause(cause, "%s: invalid UTF-8 at byte %zu",
			    what, bad);
		else
			set_cause(cause, "%s: character at byte %zu cannot "
			    "be carried in XML", what, bad);
		return CONTENT_MALFORMED;
	}
	if ((t = malloc(len + 1)) == NULL)
		return CONTENT_NOMEM;
	while (len > 0) {
		const char *cr = memchr(s, '\r', len);
		size_t run = cr == NULL ? len : (size_t)(cr - s);

		memcpy(t + n, s, run);
		n += run;
		if (cr == NULL)
			break;
		t[n++] = '\n';
		run++;
		if (run < len && s[run] == '\n')
			run++;
		s += run;
		len -= run;
	}
	t[n] = '\0';
	out->text = t;
	out->len = n;
	return CONTENT_TEXT;
}

/* text/plain: decode, check, copy. UTF-8 goes straight to the check. */
static int
plain_text(struct span charset, const char *body, size_t len,
    struct content_text *out, char **cause)
{
	char *conv = NULL;
	size_t conv_len;
	int r;

	if (charset_is_utf8(charset)) {
		/* A byte order mark is a signature, not text. */
		if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
			body += 3;
			len -= 3;
		}
		return finish_text(body, len, "text/plain", out, cause);
	}
	if ((r = to_utf8(charset, body, len, &conv, &conv_len, cause)) !=
	    CONTENT_TEXT)
		return r;
	r = finish_text(conv, conv_len, "text/plain", out, cause);
	free(conv);
	return r;
}

/* The flattening of an HTML tree into text. */
struct flat {
	struct strbuf sb;
	size_t newlines;	/* line breaks owed before the next text */
	int space;		/* a space is owed before the next text */
	int pre;		/* inside <pre>: keep spaces and breaks */
};

/* Writes what is owed, then the run of visible text s[0..n). */
static void
flat_put(struct flat *f, const char *s, size_t n)
{
	/* Leading blanks of a <pre> are trimmed like all others. */
	if (f->sb.len == 0)
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
	if (n == 0)
		return;
	if (f->sb.len > 0) {
		for (; f->newlines > 0; f->newlines--)
			strbuf_append(&f->sb, "\n", 1);
		if (f->space)
			strbuf_append(&f->sb, " ", 1);
	}
	f->newlines = 0;
	f->space = 0;
	strbuf_append(&f->sb, s, n);
}

/*
 * Adds a text node: outside <pre> runs of whitespace fold into one space
 * (as a browser shows them); inside, only line breaks are deferred, so
 * that trailing ones can still be trimmed.
 */
static void
flat_text(struct flat *f, const char *s)
{
	while (*s != '\0') {
		size_t n = 0;

		if (f->pre) {
			if (*s == '\n') {
				f->newlines++;
				s++;
				continue;
			}
			if (*s == '\r') {
				s++;
				continue;
			}
			while (s[n] != '\0' && s[n] != '\n' && s[n] != '\r')
				n++;
		} else {
			if (span_is_ws(*s) || *s == '\f') {
				if (f->newlines == 0)
					f->space = 1;
				s++;
				continue;
			}
			while (s[n] != '\0' && !span_is_ws(s[n]) &&
			    s[n] != '\f')
				n++;
		}
		flat_put(f, s, n);
		s += n;
	}
}

/* Asks for a line break unless one is already owed (block boundaries). */
static void
flat_break(struct flat *f)
{
	if (f->newlines == 0)
		f->newlines = 1;
	f->space = 0;
}

/* 1 if name is in the NULL-terminated list. */
static int
name_in(const xmlChar *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp((const char *)name, *list) == 0)
			return 1;
	return 0;
}

/* Elements whose content a reader never sees. */
static const char *const html_skipped[] = {
	"head", "script", "style", "title", "template", NULL
};
/* Elements that start and end on a line of their own. */
static const char *const html_blocks[] = {
	"address", "article", "aside", "blockquote", "caption", "dd", "div",
	"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
	"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
	"nav", "ol", "p", "pre", "section", "table", "tr", "ul", NULL
};

/* Entering a node; returns 1 if its children are to be visited. */
static int
flat_enter(struct flat *f, xmlNode *n)
{
	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			flat_text(f, (const char *)n->content);
		return 0;
	case XML_ELEMENT_NODE:
		if (name_in(n->name, html_skipped))
			return 0;
		if (strcmp((const char *)n->name, "br") == 0) {
			f->newlines++;
			f->space = 0;
			return 0;
		}
		if (name_in(n->name, html_blocks))
			flat_break(f);
		if (strcmp((const char *)n->name, "pre") == 0)
			f->pre++;
		return 1;
	default:
		return 0;	/* comments, processing instructions, DTD */
	}
}

/* Leaving a node (after its children, if they were visited). */
static void
flat_leave(struct flat *f, xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE || name_in(n->name, html_skipped) ||
	    strcmp((const char *)n->name, "br") == 0)
		return;
	if (name_in(n->name, html_blocks))
		flat_break(f);
	else if (strcmp((const char *)n->name, "td") == 0 ||
	    strcmp((const char *)n->name, "th") == 0)
		f->space = f->newlines == 0;
	if (strcmp((const char *)n->name, "pre") == 0 && f->pre > 0)
		f->pre--;
}

/*
 * Walks the tree under (and including) root without recursion: a hostile
 * document may nest as deep as its size allows.
 */
static void
flat_walk(struct flat *f, xmlNode *root)
{
	xmlNode *n = root;

	while (n != NULL) {
		if (flat_enter(f, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			flat_leave(f, n);
			if (n == root)
				return;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
}

/*
 * text/html (RFC 7572 §7 asks for HTML to reach XMPP users; XHTML-IM is
 * deprecated, so they get its text). The body is decoded and checked
 * first, so libxml2 only ever sees valid UTF-8, and told to ignore any
 * <meta> charset. NONET: nothing is ever fetched.
 */
static int
html_text(struct span charset, const char *body, size_t len,
    struct content_text *out, char **cause)
{
	struct flat f;
	htmlParserCtxtPtr ctxt = NULL;
	htmlDocPtr doc = NULL;
	char *conv = NULL;
	size_t bad, conv_len;
	int r;

	memset(&f, 0, sizeof(f));
	strbuf_init(&f.sb);
	if (!charset_is_utf8(charset)) {
		if ((r = to_utf8(charset, body, len, &conv, &conv_len,
		    cause)) != CONTENT_TEXT)
			return r;
		body = conv;
		len = conv_len;
	}
	if ((r = strbuf_xml_check(body, len, &bad)) != 0) {
		set_cause(cause, "text/html: %s at byte %zu",
		    r == STRBUF_BAD_UTF8 ? "invalid UTF-8" :
		    "character XML cannot carry", bad);
		r = CONTENT_MALFORMED;
		goto out;
	}
	if (len == 0) {
		r = finish_text("", 0, "text/html", out, cause);
		goto out;
	}
	xmlInitParser();
	if ((ctxt = htmlNewParserCtxt()) == NULL) {
		r = CONTENT_NOMEM;
		goto out;
	}
	doc = htmlCtxtReadMemory(ctxt, body, (int)len, NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NOBLANKS | HTML_PARSE_IGNORE_ENC);
	/*
	 * Sloppy HTML is normal and the parser recovers from it; but when it
	 * gives up (nesting deeper than libxml2's limit, out of memory) it
	 * drops the rest of the document, and we must not show half of it.
	 */
	if (doc == NULL || ctxt->disableSAX) {
		set_cause(cause, "text/html: the parser gave up on it "
		    "(nested too deep?)");
		r = CONTENT_MALFORMED;
		goto out;
	}
	for (xmlNode *n = doc->children; n != NULL; n = n->next)
		flat_walk(&f, n);
	if (f.sb.failed) {
		r = CONTENT_NOMEM;
		goto out;
	}
	/* Trailing spaces a <pre> may have left. */
	while (f.sb.len > 0 && (f.sb.buf[f.sb.len - 1] == ' ' ||
	    f.sb.buf[f.sb.len - 1] == '\t'))
		f.sb.len--;
	r = finish_text(f.sb.len > 0 ? f.sb.buf : "", f.sb.len,
	    "text/html", out, cause);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (ctxt != NULL)
		htmlFreeParserCtxt(ctxt);
	strbuf_free(&f.sb);
	free(conv);
	return r;
}

/* A malloc'ed, NUL-terminated copy of a span. */
static char *
span_dup(struct span s)
{
	char *p = malloc(s.len + 1);

	if (p != NULL) {
		memcpy(p, s.ptr, s.len);
		p[s.len] = '\0';
	}
	return p;
}

/*
 * The first tag of a Content-Language list, if it looks like a language
 * tag (RFC 5646 letters, digits, hyphens); anything else is ignored, as
 * the language is a hint, not content.
 */
static struct span
first_lang(struct span v)
{
	struct span t = { v.ptr, 0 }, none = { NULL, 0 };

	while (t.len < v.len && v.ptr[t.len] != ',' &&
	    !span_is_ws(v.ptr[t.len]))
		t.len++;
	if (t.len == 0 || t.len > CONTENT_MAX_LANG)
		return none;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.ptr[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return none;
	}
	return t;
}

static int convert(struct span type, struct span encoding, const char *body,
    size_t len, int depth, struct content_text *out, char **cause);

/*
 * message/cpim (RFC 3862): the inner entity is judged by the same rules,
 * one level deep; its sender, Subject and language come along.
 */
static int
cpim_text(const char *body, size_t len, struct content_text *out,
    char **cause)
{
	struct cpim_message m;
	struct span cte, lang;
	int r;

	if (cpim_parse(body, len, &m) < 0) {
		set_cause(cause, "message/cpim: not a CPIM message");
		return CONTENT_MALFORMED;
	}
	cte = m.content_transfer_encoding;
	if (cte.len > 0 && !span_is(cte, "7bit") && !span_is(cte, "8bit") &&
	    !span_is(cte, "binary")) {
		set_cause(cause, "message/cpim: Content-Transfer-Encoding "
		    "\"%.*s\" not supported", (int)(cte.len > 64 ? 64 :
		    cte.len), cte.ptr);
		return CONTENT_UNSUPPORTED;
	}
	r = convert(m.content_type, m.content_encoding, m.body, m.body_len, 1,
	    out, cause);
	if (r != CONTENT_TEXT)
		return r;

	if (m.from_uri.len > 0) {
		/* A URI: no spaces or controls, UTF-8 (IRIs) at most. */
		for (size_t i = 0; i < m.from_uri.len; i++)
			if ((unsigned char)m.from_uri.ptr[i] <= 0x20 ||
			    m.from_uri.ptr[i] == 0x7f)
				goto bad_from;
		if (strbuf_xml_check(m.from_uri.ptr, m.from_uri.len,
		    NULL) != 0)
			goto bad_from;
		if ((out->cpim_from = span_dup(m.from_uri)) == NULL)
			goto nomem;
	}
	if (m.subject.len > 0) {
		struct content_text subj;

		memset(&subj, 0, sizeof(subj));
		if ((r = finish_text(m.subject.ptr, m.subject.len,
		    "message/cpim Subject", &subj, cause)) != CONTENT_TEXT) {
			content_text_clear(out);
			return r;
		}
		out->subject = subj.text;
	}
	lang = first_lang(m.content_lang);
	if (lang.len > 0 && (out->lang = span_dup(lang)) == NULL)
		goto nomem;
	return CONTENT_TEXT;
bad_from:
	content_text_clear(out);
	set_cause(cause, "message/cpim: bad From URI");
	return CONTENT_MALFORMED;
nomem:
	content_text_clear(out);
	return CONTENT_NOMEM;
}

/* Applies the rules to one entity; depth 1 is inside message/cpim. */
static int
convert(struct span type, struct span encoding, const char *body,
    size_t len, int depth, struct content_text *out, char **cause)
{
	struct ctype ct;
	struct span t;

	t = span_trim(type);
	if (t.len == 0) {
		/*
		 * RFC 3428 §8: a MESSAGE body has a type. Be lenient: text
		 * with no type is text/plain, no body at all is no text.
		 */
		if (len == 0)
			return finish_text("", 0, "body", out, cause);
		t.ptr = "text/plain";
		t.len = strlen(t.ptr);
	}
	if (ctype_parse(t.ptr, t.len, &ct) < 0) {
		set_cause(cause, "malformed Content-Type \"%.*s\"",
		    (int)(t.len > 64 ? 64 : t.len), t.ptr);
		return CONTENT_UNSUPPORTED;
	}

	/* RFC 3994 isComposing, RFC 5438 IMDN: for machines, not people. */
	if ((span_is(ct.type, "application") &&
	    span_is(ct.subtype, "im-iscomposing+xml")) ||
	    (span_is(ct.type, "message") && span_is(ct.subtype, "imdn+xml"))) {
		set_cause(cause, "%.*s/%.*s is a machine body, not text",
		    (int)ct.type.len, ct.type.ptr, (int)ct.subtype.len,
		    ct.subtype.ptr);
		return CONTENT_MACHINE;
	}

	/* RFC 3261 §20.12: we decode no content coding; identity is none. */
	encoding = span_trim(encoding);
	if (encoding.len > 0 && !span_is(encoding, "identity")) {
		set_cause(cause, "Content-Encoding \"%.*s\" not supported",
		    (int)(encoding.len > 64 ? 64 : encoding.len),
		    encoding.ptr);
		return CONTENT_UNSUPPORTED;
	}

	if (span_is(ct.type, "text") && span_is(ct.subtype, "plain"))
		return plain_text(ct.charset, body, len, out, cause);
	if ((span_is(ct.type, "text") && span_is(ct.subtype, "html")) ||
	    (span_is(ct.type, "application") &&
	    span_is(ct.subtype, "xhtml+xml")))
		return html_text(ct.charset, body, len, out, cause);
	if (span_is(ct.type, "message") && span_is(ct.subtype, "cpim")) {
		if (depth > 0) {
			set_cause(cause, "message/cpim inside message/cpim");
			return CONTENT_UNSUPPORTED;
		}
		return cpim_text(body, len, out, cause);
	}
	set_cause(cause, "Content-Type %.*s/%.*s not supported",
	    (int)(ct.type.len > 64 ? 64 : ct.type.len), ct.type.ptr,
	    (int)(ct.subtype.len > 64 ? 64 : ct.subtype.len), ct.subtype.ptr);
	return CONTENT_UNSUPPORTED;
}

/*
 * Decides what a MESSAGE body says to a person. content_type and
 * content_encoding are the raw header values (NULL if absent). Returns
 * CONTENT_TEXT with out filled (free with content_text_clear), or another
 * content_verdict with *cause (if cause is not NULL) saying why. out is
 * always initialised, so clearing it is safe either way.
 */
int
content_to_text(const char *content_type, const char *content_encoding,
    const char *body, size_t len, struct content_text *out, char **cause)
{
	struct span type = { content_type, 0 }, enc = { content_encoding, 0 };
	int r;

	memset(out, 0, sizeof(*out));
	if (body == NULL && len > 0) {
		set_cause(cause, "no body");
		return CONTENT_MALFORMED;
	}
	if (len > CONTENT_MAX_BODY) {
		set_cause(cause, "body too large (%zu bytes, at most %d)",
		    len, CONTENT_MAX_BODY);
		return CONTENT_MALFORMED;
	}
	if (body == NULL)
		body = "";
	if (content_type != NULL)
		type.len = strnlen(content_type, CPIM_MAX_LINE);
	if (content_encoding != NULL)
		enc.len = strnlen(content_encoding, CPIM_MAX_LINE);
	r = convert(type, enc, body, len, 0, out, cause);
	if (r != CONTENT_TEXT)
		content_text_clear(out);
	return r;
}

/* Frees what content_to_text filled in and zeroes it. */
void
content_text_clear(struct content_text *text)
{
	free(text->text);
	free(text->cpim_from);
	free(text->subject);
	free(text->lang);
	memset(text, 0, sizeof(*text));
}
