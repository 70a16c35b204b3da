#!/usr/bin/python3
"""Names and addresses every client can type (issue 14 items 4 and 5).

Names (XEP-0172): romeo's SIP From display-name reaches juliet's client
as <nick/> in his messages and in the subscription request his SUBSCRIBE
makes; juliet's <nick/> reaches the SIP side as the From display-name of
her MESSAGE and of the SUBSCRIBE her subscription request makes, as one
quoted-string whatever she put in it (quotes, backslashes, controls).

The "%" form: with "embed gw.sip.test sip.test jid_form=percent", juliet
writes to romeo%sip.test@sip.test (no backslash to type), the SIP user
gets it, and his answer comes from that same JID; the XEP-0106 form
romeo\\40sip.test@sip.test is read too. Without jid_form the "%" form is
still read, and the answer comes from the escaped form.
"""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.presence import is_from              # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
NS_NICK = "http://jabber.org/protocol/nick"
WAIT = 5.0


def nick_of(stanza):
    """The text of the XEP-0172 <nick/> in a received stanza, or None."""
    n = ET.fromstring(stanza.xml).find("{%s}nick" % NS_NICK)
    return None if n is None else (n.text or "")


def from_romeo(d, display, body):
    """romeo (From display-name display) writes to juliet; her copy."""
    r = d.ua.send_message(JULIET, body=body, target=d.gateway.sip_addr,
                          from_uri=(display + " " if display else "") +
                          "<sip:romeo@sip.test>")
    check(r is not None and r.status == 200, "MESSAGE: %r", r)
    m = d.juliet.wait_for_message(
        WAIT, lambda m: m.body is not None and body in m.body)
    check(m is not None, "juliet did not get %r", body)
    return m


def check_message_display_to_nick(d):
    """From "Romeo Montague" <...> -> <nick>Romeo Montague</nick>; a
    quoted-string's quoted-pairs are undone; no display-name, no nick."""
    m = from_romeo(d, '"Romeo Montague"', util.unique("nick"))
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)
    check(nick_of(m) == "Romeo Montague", "nick %r in %s", nick_of(m),
          m.xml)
    m = from_romeo(d, r'"R \"the\" M <x>"', util.unique("nickq"))
    check(nick_of(m) == 'R "the" M <x>', "nick %r in %s", nick_of(m), m.xml)
    m = from_romeo(d, "", util.unique("nonick"))
    check(nick_of(m) is None, "a nick without a display-name: %s", m.xml)


def nick_message(d, nick_xml):
    """juliet writes to romeo with <nick>nick_xml</nick>; the MESSAGE the
    SIP UA gets."""
    body = util.unique("xnick")
    d.juliet.send_raw("<message to='romeo@sip.test' type='chat' id='%s'>"
                      "<body>%s</body><nick xmlns='%s'>%s</nick></message>"
                      % (body, body, NS_NICK, nick_xml))
    req = d.ua.wait_for_request(
        lambda r: body.encode() in r.body, timeout=WAIT, method="MESSAGE")
    check(req is not None, "the MESSAGE did not arrive")
    return req


def check_nick_to_message_display(d):
    """<nick>Juliet C</nick> -> From: "Juliet C" <sip:juliet@xmpp.test>;
    quotes and backslashes quoted, controls gone, line breaks folded."""
    req = nick_message(d, "Juliet C")
    frm = req.get("from")
    check(frm.startswith('"Juliet C" <sip:juliet@xmpp.test'),
          "From %r", frm)
    req = nick_message(d, 'Ju"li\\et&#x85;\n\r\nVia: x')
    frm = req.get("from")
    check(frm.startswith(r'"Ju\"li\\et Via: x" <sip:juliet@xmpp.test'),
          "From %r", frm)
    check(len(req.get_all("via")) == 1, "a Via got in: %r",
          req.get_all("via"))


def check_subscribe_display_to_nick(d):
    """A SIP SUBSCRIBE from "Romeo Montague": juliet's subscription
    request from romeo@sip.test carries <nick>Romeo Montague</nick>."""
    mark = d.juliet.presence_mark()
    r = d.ua.send_request(
        "SUBSCRIBE", JULIET, target=d.gateway.sip_addr,
        from_uri='"Romeo Montague" <sip:romeo@sip.test>',
        headers=[("Event", "presence"), ("Expires", "600")])
    check(r is not None and r.status in (200, 202), "SUBSCRIBE: %r", r)
    p = d.juliet.wait_presence(is_from("romeo@sip.test", "subscribe"),
                               WAIT, start=mark)
    check(p is not None, "no subscription request; juliet got %r",
          d.juliet.received_presences(start=mark))
    check(nick_of(p) == "Romeo Montague", "nick %r in %s", nick_of(p),
          p.xml)


