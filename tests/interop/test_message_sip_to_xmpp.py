#!/usr/bin/python3
"""SIP MESSAGE -> XMPP <message/> (RFC 3428 -> RFC 7572 §4, RFC 7247 §6.4).

romeo@sip.test (a scripted SIP UA, and once sipsak) writes to
sip:juliet@xmpp.test through sipxmppd; juliet is logged in to a real Prosody
and must receive exactly what RFC 7572 Table 1 says, and romeo must get his
200 only once the XMPP server has taken the message.
"""

import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"


def send(d, body, **kw):
    """romeo -> juliet through the gateway; returns the final response."""
    kw.setdefault("target", d.gateway.sip_addr)
    kw.setdefault("from_uri", "sip:romeo@sip.test")
    return d.ua.send_message(kw.pop("to", JULIET), body=body, **kw)


def expect_delivered(d, marker, timeout=5.0):
    """Wait for juliet's copy of the message whose body contains marker."""
    m = d.juliet.wait_for_message(
        timeout, lambda m: m.body is not None and marker in m.body)
    check(m is not None, "juliet did not receive %r; she got %r", marker,
          d.juliet.received())
    return m


def check_plain_text_udp(d):
    """text/plain over UDP: 200, then a normal message from romeo."""
    body = util.unique("udp")
    r = send(d, body)
    check(r is not None, "no final response")
    check(r.status == 200, "expected 200, got %s %s", r.status, r.reason)
    t200 = time.monotonic()
    m = expect_delivered(d, body)
    # The 200 waits for the server's confirmation (IQ barrier), so juliet
    # has it, or is about to: allow only the c2s hop's latency.
    check(m.received_at - t200 < 2.0, "delivered %.2fs after the 200",
          m.received_at - t200)
    check(m.body == body, "body %r != %r", m.body, body)
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)
    check(m.to.split("/")[0] == "juliet@xmpp.test", "to %r", m.to)
    # RFC 7572 §5: pager-mode messages are normal, never chat.
    check(m.type in (None, "normal"), "type %r (must be absent/normal)",
          m.type)
    check(not m.is_error, "error stanza %r", m)


def check_plain_text_tcp(d):
    """The same over TCP (RFC 7247 §5: the gateway speaks both)."""
    body = util.unique("tcp")
    r = send(d, body, transport="tcp", timeout=10)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, body)
    check(m.body == body, "body %r", m.body)
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)


def check_utf8_body(d):
    """Non-ASCII text survives both hops byte for byte."""
    body = "Grüße, Julia ✓ 日本語 " + util.unique("utf8")
    r = send(d, body)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, body[-20:])
    check(m.body == body, "body %r != %r", m.body, body)


def check_latin1_charset(d):
    """text/plain with charset=ISO-8859-1 is converted to UTF-8."""
    marker = util.unique("latin1")
    raw = ("caf\u00e9 cr\u00e8me " + marker).encode("iso-8859-1")
    r = send(d, raw, content_type="text/plain; charset=ISO-8859-1")
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, marker)
    check(m.body == "caf\u00e9 cr\u00e8me " + marker, "body %r", m.body)


def check_subject_thread_lang(d):
    """RFC 7572 Table 1: Subject -> <subject/>, Call-ID -> <thread/>,
    Content-Language -> xml:lang (§8 MUST)."""
    body = util.unique("meta")
    call_id = util.unique("callid") + "@127.0.0.1"
    r = send(d, body, call_id=call_id,
             headers=[("Subject", "Under the balcony"),
                      ("Content-Language", "it")])
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, body)
    check(m.subject == "Under the balcony", "subject %r", m.subject)
    check(m.thread == call_id, "thread %r, Call-ID was %r", m.thread,
          call_id)
    check(m.lang == "it", "xml:lang %r; stanza %s", m.lang, m.xml)


