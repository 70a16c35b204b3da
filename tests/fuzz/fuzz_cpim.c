/*
 * cpim_parse on arbitrary bytes: it must never read outside the buffer,
 * and whatever it returns must point inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless the span lies within buf[0..len). */
static void
check_span(struct span s, const char *buf, size_t len)
{
	if (s.len == 0)
		return;
	if (s.ptr < buf || s.ptr + s.len > buf + len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpim_message m;
	const char *buf;
	char *copy;

	/* An exact-size copy, so that a read past the end is caught. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	buf = copy;
	if (cpim_parse(buf, size, &m) == 0) {
		check_span(m.from_uri, buf, size);
		check_span(m.to_uri, buf, size);
		check_span(m.subject, buf, size);
		check_span(m.subject_lang, buf, size);
		check_span(m.datetime, buf, size);
		check_span(m.content_type, buf, size);
		check_span(m.content_lang, buf, size);
		check_span(m.content_encoding, buf, size);
		check_span(m.content_transfer_encoding, buf, size);
		check_span(m.imdn_message_id, buf, size);
		check_span(m.imdn_disposition, buf, size);
		if (m.body == NULL || m.body < buf ||
		    m.body + m.body_len != buf + size)
			abort();
		if (m.imdn_message_id.len > 0 && !m.has_imdn)
			abort();
	} else if (m.body != NULL || m.has_imdn)
		abort();
	free(copy);
	return 0;
}
