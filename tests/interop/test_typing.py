#!/usr/bin/python3
"""Typing: RFC 3994 isComposing <-> XEP-0085 chat states (issue 14 item 1).

romeo@sip.test (a scripted SIP UA) and juliet@xmpp.test (slixmpp on a real
Prosody) type at each other through sipxmppd. The RFC 7573 §6 table
decides what crosses (SIP active -> <composing/>, idle -> <paused/>;
<composing/> -> active with a refresh, the other states -> idle); a state
is never sent twice in a row, a storm is thinned to one notification per
pair per [typing] min_interval_ms, nothing is ever shown as text, and each
direction can be switched off.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
ROMEO = "romeo@sip.test"
CT = "application/im-iscomposing+xml"
NS_CS = "{http://jabber.org/protocol/chatstates}"
INTERVAL_MS = 500


def doc(state, refresh=None):
    """An RFC 3994 isComposing document."""
    extra = "<refresh>%d</refresh>" % refresh if refresh else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">'
            '<state>%s</state><contenttype>text/plain</contenttype>%s'
            '</isComposing>' % (state, extra))


def send_state(d, state, refresh=None, from_uri="sip:romeo@sip.test"):
    """romeo's isComposing MESSAGE to juliet; returns the final response."""
    return d.ua.send_message(JULIET, from_uri=from_uri,
                             body=doc(state, refresh), content_type=CT,
                             target=d.gateway.sip_addr, timeout=10)


def states(m):
    """The chat states in a received message."""
    return [t[len(NS_CS):] for t in m.children if t.startswith(NS_CS)]


def wait_state(d, state, timeout=5.0):
    """Wait for juliet's standalone <state/> from romeo."""
    m = d.juliet.wait_for_message(
        timeout, lambda m: m.from_ and m.from_.startswith(ROMEO) and
        state in states(m), pop=True)
    check(m is not None, "juliet got no <%s/>; she got %r", state,
          d.juliet.received())
    check(m.body is None, "a chat state shown as text: %r", m.body)
    check(m.type == "chat", "chat state with type %r (XEP-0085: chat)",
          m.type)
    return m


def juliet_states(d):
    """Every chat state juliet has received from romeo, in order."""
    return [s for m in d.juliet.received(lambda m: m.from_ and
                                         m.from_.startswith(ROMEO))
            for s in states(m)]


def no_text(d):
    """Nothing juliet received carries a body with the document in it."""
    shown = d.juliet.received(lambda m: m.body is not None and
                              "isComposing" in m.body)
    check(not shown, "isComposing shown as text: %r", shown)


def juliet_types(d, state, to=ROMEO):
    """juliet sends a standalone chat state (XEP-0085 §5.6)."""
    d.juliet.send_raw("<message to='%s' type='chat'><%s xmlns='http://"
                      "jabber.org/protocol/chatstates'/></message>" %
                      (to, state))


def iscomposing_requests(d):
    """isComposing MESSAGEs romeo got so far."""
    return [r for r in d.ua.received() if
            (r.get("content-type") or "").lower().startswith(CT)]


def wait_iscomposing(d, state, timeout=5.0, after=0):
    """Wait for the (after+1)-th isComposing MESSAGE; check its state."""
    r = d.ua.wait_for_request(
        lambda r: (r.get("content-type") or "").lower().startswith(CT) and
        r in iscomposing_requests(d)[after:], timeout, method="MESSAGE")
    check(r is not None, "romeo got no isComposing %s; got %r", state,
          d.ua.received())
    check("<state>%s</state>" % state in r.text, "state not %s: %r", state,
          r.text)
    return r


def check_sip_active_becomes_composing(d):
    """SIP active -> <composing/>, answered 200; a repeat crosses not."""
    d.juliet.clear()
    r = send_state(d, "active", refresh=90)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    wait_state(d, "composing")
    # RFC 3994 §3.2 refresh: a repeated active is no new <composing/>
    # (XEP-0085 §5.3: never the same standalone state twice in a row).
    r = send_state(d, "active", refresh=90)
    check(r is not None and r.status == 200, "repeat: expected 200, got %r",
          r)
    time.sleep(1.0)
    check(juliet_states(d) == [], "a repeat crossed: %r", juliet_states(d))
    no_text(d)


def check_sip_idle_becomes_paused(d):
    """SIP idle after active -> <paused/> (RFC 7573 §6 table)."""
    d.juliet.clear()
    r = send_state(d, "idle")
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    wait_state(d, "paused")
    no_text(d)


def check_sip_refresh_lapses(d):
    """An active whose refresh runs out with nothing after it is idle
    (RFC 3994 §3.3): juliet gets <paused/> without an idle MESSAGE."""
    d.juliet.clear()
    r = send_state(d, "active", refresh=2)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    wait_state(d, "composing")
    wait_state(d, "paused", timeout=6.0)


def check_xmpp_composing_becomes_active(d):
    """juliet's <composing/> -> an isComposing MESSAGE, active, with a
    refresh of at least 60 s; <paused/> -> idle, without a refresh."""
    d.ua.clear()
    juliet_types(d, "composing")
    r = wait_iscomposing(d, "active")
    check("<refresh>60</refresh>" in r.text, "no refresh 60: %r", r.text)
    check(r.uri.startswith("sip:romeo@sip.test"), "Request-URI %r", r.uri)
    check("juliet@xmpp.test" in r.get("from", ""), "From %r", r.get("from"))
    juliet_types(d, "paused")
    r = wait_iscomposing(d, "idle", after=1)
    check("<refresh>" not in r.text, "a refresh while idle: %r", r.text)
    # active, inactive, gone are idle too: a repeat of idle, not sent.
    juliet_types(d, "gone")
    time.sleep(1.0)
    check(len(iscomposing_requests(d)) == 2, "idle sent twice: %r",
          [x.text for x in iscomposing_requests(d)])


