/*
 * What the SIP dialog tests (test_sip_dialog_*.c) share: one subscription
 * each way as its messages come off the wire, and the helpers that parse,
 * edit and check them (sip_dialog_fixtures.c).
 */
#ifndef SIPXMPP_SIP_DIALOG_FIXTURES_H
#define SIPXMPP_SIP_DIALOG_FIXTURES_H

struct sip_dialog;
struct sip_msg;

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

/* sip_dialog_fixtures.c */
struct sip_msg *parse(const char *text);
char *edit(const char *text, const char *from, const char *line);
struct sip_msg *parse_edited(const char *text, const char *from,
    const char *line);
char *to_text(struct sip_msg *m);
void assert_line(const char *text, const char *line);
void assert_cleared(const struct sip_dialog *d);
int setup(void **state);

#endif
