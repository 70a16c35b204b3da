/*
 * The text of an invitation a SIP user gets (issue 13 item 6: XEP-0249
 * direct, XEP-0045 §7.8.2 mediated): who invites him to which room, the
 * inviter's reason, and how to accept. Pure, for the unit tests.
 */
#ifndef SIPXMPP_ROOM_INVITE_H
#define SIPXMPP_ROOM_INVITE_H

#include <stddef.h>

#define ROOM_INVITE_TEXT_MAX	640	/* the whole body, NUL included */
#define ROOM_INVITE_REASON_MAX	200	/* bytes of the reason shown */

/* room_invite_text.c */
int room_invite_text(char *out, size_t size, const char *inviter,
    const char *room_jid, const char *reason, int reachable);

#endif
