#!/usr/bin/python3
"""Receipts with a real softphone: IMDN (RFC 5438) between linphonec and
a slixmpp user, through Kamailio.

linphonec (Debian's linphone-cli 5.1) registers at Kamailio, which routes
xmpp.test to sipxmppd; `[receipts] imdn_domains = sip.test`, so juliet's
messages asking for a receipt go as CPIM asking for IMDN, and the bare
200 earns her no receipt: a <received/> can only come from an IMDN.
liblinphone's IMDN policy is "all" by default (`[sip] im_notif_policy`).
Two phones show both ways liblinphone speaks in a basic chat room:

- benvolio, as shipped: pager mode. Its IMDN goes as a bare
  message/imdn+xml, Content-Encoding: deflate; its own messages are
  text/plain and ask for nothing.
- romeo, with `[proxy_default_values] cpim_in_basic_chat_rooms_enabled
  = 1` (5.1 reads the key there, not in [proxy_0]): its IMDN goes in
  message/cpim, deflated; its messages are CPIM asking for
  positive-delivery and display.

linphonec never marks a chat read, so liblinphone sends no `displayed`
for what it shows; and it prints nothing about the state of what it
sent, so that is read from liblinphone's debug log (-d 6 -l).
"""

import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.linphonec import Linphonec           # noqa: E402
from harness.util import SkipTest, check          # noqa: E402

NS_RECEIPTS = "urn:xmpp:receipts"
NS_MARKERS = "urn:xmpp:chat-markers:0"
JULIET = "sip:juliet@xmpp.test"


class Bed:
    """Kamailio, the deployment (IMDN to sip.test, tracing messages) and
    two linphonecs with debug logs: romeo speaking CPIM, benvolio not."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        self.d = Deployment("receipts_softphone",
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port,
                            gateway_options={
                                "gateway": {"trace": "message"},
                                "receipts": {"imdn_domains": "sip.test"}})
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test", port=self.k_port,
                          routes={"xmpp.test": ("127.0.0.1", self.gw_port,
                                                "udp")})
        self.romeo = self.phone("romeo", {
            "proxy_default_values": {"cpim_in_basic_chat_rooms_enabled": 1}})
        self.benvolio = self.phone("benvolio", {})

    def phone(self, user, rc):
        pdir = os.path.join(self.d.dir, "linphonec-" + user)
        rc = dict(rc, sip={"im_notif_policy": "all"})
        return Linphonec(pdir, "sip:%s@sip.test" % user,
                         ("127.0.0.1", self.k_port), extra_rc=rc,
                         log_file=os.path.join(pdir, "linphone.log"))

    def start(self):
        self.k.start()
        self.d.start()
        for phone in (self.romeo, self.benvolio):
            phone.start()
            if phone.wait_registered() is None:
                raise RuntimeError("linphonec did not register:\n"
                                   + phone.output()[-2000:])
        return self

    def stop(self):
        try:
            for phone in (self.romeo, self.benvolio):
                phone.stop()
            self.d.stop()
        finally:
            self.k.stop()


def child(m, ns, name):
    """The element {ns}name in stanza m, or None."""
    return ET.fromstring(m.xml).find("{%s}%s" % (ns, name))


def sent_messages(log):
    """The MESSAGE requests liblinphone's log shows it sent: each the
    header block after a "message sent to" line."""
    out = []
    parts = re.split(r"message sent to \[[^\]]*\], size: \[\d+\] bytes\n",
                     log)
    for part in parts[1:]:
        head = part.split("\n\n", 1)[0]
        if head.startswith("MESSAGE "):
            out.append(head)
    return out


def header(head, name):
    """The value of header name in a logged header block, or ""."""
    m = re.search(r"(?im)^%s:\s*(.*)$" % re.escape(name), head)
    return m.group(1).strip() if m else ""


def juliet_asks(b, phone, user, ctype):
    """juliet -> user with <request/> and <markable/>: linphonec shows
    the text (not CPIM), her <received id/> comes from the IMDN
    liblinphone sends, deflated, as ctype; returns that IMDN's headers."""
    marker = util.unique("ask")
    mid = util.unique("jid")
    text = "Wherefore art thou " + marker
    out = len(phone.lines)
    logged = len(phone.log_text())
    b.d.juliet.send_raw("<message to='%s@sip.test' id='%s' type='chat'>"
                        "<body>%s</body><request xmlns='%s'/>"
                        "<markable xmlns='%s'/></message>"
                        % (user, mid, text, NS_RECEIPTS, NS_MARKERS))
    line = phone.wait_output(r"Message received from .*juliet@xmpp\.test"
                             r".*: " + re.escape(text) + "$", 10, start=out)
    check(line is not None, "linphonec did not show the text; it said:\n%s",
          "\n".join(phone.lines[out:])[-2000:])
    r = b.d.juliet.wait_for_message(
        10, lambda m: (child(m, NS_RECEIPTS, "received") is not None and
                       child(m, NS_RECEIPTS, "received").get("id") == mid))
    check(r is not None, "no <received id=%s/>; juliet got %r", mid,
          [m.xml for m in b.d.juliet.received()])
    check(r.from_.split("/")[0] == "%s@sip.test" % user, "receipt from %r",
          r.from_)
    imdns = [h for h in sent_messages(phone.log_text()[logged:])
             if "juliet@xmpp.test" in h.split("\n", 1)[0] and
             header(h, "Content-Type").startswith(ctype)]
    check(len(imdns) == 1, "liblinphone sent %d %s MESSAGEs to juliet",
          len(imdns), ctype)
    print("%s's IMDN: Content-Type %s, Content-Encoding %r"
          % (user, header(imdns[0], "Content-Type"),
             header(imdns[0], "Content-Encoding")))
    return imdns[0]


