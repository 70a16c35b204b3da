#!/usr/bin/python3
"""Hostile and over-limit presence requests: each gets the answer RFC 6665
or RFC 8048 §8 asks for, with a log line, and the gateway keeps serving.

A scripted SIP UA talks to the gateway directly (it is also the gateway's
outbound proxy, so the gateway's own SUBSCRIBEs land in it, and it answers
them as a notifier). [presence] max_subscriptions is 3.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.presence import is_from, pidf_open   # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
WAIT = 5.0


def raw(d, method="SUBSCRIBE", uri=JULIET, frm="sip:romeo@sip.test",
        headers=None, drop=(), body=b""):
    """A request as bytes, with headers added or dropped by name."""
    lines = ["%s %s SIP/2.0" % (method, uri),
             "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (
                 d.ua.port, util.unique("b")),
             "Max-Forwards: 70",
             "From: <%s>;tag=%s" % (frm, util.unique("t")),
             "To: <%s>" % uri,
             "Call-ID: %s" % util.unique("c"),
             "CSeq: 1 %s" % method,
             "Contact: <sip:romeo@127.0.0.1:%d>" % d.ua.port,
             "Event: presence",
             "Expires: 600"]
    names = {h.split(":")[0].lower() for h in (headers or [])}
    names |= {n.lower() for n in drop}
    lines = [l for l in lines if l.split(":")[0].lower() not in names]
    lines += list(headers or [])
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def answer(d, data):
    """Send data to the gateway; its final response (or None)."""
    res = d.ua.send_raw(data, "udp", d.gateway.sip_addr, wait=1.0)
    finals = [r for r in res.responses if r.status >= 200]
    return finals[0] if finals else None


def expect(d, data, status, what):
    r = answer(d, data)
    check(r is not None and r.status == status, "%s: want %d, got %r",
          what, status, r)
    return r


def still_serving(d):
    """The daemon lives and a MESSAGE still goes through."""
    check(d.gateway.alive(), "sipxmppd died:\n%s",
          util.tail(d.gateway.log_path))
    marker = util.unique("alive")
    r = d.ua.send_message(JULIET, body=marker, from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 200, "after bad input: %r", r)


def check_malformed_subscribe(d):
    """No Contact, bad Expires, no PIDF in Accept, wrong or no Event."""
    expect(d, raw(d, drop=["Contact"]), 400, "SUBSCRIBE without Contact")
    expect(d, raw(d, headers=["Expires: soon"]), 400, "Expires: soon")
    r = expect(d, raw(d, headers=["Accept: text/plain"]), 406,
               "Accept without PIDF")
    check("pidf" in (r.get("accept") or ""), "406 without Accept: %r",
          r.text if hasattr(r, "text") else r)
    r = expect(d, raw(d, headers=["Event: presence.winfo"]), 489,
               "Event presence.winfo")
    check("presence" in (r.get("allow-events") or ""),
          "489 without Allow-Events")
    expect(d, raw(d, drop=["Event"]), 489, "SUBSCRIBE without Event")
    expect(d, raw(d, headers=["Event: pres;ence;;"]), 489, "broken Event")
    still_serving(d)


def check_addresses(d):
    """Watchers outside our domain, targets on our own side or unmapped."""
    expect(d, raw(d, frm="sip:eve@elsewhere.test"), 403,
           "watcher outside the component domain")
    expect(d, raw(d, uri="sip:tybalt@sip.test"), 482,
           "target on the SIP side")
    expect(d, raw(d, uri="sip:nobody@unmapped.test"), 404,
           "unmapped target")
    expect(d, raw(d, uri="sips:juliet@xmpp.test"), 480, "SIPS target")
    still_serving(d)


def check_notify_outside_dialogs(d):
    """NOTIFY with no dialog of ours, or no Event: 481 / 400."""
    expect(d, raw(d, method="NOTIFY",
                  headers=["Subscription-State: active",
                           "To: <%s>;tag=nosuchtag" % JULIET]),
           481, "NOTIFY for no dialog")
    expect(d, raw(d, method="NOTIFY", drop=["Event"]), 400,
           "NOTIFY without Event")
    still_serving(d)


def check_global_limit(d):
    """max_subscriptions (3) counts both directions together: two SIP
    watchers' subscriptions and one of juliet's fill it; a fourth of
    either kind is refused (503 / resource-constraint); freeing one makes
    room again (test_presence_limits.py covers max_per_user)."""
    d.ua.subscribe_status = 200       # the UA plays presence server
    n0 = len(d.ua.server_subscriptions)
    subs = [d.ua.subscribe("sip:%s@xmpp.test" % u, expires=600,
                           target=d.gateway.sip_addr)
            for u in ("juliet", "nurse")]
    for s in subs:
        check(s.response is not None and s.response.status == 200,
              "subscription: %r", s.response)
    mark = d.juliet.presence_mark()
    d.juliet.subscribe("benvolio@sip.test")
    util.wait_for(lambda: len(d.ua.server_subscriptions) >= n0 + 1, WAIT,
                  what="the gateway's SUBSCRIBE for juliet")
    s4 = d.ua.subscribe("sip:paris@xmpp.test", expires=600,
                        target=d.gateway.sip_addr)
    check(s4.response is not None and s4.response.status == 503,
          "fourth subscription (SIP): %r", s4.response)
    check(s4.response.get("retry-after") is not None,
          "503 without Retry-After")
    d.juliet.subscribe("mercutio@sip.test")
    p = d.juliet.wait_presence(is_from("mercutio@sip.test", "error"), WAIT,
                               start=mark)
    check(p is not None and "resource-constraint" in p.xml,
          "fourth subscription (XMPP): %r",
          d.juliet.received_presences(start=mark))
    check(len(d.ua.server_subscriptions) == n0 + 1, "a SUBSCRIBE over "
          "the limit left the gateway: %d", len(d.ua.server_subscriptions))
    check(d.gateway.wait_log("subscription limit reached", timeout=2),
          "no log line for the limit")
    subs[1].unsubscribe(target=d.gateway.sip_addr)
    s5 = d.ua.subscribe("sip:paris@xmpp.test", expires=600,
                        target=d.gateway.sip_addr)
    check(s5.response is not None and s5.response.status == 200,
          "after an unsubscribe: %r", s5.response)
    subs[0].unsubscribe(target=d.gateway.sip_addr)
    s5.unsubscribe(target=d.gateway.sip_addr)
    d.juliet.unsubscribe("benvolio@sip.test")
    still_serving(d)


def check_notify_refused(d):
    """A watcher that answers a NOTIFY with 481 has lost the subscription:
    the gateway ends it (RFC 6665 §4.2.2) and says so in its log; a
    refresh in that dialog then gets 481."""
    mark = d.gateway.log_mark()
    sub = d.ua.subscribe("sip:juliet@xmpp.test", expires=600,
                         from_uri="sip:mercutio@sip.test",
                         target=d.gateway.sip_addr)
    check(sub.response is not None and sub.response.status == 200,
          "SUBSCRIBE: %r", sub.response)
    check(sub.wait_notify(lambda n: n.state == "pending", WAIT) is not None,
          "no pending NOTIFY")
    sub.forget()
    d.juliet.subscribed("mercutio@sip.test")
    check(d.gateway.wait_log(r"answered 481: subscription ended",
                             timeout=WAIT, start=mark),
          "the refused NOTIFY did not end the subscription:\n%s",
          util.tail(d.gateway.log_path, 20))
    r = sub.refresh(600, target=d.gateway.sip_addr)
    check(r is not None and r.status == 481, "refresh after the end: %r", r)
    still_serving(d)


def check_notify_retransmitted(d):
    """RFC 3261 §17.1.2.2 over UDP: a NOTIFY left unanswered is sent
    again (Timer E); once answered the subscription lives on."""
    sub = d.ua.subscribe("sip:juliet@xmpp.test", expires=600,
                         from_uri="sip:benvolio@sip.test",
                         target=d.gateway.sip_addr)
    check(sub.response is not None and sub.response.status == 200,
          "SUBSCRIBE: %r", sub.response)
    check(sub.wait_notify(lambda n: n.state == "pending", WAIT) is not None,
          "no pending NOTIFY")
    sub.notify_drop = 1
    d.juliet.subscribed("benvolio@sip.test")
    check(sub.wait_notify(lambda n: n.state == "active", WAIT) is not None,
          "no active NOTIFY")
    util.wait_for(lambda: sub.retransmissions >= 1, WAIT,
                  what="the NOTIFY sent again")
    start = len(sub.notifies)
    r = sub.refresh(600, target=d.gateway.sip_addr)
    check(r is not None and r.status == 200, "refresh: %r", r)
    check(sub.wait_notify(lambda n: n.state == "active", WAIT,
                          start=start) is not None,
          "no NOTIFY after the refresh")
    sub.unsubscribe(target=d.gateway.sip_addr)


def check_refresh_before_expiry(d):
    """RFC 8048 §5.2.2, RFC 6665 §4.1.2.1: the notifier grants only 10 s;
    the gateway refreshes in the same dialog before that runs out, from
    its housekeeping timer, while juliet stays online. She lets abram see
    her presence, so the gateway probes her first (§8.1)."""
    d.ua.subscribe_status = 200       # the UA plays presence server
    d.ua.subscribe_expires = 10
    watch = None
    try:
        mark = d.juliet.presence_mark()
        watch = d.ua.subscribe("sip:juliet@xmpp.test", expires=600,
                               from_uri="sip:abram@sip.test",
                               target=d.gateway.sip_addr)
        check(d.juliet.wait_presence(is_from("abram@sip.test", "subscribe"),
                                     WAIT, start=mark) is not None,
              "juliet was not asked by abram")
        d.juliet.subscribed("abram@sip.test")
        check(watch.wait_notify(lambda n: n.state == "active", WAIT)
              is not None, "abram's subscription not active")
        mark = d.juliet.presence_mark()
        d.juliet.subscribe("abram@sip.test")
        srv = d.ua.wait_server_subscription(
            lambda s: "abram@" in s.local_uri, WAIT)
        check(srv is not None, "no SUBSCRIBE for abram")
        r = srv.notify("active", pidf_open("sip:abram@sip.test",
                                           note="Here", tuple_id="ID-d"))
        check(r is not None and r.status == 200, "NOTIFY: %r", r)
        check(d.juliet.wait_presence(is_from("abram@sip.test", None), WAIT,
                                     start=mark) is not None,
              "no presence from abram")
        t0 = time.monotonic()
        log_mark = d.gateway.log_mark()
        ref = srv.wait_subscribe(timeout=10.0)
        check(ref is not None, "no refresh within the 10 s granted")
        check(time.monotonic() - t0 < 9.0, "refresh too late")
        check(ref.get("call-id") == srv.call_id, "refresh in a new dialog")
        check(int(ref.get("expires", "0")) > 0, "refresh with Expires 0")
        check("abram@sip.test -> juliet@xmpp.test: probe" in
              d.gateway.log_text(log_mark),
              "no probe before the refresh (RFC 8048 §8.1)")
        d.juliet.unsubscribe("abram@sip.test")
        check(srv.wait_subscribe(lambda r: r.get("expires") == "0",
                                 timeout=WAIT) is not None,
              "no SUBSCRIBE Expires 0 after juliet's unsubscribe")
        time.sleep(0.2)     # its 200 frees the slot at the gateway
        watch.unsubscribe(target=d.gateway.sip_addr)
    finally:
        d.ua.subscribe_expires = 3600


def main():
    t = util.TestRunner("presence_robustness")
    d = Deployment("pres-robust",
                   gateway_options={"presence": {
                       "max_subscriptions": "3", "min_expires": "60"}})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_malformed_subscribe, check_addresses,
              check_notify_outside_dialogs, check_notify_retransmitted,
              check_notify_refused, check_refresh_before_expiry,
              check_global_limit):
        t.run(f, d)
    try:
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
