/*
 * Unit tests for config/: the option table, the defaults, and the loader
 * itself: the file's structure and its error messages (exact
 * "file:line: reason" text), required keys, line and file limits,
 * encodings, keys that depend on each other, the mapping file's path.
 * The values of each type are in test_config_values.c and
 * test_config_addr.c, the secret in test_config_secret.c, what the table
 * generates in test_config_generated.c; config_fixtures.c loads for all.
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
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixtures.h"

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
	    "(known: gateway, sip, xmpp, message, receipts, presence, rooms, typing)");
	assert_load_error("[ sip ]\n",
	    "test.conf:1: unknown section [ sip ] "
	    "(known: gateway, sip, xmpp, message, receipts, presence, rooms, typing)");
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
	    "(known: gateway, sip, xmpp, message, receipts, presence, rooms, typing)");
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
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_file_encodings),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_mapping_path),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_error_leaves_freeable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
