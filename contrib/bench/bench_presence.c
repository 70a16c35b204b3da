/*
 * The presence peers of the gateway (RFC 8048), as the presence scenarios
 * need them: every SIP user agent and the XMPP server's side of each
 * subscription, both directions.
 *
 * X2S, subscription i: XMPP user x<i>@bench.test watches SIP user
 * u<i>@sip.test. The bench's XMPP end sends <presence type='subscribe'/>;
 * the gateway's SUBSCRIBE reaches the bench's UAS (its outbound proxy),
 * which answers 200 and at once sends NOTIFY active with a PIDF (RFC 6665
 * §4.2.1). The subscription is up when that PIDF comes back to the XMPP
 * end as <presence/>. Load: NOTIFYs whose note says seq=N, open and
 * closed in turn; done when <presence/> with status seq=N arrives.
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

#define NOTE_MAX	64
#define STALL_CHECK_MS	500

enum item_state {
	ITEM_IDLE,		/* not started */
	ITEM_STARTED,		/* first request sent */
	ITEM_ANSWERED,		/* SUBSCRIBE answered 2xx */
	ITEM_READY,		/* presence flows */
	ITEM_FAILED,
};

/* One X2S subscription: what the UAS needs to NOTIFY in its dialog. */
struct x2s_sub {
	char		*call_id;
	char		*gw_from;	/* the SUBSCRIBE's From: our To */
	char		*gw_contact;	/* its Contact URI: our target */
	uint32_t	 cseq;
	uint8_t		 state;
};

/* One S2X watcher dialog. */
struct s2x_watcher {
	uint64_t	 last_seq;	/* newest seq a NOTIFY of it carried */
	int		 has_seq;
	uint8_t		 state;
};

/* A presence stanza still waiting for some of its pair's NOTIFYs. */
struct waiting {
	uint64_t	 seq;
	uint32_t	 notified;	/* watchers that saw it */
};

/* One S2X pair: SIP user w<j> and XMPP user x<j>. */
struct s2x_pair {
	uint32_t	 n_watchers;
	int		 probe_answered;
	struct waiting	*q;		/* FIFO by seq */
	size_t		 head, tail, cap;
};

struct setup {
	int		 s2x;		/* which direction is being set up */
	uint64_t	 n, next, done, failed, inflight;
	int		 window;
	int		 stall_ms;
	int64_t		 t_progress;
	int		 running;
};

struct presence_peers {
	struct event_base *base;
	struct sip_end	*se;
	struct xmpp_end	*xe;
	struct load	*load;
	int		 uas_port;
	char		 run[9];	/* Call-ID tag of this run's dialogs */
	struct x2s_sub	*x2s;
	uint64_t	 n_x2s;
	struct s2x_watcher *w;
	uint64_t	 n_w;
	struct s2x_pair	*pairs;
	uint64_t	 n_pairs;
	struct setup	 su;
	struct event	*flush_ev, *stall_ev;
	struct presence_stats st;
	char		 buf[4096], body[1024];
};

/* ---- helpers ---------------------------------------------------------- */

/* The number after prefix at the start of s[0..len) (e.g. "u17@"). */
static int
user_index(const char *s, size_t len, char prefix, uint64_t *out)
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

/* The user part of the URI in a From/To value: index after prefix. */
static int
uri_user_index(const char *v, size_t vlen, char prefix, uint64_t *out)
{
	const char *p = memmem(v, vlen, "sip:", 4);

	if (p == NULL)
		return -1;
	p += 4;
	return user_index(p, vlen - (size_t)(p - v), prefix, out);
}

/* The digits after needle in s[0..len); -1 if absent. */
static int
number_after(const char *s, size_t len, const char *needle, uint64_t *out)
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

/* A copy of s[0..n). */
static char *
xstrndup(const char *s, size_t n)
{
	char *c = xcalloc(1, n + 1);

	memcpy(c, s, n);
	return c;
}

/* Sends made outside a read of their own end leave at the turn's end. */
static void
flush_soon(struct presence_peers *pp)
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

