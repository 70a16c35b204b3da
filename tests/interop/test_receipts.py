#!/usr/bin/python3
"""Delivery receipts across the gateway (XEP-0184, RFC 3428 §7).

juliet@xmpp.test asks for a receipt (<request xmlns='urn:xmpp:receipts'/>)
on a message to romeo@sip.test; the scripted SIP UA is the outbound proxy
and answers as each case needs. Only a 200 (a user agent took the
MESSAGE) earns her a <received id/>; a 202 (a store-and-forward server
took it) and an error do not, the error coming back as an error stanza as
before. A message without <request/> gets no receipt even after a 200.

The other way (RFC 5438): romeo's CPIM MESSAGE with imdn.Message-ID and
imdn.Disposition-Notification reaches juliet with <request/> and
<markable/>; her <received/> and <displayed/> come back to romeo's UA as
message/imdn+xml in message/cpim naming his imdn.Message-ID, once each;
a receipt for an id the gateway never gave, or from someone else, goes
nowhere.
"""

import os
import sys
import time
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import uri_of                 # noqa: E402
from harness.util import check                    # noqa: E402

ROMEO = "romeo@sip.test"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_MARKERS = "urn:xmpp:chat-markers:0"
JULIET_URI = "sip:juliet@xmpp.test"


def receipt_id(m):
    """The id of the <received/> in m, or None."""
    elem = ET.fromstring(m.xml).find("{%s}received" % NS_RECEIPTS)
    return elem.get("id") if elem is not None else None


def send_with_request(d, marker, request=True):
    """juliet -> romeo, chat, with a receipt request; returns the id."""
    mid = util.unique("rid")
    d.juliet.send_raw("<message to='%s' id='%s' type='chat'><body>%s</body>"
                      "%s</message>" % (ROMEO, mid, marker,
                                        "<request xmlns='%s'/>" % NS_RECEIPTS
                                        if request else ""))
    return mid


def answered(d, status, request=True):
    """romeo's UA answers the MESSAGE with status; returns (mid, marker)."""
    marker = util.unique("rcpt%d" % status)

    def responder(req):
        if req.method == "MESSAGE" and marker in req.text:
            return (status, None, [])
        return (200, "OK", [])
    d.ua.responder = responder
    mid = send_with_request(d, marker, request)
    req = d.ua.wait_for_request(lambda r: marker in r.text, 5,
                                method="MESSAGE")
    check(req is not None, "no SIP MESSAGE with %r", marker)
    return mid, marker


def check_receipt_after_200(d):
    """200: juliet gets <received id=her id/> from romeo's JID."""
    try:
        mid, _ = answered(d, 200)
        r = d.juliet.wait_for_message(5, lambda m: receipt_id(m) == mid)
        check(r is not None, "no receipt for %s; got %r", mid,
              d.juliet.received())
        check(r.from_ == ROMEO, "receipt from %r", r.from_)
        check(not r.is_error and r.body is None, "receipt %s", r.xml)
    finally:
        d.ua.responder = None


def no_receipt(d, mid, seconds=1.5):
    """Assert juliet gets no receipt for mid."""
    got = d.juliet.wait_quiet(seconds, lambda m: receipt_id(m) == mid)
    check(not got, "unexpected receipt(s): %r", got)


def check_no_receipt_after_202(d):
    """202: a store-and-forward server took it; no receipt, no error."""
    try:
        mid, _ = answered(d, 202)
        no_receipt(d, mid)
        errs = d.juliet.received(lambda m: m.is_error and m.id == mid)
        check(not errs, "error after 202: %r", errs)
    finally:
        d.ua.responder = None


def check_no_receipt_after_error(d):
    """486: the error stanza as before, and no receipt."""
    try:
        mid, _ = answered(d, 486)
        e = d.juliet.wait_for_message(5, lambda m: m.is_error and
                                      m.id == mid)
        check(e is not None, "no error stanza for 486")
        no_receipt(d, mid, 1.0)
    finally:
        d.ua.responder = None


def check_no_receipt_unasked(d):
    """200 to a message without <request/>: no receipt."""
    try:
        mid, _ = answered(d, 200, request=False)
        no_receipt(d, mid)
    finally:
        d.ua.responder = None


def cpim_imdn(imdn_id, text, disposition="positive-delivery, display"):
    """A CPIM body from romeo asking for IMDN (RFC 5438 §7.1.1.1)."""
    return ("From: <sip:romeo@sip.test>\r\nTo: <%s>\r\n"
            "NS: imdn <urn:ietf:params:imdn>\r\n"
            "imdn.Message-ID: %s\r\n"
            "DateTime: 2026-12-08T01:00:00Z\r\n"
            "imdn.Disposition-Notification: %s\r\n\r\n"
            "Content-Type: text/plain;charset=utf-8\r\n\r\n%s"
            % (JULIET_URI, imdn_id, disposition, text))


