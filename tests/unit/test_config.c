/*
 * Unit tests for config/: the option table, the loader's error messages
 * (exact "file:line: reason" text), the value types, and the promise that
 * the checked-in example and man page are what the table generates.
 */
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define XMPP_OK "[xmpp]\ncomponent = sip.example\nsecret = s3cret\n"

/* Loads text as the file "test.conf". */
static int
load(const char *text, struct config *cfg, char **cause)
{
	return config_load_buffer("test.conf", text, strlen(text), cfg,
	    cause);
}

/* Loads text that must be valid; fails the test with the cause if not. */
static void
load_ok(const char *text, struct config *cfg)
{
	char *cause = NULL;

	if (load(text, cfg, &cause) != 0)
		fail_msg("unexpected error: %s", cause);
	assert_null(cause);
}

/* Loads text that must fail with exactly the expected message. */
static void
assert_load_error(const char *text, const char *expected)
{
	struct config cfg;
	char *cause = NULL;

	assert_int_equal(load(text, &cfg, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, expected);
	free(cause);
	config_free(&cfg);
}

/* Reads a whole file into a NUL-terminated buffer. */
static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Output of a writer function as a string. */
static char *
capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return buf;
}

/* Writes what a generated file should contain next to the test, so a
 * failing test can be fixed with one cp. */
static void
write_expected(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* The table is well-formed: unique keys, known sections, help and an
 * argument name everywhere, defaults inside their bounds. */
static void
test_table_sane(void **state)
{
	struct config cfg;

	(void)state;
	assert_true(config_n_options >= 24);
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		int found = 0;

		for (int s = 0; config_sections[s] != NULL; s++)
			if (strcmp(config_sections[s], o->section) == 0)
				found = 1;
		assert_true(found);
		assert_non_null(o->help);
		assert_true(strlen(o->help) > 20);
		assert_non_null(o->arg);
		assert_ptr_equal(config_option_find(o->section, o->key), o);
		if (o->flags & CONFIG_REQUIRED) {
			assert_null(o->def);
			assert_non_null(o->example);
		}
		if (o->type == CONFIG_ENUM || o->type == CONFIG_FLAGS)
			assert_non_null(o->names);
		if (o->type == CONFIG_INT) {
			assert_non_null(o->def);
			assert_true(o->min <= atoll(o->def));
			assert_true(atoll(o->def) <= o->max);
		}
	}
	assert_null(config_option_find("sip", "nonexistent"));
	assert_null(config_option_find("nosuch", "listen"));

	/* Every example value parses too. */
	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		char *why = NULL;

		if (o->example != NULL &&
		    config_option_set(&cfg, o, o->example, &why) != 0)
			fail_msg("example of %s: %s", o->key, why);
	}
	config_free(&cfg);
}

/* Defaults are those of the task: RFC 3428's 1300 bytes, RFC 7572's
 * "normal" type, SIP on loopback port 5070. */
static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	config_init_defaults(&cfg);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_string_equal(cfg.log_target, "stderr");
	assert_string_equal(cfg.mapping_file, "mapping.table");
	assert_int_equal(cfg.shutdown_grace_ms, 3000);
	assert_int_equal(cfg.n_listen, 2);
	assert_int_equal(cfg.listen[0].transport, IPPROTO_UDP);
	assert_string_equal(cfg.listen[0].host, "127.0.0.1");
	assert_int_equal(cfg.listen[0].port, 5070);
	assert_int_equal(cfg.listen[1].transport, IPPROTO_TCP);
	assert_string_equal(cfg.listen[1].host, "127.0.0.1");
	assert_int_equal(cfg.listen[1].port, 5070);
	assert_null(cfg.sip_outbound_proxy);
	assert_null(cfg.sip_contact_host);
	assert_int_equal(cfg.sip_max_message_bytes, 65536);
	assert_int_equal(cfg.sip_tcp_idle_timeout_s, 300);
	assert_int_equal(cfg.sip_max_connections, 1024);
	assert_string_equal(cfg.xmpp_host, "127.0.0.1");
	assert_int_equal(cfg.xmpp_port, 5347);
	assert_null(cfg.xmpp_component);
	assert_null(cfg.xmpp_secret);
	assert_int_equal(cfg.xmpp_reconnect_min_ms, 500);
	assert_int_equal(cfg.xmpp_reconnect_max_ms, 30000);
	assert_int_equal(cfg.xmpp_max_send_queue, 10000);
	assert_int_equal(cfg.xmpp_max_stanza_bytes, 262144);
	assert_int_equal(cfg.message_error_window_ms, 5000);
	assert_int_equal(cfg.message_type, XMPP_TYPE_NORMAL);
	assert_int_equal(cfg.message_size_limit, 1300);
	assert_int_equal(cfg.message_size_policy, SIZE_LIMIT_ALWAYS);
	assert_int_equal(cfg.message_max_pending, 10000);
	assert_int_equal(cfg.message_retry_after_s, 5);
	config_free(&cfg);
	config_free(&cfg);	/* zeroed: a second free is harmless */
}

/* The smallest valid file: the two required keys; all else defaults. */
static void
test_minimal(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(XMPP_OK, &cfg);
	assert_string_equal(cfg.path, "test.conf");
	assert_string_equal(cfg.xmpp_component, "sip.example");
	assert_string_equal(cfg.xmpp_secret, "s3cret");
	assert_int_equal(cfg.xmpp_port, 5347);
	assert_int_equal(cfg.n_listen, 2);
	assert_int_equal(cfg.message_size_limit, 1300);
	config_free(&cfg);
}

