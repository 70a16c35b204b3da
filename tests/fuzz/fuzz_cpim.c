/*
 * cpim_parse on arbitrary bytes: it must never read outside the buffer,
 * and whatever it returns must point inside it. And cpim_build with the
 * same bytes as the nick (a room occupant chooses it), as a URI and as
 * the body: what it writes reads back with the same addresses, stamp
 * and body, the nick never adding a header line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "cpim_build.h"
#include "strbuf.h"

#define ROOM_URI	"sip:lobby@conf.example;gr=x"
#define USER_URI	"sip:romeo@sip.example"
#define STAMP		"2026-12-08T00:47:05Z"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless the span lies within buf[0..len). */
static void
check_span(struct span s, const char *buf, size_t len)
{
	if (s.len == 0)
		return;
	if (s.ptr < buf || s.ptr + s.len > buf + len)
		abort();
}

/* Whether span s holds exactly the string want. */
static int
same(struct span s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* Builds with text as the nick, then (if accepted) as the From URI. */
static void
check_build(const char *text, const char *body, size_t len)
{
	struct cpim_out c = { 0 };
	struct cpim_message m;
	struct strbuf sb;
	const char *eol;

	c.from_name = text;
	c.from_uri = ROOM_URI;
	c.to_uri = USER_URI;
	c.datetime = STAMP;
	c.body = body;
	c.len = len;
	strbuf_init(&sb);
	if (cpim_build(&sb, &c) != 0)
		abort();
	/* The whole From, the nick escaped, is the first line. */
	eol = strstr(sb.buf, "\r\n");
	if (eol == NULL || eol - sb.buf < (long)strlen("<" ROOM_URI ">") ||
	    memcmp(eol - strlen("<" ROOM_URI ">"), "<" ROOM_URI ">",
	    strlen("<" ROOM_URI ">")) != 0)
		abort();
	if (cpim_parse(sb.buf, sb.len, &m) != 0 ||
	    !same(m.from_uri, ROOM_URI) || !same(m.to_uri, USER_URI) ||
	    !same(m.datetime, STAMP) || m.body_len != len ||
	    (len > 0 && memcmp(m.body, body, len) != 0))
		abort();
	strbuf_reset(&sb);
	c.from_uri = text;
	if (cpim_build(&sb, &c) == 0 && (cpim_parse(sb.buf, sb.len,
	    &m) != 0 || !same(m.from_uri, text)))
		abort();
	strbuf_free(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpim_message m;
	const char *buf;
	char *copy;

	/* An exact-size copy, so that a read past the end is caught. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	buf = copy;
	if (cpim_parse(buf, size, &m) == 0) {
		check_span(m.from_uri, buf, size);
		check_span(m.to_uri, buf, size);
		check_span(m.subject, buf, size);
		check_span(m.subject_lang, buf, size);
		check_span(m.datetime, buf, size);
		check_span(m.content_type, buf, size);
		check_span(m.content_lang, buf, size);
		check_span(m.content_encoding, buf, size);
		check_span(m.content_transfer_encoding, buf, size);
		check_span(m.imdn_message_id, buf, size);
		check_span(m.imdn_disposition, buf, size);
		if (m.body == NULL || m.body < buf ||
		    m.body + m.body_len != buf + size)
			abort();
		if (m.imdn_message_id.len > 0 && !m.has_imdn)
			abort();
	} else if (m.body != NULL || m.has_imdn)
		abort();
	free(copy);
	/* The nick: the input up to its first NUL, at most 600 bytes (each
	 * may take 6 escaped: the line stays within CPIM_MAX_LINE). */
	if ((copy = malloc(601)) == NULL)
		return 0;
	memcpy(copy, data, size < 600 ? size : 600);
	copy[size < 600 ? size : 600] = '\0';
	check_build(copy, (const char *)data, size);
	free(copy);
	return 0;
}
