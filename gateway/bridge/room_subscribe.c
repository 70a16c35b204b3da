/*
 * Conference subscriptions (RFC 4575, issue 13 items 2 and 3): a SIP
 * user SUBSCRIBEs with Event: conference to a room URI. If he is not
 * in the room, the SUBSCRIBE joins it for him (the membership machine,
 * ROOM_EV_SUBSCRIBE) and is answered once the room has accepted him
 * (self-presence, status 110), or with the error a joining MESSAGE
 * would get. Then NOTIFYs carry the roster: a full document first
 * (version 1), a partial one per occupant who joins or leaves (§4.6),
 * one NOTIFY at a time (RFC 6665 §4.2.2): what changes while one is
 * out goes in one partial document next (up to ROOM_SUB_PENDING
 * occupants; beyond, or on a refresh, one full document).
 *
 * Choices, said here once: one subscription per membership (a new
 * dialog replaces the old, which ends with reason=rejected so the two
 * never fight); a NOTIFY that fails ends the subscription, not the
 * membership (the room's MESSAGEs still reach him, and [rooms]
 * max_failures takes a ghost out); un-SUBSCRIBE or expiry ends it and,
 * if the subscription made the membership and he never wrote to the
 * room, leaves the room too. Expires is bounded by [presence]
 * min_expires and max_expires, as for presence subscriptions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bridge.h"
#include "config.h"
#include "conference_info.h"
#include "log.h"
#include "mapping.h"
#include "room_conf.h"
#include "room_int.h"
#include "room_nick.h"
#include "sip_event.h"
#include "sip_stack.h"

#define CONF_DEFAULT_EXPIRES	3600	/* RFC 4575 §3.3 */

/* What a NOTIFY's answer needs to find its subscription again. */
struct sub_notify {
	struct bridge_room *br;
	char *key;
};

static void notify_send(struct room_sub *sub,
    const struct room_conf_user *changes, size_t n);

/* Answers a SUBSCRIBE we cannot take, with what RFC 6665 asks beside
 * the status: Min-Expires with 423, Accept with 406 (gateway_answer
 * adds Retry-After to 503). Other packages never come here (489 is
 * the presence bridge's). */
static void
refuse(struct bridge_room *br, struct sip_tx *tx, int status,
    const char *reason)
{
	struct sip_msg *resp;
	char num[16];

	if (status != 423 && status != 406) {
		gateway_answer(br->gw, tx, status, reason, NULL);
		return;
	}
	if ((resp = sip_tx_response(tx, status, reason)) == NULL)
		return;
	if (status == 423) {
		snprintf(num, sizeof(num), "%d",
		    br->gw->cfg->presence_min_expires);
		sip_msg_add_header(resp, "Min-Expires", num);
	} else
		sip_msg_add_header(resp, "Accept", CONFERENCE_INFO_TYPE);
	sip_respond(br->gw->sip, tx, resp);
}

/* Seconds the subscription has left (0 once expired). */
static long
left(const struct room_sub *sub)
{
	time_t now = time(NULL);

	return sub->expires_at > now ? (long)(sub->expires_at - now) : 0;
}

/* Answers the SUBSCRIBE 200 with the granted Expires and our Contact. */
static void
answer_ok(struct bridge_room *br, struct sip_tx *tx, long expires)
{
	struct sip_msg *resp = sip_tx_response(tx, 200, NULL);
	char num[24], contact[512];

	if (resp == NULL)
		return;
	/* RFC 3261 §12.1.1: the 2xx that makes a dialog copies the
	 * request's Record-Route. */
	if (sip_msg_copy_record_routes(resp, sip_tx_request(tx)) < 0) {
		sip_msg_free(resp);
		return;
	}
	snprintf(num, sizeof(num), "%ld", expires);
	sip_msg_add_header(resp, "Expires", num);
	if (sip_stack_contact(br->gw->sip, contact, sizeof(contact)) == 0)
		sip_msg_set_contact(resp, contact);
	sip_msg_add_header(resp, "Allow-Events", "presence, conference");
	sip_respond(br->gw->sip, tx, resp);
}

