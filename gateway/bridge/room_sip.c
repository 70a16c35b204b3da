/*
 * A SIP user's MESSAGE to a room (issue 13 items 2, 4, 5): its body made
 * text, a softphone command carried out (/leave, /nick, /who, /help,
 * when [rooms] commands is on and the whole body is one), anything else
 * said in the room, joining it first if he is not in it, within the
 * [rooms] limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "content.h"
#include "log.h"
#include "room_int.h"
#include "room_nick.h"
#include "sip_stack.h"
#include "xmpp_link.h"

/* /who: the occupants the room's presence told us of, in one line. */
static void
who(struct room_member *m)
{
	struct strbuf line;
	const struct room_occupant *o;
	char head[160];

	strbuf_init(&line);
	snprintf(head, sizeof(head), "%zu in %.100s: ", m->n_roster,
	    m->room_uri);
	strbuf_appends(&line, head);
	for (o = m->roster; o != NULL; o = o->next) {
		/* A softphone screen, not a directory: cut long rooms. */
		if (line.len > 900) {
			strbuf_appends(&line, ", ...");
			break;
		}
		strbuf_appends(&line, o->nick);
		if (o->next != NULL)
			strbuf_appends(&line, ", ");
	}
	if (!line.failed)
		(void)room_deliver_notice(m, line.buf);
	strbuf_free(&line);
}

/* Carries out a command; the MESSAGE is answered here. */
static void
command(struct bridge_room *br, struct sip_tx *tx, struct room_member *m,
    const struct room_command *c)
{
	struct gateway *gw = br->gw;
	char nick[ROOM_NICK_MAX_Z];

	if (c->kind == ROOM_CMD_INVALID) {
		gateway_answer(gw, tx, 400, c->error, NULL);
		return;
	}
	if (m != NULL && m->state == ROOM_DETACHED &&
	    c->kind == ROOM_CMD_LEAVE) {
		/* Kept while the link is down: forgotten, nothing to send. */
		gateway_answer(gw, tx, 200, "OK", NULL);
		snprintf(m->out_reason, sizeof(m->out_reason), "You left "
		    "%.100s.", m->room_uri);
		room_member_event(m, ROOM_EV_LEAVE, NULL, NULL, 0);
		return;
	}
	if (m == NULL || m->state != ROOM_JOINED) {
		/* Nothing to leave, rename or list: he is not in it. */
		gateway_answer(gw, tx, 404, c->kind == ROOM_CMD_HELP ?
		    "Send any text to this address to join the room" :
		    "You are not in this room", NULL);
		return;
	}
	gateway_answer(gw, tx, 200, "OK", NULL);
	log_trace(TRACE_ROOM, "%s in %s: /%s", m->user_jid, m->room_jid,
	    room_command_name(c->kind));
	switch (c->kind) {
	case ROOM_CMD_LEAVE:
		room_member_event(m, ROOM_EV_LEAVE, NULL, NULL, 0);
		break;
	case ROOM_CMD_NICK:
		if (c->arg_len >= sizeof(nick))
			break;	/* the parser caps it at ROOM_NICK_MAX */
		memcpy(nick, c->arg, c->arg_len);
		nick[c->arg_len] = '\0';
		if (room_member_send_nick(m, nick) < 0)
			(void)room_deliver_notice(m, "Could not change the "
			    "nick: the XMPP link is down.");
		break;
	case ROOM_CMD_WHO:
		who(m);
		break;
	default:
		(void)room_deliver_notice(m, room_command_help());
		break;
	}
}

/* Whether a new membership is within the [rooms] limits; answers if
 * not. */
int
room_sip_may_join(struct bridge_room *br, struct sip_tx *tx,
    const char *user_jid, const char *room_jid)
{
	const struct config *cfg = br->gw->cfg;

	if (!xmpp_link_is_ready(br->gw->xmpp)) {
		gateway_answer(br->gw, tx, 503, "XMPP link down", NULL);
		return 0;
	}
	if (room_member_count_user(br, user_jid) >=
	    (size_t)cfg->rooms_max_per_user) {
		log_info_limited("room: %s may not join %s: in %d rooms "
		    "([rooms] max_per_user)", user_jid, room_jid,
		    cfg->rooms_max_per_user);
		gateway_answer(br->gw, tx, 403, "You are in too many rooms",
		    NULL);
		return 0;
	}
	if (room_member_count_room(br, room_jid) >=
	    (size_t)cfg->rooms_max_participants) {
		log_info_limited("room: %s may not join %s: room full "
		    "([rooms] max_participants)", user_jid, room_jid);
		gateway_answer(br->gw, tx, 403, "Too many SIP participants in "
		    "this room", NULL);
		return 0;
	}
	return 1;
}

/* MESSAGEs of one membership waiting for the room; beyond, 503. */
#define ROOM_MAX_WAITING	64

/* Whether m holds ROOM_MAX_WAITING MESSAGEs already. */
static int
too_many_waiting(const struct room_member *m)
{
	const struct room_said *s;
	int n = 0;

	TAILQ_FOREACH(s, &m->held, entry)
		n++;
	TAILQ_FOREACH(s, &m->sent, entry)
		n++;
	return n >= ROOM_MAX_WAITING;
}

/* A MESSAGE from a SIP user (from_jid on XMPP) to room_jid. */
void
room_sip_message(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *room_jid, const char *room_uri, const char *display)
{
	struct gateway *gw = br->gw;
	struct content_text text = { 0 };
	struct room_command c = { 0 };
	struct room_member *m;
	char nick[ROOM_NICK_MAX_Z], *cause = NULL;
	int r;

	r = content_to_text(req->content_type, req->content_encoding,
	    req->body != NULL ? req->body : "", req->body_len, &text, &cause);
	if (r != CONTENT_TEXT) {
		log_info_limited("room: %s -> %s: body refused: %s",
		    req->sender_uri, room_jid, cause != NULL ? cause :
		    "unsupported");
		gateway_answer(gw, tx, r == CONTENT_NOMEM ? 500 :
		    r == CONTENT_UNSUPPORTED || r == CONTENT_MACHINE ? 415 :
		    400, r == CONTENT_NOMEM ? NULL : cause, NULL);
		goto out;
	}
	m = room_member_find(br, from_jid, room_jid);
	if (gw->cfg->rooms_commands &&
	    room_command_parse(text.text, text.len, &c) == 0 &&
	    c.kind != ROOM_CMD_MESSAGE) {
		command(br, tx, m, &c);
		goto out;
	}
	if (text.len == 0) {
		gateway_answer(gw, tx, 400, "Empty message", NULL);
		goto out;
	}
	if (m == NULL) {
		if (!room_sip_may_join(br, tx, from_jid, room_jid))
			goto out;
		room_nick_from_sip(display, req->sender_uri, nick,
		    sizeof(nick));
		if (room_member_new(br, from_jid, req->sender_uri, room_jid,
		    room_uri, nick, &m) != 0) {
			gateway_answer(gw, tx, 500, NULL, NULL);
			goto out;
		}
		log_info_limited("room: %s joins %s as \"%s\"",
		    req->sender_uri, room_jid, nick);
	} else if (too_many_waiting(m)) {
		log_info_limited("room: %s in %s: %d MESSAGEs already wait "
		    "for the room", m->user_jid, m->room_jid,
		    ROOM_MAX_WAITING);
		gateway_answer(gw, tx, 503, "Too many messages waiting for "
		    "the room", NULL);
		goto out;
	}
	room_member_event(m, ROOM_EV_SPEAK, tx, text.text, text.len);
out:
	content_text_clear(&text);
	free(cause);
}
