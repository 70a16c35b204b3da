/*
 * Unit tests for config/: the addresses a configuration names, each
 * with its exact error message: [sip] listen lists, host names and the
 * component's domain, the outbound proxy, the DNS server, and tls:
 * listeners with their certificate.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixtures.h"

/* Listen lists: spaces or commas, IPv4 and bracketed IPv6, numeric
 * hosts only, ports 1..65535, no duplicates, at most 16. */
static void
test_listen(void **state)
{
	struct config cfg;
	char text[2048];
	size_t used;

	(void)state;
	load_ok("[sip]\nlisten = udp:0.0.0.0:5060, tcp:0.0.0.0:5060,"
	    "udp:[::]:5060 ,\ttcp:[2001:DB8:0:0::1]:65535 UDP:10.1.2.3:1\n"
	    XMPP_OK, &cfg);
	assert_int_equal(cfg.n_listen, 5);
	assert_int_equal(cfg.listen[0].transport, IPPROTO_UDP);
	assert_string_equal(cfg.listen[0].host, "0.0.0.0");
	assert_int_equal(cfg.listen[0].port, 5060);
	assert_int_equal(cfg.listen[1].transport, IPPROTO_TCP);
	assert_string_equal(cfg.listen[2].host, "::");
	assert_int_equal(cfg.listen[2].transport, IPPROTO_UDP);
	/* Stored in canonical form, without brackets. */
	assert_string_equal(cfg.listen[3].host, "2001:db8::1");
	assert_int_equal(cfg.listen[3].port, 65535);
	assert_int_equal(cfg.listen[4].transport, IPPROTO_UDP);
	assert_string_equal(cfg.listen[4].host, "10.1.2.3");
	assert_int_equal(cfg.listen[4].port, 1);
	config_free(&cfg);

	/* The example of sipxmppd.conf(5). */
	load_ok("[sip]\nlisten = udp:0.0.0.0:5060, tcp:0.0.0.0:5060, "
	    "udp:[::]:5060, tcp:[::]:5060\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.n_listen, 4);
	config_free(&cfg);

#define LISTEN_ERR(v, why) assert_load_error("[sip]\nlisten = " v "\n", \
	"test.conf:2: bad value '" v "' for [sip] listen: " why)
#define NOT_ADDR(tok) "'" tok "' is not udp:, tcp: or tls:HOST:PORT " \
	"with a numeric HOST (IPv6 in brackets) and a PORT from 1 to 65535"
	LISTEN_ERR("udp:localhost:5060", NOT_ADDR("udp:localhost:5060"));
	LISTEN_ERR("sctp:127.0.0.1:5061", NOT_ADDR("sctp:127.0.0.1:5061"));
	LISTEN_ERR("udp:127.0.0.1", NOT_ADDR("udp:127.0.0.1"));
	LISTEN_ERR("udp:127.0.0.1:", NOT_ADDR("udp:127.0.0.1:"));
	LISTEN_ERR("udp:127.0.0.1:0", NOT_ADDR("udp:127.0.0.1:0"));
	LISTEN_ERR("udp:127.0.0.1:65536", NOT_ADDR("udp:127.0.0.1:65536"));
	LISTEN_ERR("udp:127.0.0.1:50x", NOT_ADDR("udp:127.0.0.1:50x"));
	LISTEN_ERR("udp:127.0.0.256:5060", NOT_ADDR("udp:127.0.0.256:5060"));
	LISTEN_ERR("udp:[::1:5060", NOT_ADDR("udp:[::1:5060"));
	LISTEN_ERR("udp:[::1]5060", NOT_ADDR("udp:[::1]5060"));
	LISTEN_ERR("udp:[127.0.0.1]:5060", NOT_ADDR("udp:[127.0.0.1]:5060"));
	LISTEN_ERR("udp:[fe80::1%eth0]:5060",
	    NOT_ADDR("udp:[fe80::1%eth0]:5060"));
	LISTEN_ERR("udp:127.0.0.1:5060 5061",
	    NOT_ADDR("5061"));
	LISTEN_ERR("udp:::1:5060",
	    "'udp:::1:5060': an IPv6 address goes in brackets, as in "
	    "udp:[::1]:5070");
	LISTEN_ERR("udp:127.0.0.1:5060 udp:127.0.0.1:5060",
	    "'udp:127.0.0.1:5060' is listed twice");
	LISTEN_ERR("udp:[::1]:5060 udp:[0::1]:5060",
	    "'udp:[0::1]:5060' is listed twice");
	/* tcp: and tls: both take a TCP port. */
	LISTEN_ERR("tcp:127.0.0.1:5061 tls:127.0.0.1:5061",
	    "'tls:127.0.0.1:5061' is listed twice");
	LISTEN_ERR(", ,",
	    "expected at least one udp:, tcp: or tls:HOST:PORT");
	assert_load_error("[sip]\nlisten =\n",
	    "test.conf:2: bad value '' for [sip] listen: expected at least "
	    "one udp:, tcp: or tls:HOST:PORT");

	/* Same address, other transport or port: fine. 16 fit, 17 not. */
	used = (size_t)snprintf(text, sizeof(text), "[sip]\nlisten =");
	for (int i = 0; i < CONFIG_MAX_LISTEN; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		    " %s:127.0.0.1:%d", i % 2 ? "tcp" : "udp", 5060 + i / 2);
	snprintf(text + used, sizeof(text) - used, "\n" XMPP_OK);
	load_ok(text, &cfg);
	assert_int_equal(cfg.n_listen, CONFIG_MAX_LISTEN);
	assert_int_equal(cfg.listen[15].transport, IPPROTO_TCP);
	assert_int_equal(cfg.listen[15].port, 5067);
	config_free(&cfg);
	snprintf(text + used, sizeof(text) - used, " udp:[::1]:1\n");
	{
		char *cause = NULL;

		assert_int_equal(load(text, &cfg, &cause), -1);
		assert_non_null(strstr(cause, "for [sip] listen: more than "
		    "16 addresses"));
		assert_int_equal(strncmp(cause, "test.conf:2: ", 13), 0);
		free(cause);
		config_free(&cfg);
	}
#undef LISTEN_ERR
#undef NOT_ADDR
}

