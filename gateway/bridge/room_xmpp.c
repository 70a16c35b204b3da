/*
 * What rooms send our occupants (XEP-0045): self-presence and join
 * errors drive a membership's machine, other occupants' presence keeps
 * its roster (for /who), our own message reflected back is the proof of
 * delivery that answers the SIP MESSAGE with 200, and every other
 * groupchat message goes to the SIP participant (room_deliver.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "room_int.h"
#include "sip_event.h"
#include "xmpp_link.h"

/* Splits from ("room@service/nick") into its bare room (into out) and
 * the nick (NULL when there is none). -1 if it does not fit. */
static int
split_occupant(const char *from, char *out, size_t size, const char **nick)
{
	const char *slash = strchr(from, '/');
	size_t n = slash != NULL ? (size_t)(slash - from) : strlen(from);

	if (n >= size)
		return -1;
	memcpy(out, from, n);
	out[n] = '\0';
	*nick = slash != NULL && slash[1] != '\0' ? slash + 1 : NULL;
	return 0;
}

/* The membership a stanza from a room to one of our users is about. */
static struct room_member *
member_of(struct bridge_room *br, const char *from, const char *to,
    const char **nick)
{
	char room[1024], user[1024];
	const char *ignored;

	if (from == NULL || to == NULL ||
	    split_occupant(from, room, sizeof(room), nick) < 0 ||
	    split_occupant(to, user, sizeof(user), &ignored) < 0)
		return NULL;
	return room_member_find(br, user, room);
}

/* Remembers an occupant's nick (bounded: ROOM_ROSTER_MAX). */
void
room_roster_put(struct room_member *m, const char *nick)
{
	struct room_occupant *o;
	size_t len = strlen(nick);

	for (o = m->roster; o != NULL; o = o->next)
		if (strcmp(o->nick, nick) == 0)
			return;
	if (m->n_roster >= ROOM_ROSTER_MAX || len > ROOM_NICK_MAX * 16 ||
	    (o = malloc(sizeof(*o) + len + 1)) == NULL)
		return;
	memcpy(o->nick, nick, len + 1);
	o->next = m->roster;
	m->roster = o;
	m->n_roster++;
	room_sub_roster(m, nick, 0);
}

/* Forgets an occupant's nick. */
void
room_roster_drop(struct room_member *m, const char *nick)
{
	struct room_occupant **op, *o;

	for (op = &m->roster; (o = *op) != NULL; op = &o->next) {
		if (strcmp(o->nick, nick) == 0) {
			*op = o->next;
			m->n_roster--;
			room_sub_roster(m, o->nick, 1);
			free(o);
			return;
		}
	}
}

/* Forgets the whole roster. */
void
room_roster_clear(struct room_member *m)
{
	struct room_occupant *o;

	while ((o = m->roster) != NULL) {
		m->roster = o->next;
		free(o);
	}
	m->n_roster = 0;
}

/*
 * A join refused (XEP-0045 §7.2.5-11): what the SIP sender hears. The
 * issue asks 404 for a room that does not exist and 403 with the reason
 * for members-only, banned and password rooms; the rest as RFC 7247
 * Table 2 says.
 */
static void
join_refused(struct room_member *m, const char *cond)
{
	if (cond == NULL)
		cond = "undefined-condition";
	if (strcmp(cond, "item-not-found") == 0) {
		m->refuse_status = 404;
		m->refuse_reason = "No such room";
	} else if (strcmp(cond, "registration-required") == 0) {
		m->refuse_status = 403;
		m->refuse_reason = "Members-only room: you are not a member";
	} else if (strcmp(cond, "forbidden") == 0) {
		m->refuse_status = 403;
		m->refuse_reason = "You are banned from this room";
	} else if (strcmp(cond, "not-authorized") == 0) {
		m->refuse_status = 403;
		m->refuse_reason = "This room needs a password";
	} else if (strcmp(cond, "conflict") == 0) {
		m->refuse_status = 409;
		m->refuse_reason = "Every nick we tried is taken";
	} else {
		m->refuse_status = errors_xmpp_to_sip(cond, 1, 0);
		m->refuse_reason = errors_reason_phrase(m->refuse_status);
	}
	/* Item 7: a kept membership refused back; he hears why. */
	if (m->state == ROOM_REJOINING)
		snprintf(m->out_reason, sizeof(m->out_reason), "You are no "
		    "longer in %.100s: the room did not let you back in "
		    "(%.60s).", m->room_uri, m->refuse_reason != NULL ?
		    m->refuse_reason : cond);
}

/* 1 while a join (first or again) waits for the room's answer. */
static int
is_joining(const struct room_member *m)
{
	return m->state == ROOM_JOINING || m->state == ROOM_REJOINING;
}

/*
 * Why a self-presence unavailable put him out (§8.2, §9.1, §10.9): what
 * happened, who did it (the actor's nick, §8.2: the room may tell it)
 * and the reason, when the room gives them.
 */
