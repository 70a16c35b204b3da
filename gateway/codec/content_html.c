/*
 * text/html and application/xhtml+xml to plain text (content.c): the
 * body is decoded and checked like text/plain first, parsed with
 * libxml2's HTML parser (no network, no <meta> charset), and its tree
 * flattened: what a reader never sees (scripts, styles) is dropped,
 * blocks start on a line of their own, runs of blanks become one.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "cause.h"
#include "content.h"
#include "content_int.h"
#include "strbuf.h"

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
int
content_html_text(struct span charset, const char *body, size_t len,
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
	if (!content_charset_is_utf8(charset)) {
		if ((r = content_to_utf8(charset, body, len, &conv, &conv_len,
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
		r = content_finish_text("", 0, "text/html", out, cause);
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
	r = content_finish_text(f.sb.len > 0 ? f.sb.buf : "", f.sb.len,
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
