#!/usr/bin/python3
"""The issue's 'done': a real SIP softphone and a real Jabber client talk.

linphonec (Debian's linphone-cli, the Linphone softphone's command-line
form) registers as romeo@sip.test at Kamailio, which routes xmpp.test to
sipxmppd. romeo writes to juliet; juliet, on Prosody, receives it from
romeo@sip.test and replies; the reply comes back to the softphone through
Kamailio, with non-ASCII text intact.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.linphonec import Linphonec           # noqa: E402
from harness.util import SkipTest, check          # noqa: E402


class Bed:
    """Kamailio, the usual deployment and linphonec as romeo."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        self.d = Deployment("softphone",
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port)
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


def check_softphone_to_jabber(b):
    """romeo types a message in the softphone; juliet receives it."""
    marker = util.unique("phone")
    text = "But soft, what light " + marker
    b.phone.chat("sip:juliet@xmpp.test", text)
    m = b.d.juliet.wait_for_message(10, lambda m: m.body == text)
    check(m is not None, "juliet got nothing; softphone said:\n%s",
          b.phone.output()[-2000:])
    check(m.from_.split("/")[0] == "romeo@sip.test", "from %r", m.from_)


def check_jabber_reply_reaches_softphone(b):
    """juliet replies to romeo@sip.test; the softphone shows it."""
    marker = util.unique("reply")
    b.d.juliet.send_message("romeo@sip.test", "Ay me! Grüße " + marker)
    line = b.phone.wait_output(r"Message received from .*juliet@xmpp\.test"
                               r".*: Ay me! Grüße " + marker, 10)
    check(line is not None, "softphone showed nothing; it said:\n%s",
          b.phone.output()[-2000:])


def main():
    t = util.TestRunner("message_softphone")
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
    t.run(check_softphone_to_jabber, b)
    t.run(check_jabber_reply_reaches_softphone, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
