/*
 * A growable byte buffer and the XML escaping every stanza we write goes
 * through (strbuf.c). Common ground: the SIP stack builds its messages in
 * one too, so it lives here rather than in the XMPP codec (stanza.h).
 */
#ifndef SIPXMPP_STRBUF_H
#define SIPXMPP_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int failed;		/* an allocation failed; buf is unusable */
};

/* strbuf_xml_check() results. */
#define STRBUF_BAD_UTF8		(-1)	/* not UTF-8 */
#define STRBUF_BAD_XML_CHAR	(-2)	/* UTF-8, but a character XML 1.0 forbids */

void strbuf_init(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const char *data, size_t len);
void strbuf_appends(struct strbuf *sb, const char *s);
void strbuf_append_xml_escaped(struct strbuf *sb, const char *s, size_t len);
void strbuf_append_xml_text(struct strbuf *sb, const char *s, size_t len);
int strbuf_append_xml_checked(struct strbuf *sb, const char *s, size_t len,
    int attr);
int strbuf_xml_check(const char *s, size_t len, size_t *bad_at);

#endif
