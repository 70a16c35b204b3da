/*
 * The embed rule's "%" form (issue 14 item 5): a client that cannot type
 * XEP-0106's backslash writes alice%sip.example@gw.xmpp.example, and
 * reaches sip:alice@sip.example as alice\40sip.example does. Both forms
 * are read whatever the rule writes; jid_form=percent makes the gateway
 * write the "%" form, so the answer comes from the JID that was written
 * to. No JID reads as two SIP addresses, and every written JID reads
 * back as the SIP address it was written for.
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

/* Parses a table or fails the test. */
static struct map_table *
table(const char *text)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	if (map_table_parse(text, strlen(text), "t", &t, &cause) == -1)
		fail_msg("%s", cause);
	return t;
}

/* jid maps to uri. */
static void
x2s(const struct map_table *t, const char *jid, const char *uri)
{
	char *out = NULL, *cause = NULL;

	if (map_xmpp_to_sip(t, jid, &out, &cause) != MAP_OK)
		fail_msg("%s refused: %s", jid, cause);
	if (strcmp(out, uri) != 0)
		fail_msg("%s -> %s, not %s", jid, out, uri);
	free(out);
}

/* uri maps to jid, and jid back to uri. */
static void
s2x_back(const struct map_table *t, const char *uri, const char *jid)
{
	char *out = NULL, *cause = NULL;

	if (map_sip_to_xmpp(t, uri, &out, &cause) != MAP_OK)
		fail_msg("%s refused: %s", uri, cause);
	if (strcmp(out, jid) != 0)
		fail_msg("%s -> %s, not %s", uri, out, jid);
	x2s(t, out, uri);
	free(out);
}

