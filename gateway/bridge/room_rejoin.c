/*
 * Kept memberships coming back, and quiet ones going (issue 13 items 7
 * and 8). A membership outlives the XMPP link and the gateway itself
 * (room_store.c): when the link is up it enters the room again with the
 * nick it had, asking only for the history after its marker. One that
 * could not get back (the room did not answer) is tried again now and
 * then for as long as the link is up. A SIP user who has written
 * nothing to a room for [rooms] idle_leave_s leaves it and is told so.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "room_int.h"
#include "xmpp_link.h"

/* A detached membership enters again with its nick (§7.2.1). */
void
room_rejoin(struct room_member *m)
{
	if (m->state != ROOM_DETACHED && m->state != ROOM_NONE)
		return;
	/* The nick he had is the one to keep; 409 suffixes it anew. */
	snprintf(m->base_nick, sizeof(m->base_nick), "%s", m->nick);
	m->nick_try = 0;
	room_member_event(m, ROOM_EV_REJOIN, NULL, NULL, 0);
}

/*
 * Hook for conference subscriptions (RFC 4575, issue 13 item 2): a SIP
 * user who watches the room by SUBSCRIBE is present without writing, so
 * a membership with a live subscription must not idle out. None exist
 * yet; the SUBSCRIBE side answers here when it comes.
 */
int
room_member_has_subscription(const struct room_member *m)
{
	return m->sub != NULL;
}

/* Seconds from a to b (monotonic). */
static long long
seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) -
	    (b->tv_nsec < a->tv_nsec ? 1 : 0);
}

/* Per tick: idle leave, and another try for one left detached. */
void
room_rejoin_cron(struct room_member *m, const struct timespec *now)
{
	int idle = m->br->gw->cfg->rooms_idle_leave_s;

	if (m->state == ROOM_DETACHED) {
		/* A rejoin that timed out: again once its leave is due. */
		if (xmpp_link_is_ready(m->br->gw->xmpp) &&
		    room_is_past(&m->deadline, now))
			room_rejoin(m);
		return;
	}
	if (m->state != ROOM_JOINED || idle <= 0 ||
	    room_member_has_subscription(m) ||
	    seconds_between(&m->last_said, now) < idle)
		return;
	log_info("room: %s in %s: nothing said for %d s ([rooms] "
	    "idle_leave_s): leaves", m->user_uri, m->room_jid, idle);
	if (idle >= 120)
		snprintf(m->out_reason, sizeof(m->out_reason), "You left %.100s "
		    "after %d minutes without a message; write to it to "
		    "rejoin.", m->room_uri, idle / 60);
	else
		snprintf(m->out_reason, sizeof(m->out_reason), "You left %.100s "
		    "after %d seconds without a message; write to it to "
		    "rejoin.", m->room_uri, idle);
	room_member_event(m, ROOM_EV_IDLE, NULL, NULL, 0);
}