/* Forgets the changes that waited for the NOTIFY in flight. */
static void
pending_clear(struct room_sub *sub)
{
	while (sub->n_pend > 0)
		free(sub->pend[--sub->n_pend]);
}

/*
 * Remembers that nick came (deleted 0) or went while a NOTIFY is out:
 * the last word on a nick wins (§4.6 merges by entity). Too many, or
 * no memory: the next document is a full one.
 */
static void
pending_add(struct room_sub *sub, const char *nick, int deleted)
{
	size_t i;

	if (sub->dirty)
		return;
	for (i = 0; i < sub->n_pend; i++) {
		if (strcmp(sub->pend[i], nick) == 0) {
			sub->pend_deleted[i] = deleted != 0;
			return;
		}
	}
	if (sub->n_pend == ROOM_SUB_PENDING ||
	    (sub->pend[sub->n_pend] = strdup(nick)) == NULL) {
		pending_clear(sub);
		sub->dirty = 1;
		return;
	}
	sub->pend_deleted[sub->n_pend++] = deleted != 0;
}

/* Sends what waited for the NOTIFY in flight: a full document, or a
 * partial one with every change remembered. */
static void
pending_send(struct room_sub *sub)
{
	struct room_conf_user u[ROOM_SUB_PENDING];
	char *keep[ROOM_SUB_PENDING];
	size_t i, n = sub->n_pend;

	if (sub->dirty || n == 0) {
		sub->dirty = 0;
		pending_clear(sub);
		notify_send(sub, NULL, 0);
		return;
	}
	/* notify_send may free sub: the nicks are ours now. */
	for (i = 0; i < n; i++) {
		keep[i] = sub->pend[i];
		u[i].nick = keep[i];
		u[i].deleted = sub->pend_deleted[i];
	}
	sub->n_pend = 0;
	notify_send(sub, u, n);
	for (i = 0; i < n; i++)
		free(keep[i]);
}

/* Frees a subscription; a SUBSCRIBE still held gets 480. */
void
room_sub_free(struct room_sub *sub)
{
	if (sub->m != NULL && sub->m->sub == sub)
		sub->m->sub = NULL;
	if (sub->held != NULL)
		gateway_answer(sub->br->gw, sub->held, 480,
		    "No longer in the room", NULL);
	strmap_remove(&sub->br->subs, &sub->node);
	pending_clear(sub);
	sip_dialog_clear(&sub->dlg);
	free(sub->key);
	free(sub);
}

/* Lets go of the membership (it stays; the subscription does not). */
static void
detach(struct room_sub *sub)
{
	if (sub->m != NULL && sub->m->sub == sub)
		sub->m->sub = NULL;
	sub->m = NULL;
}

/*
 * Ends the subscription with reason (RFC 6665 §4.1.3): the terminated
 * NOTIFY goes now or after the one in flight; a subscription never
 * answered 200 has no dialog to tell and is simply freed.
 */
static void
end(struct room_sub *sub, enum sub_reason reason)
{
	if (sub->final_reason != SUB_REASON_NONE)
		return;
	sub->final_reason = reason;
	log_trace(TRACE_ROOM, "%s: conference subscription to %s ends (%s)",
	    sub->dlg.remote_uri, sub->dlg.local_uri,
	    sip_sub_reason_name(reason));
	if (!sub->active || sub->br->gw->sip == NULL) {
		room_sub_free(sub);
		return;
	}
	notify_send(sub, NULL, 0);
}

/* The answer to a NOTIFY (RFC 6665 §4.2.2: a failure ends it). */
static void
notify_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct sub_notify *t = arg;
	struct strmap_node *n = strmap_find(&t->br->subs, t->key);
	struct room_sub *sub = (struct room_sub *)n;

	(void)resp;
	free(t->key);
	free(t);
	if (sub == NULL)
		return;
	sub->in_flight = 0;
	if (sub->final_sent) {
		room_sub_free(sub);
		return;
	}
	if (status < 200 || status >= 300) {
		/* The membership stays while MESSAGEs reach him. */
		log_info_limited("room: NOTIFY to %s answered %d: "
		    "conference subscription ended", sub->dlg.remote_uri,
		    status);
		room_sub_free(sub);
		return;
	}
	if (sub->final_reason != SUB_REASON_NONE) {
		pending_clear(sub);
		sub->dirty = 0;
		notify_send(sub, NULL, 0);	/* the last word */
	} else if (sub->dirty || sub->n_pend > 0)
		pending_send(sub);
}

