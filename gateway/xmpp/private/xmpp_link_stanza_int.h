/*
 * Inside the pure half of the XMPP link: what xmpp_link_stanza.c (the
 * stanzas of RFC 6120/6121) and xmpp_link_muc.c (what XEP-0045, 0249,
 * 0203, 0359 and disco#info add to them) share. No I/O on either side.
 */
#ifndef SIPXMPP_XMPP_LINK_STANZA_INT_H
#define SIPXMPP_XMPP_LINK_STANZA_INT_H

#include <strophe.h>

#include "xmpp_link.h"

/* xmpp_link_stanza.c */
const char *xmpp_link_elem_text(struct xmpp_link_parsed *p,
    xmpp_stanza_t *elem);
void xmpp_link_read_error(struct xmpp_link_parsed *p, xmpp_stanza_t *error);

/* xmpp_link_nick.c */
int xmpp_link_nick_child(struct xmpp_link_parsed *p, xmpp_stanza_t *child,
    const char **nick);

/* xmpp_link_muc.c */
int xmpp_link_muc_message_child(struct xmpp_link_parsed *p,
    xmpp_stanza_t *child);
int xmpp_link_muc_presence_child(struct xmpp_link_parsed *p,
    xmpp_stanza_t *child);

#endif
