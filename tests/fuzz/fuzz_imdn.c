/*
 * imdn_parse on arbitrary bytes: never a crash or a leak, and what it
 * accepts is short visible ASCII that imdn_build_cpim writes again and
 * cpim_parse + imdn_parse read back the same. The same bytes as a
 * Disposition-Notification value, and as a MESSAGE body (CPIM, plain
 * or deflated) for imdn_from_message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "imdn.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless s is visible ASCII. */
static void
check_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imdn n, back;
	struct imdn_out o;
	struct cpim_message m;
	struct strbuf sb;
	char *cause = NULL;

	(void)imdn_disposition_parse((const char *)data, size);
	for (int i = 0; i < 3; i++) {
		static const char *const enc[] = { NULL, "deflate", NULL };
		int r = imdn_from_message(i == 2 ? IMDN_CONTENT_TYPE :
		    "message/cpim", enc[i], (const char *)data, size, &n,
		    &cause);

		if ((r < 0) != (cause != NULL))
			abort();
		free(cause);
		cause = NULL;
	}
	if (imdn_parse((const char *)data, size, &n, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL)
		abort();
	check_plain(n.message_id);
	check_plain(n.recipient_uri);
	memset(&o, 0, sizeof(o));
	o.from_uri = "sip:juliet@xmpp.example";
	o.to_uri = "sip:romeo@sip.example";
	o.message_id = n.message_id;
	o.notification_id = "n1";
	o.datetime = "2026-12-08T00:47:05Z";
	o.recipient_uri = n.recipient_uri[0] != '\0' ? n.recipient_uri : NULL;
	o.kind = n.kind;
	o.status = n.status;
	strbuf_init(&sb);
	/* An id with '<', '&' or quotes is read but not written: fine. */
	if (imdn_build_cpim(&sb, &o) == 0) {
		if (cpim_parse(sb.buf, sb.len, &m) != 0 ||
		    imdn_parse(m.body, m.body_len, &back, &cause) != 0 ||
		    strcmp(back.message_id, n.message_id) != 0 ||
		    back.kind != n.kind || back.status != n.status)
			abort();
	}
	strbuf_free(&sb);
	return 0;
}