/* Queues a stanza on the XMPP end. */
static int
xmpp_send(struct presence_peers *pp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats and queues one stanza. */
static int
xmpp_send(struct presence_peers *pp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pp->buf, sizeof(pp->buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(pp->buf))
		return -1;
	flush_soon(pp);
	return xmpp_end_send(pp->xe, pp->buf, (size_t)n);
}

/* ---- set-up ------------------------------------------------------------ */

static void start_more(struct presence_peers *);

/* One subscription of the set-up is up, or failed. */
static void
setup_item_done(struct presence_peers *pp, int s2x, int ok)
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

/* <presence type='subscribe'/> from x<i> to u<i>: X2S i begins. */
static int
x2s_start(struct presence_peers *pp, uint64_t i)
{
	pp->x2s[i].state = ITEM_STARTED;
	return xmpp_send(pp, "<presence type='subscribe' from='x%" PRIu64
	    "@" BENCH_XMPP_DOMAIN "' to='u%" PRIu64 "@" BENCH_COMPONENT
	    "'/>", i, i);
}

/* SUBSCRIBE from device d of w<j> to x<j>: S2X watcher d begins. */
static int
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
	flush_soon(pp);
	return sip_end_send_raw(pp->se, pp->buf, (size_t)n);
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
			setup_item_done(pp, su->s2x, 0);
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

/* ---- X2S: the gateway subscribes, the bench notifies --------------------- */

/* A PIDF for u<i>: open or closed, with a note the gateway makes status. */
static int
pidf(struct presence_peers *pp, uint64_t i, int open, const char *note)
{
	int n = snprintf(pp->body, sizeof(pp->body),
	    "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<presence xmlns='urn:ietf:params:xml:ns:pidf' "
	    "entity='sip:u%" PRIu64 "@" BENCH_SIP_DOMAIN "'>"
	    "<tuple id='phone'><status><basic>%s</basic></status>"
	    "<note>%s</note></tuple></presence>\n",
	    i, open ? "open" : "closed", note);

	return n < 0 || (size_t)n >= sizeof(pp->body) ? -1 : n;
}

/* NOTIFY active in X2S dialog i; branch says what it is for. */
static int
x2s_notify(struct presence_peers *pp, uint64_t i, const char *branch,
    int open, const char *note)
{
	struct x2s_sub *s = &pp->x2s[i];
	int blen, n;

	if (s->call_id == NULL || (blen = pidf(pp, i, open, note)) < 0)
		return -1;
	n = snprintf(pp->buf, sizeof(pp->buf),
	    "NOTIFY %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:u%" PRIu64 "@" BENCH_SIP_DOMAIN ">;tag=" SIP_END_TAG
	    "\r\n"
	    "To: %s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %" PRIu32 " NOTIFY\r\n"
	    "Contact: <sip:u%" PRIu64 "@127.0.0.1:%d>\r\n"
	    "Event: presence\r\n"
	    "Subscription-State: active;expires=3600\r\n"
	    "Content-Type: application/pidf+xml\r\n"
	    "Content-Length: %d\r\n\r\n%s",
	    s->gw_contact, pp->uas_port, branch, i, s->gw_from, s->call_id,
	    ++s->cseq, i, pp->uas_port, blen, pp->body);
	if (n < 0 || (size_t)n >= sizeof(pp->buf))
		return -1;
	flush_soon(pp);
	if (sip_end_send_raw(pp->se, pp->buf, (size_t)n) != 0)
		return -1;
	pp->st.notifies_sent++;
	return 0;
}

/* The gateway's SUBSCRIBE for x<i> -> u<i>: remember its dialog. */
static int
x2s_subscribe(struct presence_peers *pp, const struct sip_msg *m,
    char *extra, size_t size)
{
	const char *to, *from, *cid, *ct, *ex, *lt, *gt;
	size_t tol, froml, cidl, ctl, exl;
	uint64_t i;

	if (sip_msg_header(m, "To", "t", &to, &tol) != 0 ||
	    uri_user_index(to, tol, 'u', &i) != 0 || i >= pp->n_x2s)
		return 404;
	if (sip_msg_header(m, "Expires", NULL, &ex, &exl) != 0) {
		ex = "3600";
		exl = 4;
	}
	snprintf(extra, size, "Contact: <sip:u%" PRIu64 "@127.0.0.1:%d>\r\n"
	    "Expires: %.*s\r\n", i, pp->uas_port, (int)exl, ex);
	if (memmem(to, tol, "tag=", 4) != NULL)
		return 200;		/* a refresh, or its end */
	if (sip_msg_header(m, "From", "f", &from, &froml) != 0 ||
	    sip_msg_header(m, "Call-ID", "i", &cid, &cidl) != 0 ||
	    sip_msg_header(m, "Contact", "m", &ct, &ctl) != 0 ||
	    (lt = memchr(ct, '<', ctl)) == NULL ||
	    (gt = memchr(lt, '>', ctl - (size_t)(lt - ct))) == NULL)
		return 400;
	free(pp->x2s[i].call_id);
	free(pp->x2s[i].gw_from);
	free(pp->x2s[i].gw_contact);
	pp->x2s[i].call_id = xstrndup(cid, cidl);
	pp->x2s[i].gw_from = xstrndup(from, froml);
	pp->x2s[i].gw_contact = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	pp->x2s[i].cseq = 0;
	return 200;
}

/* SUBSCRIBE answered: RFC 6665 §4.2.1, the first NOTIFY follows. */
static void
x2s_subscribed(struct presence_peers *pp, const struct sip_msg *m,
    int status)
{
	const char *to;
	size_t tol;
	uint64_t i;
	char branch[40];

	if (status != 200 || sip_msg_header(m, "To", "t", &to, &tol) != 0 ||
	    memmem(to, tol, "tag=", 4) != NULL ||
	    uri_user_index(to, tol, 'u', &i) != 0 || i >= pp->n_x2s)
		return;
	if (pp->x2s[i].state != ITEM_STARTED)
		return;		/* a new dialog for an old one: no set-up */
	pp->x2s[i].state = ITEM_ANSWERED;
	snprintf(branch, sizeof(branch), "pi%s-%" PRIu64, pp->run, i);
	if (x2s_notify(pp, i, branch, 1, "init") != 0) {
		pp->x2s[i].state = ITEM_FAILED;
		setup_item_done(pp, 0, 0);
	}
}

/* The answer to one of our NOTIFYs (X2S). */
static void
x2s_notify_answered(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *via;
	size_t vl;
	uint64_t n;
	char key[32];

	if (m->status < 200 || sip_msg_header(m, "Via", "v", &via, &vl) != 0)
		return;
	if (m->status < 300)
		pp->st.notify_ok++;
	else
		pp->st.notify_failed++;
	snprintf(key, sizeof(key), "branch=z9hG4bKpn%s-", pp->run);
	if (number_after(via, vl, key, &n) == 0) {
		/* A load NOTIFY: an error ends it; a 200 waits for presence. */
		if (m->status < 300)
			pp->st.load_notify_ok++;
		else {
			pp->st.load_notify_failed++;
			if (pp->load != NULL)
				load_complete(pp->load, n, m->status);
		}
		return;
	}
	snprintf(key, sizeof(key), "branch=z9hG4bKpi%s-", pp->run);
	if (m->status >= 300 && number_after(via, vl, key, &n) == 0 &&
	    n < pp->n_x2s && pp->x2s[n].state == ITEM_ANSWERED) {
		bench_warnx("presence: NOTIFY for u%" PRIu64 " answered %d",
		    n, m->status);
		pp->x2s[n].state = ITEM_FAILED;
		setup_item_done(pp, 0, 0);
	}
}

/* <presence/> from u<i> to x<i>: set-up done, or a load NOTIFY arrived. */
static void
x2s_presence(struct presence_peers *pp, uint64_t i, const struct xml_item *it)
{
	uint64_t seq;

	if (i >= pp->n_x2s)
		return;
	pp->st.presence_in++;
	if (pp->x2s[i].state == ITEM_ANSWERED ||
	    pp->x2s[i].state == ITEM_STARTED) {
		pp->x2s[i].state = ITEM_READY;
		pp->st.x2s_ready++;
		setup_item_done(pp, 0, 1);
		return;
	}
	if (pp->load != NULL && bench_find_seq(it->data, it->len, &seq) == 0)
		load_complete(pp->load, seq, 200);
}

/* Load: NOTIFY seq in subscription seq mod K, open and closed in turn. */
int
presence_send_notify(struct presence_peers *pp, uint64_t seq)
{
	uint64_t i = seq % pp->n_x2s;
	char branch[40], note[NOTE_MAX];
	static const char *const moods[] = { "in a meeting", "at lunch",
	    "on the phone", "back soon" };

	snprintf(branch, sizeof(branch), "pn%s-%" PRIu64, pp->run, seq);
	snprintf(note, sizeof(note), "seq=%" PRIu64 " %s", seq,
	    moods[(seq / pp->n_x2s) % 4]);
	return x2s_notify(pp, i, branch, (seq / pp->n_x2s) % 2 == 0, note);
}

/* ---- S2X: the bench subscribes, the gateway notifies --------------------- */

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
static int
s2x_notify(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *cid, *ss;
	size_t cidl, ssl;
	char key[32];
	uint64_t d, seq;

	snprintf(key, sizeof(key), "pw%s-", pp->run);
	if (sip_msg_header(m, "Call-ID", "i", &cid, &cidl) != 0 ||
	    number_after(cid, cidl, key, &d) != 0 || d >= pp->n_w)
		return 481;
	if (sip_msg_header(m, "Subscription-State", NULL, &ss, &ssl) != 0)
		return 400;
	if (ssl >= 10 && memcmp(ss, "terminated", 10) == 0) {
		pp->st.terminated++;
		if (pp->w[d].state != ITEM_READY &&
		    pp->w[d].state != ITEM_FAILED) {
			pp->w[d].state = ITEM_FAILED;
			setup_item_done(pp, 1, 0);
		}
		return 200;
	}
	if (ssl < 6 || memcmp(ss, "active", 6) != 0 || m->body_len == 0)
		return 200;		/* pending, or active without news */
	if (pp->w[d].state != ITEM_READY) {
		pp->w[d].state = ITEM_READY;
		pp->st.s2x_ready++;
		setup_item_done(pp, 1, 1);
		return 200;
	}
	pp->st.notifies_in++;
	if (bench_find_seq(m->body, m->body_len, &seq) == 0)
		s2x_advance(pp, d, seq);
	return 200;
}

/* The answer to one of our SUBSCRIBEs (S2X). */
static void
s2x_subscribe_answered(struct presence_peers *pp, const struct sip_msg *m)
{
	const char *cid;
	size_t cidl;
	char key[32];
	uint64_t d;

	snprintf(key, sizeof(key), "pw%s-", pp->run);
	if (m->status < 200 ||
	    sip_msg_header(m, "Call-ID", "i", &cid, &cidl) != 0 ||
	    number_after(cid, cidl, key, &d) != 0 || d >= pp->n_w)
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
		setup_item_done(pp, 1, 0);
	}
}

