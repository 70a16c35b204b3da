/*
 * The steps the presence state machine tests take: one event through
 * either machine, checked to land in a real state, and the message a
 * failed check on one cell of the X2S table gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "presence_fsm_fixtures.h"

/*
 * One X2S step: *st moves to the next state; the actions are returned.
 * The next state must be a real one.
 */
unsigned
x2s(enum x2s_state *st, enum x2s_event ev)
{
	struct presence_step r = x2s_step(*st, ev);

	assert_in_range(r.next, 0, X2S_N_STATES - 1);
	*st = (enum x2s_state)r.next;
	return r.actions;
}

/* One S2X step, likewise. */
unsigned
s2x(enum s2x_state *st, enum s2x_event ev)
{
	struct presence_step r = s2x_step(*st, ev);

	assert_in_range(r.next, 0, S2X_N_STATES - 1);
	*st = (enum s2x_state)r.next;
	return r.actions;
}

/* Says which state and event a failed row check was about. */
void
row_fail(const char *what, enum x2s_state st, enum x2s_event ev,
    struct presence_step r)
{
	fail_msg("%s: %s + %s -> %s, actions 0x%04x", what, x2s_state_name(st),
	    x2s_event_name(ev), x2s_state_name((enum x2s_state)r.next),
	    r.actions);
}