def check_pager_imdn_reaches_juliet(b):
    """benvolio (pager mode): a deflated bare message/imdn+xml, which the
    gateway inflates into <received/>."""
    head = juliet_asks(b, b.benvolio, "benvolio", "message/imdn+xml")
    check(header(head, "Content-Encoding") == "deflate",
          "not deflated: %s", head)


def check_cpim_imdn_reaches_juliet(b):
    """romeo (CPIM): a deflated message/cpim holding the IMDN."""
    head = juliet_asks(b, b.romeo, "romeo", "message/cpim")
    check(header(head, "Content-Encoding") == "deflate",
          "not deflated: %s", head)


def imdn_then_state(phone, since, imdn_id, status, state, timeout=10.0):
    """liblinphone's log line, after since, saying a message to juliet
    moved to state after it logged an IMDN naming imdn_id with <status/>;
    or None. (The line names a copy loaded from its database, not the
    pointer it sent, so the IMDN before it ties it to our message.)"""
    imdn = re.compile(r"<message-id>%s</message-id>.*?<%s/>"
                      % (re.escape(imdn_id), status), re.S)
    moved = re.compile(r"Chat message \S+ of chat room ConferenceId\(peer="
                       r"IdentityAddress\(sip:juliet@xmpp\.test[^)]*\).*"
                       r"moving from \w+ to %s$" % state, re.M)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = phone.log_text()[since:]
        got = imdn.search(log)
        line = moved.search(log, got.end()) if got else None
        if line:
            return line.group(0)
        time.sleep(0.1)
    return None


def check_juliet_acks_romeo(b):
    """romeo (CPIM) -> juliet: liblinphone asks for delivery and display,
    so she gets <request/> and <markable/>; her <received/> and
    <displayed/> go back as IMDN that liblinphone takes: its message
    moves to DeliveredToUser, then Displayed."""
    marker = util.unique("fromromeo")
    text = "Deny thy father " + marker
    logged = len(b.romeo.log_text())
    b.romeo.chat(JULIET, text)
    m = b.d.juliet.wait_for_message(10, lambda m: m.body == text)
    check(m is not None, "juliet got nothing; linphonec said:\n%s",
          b.romeo.output()[-2000:])
    check(child(m, NS_RECEIPTS, "request") is not None and
          child(m, NS_MARKERS, "markable") is not None,
          "no <request/> and <markable/>: %s", m.xml)
    asked = re.search(r"imdn\.Message-ID: (\S+)",
                      b.romeo.log_text()[logged:])
    check(asked is not None, "no imdn.Message-ID in what romeo sent")
    sender = m.from_.split("/")[0]
    acks = (("delivered", "DeliveredToUser",
             "<received xmlns='%s' id='%s'/>" % (NS_RECEIPTS, m.id)),
            ("displayed", "Displayed",
             "<displayed xmlns='%s' id='%s'/>" % (NS_MARKERS, m.id)))
    for status, state, xml in acks:
        b.d.juliet.send_raw("<message to='%s' id='%s'>%s</message>"
                            % (sender, util.unique("ack"), xml))
        line = imdn_then_state(b.romeo, logged, asked.group(1), status,
                               state)
        check(line is not None, "liblinphone's message never %s; log:\n%s",
              state, "\n".join(
                  l for l in b.romeo.log_text()[logged:].splitlines()
                  if "Chat message" in l or "imdn" in l.lower())[-3000:])
        print(line)


def check_pager_asks_nothing(b):
    """benvolio (pager mode) -> juliet: liblinphone sends text/plain,
    asking for no IMDN, so juliet's message has no <request/> or
    <markable/>."""
    marker = util.unique("frombenvolio")
    text = "Part, fools " + marker
    logged = len(b.benvolio.log_text())
    b.benvolio.chat(JULIET, text)
    m = b.d.juliet.wait_for_message(10, lambda m: m.body == text)
    check(m is not None, "juliet got nothing; linphonec said:\n%s",
          b.benvolio.output()[-2000:])
    check(child(m, NS_RECEIPTS, "request") is None and
          child(m, NS_MARKERS, "markable") is None, "asked: %s", m.xml)
    sent = [h for h in sent_messages(b.benvolio.log_text()[logged:])
            if "juliet@xmpp.test" in h.split("\n", 1)[0]]
    check(sent and header(sent[0], "Content-Type").startswith("text/plain"),
          "liblinphone sent %r", sent)


def main():
    t = util.TestRunner("receipts_softphone")
    if not Linphonec.available():
        t.run(lambda: (_ for _ in ()).throw(
            SkipTest("linphonec (linphone-cli) not installed")))
        t.finish()
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment + linphonecs start")
        t.finish()
    t.run(check_pager_imdn_reaches_juliet, b)
    t.run(check_cpim_imdn_reaches_juliet, b)
    t.run(check_juliet_acks_romeo, b)
    t.run(check_pager_asks_nothing, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
