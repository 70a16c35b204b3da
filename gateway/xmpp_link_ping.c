/*
 * The ping barrier. A component cannot ask whether the server took a
 * stanza, but the server handles one stream's stanzas in order (RFC 6120
 * §10.1): the answer to a XEP-0199 ping sent after them, result or error,
 * proves it has processed them all. The message bridge sends one per
 * destination domain and loop turn, so this stays cheap: a list in send
 * order (answers come back in that order) and one timer per ping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

/* Calls back and forgets one pending ping. */
static void
ping_finish(struct ping *p, int ok)
{
	struct xmpp_link *link = p->link;

	TAILQ_REMOVE(&link->pings, p, entry);
	link->n_pings--;
	evtimer_del(&p->timer);
	p->cb(p->arg, ok);
	free(p);
}

/* Every pending ping fails: the link they travelled on is gone. */
void
xmpp_link_pings_fail(struct xmpp_link *link)
{
	struct ping *p;

	while ((p = TAILQ_FIRST(&link->pings)) != NULL)
		ping_finish(p, 0);
}

/* A ping got no answer in time. */
static void
ping_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ping *p = arg;

	(void)fd;
	(void)what;
	log_debug("xmpp: ping %s timed out", p->id);
	ping_finish(p, 0);
}

/* An iq result or error with this id: the barrier it carried passed. */
int
xmpp_link_ping_answered(struct xmpp_link *link, const char *id)
{
	struct ping *p;

	if (id == NULL)
		return 0;
	/* Answers come back in order: the match is usually the first. */
	TAILQ_FOREACH(p, &link->pings, entry) {
		if (strcmp(p->id, id) == 0) {
			ping_finish(p, 1);
			return 1;
		}
	}
	return 0;
}

/*
 * Sends a XEP-0199 ping as an ordering barrier: the server processes a
 * stream's stanzas in order (RFC 6120 §10.1), so any answer proves it has
 * handled everything we sent before. Pings bypass max_send_queue: they
 * vouch for stanzas already queued. 0 and cb later, or -1 and no cb.
 */
int
xmpp_link_ping(struct xmpp_link *link, const char *from, const char *to,
    int timeout_ms, xmpp_link_ping_cb cb, void *arg)
{
	struct timeval tv;
	struct ping *p;
	char *xml;
	size_t len;

	if (link == NULL || link->state != LINK_READY || cb == NULL ||
	    to == NULL)
		return -1;
	if (from == NULL)
		from = link->cfg->xmpp_component;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->link = link;
	p->cb = cb;
	p->arg = arg;
	snprintf(p->id, sizeof(p->id), "sxl-%08x-%lu", link->ping_salt,
	    ++link->ping_seq);
	evtimer_assign(&p->timer, link->base, ping_timeout_cb, p);
	if ((xml = xmpp_link_build_ping(from, to, p->id, &len)) == NULL)
		goto fail;
	if (xmpp_link_send_text(link, xml, len) != 0) {
		free(xml);
		goto fail;
	}
	free(xml);
	if (timeout_ms < 1)
		timeout_ms = 1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(&p->timer, &tv);
	TAILQ_INSERT_TAIL(&link->pings, p, entry);
	link->n_pings++;
	return 0;
fail:
	free(p);
	return -1;
}

/* Pings still waiting for their answer. */
size_t
xmpp_link_pings_pending(const struct xmpp_link *link)
{
	return link != NULL ? link->n_pings : 0;
}
