/*
 * The room scenarios (issue 13): the bench plays an XEP-0045 room on its
 * XMPP end and N SIP participants on its SIP end.
 *
 *   set-up      each participant u<i> joins by one MESSAGE to the room
 *               URI (mapping rule "room"); the gateway sends his join
 *               presence, we answer as a room does (§7.2.3: the others'
 *               presence, then the self-presence with status 110), the
 *               gateway says the held message, we reflect it (§7.4) and
 *               the gateway answers the MESSAGE 200: he is in.
 *   room-fanout one room message is what a room sends for it: one stanza
 *               to each of our occupants (the gateway has one occupant per
 *               SIP user, room_int.h), from the occupant x0; the gateway
 *               makes one MESSAGE per participant. A room message is done
 *               when every participant got it; each participant must get
 *               them in the room's order, each once.
 *   sip-to-room a participant's MESSAGE to the room: the gateway says it,
 *               we reflect it to the speaker only (no fan-out: the SIP to
 *               room path alone), the gateway answers 200.
 *
 * Nothing here looks at time: bench_load.c schedules, bench_run*.c
 * measures.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define SETUP_SEQ	1000000000000ULL	/* join MESSAGEs: apart */
#define JID_MAX		128
#define NICK_MAX	64

/* One SIP participant, u<i>@sip.test, and his occupant. */
struct room_part {
	char		 jid[JID_MAX];	/* the gateway's occupant JID */
	char		 nick[NICK_MAX];
	int		 joined;	/* his join MESSAGE answered 200 */
	int		 have_last;
	uint64_t	 last;		/* newest room message he got */
};

struct room_peers {
	struct event_base *base;
	struct sip_end	*se;
	struct xmpp_end	*xe;
	struct load	*load;
	int		 fanout;	/* room-fanout, else sip-to-room */
	int		 n;
	struct room_part *p;
	uint32_t	*got;		/* by seq: participants who got it */
	uint64_t	 n_got;
	struct event	*flush_ev;
	struct room_stats st;
	int		 body_size;
	char		 buf[8192];
};

/* The turn's end: what was queued on both ends leaves. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct room_peers *rp = arg;

	(void)fd;
	(void)what;
	sip_end_flush(rp->se);
	xmpp_end_flush(rp->xe);
}

/* Sends made in a callback of one end leave at the turn's end. */
static void
flush_soon(struct room_peers *rp)
{
	if (!event_pending(rp->flush_ev, EV_TIMEOUT, NULL))
		event_active(rp->flush_ev, EV_TIMEOUT, 0);
}

/* Formats and queues one stanza. */
static int
xsend(struct room_peers *rp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
xsend(struct room_peers *rp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rp->buf, sizeof(rp->buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rp->buf))
		return -1;
	flush_soon(rp);
	rp->st.stanzas_out++;
	return xmpp_end_send(rp->xe, rp->buf, (size_t)n);
}

/* The participant a JID of ours names (u<i>@...), or NULL. */
static struct room_part *
part_of(struct room_peers *rp, const char *jid)
{
	uint64_t i;

	if (presence_user_index(jid, strlen(jid), 'u', &i) != 0 ||
	    i >= (uint64_t)rp->n)
		return NULL;
	return &rp->p[i];
}

/* Copies attribute name of a stanza's start tag; -1 if absent/long. */
static int
attr(const struct xml_item *it, const char *name, char *out, size_t size)
{
	return xml_attr_copy(it->tag, it->tag_len, name, out, size);
}

/* ---- the room's side --------------------------------------------------- */

/*
 * A presence to the room: a join (§7.2.3: the others' presence, then
 * the self-presence with 110, no history: the bench keeps none) or a
 * leave (§7.14: the self-presence unavailable with 110).
 */
