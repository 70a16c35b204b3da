/*
 * Allocation-failure pass over the configuration loader (issue 11 item 5;
 * the shim and the loop are in alloc_fail.c): a full file and a refused
 * one are loaded as the config tests load them (config_fixtures.c), with
 * allocation n failing for n = 1, 2, ... until a run completes. Each run must end in -1 (a
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
#include <unistd.h>

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

#define MINIMAL "[xmpp]\ncomponent = sip.example\nsecret = s3cret\n" \
    "[gateway]\nmapping_file = map.table\n"

static char file_path[64];	/* a config file longer than a read */

/* A relative config path: paths resolve against the working directory. */
static int
sc_config_relative(void)
{
	struct config cfg;
	char *cause = NULL;
	const char *suffix = "/etc/sipxmpp/map.table";
	size_t n;
	int r;

	r = config_load_buffer("etc/sipxmpp/sipxmppd.conf", MINIMAL,
	    strlen(MINIMAL), &cfg, &cause);
	if (r == 0) {
		n = strlen(cfg.mapping_file);
		assert_true(cfg.mapping_file[0] == '/' && n > strlen(suffix));
		assert_string_equal(cfg.mapping_file + n - strlen(suffix),
		    suffix);
	} else {
		if (cause != NULL && strstr(cause, "memory") == NULL)
			fail_msg("refused for another reason: %s", cause);
		free(cause);
	}
	config_free(&cfg);
	return r;
}

/* config_load: the file is read in growing slices. */
static int
sc_config_file(void)
{
	struct config cfg;
	char *cause = NULL;
	int r;

	r = config_load(file_path, &cfg, &cause);
	if (r == 0)
		assert_string_equal(cfg.xmpp_secret, "s3cret");
	else {
		if (cause != NULL && strstr(cause, "memory") == NULL)
			fail_msg("refused for another reason: %s", cause);
		free(cause);
	}
	config_free(&cfg);
	return r;
}

/* Writes the config file of sc_config_file: 20 KB of comments first. */
static int
setup(void **state)
{
	FILE *f;
	int fd, i;

	(void)state;
	snprintf(file_path, sizeof(file_path), "/tmp/alloc-failure-XXXXXX");
	if ((fd = mkstemp(file_path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	for (i = 0; i < 400; i++)
		fprintf(f, "# comment line %d, to make the file long\n", i);
	fputs(MINIMAL, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Removes that file. */
static int
teardown(void **state)
{
	(void)state;
	unlink(file_path);
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
SCENARIO(sc_config_relative)
SCENARIO(sc_config_file)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_config_full),
		cmocka_unit_test(test_sc_config_refused),
		cmocka_unit_test(test_sc_config_relative),
		cmocka_unit_test(test_sc_config_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
