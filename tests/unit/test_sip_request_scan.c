/*
 * Reading a plain MESSAGE from its raw bytes (RFC 3428 over RFC 3261):
 * what the transaction and the bridge take from it, the Via lines of its
 * responses (received and rport), and the requests it leaves to
 * libosip2. That both readings agree is fuzz_sip_request_scan's work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <osipparser2/osip_parser.h>

#include "sip_completed.h"
#include "sip_request_scan.h"
#include "sip_osip.h"
#include "sip_stack.h"
#include "sip_stack_int.h"
#include "stanza.h"

/* RFC 3428 §4, the MESSAGE example, with CRLFs. */
static const char rfc3428_example[] =
    "MESSAGE sip:user2@domain.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse\r\n"
    "Max-Forwards: 70\r\n"
    "From: sip:user1@domain.com;tag=49583\r\n"
    "To: sip:user2@domain.com\r\n"
    "Call-ID: asd88asd77a@1.2.3.4\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 18\r\n"
    "\r\n"
    "Watson, come here.";

static int
scan(const char *text, struct sip_request_scan *r)
{
	return sip_request_scan(text, strlen(text), r);
}

/* A MESSAGE with the given header lines (CRLF each) and body. */
static int
scan_with(const char *headers, const char *body, struct sip_request_scan *r)
{
	static char buf[4096];
	int n = snprintf(buf, sizeof(buf), "MESSAGE sip:x@xmpp.example "
	    "SIP/2.0\r\n%sContent-Length: %zu\r\n\r\n%s", headers,
	    strlen(body), body);

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return sip_request_scan(buf, (size_t)n, r);
}

#define PLAIN_TOP \
	"Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKplain\r\n" \
	"From: <sip:a@sip.example>;tag=1\r\nTo: <sip:x@xmpp.example>\r\n" \
	"Call-ID: c1@h\r\nCSeq: 1 MESSAGE\r\n"

static void
test_rfc3428_example(void **state)
{
	struct sip_request_scan r;
	struct sip_message_fields f;
	struct strbuf sb;
	char key[SIP_COMPLETED_KEY_MAX];

	(void)state;
	assert_int_equal(scan(rfc3428_example, &r), 0);
	strbuf_init(&sb);
	assert_int_equal(sip_message_fields_from_scan(&r, &sb, &f), 0);
	assert_string_equal(f.ruri, "sip:user2@domain.com");
	/* addr-spec form: ";tag" is the header's, not the URI's (§20.10). */
	assert_string_equal(f.from_uri, "sip:user1@domain.com");
	assert_string_equal(f.to_uri, "sip:user2@domain.com");
	assert_false(r.to_tagged);
	assert_string_equal(f.call_id, "asd88asd77a@1.2.3.4");
	assert_string_equal(f.content_type, "text/plain");
	assert_null(f.content_encoding);
	assert_null(f.subject);
	assert_int_equal(f.body_len, 18);
	assert_memory_equal(f.body, "Watson, come here.", 18);
	assert_int_equal(r.n_other, 1);		/* Max-Forwards */
	strbuf_free(&sb);
	/* Found by branch, sent-by (default port) and method (§17.2.3). */
	assert_int_equal(sip_request_scan_key(&r, key, sizeof(key)), 0);
	assert_string_equal(key,
	    "z9hG4bK776sgdkse user1pc.domain.com:5060 MESSAGE");
	/* The sent-by is a name: received carries the address (§18.2.1). */
	strbuf_init(&sb);
	assert_int_equal(sip_request_scan_vias(&r, "192.0.2.4", 40000, &sb),
	    0);
	strbuf_append(&sb, "", 1);
	assert_string_equal(sb.buf, "Via: SIP/2.0/TCP user1pc.domain.com;"
	    "branch=z9hG4bK776sgdkse;received=192.0.2.4\r\n");
	strbuf_free(&sb);
}

