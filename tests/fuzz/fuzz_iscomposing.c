/*
 * RFC 3994 isComposing on arbitrary bytes: iscomposing_parse must refuse
 * (with a cause) or read within its bounds, and what it reads must
 * build (iscomposing_build) into a document that reads back the same:
 * what the gateway sends a SIP user is something it could read itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscomposing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscomposing ic, back;
	struct strbuf sb;
	char *cause = NULL;
	int want_refresh;

	if (iscomposing_parse((const char *)data, size, &ic, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL || ic.refresh < 0 ||
	    ic.refresh > ISCOMPOSING_REFRESH_MAX ||
	    memchr(ic.lastactive, '\0', sizeof(ic.lastactive)) == NULL ||
	    memchr(ic.contenttype, '\0', sizeof(ic.contenttype)) == NULL)
		abort();
	strbuf_init(&sb);
	if (iscomposing_build(&sb, &ic) != 0)
		abort();
	if (iscomposing_parse(sb.buf, sb.len, &back, &cause) != 0)
		abort();
	want_refresh = !ic.active ? 0 : ic.refresh < ISCOMPOSING_REFRESH_MIN ?
	    ISCOMPOSING_REFRESH_MIN : ic.refresh;
	if (back.active != ic.active || back.refresh != want_refresh ||
	    strcmp(back.lastactive, ic.lastactive) != 0 ||
	    strcmp(back.contenttype, ic.contenttype) != 0)
		abort();
	strbuf_free(&sb);
	return 0;
}