/* The gateway asks x<j> on behalf of w<j>: answer as her server would. */
static void
s2x_xmpp(struct presence_peers *pp, uint64_t j, const char *type,
    size_t tlen)
{
	if (j >= pp->n_pairs)
		return;
	if (tlen == 9 && memcmp(type, "subscribe", 9) == 0)
		(void)xmpp_send(pp, "<presence type='subscribed' from='x%"
		    PRIu64 "@" BENCH_XMPP_DOMAIN "' to='w%" PRIu64 "@"
		    BENCH_COMPONENT "'/>", j, j);
	else if (tlen == 5 && memcmp(type, "probe", 5) == 0 &&
	    !pp->pairs[j].probe_answered) {
		pp->pairs[j].probe_answered = 1;
		(void)xmpp_send(pp, "<presence from='x%" PRIu64 "@"
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
	return xmpp_send(pp, "<presence%s from='x%" PRIu64 "@"
	    BENCH_XMPP_DOMAIN "/bench' to='w%" PRIu64 "@" BENCH_COMPONENT
	    "'>%s<status>seq=%" PRIu64 "</status></presence>",
	    turn == 3 ? " type='unavailable'" : "", j, j, shows[turn], seq);
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
	if (user_index(from, froml, 'u', &i) == 0) {
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
				setup_item_done(pp, 0, 0);
			}
		}
		return;
	}
	if (user_index(from, froml, 'w', &i) == 0 &&
	    user_index(to, tol, 'x', &i) == 0)
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
