/*
 * What a MESSAGE body shows a person: text/plain in any charset,
 * text/html reduced to text, message/cpim unwrapped, machine bodies
 * recognised, and everything that cannot be shown faithfully refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "content.h"
#include "stanza.h"

/*
 * Runs content_to_text on a copy of body in a buffer of exactly its size,
 * so ASan sees any over-read, and checks the verdict. Returns the result
 * for further checks (the caller clears it); *cause_out gets the cause.
 */
static struct content_text
run(const char *type, const char *enc, const char *body, size_t len,
    int verdict, char **cause_out)
{
	struct content_text out;
	char *copy = malloc(len > 0 ? len : 1), *cause = NULL;
	int r;

	assert_non_null(copy);
	memcpy(copy, body, len);
	r = content_to_text(type, enc, copy, len, &out, &cause);
	free(copy);
	if (r != verdict)
		fail_msg("%s: verdict %d, expected %d (%s)",
		    type == NULL ? "(no type)" : type, r, verdict,
		    cause == NULL ? "no cause" : cause);
	if (r == CONTENT_TEXT) {
		assert_non_null(out.text);
		assert_int_equal(strlen(out.text), out.len);
		assert_null(cause);
	} else {
		assert_null(out.text);
		assert_non_null(cause);
	}
	if (cause_out != NULL)
		*cause_out = cause;
	else
		free(cause);
	return out;
}

/* Asserts that type+body gives exactly the text expected. */
static void
expect_text(const char *type, const char *body, size_t len,
    const char *text)
{
	struct content_text out = run(type, NULL, body, len, CONTENT_TEXT,
	    NULL);

	if (strcmp(out.text, text) != 0)
		fail_msg("%s: got \"%s\", expected \"%s\"", type, out.text,
		    text);
	content_text_clear(&out);
}

/* Asserts a verdict other than text, and a cause mentioning `needle`. */
static void
expect_verdict(const char *type, const char *enc, const char *body,
    size_t len, int verdict, const char *needle)
{
	char *cause = NULL;
	struct content_text out = run(type, enc, body, len, verdict, &cause);

	if (needle != NULL && strstr(cause, needle) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, needle);
	free(cause);
	content_text_clear(&out);
}

#define S(s) (s), (sizeof(s) - 1)

/* text/plain, UTF-8: type and parameters are case-blind. */
static void
test_plain_utf8(void **state)
{
	(void)state;
	expect_text("text/plain", S("Hello"), "Hello");
	expect_text("text/plain;charset=UTF-8", S("f\xc3\xbc\xc3\x9f"),
	    "f\xc3\xbc\xc3\x9f");
	expect_text("TEXT/Plain; Charset=\"utf-8\"", S("x"), "x");
	expect_text(" text / plain ; charset = utf8 (comment)", S("x"), "x");
	expect_text("text/plain; format=flowed; charset=us-ascii", S("a b"),
	    "a b");
	expect_text("text/plain", S("\xf0\x9f\x98\x80 emoji"),
	    "\xf0\x9f\x98\x80 emoji");
	/* A byte order mark is dropped; one inside the text is kept. */
	expect_text("text/plain", S("\xef\xbb\xbfHi\xef\xbb\xbf"),
	    "Hi\xef\xbb\xbf");
}

/* CRLF and lone CR become LF; TAB and LF stay. */
static void
test_plain_line_ends(void **state)
{
	(void)state;
	expect_text("text/plain", S("a\r\nb\rc\nd\te\r\n"),
	    "a\nb\nc\nd\te\n");
	expect_text("text/plain", S("\r\r\n\r"), "\n\n\n");
}

/* RFC 3428 bodies are typed, but an untyped one is taken as text. */
static void
test_no_type(void **state)
{
	struct content_text out;

	(void)state;
	expect_text(NULL, S("untyped"), "untyped");
	expect_text("", S("untyped"), "untyped");
	expect_text("  ", S("untyped"), "untyped");
	out = run(NULL, NULL, "", 0, CONTENT_TEXT, NULL);
	assert_string_equal(out.text, "");
	assert_int_equal(out.len, 0);
	content_text_clear(&out);
	assert_int_equal(content_to_text(NULL, NULL, NULL, 0, &out, NULL),
	    CONTENT_TEXT);
	assert_string_equal(out.text, "");
	content_text_clear(&out);
	expect_text("text/plain", "", 0, "");
}

