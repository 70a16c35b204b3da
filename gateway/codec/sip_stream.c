/*
 * SIP stream reassembly: the bytes of a TCP connection in, one message at
 * a time out.
 *
 * The stream keeps only what has not been handed out yet: the tail of the
 * last read, at most one partial message (max_len bytes). It searches that
 * message's header block for its end once, resuming where the previous
 * read stopped, then lets sip_frame_stream() read Content-Length (RFC 3261
 * §18.3: mandatory on a stream) from the complete block, once. Before, each
 * read re-scanned the block from its first byte: a 50 KB header dribbled a
 * byte at a time cost quadratic time. Keep-alive CRLFs (RFC 5626 §4.4.1)
 * are counted across reads, so a CRLFCRLF ping split over two segments
 * still gets its pong. Nothing here assumes a NUL after the bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "sip_frame.h"
#include "sip_stream.h"

#define STREAM_MIN_CAP	4096
#define STREAM_KEEP_CAP	16384	/* an empty stream keeps no more than this */

/* Starts an empty stream for messages of at most max_len bytes. */
void
sip_stream_init(struct sip_stream *s, size_t max_len)
{
	memset(s, 0, sizeof(*s));
	s->max_len = max_len;
}

/* Frees what the stream holds; it can be initialised again. */
void
sip_stream_free(struct sip_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->start = s->len = s->cap = 0;
}

/* Bytes sip_stream_feed() takes now: no partial message outgrows max_len. */
size_t
sip_stream_room(const struct sip_stream *s)
{
	if (s->failed)
		return 0;
	return s->max_len - (s->len - s->start);
}

/* Appends bytes read from the peer; -1 if more than the room, or no memory. */
int
sip_stream_feed(struct sip_stream *s, const void *data, size_t len)
{
	size_t held = s->len - s->start, cap;
	char *p;

	if (len > sip_stream_room(s))
		return -1;
	if (len == 0)
		return 0;
	if (s->start > 0) {
		/* What was handed out is gone: one partial message moves. */
		memmove(s->buf, s->buf + s->start, held);
		s->start = 0;
		s->len = held;
	}
	if (held + len > s->cap) {
		cap = s->cap * 2;
		if (cap < STREAM_MIN_CAP)
			cap = STREAM_MIN_CAP;
		if (cap < held + len)
			cap = held + len;
		if (cap > s->max_len)
			cap = s->max_len;
		if ((p = realloc(s->buf, cap)) == NULL)
			return -1;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

/* Checks the first bytes of a message look like text a SIP peer sends. */
static int
plausible(const char *p, size_t n)
{
	if (n > 8)
		n = 8;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * Hands out n bytes from the front and forgets the message's scan state;
 * the bytes stay where they are until the next feed.
 */
static void
consume(struct sip_stream *s, size_t n)
{
	s->start += n;
	s->scan = 0;
	s->msg_len = 0;
}

/* Ends the stream with a framing error: nothing can follow on it. */
static int
fail(struct sip_stream *s, int r, struct sip_stream_item *out,
    const char *hdr, size_t hdr_len)
{
	out->buf = hdr;
	out->len = hdr_len;
	s->failed = r;
	return r;
}

/*
 * Takes the next message, keep-alive or error from the stream. Returns a
 * sip_frame_result: SIP_FRAME_OK (out holds one whole message),
 * SIP_FRAME_KEEPALIVE, SIP_FRAME_NEED_MORE, or an error after which the
 * stream is dead (out holds the header block if it was complete, so the
 * caller can still answer 400/513). out stays valid until the next call to
 * sip_stream_feed() or sip_stream_free().
 */
int
sip_stream_next(struct sip_stream *s, struct sip_stream_item *out)
{
	const char *p, *end;
	size_t avail = s->len - s->start, lim, from, end_len, n = 0;
	struct sip_frame f;
	int r;

	memset(out, 0, sizeof(*out));
	if (s->failed)
		return s->failed;
	if (avail == 0) {
		s->start = s->len = 0;
		if (s->cap > STREAM_KEEP_CAP) {
			/* An idle connection should not keep a 64 KB buffer. */
			free(s->buf);
			s->buf = NULL;
			s->cap = 0;
		}
		return SIP_FRAME_NEED_MORE;
	}
	p = s->buf + s->start;
	if (s->scan == 0 && s->msg_len == 0) {
		while (n < avail && (p[n] == '\r' || p[n] == '\n'))
			n++;
		if (n > 0) {
			s->crlf_run += n;
			if (s->crlf_run >= 4) {
				out->ping = 1;
				s->crlf_run = 0;
			}
			out->buf = p;
			out->len = n;
			consume(s, n);
			return SIP_FRAME_KEEPALIVE;
		}
		s->crlf_run = 0;
	}
	if (s->msg_len == 0) {
		if (!plausible(p, avail))
			return fail(s, SIP_FRAME_GARBAGE, out, NULL, 0);
		lim = avail < s->max_len ? avail : s->max_len;
		from = s->scan > 3 ? s->scan - 3 : 0;
		end = sip_frame_header_end(p + from, lim - from, &end_len);
		if (end == NULL) {
			s->scan = lim;
			if (lim >= s->max_len)
				return fail(s, SIP_FRAME_TOO_LARGE, out, NULL,
				    0);
			return SIP_FRAME_NEED_MORE;
		}
		/* The block is complete: read its Content-Length, once. */
		r = sip_frame_stream(p, lim, s->max_len, &f);
		if (r != SIP_FRAME_OK && r != SIP_FRAME_NEED_MORE)
			return fail(s, r, out, p, f.header_len);
		s->msg_len = f.msg_len;
		s->scan = f.header_len;
	}
	if (avail < s->msg_len)
		return SIP_FRAME_NEED_MORE;
	out->buf = p;
	out->len = s->msg_len;
	consume(s, s->msg_len);
	return SIP_FRAME_OK;
}

/* 1 while part of a message (not a keep-alive) waits for its rest. */
int
sip_stream_pending(const struct sip_stream *s)
{
	return !s->failed && s->len > s->start;
}
