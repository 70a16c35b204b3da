/*
 * The receipts' memory (receipt_table.c): found by key, bounded (the
 * oldest forgotten first when full, so a flood of requests cannot grow
 * it), expiring after [receipts] track_s, off with max_tracked = 0, and
 * bare-JID comparison for who may acknowledge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "receipt_table.h"

/* Adds an entry under key; asserts the result r. */
static void
add(struct receipt_table *rt, const char *key, int r)
{
	struct receipt_new t = {
		.key = key, .ref = "ref", .sip_peer = "sip:romeo@s",
		.sip_self = "sip:juliet@x", .jid_self = "romeo@gw",
		.jid_peer = "juliet@x/balcony", .want = 5,
		.datetime = "2026-12-08T01:00:00Z",
	};

	assert_int_equal(receipt_table_add(rt, &t), r);
}

/* Bounded: the fourth of three forgets the first. */
static void
test_bound(void **state)
{
	struct config cfg;
	struct receipt_table *rt;
	struct receipt_entry *e;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.receipts_max_tracked = 3;
	cfg.receipts_track_s = 3600;
	assert_non_null(rt = receipt_table_new(&cfg));
	assert_true(receipt_table_on(rt));
	add(rt, "a", 0);
	add(rt, "b", 0);
	add(rt, "c", 0);
	add(rt, "d", 0);
	assert_int_equal(rt->n, 3);
	assert_null(receipt_table_find(rt, "a"));
	assert_non_null(e = receipt_table_find(rt, "d"));
	assert_string_equal(e->jid_peer, "juliet@x/balcony");
	assert_int_equal(e->want, 5);
	receipt_entry_free(rt, e);
	assert_null(receipt_table_find(rt, "d"));
	assert_int_equal(rt->n, 2);
	for (int i = 0; i < 1000; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		add(rt, k, 0);
	}
	assert_int_equal(rt->n, 3);
	assert_non_null(receipt_table_find(rt, "k999"));
	assert_null(receipt_table_find(rt, "k996"));
	receipt_table_free(rt);
}

/* Off with max_tracked = 0; entries expire after track_s. */
static void
test_off_and_expiry(void **state)
{
	struct config cfg;
	struct receipt_table *rt;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.receipts_track_s = 1;
	assert_non_null(rt = receipt_table_new(&cfg));
	assert_false(receipt_table_on(rt));
	add(rt, "a", -1);
	receipt_table_free(rt);
	cfg.receipts_max_tracked = 10;
	assert_non_null(rt = receipt_table_new(&cfg));
	add(rt, "a", 0);
	assert_non_null(receipt_table_find(rt, "a"));
	sleep(2);
	assert_null(receipt_table_find(rt, "a"));
	assert_int_equal(rt->n, 0);
	receipt_table_free(rt);
	assert_false(receipt_table_on(NULL));
	assert_null(receipt_table_find(NULL, "a"));
}

/* Who may acknowledge: bare JIDs, resource and case aside. */
static void
test_same_bare(void **state)
{
	(void)state;
	assert_true(receipt_same_bare("juliet@x/balcony", "juliet@x"));
	assert_true(receipt_same_bare("Juliet@X/a", "juliet@x/b"));
	assert_false(receipt_same_bare("juliet@x", "juliet@xy"));
	assert_false(receipt_same_bare("nurse@x/balcony", "juliet@x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_off_and_expiry),
		cmocka_unit_test(test_same_bare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
