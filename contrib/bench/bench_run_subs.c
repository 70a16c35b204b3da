/*
 * The subscriptions of a presence scenario, made before its load
 * (bench_run.c) through the presence peers (bench_presence.c), one
 * direction at a time, each timed and costed; for "subscriptions" they
 * are the whole scenario: the gateway's RSS per subscription held.
 */
#include <inttypes.h>
#include <string.h>

#include "bench.h"

#define SETUP_STALL_MS	10000	/* set-up gives up after this long idle */

/* Bytes of RSS per subscription between two samples; -1 if unknown. */
static double
per_sub(const struct proc_sample *a, const struct proc_sample *b,
    uint64_t n)
{
	if (!a->ok || !b->ok || n == 0)
		return -1;
	return ((double)b->rss_kb - (double)a->rss_kb) * 1024 / (double)n;
}

/* The gateway's /proc figures now; all zero when it has no pid. */
static void
gw_sample(struct run *r, struct proc_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, s);
}

/* One direction's set-up, timed and costed; how many came up. */
static uint64_t
setup_direction(struct run *r, int s2x, double *secs, double *cpu_us)
{
	struct proc_sample a, b;
	int64_t t0 = now_ns();
	uint64_t up;
	double us;

	gw_sample(r, &a);
	up = s2x ? presence_setup_s2x(r->pp, r->o->setup_window,
	    SETUP_STALL_MS) : presence_setup_x2s(r->pp, r->o->setup_window,
	    SETUP_STALL_MS);
	*secs = (double)(now_ns() - t0) / 1e9;
	gw_sample(r, &b);
	us = proc_cpu_us(&a, &b, 1);
	if (us < 0)
		us = proc_cpu_us(&a, &b, 0);
	*cpu_us = us >= 0 && up > 0 ? us / (double)up : -1;
	bench_log("presence: %" PRIu64 " %s subscriptions up in %.1f s",
	    up, s2x ? "S2X" : "X2S", *secs);
	return up;
}

/* Lets transient state (completed transactions: 32 s) go, then samples. */
static void
settle(struct run *r, struct proc_sample *s)
{
	if (r->o->settle_s > 0)
		run_for(r, (int)(r->o->settle_s * 1000));
	gw_sample(r, s);
}

/*
 * The subscriptions a presence scenario needs, before its load; for
 * "subscriptions" the whole scenario: the gateway's RSS before, after
 * the X2S subscriptions and after the S2X ones, each right after its
 * set-up and after --settle seconds.
 */
int
run_setup_presence(struct run *r)
{
	const struct bench_opts *o = r->o;
	struct result *res = r->res;
	struct proc_sample s0, s1, s1s, s2, s2s;
	uint64_t n_x2s = 0, n_w = 0, n_pairs = 0;

	switch (r->sc->presence) {
	case PRESENCE_NOTIFY:
		n_x2s = (uint64_t)o->users;
		break;
	case PRESENCE_WATCHERS:
		n_w = (uint64_t)o->watchers;
		n_pairs = (uint64_t)o->watched;
		break;
	case PRESENCE_HOLD:
		n_x2s = n_w = n_pairs = (uint64_t)o->subs;
		break;
	default:
		return 0;
	}
	r->pp = presence_peers_new(r->base, r->se, r->xe, n_x2s, n_w,
	    n_pairs);
	if (r->pp == NULL)
		return -1;
	gw_sample(r, &s0);
	if (n_x2s > 0) {
		res->subs_x2s = setup_direction(r, 0, &res->setup_x2s_s,
		    &res->setup_x2s_cpu_us);
		if (r->sc->presence == PRESENCE_HOLD) {
			gw_sample(r, &s1);
			settle(r, &s1s);
			res->rss_before_kb = s0.rss_kb;
			res->rss_x2s_kb = s1.rss_kb;
			res->rss_x2s_settled_kb = s1s.rss_kb;
			res->bytes_per_x2s = per_sub(&s0, &s1s, res->subs_x2s);
			s0 = s1s;
		}
	}
	if (n_w > 0) {
		res->subs_s2x = setup_direction(r, 1, &res->setup_s2x_s,
		    &res->setup_s2x_cpu_us);
		if (r->sc->presence == PRESENCE_HOLD) {
			gw_sample(r, &s2);
			settle(r, &s2s);
			res->rss_s2x_kb = s2.rss_kb;
			res->rss_s2x_settled_kb = s2s.rss_kb;
			res->bytes_per_s2x = per_sub(&s0, &s2s, res->subs_s2x);
			res->gw_hwm_kb = s2s.hwm_kb;
			res->gw_rss_kb = s2s.rss_kb;
		}
	}
	res->setup_failed = presence_stats(r->pp)->setup_failed;
	res->settle_s = o->settle_s;
	if (res->setup_failed > 0)
		run_note(r, "%" PRIu64 " subscriptions could not be set up "
		    "(see %s)", res->setup_failed, r->gw_log);
	if (r->gw_pid > 0 && !proc_alive(r->gw_pid)) {
		run_note(r, "the gateway died during the set-up (see %s)",
		    r->gw_log);
		return -1;
	}
	return 0;
}