/* Host-like strings: names, IPv4, IPv6 with brackets removed. */
static void
test_hosts(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[sip]\ncontact_host = [2001:db8::2]\n"
	    "[xmpp]\nhost = ::1\ncomponent = sip.example\nsecret = x\n", &cfg);
	assert_string_equal(cfg.sip_contact_host, "2001:db8::2");
	assert_string_equal(cfg.xmpp_host, "::1");
	config_free(&cfg);

	load_ok("[sip]\ncontact_host = 192.0.2.1\noutbound_proxy =\n"
	    "[xmpp]\nhost = xmpp-1.example.net\ncomponent = a\nsecret = x\n",
	    &cfg);
	assert_string_equal(cfg.sip_contact_host, "192.0.2.1");
	assert_null(cfg.sip_outbound_proxy);
	assert_string_equal(cfg.xmpp_host, "xmpp-1.example.net");
	assert_string_equal(cfg.xmpp_component, "a");
	config_free(&cfg);

#define HOST_ERR(v) assert_load_error("[xmpp]\nhost = " v "\n", \
	"test.conf:2: bad value '" v "' for [xmpp] host: expected a host " \
	"name, an IPv4 address or an IPv6 address")
	HOST_ERR("-bad.example");
	HOST_ERR("bad-.example");
	HOST_ERR("bad..example");
	HOST_ERR("bad_name.example");
	HOST_ERR("1.2.3.256");
	HOST_ERR("[::1");
	HOST_ERR("[]");
	HOST_ERR("[example.net]");
	HOST_ERR("host:5347");
	HOST_ERR("a.example.");
