#!/usr/bin/python3
"""XMPP <message/> -> SIP MESSAGE (RFC 7572 §3, RFC 7247 §6.5, §7.2).

juliet@xmpp.test/balcony writes to romeo@sip.test; sipxmppd sends a SIP
MESSAGE to its outbound proxy, which here is the scripted UA itself, so we
see exactly what went on the wire. SIP error responses must come back to
juliet as error stanzas per RFC 7247 Table 3; no answer at all (Timer F)
as remote-server-timeout; a message too big for RFC 3428 as
policy-violation.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import header_param, uri_of, uri_param  # noqa: E402
from harness.util import check                    # noqa: E402

ROMEO = "romeo@sip.test"


def expect_sip(d, marker, timeout=5.0):
    """Wait for the SIP MESSAGE whose body contains marker."""
    req = d.ua.wait_for_request(lambda r: marker in r.text, timeout,
                                method="MESSAGE")
    check(req is not None, "no SIP MESSAGE with %r; got %r", marker,
          d.ua.received())
    return req


def no_error_for(d, msg_id, seconds=1.5):
    """Assert juliet gets no error stanza for her message msg_id."""
    errs = d.juliet.wait_quiet(seconds, lambda m: m.is_error and
                               m.id == msg_id)
    check(not errs, "unexpected error stanza(s): %r", errs)


def check_plain_message(d):
    """Body, From with gr, To, Request-URI, Content-Type, Call-ID."""
    body = "Romeo, Romeo! " + util.unique("x2s")
    mid = d.juliet.send_message(ROMEO, body, mtype="chat")
    req = expect_sip(d, body)
    check(req.text == body, "body %r", req.text)
    check(uri_of(req.uri) == "sip:romeo@sip.test", "Request-URI %r",
          req.uri)
    to = uri_of(req.get("to", ""))
    check(to == "sip:romeo@sip.test", "To %r", req.get("to"))
    frm = uri_of(req.get("from", ""))
    check(frm.split(";")[0] == "sip:juliet@xmpp.test", "From %r",
          req.get("from"))
    # RFC 7572 §3 / RFC 7247 §6.3: the resource travels as gr.
    check(uri_param(frm, "gr") == "balcony", "From without gr=balcony: %r",
          req.get("from"))
    check(header_param(req.get("from", ""), "tag"), "From without tag")
    ctype = (req.get("content-type") or "").replace(" ", "").lower()
    check(ctype.startswith("text/plain") and "charset=utf-8" in ctype,
          "Content-Type %r", req.get("content-type"))
    check(req.get("call-id"), "no Call-ID")
    check(req.get("cseq", "").upper().endswith("MESSAGE"), "CSeq %r",
          req.get("cseq"))
    mf = req.get("max-forwards")
    check(mf is not None and mf.isdigit() and int(mf) > 0,
          "Max-Forwards %r", mf)
    via = req.get("via", "")
    check("branch=z9hG4bK" in via, "Via without RFC 3261 branch: %r", via)
    no_error_for(d, mid)


def check_utf8(d):
    """Non-ASCII text and a UTF-8 Content-Length that counts bytes."""
    body = "Tschüss ✓ 日本語 " + util.unique("utf8")
    d.juliet.send_message(ROMEO, body)
    req = expect_sip(d, body[-15:])
    check(req.text == body, "body %r != %r", req.text, body)
    check(int(req.get("content-length")) == len(body.encode("utf-8")),
          "Content-Length %s for %d bytes", req.get("content-length"),
          len(body.encode("utf-8")))


def check_subject_thread_lang(d):
    """RFC 7572 Table 2: <subject/> -> Subject, <thread/> -> Call-ID,
    xml:lang -> Content-Language (§8 MUST)."""
    body = util.unique("meta")
    thread = util.unique("thread")
    d.juliet.send_message(ROMEO, body, subject="Tonight", thread=thread,
                          lang="it", mtype="normal")
    req = expect_sip(d, body)
    check(req.get("subject") == "Tonight", "Subject %r", req.get("subject"))
    check(thread in (req.get("call-id") or ""), "Call-ID %r, thread %r",
          req.get("call-id"), thread)
    check((req.get("content-language") or "").lower() == "it",
          "Content-Language %r", req.get("content-language"))


def check_distinct_call_ids(d):
    """Without <thread/>, each message gets its own Call-ID."""
    a, b = util.unique("cid-a"), util.unique("cid-b")
    d.juliet.send_message(ROMEO, a)
    d.juliet.send_message(ROMEO, b)
    ra, rb = expect_sip(d, a), expect_sip(d, b)
    check(ra.get("call-id") and rb.get("call-id"), "missing Call-ID")
    check(ra.get("call-id") != rb.get("call-id"), "Call-ID reused: %r",
          ra.get("call-id"))


def check_escaped_jid(d):
    """RFC 7247 §6.5: XEP-0106 escapes in the JID become URI characters;
    a message to o\\27malley@sip.test goes to sip:o'malley@sip.test."""
    body = util.unique("esc")
    d.juliet.send_message("o\\27malley@sip.test", body)
    req = expect_sip(d, body)
    check(uri_of(req.uri).lower() in ("sip:o'malley@sip.test",
                                      "sip:o%27malley@sip.test"),
          "Request-URI %r", req.uri)


