/*
 * Responses built from the request's own header lines (RFC 3261
 * §8.2.6.2): the copied fields stay byte for byte, the To gets our tag
 * unless it has one, the Vias carry received/rport, and libosip2 reads the
 * result back as the same transaction's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <osipparser2/osip_parser.h>

#include "sip_reply.h"
#include "stanza.h"

/* What the stack does: the Via lines from the parsed request, then build. */
static int
build(struct strbuf *sb, const char *hdr, size_t hdr_len,
    const osip_message_t *req, int status, const char *reason,
    const char *to_tag, const char *extra)
{
	struct strbuf vias;
	osip_generic_param_t *tag = NULL;
	int r;

	strbuf_init(&vias);
	if (sip_reply_vias(&vias, req) < 0) {
		strbuf_free(&vias);
		return -1;
	}
	if (req->to != NULL && osip_to_get_tag(req->to, &tag) == 0)
		to_tag = NULL;		/* it has one already */
	r = sip_reply_build(sb, hdr, hdr_len, vias.buf, status, reason,
	    to_tag, extra);
	strbuf_free(&vias);
	return r;
}

/* The RFC 3428 §4 example MESSAGE, with compact and folded headers. */
static const char compact_request[] =
    "MESSAGE sip:user2@domain.com SIP/2.0\r\n"
    "v: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse\r\n"
    "Via: SIP/2.0/UDP proxy.domain.com;branch=z9hG4bK123, "
    "SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bK9\r\n"
    "Max-Forwards: 70\r\n"
    "f: sip:user1@domain.com;tag=49583\r\n"
    "t: sip:user2@domain.com\r\n"
    "i: asd88asd77a@1.2.3.4\r\n"
    "CSeq  :\t1 MESSAGE\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 18\r\n"
    "\r\n"
    "Watson, come here.";

static osip_message_t *
parse(const char *text, size_t len)
{
	osip_message_t *m = NULL;

	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, text, len), 0);
	return m;
}

static void
test_header_block(void **state)
{
	(void)state;
	assert_int_equal(sip_reply_header_block(compact_request,
	    sizeof(compact_request) - 1), sizeof(compact_request) - 1 - 18);
	assert_int_equal(sip_reply_header_block("A\nB: c\n\nbody", 12), 8);
	/* No empty line: the whole text is headers. */
	assert_int_equal(sip_reply_header_block("A\r\nB: c\r\n", 9), 9);
}

static void
test_compact_request(void **state)
{
	osip_message_t *req, *resp;
	struct strbuf sb;
	size_t hdr = sip_reply_header_block(compact_request,
	    sizeof(compact_request) - 1);
	osip_generic_param_t *tag = NULL;
	osip_via_t *via;

	(void)state;
	req = parse(compact_request, sizeof(compact_request) - 1);
	osip_message_fix_last_via_header(req, "192.0.2.4", 5060);
	strbuf_init(&sb);
	assert_int_equal(build(&sb, compact_request, hdr, req, 200,
	    NULL, "abc", "Retry-After: 5\r\n"), 0);
	assert_non_null(strstr(sb.buf, "SIP/2.0 200 OK\r\n"));
	/* Copied as they came, compact names included; the tag added. */
	assert_non_null(strstr(sb.buf, "\r\nf: sip:user1@domain.com;tag=49583\r\n"));
	assert_non_null(strstr(sb.buf, "\r\nt: sip:user2@domain.com;tag=abc\r\n"));
	assert_non_null(strstr(sb.buf, "\r\ni: asd88asd77a@1.2.3.4\r\n"));
	assert_non_null(strstr(sb.buf, "\r\nCSeq  :\t1 MESSAGE\r\n"));
	assert_non_null(strstr(sb.buf, "\r\nRetry-After: 5\r\n"));
	assert_non_null(strstr(sb.buf, "Content-Length: 0\r\n\r\n"));
	assert_null(strstr(sb.buf, "Watson"));

	/* libosip2 reads it back: three Vias in order, received on the top. */
	resp = parse(sb.buf, sb.len);
	assert_int_equal(resp->status_code, 200);
	assert_int_equal(osip_list_size(&resp->vias), 3);
	via = osip_list_get(&resp->vias, 0);
	assert_string_equal(via->host, "user1pc.domain.com");
	assert_int_equal(osip_via_param_get_byname(via, "received", &tag), 0);
	assert_string_equal(tag->gvalue, "192.0.2.4");
	via = osip_list_get(&resp->vias, 2);
	assert_string_equal(via->port, "5070");
	assert_int_equal(osip_to_get_tag(resp->to, &tag), 0);
	assert_string_equal(tag->gvalue, "abc");
	assert_string_equal(resp->cseq->method, "MESSAGE");
	assert_string_equal(resp->call_id->number, "asd88asd77a");
	osip_message_free(resp);
	osip_message_free(req);
	strbuf_free(&sb);
}

/* A To that has a tag keeps it; a folded To stays whole; 100 gets none. */
static void
test_to_tag(void **state)
{
	static const char text[] =
	    "SUBSCRIBE sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1;rport\r\n"
	    "From: <sip:c@d>;tag=1\r\n"
	    "To: \"A\"\r\n <sip:a@b>;tag=xyz  \r\n"
	    "Call-ID: 1\r\n"
	    "CSeq: 2 SUBSCRIBE\r\n"
	    "Content-Length: 0\r\n\r\n";
	osip_message_t *req = parse(text, sizeof(text) - 1);
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(build(&sb, text, sizeof(text) - 1, req,
	    481, "Gone", "abc", NULL), 0);
	assert_non_null(strstr(sb.buf, "SIP/2.0 481 Gone\r\n"));
	assert_non_null(strstr(sb.buf,
	    "\r\nTo: \"A\"\r\n <sip:a@b>;tag=xyz\r\nCall-ID"));
	strbuf_reset(&sb);
	osip_message_free(req);

	req = parse(compact_request, sizeof(compact_request) - 1);
	assert_int_equal(build(&sb, compact_request,
	    sizeof(compact_request) - 1 - 18, req, 100, NULL, "abc", NULL), 0);
	assert_non_null(strstr(sb.buf, "SIP/2.0 100 Trying\r\n"));
	assert_null(strstr(sb.buf, "tag=abc"));
	osip_message_free(req);
	strbuf_free(&sb);
}

/* A header block without the fields to copy is refused, not guessed. */
static void
test_missing_header(void **state)
{
	static const char text[] =
	    "MESSAGE sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "From: <sip:c@d>;tag=1\r\n"
	    "To: <sip:a@b>\r\n"
	    "CSeq: 2 MESSAGE\r\n\r\n";
	osip_message_t *req = parse(compact_request,
	    sizeof(compact_request) - 1);
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(build(&sb, text, sizeof(text) - 1, req,
	    200, NULL, "t", NULL), -1);
	assert_false(sip_reply_can_copy(text, sizeof(text) - 1));
	assert_true(sip_reply_can_copy(compact_request,
	    sizeof(compact_request) - 1));
	assert_int_equal(build(&sb, compact_request, 10, req,
	    200, NULL, "t", NULL), -1);
	assert_int_equal(build(&sb, compact_request,
	    sizeof(compact_request) - 1, req, 99, NULL, "t", NULL), -1);
	osip_message_free(req);
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_block),
		cmocka_unit_test(test_compact_request),
		cmocka_unit_test(test_to_tag),
		cmocka_unit_test(test_missing_header),
	};

	parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