def check_compact_headers(d):
    """Compact header forms (RFC 3261 §7.3.3) are understood."""
    body = util.unique("compact")
    data, branch = d.ua.build_request(
        "MESSAGE", JULIET, "sip:romeo@sip.test", JULIET, body=body,
        content_type="text/plain", headers={"Subject": None})
    # Rewrite long names into compact ones.
    text = data.decode()
    for long, short in (("From:", "f:"), ("To:", "t:"), ("Call-ID:", "i:"),
                        ("Content-Type:", "c:"), ("Content-Length:", "l:"),
                        ("Via:", "v:")):
        text = text.replace("\r\n" + long, "\r\n" + short)
    r = d.ua.send_built(text.encode(), branch, "udp", d.gateway.sip_addr,
                        timeout=10)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    expect_delivered(d, body)


def check_gruu_resource(d):
    """RFC 7247 §6.4: a From URI with gr=garden becomes resource garden."""
    body = util.unique("gr")
    r = send(d, body, from_uri="<sip:romeo@sip.test;gr=garden>")
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, body)
    check(m.from_ == "romeo@sip.test/garden", "from %r", m.from_)


def check_escaped_localparts(d):
    """RFC 7247 §6.4 examples on the wire: %-decoding and XEP-0106."""
    for from_uri, jid in (("sip:o'malley@sip.test", "o\\27malley@sip.test"),
                          ("sip:f%C3%BCr@sip.test", "f\u00fcr@sip.test"),
                          ("sip:m&m@sip.test", "m\\26m@sip.test")):
        body = util.unique("esc")
        r = send(d, body, from_uri="<%s>" % from_uri)
        check(r is not None and r.status == 200, "%s: expected 200, got %r",
              from_uri, r)
        m = expect_delivered(d, body)
        check(m.from_ == jid, "%s became %r, expected %r", from_uri,
              m.from_, jid)


def check_html_reduced_to_text(d):
    """RFC 7572 §7: text/html is handled; the user sees text, no markup."""
    marker = util.unique("html")
    html = ("<html><body><p>Hello <b>Juliet</b> &amp; nurse</p>"
            "<p>%s</p><script>alert(1)</script></body></html>" % marker)
    r = send(d, html, content_type="text/html;charset=UTF-8")
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, marker)
    check("Hello" in m.body and "Juliet" in m.body, "body %r", m.body)
    check("& nurse" in m.body, "entity not decoded: %r", m.body)
    check("<b>" not in m.body and "<p>" not in m.body,
          "markup shown as text: %r", m.body)
    check("alert(1)" not in m.body, "script text shown: %r", m.body)


def check_cpim_unwrapped(d):
    """RFC 3862: a message/cpim wrapper is removed; the inner text is the
    body, CPIM headers are not shown."""
    marker = util.unique("cpim")
    cpim = ("From: <sip:romeo@sip.test>\r\n"
            "To: <sip:juliet@xmpp.test>\r\n"
            "DateTime: 2024-01-01T12:00:00Z\r\n"
            "NS: imdn <urn:ietf:params:imdn>\r\n"
            "imdn.Message-ID: 34jk324j\r\n"
            "\r\n"
            "Content-Type: text/plain;charset=UTF-8\r\n"
            "\r\n"
            "Wherefore art thou " + marker)
    r = send(d, cpim, content_type="message/cpim")
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, marker)
    check(m.body == "Wherefore art thou " + marker, "body %r", m.body)


def check_long_body(d):
    """A body just under RFC 3428's 1300 bytes goes through whole."""
    marker = util.unique("long")
    body = (marker + " ") + "x" * (900 - len(marker))
    r = send(d, body)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, marker)
    check(m.body == body, "body changed: %d vs %d chars", len(m.body),
          len(body))


def check_sipsak_message(d):
    """A MESSAGE from a real third-party tool (sipsak, shoot mode with a
    request file: its -M mode needs -U and registers first)."""
    marker = util.unique("sipsak")
    body = "hello from sipsak " + marker
    path = os.path.join(d.dir, "sipsak-message.sip")
    with open(path, "w") as f:
        f.write("MESSAGE sip:juliet@xmpp.test SIP/2.0\n"
                "From: <sip:romeo@sip.test>;tag=sipsak%d\n"
                "To: <sip:juliet@xmpp.test>\n"
                "Call-ID: %s@127.0.0.1\n"
                "CSeq: 1 MESSAGE\n"
                "Max-Forwards: 70\n"
                "Content-Type: text/plain;charset=UTF-8\n"
                "Content-Length: %d\n"
                "\n%s" % (os.getpid(), marker, len(body), body))
    # -s names where to send (sipsak resolves its host); the Request-URI
    # in the file is kept.
    r = subprocess.run(["sipsak", "-vv", "-f", path, "-s",
                        "sip:juliet@127.0.0.1:%d" % d.gateway.sip_port],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "sipsak exit %d:\n%s%s", r.returncode,
          r.stdout[-2000:], r.stderr)
    check("SIP/2.0 200" in r.stdout, "no 200 in sipsak output:\n%s",
          r.stdout[-2000:])
    m = expect_delivered(d, marker)
    check(m.body == body, "body %r", m.body)
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)


