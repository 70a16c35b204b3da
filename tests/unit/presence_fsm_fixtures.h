/*
 * What the presence state machine tests (test_presence_fsm_*.c) share:
 * one step of either machine, the action sets the "must not" checks use,
 * and the message for a failed row check (presence_fsm_fixtures.c).
 */
#ifndef SIPXMPP_PRESENCE_FSM_FIXTURES_H
#define SIPXMPP_PRESENCE_FSM_FIXTURES_H

#include "presence_fsm.h"

/* Everything that talks to the SIP side, for "must not" checks. */
#define X2S_ANY_SUBSCRIBE	(X2S_ACT_SUBSCRIBE_NEW | \
    X2S_ACT_SUBSCRIBE_REFRESH | X2S_ACT_SUBSCRIBE_END)
#define S2X_ANY_NOTIFY	(S2X_ACT_NOTIFY_PENDING | S2X_ACT_NOTIFY_ACTIVE | \
    S2X_ACT_NOTIFY_END_TIMEOUT | S2X_ACT_NOTIFY_END_REJECTED | \
    S2X_ACT_NOTIFY_END_DEACTIVATED)

/* How many elements the array a has. */
#define N_ELEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* presence_fsm_fixtures.c */
unsigned x2s(enum x2s_state *st, enum x2s_event ev);
unsigned s2x(enum s2x_state *st, enum s2x_event ev);
void row_fail(const char *what, enum x2s_state st, enum x2s_event ev,
    struct presence_step r);

#endif
