#!/usr/bin/python3
"""Hostile watchers and the embed rule (issue 10, items 7 and 8).

Nothing proves who sent a SUBSCRIBE: anyone can claim to be romeo, an
authorized watcher of juliet, and name a Contact (or Record-Route) of a
third party. The gateway must

- never answer a fetch (Expires: 0) or a new subscription from what it
  cached for romeo's other watchers: only the answer her server gives to
  the probe this very request makes (RFC 8048 §7, §5.3.1) may fill the
  NOTIFY. juliet broadcasts "at home" but told romeo alone, by a directed
  presence, "at the clinic, room 12": that note sits in the cache and her
  server never answers a probe with it, so it must not reach the spoofer;
- with an outbound proxy, send every request through it, in-dialog
  NOTIFYs included (RFC 3261 §8.1.2), and never open a connection to, or
  send to, a host:port a Contact or Record-Route names;
- stop retransmitting a NOTIFY that nobody answers at Timer F (64*T1,
  RFC 3261 §17.1.2.2) and end the subscription (RFC 6665 §4.2.2);
  [sip] t1_ms = 100 makes Timer F 6.4 s;
- refuse, by default, XMPP -> SIP through the embed rule to an IP
  literal, a port or a private address (x\\40127.0.0.1\\3aPORT@...),
  unless the rule says allow_ports allow_ip_literals allow_private.

The scripted UA romeo is the gateway's outbound proxy in the first part;
the gateway is then restarted without one for the last two checks.
"""

import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.presence import is_from              # noqa: E402
from harness.sip_ua import SipUA, parse_message   # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
ROMEO = "sip:romeo@sip.test"
NOTE = "at the clinic, room 12"
WAIT = 5.0
T1_MS = 100


class Listener:
    """A third party on one port of 127.0.0.1: a UDP socket that never
    answers and a TCP listener that never accepts; it only counts."""

    def __init__(self):
        self.port = util.free_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.setblocking(False)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(4)
        self.tcp.setblocking(False)
        self.datagrams = []
        self.connections = 0

    def poll(self, seconds):
        """Collect what arrives for that long."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.udp, self.tcp], [], [], left)
            if self.udp in r:
                try:
                    data, _ = self.udp.recvfrom(65535)
                    self.datagrams.append((time.monotonic(), data))
                except BlockingIOError:
                    pass
            if self.tcp in r:
                try:
                    c, _ = self.tcp.accept()
                    self.connections += 1
                    c.close()
                except BlockingIOError:
                    pass

    def close(self):
        self.udp.close()
        self.tcp.close()


def spoofed_subscribe(d, contact, expires, call_id, record_route=None,
                      frm=ROMEO):
    """An out-of-dialog SUBSCRIBE claiming to come from frm, sent to the
    gateway from a socket of its own; the gateway's final answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    lines = ["SUBSCRIBE %s SIP/2.0" % JULIET,
             "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (
                 port, util.unique("b")),
             "Max-Forwards: 70",
             "From: <%s>;tag=%s" % (frm, util.unique("t")),
             "To: <%s>" % JULIET,
             "Call-ID: %s" % call_id,
             "CSeq: 1 SUBSCRIBE",
             "Contact: <%s>" % contact,
             "Event: presence",
             "Expires: %d" % expires]
    if record_route:
        lines.append("Record-Route: <%s>" % record_route)
    lines.append("Content-Length: 0")
    s.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), d.gateway.sip_addr)
    s.settimeout(WAIT)
    try:
        while True:
            data, _ = s.recvfrom(65535)
            m = parse_message(data)
            if m.status >= 200:
                return m
    except socket.timeout:
        return None
    finally:
        s.close()


def requests_of(ua, call_id, method="NOTIFY"):
    """Requests the UA (the proxy) received in dialog call_id."""
    return [r for r in list(ua.requests)
            if r.method == method and r.get("call-id") == call_id]


def cache_the_note(d):
    """juliet tells romeo alone where she is; his watcher hears it, so the
    gateway caches the note for (romeo, juliet)."""
    mark = d.state.sub.mark()
    d.juliet.send_presence(to="romeo@sip.test", status=NOTE)
    n = d.state.sub.wait_notify(lambda n: NOTE in n.body, WAIT, start=mark)
    check(n is not None, "the directed presence did not reach romeo:\n%s",
          util.tail(d.gateway.log_path, 20))


class State:
    sub = None


def check_legit_watcher(d):
    """romeo subscribes for real and juliet approves: his NOTIFYs carry
    her presence, her broadcast note first."""
    d.juliet.send_presence(status="at home")
    d.state.sub = sub = d.ua.subscribe(JULIET, expires=600,
                                       target=d.gateway.sip_addr)
    check(sub.response is not None and sub.response.status == 200,
          "SUBSCRIBE: %r", sub.response)
    d.juliet.subscribed("romeo@sip.test")
    n = sub.wait_notify(lambda n: "at home" in n.body, WAIT)
    check(n is not None, "romeo never saw juliet's presence: %r\n%s",
          sub.notifies, util.tail(d.gateway.log_path, 20))
    cache_the_note(d)


