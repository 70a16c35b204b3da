/*
 * struct sip_msg (gateway/sip/sip_msg.h), the only face of a SIP message
 * the bridges see: every reader against the messages of RFC 3856 §4 and
 * RFC 3261 §24 as they come off the wire, and every builder read back
 * after libosip2 printed and parsed the result again. Parsing and set-up
 * are the dialog tests' (sip_dialog_fixtures.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_dialog_fixtures.h"
#include "sip_msg.h"
#include "sip_osip.h"

/* RFC 3856 §4's SUBSCRIBE, with a route set and a compact Event (o). */
#define SUBSCRIBE_TEXT \
	"SUBSCRIBE sip:resource@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP watcherhost.example.com;branch=z9hG4bKnashds7\r\n" \
	"To: <sip:resource@example.com>\r\n" \
	"From: \"Watcher\" <sip:user@example.com>;tag=xfg9\r\n" \
	"Call-ID: 2010@watcherhost.example.com\r\n" \
	"CSeq: 17766 SUBSCRIBE\r\n" \
	"Max-Forwards: 70\r\n" \
	"o: presence\r\n" \
	"Accept: application/cpim-pidf+xml, application/pidf+xml\r\n" \
	"Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n" \
	"Contact: <sip:user@watcherhost.example.com>\r\n" \
	"Expires: 600\r\n" \
	"Content-Length: 0\r\n\r\n"

/* A NOTIFY with RFC 3863 §3.4's minimal PIDF. */
#define PIDF_BODY \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" \
	"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\r\n" \
	"    entity=\"pres:someone@example.com\">\r\n" \
	"  <tuple id=\"sg89ae\">\r\n" \
	"    <status><basic>open</basic></status>\r\n" \
	"  </tuple>\r\n" \
	"</presence>\r\n"
#define NOTIFY_TEXT \
	"NOTIFY sip:user@watcherhost.example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP server.example.com;branch=z9hG4bKna998sk\r\n" \
	"From: <sip:resource@example.com>;tag=ffd2\r\n" \
	"To: <sip:user@example.com>;tag=xfg9\r\n" \
	"Call-ID: 2010@watcherhost.example.com\r\n" \
	"Event: presence\r\n" \
	"Subscription-State: active;expires=599\r\n" \
	"Max-Forwards: 70\r\n" \
	"CSeq: 8775 NOTIFY\r\n" \
	"Contact: <sip:server.example.com>\r\n" \
	"Content-Type: application/pidf+xml\r\n" \
	"Content-Language: fr\r\n" \
	"Content-Length: 217\r\n\r\n" PIDF_BODY

/* RFC 3261 §21.3.2: 301 with the new address in Contact. */
#define MOVED_TEXT \
	"SIP/2.0 301 Moved Permanently\r\n" \
	"Via: SIP/2.0/UDP gw.example.com;branch=z9hG4bK776asdhds\r\n" \
	"To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" \
	"From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n" \
	"Call-ID: a84b4c76e66710\r\n" \
	"CSeq: 1 MESSAGE\r\n" \
	"Contact: <sip:bob@new.example.com>\r\n" \
	"Content-Length: 0\r\n\r\n"

/* m printed by libosip2 and parsed back, as the peer would read it. */
static struct sip_msg *
round_trip(const struct sip_msg *m)
{
	struct sip_msg *back;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(osip_message_to_str(m->osip, &text, &len), 0);
	back = sip_msg_parse(text, len);
	osip_free(text);
	assert_non_null(back);
	return back;
}

