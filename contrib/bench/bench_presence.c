/*
 * The presence peers of the gateway (RFC 8048), as the presence scenarios
 * need them: every SIP user agent and the XMPP server's side of each
 * subscription, both directions.
 *
 * X2S (the gateway subscribes, the bench notifies) is in
 * bench_presence_x2s.c, S2X (the bench subscribes, the gateway notifies)
 * in bench_presence_s2x.c; this file holds what both use, the set-up,
 * the ends' hooks that hand each message to its direction, and the
 * peers' life cycle. Their shared state is in bench.h.
 *
 * Set-up runs a closed window of subscriptions being made, so that 100k
 * of them take as long as the gateway needs and no datagram is dropped
 * for want of pacing; set-up stops when nothing progresses for a while.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define STALL_CHECK_MS	500

/* ---- helpers ---------------------------------------------------------- */

/* The number after prefix at the start of s[0..len) (e.g. "u17@"). */
int
presence_user_index(const char *s, size_t len, char prefix, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 1;

	if (len < 2 || s[0] != prefix || !isdigit((unsigned char)s[1]))
		return -1;
	for (; i < len && isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i < len && s[i] != '@')
		return -1;
	*out = v;
	return 0;
}

/* The digits after needle in s[0..len); -1 if absent. */
int
presence_number_after(const char *s, size_t len, const char *needle,
    uint64_t *out)
{
	size_t nl = strlen(needle);
	const char *p = memmem(s, len, needle, nl), *end = s + len;
	uint64_t v = 0;

	if (p == NULL)
		return -1;
	p += nl;
	if (p >= end || !isdigit((unsigned char)*p))
		return -1;
	for (; p < end && isdigit((unsigned char)*p); p++)
		v = v * 10 + (uint64_t)(*p - '0');
	*out = v;
	return 0;
}

/* Sends made outside a read of their own end leave at the turn's end. */
void
presence_flush_soon(struct presence_peers *pp)
{
	if (!event_pending(pp->flush_ev, EV_TIMEOUT, NULL))
		event_active(pp->flush_ev, EV_TIMEOUT, 0);
}

/* The turn's end: what the presence peers queued on both ends leaves. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct presence_peers *pp = arg;

	(void)fd;
	(void)what;
	sip_end_flush(pp->se);
	xmpp_end_flush(pp->xe);
}

/* Formats and queues one stanza. */
int
presence_xmpp_send(struct presence_peers *pp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pp->buf, sizeof(pp->buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(pp->buf))
		return -1;
	presence_flush_soon(pp);
	return xmpp_end_send(pp->xe, pp->buf, (size_t)n);
}

/* ---- set-up ------------------------------------------------------------ */

static void start_more(struct presence_peers *);

/* One subscription of the set-up is up, or failed. */
void
presence_setup_item_done(struct presence_peers *pp, int s2x, int ok)
{
	struct setup *su = &pp->su;

	if (!su->running || su->s2x != s2x)
		return;
	if (ok)
		su->done++;
	else
		su->failed++;
	su->inflight--;
	su->t_progress = now_ns();
	if (su->done + su->failed == su->n) {
		su->running = 0;
		event_base_loopbreak(pp->base);
		return;
	}
	start_more(pp);
}

/* Keeps the set-up window full. */
static void
start_more(struct presence_peers *pp)
{
	struct setup *su = &pp->su;

	while (su->running && su->next < su->n &&
	    su->inflight < (uint64_t)su->window) {
		uint64_t i = su->next++;
		int r = su->s2x ? s2x_start(pp, i) : x2s_start(pp, i);

		su->inflight++;
		if (r != 0) {
			if (su->s2x)
				pp->w[i].state = ITEM_FAILED;
			else
				pp->x2s[i].state = ITEM_FAILED;
			presence_setup_item_done(pp, su->s2x, 0);
		}
	}
}

