/*
 * The RFC 8048 X2S subscription state machine (§5.2), driven event by
 * event the way the RFC's scenarios run: Juliet (XMPP, juliet@xmpp.test)
 * watching Romeo (SIP, sip:romeo@sip.test). Each step says what arrives,
 * what the gateway must do, and what it must not. (S2X scenarios are in
 * test_presence_fsm_s2x.c, properties of whole tables in
 * test_presence_fsm_table.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "presence_fsm_fixtures.h"

/*
 * RFC 8048 §5.2.1, the whole way: Juliet subscribes; the gateway
 * SUBSCRIBEs; the 200 is neutral; NOTIFY pending is answered but says
 * nothing to XMPP; NOTIFY active brings "subscribed" and then presence.
 */
static void
x2s_happy_path(void **state)
{
	enum x2s_state st = X2S_NONE;

	(void)state;
	/* <presence type='subscribe' to='romeo@sip.test'/> */
	assert_int_equal(x2s(&st, X2S_EV_XMPP_SUBSCRIBE),
	    X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_SUBSCRIBING);
	assert_false(x2s_authorized(st));

	/* SIP/2.0 200 OK: not authorization (§5.2.1). */
	assert_int_equal(x2s(&st, x2s_event_for_status(200)), 0);
	assert_int_equal(st, X2S_PENDING);
	assert_false(x2s_authorized(st));

	/* NOTIFY Subscription-State: pending: silence toward XMPP. */
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_PENDING), 0);
	assert_int_equal(st, X2S_PENDING);
	assert_false(x2s_authorized(st));

	/* NOTIFY active: subscribed, then the presence in its body. */
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);
	assert_true(x2s_authorized(st));

	/* Later NOTIFYs: presence only, "subscribed" was said once. */
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);

	/* §5.2.2: the gateway refreshes before the dialog runs out. */
	assert_int_equal(x2s(&st, X2S_EV_REFRESH_DUE),
	    X2S_ACT_SUBSCRIBE_REFRESH);
	assert_int_equal(x2s(&st, x2s_event_for_status(200)), 0);
	assert_int_equal(st, X2S_ACTIVE);
}

/*
 * RFC 6665 §4.1.2.4: the first NOTIFY may overtake the 200. Active at
 * once authorizes; the late 200 then changes nothing.
 */
static void
x2s_notify_overtakes_200(void **state)
{
	enum x2s_state st = X2S_SUBSCRIBING;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);
	assert_int_equal(x2s(&st, x2s_event_for_status(200)), 0);
	assert_int_equal(st, X2S_ACTIVE);

	/* Pending first, then the 200: still neutral, still silent. */
	st = X2S_SUBSCRIBING;
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_PENDING), 0);
	assert_int_equal(st, X2S_PENDING);
	assert_int_equal(x2s(&st, x2s_event_for_status(202)), 0);
	assert_int_equal(st, X2S_PENDING);
}

/* §5.2.1: while the SIP user decides, the gateway keeps asking. */
static void
x2s_pending_is_kept_alive(void **state)
{
	enum x2s_state st = X2S_PENDING;
	unsigned a;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_REFRESH_DUE),
	    X2S_ACT_SUBSCRIBE_REFRESH);
	assert_int_equal(st, X2S_PENDING);
	/* It ran out anyway: start over later, still without a word. */
	a = x2s(&st, X2S_EV_EXPIRED);
	assert_true(a & X2S_ACT_SCHEDULE_RETRY);
	assert_false(a & (X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_SEND_PRESENCE |
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_DELETE));
	assert_false(x2s_authorized(st));
	assert_int_equal(x2s(&st, X2S_EV_RETRY_DUE), X2S_ACT_SUBSCRIBE_NEW);
}

/*
 * RFC 8048 §5.2.2: 403, 489 and 603 cancel the authorization for good:
 * Juliet gets "unsubscribed" and the record ends, from every state where a
 * SUBSCRIBE of ours can be answered.
 */
