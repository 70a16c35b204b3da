#!/usr/bin/python3
"""Invitations, kick/ban/destroy, and rooms on other services (issue 13
items 1, 6, 7).

Prosody runs two MUC components: conference.xmpp.test, which the room
rule conf.sip.test maps, and rooms.xmpp.test, which no rule maps: its
rooms are reached through the embed rule (sip:ROOM%40rooms.xmpp.test@
gw.sip.test), and only disco#info tells the gateway that such a JID is a
room. juliet invites romeo (a scripted SIP UA) directly (XEP-0249) and
through the room (XEP-0045 §7.8.2): he gets exactly one MESSAGE From the
room's URI, and replying joins, with the password the invitation gave.
She kicks, bans and destroys: each time he is told why, by whom, and
the membership ends. The embed form of a room joins it; the embed form
of a person is still a chat message.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import uri_of                 # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, MUC, NS_MUC,  # noqa: E402
                         ROOM_RULE, join, prosody_muc)

OTHER = "rooms.xmpp.test"
ROMEO = "sip:romeo@sip.test"
ROMEO_JID = "romeo@sip.test"

PROSODY_MUC = prosody_muc() + prosody_muc(OTHER)


def send(d, to, body):
    """romeo's MESSAGE to the gateway; the final response."""
    return d.ua.send_message(to, from_uri=ROMEO, body=body,
                             target=d.gateway.sip_addr)


def joins(d, room, room_uri):
    """romeo writes to room_uri: 200, and juliet sees him say it."""
    body = util.unique("hello")
    resp = send(d, room_uri, body)
    check(resp is not None and resp.status == 200, "MESSAGE to %s "
          "answered %r %r", room_uri, resp and resp.status,
          resp and resp.reason)
    seen = d.juliet.wait_for_message(
        predicate=lambda m: m.type == "groupchat" and m.body == body)
    check(seen is not None, "juliet never saw romeo's line in %s", room)
    check(seen.from_ == room + "/romeo", "said as %r", seen.from_)


def messages_since(d, mark, predicate):
    """MESSAGEs to romeo after mark that match."""
    return [r for r in d.ua.received()[mark:] if predicate(r)]


def one_message(d, mark, predicate, what):
    """Exactly one MESSAGE after mark matches (waits for it, then a
    moment for a second one that must not come)."""
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[mark:] and predicate(r), 10,
        method="MESSAGE")
    check(r is not None, "no %s", what)
    time.sleep(1.0)
    got = messages_since(d, mark, lambda r: True)
    check(len(got) == 1, "%s: %d MESSAGEs: %r", what, len(got),
          [g.text for g in got])
    return r


def configure(d, room, fields):
    """juliet, the owner, submits a room configuration form."""
    xml = "".join("<field var='muc#roomconfig_%s'><value>%s</value>"
                  "</field>" % f for f in fields)
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='%s'><query xmlns='%s#owner'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>%s#roomconfig</value></field>%s"
        "</x></query></iq>" % (room, util.unique("cfg"), NS_MUC, NS_MUC,
                               xml))


def check_direct_invitation(d):
    """XEP-0249, with a body as clients send: one MESSAGE From the room
    URI naming juliet, the room and the reason; no chat message."""
    mark = len(d.ua.received())
    reason = util.unique("come")
    d.juliet.send_raw(
        "<message to='%s' id='%s'><body>Join us!</body>"
        "<x xmlns='jabber:x:conference' jid='%s' reason='%s'/></message>"
        % (ROMEO_JID, util.unique("inv"), LOBBY, reason))
    r = one_message(d, mark, lambda r: "invites you" in r.text,
                    "direct invitation")
    check(uri_of(r.get("from", "")) == LOBBY_URI, "From %r", r.get("from"))
    check("juliet@xmpp.test invites you to %s (%s)" % (LOBBY, reason) in
          r.text and "Reply to this message to join" in r.text,
          "body %r", r.text)


