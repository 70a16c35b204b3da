/*
 * deflate_inflate on arbitrary bytes: never a crash, never more than the
 * bound appended, the buffer as it was on every refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deflate.h"
#include "strbuf.h"

#define BOUND	8192	/* as IMDN_BODY_MAX, the bound the gateway uses */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb;
	int r;

	strbuf_init(&sb);
	strbuf_appends(&sb, "x");
	r = deflate_inflate((const char *)data, size, BOUND, &sb);
	if (r == DEFLATE_OK && sb.len > 1 + BOUND)
		abort();
	if (r != DEFLATE_OK && !sb.failed && (sb.len != 1 || sb.buf[0] != 'x'))
		abort();
	strbuf_free(&sb);
	return 0;
}
