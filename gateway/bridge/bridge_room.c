/*
 * SIP users in XMPP rooms, page mode (issue 13, XEP-0045 with the
 * gateway as occupant, STANDARDS §2.14): the bridge's face. It is made
 * and freed here, and its one periodic cron lives here: joins, leaves
 * and reflections that never come are answered by it, so a SIP MESSAGE
 * never waits forever on a room.
 *
 * A MESSAGE to a room URI (a room rule of the mapping) joins the room
 * on the sender's behalf and is said there once the room has accepted
 * him; its 200 waits for the room's reflection of it, the proof of
 * delivery. Every groupchat message of another occupant reaches him as
 * a MESSAGE from "nick" <room URI>, one at a time, in the room's order.
 * room_int.h says where each part lives.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mapping.h"
#include "room_int.h"
#include "sip_stack.h"
#include "xmpp_link.h"

#define ROOM_CRON_MS	500
#define ROOM_CACHE_USERS	1024	/* invitation rates, passwords */
#define ROOM_CACHE_JIDS		1024	/* disco#info answers */

/* The id of our next stanza: prefix, '-', a counter in hex. */
void
room_next_id(struct bridge_room *br, char out[ROOM_ID_MAX])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t seq = br->next_seq++;
	size_t n = strlen(br->id_prefix);
	char digits[16];
	int k = 0;

	memcpy(out, br->id_prefix, n);
	out[n++] = 'r';
	do
		digits[k++] = hex[seq & 0xf];
	while ((seq >>= 4) != 0);
	while (k > 0)
		out[n++] = digits[--k];
	out[n] = '\0';
}

/* Now plus [rooms] join_timeout_ms, on the monotonic clock. */
void
room_deadline(struct bridge_room *br, struct timespec *ts)
{
	int ms = br->gw->cfg->rooms_join_timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* 1 if ts is set and not later than now. */
int
room_is_past(const struct timespec *ts, const struct timespec *now)
{
	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return 0;
	return ts->tv_sec < now->tv_sec || (ts->tv_sec == now->tv_sec &&
	    ts->tv_nsec <= now->tv_nsec);
}

/* 1 if jid is user@domain (no resource) in exactly that domain. */
static int
jid_in_domain(const char *jid, const char *domain)
{
	const char *at = strchr(jid, '@');

	return at != NULL && at != jid && strchr(jid, '/') == NULL &&
	    strcasecmp(at + 1, domain) == 0;
}

/* Housekeeping: timeouts of joins, leaves and reflections, idle
 * leaves, retried rejoins, conference subscriptions not refreshed in
 * time; the markers that moved are written. */
static void
cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_room *br = arg;
	struct strmap_node *n, *next;
	struct timespec now;
	time_t wall = time(NULL);

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (n = strmap_next(&br->members, NULL); n != NULL; n = next) {
		next = strmap_next(&br->members, n);
		room_member_cron((struct room_member *)n, &now);
	}
	for (n = strmap_next(&br->subs, NULL); n != NULL; n = next) {
		next = strmap_next(&br->subs, n);
		room_sub_cron((struct room_sub *)n, wall);
	}
	room_disco_cron(br);
	room_store_flush(br);
}

/* Creates the room bridge and starts its cron. */
struct bridge_room *
bridge_room_new(struct gateway *gw)
{
	struct bridge_room *br = calloc(1, sizeof(*br));
	struct timeval tv = { 0, ROOM_CRON_MS * 1000 };

	if (br == NULL)
		return NULL;
	br->gw = gw;
	br->next_seq = 1;
	strmap_init(&br->members);
	strmap_init(&br->subs);
	room_cache_init(&br->invite_rate, ROOM_CACHE_USERS);
	room_cache_init(&br->passwords, ROOM_CACHE_USERS);
	room_cache_init(&br->disco, ROOM_CACHE_JIDS);
	TAILQ_INIT(&br->lookups);
	TAILQ_INIT(&br->privates);
	strbuf_init(&br->sb);
	strbuf_init(&br->sip_sb);
	/* Ids from an earlier run of the daemon must never match ours. */
	sip_random_token(br->id_prefix, sizeof(br->id_prefix));
	if ((br->cron = event_new(gw->base, -1, EV_PERSIST, cron_cb,
	    br)) == NULL || event_add(br->cron, &tv) != 0) {
		bridge_room_free(br);
		return NULL;
	}
	return br;
}

/* Frees every membership (after the SIP stack: nothing is in flight). */
void
bridge_room_free(struct bridge_room *br)
{
	struct strmap_node *n;

	if (br == NULL)
		return;
	while ((n = strmap_next(&br->members, NULL)) != NULL)
		room_member_free((struct room_member *)n);
	while ((n = strmap_next(&br->subs, NULL)) != NULL)
		room_sub_free((struct room_sub *)n);
	strmap_free(&br->members);
	strmap_free(&br->subs);
	room_disco_flush(br, -1, NULL);
	room_cache_free(&br->invite_rate);
	room_cache_free(&br->passwords);
	room_cache_free(&br->disco);
	room_private_free_all(br);
	if (br->cron != NULL)
		event_free(br->cron);
	strbuf_free(&br->sb);
	strbuf_free(&br->sip_sb);
	free(br);
}

/* SIP MESSAGEs waiting for a room: held and unreflected. */
size_t
bridge_room_pending(const struct bridge_room *br)
{
	const struct strmap_node *n;
	const struct room_said *s;
	size_t count = room_private_pending(br);

	for (n = strmap_next(&br->members, NULL); n != NULL;
	    n = strmap_next(&br->members, n)) {
		const struct room_member *m = (const struct room_member *)n;

		TAILQ_FOREACH(s, &m->held, entry)
			count++;
		TAILQ_FOREACH(s, &m->sent, entry)
			count++;
	}
	return count + room_disco_pending(br);
}

