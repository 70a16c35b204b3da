#!/usr/bin/python3
"""Hostile and unlucky traffic around the message bridge (issue 10).

- A SIP UA answers XMPP-originated MESSAGEs with reason phrases that are
  not UTF-8 or hold control characters (raw bytes on the wire): the
  Jabber sender still gets her item-not-found error, with sane text.
- A second domain served by a scripted component ("slow.test") that
  answers pings only when told: ping ids are 96 random bits, not a
  counter; an answer to a ping from any JID but the pinged domain, and a
  message error from any JID but the message's destination, change
  nothing (no early 200, no forged error); the real ones still do.
- Per-sender share of max_pending: one Jabber user flooding a SIP UA that
  does not answer gets resource-constraint (wait) beyond her share while
  another user's message still goes through; the same for one SIP From
  URI (503 with Retry-After) while another's still goes through.
- XMPP messages keep arriving while sipxmppd handles SIGTERM, through
  the whole shutdown: it exits 0 (no SIGSEGV, no sanitizer report), and
  every message sent is answered with exactly one error stanza, the
  gateway's shutdown error or, once its link is closed, the server's.
"""

import hashlib
import os
import re
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

ROMEO = "romeo@sip.test"
SLOW = "slow.test"
SLOW_SECRET = "slow-s3cr3t"
COMPONENT_NS = "jabber:component:accept"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class FakeComponent:
    """A scripted XEP-0114 component for one domain: records every stanza
    it gets; answers pings only when answer_pings is set."""

    def __init__(self, port, domain, secret):
        self.domain = domain
        self.stanzas = []
        self.answer_pings = False
        self._cond = threading.Condition()
        self.sock = socket.create_connection(("127.0.0.1", port), 5)
        self.sock.sendall((
            "<stream:stream xmlns='%s' xmlns:stream="
            "'http://etherx.jabber.org/streams' to='%s'>" % (
                COMPONENT_NS, domain)).encode())
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        stream_id = None
        while stream_id is None:
            self.parser.feed(self.sock.recv(4096))
            for ev, el in self.parser.read_events():
                if ev == "start" and self.depth == 0:
                    stream_id = el.get("id")
                self.depth += 1 if ev == "start" else -1
        digest = hashlib.sha1((stream_id + secret).encode()).hexdigest()
        self.sock.sendall(("<handshake>%s</handshake>" % digest).encode())
        self.sock.settimeout(None)
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        check(self.wait(lambda e: e.tag.endswith("handshake"), 5)
              is not None, "component handshake refused")

    def _read(self):
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.parser.feed(data)
            for ev, el in self.parser.read_events():
                if ev == "start":
                    self.depth += 1
                    continue
                self.depth -= 1
                if self.depth == 1:
                    self._on_stanza(el)

    def _on_stanza(self, el):
        with self._cond:
            self.stanzas.append(el)
            self._cond.notify_all()
        if el.tag.endswith("iq") and el.get("type") == "get" and \
                self.answer_pings:
            self.answer_ping(el)

    def answer_ping(self, el, from_=None):
        self.send("<iq type='result' from='%s' to='%s' id='%s'/>" % (
            from_ or el.get("to"), el.get("from"), el.get("id")))

    def send(self, xml):
        self.sock.sendall(xml.encode())

    def wait(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for el in self.stanzas:
                    if pred(el):
                        return el
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def pings(self):
        with self._cond:
            return [el for el in self.stanzas if el.tag.endswith("iq") and
                    el.get("type") == "get"]

    def close(self):
        self.closed = True
        try:
            self.sock.sendall(b"</stream:stream>")
            self.sock.close()
        except OSError:
            pass


def is_body(el, marker):
    """A <message/> whose body holds marker."""
    return el.tag.endswith("message") and any(
        marker in (c.text or "") for c in el if c.tag.endswith("body"))


def check_non_utf8_reasons(d):
    """404 with a Latin-1 reason and 404 with a control character, raw on
    the wire: the sender gets item-not-found with sane text either way."""
    reasons = {"latin1": (b"gef\xfcnden", "gef\ufffdnden"),
               "ctrl": (b"Not\x01Found", "Not Found")}

    def responder(req):
        for key, (raw, _) in reasons.items():
            if key in req.text:
                return (404, raw)
        return (200, "OK")
    d.ua.responder = responder
    try:
        for key, (_, want) in reasons.items():
            mid = d.juliet.send_message(ROMEO, util.unique(key))
            e = d.juliet.wait_for_message(
                10, lambda m, mid=mid: m.is_error and m.id == mid)
            check(e is not None, "no error stanza for the %s reason", key)
            check(e.error_condition == "item-not-found", "condition %r",
                  e.error_condition)
            check(e.error_text == want, "text %r, want %r", e.error_text,
                  want)
        check(not re.search(r"report .* XMPP link down",
                            d.gateway.log_text()),
              "the log blames the link for a refused text")
    finally:
        d.ua.responder = None


def sip_to_slow(d, body, from_uri="sip:romeo@sip.test", timeout=10):
    """A SIP MESSAGE to bob@slow.test through the gateway, in a thread;
    returns a holder whose ["r"] is the final response when it comes."""
    holder = {}

    def run():
        holder["r"] = d.ua.send_message("sip:bob@slow.test", body=body,
                                        from_uri=from_uri,
                                        target=d.gateway.sip_addr,
                                        timeout=timeout)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    holder["thread"] = t
    return holder


def check_ping_ids_unpredictable(d):
    """Pings to slow.test (one per turn with messages for it) carry 24
    random hex digits each: no counter, no shared salt."""
    comp = d.slow
    comp.answer_pings = True
    for i in range(4):          # one after the other: one ping each
        h = sip_to_slow(d, util.unique("idp"))
        h["thread"].join(10)
        check(h.get("r") is not None and h["r"].status == 200,
              "message %d to slow.test got %r", i, h.get("r"))
    ids = [p.get("id") for p in comp.pings()]
    check(len(ids) >= 2, "pings seen: %r", ids)
    for pid in ids:
        check(re.fullmatch(r"sxp-[0-9a-f]{24}", pid or ""),
              "ping id %r is not 96 random bits", pid)
    nums = [int(p[4:], 16) for p in ids]
    steps = {b - a for a, b in zip(nums, nums[1:])}
    check(len(set(ids)) == len(ids), "ping ids repeat: %r", ids)
    check(not (len(steps) == 1), "ping ids in arithmetic sequence: %r", ids)
    check(len({p[4:12] for p in ids}) == len(ids),
          "ping ids share a prefix: %r", ids)


def check_forged_answers_ignored(d):
    """While slow.test says nothing: nurse@xmpp.test answers the ping with
    its exact id, and a slow.test JID other than the destination sends an
    error with the message's id. Neither answers the SIP sender; the real
    error from bob@slow.test does (404), and the real pong a 200."""
    comp = d.slow
    comp.answer_pings = False
    marker = util.unique("forge")
    h = sip_to_slow(d, marker, timeout=15)
    msg = comp.wait(lambda el: is_body(el, marker), 5)
    check(msg is not None, "the message did not reach slow.test")
    ping = comp.wait(lambda el: el.tag.endswith("iq") and
                     el.get("type") == "get" and
                     el.get("id") not in d.seen_pings, 5)
    check(ping is not None, "no ping to slow.test")
    d.seen_pings.add(ping.get("id"))
    mark = d.gateway.log_mark()
    # A pong with the right id, from a user of the XMPP server.
    d.nurse.send_raw("<iq type='result' to='sip.test' id='%s'/>"
                     % ping.get("id"))
    # An error about bob's message, from someone else of slow.test.
    comp.send("<message type='error' from='mallory@slow.test' to='%s' "
              "id='%s'><error type='cancel'><forbidden xmlns='%s'/>"
              "</error></message>" % (msg.get("from"), msg.get("id"),
                                      STANZAS_NS))
    # And one from the XMPP server's user, naming the same id.
    d.nurse.send_raw("<message type='error' to='%s' id='%s'><error "
                     "type='cancel'><forbidden xmlns='%s'/></error>"
                     "</message>" % (msg.get("from"), msg.get("id"),
                                     STANZAS_NS))
    time.sleep(0.5)
    check("r" not in h, "the SIP sender was answered by a forgery: %r",
          h.get("r"))
    d.gateway.wait_log(r"answer to ping %s from nurse@xmpp\.test.*ignored"
                       % ping.get("id"), 5, start=mark)
    d.gateway.wait_log(r"error forbidden about %s from nurse@xmpp\.test"
                       % re.escape(msg.get("id")), 5, start=mark)
    d.gateway.wait_log(r"error forbidden about %s from mallory@slow\.test"
                       % re.escape(msg.get("id")), 5, start=mark)
    # The destination itself refuses it: that counts.
    comp.send("<message type='error' from='bob@slow.test' to='%s' id='%s'>"
              "<error type='cancel'><item-not-found xmlns='%s'/></error>"
              "</message>" % (msg.get("from"), msg.get("id"), STANZAS_NS))
    comp.answer_ping(ping)
    h["thread"].join(10)
    # RFC 7247 Table 2: item-not-found for a bare JID is 604.
    check(h.get("r") is not None and h["r"].status in (404, 604),
          "the real error gave %r", h.get("r"))


def check_share_sip_to_xmpp(d):
    """max_pending_per_sender = 3, slow.test silent: the fourth MESSAGE
    from one From URI gets 503 with Retry-After at once, while another
    sender's is still taken (and answered 200 once slow.test pongs)."""
    comp = d.slow
    comp.answer_pings = False
    held = [sip_to_slow(d, util.unique("shs%d" % i)) for i in range(3)]
    for i in range(3):
        check(comp.wait(lambda el, i=i: el.tag.endswith("message") and
                        any("shs%d-" % i in (c.text or "") for c in el), 5)
              is not None, "message %d not sent on", i)
    r = d.ua.send_message("sip:bob@slow.test", body=util.unique("shs-over"),
                          from_uri="sip:romeo@sip.test",
                          target=d.gateway.sip_addr, timeout=5)
    check(r is not None and r.status == 503, "fourth from romeo: %r", r)
    check(r.get("retry-after") is not None, "503 without Retry-After")
    other = sip_to_slow(d, util.unique("shs-other"),
                        from_uri="sip:tybalt@sip.test")
    time.sleep(0.5)
    check("r" not in other, "another sender was refused: %r",
          other.get("r"))
    comp.answer_pings = True
    for p in comp.pings():
        if p.get("id") not in d.seen_pings:
            d.seen_pings.add(p.get("id"))
            comp.answer_ping(p)
    for h in held + [other]:
        h["thread"].join(10)
        check(h.get("r") is not None and h["r"].status == 200,
              "held message got %r", h.get("r"))


def check_share_xmpp_to_sip(d):
    """max_pending_per_sender = 3 and a SIP UA that does not answer:
    juliet's fourth and fifth messages get resource-constraint (wait)
    at once; nurse's message still reaches the UA."""
    d.ua.message_status = None          # never answer
    ids = [d.juliet.send_message(ROMEO, util.unique("shx%d" % i))
           for i in range(5)]
    for mid in ids[3:]:
        e = d.juliet.wait_for_message(
            5, lambda m, mid=mid: m.is_error and m.id == mid)
        check(e is not None, "no error for %s beyond the share", mid)
        check(e.error_condition == "resource-constraint", "condition %r",
              e.error_condition)
        check(e.error_type == "wait", "type %r", e.error_type)
    early = d.juliet.received(lambda m: m.is_error and m.id in ids[:3])
    check(not early, "messages within the share refused: %r", early)
    marker = util.unique("shx-nurse")
    nid = d.nurse.send_message(ROMEO, marker)
    got = d.ua.wait_for_request(lambda q: marker in q.text, 5,
                                method="MESSAGE")
    check(got is not None, "nurse's message did not reach SIP")
    check(not d.nurse.received(lambda m: m.is_error and m.id == nid),
          "nurse was refused")


def check_traffic_during_shutdown(d):
    """Juliet floods the gateway before, during and after SIGTERM (the
    SIP side never answers, so answers are still owed when the SIP stack
    goes): exit 0, and each message gets exactly one error stanza. On a
    gateway of its own without a per-sender share, so that all of them
    go to SIP while it can."""
    d.restart_gateway(options={"gateway": {"shutdown_grace_ms": "300"}})
    d.juliet.clear()
    d.ua.message_status = None
    sent = []
    stop = threading.Event()
    for i in range(10):
        sent.append(d.juliet.send_message(ROMEO, util.unique("pre%d" % i)))
    d.ua.wait_for_request(lambda q: "pre9-" in q.text, 5, method="MESSAGE")

    def flood():
        n = 0
        while not stop.is_set() and n < 900:
            batch = []
            for _ in range(3):
                mid = "flood-%d-%d" % (os.getpid(), n)
                n += 1
                batch.append("<message to='%s' id='%s' type='chat'><body>"
                             "f%d</body></message>" % (ROMEO, mid, n))
                sent.append(mid)
            try:
                d.juliet.send_raw("".join(batch))
            except Exception:
                return
            time.sleep(0.004)
    t = threading.Thread(target=flood, daemon=True)
    t.start()
    time.sleep(0.3)
    signalled_at = len(sent)
    rc = d.gateway.stop(check=False, timeout=20)
    time.sleep(0.5)
    stop.set()
    t.join(10)
    d.gateway.check_sanitizers()
    check(rc == 0, "sipxmppd exited with %r on SIGTERM", rc)
    want = set(sent)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        got = {m.id for m in d.juliet.received(lambda m: m.is_error)}
        if want <= got:
            break
        time.sleep(0.2)
    errors = d.juliet.received(lambda m: m.is_error and m.id in want)
    by_id = {}
    for e in errors:
        by_id.setdefault(e.id, []).append(e)
    missing = [mid for mid in sent if mid not in by_id]
    # What the server wrote to the gateway after its </stream:stream>
    # cannot be answered; the gateway counts it, and nothing else may be
    # missing.
    late = re.findall(r"(\d+) stanzas came after the link began to close",
                      d.gateway.log_text())
    late = int(late[-1]) if late else 0
    check(len(missing) <= late, "%d of %d messages got no answer (%d came "
          "while closing), e.g. %r", len(missing), len(sent), late,
          missing[:5])
    twice = [mid for mid, es in by_id.items() if len(es) > 1]
    check(not twice, "answered twice: %r", twice[:5])
    ours = [e for e in errors if "shut down" in (e.error_text or "")]
    after = [e for e in ours if e.id in set(sent[signalled_at:])]
    other = [e for e in errors if e not in ours]
    print("  %d sent (%d after SIGTERM): %d shutdown errors from the "
          "gateway (%d for messages sent after SIGTERM), %d bounced by "
          "the server" % (len(sent), len(sent) - signalled_at, len(ours),
                          len(after), len(other)))
    check(len(ours) >= 10, "the waiting messages were not all told")
    check(after, "no message sent after SIGTERM got the shutdown error")
    for e in other:
        check(e.error_condition in ("service-unavailable",
                                    "remote-server-timeout",
                                    "remote-server-not-found",
                                    "recipient-unavailable"),
              "unexpected error %r", e)


def main():
    t = util.TestRunner("message_hostile_xmpp")
    d = Deployment(
        "hostile-xmpp",
        mapping=["domain sip.test sip.test", "domain xmpp.test xmpp.test",
                 "domain slow.test slow.test"],
        gateway_options={"message": {"max_pending_per_sender": "3",
                                     "ack_timeout_ms": "10000"},
                         "gateway": {"shutdown_grace_ms": "300"}},
        prosody_config='Component "%s"\n    component_secret = "%s"\n'
        % (SLOW, SLOW_SECRET))
    try:
        d.start()
        d.nurse = d.user("nurse", jid="nurse@xmpp.test/station")
        d.slow = FakeComponent(d.prosody.component_port, SLOW, SLOW_SECRET)
        d.seen_pings = set()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    t.run(check_non_utf8_reasons, d)
    t.run(check_ping_ids_unpredictable, d)
    for p in d.slow.pings():
        d.seen_pings.add(p.get("id"))
    t.run(check_forged_answers_ignored, d)
    t.run(check_share_sip_to_xmpp, d)
    t.run(check_share_xmpp_to_sip, d)
    t.run(check_traffic_during_shutdown, d)
    try:
        d.slow.close()
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