def error_case(d, status, condition):
    """romeo's UA answers status; juliet must get condition back."""
    marker = util.unique("err%d" % status)

    def responder(req):
        if req.method == "MESSAGE" and marker in req.text:
            return (status, None, [])
        return (200, "OK", [])
    d.ua.responder = responder
    try:
        mid = d.juliet.send_message(ROMEO, marker)
        expect_sip(d, marker)
        e = d.juliet.wait_for_message(
            10, lambda m: m.is_error and m.id == mid)
        check(e is not None, "%d: no error stanza came back (got %r)",
              status, d.juliet.received())
        check(e.error_condition == condition,
              "%d -> %r, RFC 7247 Table 3 says %r; %s", status,
              e.error_condition, condition, e.xml)
        check(e.error_type in ("cancel", "modify", "auth", "wait"),
              "%d: error type %r", status, e.error_type)
        check(e.from_ and e.from_.split("/")[0] == ROMEO,
              "%d: error from %r", status, e.from_)
    finally:
        d.ua.responder = None


def check_error_404(d):
    """404 -> item-not-found."""
    error_case(d, 404, "item-not-found")


def check_error_486(d):
    """486 -> recipient-unavailable."""
    error_case(d, 486, "recipient-unavailable")


def check_error_603(d):
    """603 -> recipient-unavailable."""
    error_case(d, 603, "recipient-unavailable")


def check_error_403(d):
    """403 -> forbidden."""
    error_case(d, 403, "forbidden")


def check_error_415(d):
    """415 -> not-acceptable."""
    error_case(d, 415, "not-acceptable")


def check_error_480(d):
    """480 -> recipient-unavailable."""
    error_case(d, 480, "recipient-unavailable")


def check_error_500(d):
    """500 -> internal-server-error."""
    error_case(d, 500, "internal-server-error")


def check_error_unlisted_4xx(d):
    """Unlisted 4xx (RFC 7247 §7.2 default) -> bad-request."""
    error_case(d, 499, "bad-request")


def check_too_large(d):
    """RFC 7572 §6 / RFC 3428: a MESSAGE over 1300 bytes is refused with
    policy-violation and never sent."""
    marker = util.unique("big")
    body = marker + " " + "y" * 1400
    mid = d.juliet.send_message(ROMEO, body)
    e = d.juliet.wait_for_message(10, lambda m: m.is_error and m.id == mid)
    check(e is not None, "no error for an oversized message")
    check(e.error_condition == "policy-violation", "condition %r",
          e.error_condition)
    got = d.ua.wait_for_request(lambda r: marker in r.text, 1.0,
                                method="MESSAGE")
    check(got is None, "oversized MESSAGE was sent anyway (%d bytes)",
          len(got.raw) if got else 0)


def check_under_limit(d):
    """A body that keeps the MESSAGE under 1300 bytes is sent."""
    marker = util.unique("mid")
    body = marker + " " + "z" * 600
    mid = d.juliet.send_message(ROMEO, body)
    req = expect_sip(d, marker)
    check(len(req.raw) <= 1300, "MESSAGE is %d bytes", len(req.raw))
    check(req.text == body, "body changed")
    no_error_for(d, mid, 1.0)


def check_timer_f(d):
    """No answer at all: after Timer F (64*T1 = 32 s over UDP, RFC 3261
    §17.1.2.2) juliet gets remote-server-timeout (RFC 7247 Table 3, 408)."""
    marker = util.unique("silent")

    def responder(req):
        if req.method == "MESSAGE" and marker in req.text:
            return None
        return (200, "OK", [])
    d.ua.responder = responder
    try:
        mid = d.juliet.send_message(ROMEO, marker)
        expect_sip(d, marker)
        e = d.juliet.wait_for_message(45, lambda m: m.is_error and
                                      m.id == mid)
        check(e is not None, "no error after Timer F")
        check(e.error_condition == "remote-server-timeout", "condition %r",
              e.error_condition)
        # The request was retransmitted meanwhile (Timer E).
        copies = [r for r in d.ua.requests if marker in r.text]
        check(len(copies) == 1, "retransmissions recorded as new requests")
    finally:
        d.ua.responder = None


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("message_xmpp_to_sip")
    d = Deployment("xmpp2sip")
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_plain_message, check_utf8, check_subject_thread_lang,
              check_distinct_call_ids, check_escaped_jid, check_error_404,
              check_error_486, check_error_603, check_error_403,
              check_error_415, check_error_480, check_error_500,
              check_error_unlisted_4xx, check_too_large, check_under_limit,
              check_timer_f):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
