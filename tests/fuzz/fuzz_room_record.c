/*
 * room_record_decode on arbitrary bytes (a damaged or hostile state
 * file): it must never crash; a record it takes must pass its own
 * checks again when written and read back (the same record, field by
 * field); a refusal must say why and leave nothing behind. And
 * room_stamp_parse: a stamp it reads, formatted and read again, is the
 * same second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "room_record.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless a and b are the same record. */
static void
same(const struct room_record *a, const struct room_record *b)
{
	if (strcmp(a->user_jid, b->user_jid) != 0 ||
	    strcmp(a->user_uri, b->user_uri) != 0 ||
	    strcmp(a->room_jid, b->room_jid) != 0 ||
	    strcmp(a->room_uri, b->room_uri) != 0 ||
	    strcmp(a->nick, b->nick) != 0 || a->marker != b->marker ||
	    a->n_sids != b->n_sids)
		abort();
	for (int i = 0; i < a->n_sids; i++)
		if (strcmp(a->sids[i], b->sids[i]) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct room_record r, again;
	struct strbuf sb;
	const char *why = NULL;
	long long t, t2;
	char *text, stamp[64];

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	if (room_record_decode(text, &r, &why) == 0) {
		strbuf_init(&sb);
		if (room_record_encode(&sb, &r) != 0 ||
		    room_record_decode(sb.buf, &again, &why) != 0)
			abort();
		same(&r, &again);
		room_record_clear(&again);
		room_record_clear(&r);
		strbuf_free(&sb);
	} else if (why == NULL || r.user_jid != NULL || r.room_uri != NULL)
		abort();
	if (room_stamp_parse(text, &t) == 0 && t >= 0 &&
	    t <= 253402300799LL) {
		if (room_stamp_format(t, stamp, sizeof(stamp)) != 0 ||
		    room_stamp_parse(stamp, &t2) != 0 || t2 != t)
			abort();
	}
	free(text);
	return 0;
}
