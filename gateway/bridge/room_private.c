/*
 * Private messages between a SIP participant and one occupant of his
 * room (XEP-0045 §7.5, issue 13 item 4), both ways.
 *
 * SIP -> room: a MESSAGE to sip:ROOM@conf;gr=NICK from a participant
 * who is in the room goes as <message type='chat'/> from his occupant's
 * real JID to room@service/NICK, with the muc#user <x/>. XEP-0045 gives
 * no positive proof for a private message (the room reflects only
 * groupchat), so the answer waits for the next best: a XEP-0199 ping
 * from the same JID to the room, sent right behind it. The room handles
 * our stanzas in order (RFC 6120 §10.1), so when the ping is answered
 * (result or error alike) the room has routed the message to the
 * occupant's session, or has sent us its error (item-not-found for an
 * absent nick, not-acceptable, forbidden...) first. So 200 means "the
 * room accepted it for an occupant of that nick", not "his client showed
 * it"; an error stanza becomes its RFC 7247 Table 2 status; no answer in
 * [rooms] join_timeout_ms is 408, a lost link 503.
 *
 * Room -> SIP: a chat (or normal, with a body) message from
 * room@service/bob to one of our occupants goes to the participant From
 * "bob" <sip:ROOM@conf;gr=bob>, in the room messages' queue
 * (room_deliver.c).
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "config.h"
#include "content.h"
#include "errors.h"
#include "log.h"
#include "mapping.h"
#include "room_int.h"
#include "sip_stack.h"
#include "stanza_muc.h"
#include "xmpp_link.h"

/*
 * Private MESSAGEs waiting for the room, of one sender and in all: like
 * ROOM_MAX_WAITING for the room's, a sender who writes faster than the
 * room answers gets 503 rather than our memory.
 */
#define PRIVATE_MAX_PER_USER	64
#define PRIVATE_MAX		4096

/* A private MESSAGE sent to the room, its answer not yet known. */
struct room_private {
	TAILQ_ENTRY(room_private) entry;
	struct bridge_room *br;		/* NULL: detached (bridge freed) */
	struct sip_tx *tx;		/* NULL once answered */
	char id[ROOM_ID_MAX];
	char *user_jid;			/* who sent it (in the same block) */
	char occupant[];		/* room@service/nick it went to */
};

/* Whether user_jid may have one more private MESSAGE waiting. */
static int
may_wait(const struct bridge_room *br, const char *user_jid)
{
	const struct room_private *p;
	size_t all = 0, his = 0;

	TAILQ_FOREACH(p, &br->privates, entry) {
		all++;
		if (strcasecmp(p->user_jid, user_jid) == 0)
			his++;
	}
	return all < PRIVATE_MAX && his < PRIVATE_MAX_PER_USER;
}

/* Answers p's MESSAGE (once) and forgets its tx. */
static void
answer(struct room_private *p, int status, const char *reason)
{
	if (p->tx == NULL || p->br == NULL)
		return;
	gateway_answer(p->br->gw, p->tx, status, reason, NULL);
	p->tx = NULL;
}

/* The ping behind the message came back (ok) or did not. */
static void
pinged_cb(void *arg, int ok)
{
	struct room_private *p = arg;
	struct bridge_room *br = p->br;

	if (br == NULL) {
		free(p);
		return;
	}
	if (ok)
		answer(p, 200, "OK");
	else if (!xmpp_link_is_ready(br->gw->xmpp))
		answer(p, 503, "XMPP link lost before the room confirmed");
	else
		answer(p, 408, "The room did not confirm in time");
	TAILQ_REMOVE(&br->privates, p, entry);
	free(p);
}

/*
 * A MESSAGE from a SIP user (from_jid on XMPP) to the occupant
 * room->jid: sent if he is in that room, else 403.
 */