def check_subscribe_nick_to_display(d):
    """juliet's subscription request to tybalt@sip.test with
    <nick>Juliet C</nick>: the gateway's SUBSCRIBE is From "Juliet C"."""
    d.juliet.send_raw("<presence to='tybalt@sip.test' type='subscribe'>"
                      "<nick xmlns='%s'>Juliet C</nick></presence>"
                      % NS_NICK)
    req = d.ua.wait_for_request(lambda r: "tybalt" in (r.uri or ""),
                                timeout=WAIT, method="SUBSCRIBE")
    check(req is not None, "no SUBSCRIBE:\n%s",
          util.tail(d.gateway.log_path, 20))
    frm = req.get("from")
    check(frm.startswith('"Juliet C" <sip:juliet@xmpp.test>;tag='),
          "From %r", frm)


def use_percent_form(d):
    """The embed rule instead of the domain rule for sip.test, writing
    the "%" form."""
    d.restart_gateway(mapping=[
        "domain xmpp.test xmpp.test",
        "embed gw.sip.test sip.test jid_form=percent",
    ])


def check_percent_form(d):
    """juliet writes to romeo%sip.test@sip.test: the SIP user gets it at
    sip:romeo@sip.test; his answer comes from romeo%sip.test@sip.test;
    the XEP-0106 form is read too."""
    for jid in ("romeo%sip.test@sip.test", "romeo\\40sip.test@sip.test"):
        body = util.unique("pct")
        d.juliet.send_message(jid, body)
        req = d.ua.wait_for_request(
            lambda r, body=body: body.encode() in r.body, timeout=WAIT,
            method="MESSAGE")
        check(req is not None, "%s: nothing reached SIP:\n%s", jid,
              util.tail(d.gateway.log_path, 10))
        check(req.uri == "sip:romeo@sip.test", "%s: R-URI %r", jid, req.uri)
    body = util.unique("answer")
    r = d.ua.send_message(JULIET, body=body, target=d.gateway.sip_addr,
                          from_uri="sip:romeo@sip.test")
    check(r is not None and r.status == 200, "MESSAGE: %r", r)
    m = d.juliet.wait_for_message(
        WAIT, lambda m: m.body is not None and body in m.body)
    check(m is not None, "juliet did not get the answer")
    check(m.from_ == "romeo%sip.test@sip.test", "answer from %r", m.from_)


def check_percent_read_by_escaped_rule(d):
    """Without jid_form (escaped, the default) the "%" form is still read;
    the answer comes from the XEP-0106 form, as the rule writes it."""
    d.gateway.write_mapping([
        "domain xmpp.test xmpp.test",
        "embed gw.sip.test sip.test",
    ])
    mark = d.gateway.log_mark()
    d.gateway.reload()
    check(d.gateway.wait_log(r"mapping: reloaded", WAIT, start=mark),
          "no reload")
    body = util.unique("pcte")
    d.juliet.send_message("romeo%sip.test@sip.test", body)
    req = d.ua.wait_for_request(lambda r: body.encode() in r.body,
                                timeout=WAIT, method="MESSAGE")
    check(req is not None and req.uri == "sip:romeo@sip.test", "%r", req)
    body = util.unique("answere")
    r = d.ua.send_message(JULIET, body=body, target=d.gateway.sip_addr,
                          from_uri="sip:romeo@sip.test")
    check(r is not None and r.status == 200, "MESSAGE: %r", r)
    m = d.juliet.wait_for_message(
        WAIT, lambda m: m.body is not None and body in m.body)
    check(m is not None and m.from_ == "romeo\\40sip.test@sip.test",
          "answer %r", m)


def main():
    t = util.TestRunner("names")
    d = Deployment("names")
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    t.run(check_message_display_to_nick, d)
    t.run(check_nick_to_message_display, d)
    t.run(check_subscribe_display_to_nick, d)
    t.run(check_subscribe_nick_to_display, d)
    try:
        use_percent_form(d)
    except Exception:
        t.fail_setup("gateway restart with the embed rule")
        t.finish()
    t.run(check_percent_form, d)
    t.run(check_percent_read_by_escaped_rule, d)
    try:
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
