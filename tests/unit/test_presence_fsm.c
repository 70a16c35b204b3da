/*
 * The RFC 8048 subscription state machines, driven event by event the way
 * the RFC's scenarios run: Juliet (XMPP, juliet@xmpp.test) watching Romeo
 * (SIP, sip:romeo@sip.test) is X2S (§5.2); Romeo watching Juliet is S2X
 * (§5.3). Each step says what arrives, what the gateway must do, and what
 * it must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "presence_fsm.h"

/* Everything that talks to the SIP side, for "must not" checks. */
#define X2S_ANY_SUBSCRIBE	(X2S_ACT_SUBSCRIBE_NEW | \
    X2S_ACT_SUBSCRIBE_REFRESH | X2S_ACT_SUBSCRIBE_END)
#define S2X_ANY_NOTIFY	(S2X_ACT_NOTIFY_PENDING | S2X_ACT_NOTIFY_ACTIVE | \
    S2X_ACT_NOTIFY_END_TIMEOUT | S2X_ACT_NOTIFY_END_REJECTED | \
    S2X_ACT_NOTIFY_END_DEACTIVATED)

static const enum x2s_state all_x2s_states[] = {
	X2S_NONE, X2S_SUBSCRIBING, X2S_PENDING, X2S_ACTIVE, X2S_IDLE,
	X2S_RESUBSCRIBING, X2S_UNSUBSCRIBING,
};

#define N_ELEMS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * One X2S step: *st moves to the next state; the actions are returned.
 * The next state must be a real one.
 */
static unsigned
x2s(enum x2s_state *st, enum x2s_event ev)
{
	struct presence_step r = x2s_step(*st, ev);

	assert_in_range(r.next, 0, X2S_N_STATES - 1);
	*st = (enum x2s_state)r.next;
	return r.actions;
}

/* One S2X step, likewise. */
static unsigned
s2x(enum s2x_state *st, enum s2x_event ev)
{
	struct presence_step r = s2x_step(*st, ev);

	assert_in_range(r.next, 0, S2X_N_STATES - 1);
	*st = (enum s2x_state)r.next;
	return r.actions;
}

/* Says which state and event a failed row check was about. */
static void
row_fail(const char *what, enum x2s_state st, enum x2s_event ev,
    struct presence_step r)
{
	fail_msg("%s: %s + %s -> %s, actions 0x%04x", what, x2s_state_name(st),
	    x2s_event_name(ev), x2s_state_name((enum x2s_state)r.next),
	    r.actions);
}

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

/* RFC 8048 §5.2.2: how each final response class reads. */
static void
x2s_status_classes(void **state)
{
	static const struct {
		int status;
		enum x2s_event ev;
	} cases[] = {
		{ 200, X2S_EV_SIP_OK }, { 202, X2S_EV_SIP_OK },
		{ 299, X2S_EV_SIP_OK },
		{ 403, X2S_EV_SIP_PERMANENT }, { 489, X2S_EV_SIP_PERMANENT },
		{ 603, X2S_EV_SIP_PERMANENT },
		{ 423, X2S_EV_SIP_INTERVAL }, { 481, X2S_EV_SIP_TRANSIENT },
		{ 404, X2S_EV_SIP_FAILED }, { 408, X2S_EV_SIP_FAILED },
		{ 500, X2S_EV_SIP_FAILED }, { 480, X2S_EV_SIP_FAILED },
		{ 503, X2S_EV_SIP_FAILED }, { 300, X2S_EV_SIP_FAILED },
		{ 401, X2S_EV_SIP_FAILED }, { 604, X2S_EV_SIP_FAILED },
		{ 699, X2S_EV_SIP_FAILED }, { 0, X2S_EV_SIP_FAILED },
		{ -1, X2S_EV_SIP_FAILED }, { 100, X2S_EV_SIP_FAILED },
		{ 1000, X2S_EV_SIP_FAILED },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (x2s_event_for_status(cases[i].status) != cases[i].ev)
			fail_msg("status %d -> %s, want %s", cases[i].status,
			    x2s_event_name(x2s_event_for_status(
			    cases[i].status)), x2s_event_name(cases[i].ev));
}

/*
 * Properties of the whole X2S table, cell by cell:
 * - §5.2.1: authorization (reaching ACTIVE/IDLE/RESUBSCRIBING from a
 *   state without it) comes only from a NOTIFY active;
 * - §8: presence goes to Juliet only if the next state is ACTIVE;
 * - "subscribed" only into an authorized state, "unsubscribed" only when
 *   the record ends, and a record that ends sends no SIP request and
 *   schedules nothing;
 * - a refresh never goes with dropping the dialog.
 */
static void
x2s_table_properties(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(all_x2s_states); i++) {
		enum x2s_state st = all_x2s_states[i];

		for (int e = 0; e < X2S_N_EVENTS; e++) {
			struct presence_step r = x2s_step(st,
			    (enum x2s_event)e);
			enum x2s_state next = (enum x2s_state)r.next;
			unsigned a = r.actions;

			assert_in_range(r.next, 0, X2S_N_STATES - 1);
			if (!x2s_authorized(st) && x2s_authorized(next) &&
			    e != X2S_EV_NOTIFY_ACTIVE)
				row_fail("authorized without NOTIFY active", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_SEND_PRESENCE) && next != X2S_ACTIVE)
				row_fail("presence outside ACTIVE", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_SEND_SUBSCRIBED) &&
			    !x2s_authorized(next))
				row_fail("subscribed, not authorized", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_SEND_UNSUBSCRIBED) &&
			    !(a & X2S_ACT_DELETE))
				row_fail("unsubscribed but kept", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_DELETE) && (a & (X2S_ANY_SUBSCRIBE |
			    X2S_ACT_SCHEDULE_RETRY | X2S_ACT_SEND_PRESENCE |
			    X2S_ACT_SEND_SUBSCRIBED)))
				row_fail("deleted yet still busy", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_DROP_DIALOG) &&
			    (a & X2S_ACT_SUBSCRIBE_REFRESH))
				row_fail("refresh of a dropped dialog", st,
				    (enum x2s_event)e, r);
			if ((a & X2S_ACT_SEND_ERROR) && !(a & X2S_ACT_DELETE))
				row_fail("error but kept", st,
				    (enum x2s_event)e, r);
		}
	}
}

