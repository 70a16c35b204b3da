#!/usr/bin/python3
"""A real softphone over TLS (issue 12: "a real softphone over TLS to
Kamailio"): baresip, Kamailio with its tls module, the gateway's tls:
listener, Prosody and a Jabber user.

    baresip =TLS= Kamailio =TLS= sipxmppd --- Prosody --- juliet

Every SIP hop is TLS with certificates the test makes (harness/tls.py):
- baresip registers as romeo@sip.test at Kamailio over TLS (its account
  says ;transport=tls, its outbound proxy is Kamailio's TLS port) and
  offers a client certificate from the test CA, which Kamailio demands
  (require_certificate); Kamailio reaches baresip's own TLS listener with
  the same certificate checked against the test CA.
- Kamailio hands xmpp.test to the gateway's tls: listener, which demands
  Kamailio's certificate (tls_verify_client); the gateway's outbound proxy
  is sip:localhost;transport=tls (Kamailio's certificate checked for the
  name localhost, RFC 5922).

baresip 1.0 (Debian 12) does not check the certificate of the server it
connects to (it has no sip_verify_server yet): the hop it opens is
encrypted and the phone is authenticated by Kamailio, not the other way.

Checks:
- romeo types /message in baresip (its ctrl_tcp control port); juliet
  receives the text from romeo@sip.test; the phone's SIP trace shows the
  MESSAGE leaving over TLS to Kamailio's TLS port and the gateway's 200
  coming back; Kamailio's log shows it sent to the gateway's TLS port,
  whose log shows that TLS connection accepted and established.
- juliet answers; baresip shows the text from juliet@xmpp.test; its trace
  shows the MESSAGE arrived over TLS with Kamailio's TLS Via on top and
  the gateway's TLS Via below it (both hops TLS), and the gateway logs
  the 200 that came back.
- more messages both ways open no new TLS connection at the gateway.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.baresip import Baresip               # noqa: E402
from harness.gateway import Deployment, Gateway, SECRET  # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.tls import Pki                       # noqa: E402
from harness.util import SkipTest, check          # noqa: E402

ROMEO = "sip:romeo@sip.test"
JULIET = "sip:juliet@xmpp.test"
ESTABLISHED = r"tls 127\.0\.0\.1:\d+: connection \d+: tls established"


def make_pki(base):
    """A test CA; certificates for the gateway, Kamailio and the phone
    (which wants its certificate and key in one file)."""
    p = Pki(os.path.join(base, "pki"))
    p.ca("ca")
    for name in ("gateway", "kamailio", "phone"):
        p.cert(name, "ca", dns=["localhost"], ips=["127.0.0.1"])
    with open(p.path("phone-chain"), "w") as f:
        f.write(util.read_text(p.path("phone")))
        f.write(util.read_text(p.path("phone", "key")))
    return p


class Bed:
    """Prosody, Kamailio (TLS), the gateway (TLS) and baresip as romeo."""

    def __init__(self):
        self.d = Deployment("softphone-tls", outbound_proxy=None)
        self.pki = make_pki(self.d.dir)
        self.gw_tls_port = util.free_port()
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test",
                          routes={"xmpp.test": ("127.0.0.1",
                                                self.gw_tls_port, "tls")})
        self.k.enable_tls(self.pki.path("kamailio"),
                          self.pki.path("kamailio", "key"),
                          self.pki.path("ca"))
        self.phone = None

    def start(self):
        self.k.start()
        util.wait_for_port(self.k.tls_port, timeout=10, proc=self.k.proc)
        self.d.start()
        # The deployment's plain gateway makes way for one with TLS.
        self.d.gateway.stop()
        self.d.gateway = Gateway(
            os.path.join(self.d.dir, "gateway"), self.d.prosody.component_port,
            secret=SECRET, transports=("udp", "tcp", "tls"),
            tls_port=self.gw_tls_port, trace=self.d.gateway_trace,
            outbound_proxy="sip:localhost:%d;transport=tls" % self.k.tls_port,
            options={"sip": {
                "tls_certificate": self.pki.path("gateway"),
                "tls_key": self.pki.path("gateway", "key"),
                "tls_ca_file": self.pki.path("ca"),
                "tls_verify_client": "yes"}})
        self.d.gateway.start()
        self.phone = Baresip(
            os.path.join(self.d.dir, "baresip"), ROMEO, JULIET,
            "sip:127.0.0.1:%d;transport=tls" % self.k.tls_port,
            cafile=self.pki.path("ca"),
            certificate=self.pki.path("phone-chain"))
        self.phone.start()
        reg = self.phone.wait_registered(15)
        if reg != ("TLS", 200):
            raise RuntimeError("baresip did not register over TLS (%r):"
                               "\n%s" % (reg, self.phone.output()[-3000:]))
        return self

    def stop(self):
        try:
            if self.phone is not None:
                self.phone.stop()
            self.d.stop()
        finally:
            self.k.stop()

    @property
    def k_tls(self):
        """Kamailio's TLS address as the phone's trace writes it."""
        return "127.0.0.1:%d" % self.k.tls_port


def phone_trace(b, start, first_line, marker=None, timeout=5.0):
    """The first entry of the phone's SIP trace from output index start
    whose text matches first_line (and holds marker), waiting for its
    output to catch up; None if none came."""
    pat = re.compile(first_line)

    def find():
        for entry in b.phone.sip_trace(start):
            if pat.match(entry[3]) and (marker is None or marker in entry[3]):
                return entry
        return None
    try:
        return util.wait_for(find, timeout, what="a trace entry")
    except TimeoutError:
        return None


def phone_saw(b, start, first_line, what, marker=None):
    """phone_trace(), failing the check if it has none."""
    entry = phone_trace(b, start, first_line, marker)
    check(entry is not None, "no %s in the phone's trace:\n%s", what,
          b.phone.output(start)[-3000:])
    return entry


def check_registered_over_tls(b):
    """The REGISTER went to Kamailio's TLS port over TLS, and its 200
    came back the same way (Kamailio demanded the phone's certificate)."""
    tp, src, dst, _ = phone_saw(b, 0, r"REGISTER sip:sip\.test", "REGISTER")
    check(tp == "TLS" and dst == b.k_tls, "REGISTER over %s to %s", tp, dst)
    tp, src, dst, _ = phone_saw(b, 0, r"SIP/2\.0 200 .*\n(.*\n)*CSeq: \d+ "
                                r"REGISTER", "200 to the REGISTER")
    check(tp == "TLS" and src == b.k_tls, "200 over %s from %s", tp, src)


def send_from_phone(b, text):
    """romeo types /message text; juliet receives it (returns the
    phone's output mark and the gateway's log mark taken before)."""
    mark, gmark = b.phone.mark(), b.d.gateway.log_mark()
    r = b.phone.message(text)
    check(r is not None and r.get("ok"), "/message: %r", r)
    m = b.d.juliet.wait_for_message(10, lambda m: m.body == text)
    check(m is not None, "juliet got nothing; the phone said:\n%s",
          b.phone.output(mark)[-3000:])
    check(m.from_.split("/")[0] == "romeo@sip.test", "from %r", m.from_)
    return mark, gmark


def check_phone_to_jabber_over_tls(b):
    """/message in baresip: over TLS to Kamailio, over TLS to the gateway
    (which demanded Kamailio's certificate), to juliet."""
    marker = util.unique("bs")
    text = "But soft, what light, Grüße " + marker
    mark, gmark = send_from_phone(b, text)
    sent = phone_saw(b, mark, r"MESSAGE ", "MESSAGE", marker)
    check(sent[0] == "TLS" and sent[2] == b.k_tls, "MESSAGE over %s to %s",
          sent[0], sent[2])
    check("Via: SIP/2.0/TLS " in sent[3], "the phone's Via: %s", sent[3])
    ok = phone_saw(b, mark, r"SIP/2\.0 200 .*\n(.*\n)*CSeq: \d+ MESSAGE",
                   "200 to the MESSAGE")
    check(ok[0] == "TLS" and "Server: sipxmppd" in ok[3],
          "the 200: %r", ok)
    # Kamailio sent it to the gateway's tls: listener ...
    util.wait_for_log_line(b.k.log_path, r"MESSAGE %s -> gateway 127\.0\.0"
                           r"\.1:%d" % (re.escape(JULIET), b.gw_tls_port), 5)
    # ... which accepted a TLS connection and finished its handshake
    # (tls_verify_client: with Kamailio's certificate) for it.
    log = b.d.gateway.log_text(gmark)
    check(re.search(r"tls 127\.0\.0\.1:\d+: connection \d+ accepted", log)
          and re.search(ESTABLISHED, log),
          "no TLS connection at the gateway:\n%s", log[-3000:])
    check(re.search(r"trace message: sip:romeo@sip\.test -> juliet@xmpp\."
                    r"test sent as ", log), "no message trace")


def send_to_phone(b, text):
    """juliet writes text to romeo; baresip shows it. Returns the phone's
    output mark and the gateway's log mark taken before."""
    mark, gmark = b.phone.mark(), b.d.gateway.log_mark()
    b.d.juliet.send_message("romeo@sip.test", text)
    line = b.phone.wait_output(r'sip:juliet@xmpp\.test[^ ]*: "%s"' %
                               re.escape(text), 10, start=mark)
    check(line is not None, "the phone showed nothing; it said:\n%s",
          b.phone.output(mark)[-3000:])
    b.d.gateway.wait_log(r"trace message: juliet@xmpp\.test/balcony -> "
                         r"romeo@sip\.test delivered to SIP \(200\)", 10,
                         start=gmark)
    return mark, gmark


def check_jabber_to_phone_over_tls(b):
    """juliet answers: the gateway sends over TLS to Kamailio (its Via
    says TLS), Kamailio over TLS to the phone (its Via on top)."""
    marker = util.unique("reply")
    mark, _ = send_to_phone(b, "Ay me! Grüße " + marker)
    tp, src, dst, text = phone_saw(b, mark, r"MESSAGE ", "MESSAGE", marker)
    check(tp == "TLS" and dst == "127.0.0.1:%d" % b.phone.tls_port,
          "MESSAGE over %s to %s", tp, dst)
    vias = [ln.split(":", 1)[1].strip() for ln in text.split("\n")
            if ln.lower().startswith("via:")]
    check(len(vias) == 2, "Vias: %r", vias)
    check(vias[0].startswith("SIP/2.0/TLS %s;" % b.k_tls),
          "Kamailio's Via: %r", vias[0])
    check(vias[1].startswith("SIP/2.0/TLS 127.0.0.1:%d;" % b.gw_tls_port),
          "the gateway's Via: %r", vias[1])
    check(phone_saw(b, mark, r"SIP/2\.0 200 .*\n(.*\n)*CSeq: \d+ MESSAGE",
                    "the phone's 200")[0] == "TLS", "the 200 not over TLS")


def check_connections_reused(b):
    """Two more each way: the gateway opens or accepts no new TLS
    connection (it reuses the ones it has)."""
    gmark = b.d.gateway.log_mark()
    for _ in range(2):
        send_from_phone(b, "again " + util.unique("bs-again"))
        send_to_phone(b, "again " + util.unique("reply-again"))
    n = len(re.findall(ESTABLISHED, b.d.gateway.log_text(gmark)))
    check(n == 0, "%d new TLS connections:\n%s", n,
          b.d.gateway.log_text(gmark)[-3000:])


def main():
    t = util.TestRunner("softphone_tls")
    if not Baresip.available():
        t.run(lambda: (_ for _ in ()).throw(
            SkipTest("baresip not installed (apt-get install baresip)")))
        t.finish()
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment + baresip start")
        t.finish()
    t.run(check_registered_over_tls, b)
    t.run(check_phone_to_jabber_over_tls, b)
    t.run(check_jabber_to_phone_over_tls, b)
    t.run(check_connections_reused, b)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
