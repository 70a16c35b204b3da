/*
 * message/cpim parsing against RFC 3862's and RFC 5438's own examples,
 * then against the ways real and hostile peers get it wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpim.h"

/*
 * Parses a copy of s in a buffer of exactly its length (no NUL after it),
 * so that ASan catches any read past the end.
 */
static int
parse_exact(const char *s, size_t len, struct cpim_message *m, char **copy)
{
	*copy = malloc(len > 0 ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, s, len);
	return cpim_parse(*copy, len, m);
}

/* Asserts that a span holds exactly the string. */
#define assert_span(sp, str) do {					\
	struct span s_ = (sp);						\
	const char *e_ = (str);						\
	if (s_.len != strlen(e_) || (s_.len > 0 &&			\
	    memcmp(s_.ptr, e_, s_.len) != 0))				\
		fail_msg("span \"%.*s\" != \"%s\"", (int)s_.len,	\
		    s_.ptr == NULL ? "" : s_.ptr, e_);			\
} while (0)

/* RFC 3862 §5.1, as carried in a SIP body (CRLF line ends). */
static const char rfc3862_example[] =
    "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
    "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
    "Subject: the weather will be fine today\r\n"
    "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"
    "Require: MyFeatures.VitalMessageOption\r\n"
    "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"
    "MyFeatures.WackyMessageOption: Use-silly-font\r\n"
    "\r\n"
    "Content-type: text/xml; charset=utf-8\r\n"
    "Content-ID: <1234567890@foo.com>\r\n"
    "\r\n"
    "<body>\r\n"
    "Here is the text of my message.\r\n"
    "</body>\r\n";

/* Checks every field of the RFC 3862 example. */
static void
check_rfc3862(const struct cpim_message *m)
{
	assert_span(m->from_uri, "im:piglet@100akerwood.com");
	assert_span(m->to_uri, "im:eeyore@100akerwood.com");
	assert_span(m->datetime, "2000-12-13T13:40:00-08:00");
	assert_span(m->subject, "the weather will be fine today");
	assert_span(m->subject_lang, "");
	assert_span(m->content_type, "text/xml; charset=utf-8");
	assert_span(m->content_lang, "");
	assert_span(m->content_encoding, "");
	assert_int_equal(m->has_imdn, 0);
	assert_int_equal(m->body_len, strlen("<body>\r\n"
	    "Here is the text of my message.\r\n</body>\r\n"));
	assert_memory_equal(m->body, "<body>\r\nHere is the text of my "
	    "message.\r\n</body>\r\n", m->body_len);
}

/* The example parses, every field where RFC 3862 puts it. */
static void
test_rfc3862_example(void **state)
{
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(rfc3862_example,
	    sizeof(rfc3862_example) - 1, &m, &buf), 0);
	check_rfc3862(&m);
	free(buf);
}

/*
 * The same example as the RFC prints it, with the MIME header of the
 * CPIM object itself in front; some peers put that in the body.
 */
static void
test_rfc3862_example_with_mime_header(void **state)
{
	static const char wrapper[] = "Content-type: Message/CPIM\r\n\r\n";
	char text[sizeof(wrapper) + sizeof(rfc3862_example)];
	struct cpim_message m;
	char *buf;

	(void)state;
	memcpy(text, wrapper, sizeof(wrapper) - 1);
	memcpy(text + sizeof(wrapper) - 1, rfc3862_example,
	    sizeof(rfc3862_example));
	assert_int_equal(parse_exact(text, strlen(text), &m, &buf), 0);
	check_rfc3862(&m);
	free(buf);
}

/* Bare LF line ends, as some clients send them. */
static void
test_lf_line_ends(void **state)
{
	static const char text[] =
	    "From: MR SANDERS <im:piglet@100akerwood.com>\n"
	    "To: Depressed Donkey <im:eeyore@100akerwood.com>\n"
	    "DateTime: 2000-12-13T13:40:00-08:00\n"
	    "Subject: the weather will be fine today\n"
	    "\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "Here is the text of my message.";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(text, sizeof(text) - 1, &m, &buf), 0);
	assert_span(m.from_uri, "im:piglet@100akerwood.com");
	assert_span(m.subject, "the weather will be fine today");
	assert_span(m.content_type, "text/plain");
	assert_int_equal(m.body_len, 31);
	assert_memory_equal(m.body, "Here is the text of my message.", 31);
	free(buf);
}

