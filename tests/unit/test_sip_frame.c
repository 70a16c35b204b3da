/*
 * SIP framing: where messages end on a stream and in a datagram, and
 * what is refused (RFC 3261 §18.3, §7.5; RFC 5626 §4.4.1 keep-alives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip_frame.h"

#define HDRS "MESSAGE sip:juliet@xmpp.test SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\n" \
	"From: <sip:romeo@sip.test>;tag=1\r\nTo: <sip:juliet@xmpp.test>\r\n" \
	"Call-ID: a@b\r\nCSeq: 1 MESSAGE\r\n"

static int
frame_stream(const char *s, size_t max, struct sip_frame *f)
{
	return sip_frame_stream(s, strlen(s), max, f);
}

/* Two pipelined messages on one stream are split where Content-Length says. */
static void
stream_splits_pipelined_messages(void **state)
{
	const char *one = HDRS "Content-Length: 5\r\n\r\nhello";
	char buf[1024];
	struct sip_frame f;

	(void)state;
	snprintf(buf, sizeof(buf), "%s%s", one, one);
	assert_int_equal(sip_frame_stream(buf, strlen(buf), 65536, &f),
	    SIP_FRAME_OK);
	assert_int_equal(f.msg_len, strlen(one));
	assert_int_equal(f.body_len, 5);
	assert_int_equal(sip_frame_stream(buf + f.msg_len,
	    strlen(buf) - f.msg_len, 65536, &f), SIP_FRAME_OK);
	assert_int_equal(f.msg_len, strlen(one));
}

/* A message cut anywhere asks for more bytes. */
static void
stream_waits_for_the_rest(void **state)
{
	const char *one = HDRS "Content-Length: 5\r\n\r\nhello";
	struct sip_frame f;

	(void)state;
	for (size_t n = 1; n < strlen(one); n++)
		assert_int_equal(sip_frame_stream(one, n, 65536, &f),
		    SIP_FRAME_NEED_MORE);
}

/* Compact "l:" counts, case does not matter. */
static void
stream_accepts_compact_content_length(void **state)
{
	struct sip_frame f;

	(void)state;
	assert_int_equal(frame_stream(HDRS "l: 2\r\n\r\nhi", 65536, &f),
	    SIP_FRAME_OK);
	assert_int_equal(f.body_len, 2);
	assert_int_equal(frame_stream(HDRS "CONTENT-LENGTH:  2 \r\n\r\nhi",
	    65536, &f), SIP_FRAME_OK);
}

/* Negative, missing, junk or conflicting lengths cannot frame a stream. */
static void
stream_refuses_bad_content_length(void **state)
{
	struct sip_frame f;

	(void)state;
	assert_int_equal(frame_stream(HDRS "Content-Length: -5\r\n\r\n",
	    65536, &f), SIP_FRAME_BAD_LENGTH);
	assert_true(f.header_len > 0);	/* so the stack can still answer 400 */
	assert_int_equal(frame_stream(HDRS "\r\nhello", 65536, &f),
	    SIP_FRAME_BAD_LENGTH);
	assert_int_equal(frame_stream(HDRS "Content-Length: 5x\r\n\r\n",
	    65536, &f), SIP_FRAME_BAD_LENGTH);
	assert_int_equal(frame_stream(HDRS "Content-Length: 99999999999\r\n\r\n",
	    65536, &f), SIP_FRAME_BAD_LENGTH);
	assert_int_equal(frame_stream(HDRS "Content-Length: 1\r\n"
	    "l: 2\r\n\r\nab", 65536, &f), SIP_FRAME_BAD_LENGTH);
}

/* Headers or bodies over the cap are refused, not buffered forever. */
static void
stream_refuses_oversized(void **state)
{
	char big[3000];
	struct sip_frame f;

	(void)state;
	memset(big, 'a', sizeof(big));
	memcpy(big, "MESSAGE sip:a@b SIP/2.0\r\nX: ", 28);
	assert_int_equal(sip_frame_stream(big, sizeof(big), 2048, &f),
	    SIP_FRAME_TOO_LARGE);
	assert_int_equal(frame_stream(HDRS "Content-Length: 5000\r\n\r\n",
	    2048, &f), SIP_FRAME_TOO_LARGE);
}

