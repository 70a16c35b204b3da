/*
 * The nick a SIP user gets in a room (issue 13 item 2): his From
 * display name, else the user part of his address, checked with
 * room_nick_valid(); on conflict (XEP-0045 §7.2.9) a suffix. Pure code.
 */
#ifndef SIPXMPP_ROOM_NICK_H
#define SIPXMPP_ROOM_NICK_H

#include <stddef.h>

/* room_nick.c */
int room_nick_from_sip(const char *display, const char *uri, char *out,
    size_t size);
int room_nick_suffixed(const char *base, int attempt, char *out,
    size_t size);

#endif
