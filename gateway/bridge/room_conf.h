/*
 * The conference-info documents (RFC 4575) a room's SIP subscribers get
 * in their NOTIFYs (issue 13 item 2): a room's roster turned into users
 * keyed by their occupant URI (sip:room@conf;gr=nick, as the mapping's
 * room rule writes it), and the version each subscription counts.
 * Pure code over the mapping table: the unit tests drive it directly.
 */
#ifndef SIPXMPP_ROOM_CONF_H
#define SIPXMPP_ROOM_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "conference_info.h"
#include "strbuf.h"

struct map_table;

/* One occupant in a document: his nick, and whether he is gone. */
struct room_conf_user {
	const char *nick;
	int deleted;		/* RFC 4575 §4.4: state="deleted" */
};

/* room_conf.c */
int room_conf_build(struct strbuf *sb, const struct map_table *map,
    const char *room_jid, const char *room_uri, enum ci_state state,
    uint32_t version, const struct room_conf_user *users, size_t n);
uint32_t room_conf_next_version(uint32_t sent);

#endif
