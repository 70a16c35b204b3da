/*
 * Allocation-failure pass over the configuration loader (issue 11 item 5;
 * the shim and the loop are in alloc_fail.c): a full file and a refused
 * one are loaded as test_config.c loads them, with allocation n failing
 * for n = 1, 2, ... until a run completes. Each run must end in -1 (a
 * cause that speaks of memory, if any) or the right result, with no leak
 * and no crash; config_free is safe after either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "config.h"

/* Every section, strings, lists, enums: most of what the loader allocates. */
static int
sc_config_full(void)
{
	static const char text[] =
	    "[gateway]\n"
	    "log_level = debug\n"
	    "log_target = syslog\n"
	    "mapping_file = map.table\n"
	    "[sip]\n"
	    "listen = tcp:[::1]:5080\n"
	    "outbound_proxy = sip:proxy.example.net:5061;transport=tcp\n"
	    "contact_host = gw.example.net\n"
	    "[xmpp]\n"
	    "host = localhost\n"
	    "component = sip.example.org\n"
	    "secret = s3cret\n"
	    "[message]\n"
	    "xmpp_type = chat\n";
	struct config cfg;
	char *cause = NULL;
	int r;

	r = config_load_buffer("/etc/sipxmpp/sipxmppd.conf", text,
	    strlen(text), &cfg, &cause);
	if (r == 0) {
		assert_null(cause);
		assert_string_equal(cfg.mapping_file,
		    "/etc/sipxmpp/map.table");
		assert_string_equal(cfg.xmpp_secret, "s3cret");
	} else {
		assert_int_equal(r, -1);
		if (cause != NULL && strstr(cause, "memory") == NULL)
			fail_msg("refused for another reason: %s", cause);
		free(cause);
	}
	config_free(&cfg);
	return r;
}

/* A refusal: its cause is the error, or (itself failing) missing. */
static int
sc_config_refused(void)
{
	static const char text[] = "[xmpp]\ncomponent = sip.example\n";
	struct config cfg;
	char *cause = NULL;

	assert_int_equal(config_load_buffer("test.conf", text, strlen(text),
	    &cfg, &cause), -1);
	config_free(&cfg);
	if (cause == NULL)
		return -1;
	if (strstr(cause, "memory") != NULL) {
		free(cause);
		return -1;
	}
	assert_non_null(strstr(cause, "secret"));
	free(cause);
	return 0;
}

#define SCENARIO(fn)							\
static void								\
test_##fn(void **state)							\
{									\
	(void)state;							\
	alloc_fail_run(#fn, fn);					\
}
SCENARIO(sc_config_full)
SCENARIO(sc_config_refused)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_config_full),
		cmocka_unit_test(test_sc_config_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