def check_fetch_not_from_cache(d):
    """A spoofed fetch (From romeo, Contact a third party): its NOTIFY
    (at the proxy) carries her server's answer to its probe, never the
    cached note; nothing reaches the third party."""
    cache_the_note(d)
    third = Listener()
    try:
        jmark = d.juliet.presence_mark()
        lmark = d.gateway.log_mark()
        call_id = util.unique("fetch")
        r = spoofed_subscribe(d, "sip:eve@127.0.0.1:%d" % third.port, 0,
                              call_id)
        check(r is not None and r.status == 200, "fetch: %r", r)
        util.wait_for(lambda: requests_of(d.ua, call_id), WAIT,
                      what="the fetch's NOTIFY at the proxy")
        third.poll(1.0)
        notifies = requests_of(d.ua, call_id)
        leaked = [n for n in notifies if NOTE in n.text]
        check(not leaked, "the cached note went to the spoofer:\n%s",
              leaked[0].text if leaked else "")
        check(len(notifies) == 1 and "terminated" in
              notifies[0].get("subscription-state", ""),
              "fetch NOTIFYs: %r", [n.text for n in notifies])
        check("at home" in notifies[0].text or not notifies[0].text.strip(),
              "the fetch NOTIFY is neither her server's answer nor empty:"
              "\n%s", notifies[0].text)
        probes = d.gateway.log_text(lmark)
        check("romeo@sip.test -> juliet@xmpp.test: probe" in probes,
              "no probe for the fetch")
        check(not third.datagrams and third.connections == 0,
              "the third party got %d datagrams, %d connections",
              len(third.datagrams), third.connections)
        # juliet's own client sees nothing of this
        check(not d.juliet.received_presences(
            is_from("romeo@sip.test", "subscribe"), jmark),
            "juliet was asked again")
    finally:
        third.close()


def check_new_subscription_not_from_cache(d):
    """A spoofed new subscription: its first NOTIFY (active: romeo is
    authorized) has no presence; what follows is her server's answer to
    the probe, never the cached note."""
    cache_the_note(d)
    third = Listener()
    try:
        call_id = util.unique("sub")
        r = spoofed_subscribe(d, "sip:eve@127.0.0.1:%d" % third.port, 600,
                              call_id)
        check(r is not None and r.status == 200, "SUBSCRIBE: %r", r)
        util.wait_for(lambda: requests_of(d.ua, call_id), WAIT,
                      what="the first NOTIFY at the proxy")
        third.poll(1.5)
        notifies = requests_of(d.ua, call_id)
        leaked = [n for n in notifies if NOTE in n.text]
        check(not leaked, "the cached note went to the spoofer:\n%s",
              leaked[0].text if leaked else "")
        check(not notifies[0].text.strip(), "first NOTIFY has a body:\n%s",
              notifies[0].text)
        check(not third.datagrams and third.connections == 0,
              "the third party got %d datagrams, %d connections",
              len(third.datagrams), third.connections)
    finally:
        third.close()


def check_in_dialog_through_proxy(d, transport):
    """A SUBSCRIBE whose Record-Route and Contact name a third party
    (transport=udp|tcp): the NOTIFYs go to the outbound proxy, the proxy's
    Route first and the Record-Route after it, the Contact as Request-URI;
    nothing reaches the third party, no connection is opened to it."""
    third = Listener()
    try:
        call_id = util.unique("rr")
        tp = ";transport=tcp" if transport == "tcp" else ""
        contact = "sip:eve@127.0.0.1:%d%s" % (third.port, tp)
        rr = "sip:127.0.0.1:%d;lr%s" % (third.port, tp)
        r = spoofed_subscribe(d, contact, 600, call_id, record_route=rr,
                              frm="sip:tybalt@sip.test")
        check(r is not None and r.status == 200, "SUBSCRIBE: %r", r)
        util.wait_for(lambda: requests_of(d.ua, call_id), WAIT,
                      what="the NOTIFY at the proxy")
        third.poll(1.0)
        n = requests_of(d.ua, call_id)[0]
        check(n.uri == contact, "Request-URI %r, not the remote target",
              n.uri)
        routes = n.get_all("route")
        check(len(routes) == 2 and ":%d;lr" % d.ua.port in routes[0] and
              ":%d;lr" % third.port in routes[1],
              "Route set %r: not the proxy, then the Record-Route", routes)
        check(not third.datagrams and third.connections == 0,
              "the third party got %d datagrams, %d connections",
              len(third.datagrams), third.connections)
    finally:
        third.close()


