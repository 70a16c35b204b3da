/*
 * Room messages to a SIP participant (issue 13 item 3): each printed as
 * a MESSAGE from "nick" <room URI>, its body "nick: text" unless
 * [rooms] nick_prefix is off, queued per participant and sent one at a
 * time: the next leaves when the previous is answered, so they arrive
 * in the room's order whatever the transport. The queue is bounded
 * ([rooms] queue_max); what overflows is counted and, once the queue has
 * drained, told in one MESSAGE. [rooms] max_failures failures in a row
 * (408, 480, 404, 503) take him out of the room: no ghost occupant.
 * Private messages (XEP-0045 §7.5, item 4) take the same queue, From
 * "nick" <room URI;gr=nick>, no prefix: the From says who wrote to him.
 * With [rooms] cpim on, a message an occupant said goes as message/cpim
 * (RFC 3862) with him in the CPIM From, and never with a prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "cpim_build.h"
#include "log.h"
#include "mapping.h"
#include "room_int.h"
#include "sip_stack.h"

#define SUBJECT_TEXT	"The subject is now: "

/* What one MESSAGE to the participant says, and as whom. */
struct room_text {
	const char *nick;	/* who said it; NULL: the gateway itself */
	const char *from_uri;	/* the SIP From; NULL: the room's URI */
	const char *cpim_from;	/* CPIM From URI; NULL: text/plain */
	const char *body;	/* either body */
	const char *subject;	/* or subject */
	const char *stamp;	/* XEP-0203 stamp of history, or NULL */
	int prefix;		/* "nick: " before the body */
};

static void send_next(struct room_member *m);

/* Appends s as a quoted-string's content (RFC 3261 §25.1): '"' and '\'
 * escaped, controls (never allowed in a header) made spaces. */
static void
put_quoted(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;

		if (c == '"' || c == '\\')
			strbuf_append(sb, "\\", 1);
		strbuf_append(sb, &c, 1);
	}
}

/* Appends s with controls made spaces: one header line. */
static void
put_line(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;

		strbuf_append(sb, &c, 1);
	}
}

/*
 * Resets sb to the head of a MESSAGE from the gateway to a SIP user
 * (after the Via and Route the stack adds): Max-Forwards, From
 * ["name"] <from_uri> with a new tag, To <to_uri>, a new Call-ID, CSeq,
 * User-Agent, each line ended; the caller adds the rest. The URIs are
 * the caller's to check (no CR, LF, '<', '>' or '"').
 */
void
room_print_head(struct strbuf *sb, const char *name, const char *from_uri,
    const char *to_uri)
{
	char tag[17], call_id[33];

	sip_random_token(tag, sizeof(tag));
	sip_random_token(call_id, sizeof(call_id));
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: ");
	if (name != NULL) {
		strbuf_appends(sb, "\"");
		put_quoted(sb, name);
		strbuf_appends(sb, "\" ");
	}
	strbuf_appends(sb, "<");
	strbuf_appends(sb, from_uri);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, to_uri);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	strbuf_appends(sb, call_id);
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\nUser-Agent: "
	    SIPXMPP_AGENT "\r\n");
}

/*
 * The message/cpim body of t (RFC 3862) into cpim: CPIM From "nick"
 * <occupant URI>, To him, DateTime the room's stamp for history, else
 * now (§4.4: when it was said, as far as we know). -1 if it cannot be.
 */
static int
print_cpim(struct room_member *m, const struct room_text *t,
    struct strbuf *cpim)
{
	struct cpim_out c = { 0 };
	char now[CPIM_DATETIME_MAX];

	if (cpim_datetime_valid(t->stamp))
		c.datetime = t->stamp;
	else {
		cpim_datetime_now(now);
		c.datetime = now;
	}
	c.from_name = t->nick;
	c.from_uri = t->cpim_from;
	c.to_uri = m->user_uri;
	c.body = t->body;
	c.len = strlen(t->body);
	return cpim_build(cpim, &c);
}

/*
 * Prints the MESSAGE (after the Via and Route the stack adds) into a
 * new queue entry: From "nick" <room URI> (or the occupant's for a
 * private message), To him, the body, or the CPIM message holding it.
 * Either body or subject is set.
 */