def check_map_cli(d):
    """sipxmppd --map shows the translation both ways with the rule."""
    r = d.gateway.run_cli("--map", "sip:romeo@sip.test;gr=x")
    check(r.returncode == 0, "--map exit %d: %s%s", r.returncode, r.stdout,
          r.stderr)
    check("romeo@sip.test/x" in r.stdout, "--map output: %r", r.stdout)
    check("domain" in r.stdout, "rule not shown: %r", r.stdout)
    r = d.gateway.run_cli("--map", "juliet@xmpp.test/balcony")
    check(r.returncode == 0, "--map exit %d: %s%s", r.returncode, r.stdout,
          r.stderr)
    check("sip:juliet@xmpp.test" in r.stdout, "--map output: %r", r.stdout)


def check_chat_type_option(d):
    """[message] xmpp_type = chat makes SIP messages arrive as chat."""
    opts = dict(d.gateway_options)
    opts["message"] = dict(opts.get("message", {}), xmpp_type="chat")
    d.restart_gateway(options=opts)
    body = util.unique("chat")
    r = send(d, body, timeout=15)
    check(r is not None and r.status == 200, "expected 200, got %r", r)
    m = expect_delivered(d, body)
    check(m.type == "chat", "type %r with xmpp_type=chat", m.type)


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def check_retransmission_answered_once(d):
    """RFC 3261 §17.2.2: the same MESSAGE again over UDP after its 200 (our
    answer was lost, say) gets the same 200 again, from the gateway's
    memory of completed transactions, and juliet gets the message once."""
    body = util.unique("retrans").encode()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3.0)
    data = ("\r\n".join([
        "MESSAGE %s SIP/2.0" % JULIET,
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (
            sock.getsockname()[1], util.unique("z9hG4bK")),
        "Max-Forwards: 70",
        "From: <sip:romeo@sip.test>;tag=%s" % util.unique("t"),
        "To: <%s>" % JULIET,
        "Call-ID: %s" % util.unique("c"),
        "CSeq: 1 MESSAGE",
        "Content-Type: text/plain",
        "Content-Length: %d" % len(body)]) + "\r\n\r\n").encode() + body
    answers = []
    try:
        for _ in range(2):
            sock.sendto(data, d.gateway.sip_addr)
            try:
                answers.append(sock.recvfrom(65535)[0])
            except socket.timeout:
                check(False, "no answer to %s", "the retransmission"
                      if answers else "the MESSAGE")
    finally:
        sock.close()
    check(answers[0].startswith(b"SIP/2.0 200"), "answer: %r",
          answers[0][:60])
    check(answers[1] == answers[0], "a different answer the second time:"
          "\n%r\n%r", answers[0], answers[1])
    expect_delivered(d, body.decode())
    time.sleep(1.0)
    copies = d.juliet.received(lambda m: m.body == body.decode())
    check(len(copies) == 1, "juliet got %d copies", len(copies))


def main():
    t = util.TestRunner("message_sip_to_xmpp")
    d = Deployment("sip2xmpp")
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_plain_text_udp, check_plain_text_tcp, check_utf8_body,
              check_latin1_charset, check_subject_thread_lang,
              check_compact_headers, check_gruu_resource,
              check_escaped_localparts, check_html_reduced_to_text,
              check_cpim_unwrapped, check_long_body, check_sipsak_message,
              check_map_cli, check_chat_type_option,
              check_retransmission_answered_once):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
