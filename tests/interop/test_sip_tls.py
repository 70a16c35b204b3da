#!/usr/bin/python3
"""SIP over TLS (issue 12 item 1; RFC 3261 §26, RFC 5922, RFC 5626).

Certificates come from a private PKI the test makes with the openssl
command line: a test CA, a certificate for the gateway and one for
Kamailio (both DNS:localhost, IP:127.0.0.1), one with a wrong name, one
from a CA nobody trusts, and a second gateway certificate for SIGHUP.

Phase 1, Kamailio with its tls module in front of the gateway, mutual TLS
on both hops (each side checks the other against the test CA):
- romeo (UDP) -> Kamailio -> TLS -> gateway -> Prosody -> juliet, and
  juliet -> gateway -> TLS (outbound proxy sip:localhost;transport=tls,
  the certificate checked for "localhost") -> Kamailio -> romeo; our Via
  says TLS. More messages both ways open no new TLS connection.
- mutual TLS at our tls: listener: a client with a certificate from the
  test CA is served, one without a certificate or with one from another
  CA fails the handshake.
- hostile TLS peers: garbage, a handshake cut off, a handshake that
  stalls (closed at tls_handshake_timeout_s): each leaves a log line and
  the daemon serving; a CRLFCRLF ping is answered with CRLF.
- SIGHUP with a certificate file that does not load: refused with a log
  line, the old certificate still served; a good new one is taken.

Phase 2, the gateway as TLS client of a scripted TLS server (its outbound
proxy sips:localhost:PORT):
- a message goes over TLS, and the idle connection gets CRLFCRLF pings
  (keepalive_s = 1) and is reused afterwards;
- a server whose certificate names another host, or comes from an
  untrusted CA, is refused at the handshake: nothing of the message
  reaches it, one log line says why, and juliet is told the message
  failed at once (a transport error, RFC 3261 §17.1.4), not at Timer F.
"""

import os
import re
import shutil
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment, Gateway, SECRET  # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.tls import (Pki, TlsServer, client_context,  # noqa: E402
                         tls_connect, tls_options, read_responses,
                         options_request)
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
HANDSHAKE_TIMEOUT_S = 2
# Phase 2 keeps T1 at 500 ms, so Timer F is 32 s: an error within this
# came from the refused handshake.
PROMPT_S = 8.0
ESTABLISHED = r"tls 127\.0\.0\.1:\d+: connection \d+: tls established"


def make_pki(base):
    """The test's certificates."""
    p = Pki(os.path.join(base, "pki"))
    p.ca("ca")
    p.ca("evil")
    p.cert("gateway", "ca", dns=["localhost"], ips=["127.0.0.1"])
    p.cert("gateway2", "ca", dns=["localhost"], ips=["127.0.0.1"])
    p.cert("kamailio", "ca", dns=["localhost"], ips=["127.0.0.1"])
    p.cert("client", "ca", dns=["client.test"])
    p.cert("wrong", "ca", dns=["wrong.test"], cn="localhost")
    p.cert("untrusted", "evil", dns=["localhost"], ips=["127.0.0.1"])
    return p


def gateway_tls_options(pki, extra=None):
    """[sip] options for our TLS: certificate, key, CA, mutual TLS."""
    opts = {"tls_certificate": pki.path("gateway"),
            "tls_key": pki.path("gateway", "key"),
            "tls_ca_file": pki.path("ca"),
            "tls_verify_client": "yes",
            "tls_handshake_timeout_s": str(HANDSHAKE_TIMEOUT_S)}
    opts.update(extra or {})
    return {"sip": opts}


def start_gateway(d, proxy, options):
    """(Re)start d's gateway with TLS and the given outbound proxy."""
    if d.gateway is not None:
        d.gateway.stop()
    d.gateway = Gateway(os.path.join(d.dir, "gateway"),
                        d.prosody.component_port, secret=SECRET,
                        outbound_proxy=proxy, options=options,
                        transports=("udp", "tcp", "tls"),
                        trace=d.gateway_trace)
    d.gateway.start()
    return d.gateway


class Bed:
    """Prosody, Kamailio (UDP+TCP+TLS) and the gateway (UDP+TCP+TLS)."""

    def __init__(self):
        self.d = Deployment("tls", outbound_proxy=None)
        self.pki = make_pki(self.d.dir)
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test")
        self.k.enable_tls(self.pki.path("kamailio"),
                          self.pki.path("kamailio", "key"),
                          self.pki.path("ca"))

    def start(self):
        self.k.start()
        util.wait_for_port(self.k.tls_port, timeout=10, proc=self.k.proc)
        self.d.start()
        gw = start_gateway(self.d, "sip:localhost:%d;transport=tls" %
                           self.k.tls_port, gateway_tls_options(self.pki))
        # Kamailio hands the XMPP domain to our tls: listener.
        self.k.route_xmpp_domain("xmpp.test", "127.0.0.1", gw.tls_port,
                                 "tls")
        self.k.stop()
        self.k.start()
        util.wait_for_port(self.k.tls_port, timeout=10, proc=self.k.proc)
        return self

    def stop(self):
        try:
            self.d.stop()
        finally:
            self.k.stop()