def check_reply_joins(d):
    """Replying to the invitation joins lobby: juliet sees him."""
    mark = d.juliet.presence_mark()
    joins(d, LOBBY, LOBBY_URI)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo",
                               start=mark)
    check(p is not None and p.available, "no presence of romeo in lobby")


def check_mediated_invitation(d):
    """XEP-0045 §7.8.2: juliet asks den to invite romeo's JID; the room's
    invitation becomes one MESSAGE From sip:den@conf.sip.test."""
    den = "den@" + MUC
    join(d.juliet, den, "juliet")
    mark = len(d.ua.received())
    reason = util.unique("talk")
    d.juliet.send_raw(
        "<message to='%s' id='%s'><x xmlns='%s#user'><invite to='%s'>"
        "<reason>%s</reason></invite></x></message>"
        % (den, util.unique("med"), NS_MUC, ROMEO_JID, reason))
    r = one_message(d, mark, lambda r: "invites you" in r.text,
                    "mediated invitation")
    check(uri_of(r.get("from", "")) == "sip:den@conf.sip.test", "From %r",
          r.get("from"))
    # A semi-anonymous room names her by her occupant JID: her nick.
    check(r.text.startswith("juliet invites you to " + den) and
          reason in r.text, "body %r", r.text)


def check_password_from_invitation(d):
    """vault needs a password: without an invitation 403; the password
    a direct invitation carries is given in the join: 200."""
    vault = "vault@" + MUC
    join(d.juliet, vault, "juliet")
    configure(d, vault, [("passwordprotectedroom", "1"),
                         ("roomsecret", "s3same")])
    time.sleep(0.5)
    resp = send(d, "sip:vault@conf.sip.test", util.unique("knock"))
    check(resp is not None and resp.status == 403, "without password: %r",
          resp and resp.status)
    mark = len(d.ua.received())
    d.juliet.send_raw(
        "<message to='%s'><x xmlns='jabber:x:conference' jid='%s' "
        "password='s3same'/></message>" % (ROMEO_JID, vault))
    one_message(d, mark, lambda r: "invites you" in r.text,
                "invitation to vault")
    joins(d, vault, "sip:vault@conf.sip.test")


def check_kick(d):
    """juliet kicks romeo from lobby while room messages are still on
    their way to him (his phone takes 0.3 s to answer each): he gets a
    MESSAGE saying he was kicked, by juliet, and why, and how many lines
    could no longer reach him; the membership is gone (his next MESSAGE
    joins again)."""
    d.ua.message_delay = 0.3
    try:
        mark = len(d.ua.received())
        tag = util.unique("before-kick")
        for i in range(5):
            d.juliet.send_message(LOBBY, "%s-%d" % (tag, i),
                                  mtype="groupchat")
        reason = util.unique("behave")
        d.juliet.send_raw(
            "<iq type='set' to='%s' id='%s'><query xmlns='%s#admin'>"
            "<item nick='romeo' role='none'><reason>%s</reason></item>"
            "</query></iq>" % (LOBBY, util.unique("kick"), NS_MUC, reason))
        r = d.ua.wait_for_request(
            lambda r: r in d.ua.received()[mark:] and "kicked" in r.text,
            15, method="MESSAGE")
        check(r is not None, "romeo was not told of the kick")
        check(r.text.startswith("You were kicked from %s by juliet (%s)."
                                % (LOBBY_URI, reason)), "body %r", r.text)
        check(uri_of(r.get("from", "")) == LOBBY_URI, "From %r",
              r.get("from"))
        # Lines still queued for him when the kick came are counted.
        check("could not be delivered to you" in r.text, "body %r",
              r.text)
    finally:
        d.ua.message_delay = 0.0
    time.sleep(1.0)
    mark = d.juliet.presence_mark()
    joins(d, LOBBY, LOBBY_URI)
    p = d.juliet.wait_presence(lambda p: p.from_ == LOBBY + "/romeo" and
                               p.available, start=mark)
    check(p is not None, "romeo did not join lobby again")


