/*
 * message/cpim built for SIP room participants (RFC 3862): read back by
 * our own parser, in the shape of the RFC's examples, and no header a
 * hostile nick, URI or stamp could add.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpim.h"
#include "cpim_build.h"
#include "strbuf.h"

/* Whether span s holds exactly the string want (case counts). */
static int
span_same(struct span s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* What cpim_build() writes, read back by cpim_parse(). */
static void
test_round_trip(void **state)
{
	struct cpim_out c = {
		.from_name = "Romeo Montague",
		.from_uri = "sip:lobby@conf.example;gr=Romeo%20Montague",
		.to_uri = "sip:juliet@sip.example",
		.datetime = "2026-12-08T00:47:05.123Z",
		.body = "Wherefore art thou?\r\nSecond line",
	};
	struct cpim_message m;
	struct strbuf sb;

	(void)state;
	c.len = strlen(c.body);
	strbuf_init(&sb);
	assert_int_equal(cpim_build(&sb, &c), 0);
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_true(span_same(m.from_uri, c.from_uri));
	assert_true(span_same(m.to_uri, c.to_uri));
	assert_true(span_same(m.datetime, c.datetime));
	assert_true(span_same(m.content_type, "text/plain;charset=utf-8"));
	assert_int_equal(m.body_len, c.len);
	assert_memory_equal(m.body, c.body, c.len);
	strbuf_free(&sb);
}

/* RFC 3862 §6's shape: message headers, a blank line, the entity's
 * headers, a blank line, the body; CRLF everywhere. */
static void
test_rfc3862_shape(void **state)
{
	static const char want[] =
	    "From: \"MR SANDERS\" <im:piglet@100akerwood.com>\r\n"
	    "To: <im:pooh@100akerwood.com>\r\n"
	    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
	    "\r\n"
	    "Content-Type: text/plain;charset=utf-8\r\n"
	    "\r\n"
	    "Here is the text of my message.";
	struct cpim_out c = {
		.from_name = "MR SANDERS",
		.from_uri = "im:piglet@100akerwood.com",
		.to_uri = "im:pooh@100akerwood.com",
		.datetime = "2000-12-13T13:40:00-08:00",
		.body = "Here is the text of my message.",
	};
	struct strbuf sb;

	(void)state;
	c.len = strlen(c.body);
	strbuf_init(&sb);
	assert_int_equal(cpim_build(&sb, &c), 0);
	assert_int_equal(sb.len, sizeof(want) - 1);
	assert_memory_equal(sb.buf, want, sb.len);
	strbuf_free(&sb);
}

/* A nick with CR, LF, '<', '"' and '\' stays inside its String. */
static void
test_no_injection(void **state)
{
	struct cpim_out c = {
		.from_name = "evil\r\nTo: <sip:victim@x>\r\n\r\n<\"\\\x01",
		.from_uri = "sip:lobby@conf.example;gr=evil",
		.body = "hi",
		.len = 2,
	};
	struct cpim_message m;
	struct strbuf sb;
	const char *eol;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(cpim_build(&sb, &c), 0);
	eol = strstr(sb.buf, "\r\n");
	assert_non_null(eol);
	/* The whole From, escapes and all, is the first line. */
	assert_int_equal(eol - sb.buf, strlen("From: \"evil\\r\\nTo: "
	    "<sip:victim@x>\\r\\n\\r\\n<\\\"\\\\\\u0001\" "
	    "<sip:lobby@conf.example;gr=evil>"));
	assert_int_equal(cpim_parse(sb.buf, sb.len, &m), 0);
	assert_int_equal(m.to_uri.len, 0);
	assert_true(span_same(m.from_uri, c.from_uri));
	strbuf_free(&sb);
}

/* URIs and stamps that could end a line are refused, sb untouched. */
static void
test_refused(void **state)
{
	static const char *const bad_uris[] = {
		"sip:a@b\r\nX: y", "sip:a@b>x", "sip:a b@c", "sip:\"a\"@b",
		"", NULL,
	};
	static const char *const bad_stamps[] = {
		"2026-12-08T00:00:00Z\r\nX: y", "yesterday",
		"2026-12-08 00:00:00Z", "2026-12-08T00:00:00Z"
		    "000000000000000000000000",
	};
	struct cpim_out c = { .from_uri = "sip:r@c", .body = "x", .len = 1 };
	char now[CPIM_DATETIME_MAX];
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	for (size_t i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
		c.from_uri = bad_uris[i];
		assert_int_equal(cpim_build(&sb, &c), -1);
		c.from_uri = "sip:r@c";
		c.to_uri = bad_uris[i] != NULL ? bad_uris[i] : "<";
		assert_int_equal(cpim_build(&sb, &c), -1);
		c.to_uri = NULL;
	}
	for (size_t i = 0; i < sizeof(bad_stamps) / sizeof(bad_stamps[0]);
	    i++) {
		assert_false(cpim_datetime_valid(bad_stamps[i]));
		c.datetime = bad_stamps[i];
		assert_int_equal(cpim_build(&sb, &c), -1);
	}
	assert_int_equal(sb.len, 0);
	cpim_datetime_now(now);
	assert_true(cpim_datetime_valid(now));
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rfc3862_shape),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
