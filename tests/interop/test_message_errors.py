#!/usr/bin/python3
"""What a SIP sender hears when its MESSAGE cannot be delivered.

RFC 7247 §7.1 (Table 2) for XMPP errors, §8 for sips:, RFC 3261 for
methods and media types, and the design rule that nothing is dropped
silently: unmapped addresses get 404, an XMPP link that is down gets 503
with Retry-After, media that is not text gets 415 with Accept and is never
shown to the XMPP user.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment, Gateway   # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"


def send(d, to, body, **kw):
    """romeo -> `to` through the gateway."""
    kw.setdefault("target", d.gateway.sip_addr)
    kw.setdefault("from_uri", "sip:romeo@sip.test")
    kw.setdefault("timeout", 15)
    return d.ua.send_message(to, body=body, **kw)


def nothing_shown(d, marker, seconds=1.0):
    """Assert juliet never saw a message containing marker."""
    got = d.juliet.wait_quiet(seconds, lambda m: m.body and marker in m.body)
    check(not got, "juliet was shown %r", got)


def check_unknown_xmpp_user(d):
    """Prosody answers service-unavailable for an unknown user; RFC 7247
    Table 2: not 503 (NOT RECOMMENDED) but 403 or 405."""
    r = send(d, "sip:nobody@xmpp.test", util.unique("nobody"))
    check(r is not None, "no final response")
    check(r.status in (403, 405), "got %d %s, want 403 or 405", r.status,
          r.reason)


def check_unmapped_domain(d):
    """No mapping rule for the domain: 404 at once."""
    t0 = time.monotonic()
    r = send(d, "sip:juliet@elsewhere.example", util.unique("unmapped"))
    check(r is not None and r.status == 404, "got %r", r)
    check(time.monotonic() - t0 < 3, "404 took %.1fs",
          time.monotonic() - t0)


def check_unmapped_from(d):
    """A sender outside every mapping rule: either refused (4xx, nothing
    shown) or delivered from an address in the gateway's own domain (e.g.
    XEP-0106 mallory\\40evil.example@sip.test); never from evil.example,
    which the component may not speak for (XEP-0114)."""
    marker = util.unique("badfrom")
    r = send(d, JULIET, marker, from_uri="sip:mallory@evil.example")
    check(r is not None, "no final response")
    if r.status == 200:
        m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
        check(m is not None, "200 but not delivered")
        check(m.from_.split("/")[0].endswith("@sip.test"),
              "delivered from %r", m.from_)
    else:
        check(400 <= r.status < 500, "got %r", r)
        nothing_shown(d, marker)


def check_sips_refused(d):
    """RFC 7247 §8: a sips: Request-URI MUST NOT be translated: 403."""
    marker = util.unique("sips")
    r = d.ua.send_message("sips:juliet@xmpp.test", body=marker,
                          from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 403, "got %r", r)
    nothing_shown(d, marker)


def check_sips_to_refused(d):
    """RFC 7247 §8 also names the To header: sips: there is refused too."""
    marker = util.unique("sipsto")
    r = d.ua.send_message("sips:juliet@xmpp.test", body=marker,
                          request_uri=JULIET, from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, timeout=10)
    check(r is not None and r.status == 403, "got %r", r)
    nothing_shown(d, marker)


def refused_media(d, ctype, body):
    """A MESSAGE with ctype: 415 with an Accept header, nothing shown."""
    marker = util.unique("media")
    if isinstance(body, str):
        body = body.replace("MARKER", marker)
    else:
        body = body.replace(b"MARKER", marker.encode())
    r = send(d, JULIET, body, content_type=ctype)
    check(r is not None and r.status == 415, "%s: got %r", ctype, r)
    accept = r.get("accept")
    check(accept and "text/plain" in accept,
          "%s: 415 without Accept listing text/plain: %r", ctype, accept)
    nothing_shown(d, marker)


def check_iscomposing_not_text(d):
    """RFC 3994 isComposing is not text: it becomes a chat state (200,
    test_typing.py), and nothing of it is shown to juliet as text."""
    marker = util.unique("media")
    r = send(d, JULIET, '<?xml version="1.0" encoding="UTF-8"?>\n'
             '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">'
             '<state>active</state><contenttype>text/plain</contenttype>'
             '<!-- %s --></isComposing>' % marker,
             content_type="application/im-iscomposing+xml")
    check(r is not None and r.status == 200, "isComposing: got %r", r)
    nothing_shown(d, marker)


def check_imdn_refused(d):
    """RFC 5438 delivery notifications are machine bodies: never shown.
    One the gateway reads (issue 14) is taken with 200 and, naming no
    message of ours, dropped."""
    marker = util.unique("media")
    r = send(d, JULIET, '<?xml version="1.0" encoding="UTF-8"?>\n'
             '<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>'
             '%s</message-id><delivery-notification><status>'
             '<delivered/></status></delivery-notification></imdn>' % marker,
             content_type="message/imdn+xml")
    check(r is not None and r.status == 200, "got %r", r)
    nothing_shown(d, marker)


def check_unknown_type_refused(d):
    """Unknown media types: 415."""
    refused_media(d, "application/octet-stream", b"\x00\x01MARKER\xff")


def check_cpim_with_imdn_refused(d):
    """A CPIM wrapper around an IMDN is still not text; one without a
    notification in it is unreadable: 400, nothing shown."""
    marker = util.unique("media")
    r = send(d, JULIET, "From: <sip:romeo@sip.test>\r\nTo: "
             "<sip:juliet@xmpp.test>\r\n\r\nContent-Type: "
             "message/imdn+xml\r\n\r\n"
             '<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>'
             "%s</message-id></imdn>" % marker, content_type="message/cpim")
    check(r is not None and r.status == 400, "got %r", r)
    nothing_shown(d, marker)


def check_options(d):
    """OPTIONS is answered 200 (RFC 3261 §11)."""
    r = d.ua.send_request("OPTIONS", JULIET, target=d.gateway.sip_addr,
                          timeout=10)
    check(r is not None and r.status == 200, "got %r", r)


def check_invite_405(d):
    """INVITE: 405 with Allow listing MESSAGE (RFC 3261 §21.4.6)."""
    r = d.ua.send_request("INVITE", JULIET, target=d.gateway.sip_addr,
                          body="v=0\r\n", content_type="application/sdp",
                          timeout=10)
    check(r is not None and r.status == 405, "got %r", r)
    allow = (r.get("allow") or "").upper()
    check("MESSAGE" in allow, "Allow %r", r.get("allow"))


def check_invite_refusal_retransmitted_until_ack(d):
    """RFC 3261 §17.2.1: over UDP our 405 to an INVITE is retransmitted
    (Timer G: T1, then 2*T1) until the ACK, and the ACK stops it."""
    host, port = d.gateway.sip_addr

    def invite(sock, branch):
        me = sock.getsockname()
        text = ("INVITE sip:%s SIP/2.0\r\n"
                "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:romeo@sip.test>;tag=g1\r\n"
                "To: <sip:%s>\r\n"
                "Call-ID: %s@test\r\n"
                "CSeq: 1 INVITE\r\n"
                "Content-Length: 0\r\n\r\n"
                % (JULIET[4:], me[0], me[1], branch, JULIET[4:], branch))
        sock.sendto(text.encode(), (host, port))
        return text

    def collect(sock, seconds):
        got = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            sock.settimeout(left)
            try:
                got.append(sock.recv(65536))
            except socket.timeout:
                return got

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        # No ACK: the 405 comes at once, again after T1 and after 3*T1.
        invite(s, "z9hG4bKnoack%d" % os.getpid())
        got = collect(s, 1.9)
        check(len(got) >= 3 and all(g.startswith(b"SIP/2.0 405") for g in got)
              and len(set(got)) == 1,
              "without ACK: %d copies %r", len(got), [g[:20] for g in got])
    finally:
        s.close()
    # With the ACK (from another socket: the first keeps getting copies
    # until Timer H): one 405, then silence.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        branch = "z9hG4bKack%d" % os.getpid()
        inv = invite(s, branch)
        first = collect(s, 0.3)
        check(len(first) == 1 and first[0].startswith(b"SIP/2.0 405"),
              "first answer %r", first)
        to = [l for l in first[0].decode().split("\r\n")
              if l.lower().startswith("to:")][0]
        ack = inv.replace("INVITE sip:", "ACK sip:", 1).replace(
            "CSeq: 1 INVITE", "CSeq: 1 ACK")
        ack = "\r\n".join(to if l.lower().startswith("to:") else l
                           for l in ack.split("\r\n"))
        s.sendto(ack.encode(), (host, port))
        later = collect(s, 1.9)
        check(later == [], "after ACK: %d more copies: %r", len(later),
              [g[:300] for g in later[:1]])
    finally:
        s.close()


def check_unknown_method_501(d):
    """An unknown method: 501 with Allow (RFC 3261 §8.2.1)."""
    r = d.ua.send_request("FROBNICATE", JULIET, target=d.gateway.sip_addr,
                          timeout=10)
    check(r is not None and r.status == 501, "got %r", r)
    check("MESSAGE" in (r.get("allow") or "").upper(), "Allow %r",
          r.get("allow"))


def check_link_down_503(d):
    """XMPP link down: 503 with Retry-After, not a silent drop.

    A second gateway pointed at a port where no XMPP server listens."""
    dead_port = util.free_port()
    gw = Gateway(os.path.join(d.dir, "gateway-nolink"), dead_port,
                 secret="x", outbound_proxy=None)
    gw.start(wait_link=False)
    try:
        marker = util.unique("down")
        r = d.ua.send_message(JULIET, body=marker,
                              from_uri="sip:romeo@sip.test",
                              target=gw.sip_addr, timeout=15)
        check(r is not None and r.status == 503, "got %r", r)
        ra = r.get("retry-after")
        check(ra is not None and ra.split(";")[0].strip().isdigit(),
              "Retry-After %r", ra)
        check(gw.alive(), "gateway died")
    finally:
        gw.stop(check=True)


def check_sighup_reload(d):
    """SIGHUP reloads the mapping table: an address unknown before (404)
    routes after a `user` rule for it is added (here for the nurse, so
    juliet's own mapping stays as it is: a user rule gives its JID a new
    SIP identity)."""
    alias = "sip:nanny@alias.test"
    nurse = d.user("nurse")
    r = send(d, alias, util.unique("before"))
    check(r is not None and r.status == 404, "before reload: %r", r)
    d.gateway.write_mapping(d.gateway.mapping +
                            ["user %s nurse@xmpp.test" % alias])
    d.gateway.reload()
    marker = util.unique("after")
    deadline = time.monotonic() + 10
    while True:
        r = send(d, alias, marker)
        if r is not None and r.status == 200:
            break
        check(time.monotonic() < deadline, "after reload: %r", r)
        time.sleep(0.3)
    m = nurse.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "not delivered after reload")
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)


def check_sighup_bad_table_kept_old(d):
    """A broken table on SIGHUP is refused; the old one stays in force and
    the daemon keeps running."""
    good = list(d.gateway.mapping)
    mark = d.gateway.log_mark()
    d.gateway.write_mapping(good + ["frobnicate this line"])
    d.gateway.reload()
    d.gateway.wait_log(r"mapping", 10, start=mark)
    time.sleep(0.5)
    check(d.gateway.alive(), "daemon died on a bad table")
    r = send(d, JULIET, util.unique("kept"))
    check(r is not None and r.status == 200, "old table not kept: %r", r)
    if any(l.startswith("user ") for l in good):
        r = send(d, "sip:nanny@alias.test", util.unique("kept2"))
        check(r is not None and r.status == 200,
              "old table (with the user rule) not kept: %r", r)
    d.gateway.write_mapping(good)


def check_still_serving(d):
    """After all that, a normal message still goes through."""
    marker = util.unique("ok")
    r = send(d, JULIET, marker)
    check(r is not None and r.status == 200, "got %r", r)
    m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "not delivered")


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("message_errors")
    d = Deployment("errors")
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_unknown_xmpp_user, check_unmapped_domain,
              check_unmapped_from, check_sips_refused,
              check_sips_to_refused, check_iscomposing_not_text,
              check_imdn_refused, check_unknown_type_refused,
              check_cpim_with_imdn_refused, check_options, check_invite_405,
              check_invite_refusal_retransmitted_until_ack,
              check_unknown_method_501, check_link_down_503,
              check_sighup_reload, check_sighup_bad_table_kept_old,
              check_still_serving):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
