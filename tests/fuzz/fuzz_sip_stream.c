/*
 * SIP stream reassembly (sip_stream.c) as TCP and TLS drive it (one reader
 * for both, sip_tcp.c): the input is cut
 * into reads at points the fuzzer chooses, fed read by read, and every
 * message handed out must be framed exactly: the very bytes at that
 * offset of the stream, framed the same by the one-shot sip_frame_stream()
 * given everything at once. Reads are copied to buffers of their exact
 * size, so nothing may count on a NUL after them.
 *
 * Input: byte 0 picks the message limit (bits 6-7) and how many read
 * lengths follow (bits 0-3, each byte one length), then the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_frame.h"
#include "sip_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t limits[] = { 1500, 4096, 16384, 65536 };

/* Checks one item against the stream at offset off; returns its length. */
static size_t
check_item(int r, const struct sip_stream_item *it, const char *all,
    size_t total, size_t off, size_t max)
{
	struct sip_frame f;

	if (it->len > total - off || (it->len > 0 &&
	    memcmp(it->buf, all + off, it->len) != 0))
		abort();
	if (r == SIP_FRAME_KEEPALIVE) {
		if (it->len == 0)
			abort();
		for (size_t i = 0; i < it->len; i++)
			if (all[off + i] != '\r' && all[off + i] != '\n')
				abort();
	}
	if (r == SIP_FRAME_OK) {
		if (it->len == 0 || it->len > max)
			abort();
		/* Framed alike with everything in one piece ... */
		if (sip_frame_stream(all + off, total - off, max, &f) !=
		    SIP_FRAME_OK || f.msg_len != it->len)
			abort();
		/* ... and alone: nothing beyond the message was needed. */
		if (sip_frame_stream(it->buf, it->len, max, &f) !=
		    SIP_FRAME_OK || f.msg_len != it->len)
			abort();
	}
	return it->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_stream s;
	struct sip_stream_item it;
	size_t nlen, max, total, fed = 0, off = 0, k = 0;
	const uint8_t *lens;
	const char *all;
	int r = SIP_FRAME_NEED_MORE;

	if (size < 1)
		return 0;
	max = limits[data[0] >> 6];
	nlen = data[0] & 0x0f;
	if (size < 1 + nlen)
		return 0;
	lens = data + 1;
	all = (const char *)data + 1 + nlen;
	total = size - 1 - nlen;
	sip_stream_init(&s, max);
	while (fed < total) {
		size_t want = nlen > 0 ? (size_t)lens[k++ % nlen] * 4 + 1 :
		    total, room = sip_stream_room(&s);
		char *copy;

		if (want > total - fed)
			want = total - fed;
		if (want > room)
			want = room;
		if (want == 0)
			break;		/* the stream ended on an error */
		if ((copy = malloc(want)) == NULL)
			abort();
		memcpy(copy, all + fed, want);
		if (sip_stream_feed(&s, copy, want) != 0)
			abort();
		free(copy);
		fed += want;
		while ((r = sip_stream_next(&s, &it)) == SIP_FRAME_OK ||
		    r == SIP_FRAME_KEEPALIVE)
			off += check_item(r, &it, all, total, off, max);
		if (r != SIP_FRAME_NEED_MORE) {
			(void)check_item(r, &it, all, total, off, max);
			break;
		}
		/* Waiting for more: what waits fits under the limit. */
		if (fed - off >= max || sip_stream_pending(&s) != (fed > off))
			abort();
	}
	sip_stream_free(&s);
	return 0;
}
