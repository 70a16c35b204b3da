/*
 * A growable byte buffer, and the XML escaping and checking that every
 * stanza we write goes through.
 *
 * Escaping copies runs of harmless bytes with one memcpy and only stops on
 * the bytes that need an entity, so an ordinary chat line costs one scan
 * and one copy. The checked variant also proves, in the same pass, that
 * the text is UTF-8 made only of characters XML 1.0 allows (§2.2: TAB, LF,
 * CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF): a stanza with
 * anything else would make the XMPP server close our stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define STRBUF_MIN_CAP	256

/* Byte classes for escaping and checking. */
enum {
	B_PLAIN = 0,	/* copied as is */
	B_ESC,		/* & < > and CR: escaped in text and attributes */
	B_ESC_ATTR,	/* " ' TAB LF: escaped in attributes only */
	B_CTRL,		/* C0 control XML 1.0 cannot carry */
	B_MULTI,	/* lead byte of a multi-byte UTF-8 sequence */
	B_BAD,		/* never valid in UTF-8 */
};

/* Short names keep the table readable: one row per 16 bytes. */
#define P B_PLAIN
#define E B_ESC
#define A B_ESC_ATTR
#define C B_CTRL
#define M B_MULTI
#define X B_BAD
static const unsigned char byte_class[256] = {
	/* 00 */ C, C, C, C, C, C, C, C, C, A, A, C, C, E, C, C,
	/* 10 */ C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
	/* 20 */ P, P, A, P, P, P, E, A, P, P, P, P, P, P, P, P,
	/* 30 */ P, P, P, P, P, P, P, P, P, P, P, P, E, P, E, P,
	/* 40 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	/* 50 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	/* 60 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	/* 70 */ P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	/* 80 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* 90 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* a0 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* b0 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* c0 */ X, X, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* d0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* e0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* f0 */ M, M, M, M, M, X, X, X, X, X, X, X, X, X, X, X,
};
#undef P
#undef E
#undef A
#undef C
#undef M
#undef X

/*
 * Length of the valid UTF-8 sequence for an XML character starting with
 * a multi-byte lead at p (avail bytes left); 0 if it is invalid UTF-8
 * (overlong, surrogate, beyond U+10FFFF, truncated), -1 if it is valid
 * UTF-8 for U+FFFE or U+FFFF, which XML 1.0 excludes.
 */
