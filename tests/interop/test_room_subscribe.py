#!/usr/bin/python3
"""Joining a room by SUBSCRIBE, the conference event package (RFC 4575,
issue 13 items 2 and 3).

Prosody runs its real MUC component; juliet and nurse sit in lobby.
romeo, a scripted SIP UA, SUBSCRIBEs with Event: conference to
sip:lobby@conf.sip.test: the gateway joins the room for him, answers
200 once the room accepted him, and NOTIFYs the roster: a full
conference-info document (version 1) listing juliet, nurse and himself,
then partial ones as occupants leave (deleted) and join, each exactly one
version more; what changes while a NOTIFY is out goes in the next
partial, never two NOTIFYs out at once; a nick change deletes the old
occupant and adds the new. His un-SUBSCRIBE ends it (terminated NOTIFY)
and takes him out of the room, which juliet sees. [rooms] notices =
yes: the same comings and goings also reach him as short MESSAGEs
("nurse left").
A room that does not exist answers 404; a kick ends the subscription
with reason=rejected; a NOTIFY refused with 481 ends the subscription
but not a membership made by MESSAGE; a NOTIFY for the conference
package gets 481 and an unknown package still 489; bad Expires and
Accept get 423, 400 and 406; a members-only room 403; SIGTERM ends an
active subscription with reason=deactivated.
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, USERS, Deployment  # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, MUC, NS_MUC,  # noqa: E402
                         ROOM_RULE, join, leave, prosody_muc)

ROMEO = "sip:romeo@sip.test"
NS_CI = "{urn:ietf:params:xml:ns:conference-info}"
CI_TYPE = "application/conference-info+xml"

PROSODY_MUC = prosody_muc()


def occupant_uri(nick, room_uri=LOBBY_URI):
    """The occupant's SIP address, as the room rule writes it."""
    return "%s;gr=%s" % (room_uri, nick)


def subscribe(d, uri=LOBBY_URI, expires=600):
    """romeo's SUBSCRIBE Event: conference, straight to the gateway."""
    return d.ua.subscribe(uri, expires=expires, from_uri=ROMEO,
                          event="conference", accept=CI_TYPE,
                          target=d.gateway.sip_addr)


def doc(n):
    """A NOTIFY's conference-info: (state, version, {entity: user})."""
    check(n.content_type is not None and
          n.content_type.split(";")[0].strip() == CI_TYPE,
          "NOTIFY Content-Type %r", n.content_type)
    root = ET.fromstring(n.body)
    check(root.tag == NS_CI + "conference-info", "root %r", root.tag)
    check(root.get("entity") == LOBBY_URI, "entity %r", root.get("entity"))
    users = {}
    for u in root.iter(NS_CI + "user"):
        users[u.get("entity")] = u
    return root.get("state", "full"), int(root.get("version")), users


def with_body(n):
    """A NOTIFY that carries a document."""
    return bool(n.body)


def check_subscribe_joins(d):
    """SUBSCRIBE from a SIP user not in the room: he joins it (juliet
    sees him arrive), 200, then a full document version 1 that lists
    juliet, nurse and himself, each display-text his nick and one
    endpoint connected."""
    mark = d.juliet.presence_mark()
    d.sub = sub = subscribe(d)
    check(sub.status == 200, "SUBSCRIBE answered %r", sub.response)
    check(sub.response.get("expires") == "600", "Expires %r",
          sub.response.get("expires"))
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                               p.available, start=mark)
    check(p is not None, "juliet did not see romeo join")
    n = sub.wait_notify(with_body)
    check(n is not None, "no NOTIFY with a document: %r", sub.notifies)
    check(n.state == "active", "Subscription-State %r", n.state)
    check(n.event == "conference", "Event %r", n.event)
    state, version, users = doc(n)
    check(state == "full" and version == 1, "first document %s v%d",
          state, version)
    for nick in ("juliet", "nurse", "romeo"):
        u = users.get(occupant_uri(nick))
        check(u is not None, "%s missing: %r", nick, sorted(users))
        check(u.findtext(NS_CI + "display-text") == nick,
              "display-text of %s", nick)
        st = u.find(NS_CI + "endpoint/" + NS_CI + "status")
        check(st is not None and st.text == "connected", "%s status", nick)
    check(len(users) == 3, "users %r", sorted(users))
    d.notify_mark = len(sub.notifies)


