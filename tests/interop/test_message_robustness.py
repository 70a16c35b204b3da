#!/usr/bin/python3
"""Hostile input: the gateway answers what it can, drops what it must, and
keeps serving. After every bad input a normal MESSAGE still goes through
and the XMPP link stays up.

RFC 3261 §18.3: a stream message needs a valid Content-Length; a datagram
shorter than its Content-Length is discarded (or 400). Oversized headers:
513 or the connection closed. Garbage datagrams cannot be answered: they
are dropped with a log line.
"""

import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
MAX_MESSAGE_BYTES = 16384


def still_serving(d, transport="udp"):
    """A normal MESSAGE gets 200 and reaches juliet; the daemon lives."""
    check(d.gateway.alive(), "sipxmppd died:\n%s",
          util.tail(d.gateway.log_path))
    marker = util.unique("alive")
    r = d.ua.send_message(JULIET, body=marker, from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, transport=transport,
                          timeout=10)
    check(r is not None and r.status == 200, "after bad input: %r", r)
    m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "after bad input: not delivered")


def raw_message(d, body=b"hello", headers=None, clen=None, method="MESSAGE",
                uri=JULIET, transport="udp"):
    """A MESSAGE as bytes, with headers / Content-Length overridable."""
    lines = ["%s %s SIP/2.0" % (method, uri),
             "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (
                 transport.upper(), d.ua.port, util.unique("b")),
             "Max-Forwards: 70",
             "From: <sip:romeo@sip.test>;tag=%s" % util.unique("t"),
             "To: <%s>" % uri,
             "Call-ID: %s" % util.unique("c"),
             "CSeq: 1 %s" % method,
             "Content-Type: text/plain"]
    if headers:
        lines = [l for l in lines
                 if l.split(":")[0].lower() not in
                 {h.split(":")[0].lower() for h in headers}] + headers
    lines.append("Content-Length: %s" % (len(body) if clen is None
                                          else clen))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def never_200(res, what):
    """No 2xx for a broken request."""
    for r in res.responses:
        check(r.status >= 300 or r.status < 200,
              "%s was accepted: %s %s", what, r.status, r.reason)


def check_udp_garbage(d):
    """Random bytes over UDP: no answer, a log line, still serving."""
    mark = d.gateway.log_mark()
    rnd = random.Random(7)
    for n in (1, 16, 200, 1400, 8000):
        blob = bytes(rnd.randrange(256) for _ in range(n))
        res = d.ua.send_raw(blob, "udp", d.gateway.sip_addr, wait=0.2)
        check(not res.responses, "answered garbage: %r", res.responses)
    d.ua.send_raw(b"", "udp", d.gateway.sip_addr, wait=0.1)
    d.ua.send_raw(b"\r\n\r\n", "udp", d.gateway.sip_addr, wait=0.1)
    d.ua.send_raw(b"NOT SIP AT ALL\r\n\r\n", "udp", d.gateway.sip_addr,
                  wait=0.2)
    d.gateway.wait_log(r"(?i)(drop|discard|garbage|malformed|invalid|"
                       r"bad|unparsable|ignor)", 5, start=mark)
    still_serving(d)


def check_udp_truncated_body(d):
    """Datagram shorter than its Content-Length: discarded or 400, never
    delivered."""
    marker = util.unique("trunc").encode()
    res = d.ua.send_raw(raw_message(d, body=marker, clen=len(marker) + 50),
                        "udp", d.gateway.sip_addr, wait=1.0)
    never_200(res, "truncated datagram")
    check(not d.juliet.wait_quiet(0.5, lambda m: m.body and
                                  marker.decode() in m.body),
          "truncated body delivered")
    still_serving(d)


def check_udp_negative_length(d):
    """Content-Length: -5 over UDP: 400 or dropped."""
    res = d.ua.send_raw(raw_message(d, clen=-5), "udp", d.gateway.sip_addr,
                        wait=1.0)
    never_200(res, "negative Content-Length")
    still_serving(d)


