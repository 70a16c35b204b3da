/*
 * RFC 7247 §7 error tables, row by row, and the RFC 6120 §8.3.3 types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"

/* Asserts that a SIP code maps to the condition and type given. */
static void
expect_sip(int status, const char *condition, const char *type)
{
	const struct xmpp_error_cond *c = errors_sip_to_xmpp(status);

	if (c == NULL)
		fail_msg("%d mapped to nothing, expected %s", status,
		    condition);
	if (strcmp(c->condition, condition) != 0)
		fail_msg("%d mapped to %s, expected %s", status, c->condition,
		    condition);
	assert_string_equal(c->type, type);
}

/* RFC 7247 Table 3, every row in the order the RFC gives them. */
static void
test_table3_rows(void **state)
{
	(void)state;
	expect_sip(300, "redirect", "modify");
	expect_sip(301, "gone", "cancel");
	expect_sip(302, "redirect", "modify");
	expect_sip(305, "redirect", "modify");
	expect_sip(380, "not-acceptable", "modify");
	expect_sip(400, "bad-request", "modify");
	expect_sip(401, "not-authorized", "auth");
	expect_sip(402, "bad-request", "modify");
	expect_sip(403, "forbidden", "auth");
	expect_sip(404, "item-not-found", "cancel");
	expect_sip(405, "feature-not-implemented", "cancel");
	expect_sip(406, "not-acceptable", "modify");
	expect_sip(407, "registration-required", "auth");
	expect_sip(408, "remote-server-timeout", "wait");
	expect_sip(410, "gone", "cancel");
	expect_sip(413, "policy-violation", "modify");
	expect_sip(414, "policy-violation", "modify");
	expect_sip(415, "not-acceptable", "modify");
	expect_sip(416, "not-acceptable", "modify");
	expect_sip(420, "feature-not-implemented", "cancel");
	expect_sip(421, "not-acceptable", "modify");
	expect_sip(423, "resource-constraint", "wait");
	expect_sip(430, "recipient-unavailable", "wait");
	expect_sip(439, "feature-not-implemented", "cancel");
	expect_sip(440, "policy-violation", "modify");
	expect_sip(480, "recipient-unavailable", "wait");
	expect_sip(481, "item-not-found", "cancel");
	expect_sip(482, "not-acceptable", "modify");
	expect_sip(483, "not-acceptable", "modify");
	expect_sip(484, "item-not-found", "cancel");
	expect_sip(485, "item-not-found", "cancel");
	expect_sip(486, "recipient-unavailable", "wait");
	expect_sip(487, "recipient-unavailable", "wait");
	expect_sip(488, "not-acceptable", "modify");
	expect_sip(489, "policy-violation", "modify");
	expect_sip(491, "unexpected-request", "wait");
	expect_sip(493, "bad-request", "modify");
	expect_sip(500, "internal-server-error", "cancel");
	expect_sip(501, "feature-not-implemented", "cancel");
	expect_sip(502, "remote-server-not-found", "cancel");
	expect_sip(503, "internal-server-error", "cancel");
	expect_sip(504, "remote-server-timeout", "wait");
	expect_sip(505, "not-acceptable", "modify");
	expect_sip(513, "policy-violation", "modify");
	expect_sip(600, "recipient-unavailable", "wait");
	expect_sip(603, "recipient-unavailable", "wait");
	expect_sip(604, "item-not-found", "cancel");
	expect_sip(606, "not-acceptable", "modify");
}

/* Codes Table 3 does not list take their class default. */
static void
test_table3_class_defaults(void **state)
{
	(void)state;
	expect_sip(303, "redirect", "modify");
	expect_sip(399, "redirect", "modify");
	expect_sip(409, "bad-request", "modify");
	expect_sip(412, "bad-request", "modify");
	expect_sip(422, "bad-request", "modify");
	expect_sip(494, "bad-request", "modify");
	expect_sip(499, "bad-request", "modify");
	expect_sip(580, "internal-server-error", "cancel");
	expect_sip(599, "internal-server-error", "cancel");
	expect_sip(601, "recipient-unavailable", "wait");
	expect_sip(607, "recipient-unavailable", "wait");
	expect_sip(699, "recipient-unavailable", "wait");
}

