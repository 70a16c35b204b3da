/*
 * Room messages to a SIP participant (issue 13 item 3): each printed as
 * a MESSAGE from "nick" <room URI>, its body "nick: text" unless
 * [rooms] nick_prefix is off, queued per participant and sent one at a
 * time: the next leaves when the previous is answered, so they arrive
 * in the room's order whatever the transport. The queue is bounded
 * ([rooms] queue_max); what overflows is counted and, once the queue has
 * drained, told in one MESSAGE. [rooms] max_failures failures in a row
 * (408, 480, 404, 503) take him out of the room: no ghost occupant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "room_int.h"
#include "sip_stack.h"

#define SUBJECT_TEXT	"The subject is now: "

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
 * Prints the MESSAGE (after the Via and Route the stack adds) into a
 * new queue entry: From "nick" <room URI>, To him, the body. Either
 * body or subject is set.
 */
static struct room_out *
print(struct room_member *m, const char *nick, const char *body,
    const char *subject, int prefix)
{
	struct strbuf *sb = &m->br->sip_sb;
	struct room_out *o;
	char tag[17], call_id[33], clen[24];
	size_t n;

	if (strpbrk(m->room_uri, "\r\n<>\"") != NULL ||
	    strpbrk(m->user_uri, "\r\n<>\"") != NULL)
		return NULL;
	sip_random_token(tag, sizeof(tag));
	sip_random_token(call_id, sizeof(call_id));
	strbuf_reset(sb);
	strbuf_appends(sb, "Max-Forwards: 70\r\nFrom: ");
	if (nick != NULL) {
		strbuf_appends(sb, "\"");
		put_quoted(sb, nick);
		strbuf_appends(sb, "\" ");
	}
	strbuf_appends(sb, "<");
	strbuf_appends(sb, m->room_uri);
	strbuf_appends(sb, ">;tag=");
	strbuf_appends(sb, tag);
	strbuf_appends(sb, "\r\nTo: <");
	strbuf_appends(sb, m->user_uri);
	strbuf_appends(sb, ">\r\nCall-ID: ");
	strbuf_appends(sb, call_id);
	strbuf_appends(sb, "\r\nCSeq: 1 MESSAGE\r\nUser-Agent: "
	    SIPXMPP_AGENT "\r\n");
	if (subject != NULL) {
		strbuf_appends(sb, "Subject: ");
		put_line(sb, subject);
		strbuf_appends(sb, "\r\n");
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
	if (sb->failed)
		return NULL;
	if ((o = malloc(sizeof(*o) + sb->len + 1)) == NULL)
		return NULL;
	memcpy(o->text, sb->buf, sb->len);
	o->text[sb->len] = '\0';
	o->len = sb->len;
	return o;
}

/* Queues a printed MESSAGE (or counts it missed) and sends if idle. */
static int
enqueue(struct room_member *m, struct room_out *o)
{
	if (o == NULL)
		return -1;
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

/* A room message for the participant: said by nick, or a subject. */
int
room_deliver(struct room_member *m, const char *nick, const char *body,
    const char *subject)
{
	if (m->n_queue >= (size_t)m->br->gw->cfg->rooms_queue_max) {
		m->missed++;
		return -1;
	}
	return enqueue(m, print(m, nick, body, subject,
	    m->br->gw->cfg->rooms_nick_prefix));
}

/* A line from the gateway itself (From the room URI, no nick). */
int
room_deliver_notice(struct room_member *m, const char *text)
{
	return enqueue(m, print(m, NULL, text, NULL, 0));
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
			if ((o = print(m, NULL, note, NULL, 0)) == NULL)
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

/*
 * The last line to a participant who is going (TELL_OUT, then DELETE):
 * sent now even while a MESSAGE is out, since his queue goes with him
 * and a "you are out" left in it would never leave.
 */
int
room_deliver_final(struct room_member *m, const char *text)
{
	struct gateway *gw = m->br->gw;
	struct room_delivery *d;
	struct room_out *o;

	if (m->in_flight == NULL)
		return room_deliver_notice(m, text);
	if (gw->shutting_down || gw->sip == NULL ||
	    (o = print(m, NULL, text, NULL, 0)) == NULL)
		return -1;
	/* d->m stays NULL: its answer concerns no membership. */
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    sip_send_request_text(gw->sip, "MESSAGE", m->user_uri, o->text,
	    o->len, answered_cb, d) != 0) {
		free(d);
		free(o);
		log_info_limited("room: no route to %s", m->user_uri);
		return -1;
	}
	free(o);
	return 0;
}
