/*
 * SIP dialogs for subscriptions (RFC 3261 §12, RFC 6665 §4.1.2.4): made
 * from messages libosip2 parsed off the wire, as the notifier and as the
 * subscriber; the requests they build, checked as text; the peer's CSeq;
 * and the store's "dialog.key=value" lines read back as a reader would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "sip_osip.h"
#include "sip_stack.h"
#include "stanza.h"

/*
 * Romeo's UA subscribes to Juliet's presence through two record-routing
 * proxies (RFC 3856 §6, RFC 6665 §4.1.2.1); the gateway is the notifier.
 */
#define S2X_SUBSCRIBE \
	"SUBSCRIBE sip:juliet@xmpp.test SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP p2.sip.test;branch=z9hG4bK8aa2\r\n" \
	"Via: SIP/2.0/UDP p1.sip.test;branch=z9hG4bK77ef\r\n" \
	"Via: SIP/2.0/UDP pc33.sip.test;branch=z9hG4bKnashds7\r\n" \
	"Max-Forwards: 68\r\n" \
	"From: \"Romeo\" <sip:romeo@sip.test>;tag=ffd2\r\n" \
	"To: <sip:juliet@xmpp.test>\r\n" \
	"Call-ID: 2010@pc33.sip.test\r\n" \
	"CSeq: 17766 SUBSCRIBE\r\n" \
	"Contact: <sip:romeo@192.0.2.7:5060;transport=tcp>;expires=600\r\n" \
	"Record-Route: <sip:p2.sip.test;lr>\r\n" \
	"Record-Route: <sip:p1.sip.test;lr>\r\n" \
	"Event: presence\r\n" \
	"Accept: application/pidf+xml\r\n" \
	"Expires: 600\r\n" \
	"Content-Length: 0\r\n\r\n"

/* The SUBSCRIBE the gateway sends for Juliet (X2S, RFC 8048 §5.2.1). */
#define X2S_SUBSCRIBE \
	"SUBSCRIBE sip:romeo@sip.test SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP gw.xmpp.test;branch=z9hG4bKgw1\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:juliet@xmpp.test>;tag=gw7\r\n" \
	"To: <sip:romeo@sip.test>\r\n" \
	"Call-ID: x2s-1@gw.xmpp.test\r\n" \
	"CSeq: 1 SUBSCRIBE\r\n" \
	"Contact: <sip:juliet@gw.xmpp.test:5060>\r\n" \
	"Event: presence\r\n" \
	"Accept: application/pidf+xml\r\n" \
	"Expires: 3600\r\n" \
	"Content-Length: 0\r\n\r\n"

/*
 * Its 200, through p1 (next to us) and p2 (next to the presence server):
 * Record-Route as the notifier saw it, p2 on top (RFC 3261 §16.6 step 4).
 */
#define X2S_200 \
	"SIP/2.0 200 OK\r\n" \
	"Via: SIP/2.0/UDP gw.xmpp.test;branch=z9hG4bKgw1\r\n" \
	"From: <sip:juliet@xmpp.test>;tag=gw7\r\n" \
	"To: <sip:romeo@sip.test>;tag=ps99\r\n" \
	"Call-ID: x2s-1@gw.xmpp.test\r\n" \
	"CSeq: 1 SUBSCRIBE\r\n" \
	"Contact: <sip:romeo@192.0.2.20:5080>\r\n" \
	"Record-Route: <sip:p2.sip.test;lr>, <sip:p1.sip.test;lr>\r\n" \
	"Expires: 3600\r\n" \
	"Content-Length: 0\r\n\r\n"

/*
 * The presence server's first NOTIFY, which may overtake the 200 (RFC
 * 6665 §4.1.2.4). It comes the other way: p1 (next to us) on top.
 */
#define X2S_NOTIFY \
	"NOTIFY sip:juliet@gw.xmpp.test:5060 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP p1.sip.test;branch=z9hG4bKn1\r\n" \
	"Via: SIP/2.0/UDP p2.sip.test;branch=z9hG4bKn2\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.20:5080;branch=z9hG4bKps\r\n" \
	"Max-Forwards: 68\r\n" \
	"From: <sip:romeo@sip.test>;tag=ps99\r\n" \
	"To: <sip:juliet@xmpp.test>;tag=gw7\r\n" \
	"Call-ID: x2s-1@gw.xmpp.test\r\n" \
	"CSeq: 5 NOTIFY\r\n" \
	"Contact: <sip:romeo@192.0.2.20:5080>\r\n" \
	"Record-Route: <sip:p1.sip.test;lr>\r\n" \
	"Record-Route: <sip:p2.sip.test;lr>\r\n" \
	"Event: presence\r\n" \
	"Subscription-State: pending;expires=3600\r\n" \
	"Content-Length: 0\r\n\r\n"

