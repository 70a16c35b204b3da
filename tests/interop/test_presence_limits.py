#!/usr/bin/python3
"""Presence limits (RFC 8048 §8: a gateway must not be an amplifier).

With [presence] max_per_user = 2: juliet may watch two SIP contacts, and
a third subscription request gets <presence type='error'> with
resource-constraint; a SIP watcher may watch two XMPP users, and a third
SUBSCRIBE gets 503 with Retry-After. Ending one subscription makes room
again.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.presence import PresenceBed, is_from          # noqa: E402
from harness.util import check                             # noqa: E402

WAIT = 5.0


def check_x2s_limit(b):
    """juliet: two SIP contacts fine, the third refused."""
    j = b.juliet
    for c in ("abram", "balthasar"):
        mark = j.presence_mark()
        j.subscribe("%s@sip.test" % c)
        p = j.wait_presence(is_from("%s@sip.test" % c, "subscribed"), WAIT,
                            start=mark)
        check(p is not None, "%s: juliet got %r", c,
              j.received_presences(start=mark))
    mark = j.presence_mark()
    j.subscribe("sampson@sip.test")
    p = j.wait_presence(is_from("sampson@sip.test", "error"), WAIT,
                        start=mark)
    check(p is not None, "no error for the third; juliet got %r",
          j.received_presences(start=mark))
    check(p.error_condition == "resource-constraint", "condition %r: %s",
          p.error_condition, p.xml)


def check_x2s_room_again(b):
    """juliet drops abram: sampson can be watched now."""
    j = b.juliet
    kmark = len(b.kamailio_log())
    j.unsubscribe("abram@sip.test")
    util.wait_for(lambda: "from sip:juliet@xmpp.test expires=0" in
                  b.kamailio_log(kmark), WAIT, what="un-SUBSCRIBE")
    time.sleep(0.3)
    mark = j.presence_mark()
    j.subscribe("sampson@sip.test")
    p = j.wait_presence(is_from("sampson@sip.test", "subscribed"), WAIT,
                        start=mark)
    check(p is not None, "juliet got %r", j.received_presences(start=mark))


def check_s2x_limit(b):
    """romeo: two XMPP users fine, the third gets 503 + Retry-After."""
    subs = []
    for u in ("juliet", "nurse"):
        s = b.romeo.subscribe("sip:%s@xmpp.test" % u, expires=600)
        check(s.status == 200, "%s: %r", u, s.response)
        subs.append(s)
    # Straight to the gateway: Kamailio, as a proxy, would turn the 503
    # into a 500 (RFC 3261 §16.7 step 6).
    s = b.romeo.subscribe("sip:friar@xmpp.test", expires=600,
                          target=b.gateway.sip_addr)
    r = s.response
    check(r is not None and r.status == 503, "third: %r", r)
    check(r.get("retry-after") and r.get("retry-after").split()[0].isdigit(),
          "Retry-After %r", r.get("retry-after"))
    b.s2x = subs


def check_s2x_room_again(b):
    """romeo ends his subscription to nurse: friar is allowed now."""
    r = b.s2x[1].unsubscribe()
    check(r is not None and r.status == 200, "unsubscribe: %r", r)
    time.sleep(0.3)
    s = b.romeo.subscribe("sip:friar@xmpp.test", expires=600)
    check(s.status == 200, "after making room: %r", s.response)


def main():
    t = util.TestRunner("presence_limits")
    b = PresenceBed("pres-limits",
                    gateway_options={"presence": {"max_per_user": "2"}})
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    if t.run(check_x2s_limit, b):
        t.run(check_x2s_room_again, b)
    if t.run(check_s2x_limit, b):
        t.run(check_s2x_room_again, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
