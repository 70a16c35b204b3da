/*
 * The XMPP view of a PIDF document (pidf_to_xmpp's list) packed into one
 * flat block, so that the presence bridge can keep what a contact last
 * said, to answer probes, without keeping the PIDF text: a few dozen
 * bytes instead of a few hundred per subscription. Pure code.
 *
 * Layout: the tuple count (uint32_t), then per tuple a flags byte, the
 * show byte, the priority (int32_t) and the strings the flags announce,
 * each NUL-terminated. Blocks are only made here and read back here; they
 * never come from the network.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pidf.h"

#define HAS_RESOURCE	0x01
#define HAS_STATUS	0x02
#define HAS_LANG	0x04
#define AVAILABLE	0x08

#define TUPLE_HEAD	(1 + 1 + sizeof(int32_t))

/* Bytes a string takes in the block: nothing if NULL. */
static size_t
packed_len(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Appends s with its NUL, if there is one; returns the next free byte. */
static char *
put_string(char *at, const char *s)
{
	size_t len = packed_len(s);

	if (len > 0)
		memcpy(at, s, len);
	return at + len;
}

/* Borrows the next string of the block, if the flag says there is one. */
static const char *
take_string(const char **at, int present)
{
	const char *s = *at;

	if (!present)
		return NULL;
	*at += strlen(s) + 1;
	return s;
}

/* The n entries of v in one malloc'ed block; NULL if out of memory. */
char *
pidf_xmpp_pack(const struct pidf_xmpp *v, size_t n)
{
	size_t size = sizeof(uint32_t);
	uint32_t count = (uint32_t)n;
	char *block, *at;

	if (n > UINT32_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		size += TUPLE_HEAD + packed_len(v[i].resource) +
		    packed_len(v[i].status) + packed_len(v[i].lang);
	if ((block = malloc(size)) == NULL)
		return NULL;
	memcpy(block, &count, sizeof(count));
	at = block + sizeof(count);
	for (size_t i = 0; i < n; i++) {
		int32_t priority = v[i].priority;

		*at++ = (char)((v[i].resource != NULL ? HAS_RESOURCE : 0) |
		    (v[i].status != NULL ? HAS_STATUS : 0) |
		    (v[i].lang != NULL ? HAS_LANG : 0) |
		    (v[i].available ? AVAILABLE : 0));
		*at++ = (char)v[i].show;
		memcpy(at, &priority, sizeof(priority));
		at += sizeof(priority);
		at = put_string(at, v[i].resource);
		at = put_string(at, v[i].status);
		at = put_string(at, v[i].lang);
	}
	return block;
}

/*
 * The entries of a block made by pidf_xmpp_pack, in a malloc'ed array
 * whose strings point into the block (keep it while the array is used).
 * *out is NULL when the block holds none. -1 if out of memory.
 */
int
pidf_xmpp_unpack(const char *block, struct pidf_xmpp **out, size_t *n)
{
	const char *at = block + sizeof(uint32_t);
	struct pidf_xmpp *v;
	uint32_t count;

	*out = NULL;
	*n = 0;
	memcpy(&count, block, sizeof(count));
	if (count == 0)
		return 0;
	if ((v = calloc(count, sizeof(*v))) == NULL)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		unsigned char flags = (unsigned char)*at++;
		int32_t priority;

		v[i].show = (enum presence_show)(unsigned char)*at++;
		memcpy(&priority, at, sizeof(priority));
		at += sizeof(priority);
		v[i].priority = priority;
		v[i].available = (flags & AVAILABLE) != 0;
		v[i].resource = take_string(&at, flags & HAS_RESOURCE);
		v[i].status = take_string(&at, flags & HAS_STATUS);
		v[i].lang = take_string(&at, flags & HAS_LANG);
	}
	*out = v;
	*n = count;
	return 0;
}