#undef HOST_ERR
	assert_load_error("[xmpp]\ncomponent = SIP.example\n",
	    "test.conf:2: bad value 'SIP.example' for [xmpp] component: "
	    "expected a domain name in lowercase, such as sip.example");
	assert_load_error("[xmpp]\ncomponent = sip example\n",
	    "test.conf:2: bad value 'sip example' for [xmpp] component: "
	    "expected a domain name such as sip.example");
	assert_load_error("[xmpp]\ncomponent = user@sip.example\n",
	    "test.conf:2: bad value 'user@sip.example' for [xmpp] component: "
	    "expected a domain name such as sip.example");
	{
		/* 64-byte label: one too many (RFC 1035 §2.3.4). */
		char text[256];

		snprintf(text, sizeof(text), "[xmpp]\ncomponent = %.64s.x\n",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		assert_int_equal(load(text, &cfg, NULL), -1);
		config_free(&cfg);
		snprintf(text, sizeof(text), "[xmpp]\ncomponent = %.63s.x\n"
		    "secret = x\n",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		load_ok(text, &cfg);
		config_free(&cfg);
	}
}

/* outbound_proxy: sip:HOST[:PORT][;transport=udp|tcp|tls] or
 * sips:HOST[:PORT], and nothing else. */
static void
test_outbound_proxy(void **state)
{
	static const char *const good[] = {
		"sip:proxy.example.net",
		"sip:proxy.example.net:5060",
		"sip:192.0.2.7;transport=udp",
		"sip:[2001:db8::7]:5070;transport=tcp",
		"SIP:proxy.example.net;TRANSPORT=TCP",
		"sip:proxy.example.net;transport=tls",
		"sips:proxy.example.net:5061;transport=tcp",
		"sips:proxy.example.net",
	};
	static const char *const bad[] = {
		"proxy.example.net",
		/* RFC 3261 §26.2.2: no UDP for SIPS. */
		"sips:proxy.example.net;transport=udp",
		"sips:",
		"sip:",
		"sip:user@proxy.example.net",
		"sip:proxy.example.net:0",
		"sip:proxy.example.net:70000",
		"sip:proxy.example.net:",
		"sip:proxy.example.net;lr",
		"sip:proxy.example.net;transport=sctp",
		"sip:proxy.example.net;transport=tcp;lr",
		"sip:[2001:db8::7",
		"sip:[proxy]:5060",
		"sip:2001:db8::7",
		"sip:proxy.example.net:5060 x",
	};
	const struct config_option *o = config_option_find("sip",
	    "outbound_proxy");
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *why = NULL;

		if (config_option_set(&cfg, o, good[i], &why) != 0)
			fail_msg("%s: %s", good[i], why);
		assert_string_equal(cfg.sip_outbound_proxy, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *why = NULL;

		if (config_option_set(&cfg, o, bad[i], &why) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(why, "expected sip:HOST[:PORT][;transport="
		    "udp|tcp|tls] or sips:HOST[:PORT]");
		free(why);
		/* A refused value leaves the previous one. */
		assert_string_equal(cfg.sip_outbound_proxy,
		    good[sizeof(good) / sizeof(good[0]) - 1]);
	}
	config_free(&cfg);
}

/* [sip] dns_server: numeric ADDR[:PORT] or [IPV6]:PORT, nothing else. */
static void
test_dns_server(void **state)
{
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:5353", "::1", "[2001:db8::53]:53",
	};
	static const char *const bad[] = {
		"ns.example.net", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
		"[::1]", "[::1]:", "[127.0.0.1]:53", "127.0.0.1 x", "[::1:53",
	};
	const struct config_option *o = config_option_find("sip",
	    "dns_server");
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *why = NULL;

		if (config_option_set(&cfg, o, good[i], &why) != 0)
			fail_msg("%s: %s", good[i], why);
		assert_string_equal(cfg.sip_dns_server, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *why = NULL;

		if (config_option_set(&cfg, o, bad[i], &why) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(why,
		    "expected ADDR[:PORT] or [IPV6]:PORT, numeric");
		free(why);
	}
	config_free(&cfg);
}

/* tls: listeners with their certificate; the options' defaults. */
static void
test_tls(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[sip]\nlisten = tcp:127.0.0.1:5060 tls:127.0.0.1:5061 "
	    "tls:[::1]:5061\ntls_certificate = /etc/c.pem\n"
	    "tls_key = /etc/k.pem\ntls_verify_client = yes\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.n_listen, 3);
	assert_int_equal(cfg.listen[1].transport, CONFIG_PROTO_TLS);
	assert_int_equal(cfg.listen[2].transport, CONFIG_PROTO_TLS);
	assert_string_equal(cfg.listen[2].host, "::1");
	assert_string_equal(cfg.sip_tls_certificate, "/etc/c.pem");
	assert_string_equal(cfg.sip_tls_key, "/etc/k.pem");
	assert_null(cfg.sip_tls_ca_file);
	assert_int_equal(cfg.sip_tls_verify_client, 1);
	assert_int_equal(cfg.sip_tls_handshake_timeout_s, 10);
	assert_int_equal(cfg.sip_keepalive_s, 90);
	config_free(&cfg);
	load_ok("[sip]\nlisten = tls:127.0.0.1:5061\ntls_certificate = /c\n"
	    "tls_key = /k\noutbound_proxy = sips:proxy.example\n" XMPP_OK,
	    &cfg);
	assert_string_equal(cfg.sip_outbound_proxy, "sips:proxy.example");
	config_free(&cfg);
	/* No TLS at all: nothing to set. */
	load_ok(XMPP_OK, &cfg);
	assert_null(cfg.sip_tls_certificate);
	assert_int_equal(cfg.sip_tls_verify_client, 0);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_outbound_proxy),
		cmocka_unit_test(test_dns_server),
		cmocka_unit_test(test_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
