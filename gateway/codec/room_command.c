/*
 * The softphone commands of a room (issue 13 item 5). A command is the
 * whole body and nothing else: "/who please" or "/nickname" is something
 * to say in the room, so a sentence that happens to begin with a slash
 * still reaches the others. Only the nick a user asks for is checked,
 * since it becomes an XMPP resource in the occupant JID (XEP-0045 §7.6).
 */
#include <string.h>
#include <strings.h>

#include "room_command.h"
#include "strbuf.h"

/* The commands, by name; "/nick" is the only one that takes an argument. */
static const struct {
	const char *name;
	enum room_command_kind kind;
	int takes_arg;
} commands[] = {
	{ "leave", ROOM_CMD_LEAVE, 0 },
	{ "nick", ROOM_CMD_NICK, 1 },
	{ "who", ROOM_CMD_WHO, 0 },
	{ "help", ROOM_CMD_HELP, 0 },
};

/* Whitespace a softphone may put around a body: SP, HTAB, CR, LF. */
static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * 1 if a nick may be used: not empty, at most ROOM_NICK_MAX bytes, UTF-8,
 * no control characters (C0, DEL, C1: RFC 7622 §3.4 via RFC 8265
 * OpaqueString refuses them), no character XML cannot carry, no
 * surrounding space (RFC 8265 §4.2.2 would strip it and the room would
 * know him by another name than he typed). *why, if given, says what is
 * wrong in words for the user.
 */
int
room_nick_valid(const char *nick, size_t len, const char **why)
{
	const unsigned char *p = (const unsigned char *)nick;
	const char *w = NULL;

	if (nick == NULL || len == 0)
		w = "a nick cannot be empty";
	else if (len > ROOM_NICK_MAX)
		w = "a nick has at most 64 bytes";
	else if (strbuf_xml_check(nick, len, NULL) != 0)
		w = "a nick must be UTF-8 text";
	else if (is_ws(nick[0]) || is_ws(nick[len - 1]))
		w = "a nick cannot begin or end with a space";
	else {
		for (size_t i = 0; i < len; i++) {
			/* C0 and DEL; C1 is U+0080..U+009F = C2 80..C2 9F. */
			if (p[i] < 0x20 || p[i] == 0x7f || (p[i] == 0xc2 &&
			    i + 1 < len && p[i + 1] >= 0x80 &&
			    p[i + 1] <= 0x9f)) {
				w = "a nick cannot hold control characters";
				break;
			}
		}
	}
	if (why != NULL)
		*why = w;
	return w == NULL;
}

/*
 * Reads a body (RFC 3428 page-mode text, after any CPIM wrapper is
 * taken off): out->kind says whether it is a command. Surrounding
 * whitespace is ignored and the command name is ASCII case-blind
 * ("/WHO" is "/who"); "/nick" takes the rest of the body, trimmed, as
 * the name, which may hold inner spaces and any script. A command that
 * takes no argument but has one is a message; "/nick" without a good
 * name is ROOM_CMD_INVALID, so the user is told rather than his typo
 * being said in the room. Returns 0, or -1 on NULL arguments.
 */
int
room_command_parse(const char *body, size_t len, struct room_command *out)
{
	const char *s, *e, *name, *rest;
	size_t nlen;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (body == NULL)
		return len == 0 ? 0 : -1;
	s = body;
	e = body + len;
	while (s < e && is_ws(*s))
		s++;
	while (e > s && is_ws(e[-1]))
		e--;
	if (e - s < 2 || s[0] != '/')
		return 0;
	name = s + 1;
	for (rest = name; rest < e && !is_ws(*rest); rest++)
		;
	nlen = (size_t)(rest - name);
	while (rest < e && is_ws(*rest))
		rest++;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].name) != nlen ||
		    strncasecmp(name, commands[i].name, nlen) != 0)
			continue;
		if (!commands[i].takes_arg)
			out->kind = rest == e ? commands[i].kind :
			    ROOM_CMD_MESSAGE;
		else if (rest == e) {
			out->kind = ROOM_CMD_INVALID;
			out->error = "usage: /nick NAME";
		} else if (!room_nick_valid(rest, (size_t)(e - rest),
		    &out->error))
			out->kind = ROOM_CMD_INVALID;
		else {
			out->kind = commands[i].kind;
			out->arg = rest;
			out->arg_len = (size_t)(e - rest);
		}
		return 0;
	}
	return 0;
}

/* The command's name for logs and traces. */
const char *
room_command_name(enum room_command_kind kind)
{
	switch (kind) {
	case ROOM_CMD_MESSAGE:
		return "message";
	case ROOM_CMD_LEAVE:
		return "leave";
	case ROOM_CMD_NICK:
		return "nick";
	case ROOM_CMD_WHO:
		return "who";
	case ROOM_CMD_HELP:
		return "help";
	case ROOM_CMD_INVALID:
		return "invalid";
	}
	return "?";
}

/* What "/help" answers: the commands, one a line, for a phone's screen. */
const char *
room_command_help(void)
{
	return "Commands (the whole message):\n"
	    "/who - who is in the room\n"
	    "/nick NAME - change your name in the room\n"
	    "/leave - leave the room\n"
	    "/help - this list\n"
	    "Anything else is said in the room.";
}
