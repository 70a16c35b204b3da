/*
 * The table file: its syntax, every error with its exact line, the
 * shipped example, and a table of 100,000 user rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"

/* Parses text as table "t"; returns the table or NULL. */
static struct map_table *
parse(const char *text, char **cause)
{
	struct map_table *t = NULL;

	if (map_table_parse(text, strlen(text), "t", &t, cause) == -1) {
		assert_null(t);
		return NULL;
	}
	assert_non_null(t);
	return t;
}

/* Asserts that text is refused with exactly this cause. */
static void
expect_error(const char *text, const char *want)
{
	char *cause = NULL;

	if (parse(text, &cause) != NULL)
		fail_msg("accepted: %s", text);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

/* Asserts that the JID maps to uri and back. */
static void
expect_pair(const struct map_table *t, const char *uri, const char *jid)
{
	char *out = NULL;

	assert_int_equal(map_sip_to_xmpp(t, uri, &out, NULL), MAP_OK);
	assert_string_equal(out, jid);
	free(out);
	assert_int_equal(map_xmpp_to_sip(t, jid, &out, NULL), MAP_OK);
	assert_string_equal(out, uri);
	free(out);
}

/* Comments, blank lines, tabs, CRLF, a final line without newline. */
static void
test_syntax(void **state)
{
	struct map_table *t;
	char *cause = NULL;

	(void)state;
	t = parse("# a comment\n"
	    "\n"
	    "   \t  \n"
	    "domain\tsip.example\t\txmpp.example   # trailing comment\r\n"
	    "user sip:alice@Sip.Example Alice.Smith@Chat.Example.\n"
	    "  # indented comment\n"
	    "user sip:chan@irc.example c#chan@chat.example\n"
	    "embed gw.sip.example gw.xmpp.example separator=*", &cause);
	assert_null(cause);
	assert_non_null(t);
	assert_int_equal(map_table_size(t), 4);
	expect_pair(t, "sip:bob@sip.example", "bob@xmpp.example");
	/* the domain is stored lowercase, the localpart as written */
	expect_pair(t, "sip:alice@sip.example", "Alice.Smith@chat.example");
	expect_pair(t, "sip:chan@irc.example", "c#chan@chat.example");
	map_table_free(t);

	t = parse("", &cause);
	assert_non_null(t);
	assert_int_equal(map_table_size(t), 0);
	map_table_free(t);
	map_table_free(NULL);
	assert_int_equal(map_table_size(NULL), 0);
}

/* Every kind of error, with the line it is on. */
static void
test_errors(void **state)
{
	char line[9000];

	(void)state;
	expect_error("# c\n\nfoo bar baz\n", "t:3: unknown keyword \"foo\" "
	    "(expected user, domain, embed or room)");
	expect_error("USER sip:a@b.example a@c.example\n", "t:1: unknown "
	    "keyword \"USER\" (expected user, domain, embed or room)");
	expect_error("\n\xff\n", "t:2: unknown keyword (expected user, "
	    "domain, embed or room)");
	expect_error("user sip:a@b.example\n",
	    "t:1: user takes 2 fields (SIP-URI JID), not 1");
	expect_error("\nuser sip:a@b.example a@c.example x\n",
	    "t:2: user takes 2 fields (SIP-URI JID), not 3");
	expect_error("domain a.example\n", "t:1: domain takes 2 fields "
	    "(SIP-DOMAIN XMPP-DOMAIN), not 1");
	expect_error("embed a.example\n", "t:1: embed takes 2 fields and "
	    "options (SIP-DOMAIN XMPP-DOMAIN [separator=C] "
	    "[jid_form=escaped|percent] [allow_ports] "
	    "[allow_ip_literals] [allow_private]), not 1");
	expect_error("embed a.example b.example allow_ports allow_ports\n",
	    "t:1: embed option allow_ports given twice");
	expect_error("embed a.example b.example separator=* separator=!\n",
	    "t:1: embed option separator given twice");
	expect_error("domain a b c d e f g h i\n", "t:1: too many fields");

	expect_error("user sips:a@b.example a@c.example\n",
	    "t:1: sips: URIs cannot be mapped (RFC 7247 §8)");
	expect_error("user im:a@b.example a@c.example\n",
	    "t:1: user rules take sip: URIs");
	expect_error("user sip:a%zz@b.example a@c.example\n",
	    "t:1: invalid SIP URI");
	expect_error("user <sip:a@b.example> a@c.example\n",
	    "t:1: invalid SIP URI");
	expect_error("user sip:b.example a@c.example\n",
	    "t:1: SIP URI has no user part");
	expect_error("user sip:a@b.example:5060 a@c.example\n", "t:1: the SIP "
	    "URI of a user rule takes no port, parameters or headers");
	expect_error("user sip:a@b.example;gr=x a@c.example\n", "t:1: the SIP "
	    "URI of a user rule takes no port, parameters or headers");
	expect_error("user sip:a%FF@b.example a@c.example\n",
	    "t:1: SIP user part is not UTF-8 text once decoded");
	expect_error("user sip:a@b.example a@@c.example\n", "t:1: invalid JID");
	expect_error("user sip:a@b.example o'hara@c.example\n",
	    "t:1: invalid JID");
	expect_error("user sip:a@b.example c.example\n",
	    "t:1: JID has no localpart");
	expect_error("user sip:a@b.example a@c.example/r\n",
	    "t:1: the JID of a user rule takes no resource");

	expect_error("domain sip:a.example b.example\n",
	    "t:1: invalid SIP domain (write a domain, not a URI)");
	expect_error("domain a.example:5060 b.example\n",
	    "t:1: invalid SIP domain (write a domain, not a URI)");
	expect_error("domain a_b.example b.example\n", "t:1: invalid SIP domain");
	expect_error("domain a.example b_c.example\n",
	    "t:1: invalid XMPP domain");
	expect_error("domain a.example user@b.example\n",
	    "t:1: invalid XMPP domain");
	expect_error("embed a.example b.example sep=*\n",
	    "t:1: unknown embed option (expected separator=C, "
	    "jid_form=escaped|percent, allow_ports, "
	    "allow_ip_literals or allow_private)");
	expect_error("embed a.example b.example separator=#\n",
	    "t:1: separator must be one character of \"*!~$+=\"");
	expect_error("embed a.example b.example separator=**\n",
	    "t:1: separator must be one character of \"*!~$+=\"");

	/* line too long, NUL byte */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "\n\n", 2);
	expect_error(line, "t:3: line longer than 8192 bytes");
	{
		static const char nul[] = "domain a.example b.example\n\0\n";
		struct map_table *t = NULL;
		char *cause = NULL;

		assert_int_equal(map_table_parse(nul, sizeof(nul) - 1, "t", &t,
		    &cause), -1);
		assert_string_equal(cause, "t:2: NUL byte");
		free(cause);
	}
}