/* Parses SIP text with libosip2, as the stack does; the test fails if not. */
static struct sip_msg *
parse(const char *text)
{
	struct sip_msg *m = sip_msg_parse(text, strlen(text));

	if (m == NULL)
		fail_msg("libosip2 refused the test message");
	return m;
}

/*
 * text with every line starting with from replaced by line (or removed if
 * line is NULL). Result malloc'ed.
 */
static char *
edit(const char *text, const char *from, const char *line)
{
	size_t cap = strlen(text) + (line != NULL ? strlen(line) : 0) + 3;
	char *out = malloc(cap), *o = out;
	const char *p = text;

	assert_non_null(out);
	while (*p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol != NULL ? (size_t)(eol - p) + 2 : strlen(p);

		if (strncmp(p, from, strlen(from)) == 0) {
			if (line != NULL) {
				o += sprintf(o, "%s\r\n", line);
				line = NULL;	/* once */
			}
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

/* Parses an edited copy of text. */
static struct sip_msg *
parse_edited(const char *text, const char *from, const char *line)
{
	char *t = edit(text, from, line);
	struct sip_msg *m = parse(t);

	free(t);
	return m;
}

/* The request serialised by libosip2, malloc'ed. */
static char *
to_text(struct sip_msg *m)
{
	char *s = NULL;
	size_t len = 0;

	assert_int_equal(osip_message_to_str(m->osip, &s, &len), 0);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

/* Whether text holds the header line (with its CRLF). */
static void
assert_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	if (strstr(text, want) == NULL)
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* Whether every field of d is zero, as after a refusal. */
static void
assert_cleared(const struct sip_dialog *d)
{
	assert_null(d->call_id);
	assert_null(d->local_tag);
	assert_null(d->remote_tag);
	assert_null(d->local_uri);
	assert_null(d->remote_uri);
	assert_null(d->remote_target);
	assert_null(d->route_set);
	assert_int_equal(d->local_cseq, 0);
	assert_int_equal(d->remote_cseq, 0);
}

/* Compares two optional strings. */
static void
assert_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* libosip2's parser needs its tables before the first message. */
static int
setup(void **state)
{
	(void)state;
	return parser_init() == 0 ? 0 : -1;
}

/*
 * RFC 3261 §12.1.1: the notifier's dialog takes the route set from
 * Record-Route in order, the remote target from Contact, the remote
 * sequence number from CSeq; our To-tag is the local tag.
 */
static void
uas_init_from_subscribe(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE);
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw42"), 0);
	assert_string_equal(d.call_id, "2010@pc33.sip.test");
	assert_string_equal(d.local_tag, "gw42");
	assert_string_equal(d.remote_tag, "ffd2");
	assert_string_equal(d.local_uri, "sip:juliet@xmpp.test");
	assert_string_equal(d.remote_uri, "sip:romeo@sip.test");
	assert_string_equal(d.remote_target,
	    "sip:romeo@192.0.2.7:5060;transport=tcp");
	assert_string_equal(d.route_set,
	    "<sip:p2.sip.test;lr>\n<sip:p1.sip.test;lr>");
	assert_int_equal(d.remote_cseq, 17766);
	assert_int_equal(d.local_cseq, 0);
	assert_true(sip_dialog_is_complete(&d));
	sip_dialog_clear(&d);
	assert_cleared(&d);
	sip_msg_free(req);
}

/* Record-Route values in one comma-separated header keep their order. */
static void
uas_init_comma_separated_routes(void **state)
{
	struct sip_msg *req = parse_edited(S2X_SUBSCRIBE, "Record-Route:",
	    "Record-Route: <sip:a.sip.test;lr>, <sip:b.sip.test;lr>,"
	    "<sip:c.sip.test;lr>");
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), 0);
	assert_string_equal(d.route_set, "<sip:a.sip.test;lr>\n"
	    "<sip:b.sip.test;lr>\n<sip:c.sip.test;lr>");
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* No Record-Route: no route set; requests go straight to the target. */
static void
uas_init_without_routes(void **state)
{
	struct sip_msg *req = parse_edited(S2X_SUBSCRIBE, "Record-Route:",
	    NULL);
	struct sip_dialog d;
	struct sip_msg *notify;
	char *text;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), 0);
	assert_null(d.route_set);
	notify = sip_dialog_request(&d, "NOTIFY");
	assert_non_null(notify);
	text = to_text(notify);
	assert_null(strstr(text, "Route:"));
	osip_free(text);
	sip_msg_free(notify);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* RFC 6665 §3.1.1: a SUBSCRIBE without Contact cannot make a dialog. */
static void
uas_init_refuses_missing_contact(void **state)
{
	struct sip_msg *req = parse_edited(S2X_SUBSCRIBE, "Contact:", NULL);
	struct sip_dialog d;

	(void)state;
	memset(&d, 0xa5, sizeof(d));
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/*
 * A Contact libosip2 takes but whose URI has a space in its host (found
 * by fuzzing) would put a broken Request-Line on the wire: refused.
 */
static void
uas_init_refuses_unusable_contact(void **state)
{
	struct sip_msg *req = parse_edited(S2X_SUBSCRIBE, "Contact:",
	    "Contact: <sip:romeo@19SIP/2.0/UDP gw.sip.test;x>");
	struct sip_dialog d;
	char *uri;

	(void)state;
	uri = sip_msg_contact_uri(req);	/* libosip2 took it, space and all */
	assert_non_null(uri);
	assert_non_null(strchr(uri, ' '));
	free(uri);
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/* RFC 3261 §12.1.1: the remote tag is the From tag; none, no dialog. */
static void
uas_init_refuses_missing_from_tag(void **state)
{
	struct sip_msg *req = parse_edited(S2X_SUBSCRIBE, "From:",
	    "From: \"Romeo\" <sip:romeo@sip.test>");
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
	assert_cleared(&d);
	sip_msg_free(req);
	req = parse_edited(S2X_SUBSCRIBE, "From:",
	    "From: <sip:romeo@sip.test>;tag=");
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/* RFC 3261 §12.1.1: the UAS must put a tag in To; none, no dialog. */
static void
uas_init_refuses_missing_local_tag(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE);
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, NULL), -1);
	assert_cleared(&d);
	assert_int_equal(sip_dialog_uas_init(&d, req, ""), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/* A SUBSCRIBE with no usable CSeq number is refused. */
static void
uas_init_refuses_bad_cseq(void **state)
{
	static const char *const bad[] = {
		"CSeq: 2147483648 SUBSCRIBE",	/* RFC 3261 §8.1.1.5 */
		"CSeq: 99999999999999999999 SUBSCRIBE",
	};
	struct sip_dialog d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = edit(S2X_SUBSCRIBE, "CSeq:", bad[i]);
		/* libosip2 may already refuse it; if not, we must. */
		struct sip_msg *req = sip_msg_parse(t, strlen(t));

		if (req != NULL)
			assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
		sip_msg_free(req);
		free(t);
	}
}

/* Route sets longer than SIP_DIALOG_MAX_ROUTES are refused; 16 is fine. */
static void
uas_init_route_bound(void **state)
{
	char line[2048], *p;
	struct sip_dialog d;
	struct sip_msg *req;

	(void)state;
	p = line + sprintf(line, "Record-Route: ");
	for (int i = 0; i < SIP_DIALOG_MAX_ROUTES; i++)
		p += sprintf(p, "%s<sip:p%d.sip.test;lr>", i > 0 ? ", " : "",
		    i);
	req = parse_edited(S2X_SUBSCRIBE, "Record-Route:", line);
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), 0);
	assert_non_null(strstr(d.route_set, "<sip:p15.sip.test;lr>"));
	sip_dialog_clear(&d);
	sip_msg_free(req);
	sprintf(p, ", <sip:p%d.sip.test;lr>", SIP_DIALOG_MAX_ROUTES);
	req = parse_edited(S2X_SUBSCRIBE, "Record-Route:", line);
	assert_int_equal(osip_list_size(&req->osip->record_routes),
	    SIP_DIALOG_MAX_ROUTES + 1);
	assert_int_equal(sip_dialog_uas_init(&d, req, "t"), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/*
 * RFC 3261 §12.2.1.1: the notifier's NOTIFYs go to the subscriber's
 * Contact through the route set in order, From our tag, To theirs, CSeq
 * counting up from our own space (RFC 3261 §12.1.1: it starts empty).
 */
static void
uas_requests_are_in_dialog(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE), *n1, *n2;
	struct sip_dialog d;
	char *t1, *t2, *r1, *r2;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw42"), 0);
	n1 = sip_dialog_request(&d, "NOTIFY");
	assert_non_null(n1);
	assert_int_equal(d.local_cseq, 1);
	t1 = to_text(n1);
	assert_true(strncmp(t1, "NOTIFY sip:romeo@192.0.2.7:5060;transport=tcp"
	    " SIP/2.0\r\n", strlen("NOTIFY sip:romeo@192.0.2.7:5060;"
	    "transport=tcp SIP/2.0\r\n")) == 0);
	assert_line(t1, "From: <sip:juliet@xmpp.test>;tag=gw42");
	assert_line(t1, "To: <sip:romeo@sip.test>;tag=ffd2");
	assert_line(t1, "Call-ID: 2010@pc33.sip.test");
	assert_line(t1, "CSeq: 1 NOTIFY");
	assert_line(t1, "Max-Forwards: 70");
	r1 = strstr(t1, "\r\nRoute: <sip:p2.sip.test;lr>\r\n");
	r2 = strstr(t1, "\r\nRoute: <sip:p1.sip.test;lr>\r\n");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_true(r1 < r2);
	assert_null(strstr(t1, "Via:"));	/* the stack adds it */

	n2 = sip_dialog_request(&d, "NOTIFY");
	assert_non_null(n2);
	t2 = to_text(n2);
	assert_line(t2, "CSeq: 2 NOTIFY");
	assert_int_equal(d.local_cseq, 2);
	/* The peer's sequence is untouched by ours. */
	assert_int_equal(d.remote_cseq, 17766);

	osip_free(t1);
	osip_free(t2);
	sip_msg_free(n1);
	sip_msg_free(n2);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* What libosip2 built must parse back as the same in-dialog request. */
static void
uas_request_parses_back(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE), *n, *back;
	struct sip_dialog d;
	char *text;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw42"), 0);
	n = sip_dialog_request(&d, "NOTIFY");
	assert_non_null(n);
	text = to_text(n);
	back = parse(text);
	assert_string_equal(sip_msg_from_tag(back), "gw42");
	assert_string_equal(sip_msg_to_tag(back), "ffd2");
	assert_int_equal(sip_msg_cseq(back), 1);
	assert_int_equal(osip_list_size(&back->osip->routes), 2);
	assert_string_equal(back->osip->req_uri->host, "192.0.2.7");
	sip_msg_free(back);
	osip_free(text);
	sip_msg_free(n);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* The subscriber's dialog before any answer: what our SUBSCRIBE says. */
static void
uac_init_from_our_subscribe(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE);
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	assert_string_equal(d.call_id, "x2s-1@gw.xmpp.test");
	assert_string_equal(d.local_tag, "gw7");
	assert_null(d.remote_tag);
	assert_string_equal(d.local_uri, "sip:juliet@xmpp.test");
	assert_string_equal(d.remote_uri, "sip:romeo@sip.test");
	assert_string_equal(d.remote_target, "sip:romeo@sip.test");
	assert_null(d.route_set);
	assert_int_equal(d.local_cseq, 1);
	assert_int_equal(d.remote_cseq, 0);
	/* Not confirmed: the first NOTIFY may come from any fork. */
	assert_true(sip_dialog_matches_remote(&d, req));
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* Without our From tag there is nothing to match answers against. */
static void
uac_init_refuses_missing_tag(void **state)
{
	struct sip_msg *req = parse_edited(X2S_SUBSCRIBE, "From:",
	    "From: <sip:juliet@xmpp.test>");
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), -1);
	assert_cleared(&d);
	sip_msg_free(req);
}