/*
 * The whole roster as document users (his own entry included), at
 * most CI_MAX_USERS: a body any reader of ours would take whole (the
 * roster itself holds up to ROOM_ROSTER_MAX).
 */
static struct room_conf_user *
roster_users(const struct room_member *m, size_t *n)
{
	struct room_conf_user *u;
	const struct room_occupant *o;
	size_t k = 0;

	*n = 0;
	if ((u = calloc(m->n_roster + 1, sizeof(*u))) == NULL)
		return NULL;
	for (o = m->roster; o != NULL && k < m->n_roster &&
	    k < CI_MAX_USERS; o = o->next)
		u[k++].nick = o->nick;
	if (o != NULL)
		log_info_limited("room: %s: conference-info for %s lists %zu "
		    "of %zu occupants", m->room_jid, m->user_uri, k,
		    m->n_roster);
	*n = k;
	return u;
}

/*
 * Writes the document for the next NOTIFY into sb: a partial one with
 * the n changes, else a full one. Returns 1 with a document (the version
 * moved on), 0 for none, -1 on failure.
 */
static int
document(struct room_sub *sub, const struct room_conf_user *changes,
    size_t n_changes, struct strbuf *sb)
{
	struct room_member *m = sub->m;
	struct gateway *gw = sub->br->gw;
	struct room_conf_user *all = NULL;
	uint32_t v = room_conf_next_version(sub->version);
	size_t n;
	int rc;

	if (m == NULL || m->state != ROOM_JOINED)
		return 0;
	/* A terminated NOTIFY carries the state only for a fetch (RFC
	 * 6665 §4.4.3): one that never got a document. */
	if (sub->final_reason != SUB_REASON_NONE && sub->version != 0)
		return 0;
	if (changes != NULL)
		rc = room_conf_build(sb, gw->map, m->room_jid, m->room_uri,
		    CI_STATE_PARTIAL, v, changes, n_changes);
	else if ((all = roster_users(m, &n)) == NULL)
		rc = -1;
	else
		rc = room_conf_build(sb, gw->map, m->room_jid, m->room_uri,
		    CI_STATE_FULL, v, all, n);
	free(all);
	if (rc < 0)
		return -1;
	sub->version = v;
	return 1;
}

/*
 * Sends the next NOTIFY: partial with the n changes, else (changes
 * NULL) full. One at a time: while one is out, changes wait in the
 * subscription (pending_add) and a full one is remembered as dirty.
 */
static void
notify_send(struct room_sub *sub, const struct room_conf_user *changes,
    size_t n)
{
	struct bridge_room *br = sub->br;
	struct sip_msg *req = NULL;
	struct sub_notify *t = NULL;
	struct strbuf sb;
	char ss[96], contact[512];
	int doc;

	if (sub->in_flight) {
		for (size_t i = 0; changes != NULL && i < n; i++)
			pending_add(sub, changes[i].nick, changes[i].deleted);
		if (changes == NULL) {
			pending_clear(sub);
			sub->dirty = 1;
		}
		return;
	}
	strbuf_init(&sb);
	if (sub->final_reason != SUB_REASON_NONE)
		snprintf(ss, sizeof(ss), "terminated;reason=%s",
		    sip_sub_reason_name((enum sub_reason)sub->final_reason));
	else
		snprintf(ss, sizeof(ss), "active;expires=%ld", left(sub));
	if ((doc = document(sub, changes, n, &sb)) < 0)
		log_warnx("room: conference-info for %s not built",
		    sub->dlg.remote_uri);
	if ((req = sip_dialog_request(&sub->dlg, "NOTIFY")) == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL ||
	    (t->key = strdup(sub->key)) == NULL)
		goto fail;
	t->br = br;
	sip_msg_add_header(req, "Event", "conference");
	sip_msg_add_header(req, "Subscription-State", ss);
	if (sip_stack_contact(br->gw->sip, contact, sizeof(contact)) == 0)
		sip_msg_set_contact(req, contact);
	if (doc > 0 && sip_msg_set_body(req, CONFERENCE_INFO_TYPE, sb.buf,
	    sb.len) < 0)
		goto fail;
	if (sub->final_reason != SUB_REASON_NONE)
		sub->final_sent = 1;
	if (sip_send_request(br->gw->sip, req, notify_answered_cb, t) < 0) {
		req = NULL;	/* the stack took it */
		goto fail;
	}
	sub->in_flight = 1;
	log_trace(TRACE_ROOM, "NOTIFY %s (%s, version %lu%s)",
	    sub->dlg.remote_uri, ss, (unsigned long)sub->version,
	    doc <= 0 ? ", no body" : changes != NULL ? ", partial" :
	    ", full");
	strbuf_free(&sb);
	return;
fail:
	log_warnx("room: NOTIFY to %s not sent", sub->dlg.remote_uri);
	sip_msg_free(req);
	if (t != NULL)
		free(t->key);
	free(t);
	strbuf_free(&sb);
	room_sub_free(sub);
}

