/*
 * SIP stream reassembly (RFC 3261 §18.3): bytes in, as TCP delivers them,
 * whole messages, keep-alives and framing errors out. Pure code, no
 * sockets: the transport feeds what it read, the fuzzer feeds what it
 * likes. The header block is scanned once, resumed where the last read
 * stopped, so a header dribbled a byte at a time costs linear time.
 */
#ifndef SIPXMPP_SIP_STREAM_H
#define SIPXMPP_SIP_STREAM_H

#include <stddef.h>

struct sip_stream {
	char *buf;		/* [start, len) not yet handed out */
	size_t start, len, cap;
	size_t max_len;		/* largest message (sip_max_message_bytes) */
	size_t scan;		/* bytes of this message searched for CRLFCRLF */
	size_t msg_len;		/* once its header block is in: whole length */
	size_t crlf_run;	/* keep-alive bytes since the last message */
	int failed;		/* the sip_frame_result that ended the stream */
};

/* One thing the stream hands out; buf is not NUL-terminated. */
struct sip_stream_item {
	const char *buf;	/* message, or on error its header block */
	size_t len;		/* 0 on error without a complete header block */
	int ping;		/* keep-alive ended a CRLFCRLF: answer CRLF */
};

/* sip_stream.c */
void sip_stream_init(struct sip_stream *s, size_t max_len);
void sip_stream_free(struct sip_stream *s);
size_t sip_stream_room(const struct sip_stream *s);
int sip_stream_feed(struct sip_stream *s, const void *data, size_t len);
int sip_stream_next(struct sip_stream *s, struct sip_stream_item *out);
int sip_stream_pending(const struct sip_stream *s);

#endif
