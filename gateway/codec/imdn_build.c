/*
 * RFC 5438 notifications, written: the message/imdn+xml document (§7.2,
 * §9) and the message/cpim around it (§7.2.1.1: NS imdn, imdn.Message-ID,
 * DateTime; the inner entity Content-Disposition: notification, which
 * §7.2.1.1 makes mandatory so a recipient's UI never shows it as text).
 * Every value is checked before a byte is written; on refusal the buffer
 * is as the caller left it.
 */
#include <stdio.h>
#include <string.h>

#include "cpim_build.h"
#include "imdn.h"
#include "strbuf.h"

/* 1 if s is short visible ASCII that no header or XML text can trip on. */
static int
plain_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		if (n >= max || s[n] < 0x21 || s[n] > 0x7e || s[n] == '<' ||
		    s[n] == '>' || s[n] == '"' || s[n] == '&' || s[n] == '\'')
			return 0;
	}
	return n > 0;
}

/* 1 if the status may stand in a notification of kind (§9). */
static int
status_fits(enum imdn_kind kind, enum imdn_status st)
{
	if (st == IMDN_FORBIDDEN || st == IMDN_ERROR)
		return 1;
	switch (kind) {
	case IMDN_DELIVERY:
		return st == IMDN_DELIVERED || st == IMDN_FAILED;
	case IMDN_DISPLAY:
		return st == IMDN_DISPLAYED;
	case IMDN_PROCESSING:
		return st == IMDN_PROCESSED || st == IMDN_STORED;
	}
	return 0;
}

/* 0 if n can be written: ids, URIs and date-time plain, status fits. */
static int
check_out(const struct imdn_out *n)
{
	if (!plain_ok(n->message_id, IMDN_ID_MAX) ||
	    (n->recipient_uri != NULL &&
	    !plain_ok(n->recipient_uri, IMDN_URI_MAX)) ||
	    (n->datetime != NULL && !cpim_datetime_valid(n->datetime)) ||
	    !status_fits(n->kind, n->status))
		return -1;
	return 0;
}

/* Appends the message/imdn+xml document for n; -1 (sb unchanged) if not. */
int
imdn_build_xml(struct strbuf *sb, const struct imdn_out *n)
{
	static const char *const kinds[] = { "delivery-notification",
	    "display-notification", "processing-notification" };
	char now[CPIM_DATETIME_MAX];
	const char *dt = n->datetime;

	if (sb->failed || check_out(n) < 0)
		return -1;
	if (dt == NULL) {
		cpim_datetime_now(now);
		dt = now;
	}
	strbuf_appends(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	    "<imdn xmlns=\"" IMDN_XML_NS "\">\r\n<message-id>");
	strbuf_appends(sb, n->message_id);
	strbuf_appends(sb, "</message-id>\r\n<datetime>");
	strbuf_appends(sb, dt);
	strbuf_appends(sb, "</datetime>\r\n");
	if (n->recipient_uri != NULL) {
		strbuf_appends(sb, "<recipient-uri>");
		strbuf_appends(sb, n->recipient_uri);
		strbuf_appends(sb, "</recipient-uri>\r\n"
		    "<original-recipient-uri>");
		strbuf_appends(sb, n->recipient_uri);
		strbuf_appends(sb, "</original-recipient-uri>\r\n");
	}
	strbuf_appends(sb, "<");
	strbuf_appends(sb, kinds[n->kind]);
	strbuf_appends(sb, "><status><");
	strbuf_appends(sb, imdn_status_name(n->status));
	strbuf_appends(sb, "/></status></");
	strbuf_appends(sb, kinds[n->kind]);
	strbuf_appends(sb, ">\r\n</imdn>\r\n");
	return sb->failed ? -1 : 0;
}

/*
 * Appends a whole message/cpim body carrying n (RFC 5438 §7.2.1.1); -1,
 * sb as it was, when a value cannot be written, or sb failed.
 */
