#!/usr/bin/python3
"""A SIP user in an XMPP room, page mode (issue 13, XEP-0045).

Prosody runs its real MUC component (conference.xmpp.test); juliet and
nurse sit in the room lobby. romeo, a scripted SIP UA with nothing but
MESSAGE, writes to sip:lobby@conf.sip.test (mapping rule "room"): his
first MESSAGE joins the room on his behalf and is said there, its 200
coming only once the room reflected it; what the others say reaches him
as MESSAGEs From "nick" <room URI>, prefixed "nick: ", in the room's
order; /who lists the occupants; /nick renames him; /leave takes him
out (the others see him go). A room that does not exist answers 404, a
members-only room 403.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, Deployment  # noqa: E402
from harness.sip_ua import uri_of                 # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, MUC, NS_MUC,  # noqa: E402
                         ROOM_RULE, join, prosody_muc, say)

ROMEO = "sip:romeo@sip.test"

PROSODY_MUC = prosody_muc()


def send(d, to, body, **kw):
    """romeo's MESSAGE to the gateway; the final response."""
    return d.ua.send_message(to, from_uri=ROMEO, body=body,
                             target=d.gateway.sip_addr, **kw)


def room_messages(d, marker):
    """MESSAGEs to romeo whose body holds marker, in arrival order."""
    return [r for r in d.ua.received() if marker in r.text]


def check_join_by_message(d):
    """The first MESSAGE joins; the room sees 'romeo' say it; 200 only
    after the reflection; the history (juliet's earlier line) reaches
    him prefixed by her nick."""
    before = util.unique("history")
    say(d.juliet, LOBBY, before)
    check(d.juliet.wait_for_message(
        predicate=lambda m: before in (m.body or "")),
          "juliet's own line not reflected")
    mark = d.juliet.presence_mark()
    body = util.unique("hello-room")
    resp = send(d, LOBBY_URI, body)
    check(resp is not None and resp.status == 200, "MESSAGE answered %r",
          resp and resp.status)
    seen = d.juliet.wait_for_message(
        predicate=lambda m: m.type == "groupchat" and body == m.body)
    check(seen is not None, "juliet never saw romeo's line")
    check(seen.from_ == LOBBY + "/romeo", "said as %r", seen.from_)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo",
                               start=0)
    check(p is not None and p.available, "no presence of romeo in lobby")
    del mark
    hist = d.ua.wait_for_request(lambda r: before in r.text, 10,
                                 method="MESSAGE")
    check(hist is not None, "history not delivered to romeo")
    check(hist.text == "juliet: " + before, "history body %r", hist.text)
    frm = hist.get("from", "")
    check('"juliet"' in frm and uri_of(frm) == LOBBY_URI,
          "history From %r", frm)
    # His own line is not echoed back to him.
    time.sleep(0.5)
    check(not room_messages(d, body), "romeo got his own line back")


def check_room_to_sip_in_order(d):
    """50 lines from nurse in a burst: all reach romeo, in order, From
    "nurse" <room URI>, body "nurse: ..."."""
    tag = util.unique("burst")
    for i in range(50):
        say(d.nurse, LOBBY, "%s-%02d" % (tag, i))
    deadline = time.monotonic() + 30
    got = []
    while time.monotonic() < deadline:
        got = room_messages(d, tag)
        if len(got) >= 50:
            break
        time.sleep(0.2)
    check(len(got) == 50, "%d of 50 delivered", len(got))
    bodies = [r.text for r in got]
    want = ["nurse: %s-%02d" % (tag, i) for i in range(50)]
    check(bodies == want, "out of order or altered: %r", bodies[:5])
    for r in got:
        check('"nurse"' in r.get("from", "") and
              uri_of(r.get("from", "")) == LOBBY_URI, "From %r",
              r.get("from"))
        check(uri_of(r.uri) == ROMEO, "Request-URI %r", r.uri)


def check_subject(d):
    """A subject change reaches him with a Subject header."""
    subject = util.unique("topic")
    d.juliet.send_raw("<message to='%s' type='groupchat'><subject>%s"
                      "</subject></message>" % (LOBBY, subject))
    r = d.ua.wait_for_request(lambda r: subject in r.text, 10,
                              method="MESSAGE")
    check(r is not None, "subject change not delivered")
    check(r.get("subject") == subject, "Subject %r", r.get("subject"))


def check_who(d):
    """/who answers 200 and a MESSAGE listing the occupants."""
    mark = len(d.ua.received())
    resp = send(d, LOBBY_URI, "/who")
    check(resp is not None and resp.status == 200, "/who answered %r",
          resp and resp.status)
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[mark:] and "in " + LOBBY_URI in
        r.text, 10, method="MESSAGE")
    check(r is not None, "no /who answer")
    for nick in ("juliet", "nurse", "romeo"):
        check(nick in r.text, "/who misses %s: %r", nick, r.text)