/*
 * RFC 3261 §12.1.2: the 2xx confirms the dialog: the remote tag is its To
 * tag, the target its Contact, the route set its Record-Route reversed.
 */
static void
uac_confirm_from_2xx(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE), *ok = parse(X2S_200);
	struct sip_msg *refresh;
	struct sip_dialog d;
	char *text, *r1, *r2;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	assert_int_equal(sip_dialog_uac_confirm(&d, ok), 0);
	assert_string_equal(d.remote_tag, "ps99");
	assert_string_equal(d.remote_target, "sip:romeo@192.0.2.20:5080");
	assert_string_equal(d.route_set,
	    "<sip:p1.sip.test;lr>\n<sip:p2.sip.test;lr>");
	assert_int_equal(d.remote_cseq, 0);	/* a response has none */
	assert_true(sip_dialog_is_complete(&d));

	/* RFC 6665 §4.1.2.2: the refresh goes in the dialog. */
	refresh = sip_dialog_request(&d, "SUBSCRIBE");
	assert_non_null(refresh);
	text = to_text(refresh);
	assert_true(strncmp(text, "SUBSCRIBE sip:romeo@192.0.2.20:5080 "
	    "SIP/2.0\r\n", 41) == 0);
	assert_line(text, "From: <sip:juliet@xmpp.test>;tag=gw7");
	assert_line(text, "To: <sip:romeo@sip.test>;tag=ps99");
	assert_line(text, "Call-ID: x2s-1@gw.xmpp.test");
	assert_line(text, "CSeq: 2 SUBSCRIBE");
	r1 = strstr(text, "\r\nRoute: <sip:p1.sip.test;lr>\r\n");
	r2 = strstr(text, "\r\nRoute: <sip:p2.sip.test;lr>\r\n");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_true(r1 < r2);
	osip_free(text);
	sip_msg_free(refresh);

	sip_dialog_clear(&d);
	sip_msg_free(ok);
	sip_msg_free(req);
}

