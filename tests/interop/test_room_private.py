#!/usr/bin/python3
"""Names, private messages and CPIM for a SIP user in a room (issue 13
items 2, 3 and 4; XEP-0045 §7.5, RFC 3862).

Prosody runs its real MUC component; juliet and nurse sit in lobby.
romeo, a scripted SIP UA, writes to the room with the From display name
"Romeo Montague": that is his nick. juliet's private message reaches him
From "juliet" <sip:lobby@conf.sip.test;gr=juliet>, without a prefix; his
MESSAGE to ...;gr=juliet reaches her as a private chat message from
lobby/Romeo Montague, answered 200 only once the room has taken it; one
to an absent nick gets the room's item-not-found as its RFC 7247 status;
tybalt, whose nick has quotes, '<' and spaces, writes privately and the
reply to his From URI reaches him;
mercutio, in no room, gets 403. With [rooms] cpim = yes, room and private
messages reach romeo as message/cpim, the speaker in the CPIM From.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import DEFAULT_MAPPING, USERS, Deployment  # noqa: E402
from harness.sip_ua import uri_of                 # noqa: E402
from harness.util import check                    # noqa: E402
from harness.muc import (LOBBY, LOBBY_URI, ROOM_RULE, join,  # noqa: E402
                         prosody_muc)

ROMEO = "sip:romeo@sip.test"
ROMEO_FROM = '"Romeo Montague" <%s>' % ROMEO
ROMEO_NICK = "Romeo Montague"
MERCUTIO = "sip:mercutio@sip.test"

PROSODY_MUC = prosody_muc()


def send(d, to, body, sender=ROMEO_FROM):
    """A SIP user's MESSAGE to the gateway; the final response."""
    return d.ua.send_message(to, from_uri=sender, body=body,
                             target=d.gateway.sip_addr)


def arrived(d, marker, timeout=10):
    """The MESSAGE to romeo whose body holds marker, or None."""
    return d.ua.wait_for_request(lambda r: marker in r.text, timeout,
                                 method="MESSAGE")


def start(name, options):
    """Prosody with its MUC, the gateway, juliet and nurse in lobby."""
    d = Deployment(name, prosody_config=PROSODY_MUC,
                   mapping=DEFAULT_MAPPING +
                   [ROOM_RULE],
                   gateway_options=options,
                   users=USERS + (("tybalt", "tybalt-pw"),))
    d.start()
    d.nurse = d.user("nurse")
    join(d.juliet, LOBBY, "juliet")
    join(d.nurse, LOBBY, "nurse")
    return d


def romeo_joins(d):
    """romeo's first MESSAGE, From "Romeo Montague": 200 once said."""
    body = util.unique("hello")
    resp = send(d, LOBBY_URI, body)
    check(resp is not None and resp.status == 200, "MESSAGE answered %r",
          resp and resp.status)
    return d.juliet.wait_for_message(
        predicate=lambda m: m.type == "groupchat" and m.body == body)


def check_nick_from_display_name(d):
    """The room sees romeo as "Romeo Montague", his From display name."""
    seen = romeo_joins(d)
    check(seen is not None, "juliet never saw romeo's line")
    check(seen.from_ == LOBBY + "/" + ROMEO_NICK, "said as %r", seen.from_)
    p = d.juliet.wait_presence(
        lambda p: p.from_ == LOBBY + "/" + ROMEO_NICK, start=0)
    check(p is not None and p.available, "no occupant %s", ROMEO_NICK)


def check_private_to_sip(d):
    """juliet's private message: From "juliet" <lobby;gr=juliet>, the
    text as she wrote it (no "juliet: " prefix), To romeo."""
    body = util.unique("psst")
    d.juliet.send_message(LOBBY + "/" + ROMEO_NICK, body, mtype="chat")
    r = arrived(d, body)
    check(r is not None, "juliet's private message never reached romeo")
    check(r.text == body, "body %r", r.text)
    frm = r.get("from", "")
    check('"juliet"' in frm and uri_of(frm) == LOBBY_URI + ";gr=juliet",
          "From %r", frm)
    check(uri_of(r.uri) == ROMEO, "Request-URI %r", r.uri)


def check_private_from_sip(d):
    """romeo's MESSAGE to lobby;gr=juliet: a private chat message to her
    from lobby/Romeo Montague (never a groupchat line), then 200."""
    body = util.unique("reply")
    resp = send(d, LOBBY_URI + ";gr=juliet", body)
    check(resp is not None and resp.status == 200, "answered %r",
          resp and resp.status)
    m = d.juliet.wait_for_message(predicate=lambda m: m.body == body)
    check(m is not None, "juliet never got romeo's private message")
    check(m.type == "chat", "type %r", m.type)
    check(m.from_ == LOBBY + "/" + ROMEO_NICK, "from %r", m.from_)
    time.sleep(0.5)
    check(d.nurse.wait_for_message(predicate=lambda m: m.body == body,
                                   timeout=0.1) is None,
          "nurse saw a private message")


def check_private_odd_nick(d):
    """An occupant whose nick has quotes, '<' and a space: his private
    message's From stays one well-formed header (display name escaped,
    gr %-escaped), and romeo's reply to that very URI reaches him."""
    nick = 'Tybalt "Prince of Cats" <x>'
    tybalt = d.user("tybalt")
    join(tybalt, LOBBY, nick)
    body = util.unique("odd")
    tybalt.send_message(LOBBY + "/" + ROMEO_NICK, body, mtype="chat")
    r = arrived(d, body)
    check(r is not None, "tybalt's private message never reached romeo")
    frm = r.get("from", "")
    check(frm.startswith('"Tybalt \\"Prince of Cats\\" <x>" <'),
          "From %r", frm)
    # RFC 3261 §25.1 name-addr: quoted-string, then <URI>.
    m = re.match(r'^"(?:[^"\\]|\\.)*"\s*<([^<>]*)>(;|$)', frm)
    check(m is not None, "From %r is no name-addr", frm)
    uri = m.group(1)
    check(uri.startswith(LOBBY_URI + ";gr=") and " " not in uri and
          '"' not in uri and "<" not in uri, "From URI %r", uri)
    reply = util.unique("odd-reply")
    resp = send(d, uri, reply)
    check(resp is not None and resp.status == 200, "answered %r",
          resp and resp.status)
    m = tybalt.wait_for_message(predicate=lambda m: m.body == reply)
    check(m is not None and m.from_ == LOBBY + "/" + ROMEO_NICK,
          "reply %r", m and m.from_)


