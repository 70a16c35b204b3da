/*
 * Rooms on other services, through the embed rule (issue 13 item 1). A
 * MESSAGE to sip:devs%40rooms.example@gw... names the JID
 * devs@rooms.example, which may be a person or a room: only the service
 * can say, by its disco#info identity conference/text (XEP-0045 §6.4).
 * So such a MESSAGE waits while we ask, and goes on to the room bridge
 * or, as before, to the message bridge; the answer is cached (positive
 * ROOM_DISCO_TTL_MS, negative ROOM_DISCO_NEG_TTL_MS, at most
 * ROOM_DISCO_CACHE entries). Only the embed rule's addresses are asked
 * about: those of domain and room rules never wait.
 *
 * Bounds: ROOM_DISCO_LOOKUPS questions in flight (beyond, 503), and
 * ROOM_DISCO_HELD MESSAGEs waiting on one. A question not answered
 * within [rooms] join_timeout_ms counts as "not a room" (cached for the
 * negative TTL): the message then goes as a chat message, which the
 * XMPP server delivers or bounces with an error we translate; a room
 * that is slow to answer delays nobody for long.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mapping.h"
#include "room_int.h"
#include "sip_stack.h"
#include "stanza_muc.h"
#include "xmpp_link.h"

#define ROOM_DISCO_LOOKUPS	64
#define ROOM_DISCO_HELD		16	/* per lookup */
#define ROOM_DISCO_CACHE	1024
#define ROOM_DISCO_TTL_MS	600000
#define ROOM_DISCO_NEG_TTL_MS	60000

/* A MESSAGE waiting for the answer: its fields copied, in one block. */
struct room_held {
	TAILQ_ENTRY(room_held) entry;
	struct sip_tx *tx;
	struct sip_message_fields f;
	char data[];
};

/* One disco#info question in flight. */
struct room_lookup {
	TAILQ_ENTRY(room_lookup) entry;
	TAILQ_HEAD(, room_held) held;
	size_t n_held;
	uint64_t deadline;
	char id[ROOM_ID_MAX];
	char jid[];			/* the bare JID asked */
};

/* Copies one field into the block at *p (NULL stays NULL). */
static const char *
copy_field(char **p, const char *s, size_t len)
{
	char *out = *p;

	if (s == NULL)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	*p += len + 1;
	return out;
}

/* A held copy of the MESSAGE's fields, valid after the call that gave
 * them returns. */
static struct room_held *
held_new(struct sip_tx *tx, const struct sip_message_fields *f)
{
	const char *const src[] = { f->ruri, f->from_uri, f->to_uri,
	    f->call_id, f->content_type, f->content_encoding,
	    f->content_language, f->subject, f->asserted_uri, f->privacy,
	    f->sender_uri, f->from_display };
	size_t lens[sizeof(src) / sizeof(src[0])], total = f->body_len + 1;
	const char **dst[sizeof(src) / sizeof(src[0])];
	struct room_held *h;
	char *p;
	size_t i;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		total += (lens[i] = src[i] != NULL ? strlen(src[i]) : 0) + 1;
	if ((h = calloc(1, sizeof(*h) + total)) == NULL)
		return NULL;
	h->tx = tx;
	dst[0] = &h->f.ruri; dst[1] = &h->f.from_uri; dst[2] = &h->f.to_uri;
	dst[3] = &h->f.call_id; dst[4] = &h->f.content_type;
	dst[5] = &h->f.content_encoding; dst[6] = &h->f.content_language;
	dst[7] = &h->f.subject; dst[8] = &h->f.asserted_uri;
	dst[9] = &h->f.privacy; dst[10] = &h->f.sender_uri;
	dst[11] = &h->f.from_display;
	p = h->data;
	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		*dst[i] = copy_field(&p, src[i], lens[i]);
	h->f.trusted = f->trusted;
	h->f.body_len = f->body_len;
	h->f.body = copy_field(&p, f->body != NULL ? f->body : "",
	    f->body_len);
	return h;
}