def check_in_dialog_udp(d):
    check_in_dialog_through_proxy(d, "udp")


def check_in_dialog_tcp(d):
    check_in_dialog_through_proxy(d, "tcp")


def restart_without_proxy(d):
    """The gateway again, without outbound proxy, with the shipped
    example's embed rule (no options) for the component's domain."""
    d.gateway.outbound_proxy = None
    opts = dict(d.gateway_options)
    d.restart_gateway(options=opts, mapping=[
        "domain xmpp.test xmpp.test",
        "embed gw.sip.test sip.test separator=*",
    ])


def check_timer_f(d):
    """A subscription whose Contact never answers: one NOTIFY, sent again
    on Timer E, given up at Timer F (64*T1 = 6.4 s); the subscription
    ends (the log says so), and nothing more is sent in the 2 s after."""
    third = Listener()
    try:
        mark = d.gateway.log_mark()
        call_id = util.unique("timerf")
        r = spoofed_subscribe(d, "sip:eve@127.0.0.1:%d" % third.port, 600,
                              call_id, frm="sip:paris@sip.test")
        check(r is not None and r.status == 200, "SUBSCRIBE: %r", r)
        # Timer F, then 2 s in which anything after the end would show
        third.poll(64 * T1_MS / 1000.0 + 2.0)
        check(d.gateway.wait_log(r"answered 408: subscription ended",
                                 timeout=5, start=mark),
              "no end at Timer F:\n%s", util.tail(d.gateway.log_path, 20))
        got = [parse_message(x) for _, x in third.datagrams]
        cseqs = {m.get("cseq") for m in got}
        check(all(m.method == "NOTIFY" for m in got), "%r", got)
        check(len(cseqs) == 1, "more than one NOTIFY transaction: %r", cseqs)
        # 0, T1, 3T1, 7T1, 15T1, 31T1, 63T1: 7 sends before 64*T1
        check(2 <= len(got) <= 7, "%d NOTIFYs (want Timer E's 7 at most)",
              len(got))
        span = third.datagrams[-1][0] - third.datagrams[0][0]
        print("timer F: %d NOTIFYs (%d bytes) over %.1f s with T1 = %d ms"
              % (len(got), sum(len(x) for _, x in third.datagrams), span,
                 T1_MS))
    finally:
        third.close()


def check_embed_relay(d):
    """juliet writes to x\\40127.0.0.1\\3aPORT@sip.test and to
    x\\4010.0.0.1@sip.test: both get item-not-found, the gateway logs why,
    nothing reaches PORT. With allow_ports allow_ip_literals allow_private
    on the rule, the first goes through."""
    target = SipUA(user="x", domain="127.0.0.1")
    try:
        mark = d.gateway.log_mark()
        for jid in ("x\\40127.0.0.1\\3a%d@sip.test" % target.port,
                    "x\\4010.0.0.1@sip.test"):
            mid = d.juliet.send_message(jid, "relay?")
            e = d.juliet.wait_for_message(
                WAIT, lambda m, mid=mid: m.id == mid and m.is_error)
            check(e is not None and e.error_condition == "item-not-found",
                  "%s: %r", jid, e)
        check("embedded SIP address names" in d.gateway.log_text(mark),
              "no log line for the refusal:\n%s",
              util.tail(d.gateway.log_path, 10))
        time.sleep(0.5)
        check(not target.received("MESSAGE"), "a MESSAGE reached PORT: %r",
              target.received("MESSAGE"))

        mark = d.gateway.log_mark()
        d.gateway.write_mapping([
            "domain xmpp.test xmpp.test",
            "embed gw.sip.test sip.test separator=* allow_ports "
            "allow_ip_literals allow_private",
        ])
        d.gateway.reload()
        check(d.gateway.wait_log(r"mapping: reloaded", WAIT, start=mark),
              "no reload")
        d.juliet.send_message("x\\40127.0.0.1\\3a%d@sip.test" % target.port,
                              "allowed")
        m = target.wait_for_request(method="MESSAGE", timeout=WAIT)
        check(m is not None, "the allowed MESSAGE did not arrive")
    finally:
        target.close()


def main():
    t = util.TestRunner("presence_hostile")
    d = Deployment("pres-hostile", gateway_options={
        "sip": {"t1_ms": str(T1_MS)},
        "presence": {"probe_timeout_ms": "2000"}})
    d.state = State()
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    if t.run(check_legit_watcher, d):
        t.run(check_fetch_not_from_cache, d)
        t.run(check_new_subscription_not_from_cache, d)
    t.run(check_in_dialog_udp, d)
    t.run(check_in_dialog_tcp, d)
    try:
        restart_without_proxy(d)
    except Exception:
        t.fail_setup("gateway restart without proxy")
        t.finish()
    t.run(check_timer_f, d)
    t.run(check_embed_relay, d)
    try:
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
