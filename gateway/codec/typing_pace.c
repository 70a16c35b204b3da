/*
 * Thinning typing notifications (typing_pace.h): what a storm of chat
 * states or isComposing documents leaves to send.
 */
#include "typing_pace.h"

/* A pair that has sent nothing yet; initial is what the peer assumes. */
void
typing_pace_init(struct typing_pace *p, int initial)
{
	p->last = initial;
	p->pending = -1;
	p->last_ms = 0;
}

/* 1 if min_ms have passed since the last state sent. */
static int
interval_over(const struct typing_pace *p, uint64_t now_ms, unsigned min_ms)
{
	return p->last_ms == 0 || now_ms < p->last_ms ||
	    now_ms - p->last_ms >= min_ms;
}

/* A new state s arrived at now_ms: send, keep for later, or drop. */
enum typing_pace_verdict
typing_pace_offer(struct typing_pace *p, int s, uint64_t now_ms,
    unsigned min_ms)
{
	if (s == p->last) {
		/* A repeat, or a change undone before it left. */
		p->pending = -1;
		return TYPING_PACE_DROP;
	}
	if (!interval_over(p, now_ms, min_ms)) {
		p->pending = s;
		return TYPING_PACE_LATER;
	}
	p->last = s;
	p->last_ms = now_ms == 0 ? 1 : now_ms;
	p->pending = -1;
	return TYPING_PACE_SEND;
}

/* The kept state if its time has come (now it counts as sent), else -1. */
int
typing_pace_due(struct typing_pace *p, uint64_t now_ms, unsigned min_ms)
{
	int s = p->pending;

	if (s < 0 || !interval_over(p, now_ms, min_ms))
		return -1;
	p->last = s;
	p->last_ms = now_ms == 0 ? 1 : now_ms;
	p->pending = -1;
	return s;
}