def ca_ctx(b, cert=None):
    """A client context trusting the test CA, with a client cert."""
    if cert is None:
        return client_context(b.pki.path("ca"), b.pki.path("client"),
                              b.pki.path("client", "key"))
    if cert is False:
        return client_context(b.pki.path("ca"))
    return client_context(b.pki.path("ca"), b.pki.path(cert),
                          b.pki.path(cert, "key"))


def established(b, start=0):
    """TLS connections the gateway finished a handshake on since start."""
    return len(re.findall(ESTABLISHED, b.d.gateway.log_text(start)))


# ---- phase 1: through Kamailio ------------------------------------------

def check_register(b):
    """romeo registers his UA at Kamailio (UDP)."""
    r = b.d.ua.register("sip:sip.test", target=b.k.addr)
    check(r is not None and r.status == 200, "REGISTER: %r", r)


def sip_to_xmpp(b):
    """romeo -> Kamailio -> TLS -> gateway -> juliet; returns the marker."""
    marker = util.unique("tls-s2x")
    r = b.d.ua.send_message(JULIET, body="over TLS " + marker,
                            from_uri="sip:romeo@sip.test", target=b.k.addr,
                            timeout=15)
    check(r is not None and r.status == 200, "MESSAGE: %r", r)
    m = b.d.juliet.wait_for_message(5, lambda m: m.body and marker in m.body)
    check(m is not None, "juliet got nothing")
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)


def xmpp_to_sip(b):
    """juliet -> gateway -> TLS -> Kamailio -> romeo; returns the request."""
    marker = util.unique("tls-x2s")
    b.d.juliet.send_message("romeo@sip.test", "back over TLS " + marker)
    req = b.d.ua.wait_for_request(lambda r: marker in r.text, 10,
                                  method="MESSAGE")
    check(req is not None, "romeo got no MESSAGE")
    return req


def check_sip_to_xmpp_over_tls(b):
    """Kamailio reaches the gateway over TLS with its client certificate
    (tls_verify_client = yes) and the message reaches juliet."""
    mark = b.d.gateway.log_mark()
    sip_to_xmpp(b)
    log = b.d.gateway.log_text(mark)
    check(re.search(r"tls 127\.0\.0\.1:\d+: connection \d+ accepted",
                         log), "no TLS connection accepted:\n%s", log[-3000:])
    check(re.search(ESTABLISHED, log), "no handshake finished")


def check_xmpp_to_sip_over_tls(b):
    """Our outbound proxy is sip:localhost;transport=tls: Kamailio's
    certificate is checked for "localhost", our Via says TLS."""
    req = xmpp_to_sip(b)
    vias = " ".join(req.get_all("via"))
    want = "SIP/2.0/TLS 127.0.0.1:%d" % b.d.gateway.tls_port
    check(want in vias, "no %r among the Vias: %r", want, vias)


def check_connections_reused(b):
    """Three more messages each way: no new TLS connection either way
    (the TCP code's reuse holds for TLS: by connection for answers, by
    address and name for requests)."""
    mark = b.d.gateway.log_mark()
    for _ in range(3):
        sip_to_xmpp(b)
        xmpp_to_sip(b)
    n = established(b, mark)
    check(n == 0, "%d new TLS connections for 6 messages:\n%s", n,
          b.d.gateway.log_text(mark)[-3000:])


def check_mutual_tls(b):
    """tls_verify_client = yes: a client certificate from the test CA is
    served; none, or one from another CA, fails the handshake."""
    port = b.d.gateway.tls_port
    r = tls_options(port, ca_ctx(b))
    check(r is not None and r.status == 200, "OPTIONS with a client "
          "certificate: %r", r)
    for what, ctx in (("no certificate", ca_ctx(b, False)),
                      ("untrusted CA", ca_ctx(b, "untrusted"))):
        mark = b.d.gateway.log_mark()
        try:
            r = tls_options(port, ctx, timeout=3)
        except (ssl.SSLError, OSError):
            r = None
        check(r is None, "%s: served: %r", what, r)
        b.d.gateway.wait_log(r"tls handshake failed: ", 5, start=mark)


