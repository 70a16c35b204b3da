/*
 * XEP-0085 chat states and the RFC 7573 §6 mapping to RFC 3994, as
 * tables: a state's name, and which isComposing state it becomes. The
 * same table read backwards gives the XMPP state for an isComposing one.
 */
#include <string.h>

#include "chatstate.h"
#include "stanza_int.h"

/*
 * RFC 7573 §6 (pager mode, STANDARDS §2.4/§2.9): composing <-> active;
 * active, paused, inactive -> idle; gone -> idle (pager mode has no
 * session to BYE). Backwards, idle becomes paused: the peer stopped
 * typing without sending, XEP-0085 §2's meaning of paused.
 */
static const struct {
	enum chat_state state;
	const char *name;
	int iscomposing_active;	/* what it becomes towards SIP */
	int from_idle;		/* idle from SIP becomes this one */
} table[] = {
	{ CHAT_STATE_ACTIVE,	"active",	0, 0 },
	{ CHAT_STATE_COMPOSING,	"composing",	1, 0 },
	{ CHAT_STATE_PAUSED,	"paused",	0, 1 },
	{ CHAT_STATE_INACTIVE,	"inactive",	0, 0 },
	{ CHAT_STATE_GONE,	"gone",		0, 0 },
};

#define NTABLE	(sizeof(table) / sizeof(table[0]))

/* The state an element's local name names; NONE if none does. */
enum chat_state
chat_state_from_name(const char *name)
{
	if (name == NULL)
		return CHAT_STATE_NONE;
	for (size_t i = 0; i < NTABLE; i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].state;
	return CHAT_STATE_NONE;
}

/* The element name of a state; NULL for NONE. */
const char *
chat_state_name(enum chat_state s)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].state == s)
			return table[i].name;
	return NULL;
}

/* RFC 7573 §6: 1 (isComposing active) or 0 (idle); -1 for NONE. */
int
chat_state_to_iscomposing(enum chat_state s)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].state == s)
			return table[i].iscomposing_active;
	return -1;
}

/* RFC 7573 §6 backwards: active -> composing, idle -> paused. */
enum chat_state
chat_state_from_iscomposing(int active)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (active ? table[i].iscomposing_active : table[i].from_idle)
			return table[i].state;
	return CHAT_STATE_NONE;
}

/*
 * Appends a standalone chat-state message (XEP-0085 §5.6: the state
 * only, plus <thread/> when there is one):
 *   <message from to type><STATE xmlns='...chatstates'/></message>
 * 0, or -1 with sb unchanged.
 */
int
stanza_build_chat_state(struct strbuf *sb, const char *from, const char *to,
    const char *type, const char *thread, enum chat_state s)
{
	const char *name = chat_state_name(s);
	size_t start = sb->len;

	if (sb->failed || name == NULL)
		return -1;
	if (stanza_open(sb, "message", from, to, NULL) < 0)
		goto fail;
	if (type != NULL && stanza_attr(sb, "type", type) < 0)
		goto fail;
	strbuf_appends(sb, "><");
	strbuf_appends(sb, name);
	strbuf_appends(sb, " xmlns='" NS_CHATSTATES_URI "'/>");
	if (thread != NULL && stanza_element(sb, "thread", thread,
	    strlen(thread)) < 0)
		goto fail;
	strbuf_appends(sb, "</message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}