def check_udp_missing_headers(d):
    """MESSAGEs without Call-ID / From / CSeq / Via: 400 or dropped."""
    for drop in ("Call-ID", "From", "CSeq", "To"):
        data = raw_message(d)
        lines = [l for l in data.split(b"\r\n")
                 if not l.lower().startswith(drop.lower().encode() + b":")]
        res = d.ua.send_raw(b"\r\n".join(lines), "udp", d.gateway.sip_addr,
                            wait=0.5)
        never_200(res, "MESSAGE without %s" % drop)
    still_serving(d)


def check_udp_bad_uris(d):
    """Broken Request-URIs and From URIs are refused, not crashed on."""
    for uri in ("sip:jul%ZZiet@xmpp.test", "sip:@xmpp.test",
                "sip:juliet@", "sip:" + "a" * 3000 + "@xmpp.test",
                "sip:juliet@xmpp.test;gr=" + "%" * 10,
                "tel:+15551234", "sip:juliet@[::1", "sip:\x01\x02@xmpp.test"):
        res = d.ua.send_raw(raw_message(d, uri=uri), "udp",
                            d.gateway.sip_addr, wait=0.5)
        never_200(res, "Request-URI %r" % uri[:40])
    for frm in ("<sip:rom%GGeo@sip.test>", "<>", "garbage", "<sip:a@b;gr=%>",
                '"unterminated <sip:romeo@sip.test>'):
        res = d.ua.send_raw(raw_message(d, headers=["From: %s;tag=x" % frm]),
                            "udp", d.gateway.sip_addr, wait=0.5)
    still_serving(d)


def check_udp_oversized_headers(d):
    """A 60 kB header over UDP, beyond max_message_bytes (16 kB here):
    513 or dropped."""
    big = "X-Filler: " + "f" * 60000
    res = d.ua.send_raw(raw_message(d, headers=[big]), "udp",
                        d.gateway.sip_addr, wait=1.0)
    never_200(res, "60 kB header")
    for r in res.responses:
        check(r.status in (400, 413, 513), "got %r", r)
    still_serving(d)


def check_many_vias(d):
    """Hundreds of Via headers: answered or dropped, no crash."""
    vias = ["Via: SIP/2.0/UDP 10.0.0.%d:5060;branch=z9hG4bKv%d" % (i % 250, i)
            for i in range(400)]
    data = raw_message(d)
    head, _, body = data.partition(b"\r\n")
    data = head + b"\r\n" + "\r\n".join(vias).encode() + b"\r\n" + body
    d.ua.send_raw(data, "udp", d.gateway.sip_addr, wait=0.5)
    still_serving(d)


def check_control_chars_in_body(d):
    """Bodies with NUL/control bytes or invalid UTF-8 must not produce
    invalid XML on the component link (Prosody would close the stream)."""
    mark = d.gateway.log_mark()
    bodies = [b"nul\x00byte", b"ctl\x01\x02\x1b[31m", b"bad utf8 \xff\xfe\xc3",
              b"]]><evil/><![CDATA[", b"</body></message><message>",
              "\ufffe\uffff".encode("utf-8", "surrogatepass"),
              b"\xed\xa0\x80 surrogate"]
    for b in bodies:
        r = d.ua.send_message(JULIET, body=b, from_uri="sip:romeo@sip.test",
                              target=d.gateway.sip_addr,
                              content_type="text/plain;charset=UTF-8",
                              timeout=10)
        check(r is not None, "no answer for body %r", b)
        check(r.status == 200 or 400 <= r.status < 500,
              "body %r: got %r", b, r)
    check("xmpp link down" not in d.gateway.log_text(mark),
          "the XMPP link went down:\n%s", d.gateway.log_text(mark)[-3000:])
    for m in d.juliet.received():
        check(not any(c.endswith("evil") for c in m.children),
              "markup injected into the stanza: %s", m.xml)
    still_serving(d)


