/*
 * The ping barrier. A component cannot ask whether the server took a
 * stanza, but the server handles one stream's stanzas in order (RFC 6120
 * §10.1): the answer to a XEP-0199 ping sent after them, result or error,
 * proves it has processed them all. The message bridge sends one per
 * destination domain and loop turn, so this stays cheap: a list in send
 * order (answers come back in that order) and one timer per ping.
 *
 * An answer is a promise that messages were accepted, so it must not be
 * forgeable: a ping's id carries 96 random bits (no counter a remote
 * server could continue), and only the address it was sent to may answer
 * it (xmpp_link_jid_answers); anything else is logged and ignored.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "config.h"
#include "entropy.h"
#include "log.h"
#include "xmpp_link_int.h"


/*
 * Writes a fresh stanza id, "sxp-" and up to 24 random hex digits (96
 * bits), NUL-terminated in size bytes.
 */
void
xmpp_link_random_id(char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[12];
	size_t n = 0;

	if (size == 0)
		return;
	entropy_bytes(raw, sizeof(raw));
	for (const char *p = "sxp-"; *p != '\0' && n + 1 < size; p++)
		out[n++] = *p;
	for (size_t i = 0; i < 2 * sizeof(raw) && n + 1 < size; i++)
		out[n++] = hex[(raw[i / 2] >> ((i & 1) ? 0 : 4)) & 0xf];
	out[n] = '\0';
}

/* Calls back and forgets one pending ping. */
static void
ping_finish(struct ping *p, int ok)
{
	struct xmpp_link *link = p->link;

	TAILQ_REMOVE(&link->pings, p, entry);
	link->n_pings--;
	evtimer_del(&p->timer);
	p->cb(p->arg, ok);
	free(p->to);
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
	log_trace(TRACE_XMPP, "ping %s timed out", p->id);
	ping_finish(p, 0);
}

/*
 * An iq result or error with this id from this address: the barrier it
 * carried passed. 1 if it answered one of our pings, 0 if it matches none
 * (an answer from another address than the one pinged is not an answer:
 * it is logged and the ping still waits for the real one).
 */
int
xmpp_link_ping_answered(struct xmpp_link *link, const char *id,
    const char *from)
{
	struct ping *p;

	if (id == NULL)
		return 0;
	/* Answers come back in order: the match is usually the first. */
	TAILQ_FOREACH(p, &link->pings, entry) {
		if (strcmp(p->id, id) != 0)
			continue;
		if (!xmpp_link_jid_answers(p->to, from)) {
			log_info("xmpp: answer to ping %s from %s, not from %s: "
			    "ignored", p->id, from != NULL ? from : "(none)",
			    p->to);
			return 0;
		}
		ping_finish(p, 1);
		return 1;
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
	if ((p->to = strdup(to)) == NULL)
		goto fail;
	xmpp_link_random_id(p->id, sizeof(p->id));
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
	free(p->to);
	free(p);
	return -1;
}

/* Pings still waiting for their answer. */
size_t
xmpp_link_pings_pending(const struct xmpp_link *link)
{
	return link != NULL ? link->n_pings : 0;
}