def check_gateway_checks_server_name(b):
    """The certificate a client gets from us is the configured one (so
    Kamailio, which checks it, is the real test of that direction)."""
    s = tls_connect(b.d.gateway.tls_port, ca_ctx(b))
    try:
        der = s.getpeercert(binary_form=True)
    finally:
        s.close()
    check(der == ssl.PEM_cert_to_DER_cert(util.read_text(
        b.pki.path("gateway"))), "another certificate served")


def check_ping_answered(b):
    """RFC 5626 §4.4.1: a CRLFCRLF ping gets one CRLF back at once."""
    s = tls_connect(b.d.gateway.tls_port, ca_ctx(b))
    try:
        s.sendall(b"\r\n\r\n")
        s.settimeout(3)
        check(s.recv(16) == b"\r\n", "no pong")
        # And the connection still carries SIP afterwards.
        s.sendall(options_request(b.d.gateway.tls_port))
        got = read_responses(s, 1, 5)
        check(got and got[0].status == 200, "OPTIONS after ping: %r", got)
    finally:
        s.close()


def still_serving(b):
    """A well-behaved TLS client is served; so is SIP through Kamailio."""
    r = tls_options(b.d.gateway.tls_port, ca_ctx(b))
    check(r is not None and r.status == 200, "OPTIONS: %r", r)
    sip_to_xmpp(b)


def check_tls_garbage(b):
    """Bytes that are not TLS: the handshake fails, one line, closed."""
    port = b.d.gateway.tls_port
    mark = b.d.gateway.log_mark()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"OPTIONS sip:x SIP/2.0\r\n\r\n" + os.urandom(2000))
        try:
            left = s.recv(4096)
            while left and b"SIP/2.0" not in left:
                left = s.recv(4096)
            check(not left, "a SIP answer to plain text on TLS")
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        s.close()
    b.d.gateway.wait_log(r"tls handshake failed", 5, start=mark)
    still_serving(b)


def check_aborted_handshake(b):
    """A ClientHello cut in the middle and the socket closed; then one
    that stalls: closed at tls_handshake_timeout_s, whatever else."""
    port = b.d.gateway.tls_port
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 20)
    s.close()
    mark = b.d.gateway.log_mark()
    stall = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        stall.sendall(b"\x16\x03\x01\x02\x00\x01")
        t0 = time.monotonic()
        stall.settimeout(HANDSHAKE_TIMEOUT_S + 5)
        try:
            data = stall.recv(100)
        except ConnectionResetError:
            data = b""
        check(data == b"", "stalled handshake got %r", data)
        waited = time.monotonic() - t0
        check(waited < HANDSHAKE_TIMEOUT_S + 4, "closed after %.1fs", waited)
    finally:
        stall.close()
    b.d.gateway.wait_log(r"tls handshake not finished after %d s" %
                         HANDSHAKE_TIMEOUT_S, 5, start=mark)
    still_serving(b)


def served_cert(b):
    """The DER certificate a new TLS connection to the gateway gets."""
    s = tls_connect(b.d.gateway.tls_port, ca_ctx(b))
    try:
        return s.getpeercert(binary_form=True)
    finally:
        s.close()