static void
out_reason(struct room_member *m, const struct xmpp_in_muc *x)
{
	const char *why = x->reason != NULL ? x->reason : x->destroy_reason;
	const char *by = x->actor_nick;
	const char *what;
	char actor[96] = "";

	/* RFC 6665 §4.1.3: what his conference subscription hears. */
	m->end_reason = SUB_REASON_NORESOURCE;
	if (x->status & XMPP_MUC_S301) {
		what = "You were banned from";
		m->end_reason = SUB_REASON_REJECTED;
	} else if ((x->status & XMPP_MUC_S307) &&
	    !(x->status & XMPP_MUC_S333)) {
		what = "You were kicked from";
		m->end_reason = SUB_REASON_REJECTED;
	} else if (x->destroyed)
		what = "The room was destroyed:";
	else if (x->status & (XMPP_MUC_S321 | XMPP_MUC_S322))
		what = "You were removed from";
	else if (x->status & (XMPP_MUC_S332 | XMPP_MUC_S333))
		what = "The service took you out of";
	else
		what = m->state == ROOM_LEAVING ? "You left" :
		    "You are no longer in";
	if (by != NULL && by[0] != '\0' &&
	    (x->status & (XMPP_MUC_S301 | XMPP_MUC_S307 | XMPP_MUC_S321)))
		snprintf(actor, sizeof(actor), " by %.80s", by);
	snprintf(m->out_reason, sizeof(m->out_reason), "%s %.200s%s%s%.300s%s",
	    what, m->room_uri, actor, why != NULL && why[0] != '\0' ? " (" :
	    ".", why != NULL ? why : "", why != NULL && why[0] != '\0' ?
	    ")." : "");
}

/*
 * Whether an unavailable presence from our own occupant JID, without
 * status 110, still puts him out: a kick, ban, removal or destruction
 * names the occupant by his nick, unique in the room, and the 110 may
 * be missing there (§10.9's example of a destruction has none; Prosody
 * sends it, others may not).
 */
static int
self_out_without_110(const struct room_member *m,
    const struct xmpp_in_presence *p, const char *nick)
{
	return nick != NULL && strcmp(nick, m->nick) == 0 &&
	    p->type != NULL && strcmp(p->type, "unavailable") == 0 &&
	    (m->state == ROOM_JOINED || m->state == ROOM_LEAVING) &&
	    (p->muc.destroyed || (p->muc.status & (XMPP_MUC_S301 |
	    XMPP_MUC_S307 | XMPP_MUC_S321 | XMPP_MUC_S322 |
	    XMPP_MUC_S332)));
}

/* Self-presence (status 110): the membership's own news. */
static void
self_presence(struct room_member *m, const struct xmpp_in_presence *p,
    const char *nick)
{
	const struct xmpp_in_muc *x = &p->muc;
	int unavailable = p->type != NULL &&
	    strcmp(p->type, "unavailable") == 0;
	char note[200];

	if (unavailable && (x->status & XMPP_MUC_S303) &&
	    x->item_nick != NULL) {
		/* §7.6: the nick change; the new presence follows. */
		if (strlen(x->item_nick) < sizeof(m->nick)) {
			room_roster_drop(m, m->nick);
			strcpy(m->nick, x->item_nick);
		}
		m->new_nick[0] = '\0';
		if (m->stored)
			room_store_save(m);	/* rejoined with this one */
		snprintf(note, sizeof(note), "You are now %.80s in %.100s.",
		    m->nick, m->room_uri);
		(void)room_deliver_notice(m, note);
		return;
	}
	if (unavailable) {
		out_reason(m, x);
		room_member_event(m, ROOM_EV_SELF_OUT, NULL, NULL, 0);
		return;
	}
	/* §7.2.2, 210: the service may have given us another nick. */
	if (nick != NULL && strlen(nick) < sizeof(m->nick))
		strcpy(m->nick, nick);
	room_roster_put(m, m->nick);
	if (!is_joining(m))
		return;
	if (x->status & XMPP_MUC_S201) {
		if (m->br->gw->cfg->rooms_create)
			room_member_event(m, ROOM_EV_CREATED_KEEP, NULL,
			    NULL, 0);
		else {
			m->refuse_status = 404;
			m->refuse_reason = "No such room";
			snprintf(m->out_reason, sizeof(m->out_reason), "%.100s "
			    "no longer exists; you are out of it.",
			    m->room_uri);
			room_member_event(m, ROOM_EV_CREATED_DROP, NULL,
			    NULL, 0);
		}
		return;
	}
	room_member_event(m, ROOM_EV_SELF_IN, NULL, NULL, 0);
}

