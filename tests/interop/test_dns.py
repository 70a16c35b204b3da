#!/usr/bin/python3
"""Next hops from DNS (RFC 3263) when the gateway has no outbound proxy.

A real name server (dnsmasq) on 127.0.0.1 with an ephemeral port serves
the partner domains' NAPTR, SRV and A records, written here; sipxmppd asks
it ([sip] dns_server) for every XMPP -> SIP MESSAGE:

- partner.test: NAPTR prefers TLS (SIPS+D2T, no SRV behind it), then UDP
  (SIP+D2U -> _sip._udp -> sip1.partner.test:PORT): bob's UA gets the
  MESSAGE, and a second message is answered from the cache (one NAPTR
  query in the server's log for both).
- failover.test: no NAPTR; two _sip._udp SRV targets, the first
  (priority 10) answers 503: RFC 3263 §4.3, the same MESSAGE goes to the
  second (priority 20) as a new transaction (another Via branch).
- deadtcp.test: _sip._tcp SRV, the first target has no listener: the
  refused connection fails the transaction at once (RFC 3261 §17.1.4)
  and the MESSAGE goes to the second, over TCP
  (test_transport_failure.py shows it does not wait for Timer F).
- tls.test: NAPTR SIPS+D2T -> _sips._tcp -> a TLS server (the test's)
  whose certificate names tls.test, the URI's domain (RFC 5922 §4.1):
  the MESSAGE arrives over TLS (the gateway has a tls: listener).
- badtls.test: only _sips._tcp SRV; the first target's certificate
  names that target (sips1.badtls.test), not the domain: refused at the
  handshake, the MESSAGE goes to the second, whose certificate names
  badtls.test. onlybad.test has only such a server: juliet gets an
  error stanza, nothing reaches it.
- A numeric next hop with transport=tls (a watcher's Contact): the
  NOTIFY goes over TLS, the certificate checked for that address (it
  went as plain TCP before).
- nowhere.test: no records at all: juliet gets remote-server-not-found,
  never silence.
- A host with a port, and a numeric host: no NAPTR or SRV question
  (RFC 3263 §4.1, §4.2).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.sip_ua import SipUA, header_param, uri_of  # noqa: E402
from harness.tls import Pki, TlsServer            # noqa: E402
from harness.util import check                    # noqa: E402

DNSMASQ = "/usr/sbin/dnsmasq"

MAPPING = [
    "domain xmpp.test xmpp.test",
    "user sip:bob@partner.test bob@sip.test",
    "user sip:dave@failover.test dave@sip.test",
    "user sip:erin@deadtcp.test erin@sip.test",
    "user sip:carol@nowhere.test carol@sip.test",
    "user sip:tina@tls.test tina@sip.test",
    "user sip:bill@badtls.test bill@sip.test",
    "user sip:olga@onlybad.test olga@sip.test",
    # Any SIP address, ports and numeric hosts included, as
    # local\40host\3aport@sip.test (XEP-0106 escapes).
    "embed gw.invalid sip.test allow_ports allow_ip_literals allow_private",
]


class Dnsmasq:
    """dnsmasq answering for *.test from its command line only."""

    def __init__(self, workdir, records):
        self.port = util.free_port()
        self.log = os.path.join(workdir, "dnsmasq.log")
        os.makedirs(workdir, exist_ok=True)
        argv = [DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--no-poll",
                "--bind-interfaces", "--listen-address=127.0.0.1",
                "--port=%d" % self.port, "--user=root",
                "--pid-file=%s" % os.path.join(workdir, "dnsmasq.pid"),
                "--local=/test/", "--local-ttl=60", "--log-queries",
                "--log-facility=%s" % self.log] + records
        self.proc = util.processes.start(
            argv, log_path=os.path.join(workdir, "dnsmasq.out"))
        util.wait_for(lambda: self._started(), 10, what="dnsmasq")

    def _started(self):
        check(self.proc.poll() is None, "dnsmasq exited: %s",
              open(self.log).read() if os.path.exists(self.log) else "")
        return os.path.exists(self.log) and "started" in open(self.log).read()

    def queries(self, qtype, name):
        """How many times it was asked for name's qtype records (""
        and "": every question)."""
        want = "query[%s] %s " % (qtype, name) if qtype else "query["
        with open(self.log) as f:
            return sum(1 for line in f if want in line)

    def stop(self):
        util.processes.stop(self.proc)


def make_pki(base):
    """A test CA; the gateway's certificate; the partners' servers': one
    for the URI's domain, one naming only an SRV target."""
    p = Pki(os.path.join(base, "pki"))
    p.ca("ca")
    p.cert("gateway", "ca", dns=["localhost"], ips=["127.0.0.1"])
    p.cert("tls", "ca", dns=["tls.test"])
    p.cert("badtls", "ca", dns=["badtls.test"])
    p.cert("srvonly", "ca", dns=["sips1.badtls.test"],
           cn="sips1.badtls.test")
    p.cert("ip", "ca", ips=["127.0.0.1"])
    return p