def check_sighup_bad_certificate(b):
    """SIGHUP with a certificate file that does not load: refused with a
    line, the old one served; then a good new one is taken."""
    gw = b.d.gateway
    path = b.pki.path("gateway")
    key = b.pki.path("gateway", "key")
    old = served_cert(b)
    shutil.copyfile(path, path + ".saved")
    shutil.copyfile(key, key + ".saved")
    try:
        with open(path, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nbroken\n")
        mark = gw.log_mark()
        gw.reload()
        gw.wait_log(r"sip: tls: reload refused, keeping the certificates "
                    r"in use: tls_certificate ", 5, start=mark)
        check(served_cert(b) == old, "the certificate changed")
        still_serving(b)
        # A good certificate with the key of another: refused too.
        shutil.copyfile(b.pki.path("gateway2"), path)
        mark = gw.log_mark()
        gw.reload()
        gw.wait_log(r"reload refused.*tls_key ", 5, start=mark)
        check(served_cert(b) == old, "a mismatched key was taken")
        # The pair of gateway2: taken.
        shutil.copyfile(b.pki.path("gateway2", "key"), key + ".new")
        os.replace(key + ".new", key)
        mark = gw.log_mark()
        gw.reload()
        gw.wait_log(r"sip: tls: certificates reloaded", 5, start=mark)
        new = served_cert(b)
        check(new != old and new == ssl.PEM_cert_to_DER_cert(
            util.read_text(b.pki.path("gateway2"))), "new one not served")
        still_serving(b)
    finally:
        os.replace(path + ".saved", path)
        os.replace(key + ".saved", key)


# ---- phase 2: the gateway as TLS client of a scripted server ------------

def check_keepalive_and_reuse(b, srv):
    """A message over TLS to sips:localhost; the idle connection gets
    CRLFCRLF pings and carries the next message too."""
    marker = util.unique("tls-ka")
    b.d.juliet.send_message("romeo@sip.test", "to the TLS server " + marker)
    util.wait_for(lambda: any(marker in r.text for r in srv.requests), 10,
                  what="the MESSAGE at the TLS server")
    req = [r for r in srv.requests if marker in r.text][0]
    check("SIP/2.0/TLS" in req.get("via"), "Via %r", req.get("via"))
    check(req.get("route") and "transport=tls" in req.get("route"),
          "Route %r", req.get("route"))
    util.wait_for(lambda: srv.pings >= 2, 6, what="two keep-alive pings")
    marker = util.unique("tls-ka2")
    b.d.juliet.send_message("romeo@sip.test", "again " + marker)
    util.wait_for(lambda: any(marker in r.text for r in srv.requests), 10,
                  what="the second MESSAGE")
    check(srv.connections == 1 and srv.handshakes == 1,
          "%d connections, %d handshakes", srv.connections, srv.handshakes)


def refused(b, srv, cert, why):
    """The server now presents cert (its open connection dropped, so the
    gateway must connect anew): the handshake fails, nothing arrives,
    juliet hears the message failed."""
    srv.use_certificate(b.pki.path(cert), b.pki.path(cert, "key"))
    mark = b.d.gateway.log_mark()
    if srv.drop_connections():
        b.d.gateway.wait_log(r"tls 127\.0\.0\.1:%d: connection \d+ closed"
                             % srv.port, 5, start=mark)
    before = len(srv.requests)
    failures = len(srv.failures)
    mark = b.d.gateway.log_mark()
    marker = util.unique("tls-refused")
    mid = b.d.juliet.send_message("romeo@sip.test", "must not leave " +
                                  marker)
    b.d.gateway.wait_log(r"tls handshake failed: certificate refused: " +
                         why, 10, start=mark)
    util.wait_for(lambda: len(srv.failures) > failures, 5,
                  what="the server to see the handshake fail")
    # RFC 3261 §17.1.4: the failed handshake is a transport error that
    # ends the transaction at once (503), not Timer F (64 * T1 = 32 s
    # here): juliet is told within PROMPT_S.
    err = b.d.juliet.wait_for_message(
        PROMPT_S, lambda m: m.type == "error" and m.id == mid)
    check(err is not None, "juliet was not told within %.0f s", PROMPT_S)
    b.d.gateway.wait_log(r"connection \d+ gone \(certificate refused: "
                         r"[^)]*\): 1 request\(s\) without an answer", 5,
                         start=mark)
    check(len(srv.requests) == before, "a request got through")
    check(not any(marker in r.text for r in srv.requests), "leaked")


def check_wrong_name_refused(b, srv):
    """RFC 5922 §7.3: a certificate for wrong.test (CN localhost, which
    must not count beside a subjectAltName) is refused for localhost."""
    refused(b, srv, "wrong", r"hostname mismatch for localhost")


def check_untrusted_ca_refused(b, srv):
    """A certificate for localhost from a CA not in tls_ca_file."""
    refused(b, srv, "untrusted", r"unable to get local issuer")


def check_good_again(b, srv):
    """Back to a good certificate: messages flow again."""
    srv.use_certificate(b.pki.path("kamailio"), b.pki.path("kamailio", "key"))
    marker = util.unique("tls-good")
    b.d.juliet.send_message("romeo@sip.test", "at last " + marker)
    util.wait_for(lambda: any(marker in r.text for r in srv.requests), 10,
                  what="the MESSAGE after the good certificate is back")


def check_clean_shutdown(b):
    """SIGTERM: exit 0, no sanitizer report (valgrind's verdict too)."""
    gw, b.d.gateway = b.d.gateway, None
    gw.stop()


def main():
    t = util.TestRunner("sip_tls")
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    try:
        for f in (check_register, check_sip_to_xmpp_over_tls,
                  check_xmpp_to_sip_over_tls, check_connections_reused,
                  check_mutual_tls, check_gateway_checks_server_name,
                  check_ping_answered, check_tls_garbage,
                  check_aborted_handshake, check_sighup_bad_certificate):
            t.run(f, b)
        srv = TlsServer(b.pki.path("kamailio"), b.pki.path("kamailio", "key"))
        try:
            start_gateway(b.d, "sips:localhost:%d" % srv.port,
                          gateway_tls_options(b.pki, {
                              "keepalive_s": "1"}))
            for f in (check_keepalive_and_reuse, check_wrong_name_refused,
                      check_untrusted_ca_refused, check_good_again):
                t.run(f, b, srv)
        finally:
            srv.close()
        t.run(check_clean_shutdown, b)
    finally:
        b.stop()
    t.finish()


if __name__ == "__main__":
    main()
