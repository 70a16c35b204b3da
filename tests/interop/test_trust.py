#!/usr/bin/python3
"""Trusted peers and P-Asserted-Identity (RFC 3325; issue 12 item 2).

The gateway trusts Kamailio only ([sip] trusted_peers = 127.0.0.1, where
Kamailio sends from). Kamailio is the trust domain's edge (RFC 3325 §5):
it strips whatever P-Asserted-Identity a UA sends and asserts the identity
it authenticated. The test's stand-in for that authentication is an
X-Test-Auth header the UA sends, which Kamailio turns into
P-Asserted-Identity: <sip:USER@sip.test> (and, with X-Test-Tel, a tel:
value before it, so the gateway's libosip2 path reads it rather than its
MESSAGE fast path).

tybalt's UA sits on 127.0.0.3: not trusted. Whatever he sends straight to
the gateway that carries a message or a subscription is answered 403 and
nothing reaches Prosody, even with a P-Asserted-Identity of his own and
after juliet authorized romeo (a remembered authorization must not give
him romeo's view of her). OPTIONS is answered to anyone. The refusals are
logged, but not one line per request.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.presence import PresenceBed, is_from          # noqa: E402
from harness.sip_ua import SipUA                           # noqa: E402
from harness.util import check                             # noqa: E402

JULIET = "sip:juliet@xmpp.test"
WAIT = 5.0
QUIET = 1.5
UNTRUSTED_HOST = "127.0.0.3"

# In front of the XMPP route: what Kamailio asserts (RFC 3325 §5, §9.1).
ASSERT_ROUTE = r"""
	if (is_method("MESSAGE|SUBSCRIBE") && $rd == "xmpp.test" &&
	    !has_totag()) {
		# Never pass on what a UA asserted itself (§5).
		remove_hf("P-Asserted-Identity");
		if (is_present_hf("X-Test-Tel")) {
			append_hf("P-Asserted-Identity: <tel:+15550100>\r\n");
		}
		if (is_present_hf("X-Test-Auth")) {
			append_hf("P-Asserted-Identity: <sip:$hdr(X-Test-Auth)@sip.test>\r\n");
		}
		remove_hf("X-Test-Auth");
		remove_hf("X-Test-Tel");
	}
