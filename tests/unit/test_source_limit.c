/*
 * Per-source limits (gateway/base/source_limit.c): the token bucket's
 * arithmetic (a burst, then one request per 1/rate s, Retry-After until
 * the next token), connection counts, the bound on the table and its
 * sweep, and a clock that goes back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "source_limit.h"

/* A burst of 5, then 10 a second: the 6th waits 100 ms for its token. */
static void
bucket_burst_then_rate(void **state)
{
	struct source_limits *sl = source_limits_new(10, 5, 0, 16);
	unsigned retry;

	(void)state;
	assert_non_null(sl);
	for (int i = 0; i < 5; i++)
		assert_int_equal(source_limits_request(sl, "192.0.2.1", 0,
		    &retry), SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "192.0.2.1", 0, &retry),
	    SOURCE_OVER_RATE);
	assert_int_equal(retry, 1);
	/* Another source has its own bucket. */
	assert_int_equal(source_limits_request(sl, "192.0.2.2", 0, &retry),
	    SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "192.0.2.1", 99, &retry),
	    SOURCE_OVER_RATE);
	assert_int_equal(source_limits_request(sl, "192.0.2.1", 100, &retry),
	    SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "192.0.2.1", 100, &retry),
	    SOURCE_OVER_RATE);
	/* A long pause fills the bucket to its burst, not beyond. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(source_limits_request(sl, "192.0.2.1",
		    86400000LL * 365, &retry), SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "192.0.2.1",
	    86400000LL * 365, &retry), SOURCE_OVER_RATE);
	source_limits_free(sl);
}

/* At 1 request a second, an empty bucket says to come back in 1 s. */
static void
retry_after_rounds_up(void **state)
{
	struct source_limits *sl = source_limits_new(1, 1, 0, 16);
	unsigned retry;

	(void)state;
	assert_int_equal(source_limits_request(sl, "s", 0, &retry), SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "s", 1, &retry),
	    SOURCE_OVER_RATE);
	assert_int_equal(retry, 1);
	assert_int_equal(source_limits_request(sl, "s", 999, &retry),
	    SOURCE_OVER_RATE);
	assert_int_equal(source_limits_request(sl, "s", 1000, &retry),
	    SOURCE_OK);
	source_limits_free(sl);
}

/* A clock that steps back refills nothing and breaks nothing. */
static void
clock_going_back(void **state)
{
	struct source_limits *sl = source_limits_new(10, 1, 0, 16);
	unsigned retry;

	(void)state;
	assert_int_equal(source_limits_request(sl, "s", 5000, &retry),
	    SOURCE_OK);
	assert_int_equal(source_limits_request(sl, "s", 1000, &retry),
	    SOURCE_OVER_RATE);
	assert_int_equal(source_limits_request(sl, "s", 1100, &retry),
	    SOURCE_OK);
	source_limits_free(sl);
}

/* Connections per source: the n+1th is refused until one closes. */
static void
connections_counted(void **state)
{
	struct source_limits *sl = source_limits_new(0, 0, 2, 16);
	unsigned retry;

	(void)state;
	assert_int_equal(source_limits_connect(sl, "a", 0), SOURCE_OK);
	assert_int_equal(source_limits_connect(sl, "a", 0), SOURCE_OK);
	assert_int_equal(source_limits_connect(sl, "a", 0),
	    SOURCE_OVER_CONNECTIONS);
	assert_int_equal(source_limits_connect(sl, "b", 0), SOURCE_OK);
	source_limits_disconnect(sl, "a");
	assert_int_equal(source_limits_connect(sl, "a", 0), SOURCE_OK);
	/* No rate set: requests are never tracked nor refused. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(source_limits_request(sl, "a", 0, &retry),
		    SOURCE_OK);
	/* A disconnect of what was never counted changes nothing. */
	source_limits_disconnect(sl, "nobody");
	assert_int_equal(source_limits_count(sl), 2);
	source_limits_free(sl);
}

/*
 * The table holds max_sources; idle ones are swept to make room; when
 * all are live, a new source is refused, an old one still served.
 */
static void
table_bounded(void **state)
{
	struct source_limits *sl = source_limits_new(10, 2, 1, 4);
	unsigned retry;
	char key[32];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "10.0.0.%d", i);
		assert_int_equal(source_limits_connect(sl, key, 0), SOURCE_OK);
	}
	assert_int_equal(source_limits_count(sl), 4);
	assert_int_equal(source_limits_request(sl, "10.0.0.9", 0, &retry),
	    SOURCE_TABLE_FULL);
	assert_int_equal(retry, 1);
	assert_int_equal(source_limits_request(sl, "10.0.0.1", 0, &retry),
	    SOURCE_OK);
	/* Two close; their buckets refill: the sweep makes room. */
	source_limits_disconnect(sl, "10.0.0.0");
	source_limits_disconnect(sl, "10.0.0.1");
	assert_int_equal(source_limits_request(sl, "10.0.0.9", 50, &retry),
	    SOURCE_OK);	/* 10.0.0.0 was idle: swept */
	assert_int_equal(source_limits_count(sl), 4);
	/* 10.0.0.1 spent a token at 0: full again only at 100 ms. */
	assert_int_equal(source_limits_sweep(sl, 99), 0);
	assert_int_equal(source_limits_sweep(sl, 100), 1);
	assert_int_equal(source_limits_count(sl), 3);
	source_limits_free(sl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_burst_then_rate),
		cmocka_unit_test(retry_after_rounds_up),
		cmocka_unit_test(clock_going_back),
		cmocka_unit_test(connections_counted),
		cmocka_unit_test(table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
