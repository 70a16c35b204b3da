/*
 * The presence peers (bench_presence.c), X2S direction: the gateway
 * subscribes, the bench notifies.
 *
 * X2S, subscription i: XMPP user x<i>@bench.test watches SIP user
 * u<i>@sip.test. The bench's XMPP end sends <presence type='subscribe'/>;
 * the gateway's SUBSCRIBE reaches the bench's UAS (its outbound proxy),
 * which answers 200 and at once sends NOTIFY active with a PIDF (RFC 6665
 * §4.2.1). The subscription is up when that PIDF comes back to the XMPP
 * end as <presence/>. Load: NOTIFYs whose note says seq=N, open and
 * closed in turn; done when <presence/> with status seq=N arrives.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define NOTE_MAX	64

/* The user part of the URI in a From/To value: index after prefix. */
static int
uri_user_index(const char *v, size_t vlen, char prefix, uint64_t *out)
{
	const char *p = memmem(v, vlen, "sip:", 4);

	if (p == NULL)
		return -1;
	p += 4;
	return presence_user_index(p, vlen - (size_t)(p - v), prefix, out);
}

/* A copy of s[0..n). */
static char *
xstrndup(const char *s, size_t n)
{
	char *c = xcalloc(1, n + 1);

	memcpy(c, s, n);
	return c;
}

/* <presence type='subscribe'/> from x<i> to u<i>: X2S i begins. */
int
x2s_start(struct presence_peers *pp, uint64_t i)
{
	pp->x2s[i].state = ITEM_STARTED;
	return presence_xmpp_send(pp, "<presence type='subscribe' from='x%"
	    PRIu64 "@" BENCH_XMPP_DOMAIN "' to='u%" PRIu64 "@"
	    BENCH_COMPONENT "'/>", i, i);
}

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
	presence_flush_soon(pp);
	if (sip_end_send_raw(pp->se, pp->buf, (size_t)n) != 0)
		return -1;
	pp->st.notifies_sent++;
	return 0;
}

/* The gateway's SUBSCRIBE for x<i> -> u<i>: remember its dialog. */
int
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
void
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
		presence_setup_item_done(pp, 0, 0);
	}
}

/* The answer to one of our NOTIFYs (X2S). */
void
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
	if (presence_number_after(via, vl, key, &n) == 0) {
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
	if (m->status >= 300 && presence_number_after(via, vl, key, &n) == 0 &&
	    n < pp->n_x2s && pp->x2s[n].state == ITEM_ANSWERED) {
		bench_warnx("presence: NOTIFY for u%" PRIu64 " answered %d",
		    n, m->status);
		pp->x2s[n].state = ITEM_FAILED;
		presence_setup_item_done(pp, 0, 0);
	}
}

/* <presence/> from u<i> to x<i>: set-up done, or a load NOTIFY arrived. */
void
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
		presence_setup_item_done(pp, 0, 1);
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