"""


class State:
    tybalt = None       # the untrusted UA
    sub = None          # romeo's subscription to juliet, via Kamailio


def bare(jid):
    return (jid or "").split("/")[0]


def via_kamailio(b, marker, from_uri, headers):
    """A MESSAGE from romeo's UA to juliet through Kamailio; the JID she
    sees it from."""
    r = b.romeo.send_message(JULIET, body=marker, from_uri=from_uri,
                             target=b.k.addr, headers=headers, timeout=15)
    check(r is not None and r.status == 200, "MESSAGE via Kamailio: %r\n%s",
          r, util.tail(b.gateway.log_path, 20))
    m = b.juliet.wait_for_message(WAIT, lambda m: m.body == marker)
    check(m is not None, "juliet got nothing")
    return bare(m.from_)


def check_asserted_identity_is_sender(b, s):
    """From says mercutio and the UA asserts tybalt; Kamailio strips that
    and asserts romeo: juliet sees romeo (plain MESSAGE, fast path)."""
    frm = via_kamailio(b, util.unique("pai"), "sip:mercutio@sip.test",
                       [("P-Asserted-Identity", "<sip:tybalt@sip.test>"),
                        ("X-Test-Auth", "romeo")])
    check(frm == "romeo@sip.test", "sender %r", frm)


def check_asserted_tel_then_sip(b, s):
    """Two values (tel, then sip; RFC 3325 §9.1): the sip one is the
    sender (read by libosip2: the fast path leaves two lines to it)."""
    frm = via_kamailio(b, util.unique("paitel"), "sip:mercutio@sip.test",
                       [("X-Test-Tel", "yes"), ("X-Test-Auth", "romeo")])
    check(frm == "romeo@sip.test", "sender %r", frm)


def check_no_assertion_means_from(b, s):
    """A trusted peer that asserts nothing: the From is the sender."""
    frm = via_kamailio(b, util.unique("nopai"), "sip:mercutio@sip.test",
                       [])
    check(frm == "mercutio@sip.test", "sender %r", frm)


def check_privacy_id_hides_assertion(b, s):
    """Privacy: id (RFC 3325 §7): the asserted identity stays inside the
    trust domain; XMPP is outside, so the sender is the From."""
    frm = via_kamailio(b, util.unique("privid"), "sip:mercutio@sip.test",
                       [("X-Test-Auth", "romeo"), ("Privacy", "id")])
    check(frm == "mercutio@sip.test", "sender %r", frm)


def refused(r, what):
    check(r is not None and r.status == 403, "%s: %r", what, r)
    check("trusted" in (r.reason or "").lower(), "%s: reason %r", what,
          r.reason)


def check_untrusted_message_refused(b, s):
    """tybalt writes to juliet as romeo, straight to the gateway, with a
    P-Asserted-Identity of romeo, over UDP and TCP: 403 each time, and
    juliet gets nothing."""
    markers = []
    for tp in ("udp", "tcp"):
        marker = util.unique("spoof" + tp)
        markers.append(marker)
        r = s.tybalt.send_message(
            JULIET, body=marker, from_uri="sip:romeo@sip.test",
            target=b.gateway.sip_addr, transport=tp, timeout=10,
            headers=[("P-Asserted-Identity", "<sip:romeo@sip.test>")])
        refused(r, "MESSAGE over " + tp)
    got = b.juliet.wait_quiet(QUIET, lambda m: m.body in markers)
    check(not got, "a spoofed message reached juliet: %r", got)
    check(b.gateway.wait_log(r"MESSAGE from udp 127\.0\.0\.3:\d+ "
                             r"\(sip:romeo@sip\.test\) refused: not a "
                             r"trusted peer", 2.0),
          "no log line for the refusal")


def check_romeo_authorized(b, s):
    """romeo subscribes through Kamailio (asserted romeo); juliet
    approves: active. Her "yes" to romeo is now remembered."""
    jmark = b.juliet.presence_mark()
    s.sub = b.romeo.subscribe(JULIET, expires=600,
                              headers=[("X-Test-Auth", "romeo")])
    check(s.sub.status == 200, "SUBSCRIBE: %r", s.sub.response)
    p = b.juliet.wait_presence(is_from("romeo@sip.test", "subscribe"), WAIT,
                               start=jmark)
    check(p is not None, "juliet was not asked: %r",
          b.juliet.received_presences(start=jmark))
    mark = s.sub.mark()
    b.juliet.subscribed("romeo@sip.test")
    n = s.sub.wait_notify(lambda n: n.state == "active", WAIT, start=mark)
    check(n is not None, "no NOTIFY active: %r", s.sub.notifies)


def check_untrusted_subscribe_refused(b, s):
    """tybalt SUBSCRIBEs to juliet as romeo (whom she authorized), with
    romeo's P-Asserted-Identity: 403; no NOTIFY reaches his Contact and
    Prosody hears nothing."""
    jmark = b.juliet.presence_mark()
    before = len(s.tybalt.requests)
    for tp in ("udp", "tcp"):
        sub = s.tybalt.subscribe(
            JULIET, expires=600, from_uri="sip:romeo@sip.test",
            target=b.gateway.sip_addr, transport=tp,
            headers=[("P-Asserted-Identity", "<sip:romeo@sip.test>")])
        refused(sub.response, "SUBSCRIBE over " + tp)
        check(not sub.notifies, "NOTIFY to the spoofer: %r", sub.notifies)
    time.sleep(QUIET)
    notifies = [r for r in s.tybalt.requests[before:]
                if r.method == "NOTIFY"]
    check(not notifies, "NOTIFY to the spoofer: %r", notifies)
    heard = b.juliet.received_presences(
        lambda p: bare(p.from_) == "romeo@sip.test", jmark)
    check(not heard, "Prosody heard of it: %r", heard)


def check_untrusted_notify_publish_refused(b, s):
    """NOTIFY and PUBLISH from tybalt: 403 too (no XMPP presence from
    them); OPTIONS is answered to anyone."""
    jmark = b.juliet.presence_mark()
    r = s.tybalt.send_request(
        "NOTIFY", "sip:juliet@xmpp.test", from_uri="sip:romeo@sip.test",
        target=b.gateway.sip_addr, timeout=10,
        headers=[("Event", "presence"),
                 ("Subscription-State", "active;expires=600"),
                 ("To", "<sip:juliet@xmpp.test>;tag=forged")])
    refused(r, "NOTIFY")
    r = s.tybalt.send_request(
        "PUBLISH", "sip:romeo@sip.test", from_uri="sip:romeo@sip.test",
        target=b.gateway.sip_addr, timeout=10,
        headers=[("Event", "presence"), ("Expires", "600")])
    refused(r, "PUBLISH")
    r = s.tybalt.send_request("OPTIONS", "sip:xmpp.test",
                              target=b.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 200, "OPTIONS: %r", r)
    heard = b.juliet.received_presences(
        lambda p: bare(p.from_) == "romeo@sip.test", jmark)
    check(not heard, "Prosody heard of it: %r", heard)


def check_refusals_logged_bounded(b, s):
    """60 spoofed MESSAGEs: each answered 403, but the log does not grow
    a line per request (a burst, then about one a second)."""
    mark = b.gateway.log_mark()
    for i in range(60):
        r = s.tybalt.send_message(JULIET, body="flood %d" % i,
                                  from_uri="sip:romeo@sip.test",
                                  target=b.gateway.sip_addr, timeout=10)
        refused(r, "MESSAGE %d" % i)
    lines = [ln for ln in b.gateway.log_text(mark).splitlines()
             if "not a trusted peer" in ln]
    check(1 <= len(lines) <= 20, "%d refusal lines for 60 requests",
          len(lines))
    got = b.juliet.wait_quiet(0.5, lambda m: (m.body or "").startswith(
        "flood "))
    check(not got, "flood reached juliet: %r", got)


def check_trusted_still_served(b, s):
    """After all that, Kamailio's traffic still goes through."""
    frm = via_kamailio(b, util.unique("after"), "sip:romeo@sip.test", [])
    check(frm == "romeo@sip.test", "sender %r", frm)


def check_clean_shutdown(b, s):
    """SIGTERM: the gateway exits cleanly (sanitizers, valgrind)."""
    b.stop()


def main():
    t = util.TestRunner("trust")
    b = PresenceBed("trust", gateway_options={
        "sip": {"trusted_peers": "127.0.0.1"}})
    b.k.pre_route = ASSERT_ROUTE
    s = State()
    try:
        b.start()
        s.tybalt = SipUA(host=UNTRUSTED_HOST, user="tybalt",
                         domain="sip.test")
        b.uas.append(s.tybalt)
    except Exception:
        t.fail_setup("kamailio + deployment + untrusted UA")
        t.finish()
    for f in (check_asserted_identity_is_sender, check_asserted_tel_then_sip,
              check_no_assertion_means_from,
              check_privacy_id_hides_assertion,
              check_untrusted_message_refused, check_romeo_authorized,
              check_untrusted_subscribe_refused,
              check_untrusted_notify_publish_refused,
              check_refusals_logged_bounded, check_trusted_still_served):
        t.run(f, b, s)
    t.run(check_clean_shutdown, b, s)
    t.finish()


if __name__ == "__main__":
    main()
