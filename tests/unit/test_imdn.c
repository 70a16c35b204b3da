/*
 * RFC 5438 notifications: the RFC's own examples read (§7.2.1.1 delivery,
 * §7.2.1.2 display), what imdn_build_cpim writes read back through
 * cpim_parse and imdn_parse, hostile documents refused, the
 * Disposition-Notification list, and the XEP-0184 / XEP-0333 stanzas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "cpim.h"
#include "imdn.h"
#include "stanza_receipt.h"
#include "strbuf.h"

/* RFC 5438 §7.2.1.1, the delivery notification's body. */
static const char rfc_delivered[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
    "   <message-id>34jk324j</message-id>\n"
    "   <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "   <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "   <original-recipient-uri\n"
    "      >im:bob@example.com</original-recipient-uri>\n"
    "   <delivery-notification>\n"
    "     <status>\n"
    "        <delivered/>\n"
    "     </status>\n"
    "   </delivery-notification>\n"
    "</imdn>\n";

/* RFC 5438 §7.2.1.2, the display notification's body. */
static const char rfc_displayed[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
    "   <message-id>34jk324j</message-id>\n"
    "   <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "   <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "   <original-recipient-uri\n"
    "      >im:bob@example.com</original-recipient-uri>\n"
    "   <display-notification>\n"
    "      <status>\n"
    "         <displayed/>\n"
    "      </status>\n"
    "   </display-notification>\n"
    "</imdn>\n";

/* Parses s; asserts the result r. */
static void
parse(const char *s, int r, struct imdn *n)
{
	char *cause = NULL;

	assert_int_equal(imdn_parse(s, strlen(s), n, &cause), r);
	if (r == 0)
		assert_null(cause);
	else
		assert_non_null(cause);
	free(cause);
}

/* The RFC's two examples, field by field. */
static void
test_rfc5438_examples(void **state)
{
	struct imdn n;

	(void)state;
	parse(rfc_delivered, 0, &n);
	assert_string_equal(n.message_id, "34jk324j");
	assert_string_equal(n.datetime, "2008-04-04T12:16:49-05:00");
	assert_string_equal(n.recipient_uri, "im:bob@example.com");
	assert_string_equal(n.original_recipient_uri, "im:bob@example.com");
	assert_int_equal(n.kind, IMDN_DELIVERY);
	assert_int_equal(n.status, IMDN_DELIVERED);
	parse(rfc_displayed, 0, &n);
	assert_int_equal(n.kind, IMDN_DISPLAY);
	assert_int_equal(n.status, IMDN_DISPLAYED);
}

/* Other statuses, prefixes, extensions (§9). */
static void
test_variants(void **state)
{
	struct imdn n;

	(void)state;
	/* A prefix, not the default namespace: matched by URI. */
	parse("<i:imdn xmlns:i='urn:ietf:params:xml:ns:imdn'><i:message-id>a"
	    "</i:message-id><i:delivery-notification><i:status><i:failed/>"
	    "</i:status></i:delivery-notification></i:imdn>", 0, &n);
	assert_int_equal(n.status, IMDN_FAILED);
	assert_string_equal(n.datetime, "");
	/* Elements of other namespaces are extensions: skipped. */
	parse("<imdn xmlns='urn:ietf:params:xml:ns:imdn' xmlns:x='urn:x'>"
	    "<x:y>z</x:y><message-id>b</message-id><display-notification>"
	    "<status><x:why/><forbidden/></status></display-notification>"
	    "</imdn>", 0, &n);
	assert_int_equal(n.kind, IMDN_DISPLAY);
	assert_int_equal(n.status, IMDN_FORBIDDEN);
	parse("<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>c"
	    "</message-id><processing-notification><status><stored/></status>"
	    "</processing-notification></imdn>", 0, &n);
	assert_int_equal(n.kind, IMDN_PROCESSING);
	assert_int_equal(n.status, IMDN_STORED);
}

/* Hostile and broken documents: refused with a cause, never a crash. */
static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"<imdn/>",
		"<imdn xmlns='urn:other'><message-id>a</message-id></imdn>",
		/* no message-id; no notification */
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><delivery-"
		"notification><status><delivered/></status></delivery-"
		"notification></imdn>",
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a"
		"</message-id></imdn>",
		/* a status the kind does not allow */
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a"
		"</message-id><display-notification><status><delivered/>"
		"</status></display-notification></imdn>",
		/* two statuses; two notifications; empty status */
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a"
		"</message-id><delivery-notification><status><delivered/>"
		"<failed/></status></delivery-notification></imdn>",
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a"
		"</message-id><delivery-notification><status><delivered/>"
		"</status></delivery-notification><display-notification>"
		"<status><displayed/></status></display-notification></imdn>",
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a"
		"</message-id><delivery-notification><status/>"
		"</delivery-notification></imdn>",
		/* an id that could not travel as a header or an XMPP id */
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a b"
		"</message-id><delivery-notification><status><delivered/>"
		"</status></delivery-notification></imdn>",
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a&#10;"
		"Via: x</message-id><delivery-notification><status><delivered/>"
		"</status></delivery-notification></imdn>",
		/* entities: refused before libxml2 could expand them */
		"<!DOCTYPE imdn [<!ENTITY a 'aaaa'>]><imdn xmlns='urn:ietf:"
		"params:xml:ns:imdn'><message-id>&a;</message-id></imdn>",
		"<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>a",
		"\xff\xfe<imdn/>",
	};
	struct imdn n;
	char big[IMDN_BODY_MAX + 64], id[IMDN_ID_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *cause = NULL;

		assert_int_equal(imdn_parse(bad[i], strlen(bad[i]), &n,
		    &cause), -1);
		assert_non_null(cause);
		free(cause);
	}
	/* Over the size bound, and an id one byte over its bound. */
	memset(big, ' ', sizeof(big));
	memcpy(big, rfc_delivered, sizeof(rfc_delivered) - 1);
	big[sizeof(big) - 1] = '\0';
	parse(big, -1, &n);
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	{
		struct strbuf sb;

		strbuf_init(&sb);
		strbuf_appends(&sb, "<imdn xmlns='urn:ietf:params:xml:ns:imdn'>"
		    "<message-id>");
		strbuf_appends(&sb, id);
		strbuf_appends(&sb, "</message-id><delivery-notification>"
		    "<status><delivered/></status></delivery-notification>"
		    "</imdn>");
		parse(sb.buf, -1, &n);
		id[IMDN_ID_MAX] = '\0';		/* exactly the bound: fine */
		strbuf_reset(&sb);
		strbuf_appends(&sb, "<imdn xmlns='urn:ietf:params:xml:ns:imdn'>"
		    "<message-id>");
		strbuf_appends(&sb, id);
		strbuf_appends(&sb, "</message-id><delivery-notification>"
		    "<status><delivered/></status></delivery-notification>"
		    "</imdn>");
		parse(sb.buf, 0, &n);
		strbuf_free(&sb);
	}
}

