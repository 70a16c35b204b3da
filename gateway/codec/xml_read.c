/*
 * The hardened reading of an XML body (private/xml_read.h), shared by the
 * PIDF and conference-info parsers so both refuse the same things.
 */
#include <string.h>

#include <libxml/parser.h>

#include "cause.h"
#include "strbuf.h"
#include "xml_read.h"

/* A DOCTYPE or other declaration: comments and CDATA are fine. */
static int
has_declaration(const char *body, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (body[i] != '<' || body[i + 1] != '!')
			continue;
		if (i + 3 < len && body[i + 2] == '-' && body[i + 3] == '-')
			continue;	/* a comment */
		if (i + 8 < len && memcmp(body + i + 2, "[CDATA[", 7) == 0)
			continue;
		return 1;
	}
	return 0;
}

/*
 * The document in body (len > 0), or NULL with *cause ("WHAT: ...") when
 * it declares anything, is not UTF-8 text, is not well-formed, or has a
 * DOCTYPE after all. UTF-8 only: it is what senders of these bodies use,
 * and checking it here spares libxml2's converters, which complain on
 * stderr about bad input; an encoding declaration is ignored.
 */
xmlDoc *
xml_read_body(const char *body, size_t len, const char *what, char **cause)
{
	xmlDoc *doc;
	size_t bad;

	if (has_declaration(body, len)) {
		set_cause(cause, "%s: DOCTYPE or declaration refused", what);
		return NULL;
	}
	if (strbuf_xml_check(body, len, &bad) != 0) {
		set_cause(cause, "%s: not UTF-8 XML text at byte %zu", what,
		    bad);
		return NULL;
	}
	xmlInitParser();
	doc = xmlReadMemory(body, (int)len, NULL, "UTF-8", XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
	    XML_PARSE_IGNORE_ENC);
	if (doc == NULL) {
		set_cause(cause, "%s: not well-formed XML", what);
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		set_cause(cause, "%s: DOCTYPE refused", what);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}
