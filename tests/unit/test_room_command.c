/*
 * The softphone commands of a room (codec/room_command.c): what is a
 * command and what is something to say in the room, the nick a user may
 * ask for, and the texts the bridge answers with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "room_command.h"

/* Parses a C string; returns the kind (the test fails on -1). */
static enum room_command_kind
kind_of(const char *body, struct room_command *cmd)
{
	assert_int_equal(room_command_parse(body, strlen(body), cmd), 0);
	return cmd->kind;
}

/* The four commands, as typed, in any case, with space around them. */
static void
test_commands(void **state)
{
	struct room_command c;

	(void)state;
	assert_int_equal(kind_of("/leave", &c), ROOM_CMD_LEAVE);
	assert_null(c.arg);
	assert_int_equal(kind_of("/who", &c), ROOM_CMD_WHO);
	assert_int_equal(kind_of("/help", &c), ROOM_CMD_HELP);
	assert_int_equal(kind_of("/WHO", &c), ROOM_CMD_WHO);
	assert_int_equal(kind_of("/Leave", &c), ROOM_CMD_LEAVE);
	assert_int_equal(kind_of("  /who  ", &c), ROOM_CMD_WHO);
	/* What softphones add: a trailing CRLF, a leading newline. */
	assert_int_equal(kind_of("/leave\r\n", &c), ROOM_CMD_LEAVE);
	assert_int_equal(kind_of("\n\t/help\r\n", &c), ROOM_CMD_HELP);

	assert_int_equal(kind_of("/nick Bob", &c), ROOM_CMD_NICK);
	assert_int_equal(c.arg_len, 3);
	assert_memory_equal(c.arg, "Bob", 3);
	assert_int_equal(kind_of("/NICK\t  Bob Smith \r\n", &c), ROOM_CMD_NICK);
	assert_int_equal(c.arg_len, 9);
	assert_memory_equal(c.arg, "Bob Smith", 9);
}

/* Whatever is not exactly a command is said in the room. */
static void
test_messages(void **state)
{
	static const char *const said[] = {
		"hello", "", "   ", "/", "/ who", "//leave", "/nickname",
		"/nickname Bob", "/who please", "/leave now", "/help me",
		"/whois", "/quit", "who", "leave", " / leave",
		"I said /leave", "/le ave",
		"\xef\xbc\x8fwho",	/* a fullwidth solidus */
	};
	struct room_command c;

	(void)state;
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		assert_int_equal(kind_of(said[i], &c), ROOM_CMD_MESSAGE);
		assert_null(c.arg);
		assert_null(c.error);
	}
	/* The length counts, not a NUL: "/who\0x" is not "/who". */
	assert_int_equal(room_command_parse("/who\0x", 6, &c), 0);
	assert_int_equal(c.kind, ROOM_CMD_MESSAGE);
	/* And a body longer in memory is read only to len. */
	assert_int_equal(room_command_parse("/whoever", 4, &c), 0);
	assert_int_equal(c.kind, ROOM_CMD_WHO);
	assert_int_equal(room_command_parse(NULL, 0, &c), 0);
	assert_int_equal(c.kind, ROOM_CMD_MESSAGE);
	assert_int_equal(room_command_parse(NULL, 1, &c), -1);
	assert_int_equal(room_command_parse("x", 1, NULL), -1);
}

