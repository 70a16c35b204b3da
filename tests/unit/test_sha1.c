/*
 * SHA-1 against the FIPS 180 examples (NIST's "SHA1.pdf" example
 * values): "abc" (one block), the 448-bit message that needs a second
 * block for its length, the empty message, and a million 'a' (many
 * blocks); plus every length across the one/two padding-block border.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha1.h"

/* The digest of len bytes at data, in lowercase hex. */
static void
hex_of(const void *data, size_t len, char out[2 * SHA1_LEN + 1])
{
	unsigned char md[SHA1_LEN];
	int i;

	sha1(data, len, md);
	for (i = 0; i < SHA1_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* FIPS 180 example digests. */
static void
test_fips_examples(void **state)
{
	char hex[2 * SHA1_LEN + 1];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million;

	(void)state;
	hex_of("abc", 3, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	hex_of(two, strlen(two), hex);
	assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	hex_of("", 0, hex);
	assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
}

/*
 * 55 bytes is the most one padding block holds, 56 the first that needs
 * two, 64 a whole block and then one of padding alone (digests of n 'a'
 * from Python's hashlib and openssl sha1).
 */
static void
test_padding_border(void **state)
{
	char hex[2 * SHA1_LEN + 1], a[64];

	(void)state;
	memset(a, 'a', sizeof(a));
	hex_of(a, 55, hex);
	assert_string_equal(hex, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	hex_of(a, 56, hex);
	assert_string_equal(hex, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
	hex_of(a, 64, hex);
	assert_string_equal(hex, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_examples),
		cmocka_unit_test(test_padding_border),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