/*
 * RFC 6665 §4.1.2.4: a NOTIFY that overtakes the 200 creates the dialog;
 * we are the UAS of that NOTIFY, so its Record-Route is kept in order
 * (RFC 3261 §12.1.1), and its CSeq starts the peer's sequence.
 */
static void
uac_confirm_from_notify(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE), *notify = parse(X2S_NOTIFY);
	struct sip_msg *next;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	assert_true(sip_dialog_matches_remote(&d, notify));
	assert_int_equal(sip_dialog_uac_confirm(&d, notify), 0);
	assert_string_equal(d.remote_tag, "ps99");
	assert_string_equal(d.remote_target, "sip:romeo@192.0.2.20:5080");
	assert_string_equal(d.route_set,
	    "<sip:p1.sip.test;lr>\n<sip:p2.sip.test;lr>");
	assert_int_equal(d.remote_cseq, 5);
	assert_true(sip_dialog_matches_remote(&d, notify));

	/* RFC 3261 §12.2.2: the next NOTIFY must count up. */
	next = parse_edited(X2S_NOTIFY, "CSeq:", "CSeq: 6 NOTIFY");
	assert_int_equal(sip_dialog_accept_cseq(&d, next), 0);
	assert_int_equal(d.remote_cseq, 6);
	sip_msg_free(next);

	sip_dialog_clear(&d);
	sip_msg_free(notify);
	sip_msg_free(req);
}

