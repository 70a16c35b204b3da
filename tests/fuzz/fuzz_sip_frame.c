/*
 * SIP framing on arbitrary bytes, both as a stream (fed in two pieces, as
 * TCP may deliver it) and as a datagram; results must be self-consistent.
 * A datagram libosip2 accepts is then answered the way the stack does it
 * (sip_reply.c), and the answer must parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "sip_frame.h"
#include "sip_reply.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the stack does with a request it accepted: answer it from its lines. */
static void
answer(const char *buf, size_t len)
{
	static int ready;
	osip_message_t *req = NULL, *resp = NULL;
	struct strbuf sb;

	if (!ready) {
		parser_init();
		ready = 1;
	}
	if (osip_message_init(&req) != 0)
		return;
	if (osip_message_parse(req, buf, len) == 0 && MSG_IS_REQUEST(req) &&
	    req->from != NULL && req->to != NULL && req->call_id != NULL &&
	    req->cseq != NULL && osip_list_size(&req->vias) > 0) {
		struct strbuf vias;

		strbuf_init(&sb);
		strbuf_init(&vias);
		osip_message_fix_last_via_header(req, "192.0.2.1", 5060);
		if (sip_reply_vias(&vias, req) == 0 &&
		    sip_reply_build(&sb, buf, sip_reply_header_block(buf, len),
		    vias.buf, 200, NULL, "t", NULL) == 0) {
			if (osip_message_init(&resp) != 0)
				abort();
			/* Whatever we copied must still be a response. */
			if (osip_message_parse(resp, sb.buf, sb.len) == 0 &&
			    !MSG_IS_RESPONSE(resp))
				abort();
			osip_message_free(resp);
		}
		strbuf_free(&vias);
		strbuf_free(&sb);
	}
	osip_message_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t max = 65536, off = 0;	/* max_message_bytes' default */
	struct sip_frame f;
	int r;

	r = sip_frame_datagram(buf, size, max, &f);
	if (r == SIP_FRAME_OK && (f.msg_len > size ||
	    f.header_len + f.body_len != f.msg_len))
		abort();
	if (r == SIP_FRAME_OK)
		answer(buf, f.msg_len);
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