def send_cpim(d, imdn_id, marker, disposition="positive-delivery, display"):
    """romeo -> juliet, CPIM with IMDN; returns what juliet got."""
    r = d.ua.send_message(JULIET_URI, from_uri="sip:romeo@sip.test",
                          body=cpim_imdn(imdn_id, marker, disposition),
                          content_type="message/cpim",
                          target=d.gateway.sip_addr, timeout=15)
    check(r is not None and r.status == 200, "MESSAGE answered %r", r)
    m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "juliet did not get %r", marker)
    return m


def imdn_to_romeo(d, imdn_id, what, timeout=5.0):
    """The IMDN MESSAGE for imdn_id holding <what/>, or None."""
    return d.ua.wait_for_request(
        lambda r: r.method == "MESSAGE" and imdn_id in r.text and
        "<%s/>" % what in r.text, timeout, method="MESSAGE")


def check_imdn_both_ways(d):
    """request+markable on juliet's side; her received and displayed
    come back as RFC 5438 notifications in CPIM, one each."""
    imdn_id = util.unique("imdn")
    marker = util.unique("cpim")
    m = send_cpim(d, imdn_id, marker)
    check("{%s}request" % NS_RECEIPTS in m.children, "no <request/>: %s",
          m.xml)
    check("{%s}markable" % NS_MARKERS in m.children, "no <markable/>: %s",
          m.xml)
    sender = m.from_.split("/")[0]
    for what, xml in (("delivered", "<received xmlns='%s' id='%s'/>"
                       % (NS_RECEIPTS, m.id)),
                      ("displayed", "<displayed xmlns='%s' id='%s'/>"
                       % (NS_MARKERS, m.id))):
        d.juliet.send_raw("<message to='%s' id='%s'>%s</message>"
                          % (sender, util.unique("ack"), xml))
        req = imdn_to_romeo(d, imdn_id, what)
        check(req is not None, "no IMDN %s for %s; got %r", what, imdn_id,
              [r.text[:200] for r in d.ua.received()])
        ctype = (req.get("content-type") or "").lower()
        check(ctype.startswith("message/cpim"), "Content-Type %r", ctype)
        check("<message-id>%s</message-id>" % imdn_id in req.text and
              "message/imdn+xml" in req.text and
              "imdn.Message-ID:" in req.text and
              "Content-Disposition: notification" in req.text and
              "<datetime>2026-12-08T01:00:00Z</datetime>" in req.text,
              "not an RFC 5438 notification: %r", req.text)
        check(uri_of(req.uri) == "sip:romeo@sip.test", "Request-URI %r",
              req.uri)
    # A second <displayed/> for the same message sends nothing more.
    d.ua.clear()
    d.juliet.send_raw("<message to='%s'><displayed xmlns='%s' id='%s'/>"
                      "</message>" % (sender, NS_MARKERS, m.id))
    check(imdn_to_romeo(d, imdn_id, "displayed", 1.5) is None,
          "a second notification for one message")


def check_no_request_without_imdn(d):
    """Plain text, and CPIM asking only for negative delivery: no
    <request/>, no <markable/>."""
    marker = util.unique("plain")
    r = d.ua.send_message(JULIET_URI, from_uri="sip:romeo@sip.test",
                          body=marker, target=d.gateway.sip_addr,
                          timeout=15)
    check(r is not None and r.status == 200, "MESSAGE answered %r", r)
    m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None and not any(NS_RECEIPTS in c or NS_MARKERS in c
                                    for c in m.children), "got %r",
          m and m.xml)
    m = send_cpim(d, util.unique("neg"), util.unique("neg"),
                  "negative-delivery")
    check(not any(NS_RECEIPTS in c or NS_MARKERS in c for c in m.children),
          "request for negative-delivery only: %s", m.xml)


def check_unknown_or_foreign_receipt(d):
    """A receipt for an id never given, or sent by someone other than
    the recipient, produces no IMDN."""
    imdn_id = util.unique("foreign")
    m = send_cpim(d, imdn_id, util.unique("foreign"))
    sender = m.from_.split("/")[0]
    d.ua.clear()
    # romeo's own other contact acks juliet's message: not juliet.
    d.juliet.send_raw("<message to='tybalt@sip.test'><received xmlns='%s' "
                      "id='%s'/></message>" % (NS_RECEIPTS, m.id))
    d.juliet.send_raw("<message to='%s'><received xmlns='%s' id='nosuch-1'/>"
                      "</message>" % (sender, NS_RECEIPTS))
    check(imdn_to_romeo(d, imdn_id, "delivered", 1.5) is None,
          "IMDN from a receipt sent to someone else")
    check(not [r for r in d.ua.received() if "nosuch-1" in r.text],
          "IMDN for an unknown id")


