/*
 * RFC 5438 Instant Message Disposition Notifications: the
 * message/imdn+xml document (§7.1, §9), read (imdn.c) and written
 * inside its message/cpim wrapper (imdn_build.c), and the
 * Disposition-Notification header a request carries (§6.2, §7.1.1).
 * Pure code; every value from the network bounded and checked.
 */
#ifndef SIPXMPP_IMDN_H
#define SIPXMPP_IMDN_H

#include <stddef.h>

struct strbuf;

#define IMDN_XML_NS		"urn:ietf:params:xml:ns:imdn"
#define IMDN_CPIM_NS		"urn:ietf:params:imdn"
#define IMDN_CONTENT_TYPE	"message/imdn+xml"

/* Bounds on what we keep of a notification (RFC 5438 §6.3: Message-ID
 * needs 32 bits of randomness; longer is a peer's choice we refuse). */
#define IMDN_BODY_MAX		8192	/* bytes of one document */
#define IMDN_ID_MAX		128	/* bytes of message-id */
#define IMDN_URI_MAX		512	/* bytes of a recipient URI */
#define IMDN_DATETIME_MAX	40	/* as CPIM_DATETIME_MAX */

/* §9's notification kinds; only the first two travel to XMPP. */
enum imdn_kind {
	IMDN_DELIVERY,		/* <delivery-notification/> */
	IMDN_DISPLAY,		/* <display-notification/> */
	IMDN_PROCESSING		/* <processing-notification/> */
};

enum imdn_status {
	IMDN_DELIVERED,
	IMDN_DISPLAYED,
	IMDN_PROCESSED,
	IMDN_STORED,
	IMDN_FAILED,
	IMDN_FORBIDDEN,
	IMDN_ERROR
};

struct imdn {
	char message_id[IMDN_ID_MAX + 1];
	char datetime[IMDN_DATETIME_MAX + 1];
	char recipient_uri[IMDN_URI_MAX + 1];		/* "" if absent */
	char original_recipient_uri[IMDN_URI_MAX + 1];	/* "" if absent */
	enum imdn_kind kind;
	enum imdn_status status;
};

/* Disposition-Notification values (RFC 5438 §7.1.1), as bits. */
#define IMDN_WANT_POSITIVE_DELIVERY	0x01
#define IMDN_WANT_NEGATIVE_DELIVERY	0x02
#define IMDN_WANT_DISPLAY		0x04
#define IMDN_WANT_PROCESSING		0x08

/* What imdn_build_cpim writes: one notification about message_id. */
struct imdn_out {
	const char *from_uri;		/* CPIM From: the notifier */
	const char *to_uri;		/* CPIM To: the original sender */
	const char *message_id;		/* of the message notified about */
	const char *notification_id;	/* imdn.Message-ID of this one */
	const char *datetime;		/* RFC 3339; NULL: now */
	const char *recipient_uri;	/* NULL: no <recipient-uri/> */
	enum imdn_kind kind;
	enum imdn_status status;
};

/* imdn.c */
int imdn_parse(const char *body, size_t len, struct imdn *out, char **cause);
int imdn_disposition_parse(const char *value, size_t len);
const char *imdn_status_name(enum imdn_status status);

/* imdn_body.c */
int imdn_from_message(const char *ctype, const char *cenc, const char *body,
    size_t len, struct imdn *out, char **cause);

/* imdn_build.c */
int imdn_build_xml(struct strbuf *sb, const struct imdn_out *n);
int imdn_build_cpim(struct strbuf *sb, const struct imdn_out *n);
int imdn_build_request_cpim(struct strbuf *sb, const char *from_uri,
    const char *to_uri, const char *imdn_id, int want, const char *text,
    size_t len);

#endif