/* 1xx and 2xx are not errors; nothing outside 100..699 is a status. */
static void
test_table3_not_errors(void **state)
{
	static const int codes[] = {
		-1, 0, 99, 100, 180, 183, 199, 200, 202, 299, 700, 999, 1000,
		INT32_MAX, INT32_MIN,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (errors_sip_to_xmpp(codes[i]) != NULL)
			fail_msg("%d mapped to a condition", codes[i]);
}

/* Asserts a Table 2 row: SIP code for a full JID and for a bare JID. */
static void
expect_xmpp(const char *condition, int full, int bare)
{
	int got_full = errors_xmpp_to_sip(condition, 1, 0);
	int got_bare = errors_xmpp_to_sip(condition, 0, 0);

	if (got_full != full || got_bare != bare)
		fail_msg("%s -> %d/%d, expected %d/%d", condition, got_full,
		    got_bare, full, bare);
}

/* RFC 7247 Table 2, every row. */
static void
test_table2_rows(void **state)
{
	(void)state;
	expect_xmpp("bad-request", 400, 400);
	expect_xmpp("conflict", 400, 400);
	expect_xmpp("feature-not-implemented", 405, 501);
	expect_xmpp("forbidden", 403, 603);
	expect_xmpp("internal-server-error", 500, 500);
	expect_xmpp("item-not-found", 404, 604);
	expect_xmpp("jid-malformed", 400, 400);
	expect_xmpp("not-acceptable", 406, 606);
	expect_xmpp("not-allowed", 403, 403);
	expect_xmpp("not-authorized", 401, 401);
	expect_xmpp("policy-violation", 403, 403);
	expect_xmpp("recipient-unavailable", 480, 600);
	expect_xmpp("redirect", 302, 302);
	expect_xmpp("registration-required", 407, 407);
	expect_xmpp("remote-server-not-found", 404, 404);
	expect_xmpp("remote-server-timeout", 408, 408);
	expect_xmpp("resource-constraint", 500, 500);
	expect_xmpp("subscription-required", 400, 400);
	expect_xmpp("undefined-condition", 400, 400);
	expect_xmpp("unexpected-request", 400, 400);
}

/* RFC 7247 §7.1: never 503 for service-unavailable; 405 / 403 instead. */
static void
test_table2_service_unavailable(void **state)
{
	(void)state;
	assert_int_equal(errors_xmpp_to_sip("service-unavailable", 1, 0), 405);
	assert_int_equal(errors_xmpp_to_sip("service-unavailable", 0, 0), 403);
	assert_int_not_equal(errors_xmpp_to_sip("service-unavailable", 0, 1),
	    503);
}

/* Table 2: gone is 301 when it names the new address (MUST), else 410. */
static void
test_table2_gone(void **state)
{
	(void)state;
	assert_int_equal(errors_xmpp_to_sip("gone", 1, 1), 301);
	assert_int_equal(errors_xmpp_to_sip("gone", 0, 1), 301);
	assert_int_equal(errors_xmpp_to_sip("gone", 1, 0), 410);
	assert_int_equal(errors_xmpp_to_sip("gone", 0, 0), 410);
	/* The address flag means nothing for other conditions. */
	assert_int_equal(errors_xmpp_to_sip("redirect", 0, 1), 302);
	assert_int_equal(errors_xmpp_to_sip("item-not-found", 0, 1), 604);
}

/* Unknown conditions are undefined-condition (RFC 6120 §8.3.2): 400. */
static void
test_table2_unknown(void **state)
{
	(void)state;
	assert_int_equal(errors_xmpp_to_sip(NULL, 0, 0), 400);
	assert_int_equal(errors_xmpp_to_sip("", 1, 0), 400);
	assert_int_equal(errors_xmpp_to_sip("payment-required", 0, 0), 400);
	assert_int_equal(errors_xmpp_to_sip("Item-Not-Found", 0, 0), 400);
	assert_int_equal(errors_xmpp_to_sip("item-not-found ", 0, 0), 400);
	assert_int_equal(errors_xmpp_to_sip("x-private", 1, 1), 400);
}

/* RFC 6120 §8.3.3: the type every defined condition is sent with. */
static void
test_condition_types(void **state)
{
	static const char *const rows[][2] = {
		{ "bad-request", "modify" },
		{ "conflict", "cancel" },
		{ "feature-not-implemented", "cancel" },
		{ "forbidden", "auth" },
		{ "gone", "cancel" },
		{ "internal-server-error", "cancel" },
		{ "item-not-found", "cancel" },
		{ "jid-malformed", "modify" },
		{ "not-acceptable", "modify" },
		{ "not-allowed", "cancel" },
		{ "not-authorized", "auth" },
		{ "policy-violation", "modify" },
		{ "recipient-unavailable", "wait" },
		{ "redirect", "modify" },
		{ "registration-required", "auth" },
		{ "remote-server-not-found", "cancel" },
		{ "remote-server-timeout", "wait" },
		{ "resource-constraint", "wait" },
		{ "service-unavailable", "cancel" },
		{ "subscription-required", "auth" },
		{ "undefined-condition", "cancel" },
		{ "unexpected-request", "wait" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct xmpp_error_cond *c;

		assert_true(errors_xmpp_condition_is_known(rows[i][0]));
		assert_string_equal(errors_xmpp_condition_type(rows[i][0]),
		    rows[i][1]);
		c = errors_xmpp_condition_lookup(rows[i][0]);
		assert_non_null(c);
		assert_string_equal(c->condition, rows[i][0]);
		assert_string_equal(c->type, rows[i][1]);
	}
	assert_false(errors_xmpp_condition_is_known(NULL));
	assert_false(errors_xmpp_condition_is_known("payment-required"));
	assert_false(errors_xmpp_condition_is_known("BAD-REQUEST"));
	assert_null(errors_xmpp_condition_type("no-such-thing"));
	assert_null(errors_xmpp_condition_type(NULL));
	assert_null(errors_xmpp_condition_lookup("x"));
}

/* Both tables agree where the RFC pairs them one to one. */
static void
test_round_trips(void **state)
{
	(void)state;
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(404)->condition, 1, 0), 404);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(604)->condition, 0, 0), 604);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(401)->condition, 0, 0), 401);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(408)->condition, 0, 0), 408);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(480)->condition, 1, 0), 480);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(301)->condition, 0, 1), 301);
	assert_int_equal(errors_xmpp_to_sip(
	    errors_sip_to_xmpp(410)->condition, 0, 0), 410);
}

