/*
 * SIP final responses turned into XMPP error stanzas (RFC 7247 §7, Table
 * 3), the way bridge_message.c's report_to_xmpp() does it: the status
 * picks the condition (errors_sip_to_xmpp, 500's when it has none), the
 * hostile reason phrase becomes the <text/>, a 301's Contact the <gone/>.
 * Input: two bytes of status, then the reason phrase, a NUL, the Contact.
 *
 * Checks: every status 300..699 has a condition whose type is RFC 6120's,
 * which maps back to a SIP code (errors_xmpp_to_sip); whatever the
 * builder produces is well-formed XML (libxml2) holding that condition.
 * The builder must also produce something for every reason phrase and
 * Contact: an error must never vanish (issue 10).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "errors.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The stanza must parse and carry cond in its <error/>. */
static void
check_xml(const struct strbuf *sb, const char *cond)
{
	xmlDoc *doc;
	xmlNode *root, *err, *c;
	int found = 0;

	doc = xmlReadMemory(sb->buf, (int)sb->len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		fprintf(stderr, "ill-formed: %.*s\n", (int)sb->len, sb->buf);
		abort();
	}
	root = xmlDocGetRootElement(doc);
	for (err = root->children; err != NULL; err = err->next)
		if (err->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)err->name, "error") == 0)
			for (c = err->children; c != NULL; c = c->next)
				if (c->type == XML_ELEMENT_NODE &&
				    strcmp((const char *)c->name, cond) == 0)
					found = 1;
	if (strcmp((const char *)root->name, "message") != 0 || !found)
		abort();
	xmlFreeDoc(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const struct xmpp_error_cond *cond;
	struct im_error e = { 0 };
	struct strbuf sb;
	char *text, *uri;
	const char *type;
	int status, r;

	if (!ready) {
		xmlInitParser();
		ready = 1;
	}
	if (size < 2)
		return 0;
	status = 300 + (data[0] << 8 | data[1]) % 400;
	if ((text = malloc(size - 1)) == NULL)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	uri = text + strlen(text);
	if ((size_t)(uri - text) < size - 2)
		uri++;			/* after the NUL */

	/* Table 3, with 500's condition for codes it does not name. */
	if ((cond = errors_sip_to_xmpp(status)) == NULL &&
	    (cond = errors_sip_to_xmpp(500)) == NULL)
		abort();
	if ((type = errors_xmpp_condition_type(cond->condition)) == NULL ||
	    (strcmp(type, "cancel") != 0 && strcmp(type, "modify") != 0 &&
	    strcmp(type, "auth") != 0 && strcmp(type, "wait") != 0 &&
	    strcmp(type, "continue") != 0))
		abort();
	r = errors_xmpp_to_sip(cond->condition, 1, 1);
	if (r < 300 || r > 699 || errors_reason_phrase(r) == NULL)
		abort();
	/* Any condition name from the wire maps to some SIP code too. */
	r = errors_xmpp_to_sip(text, 0, *uri != '\0');
	if (r < 300 || r > 699)
		abort();
	(void)errors_xmpp_condition_is_known(text);
	(void)errors_xmpp_condition_lookup(uri);

	e.from = "romeo@sip.test";
	e.to = "juliet@xmpp.test/phone";
	e.id = "m1";
	e.lang = "en";
	e.cond = cond;
	e.text = text;
	e.gone_uri = uri;
	e.redirect_uri = uri;
	strbuf_init(&sb);
	if (stanza_build_message_error(&sb, &e) == 0)
		check_xml(&sb, cond->condition);
	else {
		fprintf(stderr, "no error stanza for %d '%s'\n", status, text);
		abort();
	}
	strbuf_free(&sb);
	free(text);
	return 0;
}