/* Every key set to a non-default value lands in its field. */
static void
test_all_keys(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("# full file\n"
	    "[gateway]\n"
	    "log_level = debug\n"
	    "log_target = syslog\n"
	    "mapping_file = /etc/sipxmpp/map\n"
	    "shutdown_grace_ms = 0\n"
	    "; semicolon comment\n"
	    "[sip]\n"
	    "listen = tcp:[::1]:5080\n"
	    "outbound_proxy = sip:proxy.example.net:5061;transport=tcp\n"
	    "contact_host = gw.example.net\n"
	    "max_message_bytes = 1500\n"
	    "tcp_idle_timeout_s = 60\n"
	    "max_connections = 10\n"
	    "[xmpp]\n"
	    "host = localhost\n"
	    "port = 5348\n"
	    "component = sip.example.org\n"
	    "secret = s3cret\n"
	    "reconnect_min_ms = 100\n"
	    "reconnect_max_ms = 100\n"
	    "max_send_queue = 5\n"
	    "max_stanza_bytes = 4096\n"
	    "[message]\n"
	    "ack_timeout_ms = 30000\n"
	    "xmpp_type = chat\n"
	    "size_limit = 4000\n"
	    "size_limit_applies = udp\n"
	    "max_pending = 7\n"
	    "retry_after_s = 60\n", &cfg);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_string_equal(cfg.log_target, "syslog");
	assert_string_equal(cfg.mapping_file, "/etc/sipxmpp/map");
	assert_int_equal(cfg.shutdown_grace_ms, 0);
	assert_int_equal(cfg.n_listen, 1);
	assert_int_equal(cfg.listen[0].transport, IPPROTO_TCP);
	assert_string_equal(cfg.listen[0].host, "::1");
	assert_int_equal(cfg.listen[0].port, 5080);
	assert_string_equal(cfg.sip_outbound_proxy,
	    "sip:proxy.example.net:5061;transport=tcp");
	assert_string_equal(cfg.sip_contact_host, "gw.example.net");
	assert_int_equal(cfg.sip_max_message_bytes, 1500);
	assert_int_equal(cfg.sip_tcp_idle_timeout_s, 60);
	assert_int_equal(cfg.sip_max_connections, 10);
	assert_string_equal(cfg.xmpp_host, "localhost");
	assert_int_equal(cfg.xmpp_port, 5348);
	assert_string_equal(cfg.xmpp_component, "sip.example.org");
	assert_int_equal(cfg.xmpp_reconnect_min_ms, 100);
	assert_int_equal(cfg.xmpp_reconnect_max_ms, 100);
	assert_int_equal(cfg.xmpp_max_send_queue, 5);
	assert_int_equal(cfg.xmpp_max_stanza_bytes, 4096);
	assert_int_equal(cfg.message_error_window_ms, 30000);
	assert_int_equal(cfg.message_type, XMPP_TYPE_CHAT);
	assert_int_equal(cfg.message_size_limit, 4000);
	assert_int_equal(cfg.message_size_policy, SIZE_LIMIT_UDP);
	assert_int_equal(cfg.message_max_pending, 7);
	assert_int_equal(cfg.message_retry_after_s, 60);
	config_free(&cfg);
}

/* File structure errors, each with its line. */
static void
test_structure_errors(void **state)
{
	(void)state;
	assert_load_error("# comment\n[foo]\n",
	    "test.conf:2: unknown section [foo] "
	    "(known: gateway, sip, xmpp, message, presence)");
	assert_load_error("[ sip ]\n",
	    "test.conf:1: unknown section [ sip ] "
	    "(known: gateway, sip, xmpp, message, presence)");
	assert_load_error("[sip\nlisten = udp:127.0.0.1:1\n",
	    "test.conf:1: missing ']' in section header");
	assert_load_error("[sip] listen = udp:127.0.0.1:1\n",
	    "test.conf:1: text after section header");
	assert_load_error("\n\n[sip]\nlisten_on = udp:127.0.0.1:1\n",
	    "test.conf:4: unknown key 'listen_on' in section [sip] (known: "
	    "listen, outbound_proxy, contact_host, dns_server, t1_ms, "
	    "max_message_bytes, tcp_idle_timeout_s, max_connections, "
	    "tcp_output_limit, tcp_write_timeout_s, tcp_message_timeout_s, "
	    "udp_receive_buffer, tls_certificate, tls_key, tls_ca_file, "
	    "tls_verify_client, tls_handshake_timeout_s, keepalive_s, "
	    "options_answer, trusted_peers, source_requests_per_s, "
	    "source_request_burst, source_max_connections)");
	assert_load_error("component = sip.example\n",
	    "test.conf:1: key 'component' outside of any section");
	assert_load_error(XMPP_OK "secret = again\n",
	    "test.conf:4: duplicate key 'secret' in section [xmpp] "
	    "(first set on line 3)");
	/* A section may come back, but its keys still count once. */
	assert_load_error(XMPP_OK "[sip]\n[xmpp]\ncomponent = b.example\n",
	    "test.conf:6: duplicate key 'component' in section [xmpp] "
	    "(first set on line 2)");
	assert_load_error("[sip]\njust some words\n",
	    "test.conf:2: expected '[section]', 'key = value' or a comment");
	/* No continuation lines: an indented line is a line of its own. */
	assert_load_error("[xmpp]\nsecret = a\n  b\n",
	    "test.conf:3: expected '[section]', 'key = value' or a comment");
	assert_load_error("[sip]\nlisten\0 = x\n",
	    "test.conf:2: expected '[section]', 'key = value' or a comment");
}

