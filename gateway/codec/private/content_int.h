/*
 * Inside content_to_text(): what content.c (Content-Type, the rules,
 * CPIM), content_charset.c (charsets to checked UTF-8, text/plain) and
 * content_html.c (text/html) share. Nobody else includes this: it lives
 * in codec/private/, out of other folders' reach.
 *
 * Each call returns an enum content_verdict and, when it is not
 * CONTENT_TEXT, may say why in *cause.
 */
#ifndef SIPXMPP_CONTENT_INT_H
#define SIPXMPP_CONTENT_INT_H

#include <stddef.h>

#include "content.h"
#include "span.h"

#define CONTENT_MAX_BODY	(1024 * 1024)	/* larger bodies are refused */

/* content_charset.c */
int content_charset_is_utf8(struct span cs);
int content_to_utf8(struct span cs, const char *body, size_t len,
    char **out, size_t *out_len, char **cause);
int content_finish_text(const char *s, size_t len, const char *what,
    struct content_text *out, char **cause);
int content_plain_text(struct span charset, const char *body, size_t len,
    struct content_text *out, char **cause);

/* content_html.c */
int content_html_text(struct span charset, const char *body, size_t len,
    struct content_text *out, char **cause);

#endif