def check_ban(d):
    """Ban (affiliation outcast): told, by whom and why; back: 403."""
    bar = "bar@" + MUC
    join(d.juliet, bar, "juliet")
    joins(d, bar, "sip:bar@conf.sip.test")
    mark = len(d.ua.received())
    reason = util.unique("out")
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='%s'><query xmlns='%s#admin'>"
        "<item jid='%s' affiliation='outcast'><reason>%s</reason></item>"
        "</query></iq>" % (bar, util.unique("ban"), NS_MUC, ROMEO_JID,
                           reason))
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[mark:] and "banned" in r.text, 10,
        method="MESSAGE")
    check(r is not None, "romeo was not told of the ban")
    check(r.text.startswith("You were banned from sip:bar@conf.sip.test")
          and reason in r.text, "body %r", r.text)
    resp = send(d, "sip:bar@conf.sip.test", util.unique("again"))
    check(resp is not None and resp.status == 403, "banned, answered %r",
          resp and resp.status)


def check_destroy(d):
    """The owner destroys tmp: romeo is told, with the reason."""
    tmp = "tmp@" + MUC
    join(d.juliet, tmp, "juliet")
    joins(d, tmp, "sip:tmp@conf.sip.test")
    mark = len(d.ua.received())
    reason = util.unique("closing")
    d.juliet.send_raw(
        "<iq type='set' to='%s' id='%s'><query xmlns='%s#owner'><destroy>"
        "<reason>%s</reason></destroy></query></iq>"
        % (tmp, util.unique("destroy"), NS_MUC, reason))
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[mark:] and "destroyed" in r.text,
        10, method="MESSAGE")
    check(r is not None, "romeo was not told of the destruction")
    check(r.text == "The room was destroyed: sip:tmp@conf.sip.test (%s)."
          % reason, "body %r", r.text)


def check_embed_room(d):
    """A room of rooms.xmpp.test (no room rule) by its embed form: the
    gateway asks disco#info, learns it is a room, joins and says it;
    the second MESSAGE goes through the cached answer, and so does a
    private message to ;gr=juliet on the embed form."""
    devs = "devs@" + OTHER
    uri = "sip:devs%%40%s@gw.sip.test" % OTHER
    join(d.juliet, devs, "juliet")
    joins(d, devs, uri)
    joins(d, devs, uri)
    # The room's messages come back From the embed form.
    mark = len(d.ua.received())
    tag = util.unique("from-devs")
    d.juliet.send_message(devs, tag, mtype="groupchat")
    r = d.ua.wait_for_request(
        lambda r: r in d.ua.received()[mark:] and tag in r.text, 10,
        method="MESSAGE")
    check(r is not None, "devs' line not delivered")
    check(uri_of(r.get("from", "")) == uri, "From %r", r.get("from"))
    # A private message through the embed form, ;gr=NICK (item 4).
    body = util.unique("private-devs")
    resp = send(d, uri + ";gr=juliet", body)
    check(resp is not None and resp.status == 200, "private answered %r %r",
          resp and resp.status, resp and resp.reason)
    m = d.juliet.wait_for_message(predicate=lambda m: m.body == body)
    check(m is not None, "juliet did not get the private message")
    check(m.type == "chat" and m.from_ == devs + "/romeo",
          "private came as %r from %r", m.type, m.from_)
    # One question for the four MESSAGEs: the answer was cached.
    asked = d.gateway.log_text().count("is devs@%s a room?" % OTHER)
    check(asked == 1, "disco#info asked %d times", asked)


def check_embed_no_such_room(d):
    """The embed form of a room that does not exist: the service says
    item-not-found to disco#info, so it is no room; the chat message
    then gets the service's error, item-not-found: 404 or 604 (RFC 7247
    Table 2)."""
    resp = send(d, "sip:nosuch%%40%s@gw.sip.test" % OTHER,
                util.unique("void"))
    check(resp is not None and resp.status in (404, 604), "answered %r",
          resp and resp.status)


