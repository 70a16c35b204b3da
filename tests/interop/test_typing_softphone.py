#!/usr/bin/python3
"""Typing with a real softphone: juliet's chat states reach linphonec.

linphonec (Debian's linphone-cli) registers as romeo@sip.test at Kamailio,
which routes xmpp.test to sipxmppd. juliet, on Prosody, starts typing to
romeo: the gateway sends an RFC 3994 isComposing MESSAGE through Kamailio
and liblinphone must take it (2xx: the document is one it reads, not 415
or 400), and must not show it as a message. linphonec has no command that
sends isComposing, so the other direction is only checked with the
scripted UA (test_typing.py).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.linphonec import Linphonec           # noqa: E402
from harness.util import SkipTest, check          # noqa: E402


class Bed:
    """Kamailio, the usual deployment (tracing messages) and linphonec."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        self.d = Deployment("typing_softphone",
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port,
                            gateway_options={"gateway": {"trace": "message"}})
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test", port=self.k_port,
                          routes={"xmpp.test": ("127.0.0.1", self.gw_port,
                                                "udp")})
        self.phone = Linphonec(os.path.join(self.d.dir, "linphonec"),
                               "sip:romeo@sip.test",
                               ("127.0.0.1", self.k_port))

    def start(self):
        self.k.start()
        self.d.start()
        self.phone.start()
        if self.phone.wait_registered() is None:
            raise RuntimeError("linphonec did not register:\n"
                               + self.phone.output()[-2000:])
        return self

    def stop(self):
        try:
            self.phone.stop()
            self.d.stop()
        finally:
            self.k.stop()


def juliet_types(b, state):
    """juliet sends a standalone chat state to romeo (XEP-0085 §5.6)."""
    b.d.juliet.send_raw("<message to='romeo@sip.test' type='chat'><%s "
                        "xmlns='http://jabber.org/protocol/chatstates'/>"
                        "</message>" % state)


def check_composing_taken_by_linphone(b):
    """<composing/> then <paused/>: liblinphone answers both 2xx, and
    linphonec shows no message for either."""
    mark = b.d.gateway.log_mark()
    out = len(b.phone.output())
    juliet_types(b, "composing")
    line = b.d.gateway.wait_log(r"isComposing .*juliet@xmpp\.test.* -> "
                                r"sip:romeo@sip\.test answered 2\d\d",
                                10, start=mark)
    print("linphonec answered: %s" % (line.group(0) if line else None))
    check(line is not None, "no 2xx for active; gateway log:\n%s",
          b.d.gateway.log_text(mark)[-2000:])
    time.sleep(1.2)
    mark = b.d.gateway.log_mark()
    juliet_types(b, "paused")
    line = b.d.gateway.wait_log(r"isComposing .*juliet@xmpp\.test.* -> "
                                r"sip:romeo@sip\.test answered 2\d\d",
                                10, start=mark)
    check(line is not None, "no 2xx for idle; gateway log:\n%s",
          b.d.gateway.log_text(mark)[-2000:])
    time.sleep(0.5)
    shown = b.phone.output()[out:]
    check("Message received" not in shown and "isComposing" not in shown,
          "linphonec showed typing as a message:\n%s", shown[-2000:])


def main():
    t = util.TestRunner("typing_softphone")
    if not Linphonec.available():
        t.run(lambda: (_ for _ in ()).throw(
            SkipTest("linphonec (linphone-cli) not installed")))
        t.finish()
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment + linphonec start")
        t.finish()
    t.run(check_composing_taken_by_linphone, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