def check_private_absent_nick(d):
    """To a nick nobody has: the room's item-not-found, RFC 7247 Table 2
    (404), not 200."""
    resp = send(d, LOBBY_URI + ";gr=nobody", util.unique("void"))
    check(resp is not None and resp.status == 404, "answered %r %r",
          resp and resp.status, resp and resp.reason)
    # The room said so: the gateway sent it and read the room's error.
    check(re.search(r"private \S+ to %s/nobody refused: item-not-found"
                    % re.escape(LOBBY), d.gateway.log_text()) is not None,
          "no item-not-found from the room in the log")


def check_private_not_member(d):
    """mercutio is in no room: 403, told to write to the room first."""
    resp = send(d, LOBBY_URI + ";gr=juliet", util.unique("intruder"),
                sender=MERCUTIO)
    check(resp is not None and resp.status == 403, "answered %r",
          resp and resp.status)
    check("room first" in (resp.reason or ""), "reason %r", resp.reason)
    check(d.juliet.wait_for_message(
        predicate=lambda m: "intruder" in (m.body or ""), timeout=0.5)
          is None, "mercutio's message reached juliet")


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def cpim_headers(text):
    """The CPIM message headers of a message/cpim body, and the entity."""
    head, _, rest = text.partition("\r\n\r\n")
    fields = dict(line.split(": ", 1) for line in head.split("\r\n"))
    return fields, rest


def check_cpim_history(d):
    """History in CPIM: its DateTime is the room's own stamp (XEP-0203),
    the one nurse reads when she comes back, not the time of delivery."""
    line = util.unique("cpim-history")
    d.juliet.send_message(LOBBY, line, mtype="groupchat")
    check(d.juliet.wait_for_message(predicate=lambda m: m.body == line),
          "juliet's line not reflected")
    # Stamps have whole seconds: a second later, "now" is another time.
    time.sleep(1.1)
    romeo_joins(d)
    r = arrived(d, line)
    check(r is not None, "history not delivered to romeo")
    fields, _ = cpim_headers(r.text)
    d.nurse.send_presence(type="unavailable", to=LOBBY + "/nurse")
    join(d.nurse, LOBBY, "nurse")
    h = d.nurse.wait_for_message(
        predicate=lambda m: m.body == line and m.delayed)
    check(h is not None, "nurse got no history")
    stamp = re.search(r"stamp=\"([^\"]+)\"", h.xml)
    check(stamp is not None, "no stamp in %r", h.xml)
    check(fields.get("DateTime") == stamp.group(1), "DateTime %r, stamp %r",
          fields.get("DateTime"), stamp.group(1))


def check_cpim_room_message(d):
    """[rooms] cpim = yes: nurse's line reaches romeo as message/cpim,
    CPIM From "nurse" <lobby;gr=nurse>, To romeo, a DateTime, the text
    without prefix."""
    romeo_joins(d)
    body = util.unique("cpim")
    d.nurse.send_message(LOBBY, body, mtype="groupchat")
    r = arrived(d, body)
    check(r is not None, "nurse's line never reached romeo")
    check(r.get("content-type", "").lower() == "message/cpim",
          "Content-Type %r", r.get("content-type"))
    fields, entity = cpim_headers(r.text)
    check(fields.get("From") == '"nurse" <%s;gr=nurse>' % LOBBY_URI,
          "CPIM From %r", fields.get("From"))
    check(fields.get("To") == "<%s>" % ROMEO, "CPIM To %r",
          fields.get("To"))
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
                   fields.get("DateTime", "")) is not None,
          "DateTime %r", fields.get("DateTime"))
    check(entity == "Content-Type: text/plain;charset=utf-8\r\n\r\n" + body,
          "entity %r", entity)
    frm = r.get("from", "")
    check('"nurse"' in frm and uri_of(frm) == LOBBY_URI, "From %r", frm)


def check_cpim_private(d):
    """A private message in CPIM too: the occupant in both Froms."""
    body = util.unique("cpim-psst")
    d.juliet.send_message(LOBBY + "/" + ROMEO_NICK, body, mtype="chat")
    r = arrived(d, body)
    check(r is not None, "private message never reached romeo")
    fields, entity = cpim_headers(r.text)
    check(fields.get("From") == '"juliet" <%s;gr=juliet>' % LOBBY_URI,
          "CPIM From %r", fields.get("From"))
    check(entity.endswith("\r\n\r\n" + body), "entity %r", entity)


def main():
    t = util.TestRunner("room_private")
    try:
        d = start("room_private", {"rooms": {"history": "0"}})
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_nick_from_display_name, check_private_to_sip,
              check_private_from_sip, check_private_odd_nick,
              check_private_absent_nick,
              check_private_not_member):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    try:
        d = start("room_private_cpim", {"rooms": {"history": "5",
                                                  "cpim": "yes"}})
    except Exception:
        t.fail_setup("deployment start (cpim)")
        t.finish()
    for f in (check_cpim_history, check_cpim_room_message,
              check_cpim_private):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
