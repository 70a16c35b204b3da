/*
 * Whole-address translation: the RFC 7247 §6.4/§6.5 examples through
 * domain rules, user rules, the embed rule's two forms, the refusals
 * (sips:, loops, shadowed addresses), round trips and map_explain.
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

static const char fixture[] =
    "domain sip.example sip.example\n"			/* line 1 */
    "domain xmpp.example xmpp.example\n"		/* line 2 */
    "user sip:alice@sip.example alice.smith@chat.example\n"
    "domain chat-sip.example chat.example\n"		/* line 4 */
    "embed gw.sip.example gw.xmpp.example separator=* allow_ports "
    "allow_ip_literals\n"
    "user sip:bob@solo.example robert@chat.example\n";	/* line 6 */

/* Loads the fixture table for each test. */
static int
setup(void **state)
{
	struct map_table *t = NULL;
	char *cause = NULL;

	if (map_table_parse(fixture, strlen(fixture), "fixture", &t,
	    &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	*state = t;
	return 0;
}

/* Frees it. */
static int
teardown(void **state)
{
	map_table_free(*state);
	return 0;
}

/* Asserts a SIP -> XMPP translation. */
static void
s2x(const struct map_table *t, const char *uri, const char *want)
{
	char *out = NULL, *cause = NULL;
	int rc;

	rc = map_sip_to_xmpp(t, uri, &out, &cause);
	if (rc != MAP_OK)
		fail_msg("%s: %s (%s)", uri, map_result_name(rc), cause);
	assert_null(cause);
	assert_string_equal(out, want);
	free(out);
}

/* Asserts an XMPP -> SIP translation. */
static void
x2s(const struct map_table *t, const char *jid, const char *want)
{
	char *out = NULL, *cause = NULL;
	int rc;

	rc = map_xmpp_to_sip(t, jid, &out, &cause);
	if (rc != MAP_OK)
		fail_msg("%s: %s (%s)", jid, map_result_name(rc), cause);
	assert_null(cause);
	assert_string_equal(out, want);
	free(out);
}

/* Asserts a refused SIP -> XMPP translation and part of its cause. */
static void
s2x_fails(const struct map_table *t, const char *uri, int want,
    const char *why)
{
	char *out = (char *)1, *cause = NULL;
	int rc;

	rc = map_sip_to_xmpp(t, uri, &out, &cause);
	if (rc != want)
		fail_msg("%s: got %s, want %s", uri, map_result_name(rc),
		    map_result_name(want));
	assert_null(out);
	assert_non_null(cause);
	if (strstr(cause, why) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", uri, cause, why);
	free(cause);
}

/* Asserts a refused XMPP -> SIP translation and part of its cause. */
static void
x2s_fails(const struct map_table *t, const char *jid, int want,
    const char *why)
{
	char *out = (char *)1, *cause = NULL;
	int rc;

	rc = map_xmpp_to_sip(t, jid, &out, &cause);
	if (rc != want)
		fail_msg("%s: got %s, want %s", jid, map_result_name(rc),
		    map_result_name(want));
	assert_null(out);
	assert_non_null(cause);
	if (strstr(cause, why) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", jid, cause, why);
	free(cause);
}

/* RFC 7247 §6.4 examples, through "domain sip.example sip.example". */
static void
test_rfc7247_s2x(void **state)
{
	const struct map_table *t = *state;

	s2x(t, "sip:f%C3%BC@sip.example", "f\xc3\xbc@sip.example");
	s2x(t, "sip:o'malley@sip.example", "o\\27malley@sip.example");
	s2x(t, "sip:foo@sip.example;gr=bar", "foo@sip.example/bar");
	/* XEP-0106 §5.3's SIP example, with a valid %25 */
	s2x(t, "sip:here%27s_a_wild_%26_%2Fcr%25zy%2F_address@sip.example",
	    "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address@sip.example");
	/* im: and pres: name the same users (RFC 7247 §6.4 step 1) */
	s2x(t, "im:foo@sip.example", "foo@sip.example");
	s2x(t, "pres:foo@SIP.EXAMPLE", "foo@sip.example");
	/* other parameters and headers do not matter */
	s2x(t, "sip:foo@sip.example:5062;transport=tcp;lr?Subject=x",
	    "foo@sip.example");
	/* RFC 5627: a temporary GRUU ("gr" without value) is no resource */
	s2x(t, "sip:foo@sip.example;gr", "foo@sip.example");
	s2x(t, "sip:foo@sip.example;gr=urn:uuid:f81d4fae-7dec-11d0-a765-"
	    "00a0c91e6bf6", "foo@sip.example/urn:uuid:f81d4fae-7dec-11d0-"
	    "a765-00a0c91e6bf6");
	s2x(t, "sip:foo@sip.example;gr=my%20phone%20%C3%A9",
	    "foo@sip.example/my phone \xc3\xa9");
}

/* RFC 7247 §6.5 examples, through "domain xmpp.example xmpp.example". */
static void
test_rfc7247_x2s(void **state)
{
	const struct map_table *t = *state;

	x2s(t, "m\\26m@xmpp.example", "sip:m&m@xmpp.example");
	x2s(t, "tsch\xc3\xbcss@xmpp.example", "sip:tsch%C3%BCss@xmpp.example");
	x2s(t, "baz@xmpp.example/qux", "sip:baz@xmpp.example;gr=qux");
	x2s(t, "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address@xmpp.example",
	    "sip:here's_a_wild_&_/cr%25zy/_address@xmpp.example");
	/* domains compare case-insensitively, a final dot is dropped */
	x2s(t, "baz@XMPP.Example./r/x@y", "sip:baz@xmpp.example;gr=r/x%40y");
	x2s(t, "baz@xmpp.example/my phone \xc3\xa9",
	    "sip:baz@xmpp.example;gr=my%20phone%20%C3%A9");
	x2s(t, "a\\5c5cb@xmpp.example", "sip:a%5C5cb@xmpp.example");
}

/* User rules win over domain rules, both ways; localparts match
 * ASCII-case-insensitively, SIP users exactly. */
static void
test_user_rules(void **state)
{
	const struct map_table *t = *state;

	s2x(t, "sip:alice@sip.example", "alice.smith@chat.example");
	s2x(t, "sip:alice@SIP.example;gr=phone",
	    "alice.smith@chat.example/phone");
	x2s(t, "alice.smith@chat.example", "sip:alice@sip.example");
	x2s(t, "Alice.Smith@Chat.Example/laptop",
	    "sip:alice@sip.example;gr=laptop");
	s2x(t, "sip:Alice@sip.example", "Alice@sip.example");	/* domain */
	s2x(t, "sip:bob@solo.example", "robert@chat.example");
	x2s(t, "robert@chat.example", "sip:bob@solo.example");

	/* a domain rule must not hand out what a user rule owns: the way
	 * back would lead to the user rule's address instead */
	x2s_fails(t, "alice@sip.example", MAP_NO_RULE,
	    "belongs to the user rule at line 3");
	s2x_fails(t, "sip:alice.smith@chat-sip.example", MAP_NO_RULE,
	    "belongs to the user rule at line 3");
	s2x_fails(t, "sip:ROBERT@chat-sip.example", MAP_NO_RULE,
	    "belongs to the user rule at line 6");
	s2x(t, "sip:carol@chat-sip.example", "carol@chat.example");
}

/* The embed rule's own form, both ways, and Kamailio's separator. */
static void
test_embed(void **state)
{
	const struct map_table *t = *state;

	x2s(t, "alice\\40sip.other@gw.xmpp.example", "sip:alice@sip.other");
	s2x(t, "sip:alice@sip.other", "alice\\40sip.other@gw.xmpp.example");
	s2x(t, "sip:bob%40jabber.org@gw.sip.example", "bob@jabber.org");
	x2s(t, "bob@jabber.org", "sip:bob%40jabber.org@gw.sip.example");
	s2x(t, "sip:bob*jabber.org@gw.sip.example", "bob@jabber.org");
	s2x(t, "sip:a*b*jabber.org@gw.sip.example", "a*b@jabber.org");
	s2x(t, "sip:a*b%40jabber.org@gw.sip.example", "a*b@jabber.org");
	s2x(t, "sip:o'hara%40jabber.org@gw.sip.example;gr=x",
	    "o\\27hara@jabber.org/x");
	x2s(t, "o\\27hara@jabber.org/x",
	    "sip:o'hara%40jabber.org@gw.sip.example;gr=x");
	/* ports, IPv6 and odd users survive the trip */
	s2x(t, "sip:carol@sip.other:5070",
	    "carol\\40sip.other\\3a5070@gw.xmpp.example");
	x2s(t, "carol\\40sip.other\\3a5070@gw.xmpp.example",
	    "sip:carol@sip.other:5070");
	s2x(t, "sip:carol@[2001:DB8::1]",
	    "carol\\40[2001\\3adb8\\3a\\3a1]@gw.xmpp.example");
	x2s(t, "carol\\40[2001\\3adb8\\3a\\3a1]@gw.xmpp.example",
	    "sip:carol@[2001:db8::1]");
	s2x(t, "sip:a%40b@sip.other", "a\\40b\\40sip.other@gw.xmpp.example");
	x2s(t, "a\\40b\\40sip.other@gw.xmpp.example", "sip:a%40b@sip.other");
	x2s(t, "bob@[::1]", "sip:bob%40%5B%3A%3A1%5D@gw.sip.example");
	s2x(t, "sip:bob%40%5B%3A%3A1%5D@gw.sip.example", "bob@[::1]");
	x2s(t, "bob@b\xc3\xbc" "cher.example",
	    "sip:bob%40b%C3%BCcher.example@gw.sip.example");
}

/* Addresses the embed rule refuses: no address inside, a loop through
 * the gateway, or one another rule answers for. */
static void
test_embed_refusals(void **state)
{
	const struct map_table *t = *state;

	s2x_fails(t, "sip:bob@gw.sip.example", MAP_NO_RULE, "carries no JID");
	x2s_fails(t, "alice@gw.xmpp.example", MAP_NO_RULE,
	    "carries no SIP address");
	s2x_fails(t, "sip:%40jabber.org@gw.sip.example", MAP_MALFORMED,
	    "cannot be an XMPP localpart");
	s2x_fails(t, "sip:bob%40jab_ber.org@gw.sip.example", MAP_MALFORMED,
	    "embedded XMPP domain is not valid");
	x2s_fails(t, "\\40sip.other@gw.xmpp.example", MAP_MALFORMED,
	    "embedded SIP address is not valid");
	x2s_fails(t, "a\\40sip_other@gw.xmpp.example", MAP_MALFORMED,
	    "embedded SIP address is not valid");
	/* loops */
	x2s_fails(t, "alice\\40gw.sip.example@gw.xmpp.example", MAP_NO_RULE,
	    "mapped by line 5");
	s2x_fails(t, "sip:bob%40gw.xmpp.example@gw.sip.example", MAP_NO_RULE,
	    "mapped by line 5");
	/* a domain rule exists: the embedded form would not come back */
	x2s_fails(t, "alice\\40sip.example@gw.xmpp.example", MAP_NO_RULE,
	    "mapped by line 1");
	s2x_fails(t, "sip:bob%40xmpp.example@gw.sip.example", MAP_NO_RULE,
	    "mapped by line 2");
	s2x_fails(t, "sip:robert%40chat.example@gw.sip.example", MAP_NO_RULE,
	    "mapped by line 4");
}

/* What no table may translate. */
static void
test_refusals(void **state)
{
	const struct map_table *t = *state;
	char *out = (char *)1;

	/* RFC 7247 §8: MUST NOT translate a SIPS URI */
	s2x_fails(t, "sips:foo@sip.example", MAP_SIPS, "RFC 7247 §8");
	s2x_fails(t, "SIPS:alice@sip.example", MAP_SIPS, "RFC 7247 §8");
	s2x_fails(t, "sip:foo@sip.example;gr=%01", MAP_MALFORMED, "gr");
	s2x_fails(t, "sip:a%zz@sip.example", MAP_MALFORMED, "not a valid");
	s2x_fails(t, "sip:%FF@sip.example", MAP_MALFORMED, "UTF-8");
	s2x_fails(t, "sip:%20lead@sip.example", MAP_MALFORMED, "localpart");
	s2x_fails(t, "sip:a%0Ab@sip.example", MAP_MALFORMED, "localpart");
	s2x_fails(t, "mailto:a@sip.example", MAP_MALFORMED, "not a valid");
	s2x_fails(t, "sip:sip.example", MAP_NO_RULE, "no user part");
	x2s_fails(t, "a@b@c", MAP_MALFORMED, "not a valid JID");
	x2s_fails(t, "xmpp.example", MAP_NO_RULE, "no localpart");
	/* not canonical XEP-0106: a\5cb and a\b would share sip:a%5Cb */
	x2s_fails(t, "a\\5cb@xmpp.example", MAP_MALFORMED, "canonical");
	x2s_fails(t, "\\20a@xmpp.example", MAP_MALFORMED, "canonical");
	x2s_fails(t, "a\\5cb@jabber.org", MAP_MALFORMED, "canonical");

	assert_int_equal(map_sip_to_xmpp(t, "junk", &out, NULL), MAP_MALFORMED);
	assert_null(out);
	assert_int_equal(map_xmpp_to_sip(t, NULL, &out, NULL), MAP_NO_RULE);
	assert_int_equal(map_sip_to_xmpp(NULL, "sip:a@b.example", &out, NULL),
	    MAP_NO_RULE);
}

/* Without an embed rule, unknown domains have no mapping. */
static void
test_no_rule(void **state)
{
	static const char text[] = "domain sip.example sip.example\n";
	struct map_table *t = NULL;

	(void)state;
	assert_int_equal(map_table_parse(text, strlen(text), "t", &t, NULL), 0);
	s2x_fails(t, "sip:x@other.example", MAP_NO_RULE, "no rule maps");
	x2s_fails(t, "x@other.example", MAP_NO_RULE, "no rule maps");
	x2s_fails(t, "x\\40y.example@gw.xmpp.example", MAP_NO_RULE,
	    "no rule maps");
	s2x(t, "sip:x@sip.example", "x@sip.example");
	map_table_free(t);
}

/* Every translation comes back to where it started. */
static void
test_round_trips(void **state)
{
	static const char *const uris[] = {
		"sip:foo@sip.example", "sip:f%C3%BC@sip.example",
		"sip:o'malley@sip.example;gr=bar", "sip:m&m@xmpp.example",
		"sip:a%5Cb@sip.example", "sip:a%5C27b@sip.example",
		"sip:%22q%22%3A%3C%3E@sip.example", "sip:+1-555;x=y@sip.example",
		"sip:a%23b%25c%5B%5D%5E%60%7B%7C%7D@sip.example",
		"sip:alice@sip.example", "sip:alice@sip.example;gr=x%20y",
		"sip:bob@solo.example", "sip:carol@chat-sip.example",
		"sip:carol@sip.other", "sip:carol@sip.other:5070",
		"sip:carol@[2001:db8::1]:5060", "sip:a%40b@sip.other",
		"sip:we%5C40ird@sip.other", "sip:bob%40jabber.org@gw.sip.example",
		"sip:o'hara%40jabber.org@gw.sip.example;gr=a/b",
		"sip:x%40y%40jabber.org@gw.sip.example",
		"sip:1.2.3.4%40x.example@gw.sip.example", "sip:u@192.0.2.1",
	};
	static const char *const jids[] = {
		"foo@sip.example", "f\xc3\xbc@sip.example/res",
		"o\\27malley@sip.example", "m\\26m@xmpp.example",
		"a\\b@xmpp.example", "a\\5c27b@xmpp.example",
		"c\\3a\\5c5commas@xmpp.example", "\\2f.fanboy@xmpp.example",
		"call\\20me\\20\\22ishmael\\22@xmpp.example/x y",
		"alice.smith@chat.example", "robert@chat.example/a@b",
		"carol@chat.example", "bob@jabber.org", "bob@jabber.org/r/s",
		"alice\\40sip.other@gw.xmpp.example",
		"carol\\40sip.other\\3a5070@gw.xmpp.example",
		"a*b@jabber.org", "#chan%irc.example@irc.gw.example",
		"x\\40y@jabber.org", "bob@[::1]",
	};
	const struct map_table *t = *state;
	char *mid, *back;
	size_t i;

	for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		if (map_sip_to_xmpp(t, uris[i], &mid, NULL) != MAP_OK)
			fail_msg("%s did not translate", uris[i]);
		if (map_xmpp_to_sip(t, mid, &back, NULL) != MAP_OK)
			fail_msg("%s -> %s did not come back", uris[i], mid);
		if (strcmp(back, uris[i]) != 0)
			fail_msg("%s -> %s -> %s", uris[i], mid, back);
		free(mid);
		free(back);
	}
	for (i = 0; i < sizeof(jids) / sizeof(jids[0]); i++) {
		if (map_xmpp_to_sip(t, jids[i], &mid, NULL) != MAP_OK)
			fail_msg("%s did not translate", jids[i]);
		if (map_sip_to_xmpp(t, mid, &back, NULL) != MAP_OK)
			fail_msg("%s -> %s did not come back", jids[i], mid);
		if (strcmp(back, jids[i]) != 0)
			fail_msg("%s -> %s -> %s", jids[i], mid, back);
		free(mid);
		free(back);
	}
}

/* map_sip_domain_is_mapped and map_result_name. */
static void
test_helpers(void **state)
{
	const struct map_table *t = *state;

	assert_true(map_sip_domain_is_mapped(t, "sip.example"));
	assert_true(map_sip_domain_is_mapped(t, "SIP.Example"));
	assert_true(map_sip_domain_is_mapped(t, "gw.sip.example"));
	assert_true(map_sip_domain_is_mapped(t, "solo.example"));
	assert_false(map_sip_domain_is_mapped(t, "sip.other"));
	assert_false(map_sip_domain_is_mapped(t, "chat.example"));
	assert_false(map_sip_domain_is_mapped(t, ""));
	assert_false(map_sip_domain_is_mapped(t, NULL));
	assert_string_equal(map_result_name(MAP_OK), "ok");
	assert_string_equal(map_result_name(MAP_NO_RULE), "no-rule");
	assert_string_equal(map_result_name(MAP_MALFORMED), "malformed");
	assert_string_equal(map_result_name(MAP_SIPS), "sips");
	assert_string_equal(map_result_name(MAP_NOMEM), "out-of-memory");
	assert_string_equal(map_result_name(42), "unknown");
}

/* Asserts what map_explain says about an address. */
static void
explain(const struct map_table *t, const char *addr, int want,
    const char *result, const char *rule, const char *why)
{
	char *res = NULL, *ru = NULL, *cause = NULL;

	assert_int_equal(map_explain(t, addr, &res, &ru, &cause), want);
	if (result != NULL)
		assert_string_equal(res, result);
	else
		assert_null(res);
	if (rule != NULL)
		assert_string_equal(ru, rule);
	else
		assert_null(ru);
	if (why != NULL) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, why));
	} else
		assert_null(cause);
	free(res);
	free(ru);
	free(cause);
}

