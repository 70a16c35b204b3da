#!/usr/bin/python3
"""A Jabber user watches a SIP user's presence (RFC 8048 §5.2).

romeo's SIP UA publishes PIDF (RFC 3903) to Kamailio, the presence server
of sip.test. juliet@xmpp.test subscribes to romeo@sip.test; the gateway
SUBSCRIBEs to sip:romeo@sip.test through Kamailio, which NOTIFYs it, and
juliet sees the subscription approved and every change romeo publishes:
available, away with a note, busy (dnd), a second device coming and going,
offline (closed, then un-PUBLISH without Content-Length, which Kamailio
tolerates). Probes get current presence. Unsubscribing ends the SIP
subscription (Expires: 0).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.presence import (PresenceBed, build_pidf,     # noqa: E402
                              is_from, pidf_away, pidf_busy, pidf_closed,
                              pidf_open)
from harness.util import check                             # noqa: E402

ROMEO = "romeo@sip.test"
ENTITY = "sip:romeo@sip.test"
WAIT = 5.0


def publish(b, pidf, **kw):
    """romeo publishes (refreshing his last entity tag); 200 required."""
    r = b.romeo.publish(pidf, etag=b.romeo.etag, **kw)
    if r is not None and r.status == 412:
        # RFC 3903 §6: the state is gone (e.g. un-PUBLISHed); start over.
        r = b.romeo.publish(pidf, **kw)
    check(r is not None and r.status == 200, "PUBLISH: %r", r)
    return r


def wait_pres(b, pred, start, what, timeout=WAIT):
    """juliet's next presence matching pred, or fail with what she got."""
    p = b.juliet.wait_presence(pred, timeout, start=start)
    check(p is not None, "juliet got no %s; she got %r\ngateway log:\n%s",
          what, b.juliet.received_presences(start=start),
          util.tail(b.gateway.log_path, 30))
    return p


def check_publish_and_subscribe(b):
    """romeo publishes; juliet subscribes: 'subscribed', then available
    from romeo@sip.test/desk (tuple id minus 'ID-') with his note."""
    publish(b, pidf_open(ENTITY, note="Under the balcony",
                         tuple_id="ID-desk"))
    kmark = len(b.kamailio_log())
    mark = b.juliet.presence_mark()
    b.juliet.subscribe(ROMEO)
    wait_pres(b, is_from(ROMEO, "subscribed"), mark, "'subscribed'")
    p = wait_pres(b, is_from(ROMEO + "/desk", None), mark,
                  "available presence")
    check(p.status == "Under the balcony", "status %r: %s", p.status, p.xml)
    check(p.show is None, "show %r", p.show)
    errs = b.juliet.received_presences(lambda x: x.type == "error", mark)
    check(not errs, "errors: %r", errs)
    # The gateway subscribed as juliet, through Kamailio.
    klog = b.kamailio_log(kmark)
    check("SUBSCRIBE sip:romeo@sip.test from sip:juliet@xmpp.test" in klog,
          "Kamailio saw no SUBSCRIBE from juliet:\n%s", klog[-3000:])
    roster = b.juliet.roster()
    check(roster.get(ROMEO, ("none",))[0] in ("to", "both"),
          "juliet's roster: %r", roster)


def check_away_with_note(b):
    """RPID <away/> with a note -> <show>away</show> and the status."""
    mark = b.juliet.presence_mark()
    publish(b, pidf_away(ENTITY, note="Banished to Mantua",
                         tuple_id="ID-desk"))
    p = wait_pres(b, lambda x: is_from(ROMEO + "/desk", None)(x) and
                  x.show == "away", mark, "away")
    check(p.status == "Banished to Mantua", "status %r", p.status)


def check_busy_is_dnd(b):
    """RPID <busy/> -> <show>dnd</show>."""
    mark = b.juliet.presence_mark()
    publish(b, pidf_busy(ENTITY, tuple_id="ID-desk"))
    wait_pres(b, lambda x: is_from(ROMEO + "/desk", None)(x) and
              x.show == "dnd", mark, "dnd")


def check_embedded_show_wins(b):
    """An embedded <show xmlns='jabber:client'> beats the RPID activity."""
    mark = b.juliet.presence_mark()
    publish(b, build_pidf(ENTITY, "open", activity="away", show="xa",
                          tuple_id="ID-desk", note="Long gone"))
    p = wait_pres(b, lambda x: is_from(ROMEO + "/desk", None)(x) and
                  x.show is not None and x.status == "Long gone", mark,
                  "xa presence")
    check(p.show == "xa", "show %r (RPID said away, <show/> said xa)",
          p.show)


def check_second_device(b):
    """Two tuples -> two resources; the vanished one -> unavailable."""
    mark = b.juliet.presence_mark()
    two = [dict(id="ID-desk", basic="open", note="desk"),
           dict(id="ID-mobile", basic="open", note="mobile")]
    publish(b, build_pidf(ENTITY, tuples=two))
    wait_pres(b, lambda x: is_from(ROMEO + "/mobile", None)(x) and
              x.status == "mobile", mark, "mobile available")
    wait_pres(b, lambda x: is_from(ROMEO + "/desk", None)(x) and
              x.status == "desk", mark, "desk available")
    mark = b.juliet.presence_mark()
    publish(b, build_pidf(ENTITY, tuples=two[:1]))
    wait_pres(b, is_from(ROMEO + "/mobile", "unavailable"), mark,
              "mobile unavailable")
    gone = b.juliet.received_presences(
        is_from(ROMEO + "/desk", "unavailable"), mark)
    check(not gone, "desk went unavailable too: %r", gone)