static void
x2s_permanent_responses(void **state)
{
	static const int statuses[] = { 403, 489, 603 };
	static const enum x2s_state states[] = {
		X2S_SUBSCRIBING, X2S_PENDING, X2S_ACTIVE, X2S_RESUBSCRIBING,
		X2S_UNSUBSCRIBING,
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(statuses); i++) {
		enum x2s_event ev = x2s_event_for_status(statuses[i]);

		assert_int_equal(ev, X2S_EV_SIP_PERMANENT);
		for (size_t j = 0; j < N_ELEMS(states); j++) {
			struct presence_step r = x2s_step(states[j], ev);

			if (r.actions != (X2S_ACT_SEND_UNSUBSCRIBED |
			    X2S_ACT_DELETE))
				row_fail("permanent", states[j], ev, r);
		}
	}
}

/*
 * RFC 6665 §4.1.3: NOTIFY terminated;reason=rejected (or noresource,
 * invariant) says do not come back: "unsubscribed", the record ends.
 */
static void
x2s_notify_rejected(void **state)
{
	static const enum x2s_state states[] = {
		X2S_SUBSCRIBING, X2S_PENDING, X2S_ACTIVE, X2S_RESUBSCRIBING,
		X2S_UNSUBSCRIBING,
	};

	(void)state;
	for (size_t j = 0; j < N_ELEMS(states); j++) {
		struct presence_step r = x2s_step(states[j],
		    X2S_EV_NOTIFY_END_FINAL);

		if (r.actions != (X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE))
			row_fail("rejected", states[j],
			    X2S_EV_NOTIFY_END_FINAL, r);
	}
}

/*
 * RFC 8048 §5.2.2: 481 is transient. The dialog is gone (RFC 6665
 * §4.1.2.2), the authorization is not: Juliet hears nothing, and a new
 * SUBSCRIBE goes out when the retry is due; its NOTIFY active brings
 * presence without a second "subscribed".
 */
static void
x2s_481_keeps_authorization(void **state)
{
	enum x2s_state st = X2S_ACTIVE;
	unsigned a;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_REFRESH_DUE),
	    X2S_ACT_SUBSCRIBE_REFRESH);
	a = x2s(&st, x2s_event_for_status(481));
	assert_int_equal(a, X2S_ACT_DROP_DIALOG | X2S_ACT_SCHEDULE_RETRY);
	assert_int_equal(st, X2S_IDLE);
	assert_true(x2s_authorized(st));

	assert_int_equal(x2s(&st, X2S_EV_RETRY_DUE), X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_RESUBSCRIBING);
	assert_true(x2s_authorized(st));
	assert_int_equal(x2s(&st, x2s_event_for_status(200)), 0);
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);
}

/*
 * RFC 8048 §5.2.2: 423 is transient too: whatever else happens, the
 * authorization stays and Juliet is not told "unsubscribed".
 */
static void
x2s_423_keeps_authorization(void **state)
{
	static const enum x2s_state states[] = {
		X2S_ACTIVE, X2S_RESUBSCRIBING,
	};

	(void)state;
	assert_int_equal(x2s_event_for_status(423), X2S_EV_SIP_INTERVAL);
	for (size_t j = 0; j < N_ELEMS(states); j++) {
		struct presence_step r = x2s_step(states[j],
		    X2S_EV_SIP_INTERVAL);

		if (!x2s_authorized((enum x2s_state)r.next) ||
		    (r.actions & (X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE |
		    X2S_ACT_SEND_ERROR)) != 0)
			row_fail("423 lost the authorization", states[j],
			    X2S_EV_SIP_INTERVAL, r);
	}
}

/*
 * RFC 3261 §21.4.17: a first SUBSCRIBE answered 423 is tried again (with
 * Min-Expires); Juliet hears nothing meanwhile.
 */
static void
x2s_423_on_first_subscribe(void **state)
{
	enum x2s_state st = X2S_NONE;
	unsigned a;

	(void)state;
	x2s(&st, X2S_EV_XMPP_SUBSCRIBE);
	a = x2s(&st, x2s_event_for_status(423));
	assert_true(a & X2S_ACT_SCHEDULE_RETRY);
	assert_false(a & (X2S_ACT_SEND_ERROR | X2S_ACT_SEND_UNSUBSCRIBED |
	    X2S_ACT_DELETE));
	assert_int_equal(st, X2S_SUBSCRIBING);
	assert_int_equal(x2s(&st, X2S_EV_RETRY_DUE), X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_SUBSCRIBING);
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE);
}