/* RFC 3862 §4.5: the language of a Subject is a header parameter. */
static void
test_subject_lang(void **state)
{
	static const char text[] =
	    "From: <im:pooh@100akerwood.com>\r\n"
	    "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"
	    "Subject: the weather will be fine today\r\n"
	    "\r\n"
	    "Content-Type: text/plain\r\n\r\nx";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(text, sizeof(text) - 1, &m, &buf), 0);
	assert_span(m.subject, "beau temps prevu pour aujourd'hui");
	assert_span(m.subject_lang, "fr");
	assert_span(m.from_uri, "im:pooh@100akerwood.com");
	free(buf);
}

/* RFC 5438 §7.1.1: a message asking for delivery notifications. */
static void
test_rfc5438_request(void **state)
{
	static const char text[] =
	    "From: Alice <im:alice@example.com>\r\n"
	    "To: Bob <im:bob@example.com>\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\n"
	    "imdn.Message-ID: 34jk324j\r\n"
	    "DateTime: 2006-04-04T12:16:49-05:00\r\n"
	    "imdn.Disposition-Notification: positive-delivery, display\r\n"
	    "\r\n"
	    "Content-type: text/plain\r\n"
	    "Content-length: 12\r\n"
	    "\r\n"
	    "Hello World\r\n";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(text, sizeof(text) - 1, &m, &buf), 0);
	assert_span(m.from_uri, "im:alice@example.com");
	assert_span(m.to_uri, "im:bob@example.com");
	assert_int_equal(m.has_imdn, 1);
	assert_span(m.imdn_message_id, "34jk324j");
	assert_span(m.imdn_disposition, "positive-delivery, display");
	assert_span(m.datetime, "2006-04-04T12:16:49-05:00");
	assert_span(m.content_type, "text/plain");
	assert_int_equal(m.body_len, 13);
	assert_memory_equal(m.body, "Hello World\r\n", 13);
	free(buf);
}

/*
 * RFC 5438's delivery notification example as published: the content
 * headers run into the message headers, with no blank line between.
 */
static const char rfc5438_notification[] =
    "From: Bob <im:bob@example.com>\r\n"
    "To: Alice <im:alice@example.com>\r\n"
    "NS: imdn <urn:ietf:params:imdn>\r\n"
    "imdn.Message-ID: d834jied93rf\r\n"
    "Content-type: message/imdn+xml\r\n"
    "Content-Disposition: notification\r\n"
    "Content-length: 295\r\n"
    "\r\n"
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n"
    "  <message-id>34jk324j</message-id>\r\n"
    "  <datetime>2008-04-04T12:16:49-05:00</datetime>\r\n"
    "  <recipient-uri>im:bob@example.com</recipient-uri>\r\n"
    "  <original-recipient-uri\r\n"
    "     >im:bob@example.com</original-recipient-uri>\r\n"
    "  <delivery-notification>\r\n"
    "     <status>\r\n"
    "        <delivered/>\r\n"
    "     </status>\r\n"
    "  </delivery-notification>\r\n"
    "</imdn>\r\n";

/* ...and still parses, its body where the RFC's authors meant it. */
static void
test_rfc5438_notification(void **state)
{
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(rfc5438_notification,
	    sizeof(rfc5438_notification) - 1, &m, &buf), 0);
	assert_int_equal(m.has_imdn, 1);
	assert_span(m.from_uri, "im:bob@example.com");
	assert_span(m.imdn_message_id, "d834jied93rf");
	assert_span(m.content_type, "message/imdn+xml");
	assert_int_equal(m.body_len, strlen(rfc5438_notification) -
	    (size_t)(strstr(rfc5438_notification, "<?xml") -
	    rfc5438_notification));
	assert_memory_equal(m.body, "<?xml", 5);
	free(buf);
}

/* The same notification, corrected: a blank line before its content. */
static void
test_rfc5438_notification_corrected(void **state)
{
	static const char text[] =
	    "From: Bob <im:bob@example.com>\r\n"
	    "To: Alice <im:alice@example.com>\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\n"
	    "imdn.Message-ID: d834jied93rf\r\n"
	    "Content-Disposition: notification\r\n"
	    "\r\n"
	    "Content-type: message/imdn+xml\r\n"
	    "Content-Disposition: notification\r\n"
	    "\r\n"
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"/>\r\n";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(text, sizeof(text) - 1, &m, &buf), 0);
	assert_span(m.content_type, "message/imdn+xml");
	assert_memory_equal(m.body, "<?xml", 5);
	free(buf);
}