int
imdn_build_cpim(struct strbuf *sb, const struct imdn_out *n)
{
	struct strbuf doc;
	char now[CPIM_DATETIME_MAX], clen[24];
	const char *dt = n->datetime;
	size_t start = sb->len;
	int rc = -1;

	if (sb->failed || check_out(n) < 0 ||
	    !plain_ok(n->from_uri, IMDN_URI_MAX) ||
	    !plain_ok(n->to_uri, IMDN_URI_MAX) ||
	    !plain_ok(n->notification_id, IMDN_ID_MAX))
		return -1;
	if (dt == NULL) {
		cpim_datetime_now(now);
		dt = now;
	}
	strbuf_init(&doc);
	{
		struct imdn_out with_dt = *n;

		with_dt.datetime = dt;
		if (imdn_build_xml(&doc, &with_dt) < 0)
			goto out;
	}
	snprintf(clen, sizeof(clen), "%zu", doc.len);
	strbuf_appends(sb, "From: <");
	strbuf_appends(sb, n->from_uri);
	strbuf_appends(sb, ">\r\nTo: <");
	strbuf_appends(sb, n->to_uri);
	strbuf_appends(sb, ">\r\nNS: imdn <" IMDN_CPIM_NS ">\r\n"
	    "imdn.Message-ID: ");
	strbuf_appends(sb, n->notification_id);
	strbuf_appends(sb, "\r\nDateTime: ");
	strbuf_appends(sb, dt);
	strbuf_appends(sb, "\r\n\r\nContent-Type: " IMDN_CONTENT_TYPE "\r\n"
	    "Content-Disposition: notification\r\nContent-Length: ");
	strbuf_appends(sb, clen);
	strbuf_appends(sb, "\r\n\r\n");
	strbuf_append(sb, doc.buf, doc.len);
	if (!sb->failed)
		rc = 0;
out:
	strbuf_free(&doc);
	if (rc < 0 && !sb->failed) {
		sb->len = start;
		if (sb->buf != NULL)
			sb->buf[start] = '\0';
	}
	return rc;
}

/*
 * Appends a message/cpim body carrying text/plain `text` and asking for
 * the notifications in want (RFC 5438 §7.1.1.1: NS imdn,
 * imdn.Message-ID, DateTime, imdn.Disposition-Notification). -1, sb as
 * it was, when an address or the id could break a header line.
 */
int
imdn_build_request_cpim(struct strbuf *sb, const char *from_uri,
    const char *to_uri, const char *imdn_id, int want, const char *text,
    size_t len)
{
	char now[CPIM_DATETIME_MAX];
	const char *sep = "";

	if (sb->failed || !plain_ok(from_uri, IMDN_URI_MAX * 2) ||
	    !plain_ok(to_uri, IMDN_URI_MAX * 2) ||
	    !plain_ok(imdn_id, IMDN_ID_MAX) ||
	    (want & (IMDN_WANT_POSITIVE_DELIVERY | IMDN_WANT_DISPLAY)) == 0)
		return -1;
	cpim_datetime_now(now);
	strbuf_appends(sb, "From: <");
	strbuf_appends(sb, from_uri);
	strbuf_appends(sb, ">\r\nTo: <");
	strbuf_appends(sb, to_uri);
	strbuf_appends(sb, ">\r\nNS: imdn <" IMDN_CPIM_NS ">\r\n"
	    "imdn.Message-ID: ");
	strbuf_appends(sb, imdn_id);
	strbuf_appends(sb, "\r\nDateTime: ");
	strbuf_appends(sb, now);
	strbuf_appends(sb, "\r\nimdn.Disposition-Notification: ");
	if (want & IMDN_WANT_POSITIVE_DELIVERY) {
		strbuf_appends(sb, "positive-delivery");
		sep = ", ";
	}
	if (want & IMDN_WANT_DISPLAY) {
		strbuf_appends(sb, sep);
		strbuf_appends(sb, "display");
	}
	strbuf_appends(sb, "\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n"
	    "\r\n");
	strbuf_append(sb, text, len);
	return sb->failed ? -1 : 0;
}