def check_closed_is_offline(b):
    """<basic>closed</basic> -> type='unavailable'."""
    mark = b.juliet.presence_mark()
    publish(b, pidf_closed(ENTITY, tuple_id="ID-desk"))
    wait_pres(b, is_from(ROMEO + "/desk", "unavailable"), mark,
              "unavailable")


def check_unknown_basic_tolerated(b):
    """<basic>unknown</basic> (a phone quirk) passes Kamailio and does not
    upset the gateway: the next real state still reaches juliet."""
    publish(b, build_pidf(ENTITY, "unknown", tuple_id="ID-desk"))
    mark = b.juliet.presence_mark()
    publish(b, pidf_open(ENTITY, note="Back", tuple_id="ID-desk"))
    wait_pres(b, lambda x: is_from(ROMEO + "/desk", None)(x) and
              x.status == "Back", mark, "available after 'unknown'")
    check(b.gateway.alive(), "gateway died")


def check_unpublish_is_offline(b):
    """un-PUBLISH (Expires 0, no Content-Length, over UDP): Kamailio
    NOTIFYs the tuple closed; juliet sees romeo go offline."""
    mark = b.juliet.presence_mark()
    r = b.romeo.unpublish(content_length=False)
    check(r is not None and r.status == 200, "un-PUBLISH: %r", r)
    b.romeo.etag = None
    wait_pres(b, is_from(ROMEO + "/desk", "unavailable"), mark,
              "unavailable after un-PUBLISH")


def check_probe(b):
    """juliet probes romeo (authorized): she gets his current presence."""
    publish(b, pidf_away(ENTITY, note="Probe me", tuple_id="ID-desk"))
    wait_pres(b, lambda x: x.status == "Probe me", 0, "published state")
    mark = b.juliet.presence_mark()
    b.juliet.probe(ROMEO)
    p = wait_pres(b, lambda x: is_from(ROMEO, None)(x) and
                  x.status == "Probe me", mark, "presence for the probe")
    check(p.show == "away", "show %r", p.show)


def check_initial_presence_probe(b):
    """juliet logs in a second resource: Prosody probes romeo for it at
    her initial presence and the gateway answers that session."""
    garden = b.d.user("juliet", jid="juliet@xmpp.test/garden")
    p = garden.wait_presence(lambda x: is_from(ROMEO, None)(x) and
                             x.status == "Probe me", WAIT)
    check(p is not None, "garden got %r; gateway log:\n%s",
          garden.received_presences(), util.tail(b.gateway.log_path, 30))
    check(p.to == "juliet@xmpp.test/garden" or p.to == "juliet@xmpp.test",
          "to %r", p.to)
    garden.close()


def check_unsubscribe(b):
    """juliet unsubscribes: the gateway ends its SIP subscription
    (SUBSCRIBE Expires 0 at Kamailio), her roster no longer has 'to', and
    romeo's later changes stay away. (The gateway's 'unsubscribed' answer
    is not seen: Prosody drops it, the subscription being already gone
    on her side, RFC 6121 §3.2.3.)"""
    kmark = len(b.kamailio_log())
    mark = b.juliet.presence_mark()
    b.juliet.unsubscribe(ROMEO)
    util.wait_for(lambda: "from sip:juliet@xmpp.test expires=0" in
                  b.kamailio_log(kmark), WAIT,
                  what="SUBSCRIBE Expires 0 from the gateway at Kamailio")
    roster = b.juliet.roster()
    check(roster.get(ROMEO, ("none",))[0] in ("none", "from"),
          "juliet's roster: %r", roster)
    publish(b, pidf_open(ENTITY, note="Not for you", tuple_id="ID-desk"))
    time.sleep(1.5)
    late = b.juliet.received_presences(
        lambda p: p.status == "Not for you", mark)
    check(not late, "presence after unsubscribe: %r", late)
    errs = b.juliet.received_presences(lambda p: p.type == "error", mark)
    check(not errs, "errors: %r", errs)


def check_probe_without_subscription_fetches(b):
    """A probe with no subscription: a one-shot fetch (SUBSCRIBE Expires
    0 in a new dialog); its NOTIFY becomes presence."""
    kmark = len(b.kamailio_log())
    mark = b.juliet.presence_mark()
    b.juliet.probe(ROMEO)
    p = wait_pres(b, lambda x: is_from(ROMEO, None)(x) and
                  x.status == "Not for you", mark, "fetched presence")
    check(p is not None, "no presence")
    klog = b.kamailio_log(kmark)
    check("from sip:juliet@xmpp.test expires=0" in klog,
          "no fetch at Kamailio:\n%s", klog[-3000:])


def check_no_errors(b):
    """No error stanza reached juliet in the whole scenario."""
    errs = b.juliet.received_presences(lambda x: x.type == "error")
    check(not errs, "errors: %r", errs)


def main():
    t = util.TestRunner("presence_xmpp_watches_sip")
    b = PresenceBed("pres-x2s")
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    if not t.run(check_publish_and_subscribe, b):
        # Everything else needs the subscription.
        t.run(check_no_errors, b)
    else:
        for f in (check_away_with_note, check_busy_is_dnd,
                  check_embedded_show_wins, check_second_device,
                  check_closed_is_offline, check_unknown_basic_tolerated,
                  check_unpublish_is_offline, check_probe,
                  check_initial_presence_probe, check_unsubscribe,
                  check_probe_without_subscription_fetches,
                  check_no_errors):
            t.run(f, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
