#!/usr/bin/python3
"""Presence survives a gateway restart, clean or not.

Live subscriptions both ways: juliet@xmpp.test watches romeo@sip.test (the
gateway's own SUBSCRIBE to Kamailio) and mercutio@sip.test watches juliet
(a SUBSCRIBE the gateway serves, through Kamailio).

Clean restart (SIGTERM): mercutio gets NOTIFY terminated;reason=
deactivated (RFC 6665 §4.1.3: subscribe again) and juliet 'unavailable'
from romeo; the new gateway refreshes its stored SUBSCRIBE at once, so
juliet sees romeo's presence again within seconds; mercutio subscribes
again and is active at once (the authorization is remembered).

Crash (SIGKILL) and start: nothing is said to anyone; the new gateway
resumes both dialogs from its state file: mercutio's NOTIFYs keep coming
in the same dialog with a higher CSeq, and juliet sees romeo again.
Afterwards changes flow both ways.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.gateway import SECRET, Gateway                # noqa: E402
from harness.presence import (PresenceBed, is_from,        # noqa: E402
                              pidf_away, pidf_open)
from harness.util import check                             # noqa: E402

JULIET = "sip:juliet@xmpp.test"
ROMEO = "romeo@sip.test"
ENTITY = "sip:romeo@sip.test"
WAIT = 5.0


class State:
    sub = None          # mercutio -> juliet
    mercutio = None


def publish(b, pidf):
    r = b.romeo.publish(pidf, etag=b.romeo.etag)
    if r is not None and r.status == 412:
        r = b.romeo.publish(pidf)
    check(r is not None and r.status == 200, "PUBLISH: %r", r)


def has_note(tid, note):
    def f(n):
        if n.state != "active" or not n.body.strip():
            return False
        t = n.pidf.tuple(tid)
        return t is not None and t.basic == "open" and t.note == note
    return f


def juliet_sees(b, status, start, what, timeout=WAIT):
    p = b.juliet.wait_presence(lambda x: is_from(ROMEO, None)(x) and
                               x.status == status, timeout, start=start)
    check(p is not None, "juliet did not see %s; got %r\ngateway log:\n%s",
          what, b.juliet.received_presences(start=start),
          util.tail(b.gateway.log_path, 40))
    return p


def mercutio_sees(b, s, note, start, what, timeout=WAIT):
    n = s.sub.wait_notify(has_note("ID-balcony", note), timeout, start=start)
    check(n is not None, "mercutio did not see %s; NOTIFYs %r\n"
          "gateway log:\n%s", what, s.sub.notifies[start:],
          util.tail(b.gateway.log_path, 40))
    return n


def check_setup_both_ways(b, s):
    """juliet watches romeo; mercutio watches juliet; both active."""
    publish(b, pidf_open(ENTITY, note="Before", tuple_id="ID-desk"))
    mark = b.juliet.presence_mark()
    b.juliet.subscribe(ROMEO)
    juliet_sees(b, "Before", mark, "romeo's first presence")
    s.mercutio = b.sip_user("mercutio")
    jmark = b.juliet.presence_mark()
    s.sub = s.mercutio.subscribe(JULIET, expires=600)
    check(s.sub.status == 200, "SUBSCRIBE: %r", s.sub.response)
    p = b.juliet.wait_presence(is_from("mercutio@sip.test", "subscribe"),
                               WAIT, start=jmark)
    check(p is not None, "juliet not asked")
    b.juliet.subscribed("mercutio@sip.test")
    b.juliet.send_presence(status="Juliet before")
    mercutio_sees(b, s, "Juliet before", 0, "juliet's presence")


def check_clean_restart(b, s):
    """SIGTERM: deactivated / unavailable; restart: romeo's presence comes
    back to juliet without her asking; mercutio resubscribes, active."""
    mark = s.sub.mark()
    jmark = b.juliet.presence_mark()
    b.d.restart_gateway()
    t0 = time.monotonic()
    n = s.sub.wait_notify(lambda n: n.state == "terminated", 2.0,
                          start=mark)
    check(n is not None, "no NOTIFY terminated at shutdown: %r",
          s.sub.notifies[mark:])
    check(n.reason == "deactivated", "reason %r", n.reason)
    p = b.juliet.wait_presence(is_from(ROMEO, "unavailable"), 1.0,
                               start=jmark)
    check(p is not None, "juliet got no unavailable at shutdown: %r",
          b.juliet.received_presences(start=jmark))
    # Back within a second or two of the restart: the stored SUBSCRIBE
    # dialog is refreshed and Kamailio NOTIFYs the current state.
    p = b.juliet.wait_presence(is_from(ROMEO, None), 3.0, start=jmark)
    check(p is not None, "romeo's presence did not come back: %r\n%s",
          b.juliet.received_presences(start=jmark),
          util.tail(b.gateway.log_path, 40))
    check(p.status == "Before", "status %r", p.status)
    check(time.monotonic() - t0 < 4.0, "took %.1fs", time.monotonic() - t0)
    # RFC 6665 §4.1.3 deactivated: subscribe again at once.
    s.sub = s.mercutio.subscribe(JULIET, expires=600)
    check(s.sub.status == 200, "re-SUBSCRIBE: %r", s.sub.response)
    n = s.sub.wait_notify(None, WAIT)
    check(n is not None and n.state == "active",
          "first NOTIFY after restart %r (authorization forgotten?)", n)


def check_flows_after_clean_restart(b, s):
    """Both directions work on the new gateway."""
    mark = b.juliet.presence_mark()
    publish(b, pidf_away(ENTITY, note="After restart", tuple_id="ID-desk"))
    p = juliet_sees(b, "After restart", mark, "romeo's change")
    check(p.show == "away", "show %r", p.show)
    mark = s.sub.mark()
    b.juliet.send_presence(show="away", status="Juliet after restart")
    mercutio_sees(b, s, "Juliet after restart", mark, "juliet's change")


def crash_and_start(b):
    """SIGKILL the gateway and start a new one on the same port and work
    directory (what a supervisor would do)."""
    old = b.d.gateway
    proc, old.proc = old.proc, None
    util.processes.stop(proc, signal.SIGKILL)
    old.check_sanitizers()
    b.d.gateway = Gateway(old.workdir, b.d.prosody.component_port,
                          secret=SECRET, outbound_proxy=old.outbound_proxy,
                          mapping=b.d.mapping,
                          options=b.d.gateway_options,
                          sip_port=old.sip_port)
    b.d.gateway.start()
    return b.d.gateway


def check_crash_restart(b, s):
    """SIGKILL + start: the same S2X dialog goes on (higher CSeq), and
    juliet gets romeo's presence again from the resumed X2S dialog."""
    mark = s.sub.mark()
    last_cseq = s.sub.remote_cseq
    jmark = b.juliet.presence_mark()
    crash_and_start(b)
    p = b.juliet.wait_presence(is_from(ROMEO, None), 3.0, start=jmark)
    check(p is not None, "romeo's presence did not come back: %r\n%s",
          b.juliet.received_presences(start=jmark),
          util.tail(b.gateway.log_path, 40))
    check(p.status == "After restart", "status %r", p.status)
    b.juliet.send_presence(status="Juliet after crash")
    n = mercutio_sees(b, s, "Juliet after crash", mark,
                      "juliet's change in the old dialog")
    check(n.cseq is not None and last_cseq is not None and
          n.cseq > last_cseq, "CSeq %r after %r", n.cseq, last_cseq)
    check(not s.sub.cseq_regressions, "CSeq went back: %r",
          s.sub.cseq_regressions)
    terminated = [x for x in s.sub.notifies[mark:]
                  if x.state == "terminated"]
    check(not terminated, "dialog terminated: %r", terminated)


def check_flows_after_crash(b, s):
    """romeo's next change reaches juliet; mercutio can refresh."""
    mark = b.juliet.presence_mark()
    publish(b, pidf_open(ENTITY, note="After crash", tuple_id="ID-desk"))
    juliet_sees(b, "After crash", mark, "romeo's change after the crash")
    mark = s.sub.mark()
    r = s.sub.refresh(600)
    check(r is not None and r.status == 200, "refresh: %r", r)
    mercutio_sees(b, s, "Juliet after crash", mark, "NOTIFY after refresh")


def main():
    t = util.TestRunner("presence_restart")
    b = PresenceBed("pres-restart")
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    s = State()
    if t.run(check_setup_both_ways, b, s):
        if t.run(check_clean_restart, b, s):
            t.run(check_flows_after_clean_restart, b, s)
        if t.run(check_crash_restart, b, s):
            t.run(check_flows_after_crash, b, s)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