/* An embedded NUL must not cut a line short unnoticed. */
static void
test_nul_byte(void **state)
{
	static const char text[] = "[xmpp]\nsecret = ab\0cd\n";
	struct config cfg;
	char *cause = NULL;

	(void)state;
	assert_int_equal(config_load_buffer("test.conf", text,
	    sizeof(text) - 1, &cfg, &cause), -1);
	assert_string_equal(cause, "test.conf:2: NUL byte in line");
	free(cause);
	config_free(&cfg);
}

/* Missing required keys name the file and the section. */
static void
test_required(void **state)
{
	(void)state;
	assert_load_error("",
	    "test.conf: no section [xmpp], which must set the required "
	    "key 'component'");
	assert_load_error("[sip]\nlisten = udp:127.0.0.1:5070\n",
	    "test.conf: no section [xmpp], which must set the required "
	    "key 'component'");
	assert_load_error("[gateway]\n\n[xmpp]\ncomponent = sip.example\n",
	    "test.conf:3: section [xmpp] lacks the required key 'secret' "
	    "(or 'secret_file')");
	assert_load_error("[xmpp]\nsecret = x\n",
	    "test.conf:1: section [xmpp] lacks the required key "
	    "'component'");
	/* Empty is not set. */
	assert_load_error("[xmpp]\ncomponent = sip.example\nsecret =\n",
	    "test.conf:1: section [xmpp] lacks the required key 'secret' "
	    "(or 'secret_file')");
}

/* Integers: decimal, bounded, no units, no junk. */
static void
test_int_errors(void **state)
{
	(void)state;
	assert_load_error("[sip]\nmax_connections = many\n",
	    "test.conf:2: bad value 'many' for [sip] max_connections: "
	    "expected an integer from 1 to 65535");
	assert_load_error("[sip]\nmax_connections = 0\n",
	    "test.conf:2: bad value '0' for [sip] max_connections: "
	    "expected an integer from 1 to 65535");
	assert_load_error("[sip]\nmax_connections = 65536\n",
	    "test.conf:2: bad value '65536' for [sip] max_connections: "
	    "expected an integer from 1 to 65535");
	assert_load_error("[sip]\nmax_connections = -1\n",
	    "test.conf:2: bad value '-1' for [sip] max_connections: "
	    "expected an integer from 1 to 65535");
	assert_load_error("[message]\nack_timeout_ms = 5000ms\n",
	    "test.conf:2: bad value '5000ms' for [message] ack_timeout_ms: "
	    "expected an integer from 100 to 30000");
	assert_load_error("[message]\nack_timeout_ms = 99\n",
	    "test.conf:2: bad value '99' for [message] ack_timeout_ms: "
	    "expected an integer from 100 to 30000");
	assert_load_error("[message]\nack_timeout_ms = +500\n",
	    "test.conf:2: bad value '+500' for [message] ack_timeout_ms: "
	    "expected an integer from 100 to 30000");
	assert_load_error("[message]\nack_timeout_ms =\n",
	    "test.conf:2: bad value '' for [message] ack_timeout_ms: "
	    "expected an integer from 100 to 30000");
	assert_load_error("[message]\nack_timeout_ms = 0x100\n",
	    "test.conf:2: bad value '0x100' for [message] ack_timeout_ms: "
	    "expected an integer from 100 to 30000");
	assert_load_error("[sip]\nmax_message_bytes = "
	    "99999999999999999999999\n",
	    "test.conf:2: bad value '99999999999999999999999' for [sip] "
	    "max_message_bytes: expected an integer from 1500 to 1048576");
	assert_load_error("[sip]\nmax_message_bytes = 1499\n",
	    "test.conf:2: bad value '1499' for [sip] max_message_bytes: "
	    "expected an integer from 1500 to 1048576");
	assert_load_error("[xmpp]\nport = 1 2\n",
	    "test.conf:2: bad value '1 2' for [xmpp] port: "
	    "expected an integer from 1 to 65535");
}