void
room_peers_presence(struct room_peers *rp, const struct xml_item *it)
{
	char from[JID_MAX], to[256], id[64], type[32];
	const char *slash;
	struct room_part *p;

	if (attr(it, "from", from, sizeof(from)) != 0 ||
	    attr(it, "to", to, sizeof(to)) != 0 ||
	    (slash = strchr(to, '/')) == NULL ||
	    (size_t)(slash - to) != strlen(BENCH_ROOM) ||
	    strncmp(to, BENCH_ROOM, strlen(BENCH_ROOM)) != 0 ||
	    strlen(slash + 1) >= NICK_MAX || (p = part_of(rp, from)) == NULL) {
		rp->st.unexpected++;
		return;
	}
	if (attr(it, "id", id, sizeof(id)) != 0)
		id[0] = '\0';
	if (attr(it, "type", type, sizeof(type)) != 0)
		type[0] = '\0';
	if (strcmp(type, "unavailable") == 0) {
		(void)xsend(rp, "<presence from='%s' to='%s' id='%s' "
		    "type='unavailable'><x xmlns='" BENCH_NS_MUC_USER "'>"
		    "<item affiliation='none' role='none'/><status code='110'/>"
		    "</x></presence>", to, from, id);
		rp->st.leaves++;
		return;
	}
	snprintf(p->jid, sizeof(p->jid), "%s", from);
	snprintf(p->nick, sizeof(p->nick), "%s", slash + 1);
	(void)xsend(rp, "<presence from='" BENCH_ROOM "/x0' to='%s'>"
	    "<x xmlns='" BENCH_NS_MUC_USER "'><item affiliation='member' "
	    "role='participant'/></x></presence>", from);
	(void)xsend(rp, "<presence from='%s' to='%s' id='%s'>"
	    "<x xmlns='" BENCH_NS_MUC_USER "'><item affiliation='none' "
	    "role='participant'/><status code='110'/></x></presence>", to,
	    from, id);
	rp->st.joins++;
}

/*
 * A groupchat message to the room: reflected to its sender from his
 * occupant JID, with the same id and children (body, origin-id), as
 * XEP-0045 §7.4 and XEP-0359 ask.
 */
void
room_peers_message(struct room_peers *rp, const struct xml_item *it)
{
	char from[JID_MAX], to[256], id[64], type[32];
	const char *inner, *close;
	struct room_part *p;

	if (attr(it, "from", from, sizeof(from)) != 0 ||
	    attr(it, "to", to, sizeof(to)) != 0 ||
	    attr(it, "type", type, sizeof(type)) != 0 ||
	    strcmp(type, "groupchat") != 0 || strcmp(to, BENCH_ROOM) != 0 ||
	    (p = part_of(rp, from)) == NULL || p->nick[0] == '\0') {
		rp->st.unexpected++;
		return;
	}
	if (attr(it, "id", id, sizeof(id)) != 0)
		id[0] = '\0';
	/* The children, as they came: between the start and end tags. */
	inner = it->tag + it->tag_len;
	close = it->data + it->len;
	if (it->tag[it->tag_len - 2] == '/' || close - inner < 10) {
		rp->st.unexpected++;
		return;
	}
	close -= strlen("</message>");
	(void)xsend(rp, "<message from='" BENCH_ROOM "/%s' to='%s' id='%s' "
	    "type='groupchat'>%.*s</message>", p->nick, from, id,
	    (int)(close - inner), inner);
	rp->st.reflected++;
}

/* ---- the SIP participants' side ------------------------------------------ */

/* Sends participant i's join MESSAGE (set-up). */
int
room_peers_join(struct room_peers *rp, int i)
{
	char from[32];

	snprintf(from, sizeof(from), "u%d", i);
	flush_soon(rp);
	return sip_end_send_message(rp->se, SIP_CALL_LOAD, SETUP_SEQ +
	    (uint64_t)i, from, BENCH_ROOM_USER "@" BENCH_ROOM_SIP_DOMAIN, 32);
}

/* Participants whose join MESSAGE was answered 200. */
int
room_peers_joined(const struct room_peers *rp)
{
	int n = 0;

	for (int i = 0; i < rp->n; i++)
		n += rp->p[i].joined;
	return n;
}

/*
 * A final answer to one of our MESSAGEs to the room: a join of the
 * set-up, or a message of the sip-to-room load. 1 if it was ours.
 */
int
room_peers_response(struct room_peers *rp, uint64_t seq, int status)
{
	if (seq >= SETUP_SEQ) {
		if (seq - SETUP_SEQ < (uint64_t)rp->n) {
			if (status == 200)
				rp->p[seq - SETUP_SEQ].joined = 1;
			else
				rp->st.join_failed++;
		}
		return 1;
	}
	if (!rp->fanout && rp->load != NULL) {
		load_complete(rp->load, seq, status);
		return 1;
	}
	return 0;
}

/* Counts participant deliveries of room message seq; the count after. */
static uint32_t
got_one(struct room_peers *rp, uint64_t seq)
{
	if (seq >= rp->n_got) {
		uint64_t n = rp->n_got > 0 ? rp->n_got : 1024;
		uint32_t *g;

		while (n <= seq)
			n *= 2;
		if ((g = realloc(rp->got, n * sizeof(*g))) == NULL)
			return 0;
		memset(g + rp->n_got, 0, (n - rp->n_got) * sizeof(*g));
		rp->got = g;
		rp->n_got = n;
	}
	return ++rp->got[seq];
}

