/*
 * The trace category names of sipxmppd -T (log.c) and of [gateway] trace
 * (config_options.c) are two tables, because the config library does not
 * link the logger: each name must mean the same bits in both, so that
 * "-T presence" and "trace = presence" switch on the same lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

/* The option's value for name; -1 if it has none. */
static int
option_value(const struct config_option *o, const char *name)
{
	for (const struct config_enum_name *e = o->names; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e->value;
	return -1;
}

/* Every -T name is an option name with the same bits, and back. */
static void
test_tables_agree(void **state)
{
	const struct config_option *o = config_option_find("gateway",
	    "trace");
	size_t n_log = 0, n_opt = 0;

	(void)state;
	assert_non_null(o);
	assert_int_equal(o->type, CONFIG_FLAGS);
	for (const struct log_trace_name *t = log_trace_names;
	    t->name != NULL; t++, n_log++)
		if (option_value(o, t->name) != (int)t->mask)
			fail_msg("%s: %d in the option, %u for -T", t->name,
			    option_value(o, t->name), t->mask);
	for (const struct config_enum_name *e = o->names; e->name != NULL;
	    e++)
		n_opt += strcmp(e->name, "none") != 0;
	assert_int_equal(n_log, n_opt);	/* "none" is the option's only extra */
	assert_int_equal(option_value(o, "none"), 0);
	assert_int_equal(option_value(o, "all"), TRACE_ALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
