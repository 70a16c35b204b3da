/*
 * Room memberships in the store (issue 13 item 7): a record per joined
 * membership under "user-jid room-jid", written when he is in and when
 * his nick changes, deleted when the membership ends for good. The
 * marker of the last room message delivered to him moves with every
 * message but is written at most once per cron tick (room_store_flush),
 * never once per message. At start the records come back as detached
 * memberships, rejoined when the link is up (room_rejoin.c); on rejoin
 * the history already delivered is asked away (XEP-0045 §7.2.15 since)
 * and, as Prosody's since is inclusive with stamps of whole seconds,
 * also dropped here by stamp and by XEP-0359 stanza-id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "room_int.h"
#include "store.h"
#include "xmpp_link.h"

/* The store the presence bridge opened, or NULL (nothing kept). */
struct store *
room_store(struct bridge_room *br)
{
	return bridge_presence_store(br->gw->presence);
}

/* The record of m, its strings borrowed (not to be cleared). */
static void
record_of(const struct room_member *m, struct room_record *r)
{
	memset(r, 0, sizeof(*r));
	r->user_jid = m->user_jid;
	r->user_uri = m->user_uri;
	r->room_jid = m->room_jid;
	r->room_uri = m->room_uri;
	snprintf(r->nick, sizeof(r->nick), "%.*s", ROOM_NICK_MAX, m->nick);
	r->marker = m->marker;
	/* The ring, oldest first. */
	for (int i = 0; i < m->n_sids; i++) {
		int k = (m->sid_next - m->n_sids + i + ROOM_SIDS) % ROOM_SIDS;

		memcpy(r->sids[i], m->sids[k], ROOM_SID_MAX);
	}
	r->n_sids = m->n_sids;
}

/* Writes m's record (he is in, or his nick or marker moved). */
void
room_store_save(struct room_member *m)
{
	struct store *st = room_store(m->br);
	struct room_record r;
	struct strbuf sb;

	m->dirty = 0;
	if (st == NULL)
		return;
	record_of(m, &r);
	strbuf_init(&sb);
	if (room_record_encode(&sb, &r) < 0 ||
	    store_put(st, STORE_ROOM_MEMBER, m->key, sb.buf) < 0)
		log_warnx("room: cannot store %s", m->key);
	else
		m->stored = 1;
	strbuf_free(&sb);
	bridge_presence_commit_soon(m->br->gw->presence);
}

/* Deletes m's record: the membership ends for good. */
void
room_store_forget(struct room_member *m)
{
	struct store *st = room_store(m->br);

	if (st == NULL || !m->stored)
		return;
	store_del(st, STORE_ROOM_MEMBER, m->key);
	m->stored = 0;
	m->dirty = 0;
	bridge_presence_commit_soon(m->br->gw->presence);
}

/* Writes the markers that moved since the last tick. */
void
room_store_flush(struct bridge_room *br)
{
	struct strmap_node *n;

	for (n = strmap_next(&br->members, NULL); n != NULL;
	    n = strmap_next(&br->members, n)) {
		struct room_member *m = (struct room_member *)n;

		if (m->dirty && m->stored)
			room_store_save(m);
	}
}

/* 1 if jid is user@domain in exactly our component's domain. */
static int
is_ours(const char *jid, const char *domain)
{
	const char *at = strchr(jid, '@');

	return at != NULL && strcasecmp(at + 1, domain) == 0;
}

/* One stored membership: back as a detached one. */
static int
restore_cb(void *arg, const char *key, const char *value)
{
	struct bridge_room *br = arg;
	const struct config *cfg = br->gw->cfg;
	struct room_record r;
	struct room_member *m;
	const char *why = NULL;

	if (room_record_decode(value, &r, &why) < 0) {
		log_warnx("room: stored membership %.200s unreadable (%s), "
		    "ignored", key, why);
		return 0;
	}
	if (!is_ours(r.user_jid, cfg->xmpp_component))
		why = "not a JID of this gateway";
	else if (room_member_find(br, r.user_jid, r.room_jid) != NULL)
		why = "a duplicate";
	else if (room_member_count_user(br, r.user_jid) >=
	    (size_t)cfg->rooms_max_per_user)
		why = "beyond [rooms] max_per_user";
	else if (room_member_count_room(br, r.room_jid) >=
	    (size_t)cfg->rooms_max_participants)
		why = "beyond [rooms] max_participants";
	else if (room_member_new(br, r.user_jid, r.user_uri, r.room_jid,
	    r.room_uri, r.nick, &m) != 0)
		why = "out of memory";
	if (why != NULL) {
		log_warnx("room: stored membership %.200s ignored: %s", key,
		    why);
		room_record_clear(&r);
		return 0;
	}
	if (strcmp(m->key, key) != 0)
		log_info("room: stored membership %.200s filed as %s", key,
		    m->key);
	m->marker = r.marker;
	memcpy(m->sids, r.sids, sizeof(m->sids));
	m->n_sids = r.n_sids;
	m->sid_next = r.n_sids % ROOM_SIDS;
	m->stored = 1;
	room_record_clear(&r);
	room_member_event(m, ROOM_EV_RESTORED, NULL, NULL, 0);
	return 0;
}

/* At start: every stored membership, detached until the link is up. */
void
room_store_restore(struct bridge_room *br)
{
	struct store *st = room_store(br);

	if (st == NULL)
		return;
	store_each(st, STORE_ROOM_MEMBER, restore_cb, br);
	if (br->members.n > 0)
		log_info("room: %zu memberships restored", br->members.n);
}

/* 1 if sid is one of the last delivered to m. */
static int
sid_seen(const struct room_member *m, const char *sid)
{
	for (int i = 0; i < m->n_sids; i++)
		if (strcmp(m->sids[i], sid) == 0)
			return 1;
	return 0;
}

/* The room's own XEP-0359 id of msg, or NULL. */
static const char *
room_sid(const struct room_member *m, const struct xmpp_in_message *msg)
{
	if (!room_sid_valid(msg->stanza_id) || msg->stanza_id_by == NULL ||
	    strcasecmp(msg->stanza_id_by, m->room_jid) != 0)
		return NULL;
	return msg->stanza_id;
}

/*
 * 1 if msg is history he already had: its <delay/> stamp (XEP-0203) is
 * not newer than the marker of when we (re)joined, or its stanza-id is
 * one of the last delivered. Live messages are never replays by stamp.
 */
int
room_store_is_replay(struct room_member *m, const struct xmpp_in_message *msg)
{
	const char *sid = room_sid(m, msg);
	long long stamp;

	if (sid != NULL && sid_seen(m, sid))
		return 1;
	return msg->delay_stamp != NULL && m->join_marker > 0 &&
	    room_stamp_parse(msg->delay_stamp, &stamp) == 0 &&
	    stamp <= m->join_marker;
}

/* msg goes to him: the marker moves (written at the next tick). */
void
room_store_delivered(struct room_member *m, const struct xmpp_in_message *msg)
{
	const char *sid = room_sid(m, msg);
	long long stamp;

	if (msg->delay_stamp == NULL ||
	    room_stamp_parse(msg->delay_stamp, &stamp) < 0)
		stamp = (long long)time(NULL);
	if (stamp > m->marker)
		m->marker = stamp;
	if (sid != NULL && !sid_seen(m, sid)) {
		snprintf(m->sids[m->sid_next], ROOM_SID_MAX, "%s", sid);
		m->sid_next = (m->sid_next + 1) % ROOM_SIDS;
		if (m->n_sids < ROOM_SIDS)
			m->n_sids++;
	}
	m->dirty = 1;
}