/* A header block ending just past the cap is over it, body or not. */
static void
stream_counts_the_blank_line_in_the_cap(void **state)
{
	const char *s = HDRS "Content-Length: 0\r\n\r\n";
	size_t n = strlen(s);
	struct sip_frame f;

	(void)state;
	assert_int_equal(sip_frame_stream(s, n, n, &f), SIP_FRAME_OK);
	assert_int_equal(sip_frame_stream(s, n, n - 1, &f),
	    SIP_FRAME_TOO_LARGE);
	assert_int_equal(sip_frame_stream(s, n, n - 2, &f),
	    SIP_FRAME_TOO_LARGE);
}

/* CRLFCRLF pings (RFC 5626) are reported as keep-alives of their length. */
static void
stream_reports_keepalives(void **state)
{
	struct sip_frame f;

	(void)state;
	assert_int_equal(frame_stream("\r\n\r\nMESSAGE", 65536, &f),
	    SIP_FRAME_KEEPALIVE);
	assert_int_equal(f.msg_len, 4);
}

/* Binary junk is refused at once. */
static void
stream_refuses_garbage(void **state)
{
	struct sip_frame f;
	const char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03";

	(void)state;
	assert_int_equal(sip_frame_stream(junk, sizeof(junk) - 1, 65536, &f),
	    SIP_FRAME_GARBAGE);
}

/* RFC 3261 §18.3: a datagram's extra bytes beyond Content-Length go. */
static void
datagram_truncates_to_content_length(void **state)
{
	const char *s = HDRS "Content-Length: 2\r\n\r\nhi-and-more";
	struct sip_frame f;

	(void)state;
	assert_int_equal(sip_frame_datagram(s, strlen(s), 65536, &f),
	    SIP_FRAME_OK);
	assert_int_equal(f.body_len, 2);
	assert_int_equal(f.msg_len, strlen(s) - strlen("-and-more"));
}

/* A datagram shorter than its Content-Length is an error (400). */
static void
datagram_refuses_short_body(void **state)
{
	const char *s = HDRS "Content-Length: 20\r\n\r\nhi";
	struct sip_frame f;

	(void)state;
	assert_int_equal(sip_frame_datagram(s, strlen(s), 65536, &f),
	    SIP_FRAME_TRUNCATED);
	assert_true(f.header_len > 0);
}

/* Without Content-Length a datagram's body is the rest of it. */
static void
datagram_without_length_takes_the_rest(void **state)
{
	const char *s = HDRS "\r\nbody";
	struct sip_frame f;

	(void)state;
	assert_int_equal(sip_frame_datagram(s, strlen(s), 65536, &f),
	    SIP_FRAME_OK);
	assert_int_equal(f.body_len, 4);
}

/* A negative Content-Length in a datagram is refused too. */
static void
datagram_refuses_negative_length(void **state)
{
	const char *s = HDRS "Content-Length: -1\r\n\r\n";
	struct sip_frame f;

	(void)state;
	assert_int_equal(sip_frame_datagram(s, strlen(s), 65536, &f),
	    SIP_FRAME_BAD_LENGTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_splits_pipelined_messages),
		cmocka_unit_test(stream_waits_for_the_rest),
		cmocka_unit_test(stream_accepts_compact_content_length),
		cmocka_unit_test(stream_refuses_bad_content_length),
		cmocka_unit_test(stream_refuses_oversized),
		cmocka_unit_test(stream_counts_the_blank_line_in_the_cap),
		cmocka_unit_test(stream_reports_keepalives),
		cmocka_unit_test(stream_refuses_garbage),
		cmocka_unit_test(datagram_truncates_to_content_length),
		cmocka_unit_test(datagram_refuses_short_body),
		cmocka_unit_test(datagram_without_length_takes_the_rest),
		cmocka_unit_test(datagram_refuses_negative_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