/* Display names: quoted, with '<' and '\"' inside; bare URIs. */
static void
test_addresses(void **state)
{
	static const struct {
		const char *value;
		const char *uri;
	} rows[] = {
		{ "\"MR SANDERS\"<im:piglet@100akerwood.com>",
		    "im:piglet@100akerwood.com" },
		{ "\"a <fake@x> \\\"q\\\"\" <sip:real@example.com>",
		    "sip:real@example.com" },
		{ "<sip:alice@example.com>", "sip:alice@example.com" },
		{ "< sip:alice@example.com >", "sip:alice@example.com" },
		{ "sip:bare@example.com", "sip:bare@example.com" },
		{ "+33642575779", "" },
		{ "Display Name Only", "" },
		{ "Broken <sip:nogt@example.com", "" },
		{ "\"unterminated <sip:x@y>", "" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cpim_message m;
		char text[256];
		char *buf;
		int n = snprintf(text, sizeof(text), "From: %s\r\nTo: %s\r\n"
		    "\r\n\r\n", rows[i].value, rows[i].value);

		assert_int_equal(parse_exact(text, (size_t)n, &m, &buf), 0);
		assert_span(m.from_uri, rows[i].uri);
		assert_span(m.to_uri, rows[i].uri);
		free(buf);
	}
}

/* The IMDN namespace under another prefix, or as the default; others. */
static void
test_ns(void **state)
{
	static const char other_prefix[] =
	    "From: <im:a@x>\r\nNS: rcs <http://www.gsma.com>\r\n"
	    "NS: n <URN:IETF:PARAMS:IMDN>\r\n"
	    "imdn.Message-ID: wrong-prefix\r\nn.Message-ID: abc\r\n"
	    "rcs.Message-ID: not-imdn\r\n\r\n\r\n";
	static const char no_imdn[] =
	    "From: <im:a@x>\r\nNS: MyFeatures <mid:MessageFeatures@id.foo.com>"
	    "\r\nMyFeatures.Message-ID: no\r\n\r\n\r\n";
	static const char used_before_declared[] =
	    "From: <im:a@x>\r\nimdn.Message-ID: early\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\n\r\n\r\n";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(other_prefix, sizeof(other_prefix) - 1,
	    &m, &buf), 0);
	assert_int_equal(m.has_imdn, 1);
	assert_span(m.imdn_message_id, "abc");
	free(buf);
	assert_int_equal(parse_exact(no_imdn, sizeof(no_imdn) - 1, &m, &buf),
	    0);
	assert_int_equal(m.has_imdn, 0);
	assert_span(m.imdn_message_id, "");
	free(buf);
	assert_int_equal(parse_exact(used_before_declared,
	    sizeof(used_before_declared) - 1, &m, &buf), 0);
	assert_int_equal(m.has_imdn, 1);
	assert_span(m.imdn_message_id, "");
	free(buf);
}

/* Inner entity: folded headers, all content headers, odd endings. */
static void
test_inner_entity(void **state)
{
	static const char folded[] =
	    "From: <im:a@x>\r\n\r\n"
	    "content-type: text/plain;\r\n\tcharset=\"ISO-8859-1\"\r\n"
	    "Content-Language: de\r\n"
	    "Content-Encoding: deflate\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\nGr\xfc\xdf" "e";
	static const char no_inner_headers[] =
	    "From: <im:a@x>\r\n\r\n\r\nJust text";
	static const char headers_then_eof[] =
	    "From: <im:a@x>\r\n\r\nContent-Type: text/plain\r\n";
	static const char headers_no_newline[] =
	    "From: <im:a@x>\r\n\r\nContent-Type: text/plain";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(folded, sizeof(folded) - 1, &m, &buf), 0);
	assert_span(m.content_type,
	    "text/plain;\r\n\tcharset=\"ISO-8859-1\"");
	assert_span(m.content_lang, "de");
	assert_span(m.content_encoding, "deflate");
	assert_span(m.content_transfer_encoding, "8bit");
	assert_int_equal(m.body_len, 5);
	free(buf);

	assert_int_equal(parse_exact(no_inner_headers,
	    sizeof(no_inner_headers) - 1, &m, &buf), 0);
	assert_span(m.content_type, "");
	assert_int_equal(m.body_len, 9);
	assert_memory_equal(m.body, "Just text", 9);
	free(buf);

	assert_int_equal(parse_exact(headers_then_eof,
	    sizeof(headers_then_eof) - 1, &m, &buf), 0);
	assert_span(m.content_type, "text/plain");
	assert_int_equal(m.body_len, 0);
	free(buf);

	assert_int_equal(parse_exact(headers_no_newline,
	    sizeof(headers_no_newline) - 1, &m, &buf), 0);
	assert_span(m.content_type, "text/plain");
	assert_int_equal(m.body_len, 0);
	free(buf);
}

