/*
 * The memory of completed non-INVITE server transactions: which requests
 * it can match (RFC 3261 §17.2.3), how long it keeps an answer (Timer J),
 * and that it stays within its byte budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <osipparser2/osip_parser.h>

#include "sip_completed.h"

/* A request with the given method and top Via. */
static osip_message_t *
request(const char *method, const char *via)
{
	char text[1024];
	osip_message_t *m = NULL;

	snprintf(text, sizeof(text),
	    "%s sip:juliet@xmpp.test SIP/2.0\r\n"
	    "Via: %s\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:romeo@sip.test>;tag=1\r\n"
	    "To: <sip:juliet@xmpp.test>\r\n"
	    "Call-ID: a@b\r\n"
	    "CSeq: 1 %s\r\n"
	    "Content-Length: 0\r\n\r\n", method, via, method);
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, text, strlen(text)), 0);
	return m;
}

/* §17.2.3: branch, sent-by and method; hosts without case. */
static void
test_key(void **state)
{
	osip_message_t *m;
	char key[SIP_COMPLETED_KEY_MAX], key2[SIP_COMPLETED_KEY_MAX];

	(void)state;
	m = request("MESSAGE", "SIP/2.0/UDP Host.Example:5070;branch=z9hG4bK77");
	assert_int_equal(sip_completed_key(m, key, sizeof(key)), 0);
	assert_string_equal(key, "z9hG4bK77 host.example:5070 MESSAGE");
	osip_message_free(m);

	/* No port: the default one. Another method: another key. */
	m = request("SUBSCRIBE", "SIP/2.0/UDP host.example;branch=z9hG4bK77");
	assert_int_equal(sip_completed_key(m, key2, sizeof(key2)), 0);
	assert_string_equal(key2, "z9hG4bK77 host.example:5060 SUBSCRIBE");
	osip_message_free(m);

	/* RFC 2543 branches, INVITE and ACK are not matched this way. */
	m = request("MESSAGE", "SIP/2.0/UDP h;branch=1234");
	assert_int_equal(sip_completed_key(m, key, sizeof(key)), -1);
	osip_message_free(m);
	m = request("INVITE", "SIP/2.0/UDP h;branch=z9hG4bK1");
	assert_int_equal(sip_completed_key(m, key, sizeof(key)), -1);
	osip_message_free(m);
	m = request("ACK", "SIP/2.0/UDP h;branch=z9hG4bK1");
	assert_int_equal(sip_completed_key(m, key, sizeof(key)), -1);
	/* An ACK finds its INVITE's transaction by asking for INVITE. */
	assert_int_equal(sip_completed_key_method(m, "INVITE", key,
	    sizeof(key)), 0);
	assert_string_equal(key, "z9hG4bK1 h:5060 INVITE");
	osip_message_free(m);

	/* A key that does not fit is refused, not cut. */
	m = request("MESSAGE", "SIP/2.0/UDP h;branch=z9hG4bK1");
	assert_int_equal(sip_completed_key(m, key, 8), -1);
	osip_message_free(m);
}

/* An answer is found until it expires (Timer J), then forgotten. */
static void
test_put_get_expire(void **state)
{
	struct sip_completed *c = sip_completed_new(1 << 20, 32000);
	const char *buf;
	size_t len;

	(void)state;
	assert_non_null(c);
	assert_int_equal(sip_completed_put(c, "k1", "SIP/2.0 200 OK",
	    14, 1000), 0);
	assert_int_equal(sip_completed_get(c, "k1", 1000, &buf, &len),
	    1);
	assert_int_equal(len, 14);
	assert_memory_equal(buf, "SIP/2.0 200 OK", 14);
	assert_int_equal(sip_completed_get(c, "k2", 1000, &buf, &len),
	    0);
	/* Replaced by a newer answer for the same key. */
	assert_int_equal(sip_completed_put(c, "k1", "SIP/2.0 500 X",
	    13, 2000), 0);
	assert_int_equal(sip_completed_count(c), 1);
	assert_int_equal(sip_completed_get(c, "k1", 33999, &buf, &len),
	    1);
	assert_int_equal(len, 13);
	assert_int_equal(sip_completed_get(c, "k1", 34000, &buf, &len),
	    0);
	sip_completed_expire(c, 34000);
	assert_int_equal(sip_completed_count(c), 0);
	assert_int_equal(sip_completed_bytes(c), 0);
	sip_completed_free(c);
}

/* Over budget, the oldest answers go first. */
static void
test_budget(void **state)
{
	struct sip_completed *c = sip_completed_new(4096, 32000);
	const char *buf;
	char body[300], key[16];
	size_t len;

	(void)state;
	assert_non_null(c);
	memset(body, 'x', sizeof(body));
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(sip_completed_put(c, key, body,
		    sizeof(body), i), 0);
		assert_true(sip_completed_bytes(c) <= 4096);
	}
	assert_true(sip_completed_count(c) < 100);
	assert_int_equal(sip_completed_get(c, "k99", 100, &buf, &len),
	    1);
	assert_int_equal(sip_completed_get(c, "k0", 100, &buf, &len),
	    0);
	/* One answer larger than the whole budget is refused. */
	assert_int_equal(sip_completed_put(c, "big", body, 5000, 100),
	    -1);
	sip_completed_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_put_get_expire),
		cmocka_unit_test(test_budget),
	};

	parser_init();		/* libosip2's parser tables */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