static struct room_out *
print(struct room_member *m, const struct room_text *t)
{
	struct strbuf *sb = &m->br->sip_sb;
	struct strbuf cpim;
	struct room_out *o = NULL;
	const char *from_uri = t->from_uri != NULL ? t->from_uri :
	    m->room_uri;
	const char *nick = t->nick, *body = t->body, *subject = t->subject;
	int prefix = t->prefix, as_cpim = t->cpim_from != NULL &&
	    body != NULL && nick != NULL;
	char clen[24];
	size_t n;

	strbuf_init(&cpim);
	if (strpbrk(from_uri, "\r\n<>\"") != NULL ||
	    strpbrk(m->user_uri, "\r\n<>\"") != NULL)
		goto out;
	if (as_cpim && print_cpim(m, t, &cpim) < 0)
		goto out;
	room_print_head(sb, nick, from_uri, m->user_uri);
	if (subject != NULL) {
		strbuf_appends(sb, "Subject: ");
		put_line(sb, subject);
		strbuf_appends(sb, "\r\n");
	}
	if (as_cpim) {
		snprintf(clen, sizeof(clen), "%zu", cpim.len);
		strbuf_appends(sb, "Content-Type: message/cpim\r\n"
		    "Content-Length: ");
		strbuf_appends(sb, clen);
		strbuf_appends(sb, "\r\n\r\n");
		strbuf_append(sb, cpim.buf, cpim.len);
		goto copy;
	}
	n = (prefix && nick != NULL ? strlen(nick) + 2 : 0) +
	    (body != NULL ? strlen(body) : strlen(SUBJECT_TEXT) +
	    strlen(subject));
	snprintf(clen, sizeof(clen), "%zu", n);
	strbuf_appends(sb, "Content-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	if (prefix && nick != NULL) {
		strbuf_appends(sb, nick);
		strbuf_appends(sb, ": ");
	}
	if (body != NULL)
		strbuf_appends(sb, body);
	else {
		strbuf_appends(sb, SUBJECT_TEXT);
		strbuf_appends(sb, subject);
	}
copy:
	if (sb->failed || (o = malloc(sizeof(*o) + sb->len + 1)) == NULL)
		goto out;
	memcpy(o->text, sb->buf, sb->len);
	o->text[sb->len] = '\0';
	o->len = sb->len;
out:
	strbuf_free(&cpim);
	return o;
}

/* Queues a printed MESSAGE (or counts it missed) and sends if idle. */
static int
enqueue(struct room_member *m, struct room_out *o)
{
	if (o == NULL) {
		/* An address that cannot go in a header, or no memory. */
		log_info_limited("room: %s in %s: a room message could not "
		    "be printed for SIP: dropped", m->user_uri, m->room_jid);
		return -1;
	}
	if (m->n_queue >= (size_t)m->br->gw->cfg->rooms_queue_max) {
		if (m->missed++ == 0)
			log_info_limited("room: %s in %s: queue full, room "
			    "messages dropped", m->user_uri, m->room_jid);
		free(o);
		return -1;
	}
	STAILQ_INSERT_TAIL(&m->queue, o, entry);
	m->n_queue++;
	send_next(m);
	return 0;
}

/* Whether one more would pass [rooms] queue_max: then counted. */
static int
queue_full(struct room_member *m)
{
	if (m->n_queue < (size_t)m->br->gw->cfg->rooms_queue_max)
		return 0;
	m->missed++;
	return 1;
}

/*
 * The occupant room/nick's sip: URI (mapping/room.c: the room's URI
 * with ;gr=nick, escaped), malloc'ed; NULL if the mapping has none.
 */
static char *
occupant_uri(struct room_member *m, const char *room_jid, const char *nick)
{
	struct map_room r = { 0 };
	char *jid = NULL, *uri = NULL, *cause = NULL;
	size_t n = strlen(room_jid) + strlen(nick) + 2;

	if ((jid = malloc(n)) == NULL)
		return NULL;
	snprintf(jid, n, "%s/%s", room_jid, nick);
	if (map_room_from_xmpp(m->br->gw->map, jid, &r, &cause) == MAP_OK &&
	    r.kind == MAP_ROOM_OCCUPANT && r.uri != NULL) {
		uri = r.uri;
		r.uri = NULL;
	}
	map_room_clear(&r);
	free(cause);
	free(jid);
	return uri;
}

/*
 * A room message for the participant: said by nick (stamped when it is
 * history, XEP-0203), or a subject.
 */
