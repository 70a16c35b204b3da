/*
 * RFC 3994 isComposing documents: the RFC's own examples, what we write
 * read back, and what hostile or broken senders put in them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iscomposing.h"

/* Parses a copy of s with no NUL after it, so ASan sees any overread. */
static int
parse(const char *s, struct iscomposing *ic, char **cause)
{
	size_t len = strlen(s);
	char *copy = malloc(len > 0 ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, len);
	r = iscomposing_parse(copy, len, ic, cause);
	free(copy);
	return r;
}

/* RFC 3994 §5, the idle example: lastactive and contenttype, no refresh. */
static void
test_rfc3994_idle(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
	    "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	    "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing\n"
	    "  iscomposing.xsd\">\n"
	    "  <state>idle</state>\n"
	    "  <lastactive>2003-01-27T10:43:00Z</lastactive>\n"
	    "  <contenttype>audio</contenttype>\n"
	    "</isComposing>\n";
	struct iscomposing ic;
	char *cause = NULL;

	(void)state;
	assert_int_equal(parse(doc, &ic, &cause), 0);
	assert_false(ic.active);
	assert_int_equal(ic.refresh, 0);
	assert_string_equal(ic.lastactive, "2003-01-27T10:43:00Z");
	assert_string_equal(ic.contenttype, "audio");
	assert_null(cause);
}

/* RFC 3994 §5, the active example: a refresh of 90 s. */
static void
test_rfc3994_active(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
	    "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	    "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing\n"
	    "  iscomposing.xsd\">\n"
	    "  <state>active</state>\n"
	    "  <contenttype>text/html</contenttype>\n"
	    "  <refresh>90</refresh>\n"
	    "</isComposing>\n";
	struct iscomposing ic;

	(void)state;
	assert_int_equal(parse(doc, &ic, NULL), 0);
	assert_true(ic.active);
	assert_int_equal(ic.refresh, 90);
	assert_string_equal(ic.contenttype, "text/html");
	assert_string_equal(ic.lastactive, "");
}

/* Linphone's form: a prefix, and an extension in its own namespace. */
static void
test_prefix_and_extension(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<ic:isComposing xmlns:ic=\"urn:ietf:params:xml:ns:im-iscomposing\""
	    " xmlns:x=\"urn:example:ext\"><x:mood>calm</x:mood>"
	    "<ic:state>active</ic:state><ic:refresh>60</ic:refresh>"
	    "</ic:isComposing>";
	struct iscomposing ic;

	(void)state;
	assert_int_equal(parse(doc, &ic, NULL), 0);
	assert_true(ic.active);
	assert_int_equal(ic.refresh, 60);
}

/* RFC 3994 §3.4: an unknown state token is idle, not an error. */
static void
test_unknown_state_is_idle(void **state)
{
	struct iscomposing ic;

	(void)state;
	assert_int_equal(parse("<isComposing xmlns='urn:ietf:params:xml:ns:"
	    "im-iscomposing'><state>typing-furiously</state></isComposing>",
	    &ic, NULL), 0);
	assert_false(ic.active);
	/* Case matters: "ACTIVE" is no token RFC 3994 defines. */
	assert_int_equal(parse("<isComposing xmlns='urn:ietf:params:xml:ns:"
	    "im-iscomposing'><state>ACTIVE</state></isComposing>", &ic, NULL),
	    0);
	assert_false(ic.active);
}

/* What must be refused, each with a cause. */
static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"not xml",
		"<isComposing><state>active</state></isComposing>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'/>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
		    "<state>active</state><state>idle</state></isComposing>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
		    "<state>active</state><refresh>0</refresh></isComposing>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
		    "<state>active</state><refresh>-5</refresh></isComposing>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
		    "<state>active</state><refresh>1e3</refresh></isComposing>",
		"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><isComposing xmlns='urn:ietf:"
		    "params:xml:ns:im-iscomposing'><state>&a;</state>"
		    "</isComposing>",
		"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
		    "<state>active</state><contenttype>"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaa</contenttype></isComposing>",
	};
	struct iscomposing ic;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *cause = NULL;

		if (parse(bad[i], &ic, &cause) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(cause);
		assert_false(ic.active);
		free(cause);
	}
}

/* A huge refresh is capped; a body over the bound is refused unread. */
static void
test_bounds(void **state)
{
	struct iscomposing ic;
	char *big, *cause = NULL;

	(void)state;
	assert_int_equal(parse("<isComposing xmlns='urn:ietf:params:xml:ns:"
	    "im-iscomposing'><state>active</state><refresh>"
	    "99999999999999999999999</refresh></isComposing>", &ic, NULL), 0);
	assert_int_equal(ic.refresh, ISCOMPOSING_REFRESH_MAX);
	big = malloc(ISCOMPOSING_MAX_BODY + 1);
	assert_non_null(big);
	memset(big, ' ', ISCOMPOSING_MAX_BODY + 1);
	assert_int_equal(iscomposing_parse(big, ISCOMPOSING_MAX_BODY + 1, &ic,
	    &cause), -1);
	assert_non_null(strstr(cause, "too large"));
	free(cause);
	free(big);
}

/* What we write: refresh only when active and never under 60 s. */
static void
test_build_round_trip(void **state)
{
	struct iscomposing in = { 0 }, out;
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	in.active = 1;
	in.refresh = 10;
	strcpy(in.contenttype, "text/plain");
	assert_int_equal(iscomposing_build(&sb, &in), 0);
	assert_int_equal(iscomposing_parse(sb.buf, sb.len, &out, NULL), 0);
	assert_true(out.active);
	assert_int_equal(out.refresh, ISCOMPOSING_REFRESH_MIN);
	assert_string_equal(out.contenttype, "text/plain");
	strbuf_reset(&sb);
	in.active = 0;
	in.contenttype[0] = '\0';
	assert_int_equal(iscomposing_build(&sb, &in), 0);
	assert_null(strstr(sb.buf, "refresh"));
	assert_int_equal(iscomposing_parse(sb.buf, sb.len, &out, NULL), 0);
	assert_false(out.active);
	/* A field that is not XML text is refused, the buffer untouched. */
	strbuf_reset(&sb);
	strcpy(in.contenttype, "a\001b");
	assert_int_equal(iscomposing_build(&sb, &in), -1);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

/* The Content-Type test the message bridge uses. */
static void
test_is_type(void **state)
{
	(void)state;
	assert_true(iscomposing_is_type("application/im-iscomposing+xml"));
	assert_true(iscomposing_is_type(" Application/IM-isComposing+XML ;"
	    "charset=utf-8"));
	assert_false(iscomposing_is_type("application/im-iscomposing+xmlx"));
	assert_false(iscomposing_is_type("text/plain"));
	assert_false(iscomposing_is_type(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3994_idle),
		cmocka_unit_test(test_rfc3994_active),
		cmocka_unit_test(test_prefix_and_extension),
		cmocka_unit_test(test_unknown_state_is_idle),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_is_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