def check_leave_is_partial(d):
    """nurse leaves: a partial document, version 2, nurse deleted; with
    notices on, romeo also gets "nurse left"."""
    sub = d.sub
    leave(d.nurse, LOBBY, "nurse")
    n = sub.wait_notify(with_body, start=d.notify_mark)
    check(n is not None, "no NOTIFY for nurse's leave")
    state, version, users = doc(n)
    check(state == "partial" and version == 2, "%s v%d", state, version)
    u = users.get(occupant_uri("nurse"))
    check(u is not None and u.get("state") == "deleted",
          "nurse not deleted: %s", n.body)
    check(len(users) == 1, "partial carries %r", sorted(users))
    r = d.ua.wait_for_request(lambda r: r.text == "nurse left", 10,
                              method="MESSAGE")
    check(r is not None, "no notice of nurse's leave")
    d.notify_mark = sub.notifies.index(n) + 1


def check_join_is_partial(d):
    """tybalt joins: partial version 3 with tybalt connected; the
    notice "tybalt joined"."""
    sub = d.sub
    d.tybalt = d.user("tybalt")
    join(d.tybalt, LOBBY, "tybalt")
    n = sub.wait_notify(with_body, start=d.notify_mark)
    check(n is not None, "no NOTIFY for tybalt's join")
    state, version, users = doc(n)
    check(state == "partial" and version == 3, "%s v%d", state, version)
    u = users.get(occupant_uri("tybalt"))
    check(u is not None and u.get("state", "full") == "full",
          "tybalt: %s", n.body)
    check(u.findtext(NS_CI + "display-text") == "tybalt", "display-text")
    r = d.ua.wait_for_request(lambda r: r.text == "tybalt joined", 10,
                              method="MESSAGE")
    check(r is not None, "no notice of tybalt's join")
    d.notify_mark = sub.notifies.index(n) + 1


def check_refresh(d):
    """A refresh (RFC 6665 §4.1.2.1): 200, and a NOTIFY with the full
    state at the next version (juliet, romeo, tybalt)."""
    sub = d.sub
    resp = sub.refresh(600)
    check(resp is not None and resp.status == 200, "refresh %r", resp)
    n = sub.wait_notify(with_body, start=d.notify_mark)
    check(n is not None, "no NOTIFY after the refresh")
    state, version, users = doc(n)
    check(state == "full" and version == 4, "%s v%d", state, version)
    check(sorted(users) == sorted(occupant_uri(x) for x in
                                  ("juliet", "romeo", "tybalt")),
          "users %r", sorted(users))
    d.notify_mark = sub.notifies.index(n) + 1


def check_changes_merge(d):
    """One NOTIFY at a time (RFC 6665 §4.2.2): romeo leaves the NOTIFY
    for nurse's return unanswered (answered only when retransmitted);
    tybalt and nurse leave meanwhile. The next NOTIFY is one partial,
    exactly one version more, with both deleted, and it comes only
    after the first was answered."""
    sub = d.sub
    sub.notify_drop = 1
    join(d.nurse, LOBBY, "nurse")
    first = sub.wait_notify(with_body, start=d.notify_mark)
    check(first is not None, "no NOTIFY for nurse's return")
    state, v1, users = doc(first)
    check(state == "partial" and v1 == 5 and
          occupant_uri("nurse") in users, "%s v%d %r", state, v1,
          sorted(users))
    leave(d.tybalt, LOBBY, "tybalt")
    leave(d.nurse, LOBBY, "nurse")
    start = sub.notifies.index(first) + 1
    n = sub.wait_notify(with_body, start=start)
    check(n is not None, "no NOTIFY after the held one")
    check(sub.retransmissions >= 1, "the first NOTIFY was never "
          "retransmitted: two were out at once")
    state, v2, users = doc(n)
    check(state == "partial" and v2 == v1 + 1, "%s v%d", state, v2)
    for nick in ("tybalt", "nurse"):
        u = users.get(occupant_uri(nick))
        check(u is not None and u.get("state") == "deleted",
              "%s not deleted: %s", nick, n.body)
    check(len(users) == 2, "users %r", sorted(users))
    join(d.tybalt, LOBBY, "tybalt")
    n = sub.wait_notify(lambda n: with_body(n) and doc(n)[1] == v2 + 1,
                        start=start)
    check(n is not None, "no NOTIFY for tybalt's return")
    d.notify_mark = sub.notifies.index(n) + 1


