/*
 * When messages go out, and what became of each.
 *
 * Open loop (rate R): message i is due at t0 + i/R whatever happened to
 * the others, and its latency counts from that due time, not from when
 * the bench got round to sending it: a gateway that stalls is charged for
 * every message that waited behind the stall (no coordinated omission).
 * Sends are grouped per tick (tick_us) so the bench does not wake 50,000
 * times a second; that quantum is part of the measured latency.
 *
 * Closed loop (window N): N messages outstanding, a new one for every
 * answer; latency counts from the actual send. Gives the ceiling, not a
 * latency under a given load. The answer may come in on another end than
 * the one the next message leaves by (an XMPP -> SIP answer arrives at the
 * SIP UAS, the next message goes out on the XMPP stream), so the sends an
 * answer causes are flushed by the load itself once the loop turn's
 * callbacks are done: one write for all the answers of a read.
 *
 * Every message is tracked by its sequence number: sent, answered (OK or
 * which error), delivered at the far end, answered twice.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define ST_SENT		0x01
#define ST_DONE		0x02
#define ST_DELIVERED	0x04
#define ST_MEASURED	0x08

#define MAX_BURST	4096	/* sends per tick before yielding */

struct load {
	struct event_base *base;
	struct load_params p;
	struct load_ops	 ops;
	void		*arg;
	enum load_phase	 phase;
	struct event	*tick_ev, *warm_ev, *end_ev, *drain_ev;
	struct event	*flush_ev;	/* closed loop: sends of this turn */
	uint64_t	 next;		/* next sequence number to send */
	uint64_t	 outstanding;
	int64_t		 interval_ns;	/* open loop: between messages */
	uint8_t		*state;
	int64_t		*sched;
	size_t		 cap;
	size_t		 ok_cap;
	struct load_result r;
};

/* Makes room for seq in the per-message arrays. */
static void
grow(struct load *l, uint64_t seq)
{
	size_t cap = l->cap ? l->cap : 65536;
	uint8_t *st;
	int64_t *sc;

	if (seq < l->cap)
		return;
	while (cap <= seq)
		cap *= 2;
	st = realloc(l->state, cap);
	sc = realloc(l->sched, cap * sizeof(*sc));
	if (st == NULL || sc == NULL) {
		bench_warnx("out of memory tracking %zu messages", cap);
		exit(2);
	}
	memset(st + l->cap, 0, cap - l->cap);
	l->state = st;
	l->sched = sc;
	l->cap = cap;
}

/* Sends message seq, due at due (ns). */
static void
send_one(struct load *l, uint64_t seq, int64_t due)
{
	grow(l, seq);
	l->sched[seq] = due;
	l->state[seq] = ST_SENT;
	if (l->phase == LOAD_MEASURE) {
		l->state[seq] |= ST_MEASURED;
		l->r.measured++;
	}
	l->r.sent++;
	if (l->ops.send(l->arg, seq) != 0) {
		/* Nothing left the bench: not a loss of the gateway's. */
		l->r.not_sent++;
		l->state[seq] |= ST_DONE;
		return;
	}
	l->outstanding++;
}

/* The run is over: tell the scenario, which leaves the loop. */
static void
finish(struct load *l)
{
	if (l->phase == LOAD_DONE)
		return;
	l->phase = LOAD_DONE;
	l->r.t_done = now_ns();
	l->r.losses = l->outstanding;
	event_del(l->tick_ev);
	event_del(l->drain_ev);
	l->ops.phase(l->arg, LOAD_DONE);
}

/* Open loop: sends everything that is due, then sleeps until the next. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load *l = arg;
	struct timeval tv = { 0, 0 };
	int64_t now = now_ns(), due, wait;
	int n = 0;

	(void)fd;
	(void)what;
	if (l->phase >= LOAD_DRAIN)
		return;
	for (;;) {
		due = l->r.t0 + (int64_t)l->next * l->interval_ns;
		if (due > now || due >= l->r.t_end || n >= MAX_BURST)
			break;
		send_one(l, l->next++, due);
		n++;
	}
	l->ops.flush(l->arg);
	if (due >= l->r.t_end)
		return;		/* the end timer takes over */
	wait = due - now_ns();
	if (wait < l->p.tick_us * 1000LL)
		wait = n >= MAX_BURST ? 0 : l->p.tick_us * 1000LL;
	tv.tv_sec = wait / 1000000000;
	tv.tv_usec = (wait % 1000000000) / 1000;
	evtimer_add(l->tick_ev, &tv);
}

