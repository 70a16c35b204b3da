/*
 * message/cpim (RFC 3862) parsing. Pure code: results point into the
 * caller's buffer (no copies), so they live as long as that buffer.
 */
#ifndef SIPXMPP_CPIM_H
#define SIPXMPP_CPIM_H

#include <stddef.h>

#include "span.h"

struct cpim_message {
	struct span from_uri;		/* URI inside From's <...>, or empty */
	struct span to_uri;
	struct span subject;		/* first Subject value */
	struct span subject_lang;	/* its ;lang= parameter */
	struct span datetime;
	struct span content_type;	/* of the inner MIME entity */
	struct span content_lang;	/* Content-Language of the inner entity */
	struct span content_encoding;
	struct span content_transfer_encoding;	/* MIME CTE of the inner entity */
	const char *body;		/* inner entity's body */
	size_t body_len;
	int has_imdn;			/* an NS declares urn:ietf:params:imdn */
	struct span imdn_message_id;	/* <imdn prefix>.Message-ID (RFC 5438) */
	struct span imdn_disposition;	/* <imdn prefix>.Disposition-Notification */
};

/* Bounds on hostile input: more is not a CPIM message we accept. */
#define CPIM_MAX_LINE		4096	/* bytes in one header line */
#define CPIM_MAX_LINES		128	/* lines in one header block */

/* cpim.c: 0 on success, -1 if the buffer is not a CPIM message. */
int cpim_parse(const char *buf, size_t len, struct cpim_message *out);

#endif