/* A confirming message without the peer's tag or Contact changes nothing. */
static void
uac_confirm_refuses_incomplete(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE), *bad;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	bad = parse_edited(X2S_200, "To:", "To: <sip:romeo@sip.test>");
	assert_int_equal(sip_dialog_uac_confirm(&d, bad), -1);
	sip_msg_free(bad);
	bad = parse_edited(X2S_200, "Contact:", NULL);
	assert_int_equal(sip_dialog_uac_confirm(&d, bad), -1);
	sip_msg_free(bad);
	bad = parse_edited(X2S_NOTIFY, "From:", "From: <sip:romeo@sip.test>");
	assert_int_equal(sip_dialog_uac_confirm(&d, bad), -1);
	sip_msg_free(bad);
	assert_null(d.remote_tag);
	assert_string_equal(d.remote_target, "sip:romeo@sip.test");
	assert_null(d.route_set);
	assert_int_equal(d.remote_cseq, 0);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* A 2xx with too long a route set is refused; the dialog is unchanged. */
static void
uac_confirm_route_bound(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE), *ok;
	struct sip_dialog d;
	char line[2048], *p;

	(void)state;
	p = line + sprintf(line, "Record-Route: ");
	for (int i = 0; i <= SIP_DIALOG_MAX_ROUTES; i++)
		p += sprintf(p, "%s<sip:p%d.sip.test;lr>", i > 0 ? "," : "", i);
	ok = parse_edited(X2S_200, "Record-Route:", line);
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	assert_int_equal(sip_dialog_uac_confirm(&d, ok), -1);
	assert_null(d.remote_tag);
	assert_null(d.route_set);
	sip_dialog_clear(&d);
	sip_msg_free(ok);
	sip_msg_free(req);
}

/* RFC 6665 §4.1.2.2: a refresh's Contact is a new remote target. */
static void
update_target(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE), *refresh;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw"), 0);
	refresh = parse_edited(S2X_SUBSCRIBE, "Contact:",
	    "Contact: <sip:romeo@198.51.100.9:5062>");
	assert_int_equal(sip_dialog_update_target(&d, refresh), 0);
	assert_string_equal(d.remote_target, "sip:romeo@198.51.100.9:5062");
	sip_msg_free(refresh);
	/* No Contact: the target stays. */
	refresh = parse_edited(S2X_SUBSCRIBE, "Contact:", NULL);
	assert_int_equal(sip_dialog_update_target(&d, refresh), 0);
	assert_string_equal(d.remote_target, "sip:romeo@198.51.100.9:5062");
	sip_msg_free(refresh);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/*
 * RFC 3261 §12.2.2: an in-dialog request with a CSeq lower than or equal
 * to the last one is out of order (answer 500); higher ones are taken.
 */
