/*
 * One MESSAGE from the gateway to a SIP user that belongs to no
 * membership's queue (issue 13 items 6, 7): an invitation, and the last
 * word to a participant whose membership ends (kicked, banned, the room
 * destroyed, he left). Nobody waits on its answer: a failure is logged
 * (XEP-0249 has no error back to the inviter), nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "room_int.h"
#include "sip_stack.h"

/* What a MESSAGE in flight remembers, for its log line. */
struct tell {
	char what[24];
	char to[];
};

/* The user answered (or not). */
static void
told_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct tell *t = arg;

	(void)resp;
	if (status < 200 || status >= 300)
		log_info_limited("room: %s to %s not delivered (%d)", t->what,
		    t->to, status);
	free(t);
}

/*
 * Sends text to to_uri in a MESSAGE From ["name"] <from_uri>; what names
 * it in the log ("invitation", "farewell"). 0, or -1 when it could not
 * leave (logged).
 */
int
room_tell(struct bridge_room *br, const char *from_uri, const char *name,
    const char *to_uri, const char *text, const char *what)
{
	struct gateway *gw = br->gw;
	struct strbuf *sb = &br->sip_sb;
	char clen[24];
	struct tell *t;
	size_t len = strlen(to_uri);

	if (gw->shutting_down || gw->sip == NULL)
		return -1;
	if (strpbrk(from_uri, "\r\n<>\"") != NULL ||
	    strpbrk(to_uri, "\r\n<>\"") != NULL) {
		log_info_limited("room: %s to %s not sent: unusable address",
		    what, to_uri);
		return -1;
	}
	room_print_head(sb, name, from_uri, to_uri);
	strbuf_appends(sb, "Content-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: ");
	snprintf(clen, sizeof(clen), "%zu\r\n\r\n", strlen(text));
	strbuf_appends(sb, clen);
	strbuf_appends(sb, text);
	if (sb->failed || (t = malloc(sizeof(*t) + len + 1)) == NULL)
		return -1;
	snprintf(t->what, sizeof(t->what), "%s", what);
	memcpy(t->to, to_uri, len + 1);
	if (sip_send_request_text(gw->sip, "MESSAGE", to_uri, sb->buf,
	    sb->len, told_cb, t) != 0) {
		log_info_limited("room: %s to %s: no route", what, to_uri);
		free(t);
		return -1;
	}
	log_trace(TRACE_ROOM, "%s to %s from %s", what, to_uri, from_uri);
	return 0;
}

/*
 * The membership ends (TELL_OUT): its last word, why he is out, goes
 * now, outside the queue, which ends with him; what the queue still
 * held, and what it had already dropped, is counted in that word, so
 * nothing is lost without his knowing (issue 13 item 7).
 */
void
room_farewell(struct room_member *m)
{
	char text[sizeof(m->out_reason) + 96];
	unsigned long lost = m->missed + (unsigned long)m->n_queue;

	if (m->out_reason[0] == '\0')
		return;
	if (lost > 0)
		snprintf(text, sizeof(text), "%s %lu room message%s could not "
		    "be delivered to you.", m->out_reason, lost,
		    lost == 1 ? "" : "s");
	else
		snprintf(text, sizeof(text), "%s", m->out_reason);
	(void)room_tell(m->br, m->room_uri, NULL, m->user_uri, text,
	    "farewell");
}
