#!/usr/bin/python3
"""Where sipxmppd listens and where it sends, without a proxy in between.

- IPv6: the gateway listens on [::1] as well as 127.0.0.1 (UDP and TCP);
  a SIP UA on [::1] reaches juliet over both transports.
- No outbound proxy: an XMPP message goes to the Request-URI host on port
  5060 (RFC 3263 without SRV), for a numeric host and for a host name
  resolved without blocking the loop (localhost). These need port 5060 on
  loopback; where another program holds it, the check says so and skips.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import SipUA, uri_of          # noqa: E402
from harness.util import SkipTest, check          # noqa: E402


def port_free(host, port):
    """True if both UDP and TCP can bind host:port right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(family, kind)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def ipv6_deployment():
    """The usual deployment, plus [::1] listeners on the same port."""
    port = util.free_port()
    listen = " ".join("%s:%s:%d" % (t, h, port) for t in ("udp", "tcp")
                      for h in ("127.0.0.1", "[::1]"))
    return Deployment("routing-v6", sip_port=port,
                      gateway_options={"sip": {"listen": listen}}).start()


def check_ipv6_listeners(d):
    """Both [::1] listeners are announced in the log."""
    for t in ("udp", "tcp"):
        d.gateway.wait_log(r"sip: listening on %s \[::1\]:%d"
                           % (t, d.gateway.sip_port), 5)


def check_ipv6_sip_to_xmpp(d):
    """A UA on [::1] sends over UDP and TCP; juliet gets both; the
    responses come back over IPv6 (to the Via's address, RFC 3261 §18.2.2)."""
    ua6 = SipUA(host="::1", user="romeo", domain="sip.test")
    try:
        for transport in ("udp", "tcp"):
            marker = util.unique("v6" + transport)
            r = ua6.send_message("sip:juliet@xmpp.test", body=marker,
                                 target=("::1", d.gateway.sip_port),
                                 transport=transport, timeout=10)
            check(r is not None and r.status == 200, "%s: got %r",
                  transport, r)
            m = d.juliet.wait_for_message(5, lambda m: m.body == marker)
            check(m is not None, "%s: juliet did not get it", transport)
            check(m.from_.split("/")[0] == "romeo@sip.test", "from %r",
                  m.from_)
    finally:
        ua6.close()


def direct_deployment(name, sip_domain):
    return Deployment(name, outbound_proxy=None, mapping=[
        "domain %s sip.test" % sip_domain,
        "domain xmpp.test xmpp.test",
    ]).start()


def expect_at(uas, marker, want_ruri):
    """One of uas received the MESSAGE with marker, to want_ruri."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for ua in uas:
            got = [r for r in ua.received() if marker in r.text]
            if got:
                check(uri_of(got[0].uri) == want_ruri, "Request-URI %r",
                      got[0].uri)
                return got[0]
        time.sleep(0.05)
    check(False, "no MESSAGE with %r arrived at %s", marker,
          ["%s:%d" % (u.host, u.port) for u in uas])


def check_numeric_request_uri_host():
    """romeo@sip.test maps to sip:romeo@127.0.0.2: sent to 127.0.0.2:5060."""
    if not port_free("127.0.0.2", 5060):
        raise SkipTest("127.0.0.2:5060 is in use")
    ua = SipUA(host="127.0.0.2", port=5060, user="romeo", domain="127.0.0.2")
    d = direct_deployment("routing-numeric", "127.0.0.2")
    try:
        marker = util.unique("direct")
        mid = d.juliet.send_message("romeo@sip.test", marker)
        req = expect_at([ua], marker, "sip:romeo@127.0.0.2")
        check(uri_of(req.get("from", "")).split(";")[0] ==
              "sip:juliet@xmpp.test", "From %r", req.get("from"))
        errs = d.juliet.wait_quiet(1.0, lambda m: m.is_error and m.id == mid)
        check(not errs, "error stanza after a 200: %r", errs)
    finally:
        d.stop()
        ua.close()


def check_named_request_uri_host():
    """sip:romeo@localhost: the name is resolved (A or AAAA) and the
    MESSAGE arrives on port 5060 of whichever loopback address it gave."""
    hosts = [h for h in ("127.0.0.1", "::1") if port_free(h, 5060)]
    if len(hosts) < 2:
        raise SkipTest("port 5060 on loopback is in use")
    uas = [SipUA(host=h, port=5060, user="romeo", domain="localhost")
           for h in hosts]
    d = direct_deployment("routing-named", "localhost")
    try:
        marker = util.unique("named")
        d.juliet.send_message("romeo@sip.test", marker)
        expect_at(uas, marker, "sip:romeo@localhost")
    finally:
        d.stop()
        for ua in uas:
            ua.close()


def main():
    t = util.TestRunner("message_routing")
    try:
        d = ipv6_deployment()
    except Exception:
        t.fail_setup("IPv6 deployment start")
        t.finish()
    t.run(check_ipv6_listeners, d)
    t.run(check_ipv6_sip_to_xmpp, d)
    try:
        d.stop()
    except Exception:
        t.fail_setup("IPv6 deployment clean stop")
    t.run(check_numeric_request_uri_host)
    t.run(check_named_request_uri_host)
    t.finish()


if __name__ == "__main__":
    main()