static void
accept_cseq(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE), *m;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw"), 0);
	assert_int_equal(d.remote_cseq, 17766);
	/* The initial SUBSCRIBE itself, retransmitted: equal, refused. */
	assert_int_equal(sip_dialog_accept_cseq(&d, req), -1);
	m = parse_edited(S2X_SUBSCRIBE, "CSeq:", "CSeq: 17765 SUBSCRIBE");
	assert_int_equal(sip_dialog_accept_cseq(&d, m), -1);
	sip_msg_free(m);
	m = parse_edited(S2X_SUBSCRIBE, "CSeq:", "CSeq: 1 SUBSCRIBE");
	assert_int_equal(sip_dialog_accept_cseq(&d, m), -1);
	sip_msg_free(m);
	assert_int_equal(d.remote_cseq, 17766);
	/* RFC 3261 §12.2.2: higher, not necessarily by one. */
	m = parse_edited(S2X_SUBSCRIBE, "CSeq:", "CSeq: 17800 SUBSCRIBE");
	assert_int_equal(sip_dialog_accept_cseq(&d, m), 0);
	assert_int_equal(d.remote_cseq, 17800);
	assert_int_equal(sip_dialog_accept_cseq(&d, m), -1);
	sip_msg_free(m);
	/* The largest number RFC 3261 §8.1.1.5 allows. */
	m = parse_edited(S2X_SUBSCRIBE, "CSeq:", "CSeq: 2147483647 SUBSCRIBE");
	assert_int_equal(sip_dialog_accept_cseq(&d, m), 0);
	assert_int_equal(d.remote_cseq, 2147483647UL);
	sip_msg_free(m);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* With no request from the peer yet, any valid CSeq starts the count. */
static void
accept_cseq_first(void **state)
{
	struct sip_msg *req = parse(X2S_SUBSCRIBE), *ok = parse(X2S_200);
	struct sip_msg *n;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uac_init(&d, req), 0);
	assert_int_equal(sip_dialog_uac_confirm(&d, ok), 0);
	assert_int_equal(d.remote_cseq, 0);
	n = parse_edited(X2S_NOTIFY, "CSeq:", "CSeq: 1 NOTIFY");
	assert_int_equal(sip_dialog_accept_cseq(&d, n), 0);
	assert_int_equal(d.remote_cseq, 1);
	sip_msg_free(n);
	sip_dialog_clear(&d);
	sip_msg_free(ok);
	sip_msg_free(req);
}

/* Requests are told apart by the peer's From tag once it is known. */
static void
matches_remote(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE), *m;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw"), 0);
	assert_true(sip_dialog_matches_remote(&d, req));
	m = parse_edited(S2X_SUBSCRIBE, "From:",
	    "From: <sip:romeo@sip.test>;tag=other");
	assert_false(sip_dialog_matches_remote(&d, m));
	sip_msg_free(m);
	m = parse_edited(S2X_SUBSCRIBE, "From:", "From: <sip:romeo@sip.test>");
	assert_false(sip_dialog_matches_remote(&d, m));
	sip_msg_free(m);
	/* Tags compare exactly (RFC 3261 §19.3 tags are tokens). */
	m = parse_edited(S2X_SUBSCRIBE, "From:",
	    "From: <sip:romeo@sip.test>;tag=FFD2");
	assert_false(sip_dialog_matches_remote(&d, m));
	sip_msg_free(m);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

/* The message helpers on what libosip2 hands us. */
static void
message_helpers(void **state)
{
	struct sip_msg *m = parse(X2S_NOTIFY);

	(void)state;
	assert_string_equal(sip_msg_from_tag(m), "ps99");
	assert_string_equal(sip_msg_to_tag(m), "gw7");
	assert_int_equal(sip_msg_cseq(m), 5);
	sip_msg_free(m);
	m = parse(S2X_SUBSCRIBE);
	assert_null(sip_msg_to_tag(m));
	sip_msg_free(m);
}

/* Reads the "key=value" lines of buf into d, as a record reader would. */
static void
decode_lines(struct sip_dialog *d, const char *buf, int *dialog_lines)
{
	const char *p = buf;

	*dialog_lines = 0;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *eq;
		char key[128], *value;
		size_t n;
		int r;

		assert_non_null(eol);	/* every line is terminated */
		eq = memchr(p, '=', (size_t)(eol - p));
		assert_non_null(eq);
		n = (size_t)(eq - p);
		assert_true(n < sizeof(key));
		memcpy(key, p, n);
		key[n] = '\0';
		value = strndup(eq + 1, (size_t)(eol - eq - 1));
		assert_non_null(value);
		r = sip_dialog_decode_field(d, key, value);
		if (r != 1)
			fail_msg("decode_field(%s, %s) = %d", key, value, r);
		(*dialog_lines)++;
		free(value);
		p = eol + 1;
	}
}