def tls_records(env):
    """The TLS partners: SIPS+D2T NAPTR, or _sips._tcp SRV only."""
    return [
        "--naptr-record=tls.test,10,50,s,SIPS+D2T,,_sips._tcp.tls.test",
        "--srv-host=_sips._tcp.tls.test,sips1.tls.test,%d,10,10"
        % env["tls_good"].port,
        "--host-record=sips1.tls.test,127.0.0.1",
        "--srv-host=_sips._tcp.badtls.test,sips1.badtls.test,%d,10,10"
        % env["tls_srvonly"].port,
        "--srv-host=_sips._tcp.badtls.test,sips2.badtls.test,%d,20,10"
        % env["tls_bad_ok"].port,
        "--host-record=sips1.badtls.test,127.0.0.1",
        "--host-record=sips2.badtls.test,127.0.0.1",
        "--srv-host=_sips._tcp.onlybad.test,sips1.onlybad.test,%d,10,10"
        % env["tls_srvonly"].port,
        "--host-record=sips1.onlybad.test,127.0.0.1",
    ]


def records(ua_bob, ua_503, ua_second, ua_tcp, dead_port):
    """The zone: what each partner domain publishes."""
    return [
        # partner.test: TLS preferred (order 10), UDP next (order 20).
        "--naptr-record=partner.test,10,50,s,SIPS+D2T,,_sips._tcp.partner.test",
        "--naptr-record=partner.test,20,50,s,SIP+D2U,,_sip._udp.partner.test",
        "--srv-host=_sip._udp.partner.test,sip1.partner.test,%d,0,10"
        % ua_bob.port,
        "--host-record=sip1.partner.test,127.0.0.1",
        # failover.test: SRV only; the first server answers 503.
        "--srv-host=_sip._udp.failover.test,busy.failover.test,%d,10,10"
        % ua_503.port,
        "--srv-host=_sip._udp.failover.test,spare.failover.test,%d,20,10"
        % ua_second.port,
        "--host-record=busy.failover.test,127.0.0.1",
        "--host-record=spare.failover.test,127.0.0.1",
        # deadtcp.test: SRV over TCP; nothing listens on the first.
        "--srv-host=_sip._tcp.deadtcp.test,gone.deadtcp.test,%d,10,10"
        % dead_port,
        "--srv-host=_sip._tcp.deadtcp.test,alive.deadtcp.test,%d,20,10"
        % ua_tcp.port,
        "--host-record=gone.deadtcp.test,127.0.0.1",
        "--host-record=alive.deadtcp.test,127.0.0.1",
    ]