/* RFC 3581 §4: rport gets the source port, and received is always set. */
static void
test_rport_and_proxy_vias(void **state)
{
	struct sip_request_scan r;
	struct strbuf sb;
	char key[SIP_COMPLETED_KEY_MAX];

	(void)state;
	assert_int_equal(scan_with(
	    "Via: SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bKr1\r\n"
	    "v: SIP/2.0/UDP 10.0.0.9;received=192.0.2.9;branch=z9hG4bKua\r\n"
	    "From: \"Romeo\" <sip:romeo@sip.example>;tag=83\r\n"
	    "To: Juliet <sip:juliet@xmpp.example;user=x>;tag=9\r\n"
	    "i: c2\r\nCSeq: 2 MESSAGE\r\n"
	    "c: text/plain; charset=UTF-8\r\n", "hi", &r), 0);
	assert_true(r.to_tagged);
	assert_int_equal(r.n_vias, 2);
	strbuf_init(&sb);
	assert_int_equal(sip_request_scan_vias(&r, "10.0.0.1", 6000, &sb), 0);
	strbuf_append(&sb, "", 1);
	assert_string_equal(sb.buf,
	    "Via: SIP/2.0/UDP 10.0.0.1:5070;rport=6000;branch=z9hG4bKr1;"
	    "received=10.0.0.1\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.9;received=192.0.2.9;branch=z9hG4bKua\r\n");
	strbuf_free(&sb);
	assert_int_equal(sip_request_scan_key(&r, key, sizeof(key)), 0);
	assert_string_equal(key, "z9hG4bKr1 10.0.0.1:5070 MESSAGE");
}

/* Subject: the long name wins over "s", as libosip2's look-up does. */
static void
test_subject_and_language(void **state)
{
	struct sip_request_scan r;
	struct sip_message_fields f;
	struct strbuf sb;

	(void)state;
	assert_int_equal(scan_with(PLAIN_TOP "Content-Type: text/plain\r\n"
	    "s: short\r\nSubject: Re: plans, today\r\n"
	    "Content-Language: fr\r\nUser-Agent: baresip v3.0, libre\r\n",
	    "salut", &r), 0);
	strbuf_init(&sb);
	assert_int_equal(sip_message_fields_from_scan(&r, &sb, &f), 0);
	assert_string_equal(f.subject, "Re: plans, today");
	assert_string_equal(f.content_language, "fr");
	assert_int_equal(r.n_other, 4);
	strbuf_free(&sb);
}

/* Whatever is less plain is left to libosip2, which reads it as before. */
static void
test_left_to_libosip2(void **state)
{
	static const char *const refused[] = {
		/* Folding (§7.3.1). */
		"Via: SIP/2.0/UDP 10.0.0.1\r\n ;branch=z9hG4bKf\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		/* An escape in a URI. */
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKe\r\n"
		    "From: <sip:a%40@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		/* A header libosip2 reads into a structure of its own. */
		PLAIN_TOP "Record-Route: <sip:p.example;lr>\r\n",
		PLAIN_TOP "Contact: <sip:a@10.0.0.1>\r\n",
		/* A value libosip2 splits at its comma. */
		PLAIN_TOP "Supported: timer, path\r\n",
		/* An RFC 2543 branch: no magic cookie. */
		"Via: SIP/2.0/UDP 10.0.0.1;branch=1234\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		/* IPv6 sent-by; received and maddr already there. */
		"Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK6\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		"Via: SIP/2.0/UDP h.example;branch=z9hG4bK6;received=1.2.3.4\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		"Via: SIP/2.0/UDP h.example;maddr=224.0.1.75;branch=z9hG4bK6\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		/* Two From headers; a CSeq of another method; no Call-ID. */
		PLAIN_TOP "From: <sip:b@sip.example>;tag=2\r\n",
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK7\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 INVITE\r\n",
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK8\r\n"
		    "From: <sip:a@b.c>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "CSeq: 1 MESSAGE\r\n",
		/* multipart: libosip2 splits the body into parts. */
		PLAIN_TOP "Content-Type: multipart/mixed;boundary=b\r\n",
		/* A parameter libosip2 leaves out when it prints the URI. */
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo\r\n"
		    "From: <sip:a@b.c;x-obp=1>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
		/* A tel: URI. */
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK9\r\n"
		    "From: <tel:+4930123>;tag=1\r\nTo: <sip:x@y.z>\r\n"
		    "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n",
	};
	struct sip_request_scan r;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (scan_with(refused[i], "", &r) != -1)
			fail_msg("accepted: %s", refused[i]);
	/* A body without a Content-Type: libosip2 drops it. */
	assert_int_equal(scan_with(PLAIN_TOP, "hello", &r), -1);
	assert_int_equal(scan_with(PLAIN_TOP "Content-Type: text/plain\r\n",
	    "hello", &r), 0);
	/* LF-only lines, a NUL, another method. */
	assert_int_equal(scan("MESSAGE sip:x@y.z SIP/2.0\nVia: SIP/2.0/UDP "
	    "h.example;branch=z9hG4bK1\n\n", &r), -1);
	assert_int_equal(scan("OPTIONS sip:x@y.z SIP/2.0\r\n\r\n", &r), -1);
}