/* Things that are not CPIM at all. */
static void
test_not_cpim(void **state)
{
	static const char *const rows[] = {
		"",
		"Hello, this is just text",
		"Hello, this is just text\r\n\r\nand more",
		"From: <im:a@x>\r\nTo: <im:b@x>\r\n",	/* no blank line */
		"From: <im:a@x>",
		"\r\nContent-Type: text/plain\r\n\r\nbody",	/* no headers */
		": no name\r\n\r\n\r\n",
		"Bad Name: x\r\n\r\n\r\n",
		" continuation first\r\n\r\n\r\n",
		"From: <im:a@x>\r\n\r\nnot a header\r\n\r\nbody",
		"Content-Type: message/cpim\r\n\r\n",	/* only the wrapper */
		"Content-Type: message/cpim\r\n\r\nno colon\r\n\r\n",
	};
	struct cpim_message m;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *buf;

		if (parse_exact(rows[i], strlen(rows[i]), &m, &buf) != -1)
			fail_msg("row %zu parsed", i);
		assert_null(m.body);
		assert_int_equal(m.has_imdn, 0);
		free(buf);
	}
	assert_int_equal(cpim_parse(NULL, 10, &m), -1);
}

/* The bounds: line length and line count. */
static void
test_bounds(void **state)
{
	struct cpim_message m;
	size_t len;
	char *text, *buf;

	(void)state;
	/* A header line of exactly CPIM_MAX_LINE bytes is fine... */
	text = malloc(CPIM_MAX_LINE + 64);
	assert_non_null(text);
	memcpy(text, "X-Long: ", 8);
	memset(text + 8, 'a', CPIM_MAX_LINE - 8);
	memcpy(text + CPIM_MAX_LINE, "\r\n\r\n\r\n", 6);
	len = CPIM_MAX_LINE + 6;
	assert_int_equal(parse_exact(text, len, &m, &buf), 0);
	free(buf);
	/* ...one more is not. */
	memcpy(text, "X-Longer: ", 10);
	memset(text + 10, 'a', CPIM_MAX_LINE - 9);
	memcpy(text + CPIM_MAX_LINE + 1, "\r\n\r\n\r\n", 6);
	len = CPIM_MAX_LINE + 7;
	assert_int_equal(parse_exact(text, len, &m, &buf), -1);
	free(buf);
	/* A long body line is the body's business, not a header. */
	memcpy(text, "From: <im:a@x>\r\n\r\n\r\n", 20);
	memset(text + 20, 'b', CPIM_MAX_LINE + 40);
	len = CPIM_MAX_LINE + 60;
	assert_int_equal(parse_exact(text, len, &m, &buf), 0);
	assert_int_equal(m.body_len, CPIM_MAX_LINE + 40);
	free(buf);
	free(text);

	/* CPIM_MAX_LINES lines in a block, counting the blank one... */
	text = malloc(CPIM_MAX_LINES * 8 + 16);
	assert_non_null(text);
	len = 0;
	for (int i = 0; i < CPIM_MAX_LINES - 1; i++) {
		memcpy(text + len, "A: b\r\n", 6);
		len += 6;
	}
	memcpy(text + len, "\r\n\r\n", 4);
	assert_int_equal(parse_exact(text, len + 4, &m, &buf), 0);
	free(buf);
	/* ...and one more is too many. */
	memcpy(text + len, "A: b\r\n\r\n\r\n", 10);
	assert_int_equal(parse_exact(text, len + 10, &m, &buf), -1);
	free(buf);
	free(text);
}

/* NUL bytes and high bytes are just bytes: spans carry them, no crash. */
static void
test_binary(void **state)
{
	static const char text[] =
	    "From: <im:a\0b@x>\r\nSubject: \xff\xfe\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\n\0\0\0";
	struct cpim_message m;
	char *buf;

	(void)state;
	assert_int_equal(parse_exact(text, sizeof(text) - 1, &m, &buf), 0);
	assert_int_equal(m.from_uri.len, 8);
	assert_int_equal(m.subject.len, 2);
	assert_int_equal(m.body_len, 3);
	free(buf);
	assert_int_equal(parse_exact("Fr\0m: x\r\n\r\n", 11, &m, &buf), -1);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3862_example),
		cmocka_unit_test(test_rfc3862_example_with_mime_header),
		cmocka_unit_test(test_lf_line_ends),
		cmocka_unit_test(test_subject_lang),
		cmocka_unit_test(test_rfc5438_request),
		cmocka_unit_test(test_rfc5438_notification),
		cmocka_unit_test(test_rfc5438_notification_corrected),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_inner_entity),
		cmocka_unit_test(test_not_cpim),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_binary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