/* Encodes d, decodes it into a fresh dialog, and compares every field. */
static void
round_trip(const struct sip_dialog *d)
{
	struct sip_dialog back;
	struct strbuf sb;
	int lines;

	strbuf_init(&sb);
	assert_int_equal(sip_dialog_encode(d, &sb), 0);
	strbuf_append(&sb, "", 1);
	assert_false(sb.failed);
	memset(&back, 0, sizeof(back));
	decode_lines(&back, sb.buf, &lines);
	assert_true(lines >= 7);
	assert_same(back.call_id, d->call_id);
	assert_same(back.local_tag, d->local_tag);
	assert_same(back.remote_tag, d->remote_tag);
	assert_same(back.local_uri, d->local_uri);
	assert_same(back.remote_uri, d->remote_uri);
	assert_same(back.remote_target, d->remote_target);
	assert_same(back.route_set, d->route_set);
	assert_int_equal(back.local_cseq, d->local_cseq);
	assert_int_equal(back.remote_cseq, d->remote_cseq);
	assert_int_equal(sip_dialog_is_complete(&back),
	    sip_dialog_is_complete(d));
	sip_dialog_clear(&back);
	strbuf_free(&sb);
}

/* Both sides' dialogs survive the store, route sets in their order. */
static void
encode_decode_round_trip(void **state)
{
	struct sip_msg *sub = parse(S2X_SUBSCRIBE), *ours = parse(X2S_SUBSCRIBE);
	struct sip_msg *ok = parse(X2S_200), *n;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, sub, "gw42"), 0);
	n = sip_dialog_request(&d, "NOTIFY");
	sip_msg_free(n);
	round_trip(&d);
	sip_dialog_clear(&d);

	/* Unconfirmed: no remote tag, no route set. */
	assert_int_equal(sip_dialog_uac_init(&d, ours), 0);
	round_trip(&d);
	assert_int_equal(sip_dialog_uac_confirm(&d, ok), 0);
	round_trip(&d);
	sip_dialog_clear(&d);

	sip_msg_free(ok);
	sip_msg_free(ours);
	sip_msg_free(sub);
}

/*
 * After a restart the stored dialog carries on: the next NOTIFY has the
 * same From/To/Call-ID/Route and the next CSeq (presence spec: "CSeq
 * continues upward").
 */
static void
decoded_dialog_continues(void **state)
{
	struct sip_msg *sub = parse(S2X_SUBSCRIBE), *a, *b;
	struct sip_dialog d, back;
	struct strbuf sb;
	char *ta, *tb;
	int lines;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, sub, "gw42"), 0);
	sip_msg_free(sip_dialog_request(&d, "NOTIFY"));
	strbuf_init(&sb);
	assert_int_equal(sip_dialog_encode(&d, &sb), 0);
	strbuf_append(&sb, "", 1);
	memset(&back, 0, sizeof(back));
	decode_lines(&back, sb.buf, &lines);
	a = sip_dialog_request(&d, "NOTIFY");
	b = sip_dialog_request(&back, "NOTIFY");
	assert_non_null(a);
	assert_non_null(b);
	ta = to_text(a);
	tb = to_text(b);
	assert_string_equal(ta, tb);
	assert_line(tb, "CSeq: 2 NOTIFY");
	osip_free(ta);
	osip_free(tb);
	sip_msg_free(a);
	sip_msg_free(b);
	sip_dialog_clear(&back);
	sip_dialog_clear(&d);
	strbuf_free(&sb);
	sip_msg_free(sub);
}

/* Keys outside "dialog." belong to other records' fields: 0, untouched. */
static void
decode_ignores_other_keys(void **state)
{
	struct sip_dialog d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sip_dialog_decode_field(&d, "state", "ACTIVE"), 0);
	assert_int_equal(sip_dialog_decode_field(&d, "call_id", "x"), 0);
	assert_int_equal(sip_dialog_decode_field(&d, "dialogue.call_id", "x"),
	    0);
	assert_cleared(&d);
}