/* Duplicates and conflicts: each address has exactly one rule. */
static void
test_conflicts(void **state)
{
	struct map_table *t;

	(void)state;
	expect_error("user sip:a@b.example a@c.example\n"
	    "# same again\n"
	    "user sip:a@B.EXAMPLE a@C.example\n",
	    "t:3: duplicate of line 1");
	expect_error("user sip:a@b.example a@c.example\n"
	    "user sip:a@b.example z@c.example\n",
	    "t:2: SIP address already mapped at line 1");
	expect_error("user sip:a@b.example a@c.example\n"
	    "user sip:z@b.example A@c.example\n",
	    "t:2: JID already mapped at line 1");
	/* SIP users are case-sensitive: these are two addresses */
	t = parse("user sip:a@b.example a@c.example\n"
	    "user sip:A@b.example z@c.example\n", NULL);
	assert_non_null(t);
	assert_int_equal(map_table_size(t), 2);
	map_table_free(t);

	expect_error("domain a.example b.example\n"
	    "domain A.example B.example\n", "t:2: duplicate of line 1");
	expect_error("domain a.example b.example\n"
	    "domain a.example c.example\n",
	    "t:2: SIP domain already used at line 1");
	expect_error("domain a.example b.example\n"
	    "domain c.example b.example\n",
	    "t:2: XMPP domain already used at line 1");
	expect_error("domain a.example b.example\n"
	    "embed a.example gw.example\n",
	    "t:2: SIP domain already used at line 1");
	expect_error("embed gw.example gwx.example\n"
	    "domain c.example gwx.example\n",
	    "t:2: XMPP domain already used at line 1");
	expect_error("embed gw.example gwx.example\n\n"
	    "embed gw2.example gwx2.example\n",
	    "t:3: only one embed rule is allowed (see line 1)");
}