/* jid is refused with result r, the reason naming what. */
static void
refused(const struct map_table *t, const char *jid, int r, const char *what)
{
	char *out = NULL, *cause = NULL;
	int got = map_xmpp_to_sip(t, jid, &out, &cause);

	if (got != r)
		fail_msg("%s: %d (%s), not %d", jid, got,
		    out != NULL ? out : cause, r);
	assert_null(out);
	if (strstr(cause, what) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", jid, cause, what);
	free(cause);
}

/* The table does not parse, the reason naming what. */
static void
bad_table(const char *text, const char *what)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	if (map_table_parse(text, strlen(text), "t", &t, &cause) != -1)
		fail_msg("\"%s\" parsed", text);
	if (strstr(cause, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", cause, what);
	free(cause);
}

/* Both forms are read by a rule that writes the escaped one. */
static void
test_both_forms_read(void **state)
{
	struct map_table *t = table("domain sip.test xmpp.test\n"
	    "embed gw.sip.example gw.xmpp.example\n");

	(void)state;
	x2s(t, "alice\\40sip.example@gw.xmpp.example",
	    "sip:alice@sip.example");
	x2s(t, "alice%sip.example@gw.xmpp.example", "sip:alice@sip.example");
	x2s(t, "Alice%SIP.Example@gw.xmpp.example", "sip:Alice@sip.example");
	x2s(t, "alice%sip.example@gw.xmpp.example/phone",
	    "sip:alice@sip.example;gr=phone");
	/* the last % splits: a host holds none */
	x2s(t, "a%b%sip.example@gw.xmpp.example", "sip:a%25b@sip.example");
	/* an @ makes it the escaped form, read at the last @ only: "a" at
	 * "b%c.example" is no address, and user "a@b" is not tried */
	refused(t, "a\\40b%c.example@gw.xmpp.example", MAP_MALFORMED,
	    "not valid");
	x2s(t, "a%b\\40c.example@gw.xmpp.example", "sip:a%25b@c.example");
	/* the escaped default still writes \40 */
	s2x_back(t, "sip:alice@sip.example",
	    "alice\\40sip.example@gw.xmpp.example");
	map_table_free(t);
}

/* What the "%" form cannot name is refused as the escaped form's is. */
static void
test_percent_refusals(void **state)
{
	struct map_table *t = table("domain sip.test xmpp.test\n"
	    "user sip:bob@sip.example bob@xmpp.example\n"
	    "embed gw.sip.example gw.xmpp.example\n");

	(void)state;
	refused(t, "alice@gw.xmpp.example", MAP_NO_RULE, "carries no SIP");
	refused(t, "%sip.example@gw.xmpp.example", MAP_MALFORMED,
	    "not valid");
	refused(t, "alice%@gw.xmpp.example", MAP_MALFORMED, "not valid");
	refused(t, "alice%sip..example@gw.xmpp.example", MAP_MALFORMED,
	    "not valid");
	/* a domain rule's users are reached through that rule */
	refused(t, "romeo%sip.test@gw.xmpp.example", MAP_NO_RULE,
	    "use that rule's XMPP domain");
	/* a user rule's address belongs to that rule's JID */
	refused(t, "bob%sip.example@gw.xmpp.example", MAP_NO_RULE,
	    "user rule at line 2");
	/* no open relay in this form either */
	refused(t, "x%127.0.0.1@gw.xmpp.example", MAP_NO_RULE, "IP address");
	refused(t, "x%sip.other\\3a5070@gw.xmpp.example", MAP_NO_RULE,
	    "allow_ports");
	refused(t, "x%localhost@gw.xmpp.example", MAP_NO_RULE, "localhost");
	map_table_free(t);
}

/* jid_form=percent writes the "%" form, and reads it back. */
static void
test_jid_form_percent(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "jid_form=percent allow_ports\n");
	char *rule = NULL, *res = NULL, *cause = NULL;

	(void)state;
	s2x_back(t, "sip:alice@sip.example",
	    "alice%sip.example@gw.xmpp.example");
	s2x_back(t, "sip:alice@sip.example;gr=desk",
	    "alice%sip.example@gw.xmpp.example/desk");
	s2x_back(t, "sip:alice@sip.example:5070",
	    "alice%sip.example\\3a5070@gw.xmpp.example");
	/* a user part holding % itself: the last % still splits */
	s2x_back(t, "sip:a%25b@sip.example", "a%b%sip.example@gw.xmpp.example");
	s2x_back(t, "sip:%25@sip.example", "%%sip.example@gw.xmpp.example");
	/* a user part holding @: "a@b%host" would read as the escaped form
	 * at the first @, so it is written escaped */
	s2x_back(t, "sip:a%40b@sip.example",
	    "a\\40b\\40sip.example@gw.xmpp.example");
	s2x_back(t, "sip:a%40b%25c@sip.example",
	    "a\\40b%c\\40sip.example@gw.xmpp.example");
	/* the escaped form is still read */
	x2s(t, "alice\\40sip.example@gw.xmpp.example",
	    "sip:alice@sip.example");
	/* the embedded form, SIP -> XMPP, is not concerned */
	s2x_back(t, "sip:bob%40jabber.org@gw.sip.example", "bob@jabber.org");
	assert_int_equal(map_explain(t, "alice%sip.example@gw.xmpp.example",
	    &res, &rule, &cause), MAP_OK);
	assert_string_equal(res, "sip:alice@sip.example");
	assert_string_equal(rule, "t:1: embed gw.sip.example gw.xmpp.example "
	    "jid_form=percent allow_ports (the \"%\" form: user%host, for "
	    "user@host)");
	free(rule);
	free(res);
	assert_int_equal(map_explain(t, "sip:alice@sip.example", &res, &rule,
	    &cause), MAP_OK);
	assert_string_equal(res, "alice%sip.example@gw.xmpp.example");
	assert_string_equal(rule, "t:1: embed gw.sip.example gw.xmpp.example "
	    "jid_form=percent allow_ports (last-resort form) (the \"%\" "
	    "form: user%host, for user@host)");
	free(rule);
	free(res);
	/* the escaped form read, or written for a user holding @: no note */
	assert_int_equal(map_explain(t, "alice\\40sip.example@gw.xmpp.example",
	    &res, &rule, &cause), MAP_OK);
	assert_null(strstr(rule, "form:"));
	free(rule);
	free(res);
	assert_int_equal(map_explain(t, "sip:a%40b@sip.example", &res, &rule,
	    &cause), MAP_OK);
	assert_string_equal(res, "a\\40b\\40sip.example@gw.xmpp.example");
	assert_null(strstr(rule, "form:"));
	free(rule);
	free(res);
	map_table_free(t);
}

/* A user rule that owns a "%" JID keeps it: the embed rule's written
 * form for the same SIP address is refused, not sent from someone
 * else's JID; jid_form=escaped is the default and may be written. */
static void
test_percent_conflicts(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "jid_form=percent\n"
	    "user sip:carol@sip.example carol%sip.other@gw.xmpp.example\n");
	struct map_table *e = table("embed gw.sip.example gw.xmpp.example "
	    "jid_form=escaped\n");
	char *out = NULL, *cause = NULL;

	(void)state;
	x2s(t, "carol%sip.other@gw.xmpp.example", "sip:carol@sip.example");
	assert_int_equal(map_sip_to_xmpp(t, "sip:carol@sip.other", &out,
	    &cause), MAP_NO_RULE);
	assert_non_null(strstr(cause, "user rule at line 2"));
	free(cause);
	/* and its escaped twin would reach sip:carol@sip.other instead */
	x2s(t, "carol\\40sip.other@gw.xmpp.example", "sip:carol@sip.other");
	s2x_back(e, "sip:alice@sip.example",
	    "alice\\40sip.example@gw.xmpp.example");
	map_table_free(t);
	map_table_free(e);
}

/* The option's own errors. */
static void
test_jid_form_option(void **state)
{
	(void)state;
	bad_table("embed a.example b.example jid_form=plain\n",
	    "jid_form must be escaped or percent");
	bad_table("embed a.example b.example jid_form=\n",
	    "jid_form must be escaped or percent");
	bad_table("embed a.example b.example jid_form=percent "
	    "jid_form=escaped\n", "jid_form given twice");
	bad_table("embed a.example b.example jid_forms=percent\n",
	    "unknown embed option");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_forms_read),
		cmocka_unit_test(test_percent_refusals),
		cmocka_unit_test(test_jid_form_percent),
		cmocka_unit_test(test_percent_conflicts),
		cmocka_unit_test(test_jid_form_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
