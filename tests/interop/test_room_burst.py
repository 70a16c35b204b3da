#!/usr/bin/python3
"""A burst of room messages to three SIP participants (issue 13, Tests).

Prosody runs its real MUC component; juliet sits in the room lobby.
Three SIP users of one scripted UA (romeo, mercutio, benvolio) join lobby
by one MESSAGE each to sip:lobby@conf.sip.test. juliet then sends 200
groupchat messages as fast as her client writes them. The room sends each
of the gateway's three occupants its own copy of every one (one occupant
per SIP user), and the gateway carries them to SIP one at a time per
participant, in the room's order (issue 13 item 3). Each SIP user must
get all 200, in order, each exactly once, prefixed "juliet: ", and
nothing may be dropped for a queue bound ([rooms] queue_max, 200 by
default: the burst fits exactly).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, Deployment  # noqa: E402
from harness.sip_ua import uri_of                 # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, ROOM_RULE, join,  # noqa: E402
                         prosody_muc)

USERS = ("romeo", "mercutio", "benvolio")
BURST = 200
# Bounded: 200 MESSAGEs per participant, one outstanding each, over
# loopback take well under a second; 60 s covers ASan and valgrind.
WAIT_S = 60

PROSODY_MUC = prosody_muc(max_history_messages=0)


def sip_uri(user):
    """The SIP address of one of the three participants."""
    return "sip:%s@sip.test" % user


def check_three_join(d):
    """Each SIP user's first MESSAGE joins lobby and is said there."""
    for user in USERS:
        body = util.unique("hello-" + user)
        resp = d.ua.send_message(LOBBY_URI, from_uri=sip_uri(user),
                                 body=body, target=d.gateway.sip_addr)
        check(resp is not None and resp.status == 200,
              "%s's MESSAGE answered %r", user, resp and resp.status)
        seen = d.juliet.wait_for_message(
            predicate=lambda m, b=body: m.type == "groupchat" and
            m.body == b)
        check(seen is not None and seen.from_ == LOBBY + "/" + user,
              "juliet saw %r", seen and seen.from_)


def delivered(d, user, tag):
    """MESSAGEs to user whose body holds tag, in arrival order."""
    return [r for r in d.ua.received()
            if tag in r.text and uri_of(r.uri) == sip_uri(user)]


def check_burst(d):
    """juliet's 200 lines: each participant gets all, in order, once."""
    tag = util.unique("burst")
    lines = ["%s-%03d" % (tag, i) for i in range(BURST)]
    for line in lines:
        d.juliet.send_message(LOBBY, line, mtype="groupchat")
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if all(len(delivered(d, u, tag)) >= BURST for u in USERS):
            break
        time.sleep(0.2)
    # A late duplicate would show here: wait a little past complete.
    time.sleep(1.0)
    want = ["juliet: " + line for line in lines]
    for user in USERS:
        got = [r.text for r in delivered(d, user, tag)]
        check(len(got) == BURST, "%s got %d of %d (first missing: %r)",
              user, len(got), BURST,
              next((w for w in want if w not in got), None))
        check(got == want, "%s: out of order or altered, first "
              "difference at %r", user,
              next((i for i, (a, b) in enumerate(zip(got, want))
                    if a != b), None))
    log = d.gateway.log_text()
    check("queue full" not in log, "the gateway dropped room messages")


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("room_burst")
    d = Deployment("room_burst", prosody_config=PROSODY_MUC,
                   mapping=DEFAULT_MAPPING +
                   [ROOM_RULE])
    try:
        d.start()
        join(d.juliet, LOBBY, "juliet")
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    t.run(check_three_join, d)
    t.run(check_burst, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