def expect_message(ua, marker, timeout=10.0):
    """The MESSAGE whose body holds marker, as ua received it."""
    req = ua.wait_for_request(lambda r: marker in r.text, timeout,
                              method="MESSAGE")
    check(req is not None, "no MESSAGE with %r at %s; got %r", marker,
          ua.uri, ua.received())
    return req


def no_error_for(d, mid, seconds=1.0):
    """Assert juliet gets no error stanza for her message mid."""
    errs = d.juliet.wait_quiet(seconds, lambda m: m.is_error and
                               m.id == mid)
    check(not errs, "unexpected error stanza(s): %r", errs)


def check_naptr_srv(d, env):
    """NAPTR -> SRV -> A: the MESSAGE reaches the UA the SRV names."""
    body = util.unique("naptr")
    mid = d.juliet.send_message("bob@sip.test", body)
    req = expect_message(env["bob"], body)
    check(uri_of(req.uri) == "sip:bob@partner.test", "Request-URI %r",
          req.uri)
    check(req.transport == "udp", "came over %s, not the SRV's UDP",
          req.transport)
    no_error_for(d, mid)
    # Both NAPTR services were read; TLS is tried first where the
    # build sends TLS, else skipped with a log line.
    d.gateway.wait_log(r"partner\.test: NAPTR: 2 SIP service", 5)


def check_cache(d, env):
    """A second message to the same domain asks DNS nothing new (TTL)."""
    dns = env["dns"]
    before = dns.queries("NAPTR", "partner.test")
    body = util.unique("cached")
    mid = d.juliet.send_message("bob@sip.test", body)
    expect_message(env["bob"], body)
    no_error_for(d, mid, 0.5)
    check(before == 1, "NAPTR for partner.test asked %d times before",
          before)
    check(dns.queries("NAPTR", "partner.test") == 1,
          "NAPTR for partner.test asked again within its TTL")
    check(dns.queries("SRV", "_sip._udp.partner.test") == 1,
          "SRV asked again within its TTL")


def check_failover_503(d, env):
    """The first SRV target answers 503: the next gets the MESSAGE."""
    body = util.unique("failover")
    mid = d.juliet.send_message("dave@sip.test", body)
    first = expect_message(env["busy"], body)
    second = expect_message(env["spare"], body)
    b1 = header_param(first.get("via", ""), "branch")
    b2 = header_param(second.get("via", ""), "branch")
    check(b1 and b2 and b1 != b2, "same transaction again: %r / %r", b1,
          b2)
    check(first.get("call-id") == second.get("call-id"),
          "not the same request: %r / %r", first.get("call-id"),
          second.get("call-id"))
    no_error_for(d, mid)
    d.gateway.wait_log(r"failover\.test: next hop busy\.failover\.test "
                       r"failed \(503\)", 5)


def check_failover_dead(d, env):
    """Nothing listens at the first target: the refused connection is a
    transport error (RFC 3261 §17.1.4), the second target gets it."""
    body = util.unique("deadtcp")
    mid = d.juliet.send_message("erin@sip.test", body)
    req = expect_message(env["alive"], body, timeout=20)
    check(req.transport == "tcp", "came over %s, not the SRV's TCP",
          req.transport)
    no_error_for(d, mid)


def tls_request(srv, marker, timeout=10.0):
    """The request holding marker that srv (a TlsServer) decrypted."""
    util.wait_for(lambda: any(marker in r.text for r in srv.requests),
                  timeout, what="the MESSAGE at the TLS server")
    return [r for r in srv.requests if marker in r.text][0]


def check_tls_by_naptr(d, env):
    """NAPTR SIPS+D2T -> _sips._tcp SRV -> a server whose certificate
    names tls.test, the domain of the URI: the MESSAGE goes over TLS."""
    srv = env["tls_good"]
    body = util.unique("tls-naptr")
    mid = d.juliet.send_message("tina@sip.test", body)
    req = tls_request(srv, body)
    check(uri_of(req.uri) == "sip:tina@tls.test", "Request-URI %r", req.uri)
    via = req.get("via", "")
    check(via.startswith("SIP/2.0/TLS 127.0.0.1:%d" % d.gateway.tls_port),
          "Via %r does not name our tls: listener", via)
    check(srv.handshakes >= 1, "no TLS handshake at the server")
    no_error_for(d, mid)
    d.gateway.wait_log(r"tls\.test: trying sips1\.tls\.test \([^)]*\) "
                       r"over tls", 5)