/* Other charsets go through iconv to UTF-8. */
static void
test_plain_charsets(void **state)
{
	(void)state;
	expect_text("text/plain; charset=ISO-8859-1", S("Gr\xfc\xdf" "e"),
	    "Gr\xc3\xbc\xc3\x9f" "e");
	expect_text("text/plain; charset=\"latin1\"", S("caf\xe9"),
	    "caf\xc3\xa9");
	expect_text("text/plain; charset=windows-1252", S("\x80 5"),
	    "\xe2\x82\xac 5");
	expect_text("text/plain; charset=UTF-16", S("\xff\xfeH\0i\0"), "Hi");
	expect_text("text/plain; charset=UTF-16BE", S("\0H\0\r\0\n\0i"),
	    "H\ni");
	expect_text("text/plain; charset=Shift_JIS", S("\x93\xfa\x96\x7b"),
	    "\xe6\x97\xa5\xe6\x9c\xac");
	expect_text("text/plain; charset=KOI8-R", S("\xf0\xd2\xc9"),
	    "\xd0\x9f\xd1\x80\xd0\xb8");
	expect_text("text/plain; charset=ISO-2022-JP",
	    S("\x1b$B\x46\x7c\x4b\x5c\x1b(B"), "\xe6\x97\xa5\xe6\x9c\xac");
}

/* Charsets iconv does not know, or names that are not names. */
static void
test_plain_unknown_charset(void **state)
{
	(void)state;
	expect_verdict("text/plain; charset=x-klingon", NULL, S("x"),
	    CONTENT_UNSUPPORTED, "x-klingon");
	expect_verdict("text/plain; charset=\"UTF-8//IGNORE\"", NULL, S("x"),
	    CONTENT_UNSUPPORTED, "charset");
	expect_verdict("text/plain; charset=../../etc/passwd", NULL, S("x"),
	    CONTENT_UNSUPPORTED, "charset");
	/* An empty charset is no charset: the default, UTF-8. */
	expect_text("text/plain; charset=\"\"", S("x"), "x");
	expect_verdict("text/plain; charset=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, S("x"),
	    CONTENT_UNSUPPORTED, "charset");
}

/* Bytes that are not text in their charset are refused, with where. */
static void
test_plain_malformed(void **state)
{
	(void)state;
	expect_verdict("text/plain", NULL, S("ok \xc3("), CONTENT_MALFORMED,
	    "invalid UTF-8 at byte 3");
	expect_verdict("text/plain", NULL, S("\xed\xa0\x80"),
	    CONTENT_MALFORMED, "invalid UTF-8");
	expect_verdict("text/plain", NULL, S("Gr\xfc\xdf" "e"),
	    CONTENT_MALFORMED, "invalid UTF-8 at byte 2");
	expect_verdict("text/plain", NULL, S("bell\a"), CONTENT_MALFORMED,
	    "byte 4");
	expect_verdict("text/plain", NULL, S("nul\0inside"),
	    CONTENT_MALFORMED, "byte 3");
	expect_verdict("text/plain", NULL, S("x\xef\xbf\xbf"),
	    CONTENT_MALFORMED, "XML");
	expect_verdict("text/plain; charset=ISO-8859-1", NULL, S("esc\x1b"),
	    CONTENT_MALFORMED, "XML");
	expect_verdict("text/plain; charset=UTF-16LE", NULL, S("H\0i"),
	    CONTENT_MALFORMED, "truncated");
	expect_verdict("text/plain; charset=Shift_JIS", NULL, S("\x81\x20"),
	    CONTENT_MALFORMED, "Shift_JIS");
	expect_verdict("text/plain; charset=UTF-16LE", NULL,
	    S("\x00\xd8\x41\x00"), CONTENT_MALFORMED, NULL);
}

/* Content-Encoding: identity is nothing; anything else we cannot undo. */
static void
test_encoding(void **state)
{
	struct content_text out;

	(void)state;
	out = run("text/plain", "identity", S("x"), CONTENT_TEXT, NULL);
	content_text_clear(&out);
	out = run("text/plain", " Identity ", S("x"), CONTENT_TEXT, NULL);
	content_text_clear(&out);
	out = run("text/plain", "", S("x"), CONTENT_TEXT, NULL);
	content_text_clear(&out);
	expect_verdict("text/plain", "deflate", S("x\x9c"),
	    CONTENT_UNSUPPORTED, "deflate");
	expect_verdict("text/html", "gzip", S("x"), CONTENT_UNSUPPORTED,
	    "gzip");
	expect_verdict("message/cpim", "deflate", S("x"),
	    CONTENT_UNSUPPORTED, "deflate");
}