def tcp_case(d, data, what, expect_close=True, wait=3.0):
    """Send data on a fresh TCP connection; returns the RawResult."""
    res = d.ua.send_raw(data, "tcp", d.gateway.sip_addr, wait=wait)
    never_200(res, what)
    for r in res.responses:
        check(r.status in (400, 413, 513), "%s: got %r", what, r)
    if expect_close:
        check(res.closed, "%s: connection left open (got %r)", what, res)
    return res


def check_tcp_negative_length(d):
    """Content-Length: -1 on TCP: the stream cannot be framed: close (400
    first if the header parses)."""
    tcp_case(d, raw_message(d, clen=-1, transport="tcp"), "CL -1")
    still_serving(d, "tcp")


def check_tcp_bad_length(d):
    """Non-numeric and absurd Content-Length on TCP: close."""
    tcp_case(d, raw_message(d, clen="abc", transport="tcp"), "CL abc")
    tcp_case(d, raw_message(d, clen="99999999999999999999",
                            transport="tcp"), "CL huge")
    tcp_case(d, raw_message(d, clen="1e3", transport="tcp"), "CL 1e3")
    still_serving(d, "tcp")


def check_tcp_missing_length(d):
    """RFC 3261 §18.3: Content-Length is mandatory on streams."""
    data = raw_message(d, transport="tcp")
    data = b"\r\n".join(l for l in data.split(b"\r\n")
                        if not l.startswith(b"Content-Length"))
    res = d.ua.send_raw(data, "tcp", d.gateway.sip_addr, wait=3.0)
    never_200(res, "no Content-Length on TCP")
    still_serving(d, "tcp")


def check_tcp_oversized_headers(d):
    """A 200 kB header block, beyond max_message_bytes: 513 or close."""
    big = "X-Filler: " + "g" * 200000
    res = tcp_case(d, raw_message(d, headers=[big], transport="tcp"),
                   "200 kB header", expect_close=False)
    check(res.closed or any(r.status == 513 for r in res.responses),
          "neither 513 nor closed: %r", res)
    still_serving(d, "tcp")


def check_tcp_endless_headers(d):
    """Header lines that never end (no CRLFCRLF): closed at the cap."""
    s = socket.create_connection(d.gateway.sip_addr, timeout=5)
    closed = False
    try:
        s.sendall(b"MESSAGE sip:juliet@xmpp.test SIP/2.0\r\n")
        chunk = b"X-Endless: " + b"e" * 1000 + b"\r\n"
        for _ in range(2000):      # 2 MB, well over any sane cap
            try:
                s.sendall(chunk)
            except OSError:
                closed = True
                break
        if not closed:
            s.settimeout(5)
            try:
                while s.recv(65536):
                    pass
                closed = True
            except socket.timeout:
                closed = False
            except OSError:
                closed = True
    finally:
        s.close()
    check(closed, "a 2 MB header block was accepted without closing")
    still_serving(d, "tcp")


def check_tcp_garbage(d):
    """Binary junk on TCP: close."""
    rnd = random.Random(11)
    blob = bytes(rnd.randrange(256) for _ in range(5000)) + b"\r\n\r\n"
    tcp_case(d, blob, "binary junk")
    still_serving(d, "tcp")


def check_tcp_partial_then_close(d):
    """Half a message then a hang-up, many times: nothing leaks or sticks."""
    data = raw_message(d, body=b"x" * 100, transport="tcp")
    for i in range(50):
        s = socket.create_connection(d.gateway.sip_addr, timeout=5)
        s.sendall(data[:(i * 37) % len(data)])
        s.close()
    still_serving(d, "tcp")


