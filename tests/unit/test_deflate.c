/*
 * Content-Encoding: deflate (deflate.c): zlib and raw streams inflate,
 * the bound holds (a bomb of zeros is refused at max bytes, exactly max
 * passes), and truncated, trailing or garbage input is refused with the
 * buffer as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "deflate.h"
#include "strbuf.h"

/* Compresses in with window bits wbits (15 zlib, -15 raw) into out. */
static size_t
squeeze(const char *in, size_t len, int wbits, unsigned char *out,
    size_t size)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)size;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return size - z.avail_out;
}

static const char doc[] = "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"
    "<message-id>34jk324j</message-id><delivery-notification><status>"
    "<delivered/></status></delivery-notification></imdn>";

/* zlib (RFC 1950) and raw (RFC 1951) both come back whole. */
static void
test_round_trip(void **state)
{
	unsigned char z[512];
	struct strbuf sb;
	size_t n;

	(void)state;
	strbuf_init(&sb);
	n = squeeze(doc, strlen(doc), 15, z, sizeof(z));
	assert_int_equal(deflate_inflate((char *)z, n, 8192, &sb), DEFLATE_OK);
	assert_int_equal(sb.len, strlen(doc));
	assert_memory_equal(sb.buf, doc, sb.len);
	strbuf_reset(&sb);
	n = squeeze(doc, strlen(doc), -15, z, sizeof(z));
	assert_int_equal(deflate_inflate((char *)z, n, 8192, &sb), DEFLATE_OK);
	assert_memory_equal(sb.buf, doc, strlen(doc));
	/* Exactly the bound passes. */
	strbuf_reset(&sb);
	assert_int_equal(deflate_inflate((char *)z, n, strlen(doc), &sb),
	    DEFLATE_OK);
	strbuf_free(&sb);
}

/* 8 MiB of zeros in ~8 KiB: refused at the bound, nothing kept. */
static void
test_bomb(void **state)
{
	size_t big = 8u << 20, n;
	char *zeros = calloc(1, big);
	unsigned char *z = malloc(big / 100);
	struct strbuf sb;

	(void)state;
	assert_non_null(zeros);
	assert_non_null(z);
	n = squeeze(zeros, big, 15, z, big / 100);
	assert_true(n < 16384);
	strbuf_init(&sb);
	strbuf_appends(&sb, "kept");
	assert_int_equal(deflate_inflate((char *)z, n, 65536, &sb),
	    DEFLATE_TOO_LARGE);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "kept");
	/* One byte under the real size is still too large. */
	n = squeeze(doc, strlen(doc), 15, z, big / 100);
	assert_int_equal(deflate_inflate((char *)z, n, strlen(doc) - 1, &sb),
	    DEFLATE_TOO_LARGE);
	assert_string_equal(sb.buf, "kept");
	strbuf_free(&sb);
	free(zeros);
	free(z);
}

/* Cut short, trailing bytes, garbage, empty: DEFLATE_BAD. */
static void
test_bad(void **state)
{
	unsigned char z[512], t[600];
	struct strbuf sb;
	size_t n;

	(void)state;
	strbuf_init(&sb);
	n = squeeze(doc, strlen(doc), 15, z, sizeof(z));
	assert_int_equal(deflate_inflate((char *)z, n - 6, 8192, &sb),
	    DEFLATE_BAD);
	assert_int_equal(sb.len, 0);
	memcpy(t, z, n);
	memcpy(t + n, "junk", 4);
	assert_int_equal(deflate_inflate((char *)t, n + 4, 8192, &sb),
	    DEFLATE_BAD);
	assert_int_equal(deflate_inflate(doc, strlen(doc), 8192, &sb),
	    DEFLATE_BAD);
	assert_int_equal(deflate_inflate("", 0, 8192, &sb), DEFLATE_BAD);
	assert_int_equal(sb.len, 0);
	assert_string_equal(deflate_result_name(DEFLATE_TOO_LARGE),
	    "inflates past the bound");
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