/* The request's fields, each as sent; compact names are found too. */
static void
reads_a_subscribe(void **state)
{
	struct sip_msg *m = parse(SUBSCRIBE_TEXT);
	const char *body;
	size_t len;
	char *s;

	(void)state;
	assert_string_equal(sip_msg_method(m), "SUBSCRIBE");
	assert_int_equal(sip_msg_status(m), 0);
	assert_null(sip_msg_reason(m));
	assert_string_equal(sip_msg_header(m, "event", "o"), "presence");
	assert_string_equal(sip_msg_header(m, "expires", NULL), "600");
	assert_null(sip_msg_header(m, "subject", "s"));
	s = sip_msg_request_uri(m);
	assert_string_equal(s, "sip:resource@example.com");
	free(s);
	s = sip_msg_from_uri(m);
	assert_string_equal(s, "sip:user@example.com");
	free(s);
	/* RFC 3261 §25.1: the quoted display name, unquoted. */
	s = sip_msg_from_display(m);
	assert_string_equal(s, "Watcher");
	free(s);
	s = sip_msg_contact_uri(m);
	assert_string_equal(s, "sip:user@watcherhost.example.com");
	free(s);
	s = sip_msg_call_id(m);
	assert_string_equal(s, "2010@watcherhost.example.com");
	free(s);
	assert_string_equal(sip_msg_from_tag(m), "xfg9");
	assert_null(sip_msg_to_tag(m));
	assert_int_equal(sip_msg_cseq(m), 17766);
	assert_int_equal(sip_msg_body(m, &body, &len), -1);
	assert_int_equal(sip_msg_content_type(m, &body, &body), -1);
	sip_msg_free(m);
}

