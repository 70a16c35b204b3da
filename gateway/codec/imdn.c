/*
 * RFC 5438 notifications, read. Hostile input: the document is capped
 * (IMDN_BODY_MAX), read by xml_read_body (UTF-8, no DOCTYPE, no
 * network), elements matched by namespace URI and never by prefix; the
 * message-id and URIs must be short visible ASCII, since they travel on
 * as an XMPP id and in SIP headers. Exactly one notification with
 * exactly one status allowed for its kind (§9 schema); elements of other
 * namespaces are extensions and skipped (§9: <xs:any namespace="##other">).
 */
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cause.h"
#include "imdn.h"
#include "xml_read.h"

#define DISPOSITION_MAX	256	/* bytes of a Disposition-Notification */

/* 1 if n is an element called name in the IMDN namespace. */
static int
is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, IMDN_XML_NS) == 0 &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}

/*
 * Copies the text of n, XML whitespace trimmed, into out (size bytes);
 * -1 when it is empty, too long, or holds anything but visible ASCII.
 */
static int
copy_text(const xmlNode *n, char *out, size_t size)
{
	xmlChar *t;
	const char *s, *e;
	int rc = -1;

	if ((t = xmlNodeGetContent(n)) == NULL)
		return -1;
	s = (const char *)t;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	if (e == s || (size_t)(e - s) >= size)
		goto out;
	for (const char *p = s; p < e; p++)
		if (*p < 0x21 || *p > 0x7e)
			goto out;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	rc = 0;
out:
	xmlFree(t);
	return rc;
}

/* The status names each kind allows (§9: deliveryNotification etc.). */
static const struct {
	const char *name;
	enum imdn_status status;
	unsigned kinds;		/* bit (1 << enum imdn_kind) */
} statuses[] = {
	{ "delivered", IMDN_DELIVERED, 1 << IMDN_DELIVERY },
	{ "displayed", IMDN_DISPLAYED, 1 << IMDN_DISPLAY },
	{ "processed", IMDN_PROCESSED, 1 << IMDN_PROCESSING },
	{ "stored", IMDN_STORED, 1 << IMDN_PROCESSING },
	{ "failed", IMDN_FAILED, 1 << IMDN_DELIVERY },
	{ "forbidden", IMDN_FORBIDDEN, 7 },
	{ "error", IMDN_ERROR, 7 },
};

/* The name of a status, as the document spells it. */
const char *
imdn_status_name(enum imdn_status status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].name;
	return "error";
}

/* Reads <status/> of a notification of kind; -1 unless exactly one. */
static int
read_status(const xmlNode *n, enum imdn_kind kind, struct imdn *out,
    char **cause)
{
	const xmlNode *st = NULL;
	int found = 0;

	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!is_el(c, NULL))
			continue;
		if (!is_el(c, "status") || st != NULL) {
			set_cause(cause, "imdn: notification holds <%s/>",
			    (const char *)c->name);
			return -1;
		}
		st = c;
	}
	if (st == NULL) {
		set_cause(cause, "imdn: notification without <status/>");
		return -1;
	}
	for (const xmlNode *c = st->children; c != NULL; c = c->next) {
		size_t i;

		if (!is_el(c, NULL))
			continue;	/* extensions (§9) */
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (strcmp((const char *)c->name, statuses[i].name) ==
			    0 && (statuses[i].kinds & (1u << kind)))
				break;
		if (i == sizeof(statuses) / sizeof(statuses[0]) || found++) {
			set_cause(cause, "imdn: status <%s/> not allowed here",
			    (const char *)c->name);
			return -1;
		}
		out->status = statuses[i].status;
	}
	if (!found) {
		set_cause(cause, "imdn: empty <status/>");
		return -1;
	}
	return 0;
}

/*
 * Reads a message/imdn+xml document (RFC 5438 §7, §9) into out: 0, or -1
 * with *cause ("imdn: ...") when it is not one we can act on.
 */
int
imdn_parse(const char *body, size_t len, struct imdn *out, char **cause)
{
	static const char *const kinds[] = { "delivery-notification",
	    "display-notification", "processing-notification" };
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int notes = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (body == NULL || len == 0 || len > IMDN_BODY_MAX) {
		set_cause(cause, "imdn: %zu bytes (at most %d)", len,
		    IMDN_BODY_MAX);
		return -1;
	}
	if ((doc = xml_read_body(body, len, "imdn", cause)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, "imdn")) {
		set_cause(cause, "imdn: root is not <imdn/> in %s",
		    IMDN_XML_NS);
		goto out;
	}
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		char *field = NULL;
		size_t size = 0;

		if (!is_el(c, NULL))
			continue;	/* extensions (§9) */
		if (is_el(c, "message-id") && out->message_id[0] == '\0') {
			field = out->message_id;
			size = sizeof(out->message_id);
		} else if (is_el(c, "datetime") && out->datetime[0] == '\0') {
			field = out->datetime;
			size = sizeof(out->datetime);
		} else if (is_el(c, "recipient-uri") &&
		    out->recipient_uri[0] == '\0') {
			field = out->recipient_uri;
			size = sizeof(out->recipient_uri);
		} else if (is_el(c, "original-recipient-uri") &&
		    out->original_recipient_uri[0] == '\0') {
			field = out->original_recipient_uri;
			size = sizeof(out->original_recipient_uri);
		}
		if (field != NULL) {
			if (copy_text(c, field, size) < 0) {
				set_cause(cause, "imdn: bad <%s/>",
				    (const char *)c->name);
				goto out;
			}
			continue;
		}
		for (size_t k = 0; k < 3; k++) {
			if (!is_el(c, kinds[k]))
				continue;
			if (notes++ > 0) {
				set_cause(cause, "imdn: more than one "
				    "notification");
				goto out;
			}
			out->kind = (enum imdn_kind)k;
			if (read_status(c, out->kind, out, cause) < 0)
				goto out;
		}
		/* <subject/> and the like (§9): not carried. */
	}
	if (out->message_id[0] == '\0') {
		set_cause(cause, "imdn: no <message-id/>");
		goto out;
	}
	if (notes == 0) {
		set_cause(cause, "imdn: no notification");
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/*
 * The notifications a Disposition-Notification value asks for (RFC 5438
 * §7.1.1, §8: a comma-separated list of tokens, unknown ones ignored), as
 * IMDN_WANT_* bits; -1 if the value is longer than we read.
 */
int
imdn_disposition_parse(const char *value, size_t len)
{
	static const struct {
		const char *name;
		int bit;
	} tokens[] = {
		{ "positive-delivery", IMDN_WANT_POSITIVE_DELIVERY },
		{ "negative-delivery", IMDN_WANT_NEGATIVE_DELIVERY },
		{ "display", IMDN_WANT_DISPLAY },
		{ "processing", IMDN_WANT_PROCESSING },
	};
	size_t i = 0;
	int want = 0;

	if (len > DISPOSITION_MAX)
		return -1;
	while (i < len) {
		size_t s, e;

		while (i < len && (value[i] == ' ' || value[i] == '\t' ||
		    value[i] == ','))
			i++;
		s = i;
		while (i < len && value[i] != ',' && value[i] != ' ' &&
		    value[i] != '\t')
			i++;
		e = i;
		for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++)
			if (e - s == strlen(tokens[t].name) &&
			    strncasecmp(value + s, tokens[t].name, e - s) == 0)
				want |= tokens[t].bit;
	}
	return want;
}
