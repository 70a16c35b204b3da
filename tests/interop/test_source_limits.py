#!/usr/bin/python3
"""Per-source limits (issue 12 item 3): one address cannot take the
gateway for itself.

The gateway trusts 127.0.0.1 only ([sip] trusted_peers), where romeo's UA
(the stand-in for the proxy) sends from. Two sources that are not trusted
peers, 127.0.0.3 (tybalt, the flooder) and 127.0.0.4 (benvolio), each have
source_requests_per_s = 5 with a burst of 10, and source_max_connections
= 3. The checks:
- tybalt's burst of OPTIONS: the first 10 are answered 200, later ones
  503 with Retry-After; benvolio's OPTIONS meanwhile get 200, and romeo's
  MESSAGE reaches juliet (a trusted peer is not limited); the refusals are
  logged, but not one line each;
- a second later tybalt's bucket has refilled: 200 again;
- tybalt holds 3 TCP connections; a 4th is closed at once without an
  answer, while benvolio's connection still carries an OPTIONS; once one
  of tybalt's closes, he may open another.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import SipUA                  # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
RATE, BURST, CONNS = 5, 10, 3
REFUSAL = r"request refused with 503: over its request rate"


class State:
    tybalt = None
    benvolio = None
    uri = None


def options(ua, d, s, transport="udp"):
    return ua.send_request("OPTIONS", s.uri, target=d.gateway.sip_addr,
                           transport=transport, timeout=5)


def check_flood_refused_others_served(d, s):
    """30 OPTIONS at once from tybalt: BURST pass, the rest get 503 with
    Retry-After; benvolio and romeo are served meanwhile."""
    mark = d.gateway.log_mark()
    answers = []
    for _ in range(30):
        r = options(s.tybalt, d, s)
        check(r is not None, "OPTIONS %d from tybalt unanswered",
              len(answers) + 1)
        answers.append(r)
    ok = [r for r in answers if r.status == 200]
    refused = [r for r in answers if r.status == 503]
    check(len(ok) + len(refused) == 30, "statuses %r",
          [r.status for r in answers])
    # The burst, and what a few seconds of sending refilled, at most.
    check(BURST <= len(ok) <= BURST + 2 * RATE, "%d of 30 passed", len(ok))
    check(len(refused) >= 30 - BURST - 2 * RATE, "%d refused",
          len(refused))
    for r in refused:
        ra = r.get("Retry-After")
        check(ra is not None and ra.isdigit() and int(ra) >= 1,
              "503 without a usable Retry-After: %r", ra)
    r = options(s.benvolio, d, s)
    check(r is not None and r.status == 200, "benvolio: %r", r)
    marker = util.unique("limits")
    r = d.ua.send_message(JULIET, body=marker, target=d.gateway.sip_addr)
    check(r is not None and r.status == 200, "romeo's MESSAGE: %r", r)
    m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "juliet got nothing")
    log = d.gateway.log_text(mark)
    n = log.count("request refused with 503")
    check(1 <= n <= 15, "%d refusal lines for %d refusals:\n%s", n,
          len(refused), log[-2000:])
    check("v4 127.0.0.3" in log, "the source is not named:\n%s",
          log[-2000:])


def check_bucket_refills(d, s):
    """After a quiet second, tybalt gets his requests again."""
    time.sleep(1.2)
    r = options(s.tybalt, d, s)
    check(r is not None and r.status == 200, "after a pause: %r", r)


def connect_from(host, d):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind((host, 0))
    c.connect(d.gateway.sip_addr)
    return c


def closed_at_once(c, wait=3.0):
    """Whether the gateway closed c (EOF or reset) within wait seconds."""
    c.settimeout(wait)
    try:
        return c.recv(4096) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def check_connections_per_source(d, s):
    """tybalt may hold CONNS connections; one more is closed at once,
    benvolio's still carries requests, and a freed slot is his again."""
    mark = d.gateway.log_mark()
    held = [connect_from("127.0.0.3", d) for _ in range(CONNS)]
    try:
        for c in held:
            c.settimeout(0.3)
            try:
                data = c.recv(1)
            except socket.timeout:
                data = None
            check(data is None, "connection %r closed: %r",
                  c.getsockname(), data)
        extra = connect_from("127.0.0.3", d)
        check(closed_at_once(extra), "connection %d from tybalt kept",
              CONNS + 1)
        extra.close()
        d.gateway.wait_log(r"connection refused: over its connections "
                           r"\(v4 127\.0\.0\.3\)", 5, start=mark)
        r = options(s.benvolio, d, s, transport="tcp")
        check(r is not None and r.status == 200, "benvolio over TCP: %r",
              r)
        held.pop().close()
        time.sleep(0.3)         # the gateway sees the close
        again = connect_from("127.0.0.3", d)
        held.append(again)
        check(not closed_at_once(again, wait=0.5),
              "a freed slot was not given back")
    finally:
        for c in held:
            c.close()


def check_clean_shutdown(d, s):
    """SIGTERM: the gateway exits cleanly (sanitizers, valgrind)."""
    for ua in (s.tybalt, s.benvolio):
        if ua is not None:
            ua.close()
    d.stop()


def main():
    t = util.TestRunner("source_limits")
    d = Deployment("source_limits", gateway_options={"sip": {
        "trusted_peers": "127.0.0.1",
        "source_requests_per_s": str(RATE),
        "source_request_burst": str(BURST),
        "source_max_connections": str(CONNS)}})
    s = State()
    try:
        d.start()
        s.tybalt = SipUA(host="127.0.0.3", user="tybalt", domain="sip.test")
        s.benvolio = SipUA(host="127.0.0.4", user="benvolio",
                           domain="sip.test")
        s.uri = "sip:127.0.0.1:%d" % d.gateway.sip_addr[1]
    except Exception:
        t.fail_setup("deployment + untrusted UAs")
        t.finish()
    for f in (check_flood_refused_others_served, check_bucket_refills,
              check_connections_per_source):
        t.run(f, d, s)
    t.run(check_clean_shutdown, d, s)
    t.finish()


if __name__ == "__main__":
    main()
