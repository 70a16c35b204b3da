/*
 * SIP framing on arbitrary bytes, both as a stream (fed in two pieces, as
 * TCP may deliver it) and as a datagram; results must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t max = 4096, off = 0;
	struct sip_frame f;
	int r;

	r = sip_frame_datagram(buf, size, max, &f);
	if (r == SIP_FRAME_OK && (f.msg_len > size ||
	    f.header_len + f.body_len != f.msg_len))
		abort();
	/* Consume the input as a stream, message by message. */
	while (off < size) {
		r = sip_frame_stream(buf + off, size - off, max, &f);
		if (r == SIP_FRAME_OK || r == SIP_FRAME_KEEPALIVE) {
			if (f.msg_len == 0 || f.msg_len > size - off)
				abort();
			off += f.msg_len;
			continue;
		}
		if (r == SIP_FRAME_NEED_MORE && size - off >= max)
			abort();
		break;
	}
	return 0;
}
