"""Rooms (XEP-0045) for the room interop tests (issue 13): Prosody's real
MUC component, and an XMPP user entering, speaking in and leaving a room.

The tests' mapping carries "room conf.sip.test conference.xmpp.test", so
sip:lobby@conf.sip.test is the room lobby@conference.xmpp.test.
"""

from .util import check

MUC = "conference.xmpp.test"
LOBBY = "lobby@" + MUC
LOBBY_URI = "sip:lobby@conf.sip.test"
ROOM_RULE = "room conf.sip.test %s" % MUC
NS_MUC = "http://jabber.org/protocol/muc"


def prosody_muc(domain=MUC, **options):
    """A Prosody Component section for a MUC service at domain: rooms
    need no unlocking and anyone may create one; options add settings
    (max_history_messages=0, muc_room_default_persistent="true"...)."""
    lines = ['Component "%s" "muc"' % domain,
             "\tmuc_room_locking = false",
             "\trestrict_room_creation = false"]
    for key, value in options.items():
        lines.append("\t%s = %s" % (key, value))
    return "\n" + "\n".join(lines) + "\n"


def join(user, room, nick):
    """user enters room as nick and waits for the self-presence (110)."""
    mark = user.presence_mark()
    user.send_presence(to="%s/%s" % (room, nick),
                       children="<x xmlns='%s'/>" % NS_MUC)
    p = user.wait_presence(lambda p: p.from_ == "%s/%s" % (room, nick) and
                           "110" in p.xml, start=mark)
    check(p is not None, "%s did not get into %s", nick, room)


def leave(user, room, nick):
    """user leaves room and waits for the room to confirm."""
    mark = user.presence_mark()
    user.send_presence(type="unavailable", to="%s/%s" % (room, nick))
    user.wait_presence(lambda p: p.from_ == "%s/%s" % (room, nick) and
                       p.type == "unavailable", start=mark)


def say(user, room, body):
    """A groupchat message from user to room."""
    user.send_message(room, body, mtype="groupchat")
