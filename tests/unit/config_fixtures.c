/*
 * The loading helpers the configuration tests share: text loaded as the
 * file "test.conf", so that every error message starts "test.conf:".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_fixtures.h"

/* Loads text as the file "test.conf". */
int
load(const char *text, struct config *cfg, char **cause)
{
	return config_load_buffer("test.conf", text, strlen(text), cfg,
	    cause);
}

/* Loads text that must be valid; fails the test with the cause if not. */
void
load_ok(const char *text, struct config *cfg)
{
	char *cause = NULL;

	if (load(text, cfg, &cause) != 0)
		fail_msg("unexpected error: %s", cause);
	assert_null(cause);
}

/* Loads text that must fail with exactly the expected message. */
void
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
