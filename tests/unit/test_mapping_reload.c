/*
 * SIGHUP reloads of the mapping table on a real event loop: the new
 * table is built over many turns while translations keep using the old
 * one, goes live whole, is refused whole when one line is bad, and a
 * second SIGHUP during a reload starts it over from the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "mapping.h"
#include "mapping_reload.h"

/* Large enough that a reload cannot finish in one turn's 2 ms slice. */
#define BIG	100000

struct fixture {
	struct gateway	 gw;
	struct config	 cfg;
	char		 path[64];
	struct mapping_reload *reload;
};

/* Writes a table of n user rules sip:PREFIXi@sip.example <->
 * PREFIXi@xmpp.example, with an extra line at the end (or none). */
static void
write_table(const char *path, const char *prefix, size_t n,
    const char *last)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	fprintf(f, "domain other.example other.example\n");
	for (i = 0; i < n; i++)
		fprintf(f, "user sip:%s%zu@sip.example %s%zu@xmpp.example\n",
		    prefix, i, prefix, i);
	if (last != NULL)
		fprintf(f, "%s\n", last);
	assert_int_equal(fclose(f), 0);
}

/* Asserts that uri maps to jid through the table in use. */
static void
expect_map(const struct gateway *gw, const char *uri, const char *jid)
{
	char *out = NULL;

	assert_int_equal(map_sip_to_xmpp(gw->map, uri, &out, NULL), MAP_OK);
	assert_string_equal(out, jid);
	free(out);
}

/* Asserts that uri maps to nothing through the table in use. */
static void
expect_no_map(const struct gateway *gw, const char *uri)
{
	char *out = NULL;

	assert_int_equal(map_sip_to_xmpp(gw->map, uri, &out, NULL),
	    MAP_NO_RULE);
}

/* A gateway with a loop and the table of 10 "old" users in use. */
static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *cause = NULL;
	int fd;

	assert_non_null(fx);
	strcpy(fx->path, "/tmp/sipxmpp-reload-XXXXXX");
	assert_true((fd = mkstemp(fx->path)) != -1);
	close(fd);
	write_table(fx->path, "old", 10, NULL);
	fx->cfg.mapping_file = fx->path;
	fx->gw.cfg = &fx->cfg;
	assert_non_null(fx->gw.base = event_base_new());
	assert_int_equal(map_table_load(fx->path, &fx->gw.map, &cause), 0);
	assert_non_null(fx->reload = mapping_reload_new(&fx->gw));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	mapping_reload_free(fx->reload);
	map_table_free(fx->gw.map);
	event_base_free(fx->gw.base);
	unlink(fx->path);
	free(fx);
	return 0;
}

/* Runs the loop until the reload is over; returns the number of turns.
 * Between turns, where messages are handled, the table in use must be
 * the old one until the reload is over. */
static int
run_reload(struct fixture *fx, const struct map_table *old)
{
	int turns = 0;

	while (mapping_reload_running(fx->reload)) {
		assert_ptr_equal(fx->gw.map, old);
		expect_map(&fx->gw, "sip:old3@sip.example",
		    "old3@xmpp.example");
		assert_int_not_equal(event_base_loop(fx->gw.base,
		    EVLOOP_ONCE), -1);
		assert_true(++turns < 100000);
	}
	return turns;
}

/* A big table goes live whole, after many turns of the loop. */
static void
test_reload_in_turns(void **state)
{
	struct fixture *fx = *state;
	const struct map_table *old = fx->gw.map;

	write_table(fx->path, "new", BIG, NULL);
	mapping_reload_start(fx->reload);
	assert_true(mapping_reload_running(fx->reload));
	assert_true(run_reload(fx, old) > 1);
	assert_ptr_not_equal(fx->gw.map, old);
	assert_int_equal(map_table_size(fx->gw.map), BIG + 1);
	expect_map(&fx->gw, "sip:new0@sip.example", "new0@xmpp.example");
	expect_map(&fx->gw, "sip:new99999@sip.example",
	    "new99999@xmpp.example");
	expect_no_map(&fx->gw, "sip:old3@sip.example");
}

/* One bad line, the very last, and the whole new table is refused. */
static void
test_reload_refused(void **state)
{
	struct fixture *fx = *state;
	const struct map_table *old = fx->gw.map;

	write_table(fx->path, "new", BIG, "user sip:x@sip.example new7@"
	    "xmpp.example");
	mapping_reload_start(fx->reload);
	assert_true(run_reload(fx, old) > 1);
	assert_ptr_equal(fx->gw.map, old);
	expect_map(&fx->gw, "sip:old3@sip.example", "old3@xmpp.example");
	expect_no_map(&fx->gw, "sip:new0@sip.example");

	/* A file that cannot be read is refused at once. */
	unlink(fx->path);
	mapping_reload_start(fx->reload);
	assert_false(mapping_reload_running(fx->reload));
	assert_ptr_equal(fx->gw.map, old);
}

/* SIGHUP during a reload: the file as of the second signal goes live,
 * and the one of the first never does. */
static void
test_sighup_during_reload(void **state)
{
	struct fixture *fx = *state;
	const struct map_table *old = fx->gw.map;
	int i;

	write_table(fx->path, "first", BIG, NULL);
	mapping_reload_start(fx->reload);
	for (i = 0; i < 3; i++) {
		assert_int_not_equal(event_base_loop(fx->gw.base,
		    EVLOOP_ONCE), -1);
		assert_ptr_equal(fx->gw.map, old);
	}
	assert_true(mapping_reload_running(fx->reload));
	write_table(fx->path, "second", 20, NULL);
	mapping_reload_start(fx->reload);
	run_reload(fx, old);
	assert_int_equal(map_table_size(fx->gw.map), 21);
	expect_map(&fx->gw, "sip:second19@sip.example",
	    "second19@xmpp.example");
	expect_no_map(&fx->gw, "sip:first0@sip.example");
}

/* Freeing the reloader in the middle of a reload (shutdown) leaves the
 * table in use alone. */
static void
test_free_during_reload(void **state)
{
	struct fixture *fx = *state;
	const struct map_table *old = fx->gw.map;

	write_table(fx->path, "new", BIG, NULL);
	mapping_reload_start(fx->reload);
	assert_int_not_equal(event_base_loop(fx->gw.base, EVLOOP_ONCE),
	    -1);
	mapping_reload_free(fx->reload);
	fx->reload = NULL;
	assert_ptr_equal(fx->gw.map, old);
	expect_map(&fx->gw, "sip:old3@sip.example", "old3@xmpp.example");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reload_in_turns, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sighup_during_reload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_during_reload, setup,
		    teardown),
	};

	log_init(1, getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_CRIT,
	    "test_mapping_reload");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