def check_content_message_resets(d):
    """After a message with a body the receiver counts the sender idle
    (RFC 3994 §3.3), so the next composing crosses again."""
    d.ua.clear()
    juliet_types(d, "composing")
    wait_iscomposing(d, "active")
    body = util.unique("words")
    d.juliet.send_message(ROMEO, body)
    check(d.ua.wait_for_request(lambda r: body in r.text, 5.0,
                                method="MESSAGE") is not None,
          "the text did not arrive")
    time.sleep(INTERVAL_MS / 1000.0 + 0.1)
    juliet_types(d, "composing")
    wait_iscomposing(d, "active", after=1)


def check_xmpp_storm_thinned(d):
    """50 chat states in 1 s from juliet: at most one isComposing MESSAGE
    per min_interval_ms (plus the last state when the interval ends)."""
    time.sleep(1.0)
    d.ua.clear()
    start = time.monotonic()
    for i in range(50):
        juliet_types(d, "composing" if i % 2 == 0 else "paused")
        time.sleep(0.02)
    elapsed = time.monotonic() - start
    time.sleep(2.0)
    n = len(iscomposing_requests(d))
    most = int(elapsed * 1000 / INTERVAL_MS) + 2
    check(1 <= n <= most, "%d isComposing MESSAGEs for 50 states in %.2fs "
          "(at most %d)", n, elapsed, most)
    # The last state juliet sent (paused) is what romeo is left with.
    last = iscomposing_requests(d)[-1]
    check("<state>idle</state>" in last.text, "left with %r", last.text)


def check_sip_storm_thinned(d):
    """50 isComposing MESSAGEs in about 1 s from romeo: each gets 200,
    juliet gets at most one chat state per interval."""
    time.sleep(1.0)
    d.juliet.clear()
    start = time.monotonic()
    for i in range(50):
        r = send_state(d, "active" if i % 2 == 0 else "idle", refresh=60)
        check(r is not None and r.status == 200, "#%d: got %r", i, r)
    elapsed = time.monotonic() - start
    time.sleep(2.0)
    n = len(juliet_states(d))
    most = int(elapsed * 1000 / INTERVAL_MS) + 2
    check(1 <= n <= most, "juliet got %d chat states for 50 in %.2fs "
          "(at most %d): %r", n, elapsed, most, juliet_states(d))
    no_text(d)


def check_bad_document(d):
    """A document that is not RFC 3994 gets 400 and crosses not."""
    d.juliet.clear()
    r = d.ua.send_message(JULIET, from_uri="sip:romeo@sip.test",
                          body="<isComposing><state>active</state>"
                          "</isComposing>", content_type=CT,
                          target=d.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 400, "expected 400, got %r", r)
    time.sleep(0.5)
    check(not d.juliet.received(), "juliet got %r", d.juliet.received())


def check_in_flight_bounded(d):
    """Thinning is per pair; [message] max_pending bounds the typing
    MESSAGEs awaiting an answer across pairs: with 1, and romeo not
    answering, juliet typing at bob sends nothing more to SIP."""
    opts = dict(d.gateway_options)
    opts["message"] = dict(opts.get("message", {}), max_pending="1")
    d.restart_gateway(options=opts)
    d.ua.message_status = None
    try:
        d.ua.clear()
        mark = d.gateway.log_mark()
        juliet_types(d, "composing")
        wait_iscomposing(d, "active")
        juliet_types(d, "composing", to="bob@sip.test")
        check(d.gateway.wait_log(r"isComposing MESSAGEs in flight", 5,
                                 start=mark) is not None,
              "no log line for the dropped one")
        time.sleep(0.5)
        check(len(d.ua.received()) == 1, "sent beyond max_pending: %r",
              d.ua.received())
    finally:
        d.ua.message_status = 200


def check_switched_off(d):
    """[typing] sip_to_xmpp = no, xmpp_to_sip = no: an isComposing
    MESSAGE gets 415 (RFC 3994 §7: the sender stops), juliet's chat
    states reach nobody, and nothing is shown as text."""
    opts = dict(d.gateway_options)
    opts["typing"] = dict(opts.get("typing", {}), sip_to_xmpp="no",
                          xmpp_to_sip="no")
    d.restart_gateway(options=opts)
    d.juliet.clear()
    d.ua.clear()
    r = send_state(d, "active")
    check(r is not None and r.status == 415, "expected 415, got %r", r)
    juliet_types(d, "composing")
    time.sleep(1.5)
    check(not d.juliet.received(), "juliet got %r", d.juliet.received())
    check(not d.ua.received(), "romeo got %r", d.ua.received())


def main():
    t = util.TestRunner("typing")
    d = Deployment("typing", gateway_options={
        "typing": {"min_interval_ms": str(INTERVAL_MS)}})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_sip_active_becomes_composing,
              check_sip_idle_becomes_paused, check_sip_refresh_lapses,
              check_xmpp_composing_becomes_active,
              check_content_message_resets, check_xmpp_storm_thinned,
              check_sip_storm_thinned, check_bad_document,
              check_in_flight_bounded, check_switched_off):
        t.run(f, d)
    t.run(lambda d: d.stop(), d)
    t.finish()


if __name__ == "__main__":
    main()
