#!/usr/bin/python3
"""Limits that keep one busy or broken peer from costing memory or loops.

- [message] max_pending caps XMPP messages waiting for their SIP answer:
  with a SIP side that never answers, the message over the cap is refused
  at once with resource-constraint (wait), the others are not.
- SIGTERM with messages still waiting for the SIP side: their XMPP senders
  get an error stanza, nothing is dropped silently.
- A SIP MESSAGE to a SIP user of the gateway's own domain would hairpin
  through the XMPP server back to SIP: 482 Loop Detected.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

ROMEO = "romeo@sip.test"


def check_hairpin_refused(d):
    """sip:nurse@sip.test maps into our own component domain: 482."""
    marker = util.unique("hairpin")
    r = d.ua.send_message("sip:nurse@sip.test", body=marker,
                          from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 482, "got %r", r)
    check(not [q for q in d.ua.received() if marker in q.text],
          "the message came back to SIP")


def check_cap_on_messages_to_sip(d):
    """max_pending = 2 and a SIP side that never answers: the third
    message gets resource-constraint at once, the first two wait."""
    d.ua.message_status = None          # never answer
    ids = [d.juliet.send_message(ROMEO, util.unique("cap%d" % i))
           for i in range(3)]
    e = d.juliet.wait_for_message(5, lambda m: m.is_error and m.id == ids[2])
    check(e is not None, "no error for the message over the cap")
    check(e.error_condition == "resource-constraint", "condition %r",
          e.error_condition)
    check(e.error_type == "wait", "type %r", e.error_type)
    early = d.juliet.wait_quiet(1.0, lambda m: m.is_error and
                                m.id in ids[:2])
    check(not early, "messages under the cap refused: %r", early)
    d.cap_ids = ids[:2]


def check_shutdown_reports_waiting(d):
    """SIGTERM while two messages wait for SIP: both senders are told."""
    d.gateway.stop()
    for mid in d.cap_ids:
        e = d.juliet.wait_for_message(10, lambda m, mid=mid: m.is_error and
                                      m.id == mid)
        check(e is not None, "no error stanza for %s after shutdown", mid)
        check("shut down" in (e.error_text or ""), "text %r", e.error_text)


def main():
    t = util.TestRunner("message_limits")
    d = Deployment("limits",
                   gateway_options={"message": {"max_pending": "2"},
                                    "gateway": {"shutdown_grace_ms": "500"}})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    t.run(check_hairpin_refused, d)
    t.run(check_cap_on_messages_to_sip, d)
    t.run(check_shutdown_reports_waiting, d)
    try:
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
