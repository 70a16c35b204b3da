/*
 * Invitations to a SIP user (issue 13 item 6): a XEP-0249 direct
 * invitation (<x xmlns='jabber:x:conference'/> from the inviter) or a
 * XEP-0045 §7.8.2 mediated one (<invite/> in muc#user, from the room)
 * to one of our JIDs becomes exactly one MESSAGE to the SIP user, From
 * the room's SIP URI, so that replying to it writes to the room, and so
 * joins it (room_sip.c). The stanza is the room bridge's alone: the
 * message bridge never sees it, or its body would arrive a second time
 * as a chat message. A password the invitation carries is remembered
 * for a while and given in the join (§7.2.6). Bounded: ROOM_INVITES
 * invitations per SIP user in ROOM_INVITE_WINDOW_MS, the overflow
 * logged once per window and dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mapping.h"
#include "room_invite.h"
#include "room_int.h"
#include "xmpp_link.h"

#define ROOM_INVITES		5	/* per SIP user and window */
#define ROOM_INVITE_WINDOW_MS	60000
#define ROOM_PASSWORD_TTL_MS	600000	/* until the reply joins */
#define ROOM_PASSWORD_MAX	256	/* bytes; longer ones are not kept */
#define ROOM_JID_MAX		1024

/* Copies the bare part of jid into out; -1 when it does not fit or is
 * no bare JID with a local part and a domain. */