def check_embed_person(d):
    """The embed form of a person's JID (xmpp.test has no domain rule
    here): disco#info says no room, the MESSAGE goes as a chat message,
    as before."""
    body = util.unique("to-juliet")
    resp = send(d, "sip:juliet%40xmpp.test@gw.sip.test", body)
    check(resp is not None and resp.status == 200, "answered %r %r",
          resp and resp.status, resp and resp.reason)
    m = d.juliet.wait_for_message(predicate=lambda m: m.body == body)
    check(m is not None, "juliet did not get the chat message")
    check(m.type != "groupchat" and m.from_.startswith(ROMEO_JID),
          "came as %r from %r", m.type, m.from_)


def check_hostile_invitations(d):
    """A direct invitation whose room is an occupant JID or no JID at
    all: nothing reaches the SIP user (neither an invitation nor its
    body as a chat), and it is logged."""
    mark = len(d.ua.received())
    logmark = d.gateway.log_mark()
    for jid in (LOBBY + "/juliet", "no-jid-at-all", "@" + MUC):
        d.juliet.send_raw(
            "<message to='mercutio@sip.test'><body>%s</body>"
            "<x xmlns='jabber:x:conference' jid='%s'/></message>"
            % (util.unique("bogus"), jid))
    time.sleep(1.5)
    got = messages_since(d, mark, lambda r: True)
    check(not got, "bogus invitations reached SIP: %r",
          [g.text for g in got])
    check("not a room JID" in d.gateway.log_text(logmark),
          "bogus invitations not logged")


def check_invitation_rate(d):
    """Eight invitations to tybalt in a burst: five reach him, the rest
    are dropped, and that is logged once."""
    mark = len(d.ua.received())
    logmark = d.gateway.log_mark()
    for i in range(8):
        d.juliet.send_raw(
            "<message to='tybalt@sip.test'><x xmlns='jabber:x:conference' "
            "jid='%s' reason='%s-%d'/></message>" % (LOBBY,
                                                     util.unique("r"), i))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(messages_since(
            d, mark, lambda r: "invites you" in r.text)) < 5:
        time.sleep(0.2)
    time.sleep(1.0)
    got = messages_since(d, mark, lambda r: "invites you" in r.text)
    check(len(got) == 5, "%d invitations passed, want 5", len(got))
    check(all("tybalt@sip.test" in r.get("to", "") for r in got),
          "To %r", [r.get("to") for r in got])
    log = d.gateway.log_text(logmark)
    check(log.count("invitations to tybalt@sip.test dropped") == 1,
          "the drop logged %d times",
          log.count("invitations to tybalt@sip.test dropped"))


def check_invitation_undeliverable(d):
    """The SIP user's phone refuses the invitation (480): nothing goes
    back to the inviter (XEP-0249 has no error for it), the gateway logs
    it."""
    logmark = d.gateway.log_mark()
    d.ua.message_status, d.ua.message_reason = 480, "Temporarily Gone"
    try:
        d.juliet.send_raw(
            "<message to='benvolio@sip.test'><x xmlns='jabber:x:conference'"
            " jid='%s'/></message>" % LOBBY)
        check(d.gateway.wait_log(r"invitation to sip:benvolio@sip\.test "
                                 r"not delivered \(480\)", start=logmark)
              is not None, "the failed invitation was not logged")
    finally:
        d.ua.message_status, d.ua.message_reason = 200, None
    time.sleep(0.5)
    errors = d.juliet.received(lambda m: m.type == "error" and
                               "benvolio" in (m.from_ or ""))
    check(not errors, "the inviter got an error: %r", errors)


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("room_invite")
    d = Deployment("room_invite", prosody_config=PROSODY_MUC,
                   mapping=["domain sip.test sip.test",
                            ROOM_RULE,
                            "embed gw.sip.test gw.xmpp.test"],
                   gateway_options={"rooms": {"history": "0"}})
    try:
        d.start()
        join(d.juliet, LOBBY, "juliet")
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_direct_invitation, check_reply_joins,
              check_mediated_invitation, check_password_from_invitation,
              check_kick, check_ban, check_destroy, check_embed_room,
              check_embed_person, check_embed_no_such_room,
              check_hostile_invitations,
              check_invitation_rate, check_invitation_undeliverable):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