static int
utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c < 0xe0)
		n = 2;
	else if (c < 0xf0) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	}
	if (avail < (size_t)n || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	if (n == 3 && c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return -1;
	return n;
}

/*
 * Checks that s is UTF-8 holding only characters XML 1.0 allows. Returns
 * 0 if so, STRBUF_BAD_UTF8 or STRBUF_BAD_XML_CHAR otherwise, with the
 * offending offset in *bad_at (if not NULL). ASCII is checked eight bytes
 * at a time.
 */
int
strbuf_xml_check(const char *s, size_t len, size_t *bad_at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			/* No byte >= 0x80 and none < 0x20: all plain. */
			if (((w | ((w - 0x2020202020202020ULL) & ~w)) &
			    0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		switch (byte_class[p[i]]) {
		case B_CTRL:
			if (bad_at != NULL)
				*bad_at = i;
			return STRBUF_BAD_XML_CHAR;
		case B_BAD:
			if (bad_at != NULL)
				*bad_at = i;
			return STRBUF_BAD_UTF8;
		case B_MULTI: {
			int n = utf8_seq(p + i, len - i);

			if (n <= 0) {
				if (bad_at != NULL)
					*bad_at = i;
				return n == 0 ? STRBUF_BAD_UTF8 :
				    STRBUF_BAD_XML_CHAR;
			}
			i += (size_t)n;
			break;
		}
		default:
			i++;
			break;
		}
	}
	return 0;
}

/* Sets up an empty buffer; nothing is allocated until the first append. */
void
strbuf_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->failed = 0;
}

/* Empties the buffer for reuse, keeping its memory. */
void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

/* Releases the memory; the buffer may be reused after strbuf_init. */
void
strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

/*
 * Makes room for n more bytes plus the terminating NUL. On failure the
 * buffer is marked failed and every later append is a no-op.
 */
static int
reserve(struct strbuf *sb, size_t n)
{
	size_t need, cap;
	char *nbuf;

	if (sb->failed)
		return -1;
	if (n < sb->cap - sb->len && sb->buf != NULL)
		return 0;
	if (n > SIZE_MAX / 2 - sb->len - 1) {
		sb->failed = 1;
		return -1;
	}
	need = sb->len + n + 1;
	cap = sb->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : sb->cap;
	while (cap < need)
		cap *= 2;
	if ((nbuf = realloc(sb->buf, cap)) == NULL) {
		sb->failed = 1;
		return -1;
	}
	sb->buf = nbuf;
	sb->cap = cap;
	return 0;
}

/* Appends raw bytes. */
void
strbuf_append(struct strbuf *sb, const char *data, size_t len)
{
	if (reserve(sb, len) < 0)
		return;
	if (len > 0)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

/* Appends a NUL-terminated string. */
void
strbuf_appends(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

/* The entity for an escaped byte. */
static const char *
entity(unsigned char c, size_t *n)
{
	switch (c) {
	case '&':
		*n = 5;
		return "&amp;";
	case '<':
		*n = 4;
		return "&lt;";
	case '>':
		*n = 4;
		return "&gt;";
	case '"':
		*n = 6;
		return "&quot;";
	case '\'':
		*n = 6;
		return "&apos;";
	case '\t':
		*n = 5;
		return "&#x9;";
	case '\n':
		*n = 5;
		return "&#xA;";
	default:	/* '\r' */
		*n = 5;
		return "&#xD;";
	}
}

/*
 * The one escaping loop. attr selects attribute escaping: quotes, and
 * TAB/LF (which attribute-value normalisation would turn into spaces),
 * become references too; CR always does, since XML parsers turn a literal
 * CR into LF. With check set, invalid UTF-8 or characters XML cannot
 * carry make it stop and return -1 with the buffer as it was; without,
 * such bytes are copied as they are (the caller vouches for its input).
 */
static int
escape(struct strbuf *sb, const char *s, size_t len, int attr, int check)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = sb->len, run = 0, i = 0;

	/* Most text needs no entity: reserve once for the common case. */
	if (reserve(sb, len) < 0)
		return -1;
	while (i < len) {
		unsigned char cls = byte_class[p[i]];
		const char *ent;
		size_t n;

		if (cls == B_PLAIN || (cls == B_ESC_ATTR && !attr)) {
			i++;
			continue;
		}
		if (cls == B_MULTI || cls == B_BAD || cls == B_CTRL) {
			int seq = cls == B_MULTI ? utf8_seq(p + i, len - i) : 0;

			if (seq > 0) {
				i += (size_t)seq;
				continue;
			}
			if (check)
				goto fail;
			i++;
			continue;
		}
		/* Flush the plain run before p[i], then its entity. */
		strbuf_append(sb, s + run, i - run);
		ent = entity(p[i], &n);
		strbuf_append(sb, ent, n);
		run = ++i;
	}
	strbuf_append(sb, s + run, len - run);
	if (sb->failed)
		return -1;
	return 0;
fail:
	if (!sb->failed) {
		sb->len = start;
		sb->buf[start] = '\0';
	}
	return -1;
}

/*
 * Appends s escaped for any XML context (attribute values included):
 * & < > " ' and TAB LF CR become references. Bytes are not checked.
 */
void
strbuf_append_xml_escaped(struct strbuf *sb, const char *s, size_t len)
{
	(void)escape(sb, s, len, 1, 0);
}

/* Appends s escaped for element content: & < > and CR only. Unchecked. */
void
strbuf_append_xml_text(struct strbuf *sb, const char *s, size_t len)
{
	(void)escape(sb, s, len, 0, 0);
}

/*
 * Appends s escaped for an attribute value (attr != 0) or element content,
 * after proving it is UTF-8 made of XML characters. Returns -1, leaving
 * the buffer unchanged, if it is not (or if memory ran out).
 */
int
strbuf_append_xml_checked(struct strbuf *sb, const char *s, size_t len,
    int attr)
{
	return escape(sb, s, len, attr != 0, 1);
}
