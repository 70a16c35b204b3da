#!/usr/bin/python3
"""A TCP next hop that fails reaches the transaction at once (issue 12
items 1 and 5; RFC 3261 §17.1.4, §8.1.3.1; RFC 3263 §4.3).

The gateway has no outbound proxy: dnsmasq (as in test_dns.py) publishes
each partner domain's _sip._tcp SRV records. T1 is the default 500 ms, so
Timer F would fire after 32 s: every wait below is bounded far under
that (PROMPT_S), which shows the transport error answered, not Timer F.

- deadonly.test: its one server has no listener (connect refused):
  juliet gets an error stanza promptly, and the log says the connection
  took the request with it.
- deadfirst.test: the first SRV target has no listener, the second is a
  UA over TCP: the MESSAGE reaches the second promptly, no error stanza.
- reset.test: the server takes the MESSAGE and resets the connection
  without answering: juliet gets an error stanza promptly.
- UDP is unchanged: a UDP target that never answers still waits for
  Timer F (no error stanza within PROMPT_S).
- The other way: a MESSAGE over TCP whose sender closes the connection
  before the answer: juliet gets it, the answer has nowhere to go, and
  nothing is left behind (valgrind and ASan runs check the exit).
"""

import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import SipUA                  # noqa: E402
from harness.util import check                    # noqa: E402
from test_dns import Dnsmasq                      # noqa: E402

# Timer F is 64 * 500 ms = 32 s: anything within this came from the
# transport error (valgrind's slowness included).
PROMPT_S = 8.0

MAPPING = [
    "domain xmpp.test xmpp.test",
    "user sip:ann@deadonly.test ann@sip.test",
    "user sip:bea@deadfirst.test bea@sip.test",
    "user sip:cat@reset.test cat@sip.test",
    "user sip:dan@silent.test dan@sip.test",
]


class ResetServer:
    """A TCP server that reads one SIP request, then resets the
    connection (SO_LINGER 0) without a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            if data.strip(b"\r\n"):
                self.requests.append(data)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()
        self._thread.join(2)


def records(env, dead_port):
    """The zone: what each partner domain publishes."""
    return [
        "--srv-host=_sip._tcp.deadonly.test,gone.deadonly.test,%d,10,10"
        % dead_port,
        "--host-record=gone.deadonly.test,127.0.0.1",
        "--srv-host=_sip._tcp.deadfirst.test,gone.deadfirst.test,%d,10,10"
        % dead_port,
        "--srv-host=_sip._tcp.deadfirst.test,alive.deadfirst.test,%d,20,10"
        % env["alive"].port,
        "--host-record=gone.deadfirst.test,127.0.0.1",
        "--host-record=alive.deadfirst.test,127.0.0.1",
        "--srv-host=_sip._tcp.reset.test,rst.reset.test,%d,10,10"
        % env["reset"].port,
        "--host-record=rst.reset.test,127.0.0.1",
        "--srv-host=_sip._udp.silent.test,mute.silent.test,%d,10,10"
        % env["mute"].port,
        "--host-record=mute.silent.test,127.0.0.1",
    ]


def prompt_error(d, mid):
    """The error stanza for juliet's message mid, well before Timer F."""
    t0 = time.monotonic()
    e = d.juliet.wait_for_message(PROMPT_S, lambda m: m.is_error and
                                  m.id == mid)
    check(e is not None, "no error stanza within %.0f s (Timer F is 32 s)",
          PROMPT_S)
    print("  error stanza after %.2f s: %s" % (time.monotonic() - t0,
                                              e.error_condition))
    return e


def check_refused(d, env):
    """Connect refused at the only server: an error stanza at once."""
    mark = d.gateway.log_mark()
    mid = d.juliet.send_message("ann@sip.test", util.unique("refused"))
    prompt_error(d, mid)
    d.gateway.wait_log(r"connection \d+ gone \([^)]*\): 1 request\(s\) "
                       r"without an answer fail now", 5, start=mark)
    d.gateway.wait_log(r"deadonly\.test: every next hop failed "
                       r"\(last: 503\)", 5, start=mark)