/*
 * A MESSAGE at a participant (answered 200 already): a room message of
 * the fan-out. Out of the room's order, or a second copy, is counted;
 * the same one again is a retransmission (UDP, RFC 3261 §17.1.2).
 */
void
room_peers_sip_message(struct room_peers *rp, const struct sip_msg *m)
{
	struct room_part *p;
	uint64_t seq;
	const char *u = m->uri;
	size_t ul = m->uri_len;

	if (ul > 4 && memcmp(u, "sip:", 4) == 0) {
		u += 4;
		ul -= 4;
	}
	if (m->body_len == 0 || bench_find_seq(m->body, m->body_len,
	    &seq) != 0) {
		rp->st.notices++;	/* "You missed N", /who and so on */
		return;
	}
	{
		char jid[JID_MAX];

		snprintf(jid, sizeof(jid), "%.*s", (int)ul, u);
		if ((p = part_of(rp, jid)) == NULL) {
			rp->st.unexpected++;
			return;
		}
	}
	if (!rp->fanout || rp->load == NULL)
		return;		/* set-up: his own line is not echoed */
	if (m->body_len < 4 || memcmp(m->body, "x0: ", 4) != 0)
		rp->st.bad_prefix++;
	if (p->have_last && seq == p->last)
		return;
	if (p->have_last && seq < p->last) {
		rp->st.out_of_order++;
		return;
	}
	p->have_last = 1;
	p->last = seq;
	rp->st.delivered++;
	if (got_one(rp, seq) == (uint32_t)rp->n)
		load_complete(rp->load, seq, 200);
}

/* ---- the load -------------------------------------------------------------- */

/* Room message seq: one stanza to each participant (room-fanout), or a
 * participant's MESSAGE to the room (sip-to-room). */
int
room_peers_send(struct room_peers *rp, uint64_t seq)
{
	char pad[2048];
	int plen = rp->body_size - 24;

	if (!rp->fanout) {
		char from[32];

		snprintf(from, sizeof(from), "u%u", (unsigned int)(seq %
		    (uint64_t)rp->n));
		return sip_end_send_message(rp->se, SIP_CALL_LOAD, seq, from,
		    BENCH_ROOM_USER "@" BENCH_ROOM_SIP_DOMAIN,
		    (size_t)rp->body_size);
	}
	if (plen < 0)
		plen = 0;
	if (plen > (int)sizeof(pad) - 1)
		plen = (int)sizeof(pad) - 1;
	memset(pad, 'x', (size_t)plen);
	for (int i = 0; i < rp->n; i++)
		if (xsend(rp, "<message from='" BENCH_ROOM "/x0' to='%s' "
		    "type='groupchat' id='F%" PRIu64 "-%d'><body>seq=%" PRIu64
		    " %.*s</body></message>", rp->p[i].jid, seq, i, seq, plen,
		    pad) != 0)
			return -1;
	return 0;
}

/* ---- life ------------------------------------------------------------------ */

/* The room and its n participants, for one scenario's run. */
struct room_peers *
room_peers_new(struct event_base *base, struct sip_end *se,
    struct xmpp_end *xe, int n, int fanout, int body_size)
{
	struct room_peers *rp = xcalloc(1, sizeof(*rp));

	rp->base = base;
	rp->se = se;
	rp->xe = xe;
	rp->n = n;
	rp->fanout = fanout;
	rp->body_size = body_size;
	rp->p = xcalloc((size_t)n, sizeof(*rp->p));
	rp->flush_ev = event_new(base, -1, 0, flush_cb, rp);
	if (rp->flush_ev == NULL) {
		room_peers_free(rp);
		return NULL;
	}
	return rp;
}

/* From now on, the load's messages are counted. */
void
room_peers_set_load(struct room_peers *rp, struct load *load)
{
	rp->load = load;
}

/* Counters. */
const struct room_stats *
room_peers_stats(const struct room_peers *rp)
{
	return &rp->st;
}

/* Frees everything (NULL is fine). */
void
room_peers_free(struct room_peers *rp)
{
	if (rp == NULL)
		return;
	if (rp->flush_ev != NULL)
		event_free(rp->flush_ev);
	free(rp->got);
	free(rp->p);
	free(rp);
}