/* Stored values that could not have been written are refused. */
static void
decode_refuses_bad_values(void **state)
{
	static const struct {
		const char *key;
		const char *value;
	} bad[] = {
		{ "dialog.local_cseq", "" },
		{ "dialog.local_cseq", "abc" },
		{ "dialog.local_cseq", "-1" },
		{ "dialog.local_cseq", "12x" },
		{ "dialog.local_cseq", "2147483648" },
		{ "dialog.local_cseq", "99999999999999999999999" },
		{ "dialog.remote_cseq", "" },
		{ "dialog.remote_cseq", " 5" },
		{ "dialog.remote_cseq", "4294967296" },
		{ "dialog.route", "" },
		{ "dialog.route", "<sip:a;lr>\n<sip:b;lr>" },
		{ "dialog.bogus", "x" },
		{ "dialog.", "x" },
		/* Strings the encoder never writes: empty or multi-line. */
		{ "dialog.call_id", "" },
		{ "dialog.local_tag", "" },
		{ "dialog.remote_tag", "" },
		{ "dialog.local_uri", "" },
		{ "dialog.remote_uri", "" },
		{ "dialog.remote_target", "" },
		{ "dialog.call_id", "a@b\r\nVia: x" },
		{ "dialog.remote_target", "sip:a@b\r" },
		{ "dialog.local_tag", "t\nu" },
		{ "dialog.route", "<sip:a;lr>\r" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_dialog d;

		memset(&d, 0, sizeof(d));
		if (sip_dialog_decode_field(&d, bad[i].key, bad[i].value) != -1)
			fail_msg("accepted %s=\"%s\"", bad[i].key,
			    bad[i].value);
		sip_dialog_clear(&d);
	}
}

/* Good values are taken; the largest counter is 2**31 - 1. */
static void
decode_takes_good_values(void **state)
{
	struct sip_dialog d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.local_cseq",
	    "2147483647"), 1);
	assert_int_equal(d.local_cseq, 2147483647UL);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.remote_cseq",
	    "0"), 1);
	assert_int_equal(d.remote_cseq, 0);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.call_id",
	    "c1"), 1);
	/* A later line replaces an earlier one. */
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.call_id",
	    "c2"), 1);
	assert_string_equal(d.call_id, "c2");
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.route",
	    "<sip:a;lr>"), 1);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.route",
	    "<sip:b;lr>"), 1);
	assert_string_equal(d.route_set, "<sip:a;lr>\n<sip:b;lr>");
	assert_false(sip_dialog_is_complete(&d));
	sip_dialog_clear(&d);
}

/* A dialog that cannot carry a request builds none. */
static void
request_refused_when_unusable(void **state)
{
	struct sip_msg *req = parse(S2X_SUBSCRIBE);
	struct sip_dialog d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_null(sip_dialog_request(&d, "NOTIFY"));
	/* RFC 3261 §8.1.1.5: CSeq stays below 2**31. */
	assert_int_equal(sip_dialog_uas_init(&d, req, "gw"), 0);
	d.local_cseq = 0x7ffffffeUL;
	sip_msg_free(sip_dialog_request(&d, "NOTIFY"));
	assert_int_equal(d.local_cseq, 0x7fffffffUL);
	assert_null(sip_dialog_request(&d, "NOTIFY"));
	assert_int_equal(d.local_cseq, 0x7fffffffUL);
	/* A stored target libosip2 cannot parse. */
	d.local_cseq = 1;
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.remote_target",
	    "not a uri"), 1);
	assert_null(sip_dialog_request(&d, "NOTIFY"));
	assert_int_equal(d.local_cseq, 1);
	sip_dialog_clear(&d);
	sip_msg_free(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uas_init_from_subscribe),
		cmocka_unit_test(uas_init_comma_separated_routes),
		cmocka_unit_test(uas_init_without_routes),
		cmocka_unit_test(uas_init_refuses_missing_contact),
		cmocka_unit_test(uas_init_refuses_unusable_contact),
		cmocka_unit_test(uas_init_refuses_missing_from_tag),
		cmocka_unit_test(uas_init_refuses_missing_local_tag),
		cmocka_unit_test(uas_init_refuses_bad_cseq),
		cmocka_unit_test(uas_init_route_bound),
		cmocka_unit_test(uas_requests_are_in_dialog),
		cmocka_unit_test(uas_request_parses_back),
		cmocka_unit_test(uac_init_from_our_subscribe),
		cmocka_unit_test(uac_init_refuses_missing_tag),
		cmocka_unit_test(uac_confirm_from_2xx),
		cmocka_unit_test(uac_confirm_from_notify),
		cmocka_unit_test(uac_confirm_refuses_incomplete),
		cmocka_unit_test(uac_confirm_route_bound),
		cmocka_unit_test(update_target),
		cmocka_unit_test(accept_cseq),
		cmocka_unit_test(accept_cseq_first),
		cmocka_unit_test(matches_remote),
		cmocka_unit_test(message_helpers),
		cmocka_unit_test(encode_decode_round_trip),
		cmocka_unit_test(decoded_dialog_continues),
		cmocka_unit_test(decode_ignores_other_keys),
		cmocka_unit_test(decode_refuses_bad_values),
		cmocka_unit_test(decode_takes_good_values),
		cmocka_unit_test(request_refused_when_unusable),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
