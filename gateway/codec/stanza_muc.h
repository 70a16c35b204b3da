/*
 * The stanzas a SIP participant's occupant sends a room (XEP-0045), as
 * text, like stanza.h: join, leave, nick change, groupchat and private
 * messages, the subject, disco#info, and the owner form that unlocks a
 * room we created. Pure code; every value checked and escaped.
 */
#ifndef SIPXMPP_STANZA_MUC_H
#define SIPXMPP_STANZA_MUC_H

#include <stddef.h>

#include "strbuf.h"

/*
 * The history a join asks for (XEP-0045 §7.2.15); a negative number or
 * NULL is not sent. maxchars = 0 asks for none.
 */
struct muc_history {
	int maxchars;
	int maxstanzas;
	int seconds;
	const char *since;	/* XEP-0082 UTC: "2026-12-07T23:00:00Z" */
};

#define MUC_HISTORY_UNSET	{ -1, -1, -1, NULL }

/* stanza_muc.c */
int stanza_muc_join(struct strbuf *sb, const char *from,
    const char *occupant, const char *id, const struct muc_history *history,
    const char *password);
int stanza_muc_leave(struct strbuf *sb, const char *from,
    const char *occupant, const char *id, const char *status);
int stanza_muc_nick(struct strbuf *sb, const char *from,
    const char *new_occupant, const char *id);
int stanza_muc_groupchat(struct strbuf *sb, const char *from,
    const char *room, const char *id, const char *body, size_t len,
    const char *origin_id);
int stanza_muc_subject(struct strbuf *sb, const char *from, const char *room,
    const char *id, const char *subject);
int stanza_muc_private(struct strbuf *sb, const char *from,
    const char *occupant, const char *id, const char *body, size_t len,
    const char *origin_id);
int stanza_muc_disco_info(struct strbuf *sb, const char *from,
    const char *to, const char *id, const char *node);
int stanza_muc_unlock(struct strbuf *sb, const char *from, const char *room,
    const char *id);

#endif