/* What we write in CPIM reads back through both parsers (§7.2.1.1). */
static void
test_build_round_trip(void **state)
{
	struct imdn_out o = {
		.from_uri = "sip:juliet@xmpp.example",
		.to_uri = "sip:romeo@sip.example",
		.message_id = "34jk324j",
		.notification_id = "d834jied93rf",
		.datetime = "2008-04-04T12:16:49-05:00",
		.recipient_uri = "sip:juliet@xmpp.example",
		.kind = IMDN_DISPLAY,
		.status = IMDN_DISPLAYED,
	};
	struct cpim_message m;
	struct imdn n;
	struct strbuf sb;
	char *cause = NULL;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(imdn_build_cpim(&sb, &o), 0);
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_int_equal(m.has_imdn, 1);
	assert_int_equal(m.imdn_message_id.len, strlen("d834jied93rf"));
	assert_memory_equal(m.imdn_message_id.ptr, "d834jied93rf", 12);
	assert_int_equal(m.content_type.len, strlen(IMDN_CONTENT_TYPE));
	assert_non_null(strstr(sb.buf, "Content-Disposition: notification"));
	assert_int_equal(imdn_parse(m.body, m.body_len, &n, &cause), 0);
	assert_string_equal(n.message_id, "34jk324j");
	assert_int_equal(n.kind, IMDN_DISPLAY);
	assert_int_equal(n.status, IMDN_DISPLAYED);
	assert_string_equal(n.recipient_uri, "sip:juliet@xmpp.example");
	/* Refused, sb untouched: a status that does not fit, bad ids. */
	strbuf_reset(&sb);
	o.status = IMDN_DELIVERED;
	assert_int_equal(imdn_build_cpim(&sb, &o), -1);
	o.status = IMDN_DISPLAYED;
	o.message_id = "a\r\nVia: x";
	assert_int_equal(imdn_build_cpim(&sb, &o), -1);
	o.message_id = "a<b";
	assert_int_equal(imdn_build_cpim(&sb, &o), -1);
	o.message_id = "ok";
	o.to_uri = "sip:x>\r\nFrom: <sip:y";
	assert_int_equal(imdn_build_cpim(&sb, &o), -1);
	assert_int_equal(sb.len, 0);
	/* No date-time given: now, and still readable. */
	o.to_uri = "sip:romeo@sip.example";
	o.datetime = NULL;
	assert_int_equal(imdn_build_cpim(&sb, &o), 0);
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_int_equal(imdn_parse(m.body, m.body_len, &n, &cause), 0);
	assert_true(n.datetime[0] != '\0');
	strbuf_free(&sb);
}

