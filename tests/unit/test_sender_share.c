/*
 * Per-sender shares of max_pending (sender_share.c): a sender at its
 * share is refused while others are not, a released slot lets it in
 * again, 0 means no limit, entries go with their last slot, and many
 * distinct senders each get a share of their own. Run under valgrind, a
 * missed free shows as a leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sender_share.h"

#define MANY 5000

/* Takes a slot for the NUL-terminated key; the result of the take. */
static int
take(struct sender_shares *s, const char *key, struct sender_share **out)
{
	return sender_share_take(s, key, strlen(key), out);
}

/* Whether the shares hold no entry at all. */
static int
is_empty(const struct sender_shares *s)
{
	return strmap_next(&s->map, NULL) == NULL;
}

/* A sender at its share is refused; another sender is not. */
static void
test_full_refused_others_not(void **state)
{
	struct sender_shares s;
	struct sender_share *a[3], *b, *x;

	(void)state;
	sender_shares_init(&s, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(take(&s, "sip:alice@example.com", &a[i]),
		    SENDER_SHARE_OK);
		assert_non_null(a[i]);
		assert_int_equal(sender_share_count(a[i]), (size_t)i + 1);
	}
	/* All three slots are one entry. */
	assert_ptr_equal(a[0], a[2]);
	x = (struct sender_share *)0x1;
	assert_int_equal(take(&s, "sip:alice@example.com", &x),
	    SENDER_SHARE_FULL);
	assert_null(x);
	assert_int_equal(sender_share_count(a[0]), 3);
	assert_int_equal(take(&s, "sip:bob@example.com", &b), SENDER_SHARE_OK);
	assert_non_null(b);
	assert_ptr_not_equal(b, a[0]);
	assert_int_equal(sender_share_count(b), 1);
	for (int i = 0; i < 3; i++)
		sender_share_put(&s, a[i]);
	sender_share_put(&s, b);
	assert_true(is_empty(&s));
	sender_shares_free(&s);
}

/* Giving a slot back lets the sender in again, up to its share. */
static void
test_release_lets_in(void **state)
{
	struct sender_shares s;
	struct sender_share *a, *a2, *again;

	(void)state;
	sender_shares_init(&s, 2);
	assert_int_equal(take(&s, "a@x", &a), SENDER_SHARE_OK);
	assert_int_equal(take(&s, "a@x", &a2), SENDER_SHARE_OK);
	assert_int_equal(take(&s, "a@x", &again), SENDER_SHARE_FULL);
	sender_share_put(&s, a2);
	assert_int_equal(sender_share_count(a), 1);
	assert_int_equal(take(&s, "a@x", &again), SENDER_SHARE_OK);
	assert_ptr_equal(again, a);
	assert_int_equal(take(&s, "a@x", &a2), SENDER_SHARE_FULL);
	sender_share_put(&s, again);
	sender_share_put(&s, a);
	assert_true(is_empty(&s));
	/* Its entry went with the last slot; a new one starts at 1. */
	assert_int_equal(take(&s, "a@x", &a), SENDER_SHARE_OK);
	assert_int_equal(sender_share_count(a), 1);
	sender_share_put(&s, a);
	assert_true(is_empty(&s));
	sender_shares_free(&s);
}

/* A share of 0 is no limit: nothing counted, nothing kept. */
static void
test_zero_is_off(void **state)
{
	struct sender_shares s;
	struct sender_share *sh;

	(void)state;
	sender_shares_init(&s, 0);
	for (int i = 0; i < 1000; i++) {
		sh = (struct sender_share *)0x1;
		assert_int_equal(take(&s, "flood@x", &sh), SENDER_SHARE_OK);
		assert_null(sh);
		assert_int_equal(sender_share_count(sh), 0);
	}
	assert_true(is_empty(&s));
	sender_share_put(&s, NULL);	/* what the callers give back then */
	sender_shares_free(&s);
}

/*
 * The key is the len bytes given (a bare JID out of a full one), ASCII
 * case folded: resources and case do not make a sender someone else.
 */
static void
test_key_bytes_and_case(void **state)
{
	struct sender_shares s;
	struct sender_share *a, *b, *c;
	const char *full = "Alice@Example.COM/phone";

	(void)state;
	sender_shares_init(&s, 2);
	assert_int_equal(sender_share_take(&s, full,
	    strchr(full, '/') - full, &a), SENDER_SHARE_OK);
	assert_int_equal(take(&s, "alice@example.com", &b), SENDER_SHARE_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(take(&s, "ALICE@EXAMPLE.COM", &c), SENDER_SHARE_FULL);
	assert_int_equal(take(&s, "alice@example.com/", &c), SENDER_SHARE_OK);
	assert_ptr_not_equal(c, a);
	sender_share_put(&s, a);
	sender_share_put(&s, b);
	sender_share_put(&s, c);
	assert_true(is_empty(&s));
	sender_shares_free(&s);
}

/* A key longer than the stack buffer takes the heap path, same rules. */
static void
test_long_key(void **state)
{
	struct sender_shares s;
	struct sender_share *a, *b, *c;
	char key[1001];

	(void)state;
	memset(key, 'K', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	sender_shares_init(&s, 2);
	assert_int_equal(take(&s, key, &a), SENDER_SHARE_OK);
	key[500] = 'k';		/* folded: the same sender */
	assert_int_equal(take(&s, key, &b), SENDER_SHARE_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(take(&s, key, &c), SENDER_SHARE_FULL);
	sender_share_put(&s, a);
	sender_share_put(&s, b);
	assert_true(is_empty(&s));
	sender_shares_free(&s);
}

/*
 * Many distinct senders each hold their own full share at once; each is
 * refused one more; all entries go when all slots come back.
 */
static void
test_many_senders(void **state)
{
	struct sender_shares s;
	struct sender_share **held, *x;
	char key[32];
	size_t n = 0;

	(void)state;
	held = calloc(MANY * 2, sizeof(*held));
	assert_non_null(held);
	sender_shares_init(&s, 2);
	for (int i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "sip:user%d@example.com", i);
		assert_int_equal(take(&s, key, &held[n]), SENDER_SHARE_OK);
		n++;
		assert_int_equal(take(&s, key, &held[n]), SENDER_SHARE_OK);
		n++;
		assert_int_equal(take(&s, key, &x), SENDER_SHARE_FULL);
	}
	for (int i = 0; i < MANY; i++)
		assert_int_equal(sender_share_count(held[2 * i]), 2);
	/* Give back in another order than taken. */
	for (size_t i = 0; i < n; i += 2)
		sender_share_put(&s, held[i]);
	assert_false(is_empty(&s));
	for (size_t i = n; i > 1; i -= 2)
		sender_share_put(&s, held[i - 1]);
	assert_true(is_empty(&s));
	sender_shares_free(&s);
	free(held);
}

/* Entries still held when the shares go are freed with them. */
static void
test_free_with_entries(void **state)
{
	struct sender_shares s;
	struct sender_share *sh;
	char key[32];

	(void)state;
	sender_shares_init(&s, 4);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "u%d@x", i);
		assert_int_equal(take(&s, key, &sh), SENDER_SHARE_OK);
	}
	sender_shares_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_refused_others_not),
		cmocka_unit_test(test_release_lets_in),
		cmocka_unit_test(test_zero_is_off),
		cmocka_unit_test(test_key_bytes_and_case),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_many_senders),
		cmocka_unit_test(test_free_with_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
