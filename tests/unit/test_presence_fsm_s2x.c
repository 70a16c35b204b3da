/*
 * The RFC 8048 S2X subscription state machine (§5.3), driven event by
 * event the way the RFC's scenarios run: Romeo (SIP, sip:romeo@sip.test)
 * watching Juliet (XMPP, juliet@xmpp.test). Each step says what arrives,
 * what the gateway must do, and what it must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "presence_fsm_fixtures.h"

/*
 * RFC 8048 §5.3.1: Romeo subscribes; the gateway answers and NOTIFYs at
 * once (pending, RFC 6665 §4.2.1.2) and asks Juliet. Her "subscribed"
 * brings an empty NOTIFY active and a probe; her presence then flows.
 */
static void
s2x_new_subscription(void **state)
{
	enum s2x_state st = S2X_PENDING;

	(void)state;
	assert_int_equal(s2x(&st, S2X_EV_SUBSCRIBE_NEW),
	    S2X_ACT_NOTIFY_PENDING | S2X_ACT_SEND_SUBSCRIBE);
	assert_int_equal(st, S2X_PENDING);

	/* Prosody acknowledges the subscribe with "unavailable". */
	assert_int_equal(s2x(&st, S2X_EV_XMPP_UNAVAILABLE), 0);
	assert_int_equal(st, S2X_PENDING);

	/* A directed presence is not her "subscribed" (§5.3.1). */
	assert_int_equal(s2x(&st, S2X_EV_XMPP_AVAILABLE), 0);
	assert_int_equal(st, S2X_PENDING);

	/* A refresh while she decides: pending again, no body. */
	assert_int_equal(s2x(&st, S2X_EV_REFRESH), S2X_ACT_NOTIFY_PENDING);

	assert_int_equal(s2x(&st, S2X_EV_XMPP_SUBSCRIBED),
	    S2X_ACT_NOTIFY_ACTIVE | S2X_ACT_SEND_PROBE);
	assert_int_equal(st, S2X_ACTIVE);

	/* §6.2: each presence of hers is a NOTIFY active. */
	assert_int_equal(s2x(&st, S2X_EV_XMPP_AVAILABLE),
	    S2X_ACT_NOTIFY_ACTIVE);
	assert_int_equal(s2x(&st, S2X_EV_XMPP_UNAVAILABLE),
	    S2X_ACT_NOTIFY_ACTIVE);
	assert_int_equal(st, S2X_ACTIVE);

	/* A repeated "subscribed" is not news. */
	assert_int_equal(s2x(&st, S2X_EV_XMPP_SUBSCRIBED), 0);
}

/* She said yes before: the first NOTIFY is active, and she is probed. */
static void
s2x_new_subscription_authorized(void **state)
{
	enum s2x_state st = S2X_PENDING;
	unsigned a;

	(void)state;
	a = s2x(&st, S2X_EV_SUBSCRIBE_NEW_AUTHORIZED);
	assert_true(a & S2X_ACT_NOTIFY_ACTIVE);
	assert_true(a & S2X_ACT_SEND_PROBE);
	assert_false(a & S2X_ACT_NOTIFY_PENDING);
	assert_int_equal(st, S2X_ACTIVE);
}

/* §5.3.1: her "unsubscribed" ends it: terminated;reason=rejected. */
static void
s2x_unsubscribed(void **state)
{
	enum s2x_state st;

	(void)state;
	st = S2X_PENDING;
	assert_int_equal(s2x(&st, S2X_EV_XMPP_UNSUBSCRIBED),
	    S2X_ACT_NOTIFY_END_REJECTED | S2X_ACT_DELETE);
	st = S2X_ACTIVE;
	assert_int_equal(s2x(&st, S2X_EV_XMPP_UNSUBSCRIBED),
	    S2X_ACT_NOTIFY_END_REJECTED | S2X_ACT_DELETE);
}

/* §5.3.2: a refresh gets a NOTIFY with cached presence, or empty. */
static void
s2x_refresh(void **state)
{
	enum s2x_state st = S2X_ACTIVE;

	(void)state;
	assert_int_equal(s2x(&st, S2X_EV_REFRESH), S2X_ACT_NOTIFY_ACTIVE);
	assert_int_equal(st, S2X_ACTIVE);
}

/*
 * §5.3.3: SUBSCRIBE Expires: 0 ends it with terminated;reason=timeout
 * and Juliet gets "unavailable" from Romeo; likewise when it runs out
 * (RFC 6665 §4.2.2).
 */
static void
s2x_unsubscribe_and_expiry(void **state)
{
	static const enum s2x_state states[] = { S2X_PENDING, S2X_ACTIVE };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(states); i++) {
		enum s2x_state st = states[i];

		assert_int_equal(s2x(&st, S2X_EV_UNSUBSCRIBE),
		    S2X_ACT_NOTIFY_END_TIMEOUT | S2X_ACT_SEND_UNAVAILABLE |
		    S2X_ACT_DELETE);
		st = states[i];
		assert_int_equal(s2x(&st, S2X_EV_EXPIRED),
		    S2X_ACT_NOTIFY_END_TIMEOUT | S2X_ACT_SEND_UNAVAILABLE |
		    S2X_ACT_DELETE);
	}
}

/* RFC 6665 §4.2.2: a failed NOTIFY removes the subscription, no NOTIFY. */
static void
s2x_notify_failed(void **state)
{
	static const enum s2x_state states[] = { S2X_PENDING, S2X_ACTIVE };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(states); i++) {
		enum s2x_state st = states[i];
		unsigned a = s2x(&st, S2X_EV_NOTIFY_FAILED);

		assert_true(a & S2X_ACT_DELETE);
		assert_false(a & S2X_ANY_NOTIFY);
	}
}

/* RFC 6665 §4.1.3: at shutdown, "deactivated" asks to subscribe again. */
static void
s2x_shutdown(void **state)
{
	static const enum s2x_state states[] = { S2X_PENDING, S2X_ACTIVE };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(states); i++) {
		enum s2x_state st = states[i];

		assert_int_equal(s2x(&st, S2X_EV_SHUTDOWN),
		    S2X_ACT_NOTIFY_END_DEACTIVATED | S2X_ACT_DELETE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(s2x_new_subscription),
		cmocka_unit_test(s2x_new_subscription_authorized),
		cmocka_unit_test(s2x_unsubscribed),
		cmocka_unit_test(s2x_refresh),
		cmocka_unit_test(s2x_unsubscribe_and_expiry),
		cmocka_unit_test(s2x_notify_failed),
		cmocka_unit_test(s2x_shutdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
