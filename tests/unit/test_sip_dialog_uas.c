/*
 * SIP dialogs for subscriptions, the notifier's side (RFC 3261 §12.1.1,
 * RFC 6665 §4.2): the dialog made from a SUBSCRIBE libosip2 parsed off
 * the wire, the NOTIFYs it builds, checked as text, a refresh's new
 * target, the peer's CSeq, and the requests an unusable dialog refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "sip_osip.h"

#include "sip_dialog_fixtures.h"

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
		cmocka_unit_test(update_target),
		cmocka_unit_test(accept_cseq),
		cmocka_unit_test(matches_remote),
		cmocka_unit_test(request_refused_when_unusable),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
