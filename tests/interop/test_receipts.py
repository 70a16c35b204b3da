#!/usr/bin/python3
"""Delivery receipts across the gateway (XEP-0184, RFC 3428 §7).

juliet@xmpp.test asks for a receipt (<request xmlns='urn:xmpp:receipts'/>)
on a message to romeo@sip.test; the scripted SIP UA is the outbound proxy
and answers as each case needs. Only a 200 (a user agent took the
MESSAGE) earns her a <received id/>; a 202 (a store-and-forward server
took it) and an error do not, the error coming back as an error stanza as
before. A message without <request/> gets no receipt even after a 200.
"""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

ROMEO = "romeo@sip.test"
NS_RECEIPTS = "urn:xmpp:receipts"


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
              check_no_receipt_after_error, check_no_receipt_unasked):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