/* The room accepted him: a held SUBSCRIBE gets its 200 and the first
 * NOTIFY the whole roster. */
void
room_sub_joined(struct room_member *m)
{
	struct room_sub *sub = m->sub;

	if (sub == NULL || sub->held == NULL)
		return;
	answer_ok(m->br, sub->held, left(sub));
	sub->held = NULL;
	sub->active = 1;
	log_trace(TRACE_ROOM, "%s in %s: conference subscription active",
	    m->user_jid, m->room_jid);
	if (left(sub) == 0)
		sub->final_reason = SUB_REASON_TIMEOUT;	/* a fetch */
	notify_send(sub, NULL, 0);
}

/* The membership ends: a held SUBSCRIBE hears why, an active
 * subscription gets its terminated NOTIFY. */
void
room_sub_member_gone(struct room_member *m)
{
	struct room_sub *sub = m->sub;
	int status = m->refuse_status != 0 ? m->refuse_status : 480;

	if (sub == NULL)
		return;
	detach(sub);
	if (sub->held != NULL) {
		gateway_answer(m->br->gw, sub->held, status,
		    m->refuse_reason != NULL ? m->refuse_reason :
		    "No longer in the room", NULL);
		sub->held = NULL;
	}
	end(sub, m->end_reason != SUB_REASON_NONE ?
	    (enum sub_reason)m->end_reason : SUB_REASON_DEACTIVATED);
}

/* An occupant joined (deleted 0) or left: a partial NOTIFY (§4.6). A
 * nick change is a leave and a join, merged while one is out. */
void
room_sub_roster(struct room_member *m, const char *nick, int deleted)
{
	struct room_sub *sub = m->sub;
	struct room_conf_user change = { nick, deleted };

	if (sub == NULL || !sub->active || m->state != ROOM_JOINED ||
	    sub->final_reason != SUB_REASON_NONE)
		return;
	notify_send(sub, &change, 1);
}

/*
 * He ends the subscription (un-SUBSCRIBE) or lets it expire: the
 * terminated NOTIFY, and the room left if only the subscription kept
 * him in it.
 */
static void
end_by_user(struct room_sub *sub)
{
	struct room_member *m = sub->m;
	int leave = m != NULL && m->by_sub && m->state == ROOM_JOINED;

	detach(sub);
	end(sub, SUB_REASON_TIMEOUT);
	if (leave) {
		log_info_limited("room: %s leaves %s: his conference "
		    "subscription ended", m->user_jid, m->room_jid);
		snprintf(m->out_reason, sizeof(m->out_reason),
		    "You left %s.", m->room_uri);
		room_member_event(m, ROOM_EV_LEAVE, NULL, NULL, 0);
	}
}

/* Housekeeping: a subscription not refreshed in time (RFC 6665
 * §4.2.2). */
void
room_sub_cron(struct room_sub *sub, time_t now)
{
	if (sub->active && sub->final_reason == SUB_REASON_NONE &&
	    now >= sub->expires_at)
		end_by_user(sub);
}