def check_failover(d, env):
    """The first server refuses the connection: the second one gets the
    MESSAGE (RFC 3263 §4.3) without waiting for Timer F."""
    mark = d.gateway.log_mark()
    body = util.unique("failover")
    mid = d.juliet.send_message("bea@sip.test", body)
    req = env["alive"].wait_for_request(lambda r: body in r.text, PROMPT_S,
                                        method="MESSAGE")
    check(req is not None, "the second server got nothing within %.0f s",
          PROMPT_S)
    check(req.transport == "tcp", "came over %s", req.transport)
    d.gateway.wait_log(r"deadfirst\.test: next hop gone\.deadfirst\.test "
                       r"failed \(503, no response\)", 5, start=mark)
    errs = d.juliet.wait_quiet(1.0, lambda m: m.is_error and m.id == mid)
    check(not errs, "error stanza(s) after a successful failover: %r", errs)


def check_reset_before_answer(d, env):
    """The server takes the MESSAGE and resets the connection: the
    transaction fails at once, juliet hears it."""
    srv = env["reset"]
    body = util.unique("reset")
    mid = d.juliet.send_message("cat@sip.test", body)
    prompt_error(d, mid)
    check(any(body.encode() in r for r in srv.requests),
          "the request never reached the server: %r", srv.requests)


def check_udp_unchanged(d, env):
    """A UDP server that never answers: no early error (ICMP is not
    read); Timer F still decides."""
    env["mute"].message_status = None
    mid = d.juliet.send_message("dan@sip.test", util.unique("silent"))
    req = env["mute"].wait_for_request(None, 5, method="MESSAGE")
    check(req is not None, "the UDP server got nothing")
    errs = d.juliet.wait_quiet(3.0, lambda m: m.is_error and m.id == mid)
    check(not errs, "an error before Timer F over UDP: %r", errs)


def check_server_conn_gone(d, env):
    """A SIP sender writes a MESSAGE over TCP and closes at once: the
    message reaches juliet, and the daemon keeps serving. Where the answer
    then goes (the Via's sent-by port, RFC 3261 §18.2.2) is the unit test
    test_sip_reply_to's: here the close and the answer race."""
    body = util.unique("gone")
    data, _ = env["alive"].build_request(
        "MESSAGE", "sip:juliet@xmpp.test", from_uri="sip:ann@deadonly.test",
        body=body, transport="tcp")
    s = socket.create_connection(d.gateway.sip_addr, timeout=5)
    s.sendall(data)
    s.close()
    m = d.juliet.wait_for_message(5, lambda m: m.body and body in m.body)
    check(m is not None, "juliet got nothing")
    r = env["alive"].send_request("OPTIONS", "sip:%s:%d" % d.gateway.sip_addr,
                                  target=d.gateway.sip_addr, timeout=5)
    check(r is not None and r.status == 200, "OPTIONS afterwards: %r", r)


def check_clean_shutdown(d, env):
    """SIGTERM: exit 0, no sanitizer report, nothing leaked."""
    d.stop()


def main():
    t = util.TestRunner("transport_failure")
    d = Deployment("tfail", outbound_proxy=None, mapping=MAPPING)
    env = {}
    try:
        env["alive"] = SipUA(user="bea", domain="deadfirst.test")
        env["mute"] = SipUA(user="dan", domain="silent.test")
        env["reset"] = ResetServer()
        dead_port = util.free_port()
        env["dns"] = Dnsmasq(os.path.join(d.dir, "dns"),
                             records(env, dead_port))
        # T1 stays 500 ms: Timer F at 32 s.
        d.gateway_options = {"sip": {
            "dns_server": "127.0.0.1:%d" % env["dns"].port}}
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    start = time.monotonic()
    for f in (check_refused, check_failover, check_reset_before_answer,
              check_udp_unchanged, check_server_conn_gone):
        t.run(f, d, env)
    t.run(check_clean_shutdown, d, env)
    env["alive"].close()
    env["mute"].close()
    env["reset"].close()
    env["dns"].stop()
    print("took %.1fs" % (time.monotonic() - start))
    t.finish()


if __name__ == "__main__":
    main()
