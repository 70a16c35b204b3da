#!/usr/bin/python3
"""The issue's 'done' for rooms: a real softphone takes part in a room.

linphonec (Debian's linphone-cli) registers as romeo@sip.test at
Kamailio, which routes conf.sip.test (the mapping rule "room") and
xmpp.test to sipxmppd. juliet and nurse, on Prosody, sit in the room
lobby of Prosody's real MUC component. romeo types a line to
sip:lobby@conf.sip.test: juliet sees the occupant romeo arrive and the
line said in the room; juliet and nurse answer; the softphone shows
"juliet: ..." and then "nurse: ...", each From the room URI, in the
room's order (issue 13: "a softphone user writes to sip:lobby@conf...,
the room sees him arrive and speak, and he reads the room's answers,
each prefixed with who said it, in order").
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, Deployment  # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.linphonec import Linphonec           # noqa: E402
from harness.util import SkipTest, check          # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, ROOM_RULE, join,  # noqa: E402
                         prosody_muc)


PROSODY_MUC = prosody_muc()


class Bed:
    """Kamailio, the deployment with a room rule, linphonec as romeo."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        gw = ("127.0.0.1", self.gw_port, "udp")
        self.d = Deployment("room-phone", prosody_config=PROSODY_MUC,
                            mapping=DEFAULT_MAPPING +
                            [ROOM_RULE],
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port)
        # RFC 7247 §5: the SIP server hands the gateway's domains to it;
        # the room domain is one of them.
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test", port=self.k_port,
                          routes={"xmpp.test": gw, "conf.sip.test": gw})
        self.phone = Linphonec(os.path.join(self.d.dir, "linphonec"),
                               "sip:romeo@sip.test",
                               ("127.0.0.1", self.k_port))

    def start(self):
        self.k.start()
        self.d.start()
        self.d.nurse = self.d.user("nurse")
        join(self.d.juliet, LOBBY, "juliet")
        join(self.d.nurse, LOBBY, "nurse")
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


def check_softphone_joins_and_speaks(b):
    """romeo's first line joins lobby: juliet sees romeo arrive, then
    the line said by lobby/romeo."""
    j = b.d.juliet
    text = "Is she in the room " + util.unique("phone")
    b.phone.chat(LOBBY_URI, text)
    p = j.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                        p.available, timeout=15, start=0)
    check(p is not None, "juliet did not see romeo arrive; gateway log:\n%s"
          "\nsoftphone said:\n%s", b.d.gateway.log_text()[-2000:],
          b.phone.output()[-2000:])
    m = j.wait_for_message(10, lambda m: m.type == "groupchat" and
                           m.body == text)
    check(m is not None, "juliet never saw romeo's line; softphone said:"
          "\n%s", b.phone.output()[-2000:])
    check(m.from_ == LOBBY + "/romeo", "said as %r", m.from_)


def check_room_answers_reach_softphone(b):
    """juliet then nurse answer in the room: the softphone shows both,
    From the room URI, prefixed with who said it, in that order."""
    start = len(b.phone.lines)
    first = "Ay me " + util.unique("juliet")
    second = "Madam " + util.unique("nurse")
    b.d.juliet.send_message(LOBBY, first, mtype="groupchat")
    check(b.d.juliet.wait_for_message(
        10, lambda m: m.type == "groupchat" and m.body == first),
        "juliet's line not reflected by the room")
    b.d.nurse.send_message(LOBBY, second, mtype="groupchat")
    line1 = b.phone.wait_output(r"Message received from .*lobby@conf\.sip"
                                r"\.test.*: juliet: " + first, 10,
                                start=start)
    check(line1 is not None, "softphone showed no juliet line; it said:"
          "\n%s", "\n".join(b.phone.lines[start:])[-2000:])
    line2 = b.phone.wait_output(r"Message received from .*lobby@conf\.sip"
                                r"\.test.*: nurse: " + second, 10,
                                start=start)
    check(line2 is not None, "softphone showed no nurse line; it said:"
          "\n%s", "\n".join(b.phone.lines[start:])[-2000:])
    check(b.phone.lines.index(line1, start) <
          b.phone.lines.index(line2, start), "nurse's line came first")


def main():
    t = util.TestRunner("room_softphone")
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
    t.run(check_softphone_joins_and_speaks, b)
    t.run(check_room_answers_reach_softphone, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