def check_imdn_peer(d):
    """[receipts] imdn_domains = sip.test: juliet's message asking for a
    receipt and markers goes as CPIM with imdn.Message-ID and
    Disposition-Notification; the UA's 200 alone gives no receipt, its
    IMDN delivered and displayed become <received/> and <displayed/>;
    an IMDN for an unknown id or deflate-compressed garbage gives none."""
    d.restart_gateway(options={"receipts": {"imdn_domains": "sip.test"}})
    time.sleep(0.5)
    marker = util.unique("tocpim")
    mid = util.unique("cid")
    d.juliet.send_raw("<message to='%s' id='%s' type='chat'><body>%s</body>"
                      "<request xmlns='%s'/><markable xmlns='%s'/>"
                      "</message>" % (ROMEO, mid, marker, NS_RECEIPTS,
                                      NS_MARKERS))
    req = d.ua.wait_for_request(lambda r: marker in r.text, 10,
                                method="MESSAGE")
    check(req is not None, "no MESSAGE with %r", marker)
    check((req.get("content-type") or "").lower().startswith("message/cpim"),
          "Content-Type %r", req.get("content-type"))
    text = req.text
    imdn_id = None
    for line in text.split("\r\n"):
        if line.lower().startswith("imdn.message-id:"):
            imdn_id = line.split(":", 1)[1].strip()
    check(imdn_id, "no imdn.Message-ID: %r", text)
    check("imdn.Disposition-Notification: positive-delivery, display"
          in text and "NS: imdn <urn:ietf:params:imdn>" in text,
          "CPIM %r", text)
    no_receipt(d, mid, 1.0)

    def imdn(what, status, mid_=None):
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
               '<imdn xmlns="urn:ietf:params:xml:ns:imdn">'
               '<message-id>%s</message-id>'
               '<datetime>2026-12-08T01:00:00Z</datetime>'
               '<%s-notification><status><%s/></status></%s-notification>'
               '</imdn>' % (mid_ or imdn_id, what, status, what))
        return ("From: <sip:romeo@sip.test>\r\nTo: <%s>\r\n"
                "NS: imdn <urn:ietf:params:imdn>\r\n"
                "imdn.Message-ID: %s\r\n"
                "DateTime: 2026-12-08T01:00:00Z\r\n\r\n"
                "Content-Type: message/imdn+xml\r\n"
                "Content-Disposition: notification\r\n\r\n%s"
                % (JULIET_URI, util.unique("n"), doc))

    def send(body, **kw):
        return d.ua.send_message(JULIET_URI, from_uri="sip:romeo@sip.test",
                                 body=body, target=d.gateway.sip_addr,
                                 timeout=15, **kw)
    # The delivered one as Linphone sends it: the whole body deflated.
    r = send(zlib.compress(imdn("delivery", "delivered").encode()),
             content_type="message/cpim",
             headers=[("Content-Encoding", "deflate")])
    check(r is not None and r.status == 200, "IMDN answered %r", r)
    got = d.juliet.wait_for_message(5, lambda m: receipt_id(m) == mid)
    check(got is not None and got.from_ == ROMEO, "no <received/>: %r",
          d.juliet.received())
    r = send(imdn("display", "displayed"), content_type="message/cpim")
    check(r is not None and r.status == 200, "IMDN answered %r", r)
    got = d.juliet.wait_for_message(
        5, lambda m: "{%s}displayed" % NS_MARKERS in m.children)
    check(got is not None and ET.fromstring(got.xml).find(
        "{%s}displayed" % NS_MARKERS).get("id") == mid,
        "no <displayed id=%s/>: %r", mid, d.juliet.received())
    # Never shown as text to juliet, and no receipt for unknown ids.
    check(not d.juliet.received(lambda m: m.body and "imdn" in m.body),
          "an IMDN was shown as text")
    r = send(imdn("delivery", "delivered", "nosuch-2"),
             content_type="message/cpim")
    check(r is not None and r.status == 200, "unknown id answered %r", r)
    r = send(zlib.compress(b"\0" * 200000), content_type="message/cpim",
             headers=[("Content-Encoding", "deflate")])
    check(r is not None and r.status in (400, 415), "bomb answered %r", r)


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("receipts")
    d = Deployment("receipts")
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_receipt_after_200, check_no_receipt_after_202,
              check_no_receipt_after_error, check_no_receipt_unasked,
              check_imdn_both_ways, check_no_request_without_imdn,
              check_unknown_or_foreign_receipt, check_imdn_peer):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