void
room_private_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const struct map_room *room)
{
	struct gateway *gw = br->gw;
	struct content_text text = { 0 };
	struct room_member *m;
	struct room_private *p = NULL;
	char *cause = NULL;
	size_t n, un;
	int r;

	m = room_member_find(br, from_jid, room->room_jid);
	if (m == NULL || m->state != ROOM_JOINED) {
		/* §7.5: only an occupant may send a private message. */
		log_info_limited("room: %s -> %s refused: not in the room",
		    req->sender_uri, room->jid);
		gateway_answer(gw, tx, 403, "Not in this room: write to the "
		    "room first to join it", NULL);
		goto out;
	}
	if (!xmpp_link_is_ready(gw->xmpp)) {
		gateway_answer(gw, tx, 503, "XMPP link down", NULL);
		goto out;
	}
	if (!may_wait(br, m->user_jid)) {
		log_info_limited("room: %s -> %s: too many private messages "
		    "wait for the room", m->user_jid, room->jid);
		gateway_answer(gw, tx, 503, "Too many messages waiting for "
		    "the room", NULL);
		goto out;
	}
	r = content_to_text(req->content_type, req->content_encoding,
	    req->body != NULL ? req->body : "", req->body_len, &text, &cause);
	if (r != CONTENT_TEXT || text.len == 0) {
		log_info_limited("room: %s -> %s: body refused: %s",
		    req->sender_uri, room->jid, cause != NULL ? cause :
		    r == CONTENT_TEXT ? "empty" : "unsupported");
		gateway_answer(gw, tx, r == CONTENT_NOMEM ? 500 :
		    r == CONTENT_UNSUPPORTED || r == CONTENT_MACHINE ? 415 :
		    400, r == CONTENT_NOMEM ? NULL : r == CONTENT_TEXT ?
		    "Empty message" : cause, NULL);
		goto out;
	}
	n = strlen(room->jid);
	un = strlen(m->user_jid);
	if ((p = calloc(1, sizeof(*p) + n + 1 + un + 1)) == NULL) {
		gateway_answer(gw, tx, 500, NULL, NULL);
		goto out;
	}
	memcpy(p->occupant, room->jid, n + 1);
	p->user_jid = p->occupant + n + 1;
	memcpy(p->user_jid, m->user_jid, un + 1);
	room_next_id(br, p->id);
	strbuf_reset(&br->sb);
	if (stanza_muc_private(&br->sb, m->user_jid, room->jid, p->id,
	    text.text, text.len, p->id) < 0) {
		log_info_limited("room: %s -> %s: cannot be sent as a stanza",
		    req->sender_uri, room->jid);
		gateway_answer(gw, tx, br->sb.failed ? 500 : 488,
		    br->sb.failed ? NULL : "Not acceptable as XMPP", NULL);
		goto out;
	}
	if (xmpp_link_send(gw->xmpp, br->sb.buf, br->sb.len) != 0) {
		gateway_answer(gw, tx, 503, "XMPP link down", NULL);
		goto out;
	}
	p->br = br;
	p->tx = tx;
	if (xmpp_link_ping(gw->xmpp, m->user_jid, room->room_jid,
	    gw->cfg->rooms_join_timeout_ms, pinged_cb, p) != 0) {
		/* Sent, but nothing can confirm it: say so, not 200. */
		answer(p, 503, "Could not confirm delivery");
		goto out;
	}
	TAILQ_INSERT_TAIL(&br->privates, p, entry);
	log_trace(TRACE_ROOM, "%s -> %s: private %s", m->user_jid, room->jid,
	    p->id);
	p = NULL;
out:
	free(p);
	content_text_clear(&text);
	free(cause);
}

/*
 * An error stanza answering one of our private messages: its status
 * (RFC 7247 Table 2, the occupant being a full JID). 1 if it was one.
 */
int
room_private_error(struct bridge_room *br, const struct xmpp_in_message *msg)
{
	struct room_private *p;
	int status;

	if (TAILQ_EMPTY(&br->privates) || msg->type == NULL ||
	    strcmp(msg->type, "error") != 0 || msg->id == NULL ||
	    msg->from == NULL)
		return 0;
	TAILQ_FOREACH(p, &br->privates, entry) {
		/* Only the address it went to may refuse it. */
		if (strcmp(p->id, msg->id) != 0 ||
		    strcasecmp(p->occupant, msg->from) != 0)
			continue;
		status = errors_xmpp_to_sip(msg->error_condition, 1, 0);
		log_info_limited("room: private %s to %s refused: %s",
		    p->id, p->occupant, msg->error_condition != NULL ?
		    msg->error_condition : "?");
		answer(p, status, msg->error_text != NULL &&
		    msg->error_text[0] != '\0' ? msg->error_text :
		    errors_reason_phrase(status));
		return 1;	/* freed when its ping comes back */
	}
	return 0;
}

/*
 * A private message from the occupant nick of m's room (XEP-0045 §7.5)
 * to m's user: to his SIP UA From "nick" <room URI;gr=nick>.
 */
void
room_private_to_sip(struct room_member *m, const char *nick,
    const struct xmpp_in_message *msg)
{
	struct map_room r = { 0 };
	char *cause = NULL;

	if (msg->body == NULL || msg->body[0] == '\0')
		return;		/* chat states and the like: nothing to say */
	if (map_room_from_xmpp(m->br->gw->map, msg->from, &r, &cause) !=
	    MAP_OK || r.kind != MAP_ROOM_OCCUPANT || r.uri == NULL) {
		log_info_limited("room: private message from %s to %s: no "
		    "sip: URI for it: %s", msg->from, m->user_jid,
		    cause != NULL ? cause : "not an occupant address");
		goto out;
	}
	log_trace(TRACE_ROOM, "%s in %s: private from %s", m->user_jid,
	    m->room_jid, nick);
	(void)room_deliver_private(m, nick, r.uri, msg->body,
	    msg->delay_stamp);
out:
	map_room_clear(&r);
	free(cause);
}

/* Answers every private MESSAGE still waiting (SIGTERM: 503). */
void
room_private_abort(struct bridge_room *br, int status, const char *reason)
{
	struct room_private *p;

	TAILQ_FOREACH(p, &br->privates, entry)
		answer(p, status, reason);
}

/* How many private MESSAGEs wait for their answer. */
size_t
room_private_pending(const struct bridge_room *br)
{
	const struct room_private *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &br->privates, entry)
		if (p->tx != NULL)
			n++;
	return n;
}

/*
 * The bridge goes (after the link: every ping has called back). What
 * is left is freed without an answer: the SIP stack is gone.
 */
void
room_private_free_all(struct bridge_room *br)
{
	struct room_private *p;

	while ((p = TAILQ_FIRST(&br->privates)) != NULL) {
		TAILQ_REMOVE(&br->privates, p, entry);
		free(p);
	}
}