/* A Content-Length that is not the body's length, or a NUL: not here. */
static void
test_length_must_match(void **state)
{
	char buf[sizeof(rfc3428_example)];
	struct sip_request_scan r;

	(void)state;
	memcpy(buf, rfc3428_example, sizeof(buf));
	assert_int_equal(sip_request_scan(buf, sizeof(buf) - 2, &r), -1);
	memcpy(strstr(buf, "Length: 18"), "Length: 19", 10);
	assert_int_equal(sip_request_scan(buf, sizeof(buf) - 1, &r), -1);
	/* libosip2 takes a NUL for the end of what it holds. */
	memcpy(buf, rfc3428_example, sizeof(buf));
	*strstr(buf, "70") = '\0';
	assert_int_equal(sip_request_scan(buf, sizeof(buf) - 1, &r), -1);
}

/* The scan's fields for a plain MESSAGE with extra header lines. */
static void
fields_of(const char *headers, struct sip_request_scan *r, struct strbuf *sb,
    struct sip_message_fields *f)
{
	if (scan_with(headers, "", r) != 0)
		fail_msg("not scanned: %s", headers);
	assert_int_equal(sip_message_fields_from_scan(r, sb, f), 0);
}

/*
 * RFC 3325 §9.1: the P-Asserted-Identity is read on the fast path, kept
 * as libosip2 keeps it (a name and a value), and names the sender only
 * once the stack says the request came from a trusted peer (§8) and did
 * not ask for Privacy: id (§7, §9.3).
 */
static void
test_asserted_identity(void **state)
{
	struct sip_request_scan r;
	struct sip_message_fields f;
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	fields_of(PLAIN_TOP "P-Asserted-Identity: \"Alice\" "
	    "<sip:alice@corp.example>\r\n", &r, &sb, &f);
	assert_int_equal(r.n_other, 1);
	assert_string_equal(f.asserted_uri, "sip:alice@corp.example");
	assert_null(f.privacy);
	/* Read, but nobody's until the stack applies the source's trust. */
	assert_false(f.trusted);
	assert_string_equal(f.sender_uri, "sip:a@sip.example");
	sip_message_fields_trust(&f, 1);
	assert_true(f.trusted);
	assert_string_equal(f.sender_uri, "sip:alice@corp.example");
	/* From an untrusted source it is not used in any way (§8). */
	fields_of(PLAIN_TOP "P-Asserted-Identity: <sip:alice@corp.example>"
	    "\r\n", &r, &sb, &f);
	sip_message_fields_trust(&f, 0);
	assert_null(f.asserted_uri);
	assert_string_equal(f.sender_uri, "sip:a@sip.example");
	/* addr-spec form; Privacy: none keeps it, id hides it. */
	fields_of(PLAIN_TOP "p-asserted-identity: sips:bob@corp.example\r\n"
	    "Privacy: none\r\n", &r, &sb, &f);
	assert_int_equal(r.n_other, 2);
	assert_string_equal(f.asserted_uri, "sips:bob@corp.example");
	assert_string_equal(f.privacy, "none");
	sip_message_fields_trust(&f, 1);
	assert_string_equal(f.sender_uri, "sips:bob@corp.example");
	fields_of(PLAIN_TOP "P-Asserted-Identity: <sip:bob@corp.example>\r\n"
	    "Privacy: user;ID\r\n", &r, &sb, &f);
	sip_message_fields_trust(&f, 1);
	assert_string_equal(f.sender_uri, "sip:a@sip.example");
	strbuf_free(&sb);
}