/* RFC 3994 §3.3's isComposing example and RFC 5438 IMDN: machine. */
static void
test_machine(void **state)
{
	static const char iscomposing[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
	    "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	    "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing\n"
	    "  iscomposing.xsd\">\n"
	    "  <state>active</state>\n"
	    "  <contenttype>text/plain</contenttype>\n"
	    "  <refresh>90</refresh>\n"
	    "</isComposing>\n";

	(void)state;
	expect_verdict("application/im-iscomposing+xml", NULL, S(iscomposing),
	    CONTENT_MACHINE, "machine");
	expect_verdict("Application/IM-isComposing+XML; charset=utf-8", NULL,
	    S(iscomposing), CONTENT_MACHINE, NULL);
	/* Compressed IMDN is still IMDN: refused as machine, not as coding. */
	expect_verdict("message/imdn+xml", "deflate", S("\x78\x9c\x01"),
	    CONTENT_MACHINE, "imdn");
	expect_verdict("message/imdn+xml", NULL, "", 0, CONTENT_MACHINE,
	    NULL);
}

/* Types we do not show. */
static void
test_unsupported(void **state)
{
	(void)state;
	expect_verdict("image/png", NULL, S("\x89PNG"), CONTENT_UNSUPPORTED,
	    "image/png");
	expect_verdict("text/enriched", NULL, S("<bold>x</bold>"),
	    CONTENT_UNSUPPORTED, "text/enriched");
	expect_verdict("application/vnd.gsma.rcs-ft-http+xml", NULL, S("<x/>"),
	    CONTENT_UNSUPPORTED, NULL);
	expect_verdict("multipart/mixed; boundary=x", NULL, S("--x--"),
	    CONTENT_UNSUPPORTED, "multipart");
	expect_verdict("garbage", NULL, S("x"), CONTENT_UNSUPPORTED,
	    "malformed Content-Type");
	expect_verdict("text/", NULL, S("x"), CONTENT_UNSUPPORTED, NULL);
	expect_verdict("/plain", NULL, S("x"), CONTENT_UNSUPPORTED, NULL);
	expect_verdict("text/plainx", NULL, S("x"), CONTENT_UNSUPPORTED, NULL);
	/* Causes may become a Reason-Phrase: no CR/LF from the input. */
	expect_verdict("text\r\nVia: x", NULL, S("x"), CONTENT_UNSUPPORTED,
	    "\"text??Via: x\"");
	expect_verdict("text/plain; charset=\"a\r\nb\xff\"", NULL, S("x"),
	    CONTENT_UNSUPPORTED, "\"a??b?\"");
	expect_verdict("image/png", NULL, "", 0, CONTENT_UNSUPPORTED, NULL);
}

/* text/html becomes the text a browser would show, roughly. */
static void
test_html(void **state)
{
	(void)state;
	expect_text("text/html", S("<p>Hello <b>world</b></p><p>second</p>"),
	    "Hello world\nsecond");
	expect_text("text/html", S("<html><head><title>T</title><style>p{}"
	    "</style></head><body>A<br>B<br/><br>C<script>alert(1)</script>"
	    "</body></html>"), "A\nB\n\nC");
	expect_text("text/html", S("  lots   of\n\n  space\t here  "),
	    "lots of space here");
	expect_text("text/html", S("<b>a</b> <i>b</i>"), "a b");
	expect_text("text/html", S("<div>x</div>\n\n<div>\n y \n</div>"),
	    "x\ny");
	expect_text("text/html", S("<ul><li>one</li><li>two</li></ul>tail"),
	    "one\ntwo\ntail");
	expect_text("text/html", S("<table><tr><td>a</td><td>b</td></tr>"
	    "<tr><td>c</td></tr></table>"), "a b\nc");
	expect_text("text/html", S("<h1>Title</h1>body"), "Title\nbody");
	expect_text("text/html", S("<pre>  keep\n    this</pre>after"),
	    "keep\n    this\nafter");
	expect_text("text/html", S("&lt;tag&gt; &amp; caf&eacute; &#8364;"
	    " &#x1F600;"), "<tag> & caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80");
	expect_text("text/html", S("<!-- hidden -->shown<?pi x?>"), "shown");
	expect_text("text/html", S("unclosed <b>bold <i>both"),
	    "unclosed bold both");
	expect_text("application/xhtml+xml",
	    S("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>x</p>"
	    "</body></html>"), "x");
	expect_text("text/html", S(""), "");
	expect_text("text/html", S("<script>only()</script>"), "");
	expect_text("text/html", S("   "), "");
	expect_text("text/html", S("a\r\nb"), "a b");
}

/* The declared charset wins over any <meta>; nothing is fetched. */
static void
test_html_charset(void **state)
{
	(void)state;
	expect_text("text/html; charset=ISO-8859-1",
	    S("<meta charset=\"utf-8\"><p>Gr\xfc\xdf" "e</p>"),
	    "Gr\xc3\xbc\xc3\x9f" "e");
	expect_text("text/html",
	    S("<meta http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=ISO-8859-1\"><p>f\xc3\xbc</p>"), "f\xc3\xbc");
	expect_text("text/html", S("<img src=\"http://127.0.0.1:1/x.png\">"
	    "<iframe src=\"http://127.0.0.1:1/\"></iframe>"
	    "<link rel=stylesheet href=\"http://127.0.0.1:1/s.css\">t"), "t");
	expect_verdict("text/html", NULL, S("<p>\xff</p>"), CONTENT_MALFORMED,
	    "UTF-8");
	expect_verdict("text/html", NULL, S("<p>\x01</p>"), CONTENT_MALFORMED,
	    NULL);
}

/*
 * Deep nesting must not exhaust the stack; past libxml2's depth limit the
 * parser drops the rest, so the body is refused rather than cut short.
 */
static void
test_html_deep(void **state)
{
	size_t len = 0;
	char *body = malloc(100000 * 5 + 8);
	struct content_text out;
	char *cause = NULL;

	(void)state;
	assert_non_null(body);
	for (size_t i = 0; i < 200; i++) {
		memcpy(body + len, "<b>", 3);
		len += 3;
	}
	memcpy(body + len, "deep", 4);
	assert_int_equal(content_to_text("text/html", NULL, body, len + 4,
	    &out, NULL), CONTENT_TEXT);
	assert_string_equal(out.text, "deep");
	content_text_clear(&out);

	len = 0;
	for (size_t i = 0; i < 100000; i++) {
		memcpy(body + len, "<div>", 5);
		len += 5;
	}
	memcpy(body + len, "deep", 4);
	assert_int_equal(content_to_text("text/html", NULL, body, len + 4,
	    &out, &cause), CONTENT_MALFORMED);
	assert_non_null(strstr(cause, "gave up"));
	free(cause);
	content_text_clear(&out);
	free(body);
}

/* message/cpim (RFC 3862) with text inside: sender, subject, language. */
static void
test_cpim_text(void **state)
{
	static const char body[] =
	    "From: \"Alice\" <sip:alice@example.com>\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\n"
	    "imdn.Message-ID: 34jk324j\r\n"
	    "imdn.Disposition-Notification: positive-delivery\r\n"
	    "\r\n"
	    "Content-Type: text/plain; charset=ISO-8859-1\r\n"
	    "Content-Language: de, en\r\n"
	    "\r\n"
	    "Sch\xf6n\r\nhier";
	struct content_text out;

	(void)state;
	out = run("message/cpim", NULL, S(body), CONTENT_TEXT, NULL);
	assert_string_equal(out.text, "Sch\xc3\xb6n\nhier");
	assert_string_equal(out.cpim_from, "sip:alice@example.com");
	assert_string_equal(out.subject, "Gr\xc3\xbc\xc3\x9f" "e");
	assert_string_equal(out.lang, "de");
	content_text_clear(&out);
	assert_null(out.text);
	assert_null(out.cpim_from);

	/* Message/CPIM, no subject, no language, inner HTML. */
	out = run("Message/CPIM", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: text/html\r\n\r\n<p>hi</p>"), CONTENT_TEXT, NULL);
	assert_string_equal(out.text, "hi");
	assert_string_equal(out.cpim_from, "im:a@x");
	assert_null(out.subject);
	assert_null(out.lang);
	content_text_clear(&out);

	/* No inner headers at all: text/plain. An odd language is dropped. */
	out = run("message/cpim", NULL, S("To: <im:b@x>\r\n\r\n"
	    "Content-Language: <script>\r\n\r\nplain"), CONTENT_TEXT, NULL);
	assert_string_equal(out.text, "plain");
	assert_null(out.cpim_from);
	assert_null(out.lang);
	content_text_clear(&out);
}

/* message/cpim wrapping what is not text for people. */
static void
test_cpim_refused(void **state)
{
	static const char imdn[] =
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
	    "</imdn>\r\n";

	(void)state;
	/* RFC 5438's notification, as published. */
	expect_verdict("message/cpim", NULL, S(imdn), CONTENT_MACHINE, "imdn");
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: application/im-iscomposing+xml\r\n\r\n<x/>"),
	    CONTENT_MACHINE, NULL);
	/* RFC 3862 §5.1's own example wraps text/xml: not ours to show. */
	expect_verdict("message/cpim", NULL, S(
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
	    "<body>\r\nHere is the text of my message.\r\n</body>\r\n"),
	    CONTENT_UNSUPPORTED, "text/xml");
	/* One level only. */
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: message/cpim\r\n\r\nFrom: <im:b@x>\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\ninner"), CONTENT_UNSUPPORTED,
	    "inside");
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: text/plain\r\nContent-Encoding: deflate\r\n\r\nx"),
	    CONTENT_UNSUPPORTED, "deflate");
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\naGk="),
	    CONTENT_UNSUPPORTED, "base64");
	expect_verdict("message/cpim", NULL, S("just text, no headers"),
	    CONTENT_MALFORMED, "CPIM");
	expect_verdict("message/cpim", NULL, "", 0, CONTENT_MALFORMED, "CPIM");
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n"
	    "Subject: \xff\r\n\r\nContent-Type: text/plain\r\n\r\nx"),
	    CONTENT_MALFORMED, "Subject");
	expect_verdict("message/cpim", NULL, S("From: <im:a b@x>\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\nx"), CONTENT_MALFORMED, "From");
	expect_verdict("message/cpim", NULL, S("From: <im:a@x>\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\nbad \xc3"), CONTENT_MALFORMED,
	    "UTF-8");
}

