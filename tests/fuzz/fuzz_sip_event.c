/*
 * Event, Subscription-State and Expires parsing on arbitrary bytes (as a
 * NUL-terminated copy, the way libosip2 hands header values over). What
 * is accepted must be within bounds and parse back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_event.h"

#define DELTA_MAX	0x7fffffffL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * An accepted Subscription-State is within bounds, and the header the
 * gateway would write for it parses back the same.
 */
static void
check_sub_state(const char *s)
{
	struct sub_state_hdr h, again;
	char buf[160];

	if (sip_sub_state_parse(s, &h) != 0) {
		if (h.expires != -1 || h.retry_after != -1 ||
		    h.reason != SUB_REASON_NONE)
			abort();	/* refused: left cleared */
		return;
	}
	if (h.expires < -1 || h.expires > DELTA_MAX ||
	    h.retry_after < -1 || h.retry_after > DELTA_MAX ||
	    (unsigned)h.state > SUB_STATE_TERMINATED ||
	    (unsigned)h.reason > SUB_REASON_OTHER)
		abort();
	if (h.state == SUB_STATE_OTHER || h.reason == SUB_REASON_OTHER)
		return;		/* the names do not say what came in */
	snprintf(buf, sizeof(buf), "%s%s%s", sip_sub_state_name(h.state),
	    h.reason != SUB_REASON_NONE ? ";reason=" : "",
	    sip_sub_reason_name(h.reason));
	if (h.expires >= 0)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    ";expires=%ld", h.expires);
	if (h.retry_after >= 0)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    ";retry-after=%ld", h.retry_after);
	if (sip_sub_state_parse(buf, &again) != 0 ||
	    again.state != h.state || again.reason != h.reason ||
	    again.expires != h.expires || again.retry_after != h.retry_after)
		abort();
}

/* An accepted Event fits its buffers and parses back the same. */
static void
check_event(const char *s)
{
	struct event_hdr e, again;
	char buf[160];

	if (sip_event_parse(s, &e) != 0) {
		if (e.package[0] != '\0' || e.id[0] != '\0')
			abort();
		return;
	}
	if (e.package[0] == '\0' ||
	    strnlen(e.package, sizeof(e.package)) >= sizeof(e.package) ||
	    strnlen(e.id, sizeof(e.id)) > SIP_EVENT_MAX_ID)
		abort();
	if (strpbrk(e.id, "\"\\") != NULL)
		return;		/* would need quoting again */
	if (e.id[0] != '\0')
		snprintf(buf, sizeof(buf), "%s;id=\"%s\"", e.package, e.id);
	else
		snprintf(buf, sizeof(buf), "%s", e.package);
	if (sip_event_parse(buf, &again) != 0 ||
	    strcmp(again.package, e.package) != 0 ||
	    strcmp(again.id, e.id) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	long v;

	if (size > 65536)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_event(s);
	check_sub_state(s);
	v = sip_expires_parse(s);
	if (v < -1 || v > DELTA_MAX)
		abort();
	free(s);
	return 0;
}
