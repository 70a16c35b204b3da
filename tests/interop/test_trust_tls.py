#!/usr/bin/python3
"""A trusted peer named by its TLS certificate (issue 12 item 2, RFC 3325
over RFC 5922): [sip] trusted_peers = tls:proxy.test, and nothing else,
not even loopback.

The gateway listens on TLS with mutual TLS (tls_verify_client = yes). Two
clients hold certificates from the test CA: "proxy" names proxy.test,
"other" names other.test. The checks:
- proxy's MESSAGE over TLS is served (200) and juliet gets it: trust by
  the verified certificate's name;
- other's MESSAGE over TLS, from the same address, is answered 403 and
  juliet gets nothing;
- a MESSAGE over UDP from loopback is answered 403 (the default's
  loopback trust is gone with the list);
- OPTIONS is answered to all.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment, Gateway, SECRET  # noqa: E402
from harness.tls import (Pki, client_context, read_responses,  # noqa: E402
                         tls_connect, tls_options)
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"


def make_pki(base):
    p = Pki(os.path.join(base, "pki"))
    p.ca("ca")
    p.cert("gateway", "ca", dns=["localhost"], ips=["127.0.0.1"])
    p.cert("proxy", "ca", dns=["proxy.test"])
    p.cert("other", "ca", dns=["other.test"])
    return p


def message(port, body, n):
    """A MESSAGE to juliet as it leaves a TLS client."""
    data = body.encode()
    return ("MESSAGE %s SIP/2.0\r\n"
            "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bKtt%d\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:romeo@sip.test>;tag=tt%d\r\n"
            "To: <%s>\r\n"
            "Call-ID: trust-tls-%d-%d@127.0.0.1\r\n"
            "CSeq: 1 MESSAGE\r\n"
            "Content-Type: text/plain;charset=UTF-8\r\n"
            "Content-Length: %d\r\n\r\n" % (
                JULIET, n, n, JULIET, os.getpid(), n, len(data))
            ).encode() + data


class Bed:
    def __init__(self):
        self.d = Deployment("trust_tls", outbound_proxy=None)
        self.pki = make_pki(self.d.dir)
        self.n = 0

    def start(self):
        self.d.start()
        self.d.gateway.stop()
        p = self.pki
        self.d.gateway = Gateway(
            os.path.join(self.d.dir, "gateway"),
            self.d.prosody.component_port, secret=SECRET,
            transports=("udp", "tcp", "tls"), trace=self.d.gateway_trace,
            options={"sip": {
                "tls_certificate": p.path("gateway"),
                "tls_key": p.path("gateway", "key"),
                "tls_ca_file": p.path("ca"),
                "tls_verify_client": "yes",
                "trusted_peers": "tls:proxy.test"}})
        self.d.gateway.start()

    def send_tls(self, cert, body):
        self.n += 1
        ctx = client_context(self.pki.path("ca"), self.pki.path(cert),
                             self.pki.path(cert, "key"))
        port = self.d.gateway.tls_port
        s = tls_connect(port, ctx)
        try:
            s.sendall(message(port, body, self.n))
            got = read_responses(s, 1, 10)
            return got[0] if got else None
        finally:
            s.close()


def check_named_peer_trusted(b):
    """proxy.test's certificate makes it a member of the trust domain."""
    marker = util.unique("tlsname")
    r = b.send_tls("proxy", marker)
    check(r is not None and r.status == 200, "proxy.test: %r\n%s", r,
          util.tail(b.d.gateway.log_path, 20))
    m = b.d.juliet.wait_for_message(5, lambda m: m.body == marker)
    check(m is not None, "juliet got nothing")


def check_other_name_refused(b):
    """Another certificate of the same CA, from the same address: 403."""
    marker = util.unique("othername")
    r = b.send_tls("other", marker)
    check(r is not None and r.status == 403, "other.test: %r", r)
    m = b.d.juliet.wait_for_message(1.5, lambda m: m.body == marker)
    check(m is None, "juliet got other.test's message")


def check_loopback_no_longer_trusted(b):
    """A list without loopback: a MESSAGE from 127.0.0.1 over UDP, 403."""
    marker = util.unique("udp")
    r = b.d.ua.send_message(JULIET, body=marker,
                            target=b.d.gateway.sip_addr)
    check(r is not None and r.status == 403, "loopback UDP: %r", r)
    m = b.d.juliet.wait_for_message(1.5, lambda m: m.body == marker)
    check(m is None, "juliet got the UDP message")


def check_options_to_all(b):
    """OPTIONS is answered whoever asks."""
    ctx = client_context(b.pki.path("ca"), b.pki.path("other"),
                         b.pki.path("other", "key"))
    r = tls_options(b.d.gateway.tls_port, ctx)
    check(r is not None and r.status == 200, "OPTIONS: %r", r)


def check_clean_shutdown(b):
    """SIGTERM: the gateway exits cleanly (sanitizers, valgrind)."""
    b.d.stop()


def main():
    t = util.TestRunner("trust_tls")
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("deployment with TLS")
        t.finish()
    for f in (check_named_peer_trusted, check_other_name_refused,
              check_loopback_no_longer_trusted, check_options_to_all):
        t.run(f, b)
    t.run(check_clean_shutdown, b)
    t.finish()


if __name__ == "__main__":
    main()
