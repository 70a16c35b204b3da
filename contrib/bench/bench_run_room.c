/*
 * The set-up of a room scenario (bench_run.c): the room's SIP
 * participants join through the gateway, one MESSAGE each to the room
 * URI (issue 13 item 2), --setup-window of them at a time, before the
 * load; timed and costed like the presence scenarios' subscriptions.
 */
#include <inttypes.h>
#include <string.h>

#include "bench.h"

#define ROOM_SETUP_MS	60000	/* all joins, at most */
#define ROOM_TURN_MS	10

/* Participants whose join got a final answer, 200 or not. */
static int
answered(struct run *r)
{
	return room_peers_joined(r->rp) +
	    (int)room_peers_stats(r->rp)->join_failed;
}

/* The room and its participants, all joined; -1 if they could not. */
int
run_setup_room(struct run *r)
{
	const struct bench_opts *o = r->o;
	struct result *res = r->res;
	struct proc_sample a, b;
	int64_t t0 = now_ns(), give_up = t0 + ROOM_SETUP_MS * 1000000LL;
	int n = o->room_n, sent = 0;
	double us;

	r->rp = room_peers_new(r->base, r->se, r->xe, n,
	    r->sc->room == ROOM_FANOUT, o->body_size);
	if (r->rp == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &a);
	while (answered(r) < n && now_ns() < give_up) {
		while (sent < n && sent - answered(r) < o->setup_window)
			if (room_peers_join(r->rp, sent++) != 0)
				break;
		sip_end_flush(r->se);
		run_for(r, ROOM_TURN_MS);
		if (r->gw_pid > 0 && !proc_alive(r->gw_pid))
			break;
	}
	res->room_setup_s = (double)(now_ns() - t0) / 1e9;
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &b);
	res->room_joined = (uint64_t)room_peers_joined(r->rp);
	us = proc_cpu_us(&a, &b, 1);
	if (us < 0)
		us = proc_cpu_us(&a, &b, 0);
	bench_log("room: %" PRIu64 " of %d participants joined in %.2f s "
	    "(%.0f us of gateway CPU each)", res->room_joined, n,
	    res->room_setup_s, us >= 0 && res->room_joined > 0 ?
	    us / (double)res->room_joined : -1.0);
	if (res->room_joined != (uint64_t)n) {
		run_note(r, "%" PRIu64 " of %d participants joined the room "
		    "(see %s)", res->room_joined, n, r->gw_log);
		return -1;
	}
	/* Let the joins' own traffic settle before measuring. */
	run_for(r, 50);
	return 0;
}