def check_tls_srv_target_name_refused(d, env):
    """RFC 5922 §4.1: a certificate naming only the SRV target
    (sips1.badtls.test) does not prove badtls.test: refused at the
    handshake, nothing reaches it, and the MESSAGE goes to the next
    target, whose certificate names the domain."""
    bad, good = env["tls_srvonly"], env["tls_bad_ok"]
    mark = d.gateway.log_mark()
    before, failures = len(bad.requests), len(bad.failures)
    body = util.unique("tls-srvname")
    mid = d.juliet.send_message("bill@sip.test", body)
    req = tls_request(good, body)
    check("SIP/2.0/TLS" in req.get("via", ""), "Via %r", req.get("via"))
    d.gateway.wait_log(r"tls handshake failed: certificate refused: "
                       r"hostname mismatch for badtls\.test", 5, start=mark)
    util.wait_for(lambda: len(bad.failures) > failures, 5,
                  what="the wrong-name server to see the handshake fail")
    check(len(bad.requests) == before, "a request reached the server "
          "whose certificate names only the SRV target")
    no_error_for(d, mid)


def check_tls_only_wrong_name(d, env):
    """The domain's only server proves another name: an error stanza,
    nothing sent to it."""
    bad = env["tls_srvonly"]
    before = len(bad.requests)
    mark = d.gateway.log_mark()
    body = util.unique("tls-onlybad")
    mid = d.juliet.send_message("olga@sip.test", body)
    e = d.juliet.wait_for_message(10, lambda m: m.is_error and m.id == mid)
    check(e is not None, "no error stanza")
    d.gateway.wait_log(r"hostname mismatch for onlybad\.test", 5,
                       start=mark)
    check(len(bad.requests) == before, "a request got through")


def check_tls_numeric_host(d, env):
    """A SUBSCRIBE whose Contact is sip:...@127.0.0.1:PORT;transport=tls:
    the gateway's NOTIFY reaches that address over TLS (RFC 3261
    §26.2.2), not as plain TCP, its certificate checked for 127.0.0.1."""
    srv = env["tls_ip"]
    contact = "<sip:watcher@127.0.0.1:%d;transport=tls>" % srv.port
    r = env["bob"].send_request(
        "SUBSCRIBE", "sip:juliet@xmpp.test", from_uri="sip:bob@partner.test",
        target=d.gateway.sip_addr, timeout=10,
        headers=[("Contact", contact), ("Event", "presence"),
                 ("Accept", "application/pidf+xml"), ("Expires", "60")])
    check(r is not None and r.status in (200, 202), "SUBSCRIBE: %r", r)
    util.wait_for(lambda: any(q.method == "NOTIFY" for q in srv.requests),
                  10, what="the NOTIFY at the TLS watcher")
    n = [q for q in srv.requests if q.method == "NOTIFY"][0]
    check(n.get("via", "").startswith("SIP/2.0/TLS "), "Via %r",
          n.get("via"))
    check(not srv.failures, "handshake failures: %r", srv.failures)


def check_unresolvable(d, env):
    """No records at all: an error stanza, remote-server-not-found."""
    mid = d.juliet.send_message("carol@sip.test", util.unique("nowhere"))
    e = d.juliet.wait_for_message(10, lambda m: m.is_error and
                                  m.id == mid)
    check(e is not None, "no error stanza for an unresolvable domain")
    check(e.error_condition == "remote-server-not-found",
          "condition %r (%s)", e.error_condition, e.xml)
    d.gateway.wait_log(r"nowhere\.test: no SIP server found", 5)