def rename(user, room, old, new):
    """user changes nick in room (XEP-0045 §7.6) and waits for it."""
    mark = user.presence_mark()
    user.send_presence(to="%s/%s" % (room, new))
    p = user.wait_presence(lambda p: p.from_ == "%s/%s" % (room, new) and
                           p.available, start=mark)
    check(p is not None, "%s did not become %s", old, new)


def check_nick_change(d):
    """tybalt becomes mercutio: the notice "tybalt is now mercutio", and
    the NOTIFYs (partial, consecutive versions) delete tybalt and add
    mercutio. Then back again."""
    sub = d.sub
    start = d.notify_mark
    rename(d.tybalt, LOBBY, "tybalt", "mercutio")
    r = d.ua.wait_for_request(lambda r: r.text == "tybalt is now mercutio",
                              10, method="MESSAGE")
    check(r is not None, "no notice of the nick change")
    n = sub.wait_notify(lambda n: with_body(n) and
                        occupant_uri("mercutio") in doc(n)[2], start=start)
    check(n is not None, "mercutio never in a NOTIFY")
    docs = [doc(x) for x in sub.notifies[start:sub.notifies.index(n) + 1]
            if with_body(x)]
    versions = [v for _, v, _ in docs]
    check(all(s == "partial" for s, _, _ in docs), "states %r",
          [s for s, _, _ in docs])
    check(versions == list(range(versions[0], versions[0] + len(docs))),
          "versions %r", versions)
    gone = [u for _, _, users in docs for e, u in users.items()
            if e == occupant_uri("tybalt")]
    check(gone and gone[-1].get("state") == "deleted", "tybalt not deleted")
    rename(d.tybalt, LOBBY, "mercutio", "tybalt")
    n = sub.wait_notify(lambda n: with_body(n) and
                        occupant_uri("tybalt") in doc(n)[2] and
                        doc(n)[2][occupant_uri("tybalt")].get(
                            "state", "full") == "full",
                        start=sub.notifies.index(n) + 1)
    check(n is not None, "tybalt not back in a NOTIFY")
    d.notify_mark = sub.notifies.index(n) + 1


def check_unsubscribe_leaves(d):
    """Expires: 0: 200, a terminated NOTIFY, and since the subscription
    made the membership, romeo leaves the room (juliet sees it)."""
    sub = d.sub
    mark = d.juliet.presence_mark()
    resp = sub.unsubscribe()
    check(resp is not None and resp.status == 200, "un-SUBSCRIBE %r", resp)
    n = sub.wait_state("terminated", start=d.notify_mark)
    check(n is not None, "no terminated NOTIFY: %r", sub.notifies)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                               p.type == "unavailable", start=mark)
    check(p is not None, "juliet did not see romeo leave")
    # Out of the room: what is said there no longer reaches him.
    tag = util.unique("after-unsubscribe")
    d.juliet.send_message(LOBBY, tag, mtype="groupchat")
    time.sleep(1.0)
    check(not [r for r in d.ua.received() if tag in r.text],
          "romeo still gets the room")


def check_unknown_room(d):
    """A room that does not exist: 404, and no subscription."""
    sub = subscribe(d, "sip:nosuch@conf.sip.test")
    check(sub.status == 404, "answered %r", sub.response)
    time.sleep(0.3)
    check(not sub.notifies, "NOTIFYs for a refused SUBSCRIBE")