/* RFC 3261 §21 reason phrases, and class phrases for the rest. */
static void
test_reason_phrases(void **state)
{
	static const struct {
		int status;
		const char *phrase;
	} rows[] = {
		{ 100, "Trying" }, { 180, "Ringing" }, { 200, "OK" },
		{ 202, "Accepted" }, { 301, "Moved Permanently" },
		{ 302, "Moved Temporarily" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 410, "Gone" },
		{ 413, "Request Entity Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 480, "Temporarily Unavailable" },
		{ 481, "Call/Transaction Does Not Exist" },
		{ 486, "Busy Here" }, { 487, "Request Terminated" },
		{ 488, "Not Acceptable Here" }, { 489, "Bad Event" },
		{ 491, "Request Pending" }, { 500, "Server Internal Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Server Time-out" },
		{ 513, "Message Too Large" }, { 600, "Busy Everywhere" },
		{ 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
		{ 606, "Not Acceptable" },
		/* Not in the list: the class says what it is. */
		{ 199, "Provisional" }, { 299, "Success" },
		{ 399, "Redirection" }, { 499, "Client Error" },
		{ 599, "Server Error" }, { 699, "Global Failure" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_string_equal(errors_reason_phrase(rows[i].status),
		    rows[i].phrase);
	assert_null(errors_reason_phrase(0));
	assert_null(errors_reason_phrase(99));
	assert_null(errors_reason_phrase(700));
	assert_null(errors_reason_phrase(-404));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table3_rows),
		cmocka_unit_test(test_table3_class_defaults),
		cmocka_unit_test(test_table3_not_errors),
		cmocka_unit_test(test_table2_rows),
		cmocka_unit_test(test_table2_service_unavailable),
		cmocka_unit_test(test_table2_gone),
		cmocka_unit_test(test_table2_unknown),
		cmocka_unit_test(test_condition_types),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_reason_phrases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
