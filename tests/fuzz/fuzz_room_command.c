/*
 * room_command_parse on arbitrary bytes (a SIP MESSAGE body): it must
 * never read outside the body, a nick it hands back must lie inside the
 * body and pass room_nick_valid, a refusal must say why, and nothing
 * that does not begin with '/' (after whitespace) is ever a command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "room_command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct room_command c;
	const char *why;
	char *copy;
	size_t i;

	/* An exact-size copy, so that a read past the end is caught. */
	if ((copy = calloc(1, size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (room_command_parse(copy, size, &c) != 0)
		abort();
	for (i = 0; i < size && strchr(" \t\r\n", copy[i]) != NULL &&
	    copy[i] != '\0'; i++)
		;
	if (c.kind != ROOM_CMD_MESSAGE && (i == size || copy[i] != '/'))
		abort();
	switch (c.kind) {
	case ROOM_CMD_NICK:
		if (c.arg == NULL || c.arg < copy ||
		    c.arg + c.arg_len > copy + size ||
		    !room_nick_valid(c.arg, c.arg_len, &why) || why != NULL)
			abort();
		break;
	case ROOM_CMD_INVALID:
		if (c.error == NULL || c.arg != NULL)
			abort();
		break;
	default:
		if (c.arg != NULL || c.error != NULL)
			abort();
		break;
	}
	if (strcmp(room_command_name(c.kind), "?") == 0)
		abort();
	free(copy);
	return 0;
}
