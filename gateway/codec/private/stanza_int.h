/*
 * Inside the stanza builders: what stanza.c (messages, errors, presence)
 * and stanza_muc.c (the stanzas of a room occupant) share to write a
 * checked, escaped stanza or none at all.
 */
#ifndef SIPXMPP_STANZA_INT_H
#define SIPXMPP_STANZA_INT_H

#include <stddef.h>

#include "strbuf.h"

/* stanza.c */
int stanza_attr(struct strbuf *sb, const char *name, const char *value);
int stanza_element(struct strbuf *sb, const char *name, const char *text,
    size_t len);
int stanza_rollback(struct strbuf *sb, size_t start);
int stanza_open(struct strbuf *sb, const char *name, const char *from,
    const char *to, const char *id);

#endif