def check_display_name_nick(d):
    """A SUBSCRIBE from "Mercutio Escalus" <sip:mercutio@sip.test> joins
    with his From display name as nick (item 2), as a MESSAGE would;
    his un-SUBSCRIBE takes him out again."""
    mark = d.juliet.presence_mark()
    sub = d.ua.subscribe(LOBBY_URI, expires=600,
                         from_uri='"Mercutio Escalus" <sip:mercutio@sip.test>',
                         event="conference", accept=CI_TYPE,
                         target=d.gateway.sip_addr)
    check(sub.status == 200, "SUBSCRIBE answered %r", sub.response)
    p = d.juliet.wait_presence(
        lambda p: p.from_ == LOBBY + "/Mercutio Escalus" and p.available,
        start=mark)
    check(p is not None, "juliet did not see 'Mercutio Escalus' join")
    mark = d.juliet.presence_mark()
    check(sub.unsubscribe().status == 200, "un-SUBSCRIBE")
    p = d.juliet.wait_presence(
        lambda p: p.from_ == LOBBY + "/Mercutio Escalus" and
        p.type == "unavailable", start=mark)
    check(p is not None, "juliet did not see him leave")


def check_kick_terminates(d):
    """romeo joins by SUBSCRIBE; juliet (the room's owner) kicks him:
    the subscription ends, terminated;reason=rejected."""
    sub = subscribe(d)
    check(sub.status == 200, "SUBSCRIBE answered %r", sub.response)
    check(sub.wait_notify(with_body) is not None, "no first NOTIFY")
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='kick1'><query xmlns='%s#admin'>"
        "<item nick='romeo' role='none'><reason>out</reason></item>"
        "</query></iq>" % (LOBBY, NS_MUC))
    n = sub.wait_state("terminated")
    check(n is not None, "no terminated NOTIFY after the kick: %r",
          sub.notifies)
    check(n.reason == "rejected", "reason %r", n.reason)
    r = d.ua.wait_for_request(lambda r: r.text.startswith("You were "
                                                          "kicked"), 10,
                              method="MESSAGE")
    check(r is not None, "romeo not told of the kick")


def check_message_member_subscribes(d):
    """romeo joins by MESSAGE, then subscribes: he only gets NOTIFYs.
    His phone loses the dialog (481 to a NOTIFY): the subscription
    ends, the membership stays (room messages still reach him); a new
    SUBSCRIBE works, and its un-SUBSCRIBE leaves him in the room."""
    body = util.unique("hello")
    resp = d.ua.send_message(LOBBY_URI, from_uri=ROMEO, body=body,
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 200, "MESSAGE %r",
          resp and resp.status)
    sub = subscribe(d)
    check(sub.status == 200, "SUBSCRIBE answered %r", sub.response)
    check(sub.wait_notify(with_body) is not None, "no first NOTIFY")
    sub.forget()            # NOTIFYs of this dialog now get 481
    leave(d.tybalt, LOBBY, "tybalt")
    util.wait_for(lambda: "conference subscription ended" in
                  d.gateway.log_text(), 10, what="the 481 to end it")
    tag = util.unique("still-in")
    d.juliet.send_message(LOBBY, tag, mtype="groupchat")
    r = d.ua.wait_for_request(lambda r: tag in r.text, 10,
                              method="MESSAGE")
    check(r is not None, "the membership went with the subscription")
    sub2 = subscribe(d)
    check(sub2.status == 200, "second SUBSCRIBE %r", sub2.response)
    n = sub2.wait_notify(with_body)
    check(n is not None and doc(n)[:2] == ("full", 1), "first of sub2")
    mark = d.juliet.presence_mark()
    check(sub2.unsubscribe().status == 200, "un-SUBSCRIBE")
    check(sub2.wait_state("terminated") is not None, "no terminated")
    time.sleep(1.0)
    check(d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                                 p.type == "unavailable", start=mark,
                                 timeout=0.1) is None,
          "un-SUBSCRIBE took out a member who joined by MESSAGE")


