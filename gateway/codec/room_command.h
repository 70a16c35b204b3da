/*
 * The commands a SIP participant of a room types into a plain softphone
 * (issue 13 item 5): a MESSAGE whose whole body is "/leave", "/nick NAME",
 * "/who" or "/help" is an instruction to the gateway, anything else is a
 * message to the room. Pure code: no I/O, no logging, no globals.
 */
#ifndef SIPXMPP_ROOM_COMMAND_H
#define SIPXMPP_ROOM_COMMAND_H

#include <stddef.h>

/*
 * Bytes of a nick we accept from a SIP user: a MUC nick is an XMPP
 * resource (XEP-0045 §7.2.1, RFC 7622 §3.4 allows 1023 bytes), but a
 * name people read in a roster line needs far less.
 */
#define ROOM_NICK_MAX	64

enum room_command_kind {
	ROOM_CMD_MESSAGE = 0,	/* not a command: say it in the room */
	ROOM_CMD_LEAVE,		/* "/leave" */
	ROOM_CMD_NICK,		/* "/nick NAME": arg, arg_len hold NAME */
	ROOM_CMD_WHO,		/* "/who" */
	ROOM_CMD_HELP,		/* "/help" */
	ROOM_CMD_INVALID	/* "/nick" without a good NAME: see error */
};

/* What a body says; arg points into the body, never NUL-terminated. */
struct room_command {
	enum room_command_kind kind;
	const char *arg;
	size_t arg_len;
	const char *error;	/* ROOM_CMD_INVALID: a sentence for the user */
};

/* room_command.c */
int room_command_parse(const char *body, size_t len, struct room_command *out);
int room_nick_valid(const char *nick, size_t len, const char **why);
const char *room_command_name(enum room_command_kind kind);
const char *room_command_help(void);

#endif
