#!/usr/bin/python3
"""The life of a room membership (issue 13 items 7 and 8).

romeo (a scripted SIP UA) joins lobby by writing to it; juliet says A.
Prosody restarts (lobby is persistent; a MESSAGE while it is away gets
503 and the membership stays): the gateway rejoins romeo with
the same nick once its link is back, juliet sees him, says B, romeo gets
B and not A again. The gateway restarts (SIGTERM, same store): romeo is
rejoined, the history he already had (A, B) is not replayed, juliet's C
reaches him once. With [rooms] idle_leave_s = 2, romeo, silent, leaves:
he is told so in a MESSAGE, juliet sees him go, and the record is gone
(the next start does not bring him back). A rejoin the room refuses
(banned meanwhile) tells him why; one whose nick was taken meanwhile
comes back with the next nick.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, Deployment  # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, NS_MUC, ROOM_RULE,  # noqa: E402
                         join, prosody_muc)

ROMEO = "sip:romeo@sip.test"

# The room must outlive Prosody's restart.
PROSODY_MUC = prosody_muc(muc_room_default_persistent="true")

ROOMS = {"history": "10"}


def romeo_present(user, start, timeout=20):
    """Waits until user sees lobby/romeo available after start."""
    return user.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                              p.available, start=start, timeout=timeout)


def said(d, text):
    """How many MESSAGEs to romeo carried exactly "juliet: text"."""
    return sum(1 for r in d.ua.received() if r.text == "juliet: " + text)


def juliet_says(d, text):
    """juliet says text in lobby; waits until romeo has it."""
    d.juliet.send_message(LOBBY, text, mtype="groupchat")
    r = d.ua.wait_for_request(lambda r: r.text == "juliet: " + text, 15,
                              method="MESSAGE")
    check(r is not None, "romeo never got %r", text)


def check_join(d):
    """romeo's first MESSAGE joins; juliet's A reaches him."""
    resp = d.ua.send_message(LOBBY_URI, from_uri=ROMEO,
                             body=util.unique("hi"),
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 200, "join answered %r",
          resp and resp.status)
    d.a = util.unique("A")
    juliet_says(d, d.a)


def check_prosody_restart(d):
    """Prosody restarts: romeo is back with his nick, B reaches him, A
    is not replayed."""
    mark = d.gateway.log_mark()
    d.prosody.stop()
    check(d.gateway.wait_link_down(15, start=mark), "link not down")
    # While the link is down a MESSAGE cannot be proved: 503, and the
    # membership is kept all the same.
    resp = d.ua.send_message(LOBBY_URI, from_uri=ROMEO,
                             body=util.unique("into-the-void"),
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 503, "answered %r",
          resp and resp.status)
    d.prosody.start()
    check(d.gateway.wait_link_up(30, start=mark), "link not back")
    d.juliet = d.user("juliet", jid="juliet@xmpp.test/balcony2")
    join(d.juliet, LOBBY, "juliet")
    check(romeo_present(d.juliet, 0) is not None,
          "romeo not rejoined after Prosody's restart")
    d.b = util.unique("B")
    juliet_says(d, d.b)
    time.sleep(1.0)
    check(said(d, d.a) == 1, "A delivered %d times", said(d, d.a))
    check(said(d, d.b) == 1, "B delivered %d times", said(d, d.b))


def check_gateway_restart(d):
    """The gateway restarts with the same store: romeo is rejoined, the
    history he had is not replayed, C reaches him once."""
    mark = d.juliet.presence_mark()
    d.restart_gateway()
    gone = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                                  p.type == "unavailable", start=mark)
    check(gone is not None, "romeo did not leave on SIGTERM")
    check(romeo_present(d.juliet, mark) is not None,
          "romeo not rejoined after the gateway's restart")
    check("memberships restored" in d.gateway.log_text(),
          "no restore logged")
    # The room sends its history right after the self-presence.
    time.sleep(1.5)
    d.c = util.unique("C")
    juliet_says(d, d.c)
    time.sleep(1.0)
    for name, text in (("A", d.a), ("B", d.b), ("C", d.c)):
        check(said(d, text) == 1, "%s delivered %d times", name,
              said(d, text))


def check_idle_leave(d):
    """idle_leave_s = 2: romeo, rejoined and silent, leaves; he is told
    so; juliet sees him go; the record is gone."""
    rooms = dict(ROOMS, idle_leave_s="2")
    mark = d.juliet.presence_mark()
    n = len(d.ua.received())
    d.restart_gateway(options={"rooms": rooms})
    check(romeo_present(d.juliet, mark) is not None,
          "romeo not rejoined")
    back_in = d.juliet.presence_mark()
    # His phone sits on a room MESSAGE (no answer): the "you left"
    # line must not wait behind it in a queue that goes with him.
    d.ua.message_status = None
    try:
        juliet_says(d, util.unique("unanswered"))
        r = d.ua.wait_for_request(
            lambda r: r in d.ua.received()[n:] and
            r.text.startswith("You left " + LOBBY_URI), 15,
            method="MESSAGE")
    finally:
        d.ua.message_status = 200
    check(r is not None, "no idle-leave MESSAGE")
    check("without a message" in r.text, "idle text %r", r.text)
    last = d.juliet.wait_presence(
        lambda p: p.from_ == LOBBY + "/romeo" and
        p.type == "unavailable", start=back_in, timeout=10)
    check(last is not None, "juliet did not see romeo leave")
    # The record went with him: the next start does not rejoin him.
    mark = d.juliet.presence_mark()
    d.restart_gateway(options={"rooms": ROOMS})
    back = romeo_present(d.juliet, mark, timeout=3)
    check(back is None, "romeo rejoined after his idle leave")


def affiliate(d, jid, affiliation):
    """juliet (the room's owner) sets jid's affiliation in lobby."""
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='%s'><query xmlns='%s#admin'>"
        "<item affiliation='%s' jid='%s'/></query></iq>" %
        (LOBBY, util.unique("aff"), NS_MUC, affiliation, jid))
    time.sleep(1.0)


def romeo_writes(d):
    """romeo writes to lobby (joining it if he is out); 200 expected."""
    resp = d.ua.send_message(LOBBY_URI, from_uri=ROMEO,
                             body=util.unique("again"),
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 200, "answered %r",
          resp and resp.status)


def check_rejoin_refused(d):
    """Banned while the gateway was down: the rejoin is refused, romeo
    is told why in a MESSAGE, and the record is gone (writing again is
    a fresh join, once he is let in)."""
    d.gateway.stop()
    affiliate(d, "romeo@sip.test", "outcast")
    n = len(d.ua.received())
    d.restart_gateway()
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[n:] and
        r.text.startswith("You are no longer in " + LOBBY_URI), 15,
        method="MESSAGE")
    check(r is not None, "no MESSAGE about the refused rejoin")
    check("banned" in r.text, "reason %r", r.text)
    affiliate(d, "romeo@sip.test", "none")
    mark = d.juliet.presence_mark()
    romeo_writes(d)
    check(romeo_present(d.juliet, mark) is not None, "romeo not back in")


def check_rejoin_conflict(d):
    """nurse took "romeo" while the gateway was down: the rejoin gets
    409 and romeo comes back as romeo-2 (XEP-0045 §7.2.9)."""
    romeo_writes(d)
    d.gateway.stop()
    nurse = d.user("nurse")
    join(nurse, LOBBY, "romeo")
    mark = d.juliet.presence_mark()
    d.restart_gateway()
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo-2" and
                               p.available, start=mark, timeout=20)
    check(p is not None, "romeo not rejoined as romeo-2")


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("room_life")
    d = Deployment("room-life", prosody_config=PROSODY_MUC,
                   mapping=DEFAULT_MAPPING +
                   [ROOM_RULE],
                   gateway_options={"rooms": ROOMS})
    try:
        d.start()
        join(d.juliet, LOBBY, "juliet")
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    if t.run(check_join, d) and t.run(check_prosody_restart, d) and \
            t.run(check_gateway_restart, d) and \
            t.run(check_rejoin_refused, d) and t.run(check_idle_leave, d):
        t.run(check_rejoin_conflict, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