/* Set-up without progress for stall_ms: what is in flight is lost. */
static void
stall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct presence_peers *pp = arg;
	struct setup *su = &pp->su;

	(void)fd;
	(void)what;
	if (!su->running)
		return;
	if (now_ns() - su->t_progress < (int64_t)su->stall_ms * 1000000)
		return;
	bench_warnx("presence: set-up stalled: %" PRIu64 " of %" PRIu64
	    " up, %" PRIu64 " failed, %" PRIu64 " without an answer",
	    su->done, su->n, su->failed, su->inflight);
	su->failed += su->inflight + (su->n - su->next);
	su->inflight = 0;
	su->running = 0;
	event_base_loopbreak(pp->base);
}

/* Runs one direction's set-up to its end; the number that came up. */
static uint64_t
setup_run(struct presence_peers *pp, int s2x, uint64_t n, int window,
    int stall_ms)
{
	struct setup *su = &pp->su;
	struct timeval tv = { 0, STALL_CHECK_MS * 1000 };

	memset(su, 0, sizeof(*su));
	su->s2x = s2x;
	su->n = n;
	su->window = window > 0 ? window : 1;
	su->stall_ms = stall_ms;
	su->t_progress = now_ns();
	su->running = n > 0;
	start_more(pp);
	if (su->running) {
		event_add(pp->stall_ev, &tv);
		event_base_dispatch(pp->base);
		event_del(pp->stall_ev);
	}
	su->running = 0;
	pp->st.setup_failed += su->failed;
	return su->done;
}

/* ---- the ends' hooks -------------------------------------------------- */

/* A request at the UAS: the gateway's SUBSCRIBE (X2S) or NOTIFY (S2X). */
int
presence_request_cb(struct presence_peers *pp, const struct sip_msg *m,
    char *extra, size_t size)
{
	if (sip_msg_is(m, "SUBSCRIBE"))
		return x2s_subscribe(pp, m, extra, size);
	if (sip_msg_is(m, "NOTIFY"))
		return s2x_notify(pp, m);
	return 405;
}

/* ...answered: a new X2S dialog gets its first NOTIFY. */
void
presence_request_done_cb(struct presence_peers *pp, const struct sip_msg *m,
    int status)
{
	if (sip_msg_is(m, "SUBSCRIBE"))
		x2s_subscribed(pp, m, status);
}

/* A response at the UAS: to our NOTIFY (X2S) or SUBSCRIBE (S2X). */
void
presence_response_cb(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *cseq;
	size_t cl;

	if (sip_msg_header(m, "CSeq", NULL, &cseq, &cl) != 0)
		return;
	if (memmem(cseq, cl, "NOTIFY", 6) != NULL)
		x2s_notify_answered(pp, m);
	else if (memmem(cseq, cl, "SUBSCRIBE", 9) != NULL)
		s2x_subscribe_answered(pp, m);
}

/* A <presence/> from the gateway at the XMPP end. */
void
presence_stanza_cb(struct presence_peers *pp, const struct xml_item *it)
{
	const char *from, *to, *type = "";
	size_t froml, tol, tlen = 0;
	uint64_t i;

	if (xml_attr(it->tag, it->tag_len, "from", &from, &froml) != 0 ||
	    xml_attr(it->tag, it->tag_len, "to", &to, &tol) != 0)
		return;
	if (xml_attr(it->tag, it->tag_len, "type", &type, &tlen) != 0)
		tlen = 0;
	if (presence_user_index(from, froml, 'u', &i) == 0) {
		/* X2S: subscribed, then presence; errors say set-up failed. */
		if (tlen == 0 || (tlen == 11 &&
		    memcmp(type, "unavailable", 11) == 0))
			x2s_presence(pp, i, it);
		else if ((tlen == 5 && memcmp(type, "error", 5) == 0) ||
		    (tlen == 12 && memcmp(type, "unsubscribed", 12) == 0)) {
			pp->st.presence_errors++;
			if (i < pp->n_x2s && pp->x2s[i].state != ITEM_READY &&
			    pp->x2s[i].state != ITEM_FAILED) {
				bench_warnx("presence: x%" PRIu64 " -> u%"
				    PRIu64 ": %.*s", i, i, (int)(it->len < 300 ?
				    it->len : 300), it->data);
				pp->x2s[i].state = ITEM_FAILED;
				presence_setup_item_done(pp, 0, 0);
			}
		}
		return;
	}
	if (presence_user_index(from, froml, 'w', &i) == 0 &&
	    presence_user_index(to, tol, 'x', &i) == 0)
		s2x_xmpp(pp, i, type, tlen);
}

