/*
 * Room memberships (one SIP user in one room): the records, and the
 * machine of room_fsm.c run on them. An event goes through the table;
 * its actions are carried out here in the table's order, and every
 * transition is traced under "room".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bridge.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "room_int.h"
#include "room_nick.h"
#include "sip_stack.h"
#include "stanza_muc.h"
#include "xmpp_link.h"

/* "user room", lower-case (JIDs compare so for our purposes). */
static char *
member_key(const char *user_jid, const char *room_jid)
{
	size_t a = strlen(user_jid), b = strlen(room_jid);
	char *k = malloc(a + b + 2);

	if (k == NULL)
		return NULL;
	memcpy(k, user_jid, a);
	k[a] = ' ';
	memcpy(k + a + 1, room_jid, b + 1);
	for (char *p = k; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

/* The membership of user_jid in room_jid, or NULL. */
struct room_member *
room_member_find(struct bridge_room *br, const char *user_jid,
    const char *room_jid)
{
	char *k = member_key(user_jid, room_jid);
	struct strmap_node *n;

	if (k == NULL)
		return NULL;
	n = strmap_find(&br->members, k);
	free(k);
	return (struct room_member *)n;
}

/* How many rooms user_jid is in (or joining). */
size_t
room_member_count_user(struct bridge_room *br, const char *user_jid)
{
	size_t n = 0, len = strlen(user_jid);
	struct strmap_node *x;

	for (x = strmap_next(&br->members, NULL); x != NULL;
	    x = strmap_next(&br->members, x))
		if (strncasecmp(x->key, user_jid, len) == 0 &&
		    x->key[len] == ' ')
			n++;
	return n;
}

/* How many of our SIP users are in room_jid. */
size_t
room_member_count_room(struct bridge_room *br, const char *room_jid)
{
	struct strmap_node *x;
	size_t n = 0;

	for (x = strmap_next(&br->members, NULL); x != NULL;
	    x = strmap_next(&br->members, x))
		if (strcasecmp(((struct room_member *)x)->room_jid,
		    room_jid) == 0)
			n++;
	return n;
}

/* A new membership in state NONE, with its strings in one block. */
int
room_member_new(struct bridge_room *br, const char *user_jid,
    const char *user_uri, const char *room_jid, const char *room_uri,
    const char *nick, struct room_member **out)
{
	size_t lens[4] = { strlen(user_jid) + 1, strlen(user_uri) + 1,
	    strlen(room_jid) + 1, strlen(room_uri) + 1 };
	struct room_member *m;
	char *p;

	*out = NULL;
	if (strlen(nick) >= sizeof(m->nick))
		return -1;
	if ((m = calloc(1, sizeof(*m) + lens[0] + lens[1] + lens[2] +
	    lens[3])) == NULL)
		return -1;
	p = (char *)(m + 1);
	m->user_jid = memcpy(p, user_jid, lens[0]);
	m->user_uri = memcpy(p += lens[0], user_uri, lens[1]);
	m->room_jid = memcpy(p += lens[1], room_jid, lens[2]);
	m->room_uri = memcpy(p += lens[2], room_uri, lens[3]);
	strcpy(m->nick, nick);
	strcpy(m->base_nick, nick);
	m->br = br;
	m->state = ROOM_NONE;
	TAILQ_INIT(&m->held);
	TAILQ_INIT(&m->sent);
	STAILQ_INIT(&m->queue);
	if ((m->key = member_key(user_jid, room_jid)) == NULL ||
	    strmap_insert(&br->members, &m->node, m->key) != 0) {
		free(m->key);
		free(m);
		return -1;
	}
	*out = m;
	return 0;
}

/* Answers one MESSAGE of the membership and forgets it. */
void
room_member_say_done(struct room_member *m, struct room_said *s, int status,
    const char *reason)
{
	gateway_answer(m->br->gw, s->tx, status, reason, NULL);
	free(s);
}

/* Answers every MESSAGE held or unreflected with status. */
void
room_member_refuse(struct room_member *m, int status, const char *reason)
{
	struct room_said *s;

	while ((s = TAILQ_FIRST(&m->held)) != NULL) {
		TAILQ_REMOVE(&m->held, s, entry);
		room_member_say_done(m, s, status, reason);
	}
	while ((s = TAILQ_FIRST(&m->sent)) != NULL) {
		TAILQ_REMOVE(&m->sent, s, entry);
		room_member_say_done(m, s, status, reason);
	}
}

/* Frees a membership: what still waits on it is answered. */
void
room_member_free(struct room_member *m)
{
	struct room_out *o;

	room_member_refuse(m, m->refuse_status != 0 ? m->refuse_status : 480,
	    m->refuse_reason != NULL ? m->refuse_reason :
	    "No longer in the room");
	while ((o = STAILQ_FIRST(&m->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&m->queue, entry);
		free(o);
	}
	room_deliver_detach(m);
	room_sub_member_gone(m);
	room_roster_clear(m);
	strmap_remove(&m->br->members, &m->node);
	free(m->key);
	free(m);
}

/* The occupant JID room/nick for a nick, into out. */
static int
occupant_of(const struct room_member *m, const char *nick, char *out,
    size_t size)
{
	int n = snprintf(out, size, "%s/%s", m->room_jid, nick);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Sends what is in the bridge's stanza buffer; 0 or -1. */
static int
send_sb(struct bridge_room *br)
{
	if (br->sb.failed)
		return -1;
	return xmpp_link_send(br->gw->xmpp, br->sb.buf, br->sb.len) == 0 ?
	    0 : -1;
}

/* XEP-0045 §7.2.1, §7.2.15: the join, with the history we want, and
 * the password an invitation gave (§7.2.6, §7.8). */
static int
send_join(struct room_member *m)
{
	struct bridge_room *br = m->br;
	struct muc_history h = MUC_HISTORY_UNSET;
	char occ[2048], id[ROOM_ID_MAX], since[32];

	h.maxstanzas = br->gw->cfg->rooms_history;
	if (h.maxstanzas == 0)
		h.maxchars = 0;		/* §7.2.15: none at all */
	/*
	 * Item 7: back in after a restart or the link's loss, only what
	 * came after the last message delivered to him (§7.2.15 since;
	 * inclusive, so room_store_is_replay() drops the overlap).
	 */
	m->join_marker = m->state == ROOM_REJOINING ? m->marker : 0;
	if (m->join_marker > 0 && h.maxstanzas != 0 &&
	    room_stamp_format(m->join_marker, since, sizeof(since)) == 0)
		h.since = since;
	/* The room sends every occupant's presence again (§7.2.3). */
	room_roster_clear(m);
	room_next_id(br, id);
	strbuf_reset(&br->sb);
	if (occupant_of(m, m->nick, occ, sizeof(occ)) < 0 ||
	    stanza_muc_join(&br->sb, m->user_jid, occ, id, &h,
	    room_invite_password(br, m->user_jid, m->room_jid)) < 0)
		return -1;
	room_deadline(br, &m->deadline);
	return send_sb(br);
}

/* XEP-0045 §7.14: unavailable presence to our occupant JID. */
int
room_member_send_leave(struct room_member *m)
{
	struct bridge_room *br = m->br;
	char occ[2048], id[ROOM_ID_MAX];

	room_next_id(br, id);
	strbuf_reset(&br->sb);
	if (occupant_of(m, m->nick, occ, sizeof(occ)) < 0 ||
	    stanza_muc_leave(&br->sb, m->user_jid, occ, id, NULL) < 0)
		return -1;
	room_deadline(br, &m->deadline);
	return send_sb(br);
}

/* XEP-0045 §7.6: presence to the new occupant JID. */
int
room_member_send_nick(struct room_member *m, const char *nick)
{
	struct bridge_room *br = m->br;
	char occ[2048], id[ROOM_ID_MAX];

	if (strlen(nick) >= sizeof(m->new_nick))
		return -1;
	room_next_id(br, id);
	strbuf_reset(&br->sb);
	if (occupant_of(m, nick, occ, sizeof(occ)) < 0 ||
	    stanza_muc_nick(&br->sb, m->user_jid, occ, id) < 0 ||
	    send_sb(br) < 0)
		return -1;
	strcpy(m->new_nick, nick);
	return 0;
}

/* §10.1.2: we created the room; take the default configuration. */
static int
send_unlock(struct room_member *m)
{
	struct bridge_room *br = m->br;
	char id[ROOM_ID_MAX];

	room_next_id(br, id);
	strbuf_reset(&br->sb);
	if (stanza_muc_unlock(&br->sb, m->user_jid, m->room_jid, id) < 0)
		return -1;
	return send_sb(br);
}

/*
 * Says one message in the room (XEP-0045 §7.4) with our origin-id
 * (XEP-0359), and keeps it until the room reflects it back.
 */
static void
say(struct room_member *m, struct room_said *s)
{
	struct bridge_room *br = m->br;

	room_next_id(br, s->id);
	strbuf_reset(&br->sb);
	if (stanza_muc_groupchat(&br->sb, m->user_jid, m->room_jid, s->id,
	    s->body, s->len, s->id) < 0) {
		room_member_say_done(m, s, 400,
		    "Message cannot be carried in XMPP");
		return;
	}
	if (send_sb(br) < 0) {
		room_member_say_done(m, s, 503, "XMPP link congested");
		return;
	}
	room_deadline(br, &s->deadline);
	TAILQ_INSERT_TAIL(&m->sent, s, entry);
	log_trace(TRACE_ROOM, "%s says %s in %s", m->user_jid, s->id,
	    m->room_jid);
}

/* A record for a MESSAGE: its transaction and body. */
static struct room_said *
said_new(struct sip_tx *tx, const char *body, size_t len)
{
	struct room_said *s = calloc(1, sizeof(*s) + len + 1);

	if (s == NULL)
		return NULL;
	s->tx = tx;
	s->len = len;
	if (len > 0)
		memcpy(s->body, body, len);
	return s;
}

/*
 * Runs event ev on m (tx and body: the MESSAGE of a SPEAK). Returns 1
 * when the membership is gone (m must not be touched), else 0.
 */
int
room_member_event(struct room_member *m, enum room_event ev,
    struct sip_tx *tx, const char *body, size_t len)
{
	struct bridge_room *br = m->br;
	enum room_state from = m->state, next;
	unsigned int acts;
	struct room_said *s;

	if (room_fsm_step(from, ev, &next, &acts) != 0)
		return 0;
	log_trace(TRACE_ROOM, "%s in %s: %s -> %s on %s (0x%x)", m->user_jid,
	    m->room_jid, room_state_name(from), room_state_name(next),
	    room_event_name(ev), acts);
	m->state = next;
	if (ev == ROOM_EV_SPEAK)
		m->by_sub = 0;	/* he writes: more than a subscription */
	if (acts & ROOM_ACT_NEXT_NICK) {
		m->nick_try++;
		room_nick_suffixed(m->base_nick, m->nick_try, m->nick,
		    sizeof(m->nick));
	}
	if (ev == ROOM_EV_SPEAK)
		clock_gettime(CLOCK_MONOTONIC, &m->last_said);
	if ((acts & ROOM_ACT_JOIN) && send_join(m) < 0) {
		if (next == ROOM_REJOINING) {
			/* A kept membership stays kept: the link returns
			 * (or the cron tries again once the deadline is
			 * past). */
			m->state = ROOM_DETACHED;
			room_member_refuse(m, 503, "XMPP link down");
			if (tx != NULL)
				gateway_answer(br->gw, tx, 503,
				    "XMPP link down", NULL);
			return 0;
		}
		m->refuse_status = 503;
		m->refuse_reason = "XMPP link down";
		room_member_free(m);
		if (tx != NULL)
			gateway_answer(br->gw, tx, 503, "XMPP link down", NULL);
		return 1;
	}
	if (tx != NULL && (acts & (ROOM_ACT_HOLD | ROOM_ACT_SAY))) {
		if ((s = said_new(tx, body, len)) == NULL)
			gateway_answer(br->gw, tx, 500, NULL, NULL);
		else
			TAILQ_INSERT_TAIL(&m->held, s, entry);
		tx = NULL;
	}
	if ((acts & ROOM_ACT_UNLOCK) && send_unlock(m) < 0)
		log_warnx("room: could not unlock %s", m->room_jid);
	if (acts & ROOM_ACT_SAY) {
		while ((s = TAILQ_FIRST(&m->held)) != NULL) {
			TAILQ_REMOVE(&m->held, s, entry);
			say(m, s);
		}
	}
	if (from != ROOM_JOINED && next == ROOM_JOINED)
		room_sub_joined(m);	/* RFC 4575: 200, full NOTIFY */
	if (acts & ROOM_ACT_STORE) {
		/* Item 8: the idle clock of a membership back in. */
		if (m->last_said.tv_sec == 0 && m->last_said.tv_nsec == 0)
			clock_gettime(CLOCK_MONOTONIC, &m->last_said);
		room_store_save(m);
	}
	if ((acts & ROOM_ACT_LEAVE) && room_member_send_leave(m) < 0)
		log_warnx("room: could not leave %s for %s", m->room_jid,
		    m->user_jid);
	if (acts & ROOM_ACT_FAIL_HELD) {
		while ((s = TAILQ_FIRST(&m->held)) != NULL) {
			TAILQ_REMOVE(&m->held, s, entry);
			room_member_say_done(m, s, m->refuse_status != 0 ?
			    m->refuse_status : 500, m->refuse_reason);
		}
	}
	if ((acts & ROOM_ACT_REFUSE) && tx != NULL) {
		gateway_answer(br->gw, tx, 480, "Leaving the room; send again "
		    "once you are out", NULL);
		tx = NULL;
	}
	/* Every MESSAGE gets its answer, whatever the table said. */
	if (tx != NULL)
		gateway_answer(br->gw, tx, 500, NULL, NULL);
	/* The last word leaves outside the queue, which ends with him. */
	if (acts & ROOM_ACT_TELL_OUT)
		room_farewell(m);
	if (acts & ROOM_ACT_DELETE) {
		room_store_forget(m);
		room_member_free(m);
		return 1;
	}
	return 0;
}

/* Timeouts: a join or leave not answered, reflections not come. */
void
room_member_cron(struct room_member *m, const struct timespec *now)
{
	struct room_said *s, *next;
	int status = errors_xmpp_to_sip("remote-server-timeout", 1, 0);

	for (s = TAILQ_FIRST(&m->sent); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!room_is_past(&s->deadline, now))
			continue;
		log_info_limited("room: %s in %s: message %s not reflected in "
		    "time", m->user_jid, m->room_jid, s->id);
		TAILQ_REMOVE(&m->sent, s, entry);
		room_member_say_done(m, s, status,
		    "The room did not confirm delivery in time");
	}
	if ((m->state == ROOM_JOINING || m->state == ROOM_REJOINING ||
	    m->state == ROOM_LEAVING) && room_is_past(&m->deadline, now)) {
		log_info_limited("room: %s in %s: no answer to the %s",
		    m->user_jid, m->room_jid, m->state == ROOM_LEAVING ?
		    "leave" : "join");
		m->refuse_status = status;
		m->refuse_reason = "The room did not answer in time";
		if (m->state == ROOM_LEAVING)
			snprintf(m->out_reason, sizeof(m->out_reason),
			    "You left %s.", m->room_uri);
		if (room_member_event(m, ROOM_EV_TIMEOUT, NULL, NULL, 0))
			return;
	}
	room_rejoin_cron(m, now);
}