/* The room's MESSAGE, the JID known to be a room. */
static void
to_room(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req)
{
	struct gateway *gw = br->gw;
	struct map_room room = { 0 };
	char *from_jid = NULL;

	if (map_room_from_sip(gw->map, req->ruri, &room, NULL) != MAP_OK ||
	    room.kind != MAP_ROOM_EMBEDDED) {
		/* The mapping was reloaded meanwhile. */
		gateway_answer(gw, tx, 404, "No such room", NULL);
		goto out;
	}
	if ((from_jid = room_sender_jid(br, tx, req->sender_uri)) == NULL)
		goto out;
	if (room.nick != NULL)
		/* ;gr=NICK on the embed form: a private message (item 4). */
		room_private_from_sip(br, tx, req, from_jid, &room);
	else
		room_sip_message(br, tx, req, from_jid, room.room_jid,
		    room.room_uri, req->from_display);
out:
	map_room_clear(&room);
	free(from_jid);
}

/* The MESSAGE goes on as a chat message, as if never held. */
static void
to_person(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req)
{
	br->disco_bypass = 1;
	bridge_message_from_sip(br->gw->messages, tx, req);
	br->disco_bypass = 0;
}

/* The answer is in (or taken as given): every held MESSAGE goes on. */
static void
lookup_done(struct bridge_room *br, struct room_lookup *l, int is_room)
{
	struct room_held *h;

	TAILQ_REMOVE(&br->lookups, l, entry);
	br->n_lookups--;
	while ((h = TAILQ_FIRST(&l->held)) != NULL) {
		TAILQ_REMOVE(&l->held, h, entry);
		if (br->gw->shutting_down)
			/* Nothing new starts once SIGTERM came. */
			gateway_answer(br->gw, h->tx, 503,
			    "Gateway shutting down", NULL);
		else if (is_room)
			to_room(br, h->tx, &h->f);
		else
			to_person(br, h->tx, &h->f);
		free(h);
	}
	free(l);
}

/* The lookup in flight for jid, or NULL. */
static struct room_lookup *
lookup_find(struct bridge_room *br, const char *jid)
{
	struct room_lookup *l;

	TAILQ_FOREACH(l, &br->lookups, entry)
		if (strcasecmp(l->jid, jid) == 0)
			return l;
	return NULL;
}

/* Asks jid's disco#info; a new lookup, or NULL (answered then). */
static struct room_lookup *
lookup_new(struct bridge_room *br, const char *jid)
{
	struct gateway *gw = br->gw;
	struct room_lookup *l;
	size_t len = strlen(jid);

	if (br->n_lookups >= ROOM_DISCO_LOOKUPS) {
		log_info_limited("room: %d disco#info lookups in flight, "
		    "refusing more", ROOM_DISCO_LOOKUPS);
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l) + len + 1)) == NULL)
		return NULL;
	memcpy(l->jid, jid, len + 1);
	TAILQ_INIT(&l->held);
	room_next_id(br, l->id);
	strbuf_reset(&br->sb);
	if (stanza_muc_disco_info(&br->sb, gw->cfg->xmpp_component, jid,
	    l->id, NULL) < 0 || br->sb.failed ||
	    xmpp_link_send(gw->xmpp, br->sb.buf, br->sb.len) != 0) {
		free(l);
		return NULL;
	}
	l->deadline = room_cache_now() +
	    (uint64_t)gw->cfg->rooms_join_timeout_ms;
	TAILQ_INSERT_TAIL(&br->lookups, l, entry);
	br->n_lookups++;
	log_trace(TRACE_ROOM, "is %s a room? disco#info %s", jid, l->id);
	return l;
}

/*
 * A MESSAGE the message bridge is about to send as a chat message: 1
 * if it is ours (to a room, or held until we know), 0 if it goes on as
 * before (no embed rule address, or known not to be a room).
 */