/* ---- life cycle -------------------------------------------------------- */

/* The peers of n_x2s X2S subscriptions and n_w S2X watchers in n_pairs. */
struct presence_peers *
presence_peers_new(struct event_base *base, struct sip_end *se,
    struct xmpp_end *xe, uint64_t n_x2s, uint64_t n_w, uint64_t n_pairs)
{
	struct presence_peers *pp = xcalloc(1, sizeof(*pp));

	pp->base = base;
	pp->se = se;
	pp->xe = xe;
	pp->uas_port = sip_end_uas_port(se);
	for (int i = 0; i < 8; i++)
		pp->run[i] = "0123456789abcdef"[arc4random() & 15];
	pp->n_x2s = n_x2s;
	pp->n_w = n_w;
	pp->n_pairs = n_w > 0 ? (n_pairs > 0 && n_pairs <= n_w ? n_pairs :
	    n_w) : 0;
	if (n_x2s > 0)
		pp->x2s = xcalloc(n_x2s, sizeof(*pp->x2s));
	if (n_w > 0) {
		pp->w = xcalloc(n_w, sizeof(*pp->w));
		pp->pairs = xcalloc(pp->n_pairs, sizeof(*pp->pairs));
		for (uint64_t d = 0; d < n_w; d++)
			pp->pairs[d % pp->n_pairs].n_watchers++;
	}
	hist_reset(&pp->st.notify_lat);
	pp->flush_ev = event_new(base, -1, 0, flush_cb, pp);
	pp->stall_ev = event_new(base, -1, EV_PERSIST, stall_cb, pp);
	if (pp->flush_ev == NULL || pp->stall_ev == NULL) {
		presence_peers_free(pp);
		return NULL;
	}
	return pp;
}

/* Completions go to this load from now on (NULL: none). */
void
presence_peers_set_load(struct presence_peers *pp, struct load *l)
{
	pp->load = l;
}

/* Sets up the X2S subscriptions; how many came up. */
uint64_t
presence_setup_x2s(struct presence_peers *pp, int window, int stall_ms)
{
	return setup_run(pp, 0, pp->n_x2s, window, stall_ms);
}

/* Sets up the S2X watchers; how many came up. */
uint64_t
presence_setup_s2x(struct presence_peers *pp, int window, int stall_ms)
{
	return setup_run(pp, 1, pp->n_w, window, stall_ms);
}

/* Counters and the per-NOTIFY latency. */
const struct presence_stats *
presence_stats(const struct presence_peers *pp)
{
	return &pp->st;
}

/* Frees everything. */
void
presence_peers_free(struct presence_peers *pp)
{
	if (pp == NULL)
		return;
	for (uint64_t i = 0; i < pp->n_x2s; i++) {
		free(pp->x2s[i].call_id);
		free(pp->x2s[i].gw_from);
		free(pp->x2s[i].gw_contact);
	}
	free(pp->x2s);
	free(pp->w);
	for (uint64_t j = 0; j < pp->n_pairs; j++)
		free(pp->pairs[j].q);
	free(pp->pairs);
	if (pp->flush_ev != NULL)
		event_free(pp->flush_ev);
	if (pp->stall_ev != NULL)
		event_free(pp->stall_ev);
	free(pp);
}
