/*
 * A From header's display-name as a person reads it (RFC 3261 §25.1):
 * the quoted and the token forms, quoted-pairs, and what is no name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip_display.h"

/* Reads raw; returns out or NULL when there is no name. */
static const char *
name(const char *raw)
{
	static char out[SIP_DISPLAY_MAX + 1];

	return sip_display_name(raw, strlen(raw), out, sizeof(out)) < 0 ?
	    NULL : out;
}

/* §25.1 quoted-string: the quotes go, "\x" is x. */
static void
test_quoted(void **state)
{
	(void)state;
	assert_string_equal(name("\"Romeo Montague\""), "Romeo Montague");
	assert_string_equal(name("  \"Romeo\"  "), "Romeo");
	assert_string_equal(name("\"Romeo \\\"the\\\" M\\\\\""),
	    "Romeo \"the\" M\\");
	/* UTF-8 is qdtext (UTF8-NONASCII). */
	assert_string_equal(name("\"J\xc3\xbcrgen\""), "J\xc3\xbcrgen");
	assert_string_equal(name("\"a\tb\""), "a b");
}

/* §25.1 *(token LWS): tokens, whitespace made one space. */
static void
test_tokens(void **state)
{
	(void)state;
	assert_string_equal(name("Romeo   Montague "), "Romeo Montague");
	assert_string_equal(name("Bob"), "Bob");
	assert_string_equal(name("o'malley-2.x"), "o'malley-2.x");
}

/* What is no display name: nothing, half a quote, controls, strays. */
static void
test_none(void **state)
{
	char small[4];

	(void)state;
	assert_null(name(""));
	assert_null(name("   "));
	assert_null(name("\"\""));
	assert_null(name("\"unclosed"));
	assert_null(name("\"escaped end\\\""));
	assert_null(name("\"inner\" quote\""));
	assert_null(name("\"bell\x07\""));
	assert_null(name("\"cr\\\r\""));
	assert_null(name("a<b"));
	assert_null(name("a\"b"));
	assert_null(name("Ro\xc3\xa9meo"));	/* not a token */
	assert_int_equal(sip_display_name("ab", 2, small, 0), -1);
	/* Too long for out: none, never a cut name. */
	assert_int_equal(sip_display_name("abcd", 4, small, sizeof(small)),
	    -1);
	assert_int_equal(sip_display_name("abc", 3, small, sizeof(small)), 3);
	assert_string_equal(small, "abc");
}

/* SIP_DISPLAY_MAX bytes are a name; one more is none. */
static void
test_too_long(void **state)
{
	char raw[SIP_DISPLAY_MAX + 4];

	(void)state;
	memset(raw, 'a', sizeof(raw));
	raw[0] = '"';
	raw[SIP_DISPLAY_MAX + 1] = '"';
	raw[SIP_DISPLAY_MAX + 2] = '\0';
	assert_non_null(name(raw));
	assert_int_equal(strlen(name(raw)), SIP_DISPLAY_MAX);
	raw[SIP_DISPLAY_MAX + 1] = 'a';
	raw[SIP_DISPLAY_MAX + 2] = '"';
	raw[SIP_DISPLAY_MAX + 3] = '\0';
	assert_null(name(raw));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