def nick_to(d, old, new):
    """/nick new: 200; the room shows old leaving with 303 and new
    arriving; romeo is told his new nick."""
    mark = d.juliet.presence_mark()
    seen = len(d.ua.received())
    resp = send(d, LOBBY_URI, "/nick " + new)
    check(resp is not None and resp.status == 200, "/nick answered %r",
          resp and resp.status)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/" + old and
                               p.type == "unavailable" and "303" in p.xml,
                               start=mark)
    check(p is not None, "no 303 nick change of %s seen", old)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/" + new and
                               p.available, start=mark)
    check(p is not None, "%s never arrived", new)
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[seen:] and
        r.text.startswith("You are now " + new), 10, method="MESSAGE")
    check(r is not None, "romeo not told of his new nick")


def check_nick_command(d):
    """/nick Romeo2 renames him in the room (XEP-0045 §7.6): what he
    says next comes from lobby/Romeo2; /nick romeo takes it back."""
    nick_to(d, "romeo", "Romeo2")
    body = util.unique("renamed")
    resp = send(d, LOBBY_URI, body)
    check(resp is not None and resp.status == 200, "answered %r",
          resp and resp.status)
    seen = d.juliet.wait_for_message(
        predicate=lambda m: m.type == "groupchat" and m.body == body)
    check(seen is not None and seen.from_ == LOBBY + "/Romeo2",
          "said as %r", seen and seen.from_)
    nick_to(d, "Romeo2", "romeo")


def check_unknown_room(d):
    """A room that does not exist: 404, and no room is left behind."""
    resp = send(d, "sip:nosuch@conf.sip.test", util.unique("void"))
    check(resp is not None and resp.status == 404, "answered %r",
          resp and resp.status)


def check_members_only(d):
    """juliet makes room club members-only: romeo's MESSAGE gets 403."""
    club = "club@" + MUC
    join(d.juliet, club, "juliet")
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='cfg1'><query xmlns='%s#owner'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>%s#roomconfig</value></field>"
        "<field var='muc#roomconfig_membersonly'><value>1</value></field>"
        "</x></query></iq>" % (club, NS_MUC, NS_MUC))
    # The room tells its occupants of the change (XEP-0045 §10.2.1).
    d.juliet.wait_for_message(predicate=lambda m: m.from_ == club and
                              "104" in m.xml, timeout=5)
    resp = send(d, "sip:club@conf.sip.test", util.unique("club"))
    check(resp is not None and resp.status == 403, "answered %r",
          resp and resp.status)
    check("member" in (resp.reason or "").lower(), "reason %r",
          resp.reason)


def check_leave(d):
    """/leave: 200, the others see him go, he is told."""
    mark = d.juliet.presence_mark()
    resp = send(d, LOBBY_URI, "/leave")
    check(resp is not None and resp.status == 200, "/leave answered %r",
          resp and resp.status)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                               p.type == "unavailable", start=mark)
    check(p is not None, "juliet did not see romeo leave")
    r = d.ua.wait_for_request(lambda r: r.text.startswith("You left"), 10,
                              method="MESSAGE")
    check(r is not None, "no confirmation of /leave")
    # Out of the room: what is said there no longer reaches him.
    tag = util.unique("after-leave")
    say(d.nurse, LOBBY, tag)
    time.sleep(1.0)
    check(not room_messages(d, tag), "romeo still gets the room")


def check_nick_conflict(d):
    """nurse already is "romeo" in den: romeo joins as romeo-2 (XEP-0045
    §7.2.9 conflict, then the next nick)."""
    den = "den@" + MUC
    join(d.nurse, den, "romeo")
    body = util.unique("den")
    resp = send(d, "sip:den@conf.sip.test", body)
    check(resp is not None and resp.status == 200, "answered %r",
          resp and resp.status)
    seen = d.nurse.wait_for_message(
        predicate=lambda m: m.type == "groupchat" and m.body == body)
    check(seen is not None and seen.from_ == den + "/romeo-2",
          "said as %r", seen and seen.from_)


def check_dead_participant_removed(d):
    """romeo's phone stops answering (480 to every MESSAGE): after
    [rooms] max_failures (3) in a row he is taken out of den, and the
    room sees him go; no ghost occupant."""
    den = "den@" + MUC
    mark = d.nurse.presence_mark()
    d.ua.message_status, d.ua.message_reason = 480, "Temporarily Gone"
    try:
        for i in range(5):
            say(d.nurse, den, util.unique("unanswered"))
        p = d.nurse.wait_presence(lambda p: p.from_ == den + "/romeo-2" and
                                  p.type == "unavailable", start=mark,
                                  timeout=15)
        check(p is not None, "the dead participant is still in den")
        log = d.gateway.log_text()
        check("failed in a row" in log, "removal not logged")
    finally:
        d.ua.message_status, d.ua.message_reason = 200, None


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("room")
    d = Deployment("room", prosody_config=PROSODY_MUC,
                   mapping=DEFAULT_MAPPING +
                   [ROOM_RULE],
                   gateway_options={"rooms": {"history": "5"}})
    try:
        d.start()
        d.nurse = d.user("nurse")
        join(d.juliet, LOBBY, "juliet")
        join(d.nurse, LOBBY, "nurse")
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_join_by_message, check_room_to_sip_in_order,
              check_subject, check_who, check_nick_command,
              check_unknown_room,
              check_members_only, check_leave, check_nick_conflict,
              check_dead_participant_removed):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