/* map_table_load: a missing file, and the annotated example we ship. */
static void
test_load(void **state)
{
	struct map_table *t = NULL;
	char *cause = NULL, *out = NULL;

	(void)state;
	assert_int_equal(map_table_load("/nonexistent/mapping.table", &t,
	    &cause), -1);
	assert_null(t);
	assert_string_equal(cause, "/nonexistent/mapping.table: No such file "
	    "or directory");
	free(cause);
	assert_int_equal(map_table_load("/", &t, &cause), -1);
	assert_string_equal(cause, "/: not a regular file");
	free(cause);

	assert_int_equal(map_table_load(SIPXMPP_SOURCE_DIR
	    "/config/mapping.table", &t, &cause), 0);
	assert_null(cause);
	assert_int_equal(map_table_size(t), 5);
	/* what its comments and sipxmpp-mapping(5) EXAMPLES promise */
	expect_pair(t, "sip:bob@sip.example", "bob@xmpp.example");
	expect_pair(t, "sip:o'malley@sip.example", "o\\27malley@xmpp.example");
	expect_pair(t, "sip:f%C3%BCr@sip.example", "f\xc3\xbcr@xmpp.example");
	expect_pair(t, "sip:bob@sip.example;gr=desk", "bob@xmpp.example/desk");
	expect_pair(t, "sip:alice@sip.example", "alice.smith@xmpp.example");
	expect_pair(t, "sip:carol@example.org", "carol@example.org");
	expect_pair(t, "sip:+15551234@sip.example", "dave@example.org");
	expect_pair(t, "sip:bob%40jabber.org@gw.sip.example", "bob@jabber.org");
	expect_pair(t, "sip:carol@sip.other",
	    "carol\\40sip.other@gw.xmpp.example");
	expect_pair(t, "sip:m&m@sip.example", "m\\26m@xmpp.example");
	expect_pair(t, "sip:tsch%C3%BCss@sip.example",
	    "tsch\xc3\xbcss@xmpp.example");
	expect_pair(t, "sip:baz@sip.example;gr=qux", "baz@xmpp.example/qux");
	expect_pair(t, "sip:alice@sip.other",
	    "alice\\40sip.other@gw.xmpp.example");
	assert_int_equal(map_sip_to_xmpp(t, "sip:bob*jabber.org@gw.sip.example",
	    &out, NULL), MAP_OK);
	assert_string_equal(out, "bob@jabber.org");
	free(out);
	assert_int_equal(map_sip_to_xmpp(t, "sips:bob@sip.example", &out,
	    NULL), MAP_SIPS);
	assert_int_equal(map_xmpp_to_sip(t, "alice@xmpp.example", &out,
	    NULL), MAP_NO_RULE);
	assert_int_equal(map_sip_to_xmpp(t, "sip:bob@gw.sip.example", &out,
	    NULL), MAP_NO_RULE);
	assert_int_equal(map_xmpp_to_sip(t,
	    "alice\\40sip.example@gw.xmpp.example", &out, NULL), MAP_NO_RULE);
	map_table_free(t);
}

/* 100,000 user rules load in one pass; lookups work at both ends. */
static void
test_large(void **state)
{
	const size_t n = 100000;
	struct map_table *t = NULL;
	char *text, *p, *cause = NULL, *out = NULL;
	size_t i;

	(void)state;
	assert_non_null(text = malloc(n * 80));
	p = text;
	for (i = 0; i < n; i++)
		p += sprintf(p, "user sip:user%zu@sip.example "
		    "u%zu.name@xmpp.example\n", i, i);
	assert_int_equal(map_table_parse(text, (size_t)(p - text),
	    "big", &t, &cause), 0);
	assert_null(cause);
	assert_int_equal(map_table_size(t), n);

	expect_pair(t, "sip:user0@sip.example", "u0.name@xmpp.example");
	expect_pair(t, "sip:user99999@sip.example",
	    "u99999.name@xmpp.example");
	assert_int_equal(map_xmpp_to_sip(t, "U54321.Name@XMPP.example/r",
	    &out, NULL), MAP_OK);
	assert_string_equal(out, "sip:user54321@sip.example;gr=r");
	free(out);
	assert_int_equal(map_sip_to_xmpp(t, "sip:user100000@sip.example",
	    &out, NULL), MAP_NO_RULE);
	assert_int_equal(map_sip_to_xmpp(t, "sip:USER1@sip.example",
	    &out, NULL), MAP_NO_RULE);
	assert_true(map_sip_domain_is_mapped(t, "sip.example"));
	map_table_free(t);

	/* a conflict deep in a big table still names its line */
	sprintf(p, "user sip:x@sip.example u77.name@xmpp.example\n");
	assert_int_equal(map_table_parse(text, strlen(text), "big", &t,
	    &cause), -1);
	assert_string_equal(cause, "big:100001: JID already mapped at line 78");
	free(cause);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
