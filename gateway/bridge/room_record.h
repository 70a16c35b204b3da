/*
 * A room membership as the store keeps it (issue 13 item 7): "key=value"
 * lines, read back with every field checked, since a state file may be
 * damaged or hostile. And XEP-0082 date-times, the history marker's
 * form on the wire. Pure code, no I/O.
 */
#ifndef SIPXMPP_ROOM_RECORD_H
#define SIPXMPP_ROOM_RECORD_H

#include <stddef.h>
#include <time.h>

#include "room_command.h"

struct strbuf;

#define ROOM_SIDS	8	/* XEP-0359 stanza-ids remembered */
#define ROOM_SID_MAX	72	/* bytes of one, with the NUL */
#define ROOM_RECORD_FIELD_MAX	1024	/* a JID or URI in a record */

/* One stored membership; strings owned (room_record_clear()). */
struct room_record {
	char *user_jid;			/* his occupant's real JID */
	char *user_uri;			/* his SIP address of record */
	char *room_jid;
	char *room_uri;
	char nick[ROOM_NICK_MAX + 1];
	long long marker;		/* last delivered (Unix s), 0: none */
	char sids[ROOM_SIDS][ROOM_SID_MAX];	/* oldest first */
	int n_sids;
};

/* room_record.c */
int room_record_encode(struct strbuf *sb, const struct room_record *r);
int room_record_decode(const char *text, struct room_record *r,
    const char **why);
void room_record_clear(struct room_record *r);
int room_sid_valid(const char *sid);
int room_stamp_parse(const char *s, long long *out);
int room_stamp_format(long long t, char *out, size_t size);

#endif