/*
 * RFC 6665 §4.1.3: terminated with deactivated, probation, timeout or
 * giveup invites a new subscription; RFC 8048 §5.2.2 keeps the
 * authorization meanwhile.
 */
static void
x2s_notify_terminated_retry(void **state)
{
	enum x2s_state st = X2S_ACTIVE;
	unsigned a;

	(void)state;
	a = x2s(&st, X2S_EV_NOTIFY_END_RETRY);
	assert_int_equal(a, X2S_ACT_DROP_DIALOG | X2S_ACT_SCHEDULE_RETRY);
	assert_int_equal(st, X2S_IDLE);
	assert_true(x2s_authorized(st));
	assert_int_equal(x2s(&st, X2S_EV_RETRY_DUE), X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_RESUBSCRIBING);

	/* Not yet authorized: retry, still neutral. */
	st = X2S_PENDING;
	a = x2s(&st, X2S_EV_NOTIFY_END_RETRY);
	assert_true(a & X2S_ACT_SCHEDULE_RETRY);
	assert_false(a & (X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_SEND_PRESENCE |
	    X2S_ACT_DELETE));
	assert_false(x2s_authorized(st));
}

/*
 * RFC 8048 §5.2.3: Juliet unsubscribes: SUBSCRIBE Expires: 0 in the
 * dialog; "unsubscribed" only when the 200 comes back. A NOTIFY active
 * racing with it brings no presence.
 */
static void
x2s_unsubscribe(void **state)
{
	enum x2s_state st = X2S_ACTIVE;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_UNSUBSCRIBE),
	    X2S_ACT_SUBSCRIBE_END);
	assert_int_equal(st, X2S_UNSUBSCRIBING);
	assert_false(x2s_authorized(st));
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE), 0);
	assert_int_equal(x2s(&st, x2s_event_for_status(200)),
	    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
}

/* The final NOTIFY terminated may come before the 200: same ending. */
static void
x2s_unsubscribe_notify_first(void **state)
{
	static const int status[] = { 481, 408, 500, 403 };
	enum x2s_state st = X2S_PENDING;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_UNSUBSCRIBE),
	    X2S_ACT_SUBSCRIBE_END);
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_END_RETRY),
	    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
	/* Any answer at all ends it: Juliet asked to stop. */
	for (size_t i = 0; i < N_ELEMS(status); i++) {
		st = X2S_UNSUBSCRIBING;
		assert_int_equal(x2s(&st, x2s_event_for_status(status[i])),
		    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
	}
}

/* With no dialog to end, "unsubscribed" is immediate. */
static void
x2s_unsubscribe_without_dialog(void **state)
{
	enum x2s_state st;

	(void)state;
	st = X2S_IDLE;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_UNSUBSCRIBE),
	    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
	st = X2S_NONE;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_UNSUBSCRIBE),
	    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
}

/* She changes her mind while the Expires: 0 is in flight. */
static void
x2s_subscribe_while_unsubscribing(void **state)
{
	enum x2s_state st = X2S_UNSUBSCRIBING;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_SUBSCRIBE),
	    X2S_ACT_DROP_DIALOG | X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_SUBSCRIBING);
	assert_false(x2s_authorized(st));
}

/*
 * RFC 8048 §5.2.2: subscriptions live through Juliet's presence session:
 * her last resource going offline ends the dialog (authorization kept);
 * her next initial presence (Prosody probes) opens a new one.
 */
static void
x2s_watcher_offline_then_online(void **state)
{
	enum x2s_state st = X2S_ACTIVE;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_WATCHER_OFFLINE),
	    X2S_ACT_SUBSCRIBE_END | X2S_ACT_DROP_DIALOG);
	assert_int_equal(st, X2S_IDLE);
	assert_true(x2s_authorized(st));
	/* The 200 to that Expires: 0, and a late NOTIFY: nothing. */
	assert_int_equal(x2s(&st, x2s_event_for_status(200)), 0);
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_END_RETRY), 0);
	assert_int_equal(x2s(&st, X2S_EV_REFRESH_DUE), 0);
	assert_int_equal(st, X2S_IDLE);

	assert_int_equal(x2s(&st, X2S_EV_WATCHER_ONLINE),
	    X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_RESUBSCRIBING);
	/* A second probe while the SUBSCRIBE is out sends no second one. */
	assert_int_equal(x2s(&st, X2S_EV_WATCHER_ONLINE), 0);
	assert_int_equal(x2s(&st, X2S_EV_NOTIFY_ACTIVE),
	    X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);
}

