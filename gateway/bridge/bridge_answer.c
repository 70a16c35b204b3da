/*
 * The answer every bridge and the router give a SIP request: the status
 * with Retry-After, Accept, Contact or Allow as the status needs. Here in
 * bridge/, below the router, so that the bridges do not call up into it.
 */
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "content.h"
#include "log.h"
#include "sip_stack.h"

#define REASON_MAX 120

/* Reason phrases must be one line of text (RFC 3261 §25.1). */
static void
sanitize_reason(char *out, size_t size, const char *text)
{
	size_t n = 0;

	for (; text != NULL && *text != '\0' && n + 1 < size; text++) {
		unsigned char c = (unsigned char)*text;

		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80 &&
	    text != NULL && *text != '\0')
		n--;
	if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0 &&
	    text != NULL && *text != '\0')
		n--;
	out[n] = '\0';
}

/* Answers a SIP request with status, Retry-After or Contact as needed. */
void
gateway_answer(struct gateway *gw, struct sip_tx *tx, int status,
    const char *reason, const char *contact)
{
	char buf[REASON_MAX + 1], extra[1400];
	size_t n = 0;

	if (gw->sip == NULL) {
		/* After the stack was freed its transactions are gone too. */
		log_debug("message: no SIP stack to answer %d with", status);
		return;
	}
	if (reason != NULL) {
		sanitize_reason(buf, sizeof(buf), reason);
		reason = buf[0] != '\0' ? buf : NULL;
	}
	extra[0] = '\0';
	if (status == 503)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Retry-After: %d\r\n", gw->cfg->message_retry_after_s);
	if (status == 415 && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Accept: %s\r\n", CONTENT_ACCEPT);
	/* The mapping escapes what it builds; a stray break never gets out. */
	if (contact != NULL && strpbrk(contact, "\r\n<>") == NULL &&
	    n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Contact: <%s>\r\n", contact);
	if ((status == 405 || status == 501) && n < sizeof(extra))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "Allow: %s\r\n", GATEWAY_ALLOW);
	if (n >= sizeof(extra)) {
		log_error("message: answer %d does not fit", status);
		n = 0;
		extra[0] = '\0';
	}
	if (sip_respond_lines(gw->sip, tx, status, reason, extra) < 0)
		log_warnx("message: cannot answer %d", status);
}