/* Bodies above 1 MiB are refused before anything else is done. */
static void
test_size_cap(void **state)
{
	size_t cap = 1024 * 1024;
	char *big = malloc(cap + 1);
	struct content_text out;
	char *cause = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', cap + 1);
	assert_int_equal(content_to_text("text/plain", NULL, big, cap + 1,
	    &out, &cause), CONTENT_MALFORMED);
	assert_non_null(strstr(cause, "too large"));
	free(cause);
	assert_int_equal(content_to_text("text/plain", NULL, big, cap, &out,
	    NULL), CONTENT_TEXT);
	assert_int_equal(out.len, cap);
	content_text_clear(&out);
	/* ISO-8859-1 at the cap: twice the bytes once converted. */
	memset(big, '\xe9', cap);
	assert_int_equal(content_to_text("text/plain; charset=iso-8859-1",
	    NULL, big, cap, &out, NULL), CONTENT_TEXT);
	assert_int_equal(out.len, 2 * cap);
	content_text_clear(&out);
	free(big);
}

/* Whatever comes out as text goes into a stanza unchanged. */
static void
test_text_fits_stanza(void **state)
{
	static const struct {
		const char *type;
		const char *body;
	} rows[] = {
		{ "text/plain", "a < b & c > d \"'\r\n" },
		{ "text/plain; charset=iso-8859-1", "\xa0\xbf\xff\x85\x7f" },
		{ "text/html", "<p>&lt;/body&gt;&#xD;&#9;&#160;</p>" },
		{ "text/html", "&#0;&#1;&#xFFFE;&#xD800;&#x110000;x" },
		{ "message/cpim", "From: <im:a@x>\r\nSubject: <&>\r\n\r\n"
		    "\r\nx]]>" },
	};
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct content_text out;
		struct im_message m = { .from = "a@gw", .to = "b@x" };
		int r = content_to_text(rows[i].type, NULL, rows[i].body,
		    strlen(rows[i].body), &out, NULL);

		if (r != CONTENT_TEXT) {
			content_text_clear(&out);
			continue;
		}
		m.body = out.text;
		m.body_len = out.len;
		m.subject = out.subject;
		strbuf_reset(&sb);
		if (stanza_build_message(&sb, &m) != 0)
			fail_msg("row %zu: stanza refused", i);
		content_text_clear(&out);
	}
	strbuf_free(&sb);
}

/* A NULL cause is fine; out is always safe to clear. */
static void
test_null_cause(void **state)
{
	struct content_text out;

	(void)state;
	assert_int_equal(content_to_text("image/gif", NULL, "GIF", 3, &out,
	    NULL), CONTENT_UNSUPPORTED);
	content_text_clear(&out);
	assert_int_equal(content_to_text("text/plain", NULL, NULL, 5, &out,
	    NULL), CONTENT_MALFORMED);
	content_text_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_utf8),
		cmocka_unit_test(test_plain_line_ends),
		cmocka_unit_test(test_no_type),
		cmocka_unit_test(test_plain_charsets),
		cmocka_unit_test(test_plain_unknown_charset),
		cmocka_unit_test(test_plain_malformed),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_charset),
		cmocka_unit_test(test_html_deep),
		cmocka_unit_test(test_cpim_text),
		cmocka_unit_test(test_cpim_refused),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_text_fits_stanza),
		cmocka_unit_test(test_null_cause),
	};
	int r;

	xmlInitParser();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return r;
}
