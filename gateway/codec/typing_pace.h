/*
 * The pace of typing notifications for one pair of users, one way: never
 * the same state twice in a row (XEP-0085 §5.3; RFC 3994 §3.2 sends no
 * repeats while idle), at most one per min_ms; a change that comes
 * sooner waits and is sent when the interval is over, unless a later
 * change undid it. Pure: the caller gives the time.
 */
#ifndef SIPXMPP_TYPING_PACE_H
#define SIPXMPP_TYPING_PACE_H

#include <stdint.h>

struct typing_pace {
	int last;		/* last state sent (or the initial one) */
	int pending;		/* state waiting for the interval, -1: none */
	uint64_t last_ms;	/* when last was sent; 0: never */
};

enum typing_pace_verdict {
	TYPING_PACE_DROP = 0,	/* nothing to send: a repeat, or undone */
	TYPING_PACE_SEND,	/* send it now */
	TYPING_PACE_LATER	/* kept; typing_pace_due() gives it */
};

/* typing_pace.c */
void typing_pace_init(struct typing_pace *p, int initial);
enum typing_pace_verdict typing_pace_offer(struct typing_pace *p, int s,
    uint64_t now_ms, unsigned min_ms);
int typing_pace_due(struct typing_pace *p, uint64_t now_ms, unsigned min_ms);

#endif
