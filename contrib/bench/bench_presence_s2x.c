/*
 * The presence peers (bench_presence.c), S2X direction: the bench
 * subscribes, the gateway notifies.
 *
 * S2X, watcher d: a device of SIP user w<j>@sip.test, j = d mod pairs,
 * watches XMPP user x<j>@bench.test. The UAS sends SUBSCRIBE; the
 * gateway's <presence type='subscribe'/> is answered subscribed and its
 * first probe of each pair with a presence (the gateway caches it for the
 * pair's other watchers). The watcher is up at its first NOTIFY active
 * with a PIDF. Load: <presence/> from x<j> with status seq=N; done when
 * every watcher of the pair had a NOTIFY saying seq=N or later (the
 * gateway may merge changes that come while a NOTIFY is in flight, RFC
 * 6665 §4.2.2; a later seq covers the earlier ones).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* SUBSCRIBE from device d of w<j> to x<j>: S2X watcher d begins. */
int
s2x_start(struct presence_peers *pp, uint64_t d)
{
	uint64_t j = d % pp->n_pairs;
	int n;

	pp->w[d].state = ITEM_STARTED;
	n = snprintf(pp->buf, sizeof(pp->buf),
	    "SUBSCRIBE sip:x%" PRIu64 "@" BENCH_XMPP_DOMAIN " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKps%s-%" PRIu64
	    ";rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:w%" PRIu64 "@" BENCH_SIP_DOMAIN ">;tag=d%" PRIu64 "\r\n"
	    "To: <sip:x%" PRIu64 "@" BENCH_XMPP_DOMAIN ">\r\n"
	    "Call-ID: pw%s-%" PRIu64 "@bench\r\n"
	    "CSeq: 1 SUBSCRIBE\r\n"
	    "Contact: <sip:w%" PRIu64 "@127.0.0.1:%d;dev=%" PRIu64 ">\r\n"
	    "Event: presence\r\n"
	    "Accept: application/pidf+xml\r\n"
	    "Expires: 3600\r\n"
	    "Content-Length: 0\r\n\r\n",
	    j, pp->uas_port, pp->run, d, j, d, j, pp->run, d, j, pp->uas_port,
	    d);
	if (n < 0 || (size_t)n >= sizeof(pp->buf))
		return -1;
	presence_flush_soon(pp);
	return sip_end_send_raw(pp->se, pp->buf, (size_t)n);
}

/* Watcher d saw seq: every stanza of its pair up to seq is one closer. */
static void
s2x_advance(struct presence_peers *pp, uint64_t d, uint64_t seq)
{
	struct s2x_watcher *w = &pp->w[d];
	struct s2x_pair *p = &pp->pairs[d % pp->n_pairs];
	uint64_t from = w->has_seq ? w->last_seq : 0;
	int64_t due;
	int measured;

	if (w->has_seq && seq <= w->last_seq) {
		pp->st.stale++;
		return;
	}
	if (pp->load != NULL && load_due(pp->load, seq, &due, &measured) ==
	    0 && measured)
		hist_add(&pp->st.notify_lat, (uint64_t)(now_ns() - due));
	for (size_t k = p->head; k < p->tail; k++) {
		struct waiting *q = &p->q[k];

		if (q->seq > seq)
			break;
		if (!w->has_seq || q->seq > from)
			q->notified++;
	}
	w->last_seq = seq;
	w->has_seq = 1;
	while (p->head < p->tail && p->q[p->head].notified >= p->n_watchers) {
		if (pp->load != NULL)
			load_complete(pp->load, p->q[p->head].seq, 200);
		p->head++;
	}
	if (p->head == p->tail)
		p->head = p->tail = 0;
}