/* A presence from a room to one of our users; 1 if it was one. */
int
room_xmpp_presence(struct bridge_room *br, const struct xmpp_in_presence *p)
{
	struct room_member *m;
	const char *nick = NULL;

	if ((m = member_of(br, p->from, p->to, &nick)) == NULL)
		return 0;
	if (p->type != NULL && strcmp(p->type, "error") == 0) {
		log_info_limited("room: %s in %s: %s refused: %s",
		    m->user_jid, m->room_jid, is_joining(m) ?
		    "join" : "presence", p->error_condition != NULL ?
		    p->error_condition : "?");
		if (is_joining(m)) {
			if (p->error_condition != NULL &&
			    strcmp(p->error_condition, "conflict") == 0 &&
			    m->nick_try + 1 < ROOM_NICK_TRIES)
				room_member_event(m, ROOM_EV_CONFLICT, NULL,
				    NULL, 0);
			else {
				join_refused(m, p->error_condition);
				room_member_event(m, ROOM_EV_REFUSED, NULL,
				    NULL, 0);
			}
		} else if (m->new_nick[0] != '\0') {
			char note[200];

			snprintf(note, sizeof(note), "The room refused the "
			    "nick %.80s (%.60s).", m->new_nick,
			    p->error_condition != NULL ? p->error_condition :
			    "error");
			m->new_nick[0] = '\0';
			(void)room_deliver_notice(m, note);
		}
		return 1;
	}
	if ((p->muc.status & XMPP_MUC_S110) ||
	    self_out_without_110(m, p, nick)) {
		self_presence(m, p, nick);
		return 1;
	}
	if (nick == NULL)
		return 1;
	room_notice_presence(m, nick, p);
	if (p->type != NULL && strcmp(p->type, "unavailable") == 0) {
		room_roster_drop(m, nick);
		if ((p->muc.status & XMPP_MUC_S303) && p->muc.item_nick != NULL)
			room_roster_put(m, p->muc.item_nick);
	} else if (p->type == NULL)
		room_roster_put(m, nick);
	return 1;
}

/* Our message, reflected back or refused: find it by its id. */
static struct room_said *
said_find(struct room_member *m, const char *id)
{
	struct room_said *s;

	if (id == NULL)
		return NULL;
	TAILQ_FOREACH(s, &m->sent, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* A message from a room to one of our users; 1 if it was one. */
int
room_xmpp_message(struct bridge_room *br, const struct xmpp_in_message *msg)
{
	struct room_member *m;
	struct room_said *s;
	const char *nick = NULL;

	if ((m = member_of(br, msg->from, msg->to, &nick)) == NULL)
		return 0;
	if (msg->type != NULL && strcmp(msg->type, "error") == 0) {
		if ((s = said_find(m, msg->id)) == NULL)
			return 1;
		TAILQ_REMOVE(&m->sent, s, entry);
		log_info_limited("room: %s in %s: message %s refused: %s",
		    m->user_jid, m->room_jid, s->id,
		    msg->error_condition != NULL ? msg->error_condition : "?");
		room_member_say_done(m, s, errors_xmpp_to_sip(
		    msg->error_condition, 0, 0), msg->error_text != NULL &&
		    msg->error_text[0] != '\0' ? msg->error_text :
		    "The room refused the message");
		return 1;
	}
	if (nick != NULL && (msg->type == NULL ||
	    strcmp(msg->type, "chat") == 0)) {
		/* XEP-0045 §7.5: a private message from that occupant. */
		if (m->state == ROOM_JOINED)
			room_private_to_sip(m, nick, msg);
		return 1;
	}
	if (msg->type == NULL || strcmp(msg->type, "groupchat") != 0)
		return 0;	/* invitations: later */
	/*
	 * XEP-0045 §7.4, XEP-0359: the reflection of ours comes from our
	 * occupant JID with our origin-id (or id). It is the proof of
	 * delivery, and it is not echoed to the sender.
	 */
	if (nick != NULL && strcmp(nick, m->nick) == 0) {
		if ((s = said_find(m, msg->origin_id)) != NULL ||
		    (s = said_find(m, msg->id)) != NULL) {
			TAILQ_REMOVE(&m->sent, s, entry);
			log_trace(TRACE_ROOM, "%s in %s: %s reflected",
			    m->user_jid, m->room_jid, s->id);
			room_member_say_done(m, s, 200, "OK");
		}
		return 1;
	}
	if (m->state != ROOM_JOINED)
		return 1;
	/* Item 7: history he had before a restart or the link's loss. */
	if (room_store_is_replay(m, msg)) {
		log_trace(TRACE_ROOM, "%s in %s: history already delivered "
		    "(%s) dropped", m->user_jid, m->room_jid,
		    msg->delay_stamp != NULL ? msg->delay_stamp : "live");
		return 1;
	}
	if (msg->subject != NULL && msg->body == NULL) {
		/* §8.1: a subject change (empty: none). */
		if (msg->subject[0] != '\0')
			(void)room_deliver(m, nick, NULL, msg->subject);
		return 1;
	}
	if (msg->body != NULL && room_deliver_said(m, nick, msg->body, NULL,
	    msg->delay_stamp) == 0)
		room_store_delivered(m, msg);
	return 1;
}