/* "Call-ID to-tag", the key of our dialogs; NULL if too long. */
static char *
dialog_key(const char *call_id, const char *tag)
{
	size_t a = strlen(call_id), b = strlen(tag);
	char *k;

	if (a + b > 600 || (k = malloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(k, call_id, a);
	k[a] = ' ';
	memcpy(k + a + 1, tag, b + 1);
	return k;
}

/* A refresh or un-SUBSCRIBE in an existing dialog (RFC 6665
 * §4.2.1.2). */
static void
subscribe_in_dialog(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req, long expires)
{
	char *cid = sip_msg_call_id(req), *key = NULL;
	struct room_sub *sub = NULL;

	if (cid != NULL && (key = dialog_key(cid, sip_msg_to_tag(req))) !=
	    NULL)
		sub = (struct room_sub *)strmap_find(&br->subs, key);
	free(cid);
	free(key);
	if (sub == NULL || !sub->active || sub->final_reason !=
	    SUB_REASON_NONE || !sip_dialog_matches_remote(&sub->dlg, req)) {
		log_info_limited("room: SUBSCRIBE for no conference "
		    "subscription of ours");
		refuse(br, tx, 481, NULL);
		return;
	}
	if (sip_dialog_accept_cseq(&sub->dlg, req) < 0) {
		refuse(br, tx, 500, "CSeq out of order");
		return;
	}
	sip_dialog_update_target(&sub->dlg, req);
	sub->expires_at = time(NULL) + expires;
	answer_ok(br, tx, expires);
	if (expires == 0) {
		end_by_user(sub);
		return;
	}
	/* §4.2.1.2: a refresh gets a NOTIFY; the full state is the
	 * honest answer to "did I miss something". */
	notify_send(sub, NULL, 0);
}

/* The SUBSCRIBE's room and sender: 0 with both JIDs, or answered. */
static int
map_subscribe(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req, struct map_room *room, char **from_jid,
    char **from_uri)
{
	struct gateway *gw = br->gw;
	char *ruri = sip_msg_request_uri(req), *cause = NULL;
	const char *at;
	int r, ok = -1;

	*from_jid = NULL;
	*from_uri = sip_tx_sender_uri(tx);
	if (ruri == NULL || *from_uri == NULL) {
		refuse(br, tx, 400, "Unreadable address");
		goto out;
	}
	r = map_room_from_sip(gw->map, ruri, room, &cause);
	if (r != MAP_OK || room->kind != MAP_ROOM_ROOM) {
		log_info_limited("room: SUBSCRIBE %s -> %s refused: %s",
		    *from_uri, ruri, cause != NULL ? cause : r != MAP_OK ?
		    map_result_name(r) : "not a room");
		refuse(br, tx, r == MAP_MALFORMED ? 400 : 404, "No such room");
		goto out;
	}
	free(cause);
	cause = NULL;
	r = map_sip_to_xmpp(gw->map, *from_uri, from_jid, &cause);
	/* XEP-0114: we may only send from our own domain. */
	if (r != MAP_OK || (at = strchr(*from_jid, '@')) == NULL ||
	    strchr(*from_jid, '/') != NULL ||
	    strcasecmp(at + 1, gw->cfg->xmpp_component) != 0) {
		log_info_limited("room: subscriber %s has no JID of ours: %s",
		    *from_uri, cause != NULL ? cause : map_result_name(r));
		refuse(br, tx, 403, "Subscriber not served by this gateway");
		goto out;
	}
	ok = 0;
out:
	free(ruri);
	free(cause);
	return ok;
}

/* A new subscription: joins first if he is not in the room. */
static void
subscribe_new(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req, long expires)
{
	struct map_room room = { 0 };
	struct room_member *m;
	struct room_sub *sub = NULL, *old;
	char *from_jid = NULL, *from_uri = NULL, *display;
	char nick[ROOM_NICK_MAX_Z];
	int made = 0;

	if (map_subscribe(br, tx, req, &room, &from_jid, &from_uri) < 0)
		goto out;
	m = room_member_find(br, from_jid, room.room_jid);
	if (m != NULL && m->state == ROOM_LEAVING) {
		refuse(br, tx, 480, "Leaving the room; subscribe again once "
		    "you are out");
		goto out;
	}
	if (m == NULL && expires == 0) {
		/* A fetch (RFC 6665 §4.4.3) does not join. */
		refuse(br, tx, 403, "Not in this room; subscribe with Expires "
		    "above 0 to join");
		goto out;
	}
	if (m == NULL) {
		if (!room_sip_may_join(br, tx, from_jid, room.room_jid))
			goto out;
		/* Item 2: his From display name, as for a MESSAGE. */
		display = sip_msg_from_display(req);
		room_nick_from_sip(display, from_uri, nick, sizeof(nick));
		free(display);
		if (room_member_new(br, from_jid, from_uri, room.room_jid,
		    room.room_uri, nick, &m) != 0) {
			refuse(br, tx, 500, NULL);
			goto out;
		}
		m->by_sub = 1;
		made = 1;
		log_info_limited("room: %s joins %s as \"%s\" by SUBSCRIBE",
		    from_uri, room.room_jid, nick);
	}
	if ((sub = calloc(1, sizeof(*sub))) == NULL ||
	    sip_dialog_uas_init(&sub->dlg, req, sip_tx_to_tag(tx)) < 0 ||
	    (sub->key = dialog_key(sub->dlg.call_id, sub->dlg.local_tag)) ==
	    NULL || strmap_insert(&br->subs, &sub->node, sub->key) != 0) {
		/* RFC 6665 §4.1.2: no dialog without them (or ids
		 * too long to keep). */
		refuse(br, tx, 400, "Missing Contact or From tag, or "
		    "Call-ID too long");
		if (sub != NULL) {
			sip_dialog_clear(&sub->dlg);
			free(sub->key);
			free(sub);
		}
		if (made)
			room_member_free(m);
		goto out;
	}
	/* One subscription per membership: the newer dialog wins. */
	if ((old = m->sub) != NULL) {
		detach(old);
		end(old, SUB_REASON_REJECTED);
	}
	sub->br = br;
	sub->m = m;
	sub->held = tx;
	sub->expires_at = time(NULL) + expires;
	m->sub = sub;
	log_trace(TRACE_ROOM, "%s subscribes to %s (Expires %ld)",
	    sub->dlg.remote_uri, room.room_jid, expires);
	if (m->state == ROOM_JOINED)
		room_sub_joined(m);
	else if (m->state == ROOM_NONE || m->state == ROOM_DETACHED)
		(void)room_member_event(m, ROOM_EV_SUBSCRIBE, NULL, NULL, 0);
	/* JOINING, REJOINING: the self-presence answers it. */
out:
	map_room_clear(&room);
	free(from_jid);
	free(from_uri);
}

/* SUBSCRIBE and NOTIFY with Event: conference (the router's pick). */
void
room_sub_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req)
{
	const struct config *cfg = br->gw->cfg;
	const char *hv = sip_msg_header(req, "expires", NULL);
	long expires = hv != NULL ? sip_expires_parse(hv) :
	    CONF_DEFAULT_EXPIRES;

	if (strcmp(sip_msg_method(req), "SUBSCRIBE") != 0) {
		/* We never subscribe to a conference ourselves. */
		log_info_limited("room: NOTIFY for no subscription of ours");
		refuse(br, tx, 481, NULL);
		return;
	}
	if (expires < 0) {
		refuse(br, tx, 400, "Bad Expires");
		return;
	}
	if (expires > 0 && expires < cfg->presence_min_expires) {
		refuse(br, tx, 423, NULL);	/* RFC 6665 §4.2.1.1 */
		return;
	}
	if (expires > cfg->presence_max_expires)
		expires = cfg->presence_max_expires;
	/* RFC 4575 §3.4: Accept, if present, must allow our body. */
	if (!sip_msg_accepts(req, "application", "conference-info+xml")) {
		refuse(br, tx, 406, NULL);
		return;
	}
	if (sip_msg_to_tag(req) != NULL)
		subscribe_in_dialog(br, tx, req, expires);
	else
		subscribe_new(br, tx, req, expires);
}
