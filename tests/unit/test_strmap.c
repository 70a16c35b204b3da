/*
 * The intrusive string hash behind the presence indexes: find, insert,
 * remove, growth, and a walk that removes as it goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

#define N 10000

struct item {
	struct strmap_node node;	/* first: a node is its item */
	char key[16];
	int seen;
};

/* Many keys force several doublings; each is found, and only once. */
static void
test_insert_find_grow(void **state)
{
	struct strmap m;
	struct item *items = calloc(N, sizeof(*items));
	size_t walked = 0;

	(void)state;
	assert_non_null(items);
	strmap_init(&m);
	assert_null(strmap_find(&m, "nothing"));
	assert_null(strmap_next(&m, NULL));
	for (int i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "k%d", i);
		assert_int_equal(strmap_insert(&m, &items[i].node,
		    items[i].key), 0);
	}
	assert_int_equal(m.n, N);
	for (int i = 0; i < N; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		assert_ptr_equal(strmap_find(&m, key), &items[i].node);
	}
	assert_null(strmap_find(&m, "k10000"));
	for (struct strmap_node *n = strmap_next(&m, NULL); n != NULL;
	    n = strmap_next(&m, n)) {
		((struct item *)n)->seen++;
		walked++;
	}
	assert_int_equal(walked, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(items[i].seen, 1);
	strmap_free(&m);
	free(items);
}

/* A walk may remove the node it holds once it has the next one. */
static void
test_remove_while_walking(void **state)
{
	struct strmap m;
	struct item *items = calloc(N, sizeof(*items));
	struct strmap_node *n, *next;

	(void)state;
	assert_non_null(items);
	strmap_init(&m);
	for (int i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "%d", i);
		assert_int_equal(strmap_insert(&m, &items[i].node,
		    items[i].key), 0);
	}
	for (n = strmap_next(&m, NULL); n != NULL; n = next) {
		next = strmap_next(&m, n);
		if (atoi(((struct item *)n)->key) % 2 == 0)
			strmap_remove(&m, n);
	}
	assert_int_equal(m.n, N / 2);
	assert_null(strmap_find(&m, "0"));
	assert_non_null(strmap_find(&m, "1"));
	/* Removing a node that is not in the map changes nothing. */
	strmap_remove(&m, &items[0].node);
	assert_int_equal(m.n, N / 2);
	strmap_free(&m);
	free(items);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_grow),
		cmocka_unit_test(test_remove_while_walking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