/* What the scan leaves to libosip2, which reads every value. */
static void
test_asserted_identity_parsed(void **state)
{
	static const char *const refused[] = {
		PLAIN_TOP "P-Asserted-Identity: <tel:+15551234>\r\n",
		PLAIN_TOP "P-Asserted-Identity: <tel:+15551234>, "
		    "<sip:carol@corp.example>\r\n",
		PLAIN_TOP "P-Asserted-Identity: <sip:carol@corp.example>\r\n"
		    "P-Asserted-Identity: <tel:+15551234>\r\n",
		PLAIN_TOP "Privacy: id\r\nPrivacy: none\r\n",
	};
	static const char msg[] = "MESSAGE sip:x@xmpp.example SIP/2.0\r\n"
	    PLAIN_TOP "P-Asserted-Identity: <tel:+15551234>\r\n"
	    "P-Asserted-Identity: \"Carol\" <sip:carol@corp.example>\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct sip_request_scan r;
	struct sip_message_fields f;
	osip_message_t *m = NULL;
	struct strbuf sb;

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (scan_with(refused[i], "", &r) != -1)
			fail_msg("accepted: %s", refused[i]);
	/* §9.1: a tel: and a sip: value; the sip: one names the sender. */
	parser_init();
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, msg, sizeof(msg) - 1), 0);
	strbuf_init(&sb);
	assert_int_equal(sip_message_fields_from_osip(m, &sb, &f), 0);
	assert_string_equal(f.asserted_uri, "sip:carol@corp.example");
	sip_message_fields_trust(&f, 1);
	assert_string_equal(f.sender_uri, "sip:carol@corp.example");
	strbuf_free(&sb);
	osip_message_free(m);
	assert_true(sip_privacy_id("id"));
	assert_true(sip_privacy_id("header; id"));
	assert_false(sip_privacy_id("none"));
	assert_false(sip_privacy_id("idx;user"));
	assert_false(sip_privacy_id(NULL));
}

/* Reads msg both ways; the From display name each reading gives. */
static void
both_displays(const char *msg, const char *want)
{
	struct sip_request_scan r;
	struct sip_message_fields f;
	osip_message_t *m = NULL;
	struct strbuf sb;

	strbuf_init(&sb);
	if (scan(msg, &r) == 0) {
		assert_int_equal(sip_message_fields_from_scan(&r, &sb, &f), 0);
		if (want == NULL)
			assert_null(f.from_display);
		else
			assert_string_equal(f.from_display, want);
	}
	parser_init();
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, msg, strlen(msg)), 0);
	assert_int_equal(sip_message_fields_from_osip(m, &sb, &f), 0);
	if (want == NULL)
		assert_null(f.from_display);
	else
		assert_string_equal(f.from_display, want);
	osip_message_free(m);
	strbuf_free(&sb);
}

#define DISPLAY_MSG(from) \
	"MESSAGE sip:lobby@conf.example SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKdisp\r\n" \
	"From: " from "<sip:romeo@sip.example>;tag=1\r\n" \
	"To: <sip:lobby@conf.example>\r\nCall-ID: d1@h\r\n" \
	"CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n"

/* RFC 3261 §25.1: the From display name, the same from both readings
 * (the escaped one only libosip2 reads). */
static void
test_from_display(void **state)
{
	struct sip_request_scan r;

	(void)state;
	both_displays(DISPLAY_MSG("\"Romeo Montague\" "), "Romeo Montague");
	both_displays(DISPLAY_MSG("Romeo Montague "), "Romeo Montague");
	both_displays(DISPLAY_MSG(""), NULL);
	both_displays(DISPLAY_MSG("\"\" "), NULL);
	assert_int_equal(scan(DISPLAY_MSG("\"R \\\"Q\\\"\" "), &r), -1);
	both_displays(DISPLAY_MSG("\"R \\\"Q\\\"\" "), "R \"Q\"");
	both_displays("MESSAGE sip:lobby@conf.example SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKdisp\r\n"
	    "From: sip:romeo@sip.example;tag=1\r\n"
	    "To: <sip:lobby@conf.example>\r\nCall-ID: d1@h\r\n"
	    "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3428_example),
		cmocka_unit_test(test_rport_and_proxy_vias),
		cmocka_unit_test(test_subject_and_language),
		cmocka_unit_test(test_left_to_libosip2),
		cmocka_unit_test(test_length_must_match),
		cmocka_unit_test(test_asserted_identity),
		cmocka_unit_test(test_asserted_identity_parsed),
		cmocka_unit_test(test_from_display),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