int
bridge_room_embedded(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req)
{
	struct gateway *gw = br->gw;
	struct map_room room = { 0 };
	struct room_cache_entry *e;
	struct room_lookup *l;
	struct room_held *h;
	int taken = 0;

	if (br->disco_bypass || !map_may_be_embedded(gw->map, req->ruri) ||
	    map_room_from_sip(gw->map, req->ruri, &room, NULL) != MAP_OK ||
	    room.kind != MAP_ROOM_EMBEDDED ||
	    strchr(room.room_jid, '@') == NULL)
		goto out;	/* §6.4: a room JID has a local part */
	if ((e = room_cache_get(&br->disco, room.room_jid,
	    room_cache_now())) != NULL) {
		if (e->value) {
			to_room(br, tx, req);
			taken = 1;
		}
		goto out;
	}
	if (!xmpp_link_is_ready(gw->xmpp))
		goto out;	/* the message bridge says 503 */
	taken = 1;
	if ((l = lookup_find(br, room.room_jid)) == NULL &&
	    (l = lookup_new(br, room.room_jid)) == NULL) {
		gateway_answer(gw, tx, 503, "Too many room lookups", NULL);
		goto out;
	}
	if (l->n_held >= ROOM_DISCO_HELD) {
		log_info_limited("room: %d MESSAGEs already wait for the "
		    "disco#info of %s", ROOM_DISCO_HELD, l->jid);
		gateway_answer(gw, tx, 503, "Too many messages waiting", NULL);
		goto out;
	}
	if ((h = held_new(tx, req)) == NULL) {
		gateway_answer(gw, tx, 500, NULL, NULL);
		goto out;
	}
	TAILQ_INSERT_TAIL(&l->held, h, entry);
	l->n_held++;
out:
	map_room_clear(&room);
	return taken;
}

/* Whether from (perhaps with a resource) is the bare jid. */
static int
from_is(const char *from, const char *jid)
{
	size_t n = strlen(jid);

	return from != NULL && strncasecmp(from, jid, n) == 0 &&
	    (from[n] == '\0' || from[n] == '/');
}

/* A disco#info answer or iq error from the link: ours if its id and
 * sender match a lookup. */
void
bridge_room_disco_info(struct bridge_room *br,
    const struct xmpp_in_disco_info *d)
{
	struct room_lookup *l;
	int is_room;

	if (d->id == NULL)
		return;
	TAILQ_FOREACH(l, &br->lookups, entry)
		if (strcmp(l->id, d->id) == 0)
			break;
	if (l == NULL || !from_is(d->from, l->jid))
		return;		/* not ours, or a forged answer */
	is_room = d->is_room && d->error_condition == NULL;
	log_trace(TRACE_ROOM, "%s is %sa room (%s)", l->jid,
	    is_room ? "" : "not ", d->error_condition != NULL ?
	    d->error_condition : "disco#info");
	if (room_cache_put(&br->disco, l->jid, is_room, NULL,
	    room_cache_now(), is_room ? ROOM_DISCO_TTL_MS :
	    ROOM_DISCO_NEG_TTL_MS) != 0)
		log_warnx("room: could not cache the disco#info of %s",
		    l->jid);
	lookup_done(br, l, is_room);
}

/* Lookups not answered in time: not a room (cached briefly). */
void
room_disco_cron(struct bridge_room *br)
{
	uint64_t now = room_cache_now();
	struct room_lookup *l, *next;

	for (l = TAILQ_FIRST(&br->lookups); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->deadline > now)
			continue;
		log_info_limited("room: no disco#info answer from %s in "
		    "time: taken as not a room", l->jid);
		(void)room_cache_put(&br->disco, l->jid, 0, NULL, now,
		    ROOM_DISCO_NEG_TTL_MS);
		lookup_done(br, l, 0);
	}
}

/*
 * The link went down or we stop: held MESSAGEs are answered now, with
 * status (the message bridge's own answer when status is 0; none when
 * it is negative: the SIP stack is gone).
 */
void
room_disco_flush(struct bridge_room *br, int status, const char *reason)
{
	struct room_lookup *l;
	struct room_held *h;

	while ((l = TAILQ_FIRST(&br->lookups)) != NULL) {
		if (status == 0) {
			lookup_done(br, l, 0);
			continue;
		}
		TAILQ_REMOVE(&br->lookups, l, entry);
		br->n_lookups--;
		while ((h = TAILQ_FIRST(&l->held)) != NULL) {
			TAILQ_REMOVE(&l->held, h, entry);
			if (status > 0)
				gateway_answer(br->gw, h->tx, status, reason,
				    NULL);
			free(h);
		}
		free(l);
	}
}

/* MESSAGEs waiting for a disco#info answer. */
size_t
room_disco_pending(const struct bridge_room *br)
{
	const struct room_lookup *l;
	size_t n = 0;

	TAILQ_FOREACH(l, &br->lookups, entry)
		n += l->n_held;
	return n;
}
