/*
 * Finding SIP message boundaries (RFC 3261 §18.3, §7.5) before libosip2
 * sees a byte: libosip2 accepts a negative Content-Length and silently
 * truncates bodies, so every message is framed and checked here first.
 * Pure code.
 */
#ifndef SIPXMPP_SIP_FRAME_H
#define SIPXMPP_SIP_FRAME_H

#include <stddef.h>

enum sip_frame_result {
	SIP_FRAME_OK = 1,		/* *msg_len bytes hold one message */
	SIP_FRAME_NEED_MORE = 0,	/* stream: wait for more bytes */
	SIP_FRAME_KEEPALIVE = 2,	/* *msg_len bytes of CRLF keep-alive */
	SIP_FRAME_BAD_LENGTH = -1,	/* missing/invalid/negative Content-Length */
	SIP_FRAME_TOO_LARGE = -2,	/* headers or body over the limit */
	SIP_FRAME_TRUNCATED = -3,	/* datagram shorter than its Content-Length */
	SIP_FRAME_GARBAGE = -4,		/* no start line / binary junk */
};

struct sip_frame {
	size_t msg_len;		/* bytes to consume for this message */
	size_t header_len;	/* start line + headers + CRLFCRLF */
	size_t body_len;	/* Content-Length */
};

/* sip_frame.c */
int sip_frame_stream(const char *buf, size_t len, size_t max_len,
    struct sip_frame *out);
int sip_frame_datagram(const char *buf, size_t len, size_t max_len,
    struct sip_frame *out);
const char *sip_frame_result_str(int result);
const char *sip_frame_header_end(const char *buf, size_t len,
    size_t *end_len);

#endif
