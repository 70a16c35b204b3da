/*
 * Inflating a deflate-encoded body, bounded. The output grows in the
 * caller's strbuf by at most max bytes: the stream is stopped as soon as
 * it would yield one byte more (a "zip bomb" costs us max bytes, never
 * more), and a stream that ends early, carries trailing bytes or fails
 * its check is refused. RFC 9110 §8.4.1.2 says "deflate" is the zlib
 * format; a body that does not start with a zlib header is tried as raw
 * deflate, which some implementations send under the same name.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "deflate.h"
#include "strbuf.h"

#define CHUNK	4096

/* Runs one inflate over in with window bits wbits; a DEFLATE_* result. */
static int
run(const char *in, size_t len, size_t max, struct strbuf *out, int wbits)
{
	z_stream z;
	char buf[CHUNK];
	size_t start = out->len, total = 0;
	int zr, rc = DEFLATE_BAD;

	if (len > UINT_MAX)
		return DEFLATE_TOO_LARGE;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return DEFLATE_NOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	for (;;) {
		size_t got;

		z.next_out = (Bytef *)buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = zr == Z_MEM_ERROR ? DEFLATE_NOMEM : DEFLATE_BAD;
			goto out;
		}
		got = sizeof(buf) - z.avail_out;
		if (got > max - total) {
			rc = DEFLATE_TOO_LARGE;
			goto out;
		}
		total += got;
		strbuf_append(out, buf, got);
		if (out->failed) {
			rc = DEFLATE_NOMEM;
			goto out;
		}
		if (zr == Z_STREAM_END)
			break;
		/* No progress and no more input: the stream is cut short. */
		if (got == 0 && z.avail_in == 0)
			goto out;
	}
	/* Bytes after the end of the stream are not part of any body. */
	rc = z.avail_in == 0 ? DEFLATE_OK : DEFLATE_BAD;
out:
	inflateEnd(&z);
	if (rc != DEFLATE_OK && !out->failed) {
		out->len = start;
		if (out->buf != NULL)
			out->buf[start] = '\0';
	}
	return rc;
}

/*
 * Appends the inflation of in[0..len) to out, at most max bytes; a
 * DEFLATE_* result, out as it was unless DEFLATE_OK (or out failed).
 */
int
deflate_inflate(const char *in, size_t len, size_t max, struct strbuf *out)
{
	int r;

	if (out->failed)
		return DEFLATE_NOMEM;
	if (in == NULL || len == 0)
		return DEFLATE_BAD;
	/* RFC 1950 §2.2: CM 8 in the low nibble, CMF·FLG a multiple of 31. */
	if (len >= 2 && ((unsigned char)in[0] & 0x0f) == 8 &&
	    (((unsigned char)in[0] << 8) | (unsigned char)in[1]) % 31 == 0)
		r = run(in, len, max, out, MAX_WBITS);
	else
		r = DEFLATE_BAD;
	if (r == DEFLATE_BAD)
		r = run(in, len, max, out, -MAX_WBITS);
	return r;
}

/* A word for logs. */
const char *
deflate_result_name(int r)
{
	switch (r) {
	case DEFLATE_OK:
		return "ok";
	case DEFLATE_TOO_LARGE:
		return "inflates past the bound";
	case DEFLATE_NOMEM:
		return "out of memory";
	default:
		return "not a deflate stream";
	}
}