/* End of a loop turn in which answers made the closed loop send. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load *l = arg;

	(void)fd;
	(void)what;
	l->ops.flush(l->arg);
}

/* Warm-up over: from now on messages are measured. */
static void
warm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load *l = arg;

	(void)fd;
	(void)what;
	l->phase = LOAD_MEASURE;
	l->r.t_warm = now_ns();
	l->ops.phase(l->arg, LOAD_MEASURE);
}

/* Measured interval over: stop sending, wait for what is in flight. */
static void
end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load *l = arg;
	struct timeval tv;

	(void)fd;
	(void)what;
	if (l->phase < LOAD_MEASURE)
		warm_cb(-1, 0, l);
	l->phase = LOAD_DRAIN;
	l->ops.phase(l->arg, LOAD_DRAIN);
	if (l->outstanding == 0) {
		finish(l);
		return;
	}
	tv.tv_sec = (time_t)l->p.drain_s;
	tv.tv_usec = (suseconds_t)((l->p.drain_s - (double)tv.tv_sec) * 1e6);
	evtimer_add(l->drain_ev, &tv);
}

/* Drain time over: whatever is still out is lost. */
static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg);
}

/* Sets a run up; nothing is sent before load_start(). */
struct load *
load_new(struct event_base *base, const struct load_params *p,
    const struct load_ops *ops, void *arg)
{
	struct load *l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->p = *p;
	if (l->p.tick_us < 10)
		l->p.tick_us = 10;
	l->ops = *ops;
	l->arg = arg;
	l->tick_ev = evtimer_new(base, tick_cb, l);
	l->warm_ev = evtimer_new(base, warm_cb, l);
	l->end_ev = evtimer_new(base, end_cb, l);
	l->drain_ev = evtimer_new(base, drain_cb, l);
	l->flush_ev = event_new(base, -1, 0, flush_cb, l);
	if (l->tick_ev == NULL || l->warm_ev == NULL || l->end_ev == NULL ||
	    l->drain_ev == NULL || l->flush_ev == NULL) {
		load_free(l);
		return NULL;
	}
	hist_reset(&l->r.lat);
	return l;
}