/* The operator's view: which rule translated an address. */
static void
test_explain(void **state)
{
	const struct map_table *t = *state;

	explain(t, "sip:foo@sip.example", MAP_OK, "foo@sip.example",
	    "fixture:1: domain sip.example sip.example", NULL);
	explain(t, "baz@xmpp.example", MAP_OK, "sip:baz@xmpp.example",
	    "fixture:2: domain xmpp.example xmpp.example", NULL);
	explain(t, "xmpp:d%5C27artagnan@xmpp.example?message", MAP_OK,
	    "sip:d'artagnan@xmpp.example",
	    "fixture:2: domain xmpp.example xmpp.example", NULL);
	explain(t, "XMPP:Alice.Smith@chat.example", MAP_OK,
	    "sip:alice@sip.example", "fixture:3: user sip:alice@sip.example "
	    "alice.smith@chat.example", NULL);
	explain(t, "Sip:alice@sip.example", MAP_OK, "alice.smith@chat.example",
	    "fixture:3: user sip:alice@sip.example alice.smith@chat.example",
	    NULL);
	explain(t, "sip:bob%40jabber.org@gw.sip.example", MAP_OK,
	    "bob@jabber.org",
	    "fixture:5: embed gw.sip.example gw.xmpp.example separator=* "
	    "allow_ports allow_ip_literals", NULL);
	explain(t, "bob@jabber.org", MAP_OK,
	    "sip:bob%40jabber.org@gw.sip.example",
	    "fixture:5: embed gw.sip.example gw.xmpp.example separator=* "
	    "allow_ports allow_ip_literals (last-resort form)", NULL);
	explain(t, "sips:foo@sip.example", MAP_SIPS, NULL, NULL, "RFC 7247");
	explain(t, "alice@sip.example", MAP_NO_RULE, NULL,
	    "fixture:1: domain sip.example sip.example", "line 3");
	explain(t, "xmpp://host/x", MAP_MALFORMED, NULL, NULL, "xmpp: URI");
	explain(t, "xmpp:a%zz@b.example", MAP_MALFORMED, NULL, NULL,
	    "xmpp: URI");
	explain(t, "", MAP_MALFORMED, NULL, NULL, "not a valid JID");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7247_s2x),
		cmocka_unit_test(test_rfc7247_x2s),
		cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_embed),
		cmocka_unit_test(test_embed_refusals),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