/* RFC 3261 §20.1: Accept lists what may come back; wildcards count. */
static void
accept_is_read_with_wildcards(void **state)
{
	static const char *const accepts[][2] = {
		{ "Accept: application/pidf+xml\r\n", "1" },
		{ "Accept: APPLICATION/PIDF+XML\r\n", "1" },
		{ "Accept: application/*\r\n", "1" },
		{ "Accept: */*\r\n", "1" },
		{ "Accept: application/xpidf+xml\r\n", "0" },
		{ "Accept: text/plain, application/cpim-pidf+xml\r\n", "0" },
		{ "", "1" },	/* RFC 3856 §6.7: absent means PIDF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		char text[1024];
		const char *a = strstr(SUBSCRIBE_TEXT, "Accept:");
		const char *e = strstr(a, "\r\n") + 2;
		struct sip_msg *m;

		snprintf(text, sizeof(text), "%.*s%s%s",
		    (int)(a - SUBSCRIBE_TEXT), SUBSCRIBE_TEXT, accepts[i][0], e);
		m = parse(text);
		assert_int_equal(sip_msg_accepts(m, "application", "pidf+xml"),
		    accepts[i][1][0] - '0');
		sip_msg_free(m);
	}
}

/* A NOTIFY's body, its type and language, and both tags. */
static void
reads_a_notify_body(void **state)
{
	struct sip_msg *m = parse(NOTIFY_TEXT);
	const char *body, *type, *subtype;
	size_t len;

	(void)state;
	assert_string_equal(sip_msg_method(m), "NOTIFY");
	assert_int_equal(sip_msg_body(m, &body, &len), 0);
	assert_int_equal(len, strlen(PIDF_BODY));
	assert_memory_equal(body, PIDF_BODY, len);
	assert_int_equal(sip_msg_content_type(m, &type, &subtype), 0);
	assert_string_equal(type, "application");
	assert_string_equal(subtype, "pidf+xml");
	assert_string_equal(sip_msg_header(m, "content-language", NULL), "fr");
	assert_string_equal(sip_msg_header(m, "subscription-state", NULL),
	    "active;expires=599");
	assert_string_equal(sip_msg_from_tag(m), "ffd2");
	assert_string_equal(sip_msg_to_tag(m), "xfg9");
	assert_int_equal(sip_msg_cseq(m), 8775);
	sip_msg_free(m);
}

/* A response: status, reason, the Contact of a 301 (RFC 7247 <gone/>). */
static void
reads_a_response(void **state)
{
	struct sip_msg *m = parse(MOVED_TEXT);
	char *s;

	(void)state;
	assert_null(sip_msg_method(m));
	assert_int_equal(sip_msg_status(m), 301);
	assert_string_equal(sip_msg_reason(m), "Moved Permanently");
	s = sip_msg_contact_uri(m);
	assert_string_equal(s, "sip:bob@new.example.com");
	free(s);
	assert_string_equal(sip_msg_to_tag(m), "a6c85cf");
	sip_msg_free(m);
}

/* A new request as the presence code builds one, as the peer reads it. */
static void
builds_a_request(void **state)
{
	struct sip_msg *m, *back;
	const char *body;
	size_t len;
	char *s;

	(void)state;
	m = sip_msg_request_new("SUBSCRIBE", "sip:romeo@sip.test",
	    "sip:juliet@gw.test", "sip:romeo@sip.test", NULL);
	assert_non_null(m);
	assert_int_equal(sip_msg_add_header(m, "Event", "presence"), 0);
	assert_int_equal(sip_msg_set_contact(m, "sip:gw.test:5060"), 0);
	assert_int_equal(sip_msg_set_body(m, "application/pidf+xml",
	    PIDF_BODY, strlen(PIDF_BODY)), 0);
	back = round_trip(m);
	assert_string_equal(sip_msg_method(back), "SUBSCRIBE");
	assert_string_equal(sip_msg_header(back, "event", "o"), "presence");
	s = sip_msg_contact_uri(back);
	assert_string_equal(s, "sip:gw.test:5060");
	free(s);
	s = sip_msg_from_uri(back);
	assert_string_equal(s, "sip:juliet@gw.test");
	free(s);
	assert_null(sip_msg_from_display(back));	/* none given */
	assert_non_null(sip_msg_from_tag(back));	/* a new tag */
	assert_int_equal(strlen(sip_msg_from_tag(back)), 16);
	assert_int_equal(sip_msg_cseq(back), 1);
	s = sip_msg_call_id(back);
	assert_non_null(s);			/* a new Call-ID */
	free(s);
	assert_int_equal(sip_msg_body(back, &body, &len), 0);
	assert_int_equal(len, strlen(PIDF_BODY));
	sip_msg_free(back);
	sip_msg_free(m);

	/* A Request-URI that is not one is refused, not sent. */
	assert_null(sip_msg_request_new("SUBSCRIBE", "not a uri",
	    "sip:juliet@gw.test", "sip:romeo@sip.test", "abc"));
	/* So is a Contact too long for any real URI. */
	m = sip_msg_request_new("NOTIFY", "sip:romeo@sip.test",
	    "sip:juliet@gw.test", "sip:romeo@sip.test", "abc");
	assert_non_null(m);
	{
		char uri[2000];

		memset(uri, 'a', sizeof(uri) - 1);
		uri[sizeof(uri) - 1] = '\0';
		assert_int_equal(sip_msg_set_contact(m, uri), -1);
	}
	sip_msg_free(m);
}

/*
 * RFC 3261 §12.1.1: the 2xx that makes a dialog copies the request's
 * Record-Route, in order, so the watcher's route set matches ours.
 */
static void
copies_record_routes(void **state)
{
	struct sip_msg *req = parse(SUBSCRIBE_TEXT);
	struct sip_msg *resp, *back;

	(void)state;
	resp = sip_msg_wrap(sip_response_new(req->osip, 200, NULL, "gw1"));
	assert_non_null(resp);
	assert_int_equal(sip_msg_copy_record_routes(resp, req), 0);
	assert_int_equal(sip_msg_copy_record_routes(resp, req), 0); /* once */
	back = round_trip(resp);
	assert_int_equal(sip_msg_status(back), 200);
	assert_int_equal(osip_list_size(&back->osip->record_routes), 2);
	assert_string_equal(((osip_record_route_t *)osip_list_get(
	    &back->osip->record_routes, 0))->url->host, "p1.example.com");
	assert_string_equal(sip_msg_to_tag(back), "gw1");
	sip_msg_free(back);
	sip_msg_free(resp);
	sip_msg_free(req);
}

/* Bytes that are no SIP message give no handle (and no leak). */
static void
refuses_garbage(void **state)
{
	(void)state;
	assert_null(sip_msg_parse("", 0));
	assert_null(sip_msg_parse("hello\r\n\r\n", 9));
	sip_msg_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_a_subscribe),
		cmocka_unit_test(accept_is_read_with_wildcards),
		cmocka_unit_test(reads_a_notify_body),
		cmocka_unit_test(reads_a_response),
		cmocka_unit_test(builds_a_request),
		cmocka_unit_test(copies_record_routes),
		cmocka_unit_test(refuses_garbage),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
