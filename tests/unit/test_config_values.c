/*
 * Unit tests for config/: the value types of the option table, each
 * with its exact error message: integers, enumerations, the [gateway]
 * trace list of flags, booleans, and [sip] options_answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixtures.h"

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
	assert_int_equal(cfg.trace, 0x1f);
	config_free(&cfg);
	load_ok("[gateway]\ntrace = room\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0x10);
	config_free(&cfg);
	load_ok("[gateway]\ntrace = xmpp,none\n" XMPP_OK, &cfg);
	assert_int_equal(cfg.trace, 0x02);
	config_free(&cfg);

	assert_load_error("[gateway]\ntrace = presence,fsm\n",
	    "test.conf:2: bad value 'presence,fsm' for [gateway] trace: "
	    "expected one of: none, sip, xmpp, message, presence, room, all");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_errors),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_options_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
