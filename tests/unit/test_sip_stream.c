/*
 * SIP stream reassembly (sip_stream.c): bytes in as TCP delivers them,
 * whole messages out, exactly framed (RFC 3261 §18.3), keep-alive pings
 * answered even when split (RFC 5626 §4.4.1), and the header block
 * scanned once however it is dribbled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip_frame.h"
#include "sip_stream.h"

#define HDRS "MESSAGE sip:juliet@xmpp.test SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\n" \
	"From: <sip:romeo@sip.test>;tag=1\r\nTo: <sip:juliet@xmpp.test>\r\n" \
	"Call-ID: a@b\r\nCSeq: 1 MESSAGE\r\n"
#define ONE HDRS "Content-Length: 5\r\n\r\nhello"
#define TWO HDRS "l: 3\n\nbye"

/* Feeds bytes from a heap copy of exactly their size: no NUL after them. */
static void
feed(struct sip_stream *s, const char *p, size_t n)
{
	char *copy = malloc(n > 0 ? n : 1);

	assert_non_null(copy);
	memcpy(copy, p, n);
	assert_int_equal(sip_stream_feed(s, copy, n), 0);
	free(copy);
}

/* Expects one whole message equal to want. */
static void
expect_message(struct sip_stream *s, const char *want)
{
	struct sip_stream_item it;

	assert_int_equal(sip_stream_next(s, &it), SIP_FRAME_OK);
	assert_int_equal(it.len, strlen(want));
	assert_memory_equal(it.buf, want, it.len);
}

/* Two messages and a ping in one read come out one by one, exactly. */
static void
one_read_holds_several_messages(void **state)
{
	const char *wire = ONE "\r\n\r\n" TWO;
	struct sip_stream s;
	struct sip_stream_item it;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, wire, strlen(wire));
	expect_message(&s, ONE);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_KEEPALIVE);
	assert_int_equal(it.len, 4);
	assert_true(it.ping);
	expect_message(&s, TWO);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	assert_false(sip_stream_pending(&s));
	sip_stream_free(&s);
}

/* Cut at every byte, two pipelined messages still come out whole. */
static void
every_split_point(void **state)
{
	const char *wire = ONE TWO;
	size_t len = strlen(wire);

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct sip_stream s;
		struct sip_stream_item it;
		int got = 0, r;

		sip_stream_init(&s, 65536);
		feed(&s, wire, cut);
		while ((r = sip_stream_next(&s, &it)) == SIP_FRAME_OK)
			got++;
		assert_int_equal(r, SIP_FRAME_NEED_MORE);
		feed(&s, wire + cut, len - cut);
		while ((r = sip_stream_next(&s, &it)) == SIP_FRAME_OK)
			got++;
		assert_int_equal(r, SIP_FRAME_NEED_MORE);
		assert_int_equal(got, 2);
		sip_stream_free(&s);
	}
}

/*
 * A 50 KB header dribbled a byte at a time: the stream remembers how far
 * it searched, so each byte is looked at a bounded number of times (the
 * search resumes 3 bytes back, where a CRLFCRLF may have begun).
 */
static void
dribbled_header_is_scanned_once(void **state)
{
	struct sip_stream s;
	struct sip_stream_item it;
	char line[64];
	size_t n = 0;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, HDRS, strlen(HDRS));
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	while (n < 50000) {
		int k = snprintf(line, sizeof(line), "X-Pad-%zu: y\r\n", n);

		for (int i = 0; i < k; i++) {
			feed(&s, line + i, 1);
			assert_int_equal(sip_stream_next(&s, &it),
			    SIP_FRAME_NEED_MORE);
			/* Resumes from here, not from the first byte. */
			assert_int_equal(s.scan, s.len - s.start);
		}
		n += (size_t)k;
	}
	assert_true(sip_stream_pending(&s));
	feed(&s, "Content-Length: 0\r\n\r", 20);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	feed(&s, "\n", 1);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_OK);
	assert_true(it.len > 50000);
	assert_memory_equal(it.buf + it.len - 4, "\r\n\r\n", 4);
	assert_false(sip_stream_pending(&s));
	/* An idle stream gives its large buffer back. */
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	assert_int_equal(s.cap, 0);
	sip_stream_free(&s);
}

/* A CRLFCRLF ping split over two reads is still a ping; a lone CRLF is not. */
static void
split_ping_gets_a_pong(void **state)
{
	struct sip_stream s;
	struct sip_stream_item it;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, "\r\n", 2);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_KEEPALIVE);
	assert_false(it.ping);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	feed(&s, "\r\n", 2);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_KEEPALIVE);
	assert_true(it.ping);
	/* A message in between starts the count again. */
	feed(&s, "\r\n" ONE "\r\n", strlen(ONE) + 4);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_KEEPALIVE);
	assert_false(it.ping);
	expect_message(&s, ONE);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_KEEPALIVE);
	assert_false(it.ping);
	assert_false(sip_stream_pending(&s));
	sip_stream_free(&s);
}

/* A header block over the limit ends the stream; nothing more is taken. */
static void
oversized_header_ends_the_stream(void **state)
{
	struct sip_stream s;
	struct sip_stream_item it;
	char big[2000];

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "MESSAGE ", 8);
	sip_stream_init(&s, 1500);
	assert_int_equal(sip_stream_room(&s), 1500);
	assert_int_equal(sip_stream_feed(&s, big, sizeof(big)), -1);
	feed(&s, big, 1000);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	assert_int_equal(sip_stream_room(&s), 500);
	feed(&s, big, 500);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_TOO_LARGE);
	assert_int_equal(it.len, 0);
	assert_int_equal(sip_stream_room(&s), 0);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_TOO_LARGE);
	sip_stream_free(&s);
}

/* A bad Content-Length hands out the header block (for a 400), then ends. */
static void
bad_length_hands_out_the_header(void **state)
{
	const char *wire = HDRS "Content-Length: -5\r\n\r\nhello";
	struct sip_stream s;
	struct sip_stream_item it;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, wire, strlen(wire));
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_BAD_LENGTH);
	assert_int_equal(it.len, strlen(wire) - 5);
	assert_memory_equal(it.buf, wire, it.len);
	assert_int_equal(sip_stream_feed(&s, "x", 1), -1);
	sip_stream_free(&s);
}

/* Binary junk is refused from its first bytes, not after 64 KB. */
static void
garbage_is_refused_early(void **state)
{
	struct sip_stream s;
	struct sip_stream_item it;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, "\x16\x03\x01", 3);	/* a TLS ClientHello */
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_GARBAGE);
	sip_stream_free(&s);
}

/* A body that has not all arrived waits, then comes out exactly. */
static void
body_waits_for_content_length(void **state)
{
	struct sip_stream s;
	struct sip_stream_item it;

	(void)state;
	sip_stream_init(&s, 65536);
	feed(&s, ONE, strlen(ONE) - 2);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	assert_true(sip_stream_pending(&s));
	feed(&s, "lo" "OPT", 5);
	expect_message(&s, ONE);
	assert_int_equal(sip_stream_next(&s, &it), SIP_FRAME_NEED_MORE);
	assert_true(sip_stream_pending(&s));
	sip_stream_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_read_holds_several_messages),
		cmocka_unit_test(every_split_point),
		cmocka_unit_test(dribbled_header_is_scanned_once),
		cmocka_unit_test(split_ping_gets_a_pong),
		cmocka_unit_test(oversized_header_ends_the_stream),
		cmocka_unit_test(bad_length_hands_out_the_header),
		cmocka_unit_test(garbage_is_refused_early),
		cmocka_unit_test(body_waits_for_content_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