/* Converts seconds to a timeval. */
static struct timeval
tv_of(double s)
{
	struct timeval tv;

	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Starts sending. */
void
load_start(struct load *l)
{
	struct timeval tv;

	l->r.t0 = now_ns();
	l->r.t_warm = l->r.t0 + (int64_t)(l->p.warmup_s * 1e9);
	l->r.t_end = l->r.t_warm + (int64_t)(l->p.duration_s * 1e9);
	l->phase = LOAD_WARMUP;
	if (l->p.warmup_s <= 0) {
		l->phase = LOAD_MEASURE;
		l->ops.phase(l->arg, LOAD_MEASURE);
	} else {
		tv = tv_of(l->p.warmup_s);
		evtimer_add(l->warm_ev, &tv);
	}
	tv = tv_of(l->p.warmup_s + l->p.duration_s);
	evtimer_add(l->end_ev, &tv);
	if (l->p.rate > 0) {
		l->interval_ns = (int64_t)(1e9 / l->p.rate);
		if (l->interval_ns < 1)
			l->interval_ns = 1;
		tick_cb(-1, 0, l);
		return;
	}
	for (int i = 0; i < l->p.window; i++)
		send_one(l, l->next++, now_ns());
	l->ops.flush(l->arg);
}

/* Records an OK answer's arrival, for the stall analysis. */
static void
note_ok(struct load *l, int64_t now)
{
	if (l->r.n_ok_times == l->ok_cap) {
		size_t cap = l->ok_cap ? l->ok_cap * 2 : 65536;
		int64_t *p = realloc(l->r.ok_times, cap * sizeof(*p));

		if (p == NULL)
			return;		/* stall analysis degrades, no more */
		l->r.ok_times = p;
		l->ok_cap = cap;
	}
	l->r.ok_times[l->r.n_ok_times++] = now;
}

/*
 * Message seq got its final answer: status 200 (or 2xx) is OK, anything
 * else an error (LOAD_STATUS_ERROR_STANZA for an XMPP error stanza).
 */
void
load_complete(struct load *l, uint64_t seq, int status)
{
	int64_t now;

	if (l->phase == LOAD_DONE)
		return;
	if (seq >= l->cap || !(l->state[seq] & ST_SENT)) {
		l->r.unknown++;
		return;
	}
	if (l->state[seq] & ST_DONE) {
		l->r.dup_answers++;
		return;
	}
	now = now_ns();
	l->state[seq] |= ST_DONE;
	l->outstanding--;
	if (status >= 200 && status < 300) {
		l->r.ok++;
		note_ok(l, now);
	} else
		l->r.errors++;
	if (status >= 0 && status < LOAD_MAX_STATUS)
		l->r.status[status]++;
	if (l->state[seq] & ST_MEASURED)
		hist_add(&l->r.lat, (uint64_t)(now - l->sched[seq]));
	if (l->phase < LOAD_DRAIN && l->p.rate <= 0) {
		send_one(l, l->next++, now);
		/* Not the caller's to flush: it may be the other end. */
		if (!event_pending(l->flush_ev, EV_TIMEOUT, NULL))
			event_active(l->flush_ev, EV_TIMEOUT, 0);
	} else if (l->phase == LOAD_DRAIN && l->outstanding == 0)
		finish(l);
}

/* Message seq reached the far end (counted apart from its answer). */
void
load_delivered(struct load *l, uint64_t seq)
{
	if (seq >= l->cap || !(l->state[seq] & ST_SENT)) {
		l->r.unknown++;
		return;
	}
	if (l->state[seq] & ST_DELIVERED) {
		l->r.dup_deliveries++;
		return;
	}
	l->state[seq] |= ST_DELIVERED;
	l->r.delivered++;
}

/* When message seq was due (ns) and whether it is measured; -1 if unknown. */
int
load_due(const struct load *l, uint64_t seq, int64_t *due, int *measured)
{
	if (seq >= l->cap || !(l->state[seq] & ST_SENT))
		return -1;
	*due = l->sched[seq];
	*measured = (l->state[seq] & ST_MEASURED) != 0;
	return 0;
}

/* Where the run is. */
enum load_phase
load_phase(const struct load *l)
{
	return l->phase;
}

/* What became of the messages so far. */
const struct load_result *
load_result(const struct load *l)
{
	return &l->r;
}

/*
 * The longest time without an OK answer between two OK answers that
 * arrived in [from, to] (ns); *at is when that gap began.
 */
int64_t
load_max_gap(const struct load *l, int64_t from, int64_t to, int64_t *at)
{
	int64_t best = 0, prev = -1;

	*at = 0;
	for (size_t i = 0; i < l->r.n_ok_times; i++) {
		int64_t t = l->r.ok_times[i];

		if (t < from)
			continue;
		if (t > to)
			break;
		if (prev >= 0 && t - prev > best) {
			best = t - prev;
			*at = prev;
		}
		prev = t;
	}
	return best;
}

/* Frees the run's records. */
void
load_free(struct load *l)
{
	if (l == NULL)
		return;
	if (l->tick_ev != NULL)
		event_free(l->tick_ev);
	if (l->warm_ev != NULL)
		event_free(l->warm_ev);
	if (l->end_ev != NULL)
		event_free(l->end_ev);
	if (l->drain_ev != NULL)
		event_free(l->drain_ev);
	if (l->flush_ev != NULL)
		event_free(l->flush_ev);
	free(l->state);
	free(l->sched);
	free(l->r.ok_times);
	free(l);
}