def check_other_packages(d):
    """NOTIFY Event: conference (we never subscribe) gets 481; an
    unknown package 489 with Allow-Events naming both we serve."""
    resp = d.ua.send_request("NOTIFY", LOBBY_URI, from_uri=ROMEO,
                             headers=[("Event", "conference"),
                                      ("Subscription-State", "active")],
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 481, "NOTIFY %r", resp)
    sub = d.ua.subscribe(LOBBY_URI, expires=600, from_uri=ROMEO,
                         event="dialog", accept=None,
                         target=d.gateway.sip_addr)
    check(sub.status == 489, "Event: dialog answered %r", sub.response)
    allow = sub.response.get("allow-events") or ""
    check("conference" in allow and "presence" in allow,
          "Allow-Events %r", allow)


def check_bad_subscribes(d):
    """RFC 6665 §4.2.1: Expires below [presence] min_expires gets 423
    with Min-Expires; one that is no number 400; an Accept without
    conference-info 406 naming it (RFC 4575 §3.4). None joins."""
    mark = d.juliet.presence_mark()
    sub = subscribe(d, expires=1)
    check(sub.status == 423 and sub.response.get("min-expires"),
          "Expires 1: %r", sub.response)
    resp = d.ua.send_request("SUBSCRIBE", LOBBY_URI, from_uri=ROMEO,
                             headers=[("Event", "conference"),
                                      ("Expires", "soon")],
                             target=d.gateway.sip_addr)
    check(resp is not None and resp.status == 400, "Expires soon: %r",
          resp)
    sub = d.ua.subscribe(LOBBY_URI, expires=600, from_uri=ROMEO,
                         event="conference", accept="text/plain",
                         target=d.gateway.sip_addr)
    check(sub.status == 406 and CI_TYPE in (sub.response.get("accept") or
                                            ""), "Accept: %r", sub.response)
    time.sleep(0.5)
    check(d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo",
                                 start=mark, timeout=0.1) is None,
          "a refused SUBSCRIBE joined the room")


def check_members_only(d):
    """A members-only room: the SUBSCRIBE gets the 403 a MESSAGE would,
    with the reason."""
    club = "club@" + MUC
    join(d.juliet, club, "juliet")
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='cfg1'><query xmlns='%s#owner'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>%s#roomconfig</value></field>"
        "<field var='muc#roomconfig_membersonly'><value>1</value></field>"
        "</x></query></iq>" % (club, NS_MUC, NS_MUC))
    d.juliet.wait_for_message(predicate=lambda m: m.from_ == club and
                              "104" in m.xml, timeout=5)
    sub = subscribe(d, "sip:club@conf.sip.test")
    check(sub.status == 403, "answered %r", sub.response)
    check("member" in (sub.response.reason or "").lower(), "reason %r",
          sub.response.reason)


def check_clean_shutdown(d):
    """SIGTERM with a subscription active: its terminated NOTIFY goes
    out (reason=deactivated: the membership ends with the gateway);
    exit 0, no sanitizer report, nothing leaked."""
    sub = subscribe(d)
    check(sub.status == 200, "SUBSCRIBE answered %r", sub.response)
    check(sub.wait_notify(with_body) is not None, "no first NOTIFY")
    try:
        d.gateway.stop(check=True)      # the UA still listens
        n = sub.wait_state("terminated", timeout=5)
        check(n is not None and n.reason == "deactivated",
              "no terminated NOTIFY at shutdown: %r", sub.notifies)
    finally:
        d.stop()


def main():
    t = util.TestRunner("room_subscribe")
    d = Deployment("room_subscribe", prosody_config=PROSODY_MUC,
                   users=USERS + (("tybalt", "tybalt-pw"),),
                   mapping=DEFAULT_MAPPING +
                   [ROOM_RULE],
                   gateway_options={"rooms": {"history": "0",
                                              "notices": "yes"}})
    try:
        d.start()
        d.nurse = d.user("nurse")
        join(d.juliet, LOBBY, "juliet")
        join(d.nurse, LOBBY, "nurse")
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_subscribe_joins, check_leave_is_partial,
              check_join_is_partial, check_refresh, check_changes_merge,
              check_nick_change, check_unsubscribe_leaves, check_unknown_room,
              check_display_name_nick, check_kick_terminates,
              check_message_member_subscribes, check_other_packages,
              check_bad_subscribes, check_members_only):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