/* Enumerations list what they accept; case does not matter. */
static void
test_enum(void **state)
{
	struct config cfg;

	(void)state;
	assert_load_error("[message]\nxmpp_type = groupchat\n",
	    "test.conf:2: bad value 'groupchat' for [message] xmpp_type: "
	    "expected one of: normal, chat");
	assert_load_error("[message]\nsize_limit_applies = sometimes\n",
	    "test.conf:2: bad value 'sometimes' for [message] "
	    "size_limit_applies: expected one of: always, udp, never");
	assert_load_error("[gateway]\nlog_level = verbose\n",
	    "test.conf:2: bad value 'verbose' for [gateway] log_level: "
	    "expected one of: error, warning, info, debug");
	assert_load_error("[gateway]\nlog_target = file\n",
	    "test.conf:2: bad value 'file' for [gateway] log_target: "
	    "expected stderr or syslog");

	load_ok("[message]\nxmpp_type = Chat\nsize_limit_applies = NEVER\n"
	    "[gateway]\nlog_level = warning\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.message_type, XMPP_TYPE_CHAT);
	assert_int_equal(cfg.message_size_policy, SIZE_LIMIT_NEVER);
	assert_int_equal(cfg.log_level, LOG_WARNING);
	config_free(&cfg);

	load_ok("[gateway]\nlog_level = error\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.log_level, LOG_ERR);
	assert_string_equal(config_enum_name(config_option_find("gateway",
	    "log_level"), LOG_ERR), "error");
	assert_null(config_enum_name(config_option_find("gateway",
	    "log_level"), LOG_EMERG));
	config_free(&cfg);
}

/*
 * [gateway] trace: a comma list of category names, any case, blanks
 * around names; the OR of their bits. An unknown or empty name is an
 * error that lists the names. Default: none.
 */
static void
test_trace(void **state)
{
	const struct config_option *o = config_option_find("gateway",
	    "trace");
	struct config cfg;
	char buf[64];
	FILE *f;

	(void)state;
	assert_non_null(o);
	load_ok(XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0);
	config_free(&cfg);

	load_ok("[gateway]\ntrace = presence, SIP ,message\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0x08 | 0x01 | 0x04);
	/* Printed back as names, which load again. */
	f = tmpfile();
	assert_non_null(f);
	config_option_print(f, &cfg, o);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "sip,message,presence");
	config_free(&cfg);

	load_ok("[gateway]\ntrace = all\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0x0f);
	config_free(&cfg);
	load_ok("[gateway]\ntrace = xmpp,none\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0x02);
	config_free(&cfg);

	assert_load_error("[gateway]\ntrace = presence,fsm\n",
	    "test.conf:2: bad value 'presence,fsm' for [gateway] trace: "
	    "expected one of: none, sip, xmpp, message, presence, all");
	assert_load_error("[gateway]\ntrace = sip,,xmpp\n",
	    "test.conf:2: bad value 'sip,,xmpp' for [gateway] trace: "
	    "empty item in the list");
	assert_load_error("[gateway]\ntrace = sip,\n",
	    "test.conf:2: bad value 'sip,' for [gateway] trace: "
	    "empty item in the list");
	assert_load_error("[gateway]\ntrace =\n",
	    "test.conf:2: bad value '' for [gateway] trace: "
	    "empty item in the list");
}

/* No option is boolean today; the type is tested on its own so the next
 * one can rely on it. */
static void
test_bool(void **state)
{
	struct config cfg;
	struct config_option o = {
		.section = "sip", .key = "flag", .type = CONFIG_BOOL,
		.offset = offsetof(struct config, sip_max_connections),
		.help = "test",
	};
	static const char *const yes[] = { "yes", "true", "on", "1", "YES" };
	static const char *const no[] = { "no", "false", "off", "0", "Off" };
	char *why = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	for (size_t i = 0; i < 5; i++) {
		cfg.sip_max_connections = 7;
		assert_int_equal(config_option_set(&cfg, &o, yes[i], NULL), 0);
		assert_int_equal(cfg.sip_max_connections, 1);
		assert_int_equal(config_option_set(&cfg, &o, no[i], NULL), 0);
		assert_int_equal(cfg.sip_max_connections, 0);
	}
	cfg.sip_max_connections = 7;
	assert_int_equal(config_option_set(&cfg, &o, "maybe", &why), -1);
	assert_string_equal(why, "expected yes or no");
	assert_int_equal(cfg.sip_max_connections, 7);
	free(why);
}

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

/* Secrets are never echoed; values are taken whole (no inline
 * comments), trimmed at both ends. */
static void
test_secret_and_values(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[xmpp]\ncomponent = sip.example\n"
	    "secret =   a secret ;not a comment # either  \n", &cfg);
	assert_string_equal(cfg.xmpp_secret, "a secret ;not a comment # either");
	config_free(&cfg);

	load_ok("[xmpp]\ncomponent = sip.example\nsecret = tab\there\n", &cfg);
	assert_string_equal(cfg.xmpp_secret, "tab\there");
	config_free(&cfg);

	assert_load_error("[xmpp]\ncomponent = sip.example\n"
	    "secret = bad\x01secret\n",
	    "test.conf:3: bad value for [xmpp] secret: contains a control "
	    "character");
	assert_load_error("[xmpp]\ncomponent = sip.exa\x7fmple\n",
	    "test.conf:2: bad value 'sip.exa\x7fmple' for [xmpp] component: "
	    "contains a control character");
	/* Long values are cut in the message. */
	assert_load_error("[gateway]\nlog_target = "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567\n",
	    "test.conf:2: bad value '"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "...' for [gateway] log_target: expected stderr or syslog");
}

/* A scratch directory for files the loader reads; removed by rm_tree. */
static char *
make_dir(void)
{
	char tmpl[] = "/tmp/test_config.XXXXXX", *dir;

	assert_non_null(mkdtemp(tmpl));
	dir = strdup(tmpl);
	assert_non_null(dir);
	return dir;
}

/* Writes len bytes to dir/name with the given mode (umask aside). */
static void
put_file(const char *dir, const char *name, const char *text, size_t len,
    mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Loads text as dir/test.conf: a relative secret_file is in dir. */
static int
load_in(const char *dir, const char *text, struct config *cfg, char **cause)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/test.conf", dir);
	return config_load_buffer(path, text, strlen(text), cfg, cause);
}

/* Loads text in dir; it must fail with "dir/test.conf:" + expected, where
 * every "%s" of expected is dir. */
static void
assert_error_in(const char *dir, const char *text, const char *expected)
{
	struct config cfg;
	char *cause = NULL, want[1024], fmt[600];

	snprintf(fmt, sizeof(fmt), "%%s/test.conf:%s", expected);
	snprintf(want, sizeof(want), fmt, dir, dir, dir);
	if (load_in(dir, text, &cfg, &cause) != -1)
		fail_msg("loaded: %s", text);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	config_free(&cfg);
}

#define SECRET_FILE_CONF(name) \
	"[xmpp]\ncomponent = sip.example\nsecret_file = " name "\n"

/*
 * [xmpp] secret_file: the first line without its line end is the
 * secret; a file group or others may read or write, a missing one, a
 * directory or a FIFO (which must not hang the load), an empty, long or
 * binary first line are refused with the file's path and the reason.
 */
static void
test_secret_file(void **state)
{
	char *dir = make_dir(), path[512], big[CONFIG_MAX_LINE + 10];
	struct config cfg;
	char *cause = NULL;

	(void)state;
	put_file(dir, "s", "s3cret \n# a comment\n", 20, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("s"), &cfg, &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "s3cret ");	/* exactly */
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_string_equal(cfg.xmpp_secret_file, path);
	config_free(&cfg);

	/* CRLF, no line end at all, read-only for its owner: all fine. */
	put_file(dir, "crlf", "crlf\r\nnext\r\n", 12, 0400);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("crlf"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "crlf");
	config_free(&cfg);
	put_file(dir, "bare", "bare", 4, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("bare"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "bare");
	config_free(&cfg);

	/* Readable, or only writable, by group or others. */
	put_file(dir, "open", "x\n", 2, 0644);
	assert_error_in(dir, SECRET_FILE_CONF("open"), "3: [xmpp] secret_file "
	    "%s/open: group or others may read or write it (mode 0644): make "
	    "it 0600 or 0400");
	put_file(dir, "group", "x\n", 2, 0640);
	assert_error_in(dir, SECRET_FILE_CONF("group"), "3: [xmpp] "
	    "secret_file %s/group: group or others may read or write it "
	    "(mode 0640): make it 0600 or 0400");
	put_file(dir, "gw", "x\n", 2, 0620);
	assert_error_in(dir, SECRET_FILE_CONF("gw"), "3: [xmpp] secret_file "
	    "%s/gw: group or others may read or write it (mode 0620): make "
	    "it 0600 or 0400");

	assert_error_in(dir, SECRET_FILE_CONF("none"), "3: [xmpp] "
	    "secret_file %s/none: cannot open: No such file or directory");
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_error_in(dir, SECRET_FILE_CONF("d"), "3: [xmpp] secret_file "
	    "%s/d: not a regular file");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_error_in(dir, SECRET_FILE_CONF("fifo"), "3: [xmpp] "
	    "secret_file %s/fifo: not a regular file");

	put_file(dir, "empty", "", 0, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("empty"), "3: [xmpp] "
	    "secret_file %s/empty: the first line is empty");
	put_file(dir, "nl", "\nsecond\n", 8, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("nl"), "3: [xmpp] "
	    "secret_file %s/nl: the first line is empty");
	put_file(dir, "ctl", "a\x01" "b\n", 4, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("ctl"), "3: [xmpp] "
	    "secret_file %s/ctl: first line: contains a control character");
	put_file(dir, "nul", "a\0b\n", 4, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("nul"), "3: [xmpp] "
	    "secret_file %s/nul: NUL byte in the first line");
	/* A NUL after the first line is not the secret's business. */
	put_file(dir, "nul2", "ab\n\0\n", 5, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("nul2"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "ab");
	config_free(&cfg);

	/* CONFIG_MAX_LINE bytes fit, one more does not. */
	memset(big, 'k', sizeof(big));
	big[CONFIG_MAX_LINE] = '\n';
	put_file(dir, "max", big, CONFIG_MAX_LINE + 1, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("max"), &cfg, &cause),
	    0);
	assert_int_equal(strlen(cfg.xmpp_secret), CONFIG_MAX_LINE);
	config_free(&cfg);
	big[CONFIG_MAX_LINE] = 'k';
	big[CONFIG_MAX_LINE + 1] = '\n';
	put_file(dir, "long", big, sizeof(big), 0600);
	assert_error_in(dir, SECRET_FILE_CONF("long"), "3: [xmpp] "
	    "secret_file %s/long: first line too long (more than 4096 "
	    "bytes)");
	memset(big, 'k', sizeof(big));		/* and no line end at all */
	put_file(dir, "long", big, sizeof(big), 0600);
	assert_error_in(dir, SECRET_FILE_CONF("long"), "3: [xmpp] "
	    "secret_file %s/long: first line too long (more than 4096 "
	    "bytes)");

	/* One of the two, not both; an empty value is no value. */
	assert_error_in(dir, "[xmpp]\nsecret_file = s\ncomponent = a\n"
	    "secret = x\n", "4: [xmpp] secret and secret_file are both set: "
	    "keep one");
	assert_int_equal(load_in(dir, "[xmpp]\nsecret_file = s\n"
	    "component = a\nsecret =\n", &cfg, &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "s3cret ");
	config_free(&cfg);
	assert_error_in(dir, "[xmpp]\ncomponent = a\nsecret_file =\n",
	    "1: section [xmpp] lacks the required key 'secret' (or "
	    "'secret_file')");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(dir);
}

/*
 * The warning about the secret in a configuration file every user may
 * read: only when the secret is there, and only for others' read bit.
 */
static void
test_secret_exposed(void **state)
{
	char *dir = make_dir(), path[512];
	struct config cfg;
	unsigned mode = 0;
	char *cause = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/test.conf", dir);
	put_file(dir, "test.conf", XMPP_OK, strlen(XMPP_OK), 0644);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 1);
	assert_int_equal(mode, 0644);
	config_free(&cfg);

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 0);
	config_free(&cfg);

	/* The secret in its own file: the config may be read by all. */
	put_file(dir, "s", "x\n", 2, 0600);
	put_file(dir, "test.conf", SECRET_FILE_CONF("s"),
	    strlen(SECRET_FILE_CONF("s")), 0644);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 0);
	config_free(&cfg);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(dir);
}

/* [sip] options_answer: link (the default) or always. */
static void
test_options_answer(void **state)
{
	struct config cfg;

	(void)state;
	load_ok(XMPP_OK, &cfg);
	assert_int_equal(cfg.sip_options_answer, OPTIONS_ANSWER_LINK);
	config_free(&cfg);
	load_ok("[sip]\noptions_answer = always\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.sip_options_answer, OPTIONS_ANSWER_ALWAYS);
	config_free(&cfg);
	assert_load_error("[sip]\noptions_answer = never\n" XMPP_OK,
	    "test.conf:2: bad value 'never' for [sip] options_answer: "
	    "expected one of: link, always");
}

/* Lines up to CONFIG_MAX_LINE bytes are read whole (a 1000-byte secret
 * survives Debian's 200-byte inih); longer ones are refused with their
 * number, never split into two lines. */
static void
test_long_lines(void **state)
{
	struct config cfg;
	char *text, *cause = NULL;
	size_t prefix = strlen("secret = ");
	size_t size = CONFIG_MAX_LINE * 2 + 256, n;

	(void)state;
	text = malloc(size);
	assert_non_null(text);

	/* 1000-byte secret, then an error to check the line count. */
	n = (size_t)snprintf(text, size, "[xmpp]\ncomponent = sip.example\n"
	    "secret = ");
	memset(text + n, 'k', 1000);
	snprintf(text + n + 1000, size - n - 1000, "\n");
	load_ok(text, &cfg);
	assert_int_equal(strlen(cfg.xmpp_secret), 1000);
	assert_int_equal(strspn(cfg.xmpp_secret, "k"), 1000);
	config_free(&cfg);
	snprintf(text + n + 1000, size - n - 1000, "\nport = x\n");
	assert_int_equal(load(text, &cfg, &cause), -1);
	assert_string_equal(cause, "test.conf:4: bad value 'x' for [xmpp] "
	    "port: expected an integer from 1 to 65535");
	free(cause);
	config_free(&cfg);

	/* Exactly CONFIG_MAX_LINE bytes, with CRLF: accepted. */
	n = (size_t)snprintf(text, size, "[xmpp]\r\ncomponent = sip.example"
	    "\r\nsecret = ");
	memset(text + n, 's', CONFIG_MAX_LINE - prefix);
	snprintf(text + n + CONFIG_MAX_LINE - prefix,
	    size - n - CONFIG_MAX_LINE + prefix, "\r\n");
	load_ok(text, &cfg);
	assert_int_equal(strlen(cfg.xmpp_secret), CONFIG_MAX_LINE - prefix);
	config_free(&cfg);

	/* One more: refused, whatever the rest of the line would say. */
	n = (size_t)snprintf(text, size, "[xmpp]\ncomponent = sip.example\n"
	    "secret = ");
	memset(text + n, 's', CONFIG_MAX_LINE - prefix + 1);
	snprintf(text + n + CONFIG_MAX_LINE - prefix + 1,
	    size - n - CONFIG_MAX_LINE + prefix - 1, "\n");
	assert_int_equal(load(text, &cfg, &cause), -1);
	assert_string_equal(cause,
	    "test.conf:3: line too long (more than 4096 bytes)");
	free(cause);
	config_free(&cfg);

	/* A long comment counts too; so does a last line without newline.
	 * The tail of an over-long line must not be read as a key. */
	n = (size_t)snprintf(text, size, XMPP_OK "#");
	memset(text + n, ' ', CONFIG_MAX_LINE);
	snprintf(text + n + CONFIG_MAX_LINE, size - n - CONFIG_MAX_LINE,
	    "port = 1");
	assert_int_equal(load(text, &cfg, &cause), -1);
	assert_string_equal(cause,
	    "test.conf:4: line too long (more than 4096 bytes)");
	free(cause);
	config_free(&cfg);
	free(text);
}

/* A BOM, CRLF endings and a last line without newline are all fine. */
static void
test_file_encodings(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("\xef\xbb\xbf[xmpp]\r\ncomponent = sip.example\r\n"
	    "secret = x", &cfg);
	assert_string_equal(cfg.xmpp_component, "sip.example");
	assert_string_equal(cfg.xmpp_secret, "x");
	config_free(&cfg);
	assert_load_error("\xef\xbb\xbf[foo]\n",
	    "test.conf:1: unknown section [foo] "
	    "(known: gateway, sip, xmpp, message, presence)");
}

/* Keys that depend on each other. */
static void
test_cross_checks(void **state)
{
	(void)state;
	assert_load_error("[xmpp]\nreconnect_max_ms = 400\n"
	    "component = a\nsecret = b\n",
	    "test.conf:2: [xmpp] reconnect_max_ms (400) is smaller than "
	    "reconnect_min_ms (500)");
	assert_load_error("[xmpp]\nreconnect_max_ms = 1000\n"
	    "component = a\nreconnect_min_ms = 2000\nsecret = b\n",
	    "test.conf:4: [xmpp] reconnect_max_ms (1000) is smaller than "
	    "reconnect_min_ms (2000)");
	/* A min above the default max, alone, is the same mistake. */
	assert_load_error("[xmpp]\ncomponent = a\nsecret = b\n"
	    "reconnect_min_ms = 60000\n",
	    "test.conf:4: [xmpp] reconnect_max_ms (30000) is smaller than "
	    "reconnect_min_ms (60000)");
	assert_load_error("[xmpp]\ncomponent = a\nsecret = b\n"
	    "[presence]\nmin_expires = 600\nmax_expires = 300\n",
	    "test.conf:6: [presence] max_expires (300) is smaller than "
	    "min_expires (600)");
	/* A tls: listener needs a certificate and its key. */
	assert_load_error("[sip]\nlisten = tls:127.0.0.1:5061\n" XMPP_OK,
	    "test.conf:2: [sip] listen has a tls: address but no "
	    "tls_certificate and tls_key are set");
	assert_load_error("[sip]\ntls_certificate = /c.pem\n" XMPP_OK,
	    "test.conf:2: [sip] tls_certificate is set but tls_key is not");
	assert_load_error("[sip]\ntls_key = /k.pem\n" XMPP_OK,
	    "test.conf:2: [sip] tls_key is set but tls_certificate is not");
	assert_load_error("[sip]\noutbound_proxy = sips:proxy.example\n"
	    XMPP_OK, "test.conf:2: [sip] outbound_proxy is reached over TLS "
	    "but listen has no tls: address");
	assert_load_error("[sip]\n\noutbound_proxy = sip:p.example;"
	    "transport=TLS\n" XMPP_OK, "test.conf:3: [sip] outbound_proxy is "
	    "reached over TLS but listen has no tls: address");
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

/* mapping_file is relative to the config file's directory, and made
 * absolute so that the daemon may chdir. */
static void
test_mapping_path(void **state)
{
	static const char text[] = XMPP_OK;
	struct config cfg;
	char *cwd, expect[PATH_MAX + 64];

	(void)state;
	assert_int_equal(config_load_buffer("/etc/sipxmpp/sipxmppd.conf", text,
	    strlen(text), &cfg, NULL), 0);
	assert_string_equal(cfg.mapping_file, "/etc/sipxmpp/mapping.table");
	config_free(&cfg);

	assert_int_equal(config_load_buffer("/sipxmppd.conf", text,
	    strlen(text), &cfg, NULL), 0);
	assert_string_equal(cfg.mapping_file, "/mapping.table");
	config_free(&cfg);

	cwd = getcwd(NULL, 0);
	assert_non_null(cwd);
	assert_int_equal(config_load_buffer("etc/x.conf", text, strlen(text),
	    &cfg, NULL), 0);
	snprintf(expect, sizeof(expect), "%s/etc/mapping.table", cwd);
	assert_string_equal(cfg.mapping_file, expect);
	config_free(&cfg);
	assert_int_equal(config_load_buffer("x.conf", text, strlen(text),
	    &cfg, NULL), 0);
	snprintf(expect, sizeof(expect), "%s/mapping.table", cwd);
	assert_string_equal(cfg.mapping_file, expect);
	config_free(&cfg);
	free(cwd);

	load_ok("[gateway]\nmapping_file = tables/map.table\n" XMPP_OK, &cfg);
	assert_non_null(strstr(cfg.mapping_file, "/tables/map.table"));
	assert_int_equal(cfg.mapping_file[0], '/');
	config_free(&cfg);

	assert_int_equal(config_load_buffer("/etc/x/y.conf",
	    "[gateway]\nmapping_file = /srv/map\n" XMPP_OK,
	    strlen("[gateway]\nmapping_file = /srv/map\n" XMPP_OK), &cfg,
	    NULL), 0);
	assert_string_equal(cfg.mapping_file, "/srv/map");
	config_free(&cfg);

	assert_load_error("[gateway]\nmapping_file =\n",
	    "test.conf:2: bad value '' for [gateway] mapping_file: must not "
	    "be empty");
}

/* The file-reading side: missing files, oversized files. */
static void
test_load_file_errors(void **state)
{
	struct config cfg;
	char *cause = NULL, *big;

	(void)state;
	assert_int_equal(config_load("/nonexistent/sipxmppd.conf", &cfg,
	    &cause), -1);
	assert_string_equal(cause,
	    "/nonexistent/sipxmppd.conf: No such file or directory");
	free(cause);
	config_free(&cfg);

	big = calloc(1, CONFIG_MAX_FILE + 2);
	assert_non_null(big);
	memset(big, '\n', CONFIG_MAX_FILE + 1);
	assert_int_equal(config_load_buffer("big.conf", big,
	    CONFIG_MAX_FILE + 1, &cfg, &cause), -1);
	assert_string_equal(cause,
	    "big.conf: file too large (more than 1048576 bytes)");
	free(cause);
	config_free(&cfg);
	free(big);

	/* Errors without a cause pointer are still errors. */
	assert_int_equal(load("[nope]\n", &cfg, NULL), -1);
	config_free(&cfg);
}

/* The checked-in example loads, and describes the loopback deployment. */
static void
test_example_loads(void **state)
{
	struct config cfg;
	char *cause = NULL;

	(void)state;
	if (config_load(SIPXMPP_SOURCE_DIR "/config/sipxmppd.conf", &cfg,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.xmpp_component, "sip.example");
	assert_string_equal(cfg.xmpp_secret, "changeme");
	assert_string_equal(cfg.xmpp_host, "127.0.0.1");
	assert_int_equal(cfg.xmpp_port, 5347);
	assert_int_equal(cfg.n_listen, 2);
	assert_string_equal(cfg.listen[0].host, "127.0.0.1");
	assert_int_equal(cfg.listen[0].port, 5070);
	assert_string_equal(cfg.mapping_file,
	    SIPXMPP_SOURCE_DIR "/config/mapping.table");
	assert_int_equal(cfg.message_size_limit, 1300);
	config_free(&cfg);
}

/* The checked-in example is exactly what the table generates. */
static void
test_example_is_generated(void **state)
{
	char *want = capture(config_write_example);
	char *have = read_all(SIPXMPP_SOURCE_DIR "/config/sipxmppd.conf",
	    NULL);

	(void)state;
	if (strcmp(want, have) != 0) {
		write_expected("sipxmppd.conf.expected", want);
		fail_msg("config/sipxmppd.conf is stale; the generated one is "
		    "in sipxmppd.conf.expected of the test's directory");
	}
	/* And it documents every option. */
	for (size_t i = 0; i < config_n_options; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "\n%s%s =",
		    config_options[i].example != NULL ? "" : "#",
		    config_options[i].key);
		assert_non_null(strstr(have, needle));
	}
	free(want);
	free(have);
}

/* The man page's option list is exactly what the table generates. */
static void
test_man_is_generated(void **state)
{
	static const char begin[] = ".\\\" BEGIN OPTIONS";
	static const char end[] = ".\\\" END OPTIONS";
	char *want = capture(config_write_man_options);
	char *page = read_all(SIPXMPP_SOURCE_DIR "/man/sipxmppd.conf.5",
	    NULL);
	char *b, *e;

	(void)state;
	b = strstr(page, begin);
	assert_non_null(b);
	b = strchr(b, '\n');
	assert_non_null(b);
	b++;
	e = strstr(b, end);
	assert_non_null(e);
	if ((size_t)(e - b) != strlen(want) ||
	    strncmp(b, want, (size_t)(e - b)) != 0) {
		FILE *f = fopen("sipxmppd.conf.5.expected", "w");

		if (f != NULL) {
			fwrite(page, 1, (size_t)(b - page), f);
			fputs(want, f);
			fputs(e, f);
			fclose(f);
		}
		fail_msg("man/sipxmppd.conf.5 is stale; the generated one is "
		    "in sipxmppd.conf.5.expected of the test's directory");
	}
	for (size_t i = 0; i < config_n_options; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), ".It Ic %s No =",
		    config_options[i].key);
		assert_non_null(strstr(page, needle));
	}
	free(want);
	free(page);
}

/* What --check-config prints can be read back, secrets masked. */
static void
test_effective_round_trip(void **state)
{
	struct config a, b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	load_ok("[gateway]\nlog_level = debug\n"
	    "[sip]\nlisten = udp:[::1]:5071,tcp:192.0.2.1:5072\n"
	    "outbound_proxy = sip:p.example;transport=tcp\n"
	    "[xmpp]\ncomponent = sip.example\nsecret = hunter2\n"
	    "reconnect_max_ms = 600\n"
	    "[message]\nxmpp_type = chat\nsize_limit_applies = never\n", &a);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_write_effective(f, &a);
	fclose(f);
	assert_null(strstr(buf, "hunter2"));
	assert_non_null(strstr(buf, "secret = ********\n"));
	assert_non_null(strstr(buf,
	    "listen = udp:[::1]:5071 tcp:192.0.2.1:5072\n"));
	assert_non_null(strstr(buf, "contact_host =\n"));
	assert_non_null(strstr(buf, "log_level = debug\n"));

	assert_int_equal(config_load_buffer("/etc/x/test.conf", buf, len, &b,
	    NULL), 0);
	assert_string_equal(b.xmpp_secret, "********");
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		char *x = NULL, *y = NULL;
		size_t xl, yl;
		FILE *fx = open_memstream(&x, &xl), *fy = open_memstream(&y,
		    &yl);

		config_option_print(fx, &a, o);
		config_option_print(fy, &b, o);
		fclose(fx);
		fclose(fy);
		if (!(o->flags & CONFIG_SECRET))
			assert_string_equal(x, y);
		free(x);
		free(y);
	}
	free(buf);
	config_free(&a);
	config_free(&b);
}

/* A failed load leaves *cfg freeable, whatever it had set (ASan checks
 * the leaks), and refused values do not half-apply. */
static void
test_error_leaves_freeable(void **state)
{
	struct config cfg;
	char *cause = NULL;

	(void)state;
	assert_int_equal(load("[sip]\noutbound_proxy = sip:a.example\n"
	    "listen = udp:127.0.0.1:1\ncontact_host = h.example\n"
	    "[xmpp]\ncomponent = sip.example\nsecret = s\nhost = nope!\n",
	    &cfg, &cause), -1);
	assert_string_equal(cfg.sip_outbound_proxy, "sip:a.example");
	assert_int_equal(cfg.n_listen, 1);
	assert_string_equal(cfg.xmpp_host, "127.0.0.1");
	free(cause);
	config_free(&cfg);

	assert_int_equal(load("[sip]\nlisten = udp:127.0.0.1:1 udp:x:2\n",
	    &cfg, NULL), -1);
	assert_int_equal(cfg.n_listen, 2);	/* defaults kept */
	assert_int_equal(cfg.listen[0].port, 5070);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_int_errors),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_outbound_proxy),
		cmocka_unit_test(test_dns_server),
		cmocka_unit_test(test_secret_and_values),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_file_encodings),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_mapping_path),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_example_is_generated),
		cmocka_unit_test(test_man_is_generated),
		cmocka_unit_test(test_effective_round_trip),
		cmocka_unit_test(test_error_leaves_freeable),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_secret_exposed),
		cmocka_unit_test(test_options_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