def check_explicit_port(d, env):
    """sip:gina@sip1.partner.test:PORT: only its address is looked up."""
    dns, bob = env["dns"], env["bob"]
    body = util.unique("port")
    mid = d.juliet.send_message(
        "gina\\40sip1.partner.test\\3a%d@sip.test" % bob.port, body)
    req = expect_message(bob, body)
    check(uri_of(req.uri) == "sip:gina@sip1.partner.test:%d" % bob.port,
          "Request-URI %r", req.uri)
    no_error_for(d, mid, 0.5)
    for qtype, name in (("NAPTR", "sip1.partner.test"),
                        ("SRV", "_sip._udp.sip1.partner.test"),
                        ("SRV", "_sip._tcp.sip1.partner.test")):
        check(dns.queries(qtype, name) == 0, "asked %s %s", qtype, name)


def check_numeric_host(d, env):
    """sip:frank@127.0.0.1:PORT: DNS is not asked anything."""
    dns, bob = env["dns"], env["bob"]
    before = dns.queries("", "")
    body = util.unique("numeric")
    mid = d.juliet.send_message(
        "frank\\40127.0.0.1\\3a%d@sip.test" % bob.port, body)
    req = expect_message(bob, body)
    check(uri_of(req.uri) == "sip:frank@127.0.0.1:%d" % bob.port,
          "Request-URI %r", req.uri)
    no_error_for(d, mid, 0.5)
    check(dns.queries("", "") == before, "DNS asked for a numeric host")


def check_clean_shutdown(d, env):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("dns")
    d = Deployment("dns", outbound_proxy=None, mapping=MAPPING,
                   gateway_transports=("udp", "tcp", "tls"))
    env = {}
    try:
        pki = make_pki(d.dir)
        env["tls_good"] = TlsServer(pki.path("tls"), pki.path("tls", "key"))
        env["tls_srvonly"] = TlsServer(pki.path("srvonly"),
                                       pki.path("srvonly", "key"))
        env["tls_bad_ok"] = TlsServer(pki.path("badtls"),
                                      pki.path("badtls", "key"))
        env["tls_ip"] = TlsServer(pki.path("ip"), pki.path("ip", "key"))
        env["bob"] = SipUA(user="bob", domain="partner.test")
        env["busy"] = SipUA(user="dave", domain="failover.test")
        env["busy"].message_status = 503
        env["spare"] = SipUA(user="dave", domain="failover.test")
        env["alive"] = SipUA(user="erin", domain="deadtcp.test")
        dead_port = util.free_port()
        env["dns"] = Dnsmasq(os.path.join(d.dir, "dns"),
                             records(env["bob"], env["busy"], env["spare"],
                                     env["alive"], dead_port) +
                             tls_records(env))
        d.gateway_options = {"sip": {
            "dns_server": "127.0.0.1:%d" % env["dns"].port,
            "tls_certificate": pki.path("gateway"),
            "tls_key": pki.path("gateway", "key"),
            "tls_ca_file": pki.path("ca"),
            # Timer F (64 * T1) in 6.4 s should a target not answer.
            "t1_ms": "100"}}
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    start = time.monotonic()
    for f in (check_naptr_srv, check_cache, check_failover_503,
              check_failover_dead, check_tls_by_naptr,
              check_tls_srv_target_name_refused, check_tls_only_wrong_name,
              check_tls_numeric_host, check_unresolvable, check_explicit_port, check_numeric_host):
        t.run(f, d, env)
    t.run(check_clean_shutdown, d, env)
    for ua in ("bob", "busy", "spare", "alive", "tls_good", "tls_srvonly",
               "tls_bad_ok", "tls_ip"):
        env[ua].close()
    print("took %.1fs" % (time.monotonic() - start))
    t.finish()


if __name__ == "__main__":
    main()
