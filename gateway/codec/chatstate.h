/*
 * XEP-0085 chat states: their names, the RFC 7573 §6 table that maps
 * them to RFC 3994 isComposing states and back (pager mode), and the
 * standalone chat-state message we send. Pure code.
 */
#ifndef SIPXMPP_CHATSTATE_H
#define SIPXMPP_CHATSTATE_H

#include "strbuf.h"

#define NS_CHATSTATES_URI	"http://jabber.org/protocol/chatstates"

/* XEP-0085 §2; NONE: no (known) chat state in the message. */
enum chat_state {
	CHAT_STATE_NONE = 0,
	CHAT_STATE_ACTIVE,
	CHAT_STATE_COMPOSING,
	CHAT_STATE_PAUSED,
	CHAT_STATE_INACTIVE,
	CHAT_STATE_GONE
};

/* chatstate.c */
enum chat_state chat_state_from_name(const char *name);
const char *chat_state_name(enum chat_state s);
int chat_state_to_iscomposing(enum chat_state s);
enum chat_state chat_state_from_iscomposing(int active);
int stanza_build_chat_state(struct strbuf *sb, const char *from,
    const char *to, const char *type, const char *thread, enum chat_state s);

#endif
