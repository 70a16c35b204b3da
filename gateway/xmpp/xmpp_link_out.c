/*
 * The outgoing batch of the component link. Stanzas sent during one loop
 * turn are appended to one buffer and handed to libstrophe as a single
 * element when the turn's events are done: libstrophe writes each element
 * of its queue with its own send(), so a turn that bridges a hundred SIP
 * MESSAGEs costs one system call on the XMPP side instead of a hundred.
 *
 * max_send_queue still counts stanzas: each element handed over remembers
 * how many it carries, and libstrophe's queue length (elements left, in
 * order) tells how many of ours are still unwritten.
 *
 * Error stanzas have room of their own above max_send_queue (a quarter of
 * it, at least ERROR_RESERVE_MIN): an error tells a sender its message is
 * lost, so a queue full of ordinary traffic must not silence it. What
 * does not fit even there is counted and logged, never dropped unseen.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

#define OUT_MIN_CAP 4096
#define ERROR_RESERVE_MIN 64	/* error stanzas above max_send_queue */

/*
 * Forgets the batches libstrophe has written: its queue holds the newest
 * ones, in order. Called after each turn of libstrophe.
 */
void
xmpp_link_out_written(struct xmpp_link *link)
{
	int left = link->conn != NULL ?
	    xmpp_conn_send_queue_len(link->conn) : 0;

	while (link->out_batches > (size_t)(left > 0 ? left : 0)) {
		link->out_handed -= link->out_counts[link->out_head];
		link->out_head = (link->out_head + 1) % XMPP_OUT_BATCHES;
		link->out_batches--;
	}
}

/* Stanzas accepted and not yet written to the socket. */
size_t
xmpp_link_out_queued(const struct xmpp_link *link)
{
	return link->out_handed + link->out_stanzas;
}

/*
 * Queues an error stanza, which may use the room reserved for errors
 * above max_send_queue. 0 if queued; -1 if the link is not ready (or
 * memory ran out); -2 if even the reserve is full: the error is dropped,
 * counted, and logged (the first and then every power of two, so a flood
 * does not flood the log). what names it for that log line.
 */
int
xmpp_link_send_error(struct xmpp_link *link, const char *xml, size_t len,
    const char *what)
{
	size_t max, reserve;

	if (link == NULL || link->state != LINK_READY || xml == NULL)
		return -1;
	max = (size_t)link->cfg->xmpp_max_send_queue;
	reserve = max / 4 > ERROR_RESERVE_MIN ? max / 4 : ERROR_RESERVE_MIN;
	if (xmpp_link_out_queued(link) >= max + reserve) {
		link->errors_dropped++;
		if ((link->errors_dropped & (link->errors_dropped - 1)) == 0)
			log_warnx("xmpp: send queue full even for errors (%zu "
			    "stanzas): %s dropped, %lu error stanzas dropped "
			    "so far", xmpp_link_out_queued(link),
			    what != NULL ? what : "error",
			    link->errors_dropped);
		return -2;
	}
	return xmpp_link_send_text(link, xml, len);
}

/* Error stanzas dropped because even their reserve was full. */
unsigned long
xmpp_link_errors_dropped(const struct xmpp_link *link)
{
	return link != NULL ? link->errors_dropped : 0;
}

/*
 * Stanzas that arrived after our </stream:stream>: the server wrote them
 * before it read our close, and nothing can be sent back any more.
 */
unsigned long
xmpp_link_late_stanzas(const struct xmpp_link *link)
{
	return link != NULL ? link->late_stanzas : 0;
}

/* Appends one stanza to this turn's batch; -1 if out of memory. */
int
xmpp_link_out_append(struct xmpp_link *link, const char *xml, size_t len)
{
	/* One byte more: libstrophe reads what it is given as a C string. */
	if (link->out_len + len + 1 > link->out_cap) {
		size_t cap = link->out_cap > 0 ? link->out_cap : OUT_MIN_CAP;
		char *p;

		while (cap < link->out_len + len + 1)
			cap *= 2;
		if ((p = realloc(link->out, cap)) == NULL)
			return -1;
		link->out = p;
		link->out_cap = cap;
	}
	memcpy(link->out + link->out_len, xml, len);
	link->out_len += len;
	link->out[link->out_len] = '\0';
	if (link->out_stanzas++ == 0)
		event_active(link->ev_flush, EV_TIMEOUT, 0);
	return 0;
}

/*
 * Hands the batch to libstrophe as one queue element. 0 when there was
 * nothing to hand or it was taken; -1 if libstrophe dropped it (no
 * memory): the pings in it then fail, and with them the messages.
 */
int
xmpp_link_out_hand_over(struct xmpp_link *link)
{
	int before;
	size_t tail;

	if (link->out_stanzas == 0)
		return 0;
	xmpp_link_out_written(link);
	before = xmpp_conn_send_queue_len(link->conn);
	xmpp_send_raw(link->conn, link->out, link->out_len);
	if (xmpp_conn_send_queue_len(link->conn) <= before) {
		log_warnx("xmpp: %zu stanzas not queued (no memory)",
		    link->out_stanzas);
		xmpp_link_out_reset(link);
		return -1;
	}
	if (link->out_batches == XMPP_OUT_BATCHES) {
		/* Full: count it with the newest, which is written later. */
		tail = (link->out_head + XMPP_OUT_BATCHES - 1) %
		    XMPP_OUT_BATCHES;
		link->out_counts[tail] += link->out_stanzas;
	} else {
		tail = (link->out_head + link->out_batches) % XMPP_OUT_BATCHES;
		link->out_counts[tail] = link->out_stanzas;
		link->out_batches++;
	}
	link->out_handed += link->out_stanzas;
	link->out_stanzas = 0;
	link->out_len = 0;
	/* A large burst's buffer is not kept for ever. */
	if (link->out_cap > 16 * OUT_MIN_CAP) {
		free(link->out);
		link->out = NULL;
		link->out_cap = 0;
	}
	return 0;
}

/* The link went down or is starting: nothing of ours is queued. */
void
xmpp_link_out_reset(struct xmpp_link *link)
{
	link->out_len = 0;
	link->out_stanzas = 0;
	link->out_handed = 0;
	link->out_batches = 0;
	link->out_head = 0;
}

void
xmpp_link_out_free(struct xmpp_link *link)
{
	free(link->out);
	link->out = NULL;
	link->out_cap = 0;
	xmpp_link_out_reset(link);
}