int
room_deliver_said(struct room_member *m, const char *nick, const char *body,
    const char *subject, const char *stamp)
{
	const struct config *cfg = m->br->gw->cfg;
	struct room_text t = { 0 };
	char *cpim_from = NULL;
	int r;

	if (queue_full(m))
		return -1;
	if (cfg->rooms_cpim && nick != NULL && body != NULL &&
	    (cpim_from = occupant_uri(m, m->room_jid, nick)) == NULL)
		log_info_limited("room: %s/%s has no sip: URI: sent without "
		    "CPIM", m->room_jid, nick);
	t.nick = nick;
	t.cpim_from = cpim_from;
	t.body = body;
	t.subject = subject;
	t.stamp = stamp;
	t.prefix = cfg->rooms_nick_prefix && cpim_from == NULL;
	r = enqueue(m, print(m, &t));
	free(cpim_from);
	return r;
}

/* A room message for the participant: said by nick, or a subject. */
int
room_deliver(struct room_member *m, const char *nick, const char *body,
    const char *subject)
{
	return room_deliver_said(m, nick, body, subject, NULL);
}

/*
 * A private message from the occupant nick (XEP-0045 §7.5), whose sip:
 * URI is from_uri: From "nick" <from_uri>, in the same queue as the
 * room's messages, without a prefix (the From names him; item 4).
 */
int
room_deliver_private(struct room_member *m, const char *nick,
    const char *from_uri, const char *body, const char *stamp)
{
	struct room_text t = { 0 };

	if (queue_full(m))
		return -1;
	t.nick = nick;
	t.from_uri = from_uri;
	t.cpim_from = m->br->gw->cfg->rooms_cpim ? from_uri : NULL;
	t.body = body;
	t.stamp = stamp;
	return enqueue(m, print(m, &t));
}

/* A line from the gateway itself (From the room URI, no nick). */
int
room_deliver_notice(struct room_member *m, const char *text)
{
	struct room_text t = { 0 };

	t.body = text;
	return enqueue(m, print(m, &t));
}

/* The participant is going: his MESSAGE in flight forgets him. */
void
room_deliver_detach(struct room_member *m)
{
	if (m->in_flight != NULL)
		m->in_flight->m = NULL;
	m->in_flight = NULL;
}

/* Whether a failure counts toward max_failures (issue 13 item 7). */
static int
is_unreachable(int status)
{
	return status == 408 || status == 480 || status == 404 ||
	    status == 503;
}

/* The participant answered a room MESSAGE. */
static void
answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct room_delivery *d = arg;
	struct room_member *m = d->m;

	(void)resp;
	free(d);
	if (m == NULL)
		return;		/* he left meanwhile */
	m->in_flight = NULL;
	if (status >= 200 && status < 300)
		m->failures = 0;
	else if (is_unreachable(status)) {
		if (++m->failures >= m->br->gw->cfg->rooms_max_failures) {
			log_info("room: %s in %s: %d MESSAGEs failed in a "
			    "row (last %d): taken out of the room",
			    m->user_uri, m->room_jid, m->failures, status);
			room_member_event(m, ROOM_EV_FAILING, NULL, NULL, 0);
			return;
		}
	} else
		log_info_limited("room: %s in %s: MESSAGE refused (%d)",
		    m->user_uri, m->room_jid, status);
	send_next(m);
}

/* Sends the next queued MESSAGE unless one is out. */
static void
send_next(struct room_member *m)
{
	struct gateway *gw = m->br->gw;
	struct room_delivery *d;
	struct room_out *o;
	char note[200];

	while (m->in_flight == NULL && !gw->shutting_down && gw->sip != NULL) {
		if ((o = STAILQ_FIRST(&m->queue)) == NULL) {
			if (m->missed == 0)
				return;
			/* Nothing lost without his knowing (item 7). */
			snprintf(note, sizeof(note), "You missed %lu messages "
			    "of %.60s: they came faster than they could be "
			    "delivered.", m->missed, m->room_uri);
			m->missed = 0;
			if ((o = print(m, &(struct room_text){ .body = note }))
			    == NULL)
				return;
			STAILQ_INSERT_TAIL(&m->queue, o, entry);
			m->n_queue++;
		}
		STAILQ_REMOVE_HEAD(&m->queue, entry);
		m->n_queue--;
		if ((d = calloc(1, sizeof(*d))) == NULL) {
			free(o);
			continue;
		}
		d->m = m;
		if (sip_send_request_text(gw->sip, "MESSAGE", m->user_uri,
		    o->text, o->len, answered_cb, d) != 0) {
			free(d);
			log_info_limited("room: no route to %s",
			    m->user_uri);
		} else
			m->in_flight = d;
		free(o);
	}
}
