#!/usr/bin/python3
"""The issue's 'done' for presence: a real softphone and a real Jabber
client see each other's status.

linphonec (linphone-cli 5.1) registers as romeo@sip.test at Kamailio, the
presence server of sip.test, and PUBLISHes its presence (open; closed when
it quits). Its command line cannot set a status other than that, but it
watches buddies: `friend add NAME URI` SUBSCRIBEs through Kamailio and
every NOTIFY prints `Friend "NAME" <URI> is Online|Away|Busy|Offline`.

- juliet's roster shows the softphone user: she subscribes to
  romeo@sip.test and sees him available; when the softphone quits she
  sees him go offline.
- The softphone's buddy list shows the Jabber user: romeo adds juliet,
  she approves, and each status change of hers (away, dnd, offline)
  shows on the softphone within a second.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.linphonec import Linphonec                    # noqa: E402
from harness.presence import PresenceBed, is_from          # noqa: E402
from harness.util import SkipTest, check                   # noqa: E402

ROMEO = "romeo@sip.test"
WAIT = 5.0


class PresencePhone(Linphonec):
    """linphonec that PUBLISHes its presence (RFC 3903) at registration."""

    def write_config(self):
        super().write_config()
        path = os.path.join(self.workdir, "linphonerc")
        text = util.read_text(path).replace("publish=0\n",
                                            "publish=1\npublish_expires=600\n")
        with open(path, "w") as f:
            f.write(text)

    def wait_friend(self, name, status, start, timeout=3.0):
        """The line saying friend name is status (after line start)."""
        return self.wait_output(r'Friend "%s" <[^>]*> is %s$' % (name, status),
                                timeout, start=start)


class Bed:
    def __init__(self):
        self.p = PresenceBed("pres-phone", register_romeo=False)
        self.phone = PresencePhone(os.path.join(self.p.d.dir, "linphonec"),
                                   "sip:romeo@sip.test", None)

    def start(self):
        self.p.start()
        self.phone.proxy = self.p.k.addr
        self.phone.start()
        if self.phone.wait_registered() is None:
            raise RuntimeError("linphonec did not register:\n"
                               + self.phone.output()[-2000:])
        return self

    def stop(self):
        try:
            self.phone.stop()
        finally:
            self.p.stop()


def check_jabber_sees_softphone(b):
    """juliet subscribes to romeo@sip.test: subscribed, available."""
    j = b.p.juliet
    mark = j.presence_mark()
    j.subscribe(ROMEO)
    p = j.wait_presence(is_from(ROMEO, None), WAIT, start=mark)
    check(p is not None, "juliet got %r; kamailio log:\n%s\n"
          "gateway log:\n%s", j.received_presences(start=mark),
          util.tail(b.p.k.log_path, 20), util.tail(b.p.gateway.log_path, 30))
    check(p.resource, "no resource in %r", p.from_)
    check(j.received_presences(is_from(ROMEO, "subscribed"), mark),
          "no 'subscribed' before the presence")
    roster = j.roster()
    check(roster.get(ROMEO, ("none",))[0] in ("to", "both"),
          "juliet's roster: %r", roster)


def check_softphone_sees_jabber(b):
    """romeo adds juliet as a buddy; she approves; 'Online'."""
    j = b.p.juliet
    mark = j.presence_mark()
    line = len(b.phone.lines)
    b.phone.command("friend add juliet sip:juliet@xmpp.test")
    p = j.wait_presence(is_from(ROMEO, "subscribe"), WAIT, start=mark)
    check(p is not None, "juliet was not asked; she got %r",
          j.received_presences(start=mark))
    j.subscribed(ROMEO)
    got = b.phone.wait_friend("juliet", "Online", line, WAIT)
    check(got is not None, "softphone said:\n%s",
          "\n".join(b.phone.lines[line:])[-2000:])


def status_shows_within_a_second(b, send, status):
    line = len(b.phone.lines)
    t0 = time.monotonic()
    send()
    got = b.phone.wait_friend("juliet", status, line, 3.0)
    took = time.monotonic() - t0
    check(got is not None, "softphone never showed %s; it said:\n%s",
          status, "\n".join(b.phone.lines[line:])[-2000:])
    check(took <= 1.0, "%s took %.2fs", status, took)


def check_away_within_a_second(b):
    """juliet: <show>away</show> -> the softphone shows Away."""
    status_shows_within_a_second(
        b, lambda: b.p.juliet.send_presence(show="away",
                                            status="At the window"),
        "Away")


def check_dnd_within_a_second(b):
    """juliet: <show>dnd</show> -> the softphone shows Busy."""
    status_shows_within_a_second(
        b, lambda: b.p.juliet.send_presence(show="dnd"), "Busy")


def check_back_within_a_second(b):
    """juliet available again -> Online."""
    status_shows_within_a_second(
        b, lambda: b.p.juliet.send_presence(), "Online")


def check_offline_within_a_second(b):
    """juliet unavailable -> Offline."""
    status_shows_within_a_second(
        b, lambda: b.p.juliet.send_presence(type="unavailable"), "Offline")


def check_softphone_quits(b):
    """The softphone quits (un-PUBLISH): juliet sees romeo offline."""
    j = b.p.juliet
    # Back online (she went offline above, and the gateway may have ended
    # its SUBSCRIBE for her meanwhile): wait until she sees romeo again,
    # so the un-PUBLISH meets a live subscription.
    mark = j.presence_mark()
    j.send_presence()
    p = j.wait_presence(is_from(ROMEO, None), WAIT, start=mark)
    check(p is not None, "juliet does not see romeo again: %r",
          j.received_presences(start=mark))
    mark = j.presence_mark()
    b.phone.stop()
    p = j.wait_presence(is_from(ROMEO, "unavailable"), WAIT, start=mark)
    check(p is not None, "juliet got %r", j.received_presences(start=mark))


def main():
    t = util.TestRunner("presence_softphone")
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
    t.run(check_jabber_sees_softphone, b)
    if t.run(check_softphone_sees_jabber, b):
        for f in (check_away_within_a_second, check_dnd_within_a_second,
                  check_back_within_a_second,
                  check_offline_within_a_second):
            t.run(f, b)
    t.run(check_softphone_quits, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
