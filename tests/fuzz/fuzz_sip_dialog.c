/*
 * SIP dialogs from arbitrary bytes: whatever libosip2 parses is made into
 * a dialog both ways (notifier and subscriber), requests are built and
 * serialised, and the store's lines must read back to the same dialog.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "sip_osip.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two optional strings are the same. */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Encodes d, reads the lines back the way a record reader would, and
 * aborts if anything differs or a line is refused.
 */
static void
check_store(const struct sip_dialog *d)
{
	struct sip_dialog back;
	struct strbuf sb;
	char *p;

	strbuf_init(&sb);
	if (sip_dialog_encode(d, &sb) != 0) {
		strbuf_free(&sb);
		return;		/* out of memory */
	}
	strbuf_append(&sb, "", 1);
	if (sb.failed) {
		strbuf_free(&sb);
		return;
	}
	memset(&back, 0, sizeof(back));
	for (p = sb.buf; *p != '\0';) {
		char *eol = strchr(p, '\n'), *eq;

		if (eol == NULL)
			abort();	/* a line without its end */
		*eol = '\0';
		if ((eq = strchr(p, '=')) == NULL)
			abort();
		*eq = '\0';
		if (sip_dialog_decode_field(&back, p, eq + 1) != 1)
			abort();	/* we wrote what we cannot read */
		p = eol + 1;
	}
	if (!same(back.call_id, d->call_id) ||
	    !same(back.local_tag, d->local_tag) ||
	    !same(back.remote_tag, d->remote_tag) ||
	    !same(back.local_uri, d->local_uri) ||
	    !same(back.remote_uri, d->remote_uri) ||
	    !same(back.remote_target, d->remote_target) ||
	    !same(back.route_set, d->route_set) ||
	    back.local_cseq != d->local_cseq ||
	    back.remote_cseq != d->remote_cseq)
		abort();
	sip_dialog_clear(&back);
	strbuf_free(&sb);
}

/* Builds a request in d, serialises it, and checks its CSeq moved. */
static void
check_request(struct sip_dialog *d, const char *method)
{
	unsigned long before = d->local_cseq;
	struct sip_msg *req;
	char *text = NULL;
	size_t len;

	if ((req = sip_dialog_request(d, method)) == NULL) {
		if (d->local_cseq != before)
			abort();
		return;
	}
	if (d->local_cseq != before + 1 ||
	    sip_msg_cseq(req) != d->local_cseq)
		abort();
	if (osip_message_to_str(req->osip, &text, &len) == 0) {
		osip_message_t *back = NULL;

		/* What we send must parse, with our tag on it. */
		if (osip_message_init(&back) == 0) {
			if (osip_message_parse(back, text, len) != 0 ||
			    !same(sip_message_from_tag(back), d->local_tag))
				abort();
			osip_message_free(back);
		}
		osip_free(text);
	}
	sip_msg_free(req);
}

/* libosip2's traces, dropped. */
static void
quiet_cb(const char *fi, int li, osip_trace_level_t level, const char *chfr,
    va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sip_msg *msg;
	struct sip_dialog d;

	if (!ready) {
		parser_init();
		/* libosip2 prints every parse error to stdout otherwise. */
		osip_trace_initialize_func(TRACE_LEVEL0, quiet_cb);
		osip_trace_disable_level(TRACE_LEVEL0);
		ready = 1;
	}
	if (size > 65536 ||
	    (msg = sip_msg_parse((const char *)data, size)) == NULL)
		return 0;

	/* As the notifier of a SUBSCRIBE. */
	if (sip_dialog_uas_init(&d, msg, "fz1") == 0) {
		if (!sip_dialog_is_complete(&d) ||
		    !sip_dialog_matches_remote(&d, msg) ||
		    sip_dialog_accept_cseq(&d, msg) == 0)
			abort();	/* its own CSeq again is no news */
		check_store(&d);
		check_request(&d, "NOTIFY");
		check_store(&d);
		sip_dialog_update_target(&d, msg);
		sip_dialog_clear(&d);
	}

	/* As the subscriber, confirmed by the same message. */
	if (sip_dialog_uac_init(&d, msg) == 0) {
		check_store(&d);
		if (sip_dialog_uac_confirm(&d, msg) == 0) {
			if (d.remote_tag == NULL ||
			    !sip_dialog_is_complete(&d))
				abort();
			check_request(&d, "SUBSCRIBE");
		}
		check_store(&d);
		sip_dialog_clear(&d);
	}
	sip_msg_free(msg);
	return 0;
}