/* Out-of-range input changes nothing and names are stable. */
static void
x2s_out_of_range_and_names(void **state)
{
	struct presence_step r;

	(void)state;
	r = x2s_step(X2S_N_STATES, X2S_EV_XMPP_SUBSCRIBE);
	assert_int_equal(r.next, X2S_N_STATES);
	assert_int_equal(r.actions, 0);
	r = x2s_step(X2S_ACTIVE, X2S_N_EVENTS);
	assert_int_equal(r.next, X2S_ACTIVE);
	assert_int_equal(r.actions, 0);
	r = x2s_step((enum x2s_state)-1, X2S_EV_XMPP_SUBSCRIBE);
	assert_int_equal(r.actions, 0);
	assert_string_equal(x2s_state_name(X2S_NONE), "NONE");
	assert_string_equal(x2s_state_name(X2S_UNSUBSCRIBING),
	    "UNSUBSCRIBING");
	assert_string_equal(x2s_state_name(X2S_N_STATES), "?");
	assert_string_equal(x2s_event_name(X2S_EV_XMPP_SUBSCRIBE),
	    "xmpp-subscribe");
	assert_string_equal(x2s_event_name(X2S_EV_EXPIRED), "expired");
	assert_string_equal(x2s_event_name(X2S_N_EVENTS), "?");
	for (int s = 0; s < X2S_N_STATES; s++)
		assert_string_not_equal(x2s_state_name((enum x2s_state)s), "?");
	for (int e = 0; e < X2S_N_EVENTS; e++)
		assert_non_null(x2s_event_name((enum x2s_event)e));
	assert_false(x2s_authorized(X2S_NONE));
	assert_false(x2s_authorized(X2S_SUBSCRIBING));
	assert_false(x2s_authorized(X2S_PENDING));
	assert_false(x2s_authorized(X2S_UNSUBSCRIBING));
	assert_false(x2s_authorized(X2S_N_STATES));
}

/*
 * RFC 6665 §4.1.2.2: "If a SUBSCRIBE request to refresh a subscription
 * fails with any error code other than 481, the original subscription is
 * still considered valid" until it expires. A refresh answered 423 (sent
 * again with Min-Expires, RFC 3261 §21.4.17) or 408/500/503 keeps the
 * dialog and is retried in it.
 */
