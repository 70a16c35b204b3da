/*
 * The embed rule is no open relay (issue 10, item 8): by default an XMPP
 * user cannot make the gateway send to an IP literal, an explicit port,
 * or a loopback/private/link-local/unspecified/multicast address (IPv4,
 * IPv6, IPv4-mapped); the rule's options allow_ports, allow_ip_literals
 * and allow_private lift each restriction, and only for that direction.
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

/* jid is refused as item-not-found, the reason naming what. */
static void
refused(const struct map_table *t, const char *jid, const char *what)
{
	char *out = NULL, *cause = NULL;
	int r = map_xmpp_to_sip(t, jid, &out, &cause);

	if (r != MAP_NO_RULE)
		fail_msg("%s: %d (%s), not refused", jid, r,
		    out != NULL ? out : cause);
	assert_null(out);
	assert_non_null(cause);
	if (strstr(cause, what) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", jid, cause, what);
	free(cause);
}

/* The shipped example's rule, without options: names only. */
static void
test_default_refuses(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "separator=*\n");

	(void)state;
	/* the attack of the issue: loopback with a port */
	refused(t, "x\\40127.0.0.1\\3a5060@gw.xmpp.example", "port");
	refused(t, "x\\40127.0.0.1@gw.xmpp.example", "IP address");
	refused(t, "x\\4010.0.0.1@gw.xmpp.example", "IP address");
	refused(t, "x\\40192.0.2.1@gw.xmpp.example", "IP address");
	refused(t, "x\\40[2001\\3adb8\\3a\\3a1]@gw.xmpp.example",
	    "IP address");
	refused(t, "x\\40[\\3a\\3a1]@gw.xmpp.example", "IP address");
	refused(t, "x\\40sip.other\\3a5070@gw.xmpp.example", "allow_ports");
	refused(t, "x\\40localhost@gw.xmpp.example", "localhost");
	refused(t, "x\\40a.localhost@gw.xmpp.example", "localhost");
	/* names are fine: RFC 3263 finds the port */
	x2s(t, "alice\\40sip.other@gw.xmpp.example", "sip:alice@sip.other");
	x2s(t, "alice\\40notlocalhost.example@gw.xmpp.example",
	    "sip:alice@notlocalhost.example");
	/* the last-resort form goes to the gateway's own SIP domain */
	x2s(t, "bob@[::1]", "sip:bob%40%5B%3A%3A1%5D@gw.sip.example");
	map_table_free(t);
}

/* allow_ip_literals: public addresses; private ones still refused. */
static void
test_ip_literals(void **state)
{
	static const char *const private[] = {
		"0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1",
		"127.255.255.254", "169.254.1.1", "172.16.0.1",
		"172.31.255.255", "192.0.0.8", "192.168.1.1", "198.18.0.1",
		"224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255", "010.0.0.1", "127.000.0.1",
		"[\\3a\\3a]", "[\\3a\\3a1]", "[fe80\\3a\\3a1]",
		"[febf\\3a\\3a1]", "[fec0\\3a\\3a1]", "[fc00\\3a\\3a1]",
		"[fd12\\3a3456\\3a\\3a1]", "[ff02\\3a\\3a1]",
		"[\\3a\\3affff\\3a127.0.0.1]", "[\\3a\\3affff\\3a10.0.0.1]",
		"[\\3a\\3affff\\3a7f00\\3a1]", "[\\3a\\3a127.0.0.1]",
		"[64\\3aff9b\\3a\\3a192.168.0.1]",
		"[2002\\3ac0a8\\3a101\\3a\\3a1]",
	};
	static const char *const public[] = {
		"192.0.2.1", "8.8.8.8", "172.32.0.1", "100.128.0.1",
		"11.0.0.1", "[2001\\3adb8\\3a\\3a1]",
		"[\\3a\\3affff\\3a8.8.8.8]",
		"[2002\\3a808\\3a808\\3a\\3a1]",
	};
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "allow_ip_literals\n");
	char jid[128];

	(void)state;
	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
		snprintf(jid, sizeof(jid), "x\\40%s@gw.xmpp.example",
		    private[i]);
		refused(t, jid, "allow_private");
	}
	for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
		char *out = NULL, *cause = NULL;

		snprintf(jid, sizeof(jid), "x\\40%s@gw.xmpp.example",
		    public[i]);
		if (map_xmpp_to_sip(t, jid, &out, &cause) != MAP_OK)
			fail_msg("%s refused: %s", jid, cause);
		free(out);
	}
	x2s(t, "x\\40192.0.2.1@gw.xmpp.example", "sip:x@192.0.2.1");
	/* a port still needs allow_ports */
	refused(t, "x\\40192.0.2.1\\3a5060@gw.xmpp.example", "allow_ports");
	map_table_free(t);
}

/* All three options: the old behaviour, loopback and port included. */
static void
test_all_allowed(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "allow_private allow_ip_literals allow_ports separator=*\n");
	char *rule = NULL, *res = NULL, *cause = NULL;

	(void)state;
	x2s(t, "x\\40127.0.0.1\\3a5060@gw.xmpp.example",
	    "sip:x@127.0.0.1:5060");
	x2s(t, "x\\40[\\3a\\3a1]@gw.xmpp.example", "sip:x@[::1]");
	x2s(t, "x\\40localhost@gw.xmpp.example", "sip:x@localhost");
	assert_int_equal(map_explain(t, "x\\40127.0.0.1@gw.xmpp.example",
	    &res, &rule, &cause), MAP_OK);
	assert_string_equal(rule, "t:1: embed gw.sip.example gw.xmpp.example "
	    "separator=* allow_ports allow_ip_literals allow_private");
	free(rule);
	free(res);
	map_table_free(t);
}

/* allow_private alone: localhost names, still no IP literal. */
static void
test_private_alone(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example "
	    "allow_private\n");

	(void)state;
	x2s(t, "x\\40localhost@gw.xmpp.example", "sip:x@localhost");
	refused(t, "x\\40127.0.0.1@gw.xmpp.example", "allow_ip_literals");
	map_table_free(t);
}

/* SIP -> XMPP is not concerned: the XMPP server does that routing. */
static void
test_sip_side_unchanged(void **state)
{
	struct map_table *t = table("embed gw.sip.example gw.xmpp.example\n");
	char *out = NULL;

	(void)state;
	assert_int_equal(map_sip_to_xmpp(t, "sip:x@127.0.0.1:5070", &out,
	    NULL), MAP_OK);
	assert_string_equal(out, "x\\40127.0.0.1\\3a5070@gw.xmpp.example");
	free(out);
	map_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_refuses),
		cmocka_unit_test(test_ip_literals),
		cmocka_unit_test(test_all_allowed),
		cmocka_unit_test(test_private_alone),
		cmocka_unit_test(test_sip_side_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