/* A NOTIFY from the gateway to watcher d. */
int
s2x_notify(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *cid, *ss;
	size_t cidl, ssl;
	char key[32];
	uint64_t d, seq;

	snprintf(key, sizeof(key), "pw%s-", pp->run);
	if (sip_msg_header(m, "Call-ID", "i", &cid, &cidl) != 0 ||
	    presence_number_after(cid, cidl, key, &d) != 0 || d >= pp->n_w)
		return 481;
	if (sip_msg_header(m, "Subscription-State", NULL, &ss, &ssl) != 0)
		return 400;
	if (ssl >= 10 && memcmp(ss, "terminated", 10) == 0) {
		pp->st.terminated++;
		if (pp->w[d].state != ITEM_READY &&
		    pp->w[d].state != ITEM_FAILED) {
			pp->w[d].state = ITEM_FAILED;
			presence_setup_item_done(pp, 1, 0);
		}
		return 200;
	}
	if (ssl < 6 || memcmp(ss, "active", 6) != 0 || m->body_len == 0)
		return 200;		/* pending, or active without news */
	if (pp->w[d].state != ITEM_READY) {
		pp->w[d].state = ITEM_READY;
		pp->st.s2x_ready++;
		presence_setup_item_done(pp, 1, 1);
		return 200;
	}
	pp->st.notifies_in++;
	if (bench_find_seq(m->body, m->body_len, &seq) == 0)
		s2x_advance(pp, d, seq);
	return 200;
}

/* The answer to one of our SUBSCRIBEs (S2X). */
void
s2x_subscribe_answered(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *cid;
	size_t cidl;
	char key[32];
	uint64_t d;

	snprintf(key, sizeof(key), "pw%s-", pp->run);
	if (m->status < 200 ||
	    sip_msg_header(m, "Call-ID", "i", &cid, &cidl) != 0 ||
	    presence_number_after(cid, cidl, key, &d) != 0 || d >= pp->n_w)
		return;
	if (m->status < 300) {
		if (pp->w[d].state == ITEM_STARTED)
			pp->w[d].state = ITEM_ANSWERED;
		return;
	}
	bench_warnx("presence: SUBSCRIBE of watcher %" PRIu64 " answered %d",
	    d, m->status);
	if (pp->w[d].state != ITEM_FAILED && pp->w[d].state != ITEM_READY) {
		pp->w[d].state = ITEM_FAILED;
		presence_setup_item_done(pp, 1, 0);
	}
}

/* The gateway asks x<j> on behalf of w<j>: answer as her server would. */
void
s2x_xmpp(struct presence_peers *pp, uint64_t j, const char *type,
    size_t tlen)
{
	if (j >= pp->n_pairs)
		return;
	if (tlen == 9 && memcmp(type, "subscribe", 9) == 0)
		(void)presence_xmpp_send(pp, "<presence type='subscribed' "
		    "from='x%" PRIu64 "@" BENCH_XMPP_DOMAIN "' to='w%" PRIu64
		    "@" BENCH_COMPONENT "'/>", j, j);
	else if (tlen == 5 && memcmp(type, "probe", 5) == 0 &&
	    !pp->pairs[j].probe_answered) {
		pp->pairs[j].probe_answered = 1;
		(void)presence_xmpp_send(pp, "<presence from='x%" PRIu64 "@"
		    BENCH_XMPP_DOMAIN "/bench' to='w%" PRIu64 "@"
		    BENCH_COMPONENT "'><status>init</status></presence>", j,
		    j);
	}
}

/* Load: presence stanza seq from x<j>, j = seq mod pairs. */
int
presence_send_presence(struct presence_peers *pp, uint64_t seq)
{
	uint64_t j = seq % pp->n_pairs;
	struct s2x_pair *p = &pp->pairs[j];
	static const char *const shows[] = { "", "<show>away</show>",
	    "<show>dnd</show>", "" };
	unsigned int turn = (unsigned int)((seq / pp->n_pairs) % 4);

	if (p->n_watchers == 0)
		return -1;
	if (p->tail == p->cap) {
		size_t live = p->tail - p->head;

		if (p->head > 0) {
			memmove(p->q, p->q + p->head, live * sizeof(*p->q));
		} else {
			p->cap = p->cap ? p->cap * 2 : 64;
			p->q = realloc(p->q, p->cap * sizeof(*p->q));
			if (p->q == NULL) {
				bench_warnx("out of memory");
				exit(2);
			}
		}
		p->head = 0;
		p->tail = live;
	}
	p->q[p->tail].seq = seq;
	p->q[p->tail].notified = 0;
	p->tail++;
	/* Every fourth change: she goes offline (a closed tuple). */
	return presence_xmpp_send(pp, "<presence%s from='x%" PRIu64 "@"
	    BENCH_XMPP_DOMAIN "/bench' to='w%" PRIu64 "@" BENCH_COMPONENT
	    "'>%s<status>seq=%" PRIu64 "</status></presence>",
	    turn == 3 ? " type='unavailable'" : "", j, j, shows[turn], seq);
}