static void
rfc_x2s_refresh_failure_keeps_dialog(void **state)
{
	static const int statuses[] = { 423, 408, 500, 503 };
	static const enum x2s_state states[] = { X2S_ACTIVE, X2S_PENDING };

	(void)state;
	for (size_t j = 0; j < N_ELEMS(states); j++)
		for (size_t i = 0; i < N_ELEMS(statuses); i++) {
			enum x2s_event ev = x2s_event_for_status(statuses[i]);
			struct presence_step r = x2s_step(states[j], ev);

			if (r.next != (int)states[j] ||
			    (r.actions & X2S_ACT_DROP_DIALOG) ||
			    !(r.actions & X2S_ACT_SCHEDULE_RETRY) ||
			    !(x2s_step(states[j], X2S_EV_RETRY_DUE).actions &
			    X2S_ACT_SUBSCRIBE_REFRESH))
				row_fail("RFC 6665 4.1.2.2 refresh failure",
				    states[j], ev, r);
		}
}

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

/*
 * Properties of the whole S2X table:
 * - §5.3.1: presence (NOTIFY active) only once authorized (next ACTIVE),
 *   and PENDING -> ACTIVE always says so with a NOTIFY active;
 * - at most one NOTIFY per event;
 * - a watcher that ends was told (a terminated NOTIFY) unless the
 *   NOTIFY path itself failed; a watcher that goes on got no terminated.
 */
static void
s2x_table_properties(void **state)
{
	(void)state;
	for (int s = 0; s < S2X_N_STATES; s++)
		for (int e = 0; e < S2X_N_EVENTS; e++) {
			struct presence_step r = s2x_step((enum s2x_state)s,
			    (enum s2x_event)e);
			unsigned a = r.actions, notifies = a & S2X_ANY_NOTIFY;
			unsigned ends = a & (S2X_ACT_NOTIFY_END_TIMEOUT |
			    S2X_ACT_NOTIFY_END_REJECTED |
			    S2X_ACT_NOTIFY_END_DEACTIVATED);

			assert_in_range(r.next, 0, S2X_N_STATES - 1);
			if ((notifies & (notifies - 1)) != 0 ||
			    ((a & S2X_ACT_NOTIFY_ACTIVE) &&
			    r.next != S2X_ACTIVE) ||
			    (s == S2X_PENDING && r.next == S2X_ACTIVE &&
			    !(a & S2X_ACT_NOTIFY_ACTIVE)) ||
			    ((a & S2X_ACT_DELETE) && ends == 0 &&
			    e != S2X_EV_NOTIFY_FAILED) ||
			    (ends != 0 && !(a & S2X_ACT_DELETE)))
				fail_msg("%s + %s -> %s, actions 0x%04x",
				    s2x_state_name((enum s2x_state)s),
				    s2x_event_name((enum s2x_event)e),
				    s2x_state_name((enum s2x_state)r.next),
				    a);
		}
}

/* Out-of-range input changes nothing; names are stable. */
static void
s2x_out_of_range_and_names(void **state)
{
	struct presence_step r;

	(void)state;
	r = s2x_step(S2X_N_STATES, S2X_EV_REFRESH);
	assert_int_equal(r.next, S2X_N_STATES);
	assert_int_equal(r.actions, 0);
	r = s2x_step(S2X_ACTIVE, S2X_N_EVENTS);
	assert_int_equal(r.next, S2X_ACTIVE);
	assert_int_equal(r.actions, 0);
	assert_string_equal(s2x_state_name(S2X_PENDING), "PENDING");
	assert_string_equal(s2x_state_name(S2X_ACTIVE), "ACTIVE");
	assert_string_equal(s2x_state_name(S2X_N_STATES), "?");
	assert_string_equal(s2x_event_name(S2X_EV_SUBSCRIBE_NEW),
	    "subscribe-new");
	assert_string_equal(s2x_event_name(S2X_EV_SHUTDOWN), "shutdown");
	assert_string_equal(s2x_event_name(S2X_N_EVENTS), "?");
	for (int e = 0; e < S2X_N_EVENTS; e++)
		assert_string_not_equal(s2x_event_name((enum s2x_event)e), "?");
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
		cmocka_unit_test(x2s_status_classes),
		cmocka_unit_test(x2s_table_properties),
		cmocka_unit_test(x2s_out_of_range_and_names),
		cmocka_unit_test(rfc_x2s_refresh_failure_keeps_dialog),
		cmocka_unit_test(s2x_new_subscription),
		cmocka_unit_test(s2x_new_subscription_authorized),
		cmocka_unit_test(s2x_unsubscribed),
		cmocka_unit_test(s2x_refresh),
		cmocka_unit_test(s2x_unsubscribe_and_expiry),
		cmocka_unit_test(s2x_notify_failed),
		cmocka_unit_test(s2x_shutdown),
		cmocka_unit_test(s2x_table_properties),
		cmocka_unit_test(s2x_out_of_range_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