static int
bare_jid(const char *jid, char *out, size_t size)
{
	const char *slash, *at;
	size_t n;

	if (jid == NULL)
		return -1;
	slash = strchr(jid, '/');
	n = slash != NULL ? (size_t)(slash - jid) : strlen(jid);
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, jid, n);
	out[n] = '\0';
	at = strchr(out, '@');
	if (at == NULL || at == out || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return -1;
	for (const char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return -1;
	return 0;
}

/* The key of a remembered password: "user room". */
static int
password_key(const char *user_jid, const char *room_jid, char *out,
    size_t size)
{
	int n = snprintf(out, size, "%s %s", user_jid, room_jid);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The password an invitation gave user_jid for room_jid, or NULL. */
const char *
room_invite_password(struct bridge_room *br, const char *user_jid,
    const char *room_jid)
{
	char key[2 * ROOM_JID_MAX + 2];
	struct room_cache_entry *e;

	if (password_key(user_jid, room_jid, key, sizeof(key)) < 0 ||
	    (e = room_cache_get(&br->passwords, key, room_cache_now())) ==
	    NULL)
		return NULL;
	return e->text;
}

/* Whether user_jid may get one more invitation now; counts it. */
static int
within_rate(struct bridge_room *br, const char *user_jid)
{
	uint64_t now = room_cache_now();
	struct room_cache_entry *e;

	e = room_cache_get(&br->invite_rate, user_jid, now);
	if (e == NULL)
		return room_cache_put(&br->invite_rate, user_jid, 1, NULL, now,
		    ROOM_INVITE_WINDOW_MS) == 0;
	if (e->value < ROOM_INVITES) {
		e->value++;
		return 1;
	}
	/* Once per window and user (and, over all users, at most about
	 * once a second): the first one over says it, the rest are
	 * dropped silently. */
	if (e->value == ROOM_INVITES) {
		e->value++;
		log_info_limited("room: invitations to %s dropped: more than "
		    "%d in %d s", user_jid, ROOM_INVITES,
		    ROOM_INVITE_WINDOW_MS / 1000);
	}
	return 0;
}

/*
 * A <message/> to one of our JIDs: 1 if it was an invitation (handled,
 * whatever came of it), 0 if it is not one.
 */
int
room_invitation(struct bridge_room *br, const struct xmpp_in_message *msg)
{
	struct gateway *gw = br->gw;
	struct map_room room = { 0 };
	const char *reason, *password, *inviter_full, *nick;
	char user[ROOM_JID_MAX], room_jid[ROOM_JID_MAX];
	char inviter[ROOM_JID_MAX], text[ROOM_INVITE_TEXT_MAX];
	char key[2 * ROOM_JID_MAX + 2];
	char *user_uri = NULL, *from_uri = NULL, *cause = NULL;
	int reachable, r;

	if (msg->type != NULL && (strcmp(msg->type, "error") == 0 ||
	    strcmp(msg->type, "groupchat") == 0))
		return 0;
	if (msg->muc.invited) {
		/* §7.8.2: the room speaks for the inviter. */
		r = bare_jid(msg->from, room_jid, sizeof(room_jid));
		inviter_full = msg->muc.invite_from;
		reason = msg->muc.invite_reason;
		password = msg->muc.password;
	} else if (msg->direct_invite.jid != NULL) {
		/* XEP-0249: the room must be a bare JID. */
		r = strchr(msg->direct_invite.jid, '/') != NULL ? -1 :
		    bare_jid(msg->direct_invite.jid, room_jid,
		    sizeof(room_jid));
		inviter_full = msg->from;
		reason = msg->direct_invite.reason;
		password = msg->direct_invite.password;
	} else
		return 0;
	if (r < 0 || bare_jid(msg->to, user, sizeof(user)) < 0) {
		log_info_limited("room: invitation from %s to %s dropped: not "
		    "a room JID or not a user's", msg->from != NULL ?
		    msg->from : "?", msg->to != NULL ? msg->to : "?");
		return 1;
	}
	if (bare_jid(inviter_full, inviter, sizeof(inviter)) < 0)
		strcpy(inviter, "Someone");
	else if (msg->muc.invited && strcasecmp(inviter, room_jid) == 0 &&
	    (nick = strchr(inviter_full, '/')) != NULL && nick[1] != '\0' &&
	    strlen(nick + 1) < sizeof(inviter))
		/* A room that hides real JIDs names the inviter by his
		 * occupant JID (§7.8.2): his nick is what the SIP user
		 * can know him by. */
		strcpy(inviter, nick + 1);
	if (!within_rate(br, user))
		return 1;
	if ((r = map_xmpp_to_sip(gw->map, user, &user_uri, &cause)) !=
	    MAP_OK) {
		log_info_limited("room: invitation for %s dropped: no SIP "
		    "address: %s", user, cause != NULL ? cause :
		    map_result_name(r));
		goto out;
	}
	free(cause);
	cause = NULL;
	r = map_room_from_xmpp(gw->map, room_jid, &room, &cause);
	reachable = r == MAP_OK && (room.kind == MAP_ROOM_ROOM ||
	    room.kind == MAP_ROOM_EMBEDDED);
	if (reachable)
		from_uri = strdup(room.room_uri);
	else {
		/* Nothing maps the room: the word comes from the inviter. */
		log_info_limited("room: %s invites %s to %s, which no mapping "
		    "rule reaches%s%s", inviter, user, room_jid,
		    cause != NULL ? ": " : "", cause != NULL ? cause : "");
		free(cause);
		cause = NULL;
		if (map_xmpp_to_sip(gw->map, inviter, &from_uri, &cause) !=
		    MAP_OK) {
			log_info_limited("room: invitation for %s dropped: "
			    "the inviter %s has no SIP address", user,
			    inviter);
			goto out;
		}
	}
	if (from_uri == NULL || room_invite_text(text, sizeof(text), inviter,
	    room_jid, reason, reachable) < 0)
		goto out;
	if (reachable && password != NULL && password[0] != '\0' &&
	    strlen(password) <= ROOM_PASSWORD_MAX &&
	    password_key(user, room.room_jid, key, sizeof(key)) == 0 &&
	    room_cache_put(&br->passwords, key, 0, password,
	    room_cache_now(), ROOM_PASSWORD_TTL_MS) != 0)
		log_warnx("room: could not keep the password of %s",
		    room_jid);
	log_info_limited("room: %s invites %s to %s (%s)", inviter, user,
	    room_jid, msg->muc.invited ? "mediated" : "direct");
	(void)room_tell(br, from_uri, NULL, user_uri, text, "invitation");
out:
	map_room_clear(&room);
	free(user_uri);
	free(from_uri);
	free(cause);
	return 1;
}
