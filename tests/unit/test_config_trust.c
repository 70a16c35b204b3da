/*
 * [sip] trusted_peers (config_trust.c): what the list accepts, the clear
 * error each bad entry gets at start, and which sources it trusts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

/* Whether a source at text (a numeric address) is trusted by list. */
static int
trusts(const char *list, const char *text)
{
	struct config_trust t;
	unsigned char a[16];
	int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
	char *why = NULL;

	assert_int_equal(inet_pton(family, text, a), 1);
	if (config_trust_parse(list, &t, &why) != 0)
		fail_msg("'%s' refused: %s", list, why);
	return config_trust_match(&t, family, a);
}

/* list must be refused with exactly the message expected. */
static void
refused(const char *list, const char *expected)
{
	struct config_trust t;
	char *why = NULL;

	assert_int_equal(config_trust_parse(list, &t, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, expected);
	free(why);
}

/* The default: loopback only, both families. */
static void
test_default_is_loopback(void **state)
{
	const char *def = "127.0.0.0/8 ::1";

	(void)state;
	assert_true(trusts(def, "127.0.0.1"));
	assert_true(trusts(def, "127.255.0.9"));
	assert_true(trusts(def, "::1"));
	/* A dual-stack listener shows IPv4 peers as mapped addresses. */
	assert_true(trusts(def, "::ffff:127.0.0.1"));
	assert_false(trusts(def, "128.0.0.1"));
	assert_false(trusts(def, "10.0.0.1"));
	assert_false(trusts(def, "::2"));
	assert_false(trusts(def, "::ffff:10.0.0.1"));
	assert_false(trusts(def, "2001:db8::1"));
}

/* Networks: the prefix decides, to the bit. */
static void
test_networks(void **state)
{
	(void)state;
	assert_true(trusts("10.1.2.0/24", "10.1.2.0"));
	assert_true(trusts("10.1.2.0/24", "10.1.2.255"));
	assert_false(trusts("10.1.2.0/24", "10.1.3.0"));
	assert_true(trusts("10.1.2.128/25", "10.1.2.200"));
	assert_false(trusts("10.1.2.128/25", "10.1.2.127"));
	assert_true(trusts("192.0.2.7", "192.0.2.7"));
	assert_false(trusts("192.0.2.7", "192.0.2.6"));
	assert_true(trusts("fd00::/8", "fdff::1"));
	assert_false(trusts("fd00::/8", "fe80::1"));
	assert_true(trusts("2001:db8:0:2::/63", "2001:db8:0:3:ffff::1"));
	assert_false(trusts("2001:db8:0:2::/63", "2001:db8:0:1::1"));
	assert_false(trusts("2001:db8:0:2::/63", "2001:db8:0:4::1"));
	assert_true(trusts("0.0.0.0/0", "203.0.113.9"));
	assert_false(trusts("0.0.0.0/0", "2001:db8::1"));
	assert_true(trusts("::/0", "2001:db8::1"));
	/* An IPv6 entry does not trust IPv4 sources, nor the reverse. */
	assert_false(trusts("::/0", "192.0.2.1"));
	/* Separators: spaces, tabs and commas, in any mix. */
	assert_true(trusts(" 10.0.0.1,\t192.0.2.0/24 ,, ::1 ", "192.0.2.9"));
	assert_true(trusts(" 10.0.0.1,\t192.0.2.0/24 ,, ::1 ", "::1"));
}

/* tls:NAME trusts no address: only the transport proves a name. */
static void
test_tls_names(void **state)
{
	(void)state;
	assert_false(trusts("tls:proxy.example.com", "198.51.100.1"));
	assert_false(trusts("tls:127.0.0.1", "127.0.0.1"));
	assert_true(trusts("10.0.0.1 TLS:proxy.example.com", "10.0.0.1"));
	assert_false(trusts("10.0.0.1 TLS:proxy.example.com",
	    "198.51.100.1"));
}

/* none: nobody at all. */
static void
test_none(void **state)
{
	(void)state;
	assert_false(trusts("none", "127.0.0.1"));
	assert_false(trusts(" NONE ", "::1"));
}

/* Each mistake gets a message naming the entry and what is allowed. */
static void
test_errors(void **state)
{
	char big[64 * 10 + 32] = "";

	(void)state;
	refused("", "empty: name the SIP proxies to trust, or none");
	refused(" , ", "empty: name the SIP proxies to trust, or none");
	refused("none 127.0.0.1", "'none' stands alone");
	refused("proxy.example.com", "'proxy.example.com': expected an IPv4 "
	    "or IPv6 address, ADDRESS/BITS, tls:NAME or none");
	refused("10.1.2.300", "'10.1.2.300': expected an IPv4 or IPv6 "
	    "address, ADDRESS/BITS, tls:NAME or none");
	refused("[::1]", "'[::1]': expected an IPv4 or IPv6 address, "
	    "ADDRESS/BITS, tls:NAME or none");
	refused("/8", "'/8': expected an IPv4 or IPv6 address, "
	    "ADDRESS/BITS, tls:NAME or none");
	refused("10.0.0.0/33", "'10.0.0.0/33': the prefix length must be "
	    "0..32");
	refused("10.0.0.0/", "'10.0.0.0/': the prefix length must be 0..32");
	refused("10.0.0.0/-1", "'10.0.0.0/-1': the prefix length must be "
	    "0..32");
	refused("10.0.0.0/8x", "'10.0.0.0/8x': the prefix length must be "
	    "0..32");
	refused("fd00::/129", "'fd00::/129': the prefix length must be "
	    "0..128");
	refused("10.1.2.5/24", "'10.1.2.5/24': bits set past the /24 prefix "
	    "(write the network's first address)");
	refused("fd00::1/64", "'fd00::1/64': bits set past the /64 prefix "
	    "(write the network's first address)");
	refused("tls:", "'tls:': expected an IPv4 or IPv6 address, "
	    "ADDRESS/BITS, tls:NAME or none");
	refused("tls:*.example.com", "'tls:*.example.com': tls: takes a host "
	    "name, as the peer's certificate names it");
	refused("tls:-a.example", "'tls:-a.example': tls: takes a host "
	    "name, as the peer's certificate names it");
	refused("tls:a..example", "'tls:a..example': tls: takes a host "
	    "name, as the peer's certificate names it");
	for (int i = 0; i < 65; i++)
		strcat(big, "10.0.0.1 ");
	refused(big, "more than 64 entries");
}

/* Through the loader: the file, line and key come with the reason. */
static void
test_in_config(void **state)
{
	static const char good[] = "[sip]\ntrusted_peers = 10.0.0.0/8, "
	    "tls:proxy.example.com\n[xmpp]\ncomponent = sip.example\n"
	    "secret = s\n";
	static const char bad[] = "[sip]\ntrusted_peers = 10.0.0.1/8\n"
	    "[xmpp]\ncomponent = sip.example\nsecret = s\n";
	struct config cfg;
	char *cause = NULL;

	(void)state;
	config_init_defaults(&cfg);
	assert_string_equal(cfg.sip_trusted_peers, "127.0.0.0/8 ::1");
	config_free(&cfg);
	assert_int_equal(config_load_buffer("t.conf", good, sizeof(good) - 1,
	    &cfg, &cause), 0);
	assert_string_equal(cfg.sip_trusted_peers,
	    "10.0.0.0/8, tls:proxy.example.com");
	config_free(&cfg);
	assert_int_equal(config_load_buffer("t.conf", bad, sizeof(bad) - 1,
	    &cfg, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "t.conf:2"));
	assert_non_null(strstr(cause, "trusted_peers"));
	assert_non_null(strstr(cause, "bits set past the /8 prefix"));
	free(cause);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_loopback),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_tls_names),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