/*
 * The link went down: XEP-0114 has no resumption, every occupancy is
 * gone with it (STANDARDS §2.14). MESSAGEs held or not yet reflected
 * get 503 (their delivery cannot be proved), but the memberships stay,
 * detached, and are rejoined when the link is back (issue 13 item 7),
 * however long that takes.
 */
void
bridge_room_link_down(struct bridge_room *br)
{
	struct strmap_node *n, *next;

	/* Held for a disco#info answer: the message bridge says 503. */
	room_disco_flush(br, 0, NULL);
	for (n = strmap_next(&br->members, NULL); n != NULL; n = next) {
		struct room_member *m = (struct room_member *)n;

		next = strmap_next(&br->members, n);
		room_member_refuse(m, 503, "XMPP link lost");
		room_member_event(m, ROOM_EV_LINK_DOWN, NULL, NULL, 0);
	}
}

/* The link is (back) up: every kept membership enters again. */
void
bridge_room_link_up(struct bridge_room *br)
{
	struct strmap_node *n, *next;

	for (n = strmap_next(&br->members, NULL); n != NULL; n = next) {
		next = strmap_next(&br->members, n);
		room_rejoin((struct room_member *)n);
	}
}

/* At start, after the store is open: the kept memberships, detached. */
void
bridge_room_restore(struct bridge_room *br)
{
	room_store_restore(br);
}

/*
 * SIGTERM: what waits for a room is answered now; we leave them all,
 * their records kept (the next start rejoins them).
 */
void
bridge_room_shutdown(struct bridge_room *br)
{
	struct strmap_node *n, *next;

	room_disco_flush(br, 503, "Gateway shutting down");
	room_private_abort(br, 503, "Gateway shutting down");
	room_store_flush(br);
	for (n = strmap_next(&br->members, NULL); n != NULL; n = next) {
		struct room_member *m = (struct room_member *)n;

		next = strmap_next(&br->members, n);
		room_member_refuse(m, 503, "Gateway shutting down");
		if (m->state == ROOM_JOINED || m->state == ROOM_JOINING ||
		    m->state == ROOM_REJOINING)
			(void)room_member_send_leave(m);
		room_member_free(m);
	}
	xmpp_link_flush(br->gw->xmpp);
}

/*
 * The JID of the SIP user at sender_uri in our component domain, where
 * XEP-0114 lets us send from; NULL when he has none, the request then
 * answered 403 (logged).
 */
char *
room_sender_jid(struct bridge_room *br, struct sip_tx *tx,
    const char *sender_uri)
{
	struct gateway *gw = br->gw;
	char *from_jid = NULL, *cause = NULL;
	int r;

	if ((r = map_sip_to_xmpp(gw->map, sender_uri, &from_jid, &cause)) ==
	    MAP_OK && jid_in_domain(from_jid, gw->cfg->xmpp_component)) {
		free(cause);
		return from_jid;
	}
	log_info_limited("room: sender %s has no JID of ours: %s", sender_uri,
	    cause != NULL ? cause : r == MAP_OK ? "not in our component "
	    "domain" : map_result_name(r));
	gateway_answer(gw, tx, 403, "Sender not served by this gateway", NULL);
	free(from_jid);
	free(cause);
	return NULL;
}

/* A MESSAGE to a room address: the message bridge found MAP_ROOM. */
void
bridge_room_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req)
{
	struct gateway *gw = br->gw;
	struct map_room room = { 0 };
	char *from_jid = NULL, *cause = NULL;
	int r;

	r = map_room_from_sip(gw->map, req->ruri, &room, &cause);
	if (r != MAP_OK || (room.kind != MAP_ROOM_ROOM &&
	    room.kind != MAP_ROOM_OCCUPANT)) {
		log_info_limited("room: %s -> %s refused: %s",
		    req->sender_uri, req->ruri, cause != NULL ? cause :
		    map_result_name(r));
		gateway_answer(gw, tx, r == MAP_MALFORMED ? 400 : 404,
		    "No such room", NULL);
		goto out;
	}
	if ((from_jid = room_sender_jid(br, tx, req->sender_uri)) == NULL)
		goto out;
	if (room.kind == MAP_ROOM_OCCUPANT) {
		/* Issue 13 item 4: a private message (XEP-0045 §7.5). */
		room_private_from_sip(br, tx, req, from_jid, &room);
		goto out;
	}
	/* Issue 13 item 2: the nick is the From display name he shows. */
	room_sip_message(br, tx, req, from_jid, room.room_jid, room.room_uri,
	    req->from_display);
out:
	map_room_clear(&room);
	free(from_jid);
	free(cause);
}

/* SUBSCRIBE or NOTIFY with Event: conference (RFC 4575). */
void
bridge_room_from_sip_subscribe(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req)
{
	room_sub_from_sip(br, tx, req);
}

/*
 * A <message/> from the link: 1 if a room sent it to one of ours, or
 * it invites one of ours to a room (one MESSAGE, the invitation: the
 * message bridge must not carry its body as well).
 */
int
bridge_room_from_xmpp_message(struct bridge_room *br,
    const struct xmpp_in_message *msg)
{
	if (room_invitation(br, msg))
		return 1;
	/* Before the memberships: he may have left since he wrote it. */
	if (room_private_error(br, msg))
		return 1;
	if (br->members.n == 0)
		return 0;
	return room_xmpp_message(br, msg);
}

/* A <presence/> from the link: 1 if it was about a membership. */
int
bridge_room_from_xmpp_presence(struct bridge_room *br,
    const struct xmpp_in_presence *pres)
{
	if (br->members.n == 0)
		return 0;
	return room_xmpp_presence(br, pres);
}
