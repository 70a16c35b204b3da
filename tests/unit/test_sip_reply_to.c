/*
 * Where the answer to a request goes (RFC 3261 §18.2.2, RFC 3581), seen
 * through a stack with no socket (sip_stack_new_detached): over TCP or TLS
 * on the request's connection, named by its id, and should that be gone
 * at the Via's sent-by port, never the connection's source port (nobody
 * listens there); over UDP to the source port with rport, else to the
 * sent-by port (5060 when the Via names none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <event2/event.h>

#include "config.h"
#include "sip_stack.h"
#include "sip_transport.h"

#define CONF "[xmpp]\nsecret = s\ncomponent = sip.test\n"

struct sent {
	int n;
	struct sip_peer to;
	char first_line[64];
};

static void
send_hook(void *arg, const struct sip_peer *to, const char *buf, size_t len)
{
	struct sent *s = arg;

	s->n++;
	s->to = *to;
	snprintf(s->first_line, sizeof(s->first_line), "%.*s",
	    (int)strcspn(buf, "\r\n") < (int)len ? (int)strcspn(buf, "\r\n") :
	    (int)len, buf);
}

struct ctx {
	struct sip_stack *s;
	struct sent sent;
};

/* Every request but MESSAGE: OPTIONS is answered 200 at once. */
static void
request_cb(void *arg, struct sip_tx *tx, const struct sip_msg *req)
{
	struct ctx *c = arg;

	(void)req;
	sip_respond_status(c->s, tx, 200, NULL);
}

static void
message_cb(void *arg, struct sip_tx *tx,
    const struct sip_message_fields *fields)
{
	struct ctx *c = arg;

	(void)fields;
	sip_respond_status(c->s, tx, 200, NULL);
}

/* The port an OPTIONS from 127.0.0.1:40000 over proto, with via, is
 * answered at; the connection id the answer names in *conn_id. */
static int
answer_port(int proto, uint64_t conn_id, const char *via, uint64_t *out_conn)
{
	struct sip_stack_handlers h = { request_cb, message_cb };
	struct event_base *base = event_base_new();
	struct config cfg;
	struct sip_peer from;
	struct ctx c;
	char *cause = NULL, req[512];
	int n, port;

	memset(&c, 0, sizeof(c));
	assert_non_null(base);
	assert_int_equal(config_load_buffer("t.conf", CONF, strlen(CONF), &cfg,
	    &cause), 0);
	c.s = sip_stack_new_detached(base, &cfg, &h, &c, send_hook, &c.sent,
	    "192.0.2.1", 5060);
	assert_non_null(c.s);
	memset(&from, 0, sizeof(from));
	assert_int_equal(sip_peer_from_host(&from, "127.0.0.1", 40000, proto),
	    0);
	from.conn_id = conn_id;
	n = snprintf(req, sizeof(req),
	    "OPTIONS sip:192.0.2.1:5060 SIP/2.0\r\n"
	    "Via: %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:ann@sip.test>;tag=a1\r\n"
	    "To: <sip:192.0.2.1:5060>\r\n"
	    "Call-ID: reply-to@sip.test\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n", via);
	assert_true(n > 0 && (size_t)n < sizeof(req));
	sip_stack_inject(c.s, req, (size_t)n, &from);
	assert_int_equal(c.sent.n, 1);
	assert_string_equal(c.sent.first_line, "SIP/2.0 200 OK");
	port = ntohs(((struct sockaddr_in *)&c.sent.to.addr)->sin_port);
	*out_conn = c.sent.to.conn_id;
	sip_stack_free(c.s);
	event_base_free(base);
	config_free(&cfg);
	free(cause);
	return port;
}

/* TCP: on its connection; gone, to the sent-by port, not 40000. */
static void
stream_answers_go_to_sent_by(void **state)
{
	uint64_t conn;

	(void)state;
	assert_int_equal(answer_port(IPPROTO_TCP, 7,
	    "SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKt1", &conn), 5070);
	assert_int_equal(conn, 7);
	/* No port in the Via: the transport's default. */
	assert_int_equal(answer_port(IPPROTO_TCP, 7,
	    "SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKt2", &conn), 5060);
	assert_int_equal(answer_port(SIP_PROTO_TLS, 9,
	    "SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKt3", &conn), 5061);
	assert_int_equal(conn, 9);
	/* rport means nothing to a stream: still the sent-by port. */
	assert_int_equal(answer_port(IPPROTO_TCP, 7,
	    "SIP/2.0/TCP 127.0.0.1:5070;rport;branch=z9hG4bKt4", &conn),
	    5070);
}

/* UDP: rport, the source port (RFC 3581); else the sent-by port. */
static void
datagram_answers(void **state)
{
	uint64_t conn;

	(void)state;
	assert_int_equal(answer_port(IPPROTO_UDP, 0,
	    "SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bKu1", &conn),
	    40000);
	assert_int_equal(answer_port(IPPROTO_UDP, 0,
	    "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKu2", &conn), 5070);
	assert_int_equal(answer_port(IPPROTO_UDP, 0,
	    "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKu3", &conn), 5060);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_answers_go_to_sent_by),
		cmocka_unit_test(datagram_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
