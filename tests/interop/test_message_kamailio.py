#!/usr/bin/python3
"""The real deployment shape (DESIGN.md): SIP UA -> Kamailio -> sipxmppd ->
Prosody -> Jabber client, and back.

romeo registers at Kamailio (registrar+proxy for sip.test), which routes
the XMPP domain xmpp.test to the gateway (RFC 7247 §5). romeo writes to
juliet through Kamailio; juliet answers romeo@sip.test; the gateway sends
that to Kamailio (its outbound proxy), which finds romeo's registration
and delivers it. A MESSAGE to an unregistered SIP user comes back to
juliet as item-not-found (Kamailio's 404, RFC 7247 Table 3).
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.sip_ua import uri_of, uri_param      # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"


class Bed:
    """Kamailio + the usual deployment, wired together."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        self.d = Deployment("kamailio",
                            outbound_proxy=("127.0.0.1", self.k_port, "udp"),
                            sip_port=self.gw_port)
        self.k = Kamailio(os.path.join(self.d.dir, "kamailio"),
                          domain="sip.test", port=self.k_port,
                          routes={"xmpp.test": ("127.0.0.1", self.gw_port,
                                                "udp")})

    def start(self):
        self.k.start()
        self.d.start()
        return self

    def stop(self):
        try:
            self.d.stop()
        finally:
            self.k.stop()


def check_register(b):
    """romeo registers his UA at Kamailio."""
    r = b.d.ua.register("sip:sip.test", target=b.k.addr)
    check(r is not None and r.status == 200, "REGISTER: %r", r)
    check(b.d.ua.contact.split(":")[-1] in (r.get("contact") or ""),
          "contact not bound: %r", r.get("contact"))


def check_sip_to_xmpp_via_kamailio(b):
    """romeo -> Kamailio -> gateway -> juliet; 200 back through Kamailio."""
    marker = util.unique("viak")
    r = b.d.ua.send_message(JULIET, body="But soft! " + marker,
                            from_uri="sip:romeo@sip.test", target=b.k.addr,
                            timeout=15)
    check(r is not None and r.status == 200, "got %r", r)
    m = b.d.juliet.wait_for_message(5, lambda m: m.body and marker in m.body)
    check(m is not None, "juliet got nothing")
    check(m.from_ == "romeo@sip.test", "from %r", m.from_)
    check(m.type in (None, "normal"), "type %r", m.type)


def check_xmpp_to_sip_via_kamailio(b):
    """juliet answers romeo@sip.test; Kamailio delivers it to his contact."""
    marker = util.unique("reply")
    mid = b.d.juliet.send_message("romeo@sip.test", "It is my lady " + marker)
    req = b.d.ua.wait_for_request(lambda r: marker in r.text, 10,
                                  method="MESSAGE")
    check(req is not None, "romeo's UA got nothing; kamailio log:\n%s",
          util.tail(b.k.log_path))
    # Kamailio rewrote the Request-URI to the registered contact.
    check(uri_of(req.uri).startswith("sip:romeo@127.0.0.1:%d" % b.d.ua.port),
          "Request-URI %r", req.uri)
    frm = uri_of(req.get("from", ""))
    check(frm.split(";")[0] == "sip:juliet@xmpp.test", "From %r",
          req.get("from"))
    check(uri_param(frm, "gr") == "balcony", "From %r", req.get("from"))
    check(len(req.get_all("via")) >= 2, "not proxied? Via %r",
          req.get_all("via"))
    errs = b.d.juliet.wait_quiet(1.0, lambda m: m.is_error and m.id == mid)
    check(not errs, "error came back: %r", errs)


def check_unregistered_user(b):
    """juliet -> nobody@sip.test: Kamailio 404 -> item-not-found."""
    mid = b.d.juliet.send_message("nobody@sip.test", util.unique("nobody"))
    e = b.d.juliet.wait_for_message(10, lambda m: m.is_error and
                                    m.id == mid)
    check(e is not None, "no error stanza")
    check(e.error_condition == "item-not-found", "condition %r; %s",
          e.error_condition, e.xml)


def check_tcp_to_kamailio(b):
    """romeo talks TCP to Kamailio; Kamailio relays over UDP."""
    marker = util.unique("ktcp")
    r = b.d.ua.send_message(JULIET, body=marker,
                            from_uri="sip:romeo@sip.test", target=b.k.addr,
                            transport="tcp", timeout=15)
    check(r is not None and r.status == 200, "got %r", r)
    check(b.d.juliet.wait_for_message(5, lambda m: m.body == marker),
          "not delivered")


def check_sipsak_via_kamailio(b):
    """sipsak sends a MESSAGE for juliet@xmpp.test to Kamailio."""
    marker = util.unique("sipsakk")
    body = "from sipsak " + marker
    path = os.path.join(b.d.dir, "sipsak.sip")
    with open(path, "w") as f:
        f.write("MESSAGE sip:juliet@xmpp.test SIP/2.0\n"
                "From: <sip:romeo@sip.test>;tag=ss%d\n"
                "To: <sip:juliet@xmpp.test>\n"
                "Call-ID: %s@127.0.0.1\n"
                "CSeq: 1 MESSAGE\n"
                "Max-Forwards: 70\n"
                "Content-Type: text/plain\n"
                "Content-Length: %d\n\n%s" % (os.getpid(), marker,
                                              len(body), body))
    r = subprocess.run(["sipsak", "-vv", "-f", path, "-s",
                        "sip:juliet@127.0.0.1:%d" % b.k_port],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "SIP/2.0 200" in r.stdout,
          "sipsak exit %d:\n%s%s", r.returncode, r.stdout[-2000:], r.stderr)
    m = b.d.juliet.wait_for_message(5, lambda m: m.body == body)
    check(m is not None, "not delivered")


def check_clean_shutdown(b):
    """SIGTERM: gateway exits 0 with no sanitizer report."""
    b.stop()


def main():
    t = util.TestRunner("message_kamailio")
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    for f in (check_register, check_sip_to_xmpp_via_kamailio,
              check_xmpp_to_sip_via_kamailio, check_unregistered_user,
              check_tcp_to_kamailio, check_sipsak_via_kamailio):
        t.run(f, b)
    t.run(check_clean_shutdown, b)
    t.finish()


if __name__ == "__main__":
    main()
