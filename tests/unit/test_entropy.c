/*
 * Random bytes are all the kernel's: a getrandom() that returns short
 * reads and EINTR (as it may for a signal during a large read) is asked
 * again until the buffer is full, and the token pool of sip_message.c
 * hands out those bytes, never the constant the old code put in place of
 * a short read (tags, branches and Call-IDs that repeat).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "entropy.h"
#include "sip_stack.h"

static size_t produced;		/* bytes the fake kernel has given */
static unsigned calls;

/* The fake kernel's byte number i. */
static unsigned char
pattern(size_t i)
{
	return (unsigned char)(i * 7 + 1);
}

/* Every other call EINTR; otherwise at most 5 bytes of the pattern. */
static ssize_t
stingy_source(void *buf, size_t len, unsigned int flags)
{
	unsigned char *p = buf;
	size_t n = len < 5 ? len : 5;

	(void)flags;
	if (calls++ % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(produced++);
	return (ssize_t)n;
}

/* A kernel without getrandom(). */
static ssize_t
absent_source(void *buf, size_t len, unsigned int flags)
{
	(void)buf, (void)len, (void)flags;
	errno = ENOSYS;
	return -1;
}

/* A source that returns nothing, forever. */
static ssize_t
empty_source(void *buf, size_t len, unsigned int flags)
{
	(void)buf, (void)len, (void)flags;
	return 0;
}

/*
 * The token pool (4 KiB) is filled by the first token of the process:
 * through 819 short reads and as many EINTRs its first 16 bytes are the
 * kernel's first 16, where the old code had 0x5a 0x5a ...
 */
static void
test_token_pool_short_reads(void **state)
{
	char tok[33], want[33];

	(void)state;
	produced = calls = 0;
	entropy_set_source_for_test(stingy_source);
	sip_random_token(tok, sizeof(tok));
	entropy_set_source_for_test(NULL);
	for (size_t i = 0; i < 16; i++)
		snprintf(want + 2 * i, 3, "%02x", pattern(i));
	assert_string_equal(tok, want);
	assert_int_equal(produced, 4096);
}

/* A buffer is filled to its last byte, in order. */
static void
test_fill_retries(void **state)
{
	unsigned char buf[103];

	(void)state;
	produced = calls = 0;
	entropy_set_source_for_test(stingy_source);
	assert_int_equal(entropy_fill(buf, sizeof(buf)), 0);
	entropy_set_source_for_test(NULL);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], pattern(i));
	assert_int_equal(produced, sizeof(buf));
}

/* Failures that retrying cannot mend are reported, not filled in. */
static void
test_fill_fails(void **state)
{
	unsigned char buf[16];

	(void)state;
	entropy_set_source_for_test(absent_source);
	assert_int_equal(entropy_fill(buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOSYS);
	entropy_set_source_for_test(empty_source);
	assert_int_equal(entropy_fill(buf, sizeof(buf)), -1);
	assert_int_equal(errno, EIO);
	entropy_set_source_for_test(NULL);
	assert_int_equal(entropy_fill(buf, sizeof(buf)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: it must see the pool's first refill. */
		cmocka_unit_test(test_token_pool_short_reads),
		cmocka_unit_test(test_fill_retries),
		cmocka_unit_test(test_fill_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
