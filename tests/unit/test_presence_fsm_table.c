/*
 * The RFC 8048 subscription state machines as whole tables: properties
 * every cell of X2S (§5.2) and S2X (§5.3) must have, how SIP response
 * classes read, RFC 6665 §4.1.2.2's failed refresh in every state it can
 * meet, out-of-range input, and the names the trace prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "presence_fsm_fixtures.h"

/* Every X2S state, for the checks cell by cell. */
static const enum x2s_state all_x2s_states[] = {
	X2S_NONE, X2S_SUBSCRIBING, X2S_PENDING, X2S_ACTIVE, X2S_IDLE,
	X2S_RESUBSCRIBING, X2S_UNSUBSCRIBING,
};

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
		cmocka_unit_test(x2s_status_classes),
		cmocka_unit_test(x2s_table_properties),
		cmocka_unit_test(x2s_out_of_range_and_names),
		cmocka_unit_test(rfc_x2s_refresh_failure_keeps_dialog),
		cmocka_unit_test(s2x_table_properties),
		cmocka_unit_test(s2x_out_of_range_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
