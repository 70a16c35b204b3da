/*
 * SIP dialogs for subscriptions, the subscriber's side (RFC 3261 §12.1.2,
 * RFC 6665 §4.1.2.4): the dialog made from our own SUBSCRIBE, confirmed
 * by its 2xx or by a NOTIFY that overtakes it, the refresh it builds, and
 * the message readers on what libosip2 hands us.
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

#include "sip_dialog_fixtures.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uac_init_from_our_subscribe),
		cmocka_unit_test(uac_init_refuses_missing_tag),
		cmocka_unit_test(uac_confirm_from_2xx),
		cmocka_unit_test(uac_confirm_from_notify),
		cmocka_unit_test(uac_confirm_refuses_incomplete),
		cmocka_unit_test(uac_confirm_route_bound),
		cmocka_unit_test(accept_cseq_first),
		cmocka_unit_test(message_helpers),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