def check_tcp_pipelined(d):
    """Two valid MESSAGEs in one segment, then an unframeable one: both
    valid ones are delivered (and, if answered before the close, with
    200), then the connection closes."""
    m1, m2 = util.unique("pipe1"), util.unique("pipe2")
    data = (raw_message(d, body=m1.encode(), transport="tcp") +
            raw_message(d, body=m2.encode(), transport="tcp") +
            raw_message(d, clen=-7, transport="tcp"))
    res = d.ua.send_raw(data, "tcp", d.gateway.sip_addr, wait=8.0)
    for r in res.responses:
        if r.cseq_method == "MESSAGE" and r.status != 400:
            check(r.status == 200, "pipelined: %r", res.responses)
    for mk in (m1, m2):
        check(d.juliet.wait_for_message(5, lambda m, mk=mk: m.body == mk),
              "%s not delivered", mk)
    check(res.closed, "bad third message did not close the connection")
    still_serving(d, "tcp")


def check_oversized_stanza(d):
    """XMPP side: a huge <message/> from juliet gets an error back (size
    limit), not a crash, and the link stays up."""
    mark = d.gateway.log_mark()
    marker = util.unique("huge")
    mid = d.juliet.send_message("romeo@sip.test", marker + " " + "h" * 100000)
    e = d.juliet.wait_for_message(10, lambda m: m.is_error and m.id == mid)
    check(e is not None, "no error for a 100 kB message")
    check(e.error_condition in ("policy-violation", "not-acceptable",
                                "resource-constraint"),
          "condition %r", e.error_condition)
    got = d.ua.wait_for_request(lambda r: marker in r.text, 1.0,
                                method="MESSAGE")
    check(got is None, "a 100 kB MESSAGE was sent over SIP")
    check("xmpp link down" not in d.gateway.log_text(mark),
          "the link went down")
    still_serving(d)


def check_odd_stanzas(d):
    """Stanzas the gateway does not expect: no body, deep nesting, huge
    attributes, many bodies. Nothing crashes; nothing odd reaches SIP."""
    mark = d.gateway.log_mark()
    to = "romeo@sip.test"
    deep = "<x xmlns='urn:test:deep'>" + "<a>" * 500 + "</a>" * 500 + "</x>"
    stanzas = [
        "<message to='%s' id='nobody1' type='chat'><active xmlns="
        "'http://jabber.org/protocol/chatstates'/></message>" % to,
        "<message to='%s' id='deep1' type='chat'><body>deep</body>%s"
        "</message>" % (to, deep),
        "<message to='%s' id='attr1' type='chat' x-big='%s'><body>attr"
        "</body></message>" % (to, "a" * 50000),
        "<message to='%s' id='many1' type='chat'>%s</message>" % (
            to, "".join("<body xml:lang='l%d'>b%d</body>" % (i, i)
                        for i in range(200))),
        "<message to='%s' id='empty1' type='chat'><body/></message>" % to,
        "<message to='%s' id='err1' type='error'><error type='cancel'>"
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "</error></message>" % to,
    ]
    for x in stanzas:
        d.juliet.send_raw(x)
    time.sleep(2)
    # An error stanza must never be answered or turned into a MESSAGE.
    for r in d.ua.received():
        check("item-not-found" not in r.text, "error became a MESSAGE")
    check("xmpp link down" not in d.gateway.log_text(mark),
          "the link went down")
    still_serving(d)


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("message_robustness")
    # A cap below the UDP datagram maximum, so "oversized" is testable on
    # UDP as well as TCP.
    d = Deployment("robust", gateway_options={
        "sip": {"max_message_bytes": str(MAX_MESSAGE_BYTES)}})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    for f in (check_udp_garbage, check_udp_truncated_body,
              check_udp_negative_length, check_udp_missing_headers,
              check_udp_bad_uris, check_udp_oversized_headers,
              check_many_vias, check_control_chars_in_body,
              check_tcp_negative_length, check_tcp_bad_length,
              check_tcp_missing_length, check_tcp_oversized_headers,
              check_tcp_endless_headers, check_tcp_garbage,
              check_tcp_partial_then_close, check_tcp_pipelined,
              check_oversized_stanza, check_odd_stanzas):
        t.run(f, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
