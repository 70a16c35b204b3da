/*
 * What a SIP MESSAGE body says to a person: decodes text/plain (any
 * charset iconv knows, to UTF-8), reduces text/html to plain text, unwraps
 * message/cpim, and recognises machine bodies (isComposing, IMDN,
 * anything else) that must never be shown as text. Pure code.
 */
#ifndef SIPXMPP_CONTENT_H
#define SIPXMPP_CONTENT_H

#include <stddef.h>

enum content_verdict {
	CONTENT_TEXT = 0,	/* out->text holds what to show */
	CONTENT_UNSUPPORTED = -1,	/* 415 with Accept */
	CONTENT_MACHINE = -2,	/* isComposing/IMDN...: 415, never shown */
	CONTENT_MALFORMED = -3,	/* 400: bad charset, bad CPIM, invalid UTF-8 */
	CONTENT_NOMEM = -4,
};

struct content_text {
	char *text;		/* UTF-8, NUL-terminated, no NUL inside */
	size_t len;
	char *cpim_from;	/* CPIM From URI when the body was wrapped */
	char *subject;		/* CPIM Subject, if any */
	char *lang;		/* Content-Language found inside CPIM, if any */
	char *imdn_message_id;	/* CPIM imdn.Message-ID (RFC 5438 §6.3) */
	int imdn_want;		/* its Disposition-Notification: IMDN_WANT_* */
	char *imdn_datetime;	/* its CPIM DateTime, when valid (§7.2.1.1) */
};

/* What we accept, for the Accept header of a 415. */
#define CONTENT_ACCEPT "text/plain, text/html, message/cpim"

/* content.c */
int content_to_text(const char *content_type, const char *content_encoding,
    const char *body, size_t len, struct content_text *out, char **cause);
void content_text_clear(struct content_text *text);

#endif
