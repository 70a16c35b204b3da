#!/usr/bin/python3
"""Trace categories (sipxmppd -T, [gateway] trace): what happens to each
subscription is traced, once per state change, only where a category
switches it on; the info level stays free of it.

romeo's SIP UA subscribes to juliet@xmpp.test through Kamailio, juliet
approves, romeo unsubscribes: the S2X watcher goes new -> PENDING ->
ACTIVE -> ended.

1. `trace = presence` in the file and `-T xmpp` on the command line: the
   two add up. Each of the three steps is one "trace presence:" line; the
   link's states are "trace xmpp:" lines; no sip or message trace; no
   info line about the subscription.
2. Neither: not one trace line and no line about the watcher's states,
   although the daemon runs with -d (log level debug).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.presence import PresenceBed, is_from          # noqa: E402
from harness.util import check                             # noqa: E402

JULIET = "sip:juliet@xmpp.test"
WAIT = 5.0
WATCHER = r"juliet@xmpp\.test watched by sip:romeo@sip\.test[^:]*: "


def subscription_life(b):
    """romeo subscribes, juliet approves, romeo unsubscribes."""
    mark = b.juliet.presence_mark()
    sub = b.romeo.subscribe(JULIET, expires=600)
    check(sub.status == 200, "SUBSCRIBE: %r", sub.response)
    n = sub.wait_notify(lambda n: n.state == "pending", WAIT, start=0)
    check(n is not None, "no NOTIFY pending: %r", sub.notifies)
    p = b.juliet.wait_presence(is_from("romeo@sip.test", "subscribe"),
                               WAIT, start=mark)
    check(p is not None, "juliet not asked")
    nmark = sub.mark()
    b.juliet.subscribed("romeo@sip.test")
    n = sub.wait_notify(lambda n: n.state == "active", WAIT, start=nmark)
    check(n is not None, "no NOTIFY active: %r", sub.notifies[nmark:])
    nmark = sub.mark()
    r = sub.unsubscribe()
    check(r is not None and r.status == 200, "unsubscribe: %r", r)
    n = sub.wait_notify(lambda n: n.state == "terminated", WAIT,
                        start=nmark)
    check(n is not None, "no NOTIFY terminated: %r", sub.notifies[nmark:])


def lines(text, regex):
    """The lines of text that regex finds something in."""
    return [ln for ln in text.splitlines() if re.search(regex, ln)]


def run_bed(name, trace, options):
    """A PresenceBed with -T trace and these gateway options: the
    subscription's life, then the gateway's whole log."""
    b = PresenceBed(name, gateway_options=options)
    b.d.gateway_trace = trace
    try:
        b.start()
        subscription_life(b)
        return util.read_text(b.gateway.log_path)
    finally:
        b.stop()


def check_categories_on():
    """trace = presence plus -T xmpp: the watcher's three steps, once
    each, under 'trace presence:'; the link under 'trace xmpp:'."""
    log = run_bed("trace-on", "xmpp", {"gateway": {"trace": "presence"}})
    for step in (r"new -> PENDING \(subscribe\)",
                 r"PENDING -> ACTIVE \(xmpp-subscribed\)",
                 r"ACTIVE -> ended \(unsubscribe\)"):
        got = lines(log, WATCHER + step)
        check(len(got) == 1, "%r: %d lines, want 1:\n%s", step, len(got),
              "\n".join(lines(log, "watched by")))
        check(" debug: trace presence: " in got[0], "not a trace line: %r",
              got[0])
    steps = lines(log, WATCHER)
    check(len(steps) == 3, "%d watcher lines, want 3:\n%s", len(steps),
          "\n".join(steps))
    check(lines(log, r"debug: trace xmpp: link .* -> ready"),
          "no xmpp trace of the link's states (-T xmpp)")
    check(not lines(log, r"trace (sip|message):"),
          "categories that are off traced:\n%s",
          "\n".join(lines(log, r"trace (sip|message):")))
    info = lines(log, r" info: .*(watched by|watching|NOTIFY)")
    check(not info, "subscription lines at info:\n%s", "\n".join(info))
    check(lines(log, r" info: xmpp: component .* connected"),
          "the link's coming up is no longer at info")


def check_categories_off():
    """No -T, no trace option, log level debug: no trace line at all and
    nothing about the watcher's states."""
    log = run_bed("trace-off", None, {})
    check(not lines(log, r"trace "), "trace lines with no category on:\n%s",
          "\n".join(lines(log, r"trace ")[:10]))
    check(not lines(log, "watched by|PENDING -> ACTIVE"),
          "watcher states logged:\n%s",
          "\n".join(lines(log, "watched by")))
    check(lines(log, r" debug: "), "the daemon did not log at debug")


def main():
    t = util.TestRunner("log_trace")
    t.run(check_categories_on)
    t.run(check_categories_off)
    t.finish()


if __name__ == "__main__":
    main()