/* Disposition-Notification (§7.1.1): tokens, case, unknown, bound. */
static void
test_disposition(void **state)
{
	char big[300];

	(void)state;
	assert_int_equal(imdn_disposition_parse("positive-delivery, display",
	    26), IMDN_WANT_POSITIVE_DELIVERY | IMDN_WANT_DISPLAY);
	assert_int_equal(imdn_disposition_parse("Negative-Delivery,"
	    "processing,future-thing", 41), IMDN_WANT_NEGATIVE_DELIVERY |
	    IMDN_WANT_PROCESSING);
	assert_int_equal(imdn_disposition_parse("", 0), 0);
	assert_int_equal(imdn_disposition_parse("displayed", 9), 0);
	memset(big, 'a', sizeof(big));
	assert_int_equal(imdn_disposition_parse(big, sizeof(big)), -1);
}

/* XEP-0184 §5.2 Example 4 and XEP-0333 §4 in our builder. */
static void
test_receipt_stanzas(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(stanza_build_receipt(&sb, "romeo@gw", "juliet@x/b",
	    "r1", NULL, RECEIPT_RECEIVED, "richard2-4.1.247"), 0);
	assert_string_equal(sb.buf, "<message from='romeo@gw' to='juliet@x/b'"
	    " id='r1'><received xmlns='urn:xmpp:receipts' "
	    "id='richard2-4.1.247'/></message>");
	strbuf_reset(&sb);
	assert_int_equal(stanza_build_receipt(&sb, "romeo@gw", "juliet@x",
	    "r2", "chat", RECEIPT_DISPLAYED, "a'<b"), 0);
	assert_string_equal(sb.buf, "<message from='romeo@gw' to='juliet@x' "
	    "id='r2' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' "
	    "id='a&apos;&lt;b'/></message>");
	strbuf_reset(&sb);
	assert_int_equal(stanza_build_receipt(&sb, "romeo@gw", "juliet@x",
	    "r3", NULL, RECEIPT_RECEIVED, ""), -1);
	assert_int_equal(stanza_build_receipt(&sb, "romeo@gw", "juliet@x",
	    "r3", NULL, RECEIPT_RECEIVED, "\x01"), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

/* A notification found in a MESSAGE body: bare, in CPIM, deflated. */
static void
test_from_message(void **state)
{
	char cpim[2048], z[2048];
	uLongf zlen = sizeof(z);
	struct imdn n;
	char *cause = NULL;
	int len;

	(void)state;
	len = snprintf(cpim, sizeof(cpim), "From: <sip:bob@example.com>\r\n"
	    "To: <sip:alice@example.com>\r\nNS: imdn <urn:ietf:params:imdn>"
	    "\r\nimdn.Message-ID: d834jied93rf\r\n\r\nContent-type: "
	    "message/imdn+xml\r\nContent-Disposition: notification\r\n"
	    "\r\n%s", rfc_displayed);
	assert_int_equal(imdn_from_message("message/cpim", NULL, cpim,
	    (size_t)len, &n, &cause), 1);
	assert_int_equal(n.status, IMDN_DISPLAYED);
	assert_int_equal(imdn_from_message(IMDN_CONTENT_TYPE, "identity",
	    rfc_delivered, strlen(rfc_delivered), &n, &cause), 1);
	assert_int_equal(n.status, IMDN_DELIVERED);
	/* Linphone's form: the whole CPIM body deflated. */
	assert_int_equal(compress((Bytef *)z, &zlen, (const Bytef *)cpim,
	    (uLong)len), Z_OK);
	assert_int_equal(imdn_from_message("Message/CPIM", "deflate", z,
	    zlen, &n, &cause), 1);
	assert_string_equal(n.message_id, "34jk324j");
	/* Text in CPIM, text/plain, an unknown coding: not ours (0). */
	assert_int_equal(imdn_from_message("message/cpim", NULL,
	    "From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
	    48, &n, &cause), 0);
	assert_int_equal(imdn_from_message("text/plain", NULL, "hi", 2, &n,
	    &cause), 0);
	assert_int_equal(imdn_from_message("message/cpim", "gzip", z, zlen,
	    &n, &cause), 0);
	assert_null(cause);
	/* Broken deflate, a bad document: ours, refused with a cause. */
	assert_int_equal(imdn_from_message("message/cpim", "deflate", z,
	    zlen - 4, &n, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(imdn_from_message(IMDN_CONTENT_TYPE, NULL, "<imdn/>",
	    7, &n, &cause), -1);
	free(cause);
}

/* The CPIM that asks for notifications (§7.1.1.1) reads back. */
static void
test_request_cpim(void **state)
{
	struct cpim_message m;
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(imdn_build_request_cpim(&sb, "sip:juliet@x;gr=b",
	    "sip:romeo@s", "abc123", IMDN_WANT_POSITIVE_DELIVERY |
	    IMDN_WANT_DISPLAY, "hi there", 8), 0);
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_int_equal(m.has_imdn, 1);
	assert_memory_equal(m.imdn_message_id.ptr, "abc123", 6);
	assert_int_equal(imdn_disposition_parse(m.imdn_disposition.ptr,
	    m.imdn_disposition.len), IMDN_WANT_POSITIVE_DELIVERY |
	    IMDN_WANT_DISPLAY);
	assert_int_equal(m.body_len, 8);
	assert_memory_equal(m.body, "hi there", 8);
	strbuf_reset(&sb);
	assert_int_equal(imdn_build_request_cpim(&sb, "sip:j@x", "sip:r@s",
	    "abc", IMDN_WANT_DISPLAY, "x", 1), 0);
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_int_equal(m.imdn_disposition.len, strlen("display"));
	strbuf_reset(&sb);
	assert_int_equal(imdn_build_request_cpim(&sb, "sip:j@x\r\nX: y",
	    "sip:r@s", "abc", IMDN_WANT_DISPLAY, "x", 1), -1);
	assert_int_equal(imdn_build_request_cpim(&sb, "sip:j@x", "sip:r@s",
	    "abc", 0, "x", 1), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5438_examples),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_receipt_stanzas),
		cmocka_unit_test(test_from_message),
		cmocka_unit_test(test_request_cpim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