/* Offline before anything was authorized is not news. */
static void
x2s_watcher_offline_when_idle(void **state)
{
	enum x2s_state st = X2S_IDLE;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_WATCHER_OFFLINE), 0);
	assert_int_equal(st, X2S_IDLE);
	st = X2S_NONE;
	assert_int_equal(x2s(&st, X2S_EV_WATCHER_OFFLINE), 0);
	assert_int_equal(x2s(&st, X2S_EV_WATCHER_ONLINE), 0);
	assert_int_equal(st, X2S_NONE);
}

/*
 * RFC 6121 §3.1.3: a subscribe for a contact she is already subscribed
 * to is answered "subscribed" at once; from IDLE it also re-subscribes.
 */
static void
x2s_subscribe_when_authorized(void **state)
{
	enum x2s_state st = X2S_ACTIVE;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_SUBSCRIBE),
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SEND_PRESENCE);
	assert_int_equal(st, X2S_ACTIVE);
	st = X2S_IDLE;
	assert_int_equal(x2s(&st, X2S_EV_XMPP_SUBSCRIBE),
	    X2S_ACT_SEND_SUBSCRIBED | X2S_ACT_SUBSCRIBE_NEW);
	assert_int_equal(st, X2S_RESUBSCRIBING);
	assert_int_equal(x2s(&st, X2S_EV_XMPP_SUBSCRIBE),
	    X2S_ACT_SEND_SUBSCRIBED);
}

/*
 * RFC 7247 §8, presence spec: a first SUBSCRIBE failing otherwise (404,
 * 480, 408, 5xx) is a presence error to Juliet, and the record ends.
 */
static void
x2s_first_subscribe_fails(void **state)
{
	static const int statuses[] = { 404, 408, 480, 500, 503, 604 };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(statuses); i++) {
		enum x2s_state st = X2S_SUBSCRIBING;

		assert_int_equal(x2s(&st, x2s_event_for_status(statuses[i])),
		    X2S_ACT_SEND_ERROR | X2S_ACT_DELETE);
	}
}

/* An authorized dialog that ran out: retry later, authorization kept. */
static void
x2s_expired(void **state)
{
	enum x2s_state st = X2S_ACTIVE;

	(void)state;
	assert_int_equal(x2s(&st, X2S_EV_EXPIRED),
	    X2S_ACT_DROP_DIALOG | X2S_ACT_SCHEDULE_RETRY);
	assert_int_equal(st, X2S_IDLE);
	assert_true(x2s_authorized(st));
	st = X2S_UNSUBSCRIBING;
	assert_int_equal(x2s(&st, X2S_EV_EXPIRED),
	    X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x2s_happy_path),
		cmocka_unit_test(x2s_notify_overtakes_200),
		cmocka_unit_test(x2s_pending_is_kept_alive),
		cmocka_unit_test(x2s_permanent_responses),
		cmocka_unit_test(x2s_notify_rejected),
		cmocka_unit_test(x2s_481_keeps_authorization),
		cmocka_unit_test(x2s_423_keeps_authorization),
		cmocka_unit_test(x2s_423_on_first_subscribe),
		cmocka_unit_test(x2s_notify_terminated_retry),
		cmocka_unit_test(x2s_unsubscribe),
		cmocka_unit_test(x2s_unsubscribe_notify_first),
		cmocka_unit_test(x2s_unsubscribe_without_dialog),
		cmocka_unit_test(x2s_subscribe_while_unsubscribing),
		cmocka_unit_test(x2s_watcher_offline_then_online),
		cmocka_unit_test(x2s_watcher_offline_when_idle),
		cmocka_unit_test(x2s_subscribe_when_authorized),
		cmocka_unit_test(x2s_first_subscribe_fails),
		cmocka_unit_test(x2s_expired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