/* "/nick" without a usable name is refused with a reason, not said. */
static void
test_nick_refused(void **state)
{
	struct room_command c;
	char longer[ROOM_NICK_MAX + 8];

	(void)state;
	assert_int_equal(kind_of("/nick", &c), ROOM_CMD_INVALID);
	assert_string_equal(c.error, "usage: /nick NAME");
	assert_int_equal(kind_of("/nick   \r\n", &c), ROOM_CMD_INVALID);
	assert_string_equal(c.error, "usage: /nick NAME");
	/* A line break inside the name: control characters. */
	assert_int_equal(kind_of("/nick Bob\r\nSmith", &c), ROOM_CMD_INVALID);
	assert_string_equal(c.error, "a nick cannot hold control characters");
	assert_int_equal(kind_of("/nick a\x01" "b", &c), ROOM_CMD_INVALID);
	assert_int_equal(kind_of("/nick a\x7f" "b", &c), ROOM_CMD_INVALID);
	/* U+0085 NEL, a C1 control. */
	assert_int_equal(kind_of("/nick a\xc2\x85" "b", &c), ROOM_CMD_INVALID);
	/* Not UTF-8. */
	assert_int_equal(kind_of("/nick \xff\xfe", &c), ROOM_CMD_INVALID);
	assert_string_equal(c.error, "a nick must be UTF-8 text");
	/* Too long: 65 bytes. */
	memcpy(longer, "/nick ", 6);
	memset(longer + 6, 'x', ROOM_NICK_MAX + 1);
	longer[6 + ROOM_NICK_MAX + 1] = '\0';
	assert_int_equal(kind_of(longer, &c), ROOM_CMD_INVALID);
	assert_string_equal(c.error, "a nick has at most 64 bytes");
	/* Exactly 64 is fine. */
	longer[6 + ROOM_NICK_MAX] = '\0';
	assert_int_equal(kind_of(longer, &c), ROOM_CMD_NICK);
	assert_int_equal(c.arg_len, ROOM_NICK_MAX);
}

/* Names in other scripts are names: a MUC nick is any resourcepart. */
static void
test_nick_non_ascii(void **state)
{
	struct room_command c;

	(void)state;
	assert_int_equal(kind_of("/nick Jürgen", &c), ROOM_CMD_NICK);
	assert_int_equal(c.arg_len, strlen("Jürgen"));
	assert_memory_equal(c.arg, "Jürgen", c.arg_len);
	assert_int_equal(kind_of("/nick 山田 太郎", &c), ROOM_CMD_NICK);
	assert_memory_equal(c.arg, "山田 太郎", c.arg_len);
	assert_int_equal(kind_of("/nick Иван", &c), ROOM_CMD_NICK);
	/* A non-breaking space is not whitespace to trim: it is kept. */
	assert_int_equal(kind_of("/nick \xc2\xa0" "Bo", &c), ROOM_CMD_NICK);
	assert_int_equal(c.arg_len, 4);
}

/* room_nick_valid() on its own, as the bridge checks derived nicks. */
static void
test_nick_valid(void **state)
{
	const char *why;

	(void)state;
	assert_true(room_nick_valid("bob", 3, &why));
	assert_null(why);
	assert_false(room_nick_valid("", 0, &why));
	assert_string_equal(why, "a nick cannot be empty");
	assert_false(room_nick_valid(NULL, 0, NULL));
	assert_false(room_nick_valid(" bob", 4, &why));
	assert_string_equal(why, "a nick cannot begin or end with a space");
	assert_false(room_nick_valid("bob\t", 4, NULL));
	assert_false(room_nick_valid("b\0b", 3, NULL));
	/* U+FFFE: UTF-8, but not an XML character. */
	assert_false(room_nick_valid("\xef\xbf\xbe", 3, NULL));
}

/* The names and the help text the bridge sends. */
static void
test_texts(void **state)
{
	(void)state;
	assert_string_equal(room_command_name(ROOM_CMD_MESSAGE), "message");
	assert_string_equal(room_command_name(ROOM_CMD_NICK), "nick");
	assert_string_equal(room_command_name(ROOM_CMD_INVALID), "invalid");
	assert_string_equal(room_command_name((enum room_command_kind)99),
	    "?");
	assert_non_null(strstr(room_command_help(), "/nick NAME"));
	assert_non_null(strstr(room_command_help(), "/leave"));
	assert_non_null(strstr(room_command_help(), "/who"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_nick_refused),
		cmocka_unit_test(test_nick_non_ascii),
		cmocka_unit_test(test_nick_valid),
		cmocka_unit_test(test_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
