#!/usr/bin/python3
"""Health for dispatchers (issue 12 item 4): OPTIONS follow the XMPP link.

A proxy in front of gateways sends traffic only to one whose OPTIONS get
200. Kamailio's dispatcher module probes the gateway with OPTIONS every
second (ds_probing_mode=1) and routes the XMPP domain xmpp.test to it with
ds_select_dst; its dst-down and dst-up event routes log what it decided.
A scripted UA also asks the gateway directly. The checks:

- link up: OPTIONS 200 (with Allow); a MESSAGE through the dispatcher
  reaches juliet;
- Prosody stops: OPTIONS 503 with Retry-After ([message] retry_after_s),
  logged once however many probes come; the dispatcher takes the gateway
  out (dst-down) and answers a MESSAGE itself ("No gateway up");
- Prosody returns: OPTIONS 200 again, the dispatcher puts the gateway back
  (dst-up) and a MESSAGE through it reaches juliet again;
- [sip] options_answer = always: 200 with no XMPP server at all, where the
  default answers 503.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment, Gateway   # noqa: E402
from harness.kamailio import Kamailio             # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
RETRY_AFTER = 7

# XMPP-domain requests go to a gateway the dispatcher holds up, or get
# Kamailio's own 503 (its reason tells it from the gateway's 503).
DISPATCH = r"""
	if ($rd == "xmpp.test") {
		if (!ds_select_dst("1", "4")) {
			xlog("L_NOTICE", "DISPATCH $rm $ru: no gateway up\n");
			sl_send_reply("503", "No gateway up");
			exit;
		}
		xlog("L_INFO", "DISPATCH $rm $ru -> $du\n");
		if (!t_relay()) {
			sl_reply_error();
		}
		exit;
	}
"""

EVENTS = r"""
event_route[dispatcher:dst-down] {
	xlog("L_NOTICE", "DISPATCHER DST-DOWN $ru\n");
}

event_route[dispatcher:dst-up] {
	xlog("L_NOTICE", "DISPATCHER DST-UP $ru\n");
}
"""


class Bed:
    """Kamailio with dispatcher in front of the usual deployment."""

    def __init__(self):
        self.k_port = util.free_port()
        self.gw_port = util.free_port()
        self.d = Deployment(
            "health", outbound_proxy=("127.0.0.1", self.k_port, "udp"),
            sip_port=self.gw_port,
            gateway_options={
                "message": {"retry_after_s": str(RETRY_AFTER)},
                # Back within a second of Prosody's return.
                "xmpp": {"reconnect_min_ms": "100",
                         "reconnect_max_ms": "500"},
            })
        kdir = os.path.join(self.d.dir, "kamailio")
        self.k = Kamailio(kdir, domain="sip.test", port=self.k_port)
        os.makedirs(kdir, exist_ok=True)
        self.gw_uri = "sip:127.0.0.1:%d" % self.gw_port
        ds_list = os.path.join(kdir, "dispatcher.list")
        with open(ds_list, "w") as f:
            f.write("1 %s 0 0\n" % self.gw_uri)
        self.k.add_module("dispatcher")
        for name, value in (("list_file", ds_list),
                            ("ds_ping_interval", 1),
                            ("ds_probing_mode", 1),
                            ("ds_probing_threshold", 1),
                            ("ds_inactive_threshold", 1),
                            ("ds_ping_from", "sip:dispatcher@sip.test")):
            self.k.add_modparam("dispatcher", name, value)
        self.k.pre_route = DISPATCH
        self.k.extra_routes = EVENTS

    def start(self):
        # The gateway first: probes of a gateway not yet up would take it
        # out before the checks begin.
        self.d.start()
        self.k.start()
        return self

    def stop(self):
        try:
            self.d.stop()
        finally:
            self.k.stop()

    def options(self):
        """The gateway's answer to an OPTIONS from the test UA."""
        r = self.d.ua.send_request("OPTIONS", self.gw_uri,
                                   target=self.d.gateway.sip_addr,
                                   timeout=5)
        check(r is not None, "no answer to OPTIONS")
        return r

    def k_mark(self):
        return util.log_size(self.k.log_path)

    def wait_k_log(self, regex, start, timeout=10.0):
        return util.wait_for_log_line(self.k.log_path, regex, timeout,
                                      start=start, proc=self.k.proc)

    def message_via_kamailio(self, marker):
        """romeo -> Kamailio (dispatcher) -> ...; the final answer."""
        return self.d.ua.send_message(JULIET, body="health " + marker,
                                      from_uri="sip:romeo@sip.test",
                                      target=self.k.addr, timeout=15)

    def delivered(self):
        """A MESSAGE through the dispatcher reaches juliet."""
        marker = util.unique("ds")
        r = self.message_via_kamailio(marker)
        check(r is not None and r.status == 200, "MESSAGE via dispatcher: "
              "%r", r)
        m = self.d.juliet.wait_for_message(
            5, lambda m: m.body and marker in m.body)
        check(m is not None, "juliet got nothing")


def check_up(b):
    """Link up: 200 with Allow; the dispatcher sends traffic through."""
    r = b.options()
    check(r.status == 200, "OPTIONS: %d %s", r.status, r.reason)
    check("MESSAGE" in (r.get("allow") or ""), "Allow: %r", r.get("allow"))
    check(r.get("retry-after") is None, "Retry-After on a 200")
    b.delivered()
    # A few probe rounds (ds_ping_interval 1 s) without the gateway going
    # out.
    time.sleep(2.5)
    text = util.read_text(b.k.log_path)
    check("DST-DOWN" not in text, "dispatcher took the gateway out:\n%s",
          text)


def check_link_down(b):
    """Prosody stops: 503 + Retry-After, logged once; dispatcher: out."""
    gmark = b.d.gateway.log_mark()
    kmark = b.k_mark()
    b.d.prosody.stop()
    b.d.gateway.wait_link_down(start=gmark)
    for _ in range(3):
        r = b.options()
        check(r.status == 503, "OPTIONS with the link down: %d %s",
              r.status, r.reason)
        check(r.get("retry-after") == str(RETRY_AFTER), "Retry-After: %r",
              r.get("retry-after"))
    b.wait_k_log(r"DISPATCHER DST-DOWN sip:127\.0\.0\.1:%d" % b.gw_port,
                 kmark)
    r = b.message_via_kamailio(util.unique("down"))
    check(r is not None and r.status == 503 and r.reason == "No gateway up",
          "MESSAGE with the gateway out: %r", r)
    log = b.d.gateway.log_text(gmark)
    n = len(re.findall(r"health: OPTIONS answered 503 \(Retry-After %d\)"
                       % RETRY_AFTER, log))
    check(n == 1, "%d health lines for 3+ refused OPTIONS:\n%s", n, log)


def check_link_back(b):
    """Prosody returns: 200 again, the dispatcher puts the gateway back."""
    gmark = b.d.gateway.log_mark()
    kmark = b.k_mark()
    b.d.prosody.start()
    b.d.gateway.wait_link_up(start=gmark)
    r = b.options()
    check(r.status == 200, "OPTIONS with the link back: %d %s", r.status,
          r.reason)
    b.d.gateway.wait_log(r"health: OPTIONS answered 200 again", start=gmark)
    b.wait_k_log(r"DISPATCHER DST-UP sip:127\.0\.0\.1:%d" % b.gw_port,
                 kmark)
    # Prosody's restart ended juliet's session.
    b.d.juliet = b.d.user("juliet", jid="juliet@xmpp.test/balcony")
    b.delivered()


def check_options_always(b):
    """options_answer = always: 200 with no XMPP server; default: 503."""
    dead = util.free_port()    # nothing listens there
    for answer, want in (("always", 200), (None, 503)):
        gw = Gateway(os.path.join(b.d.dir, "gw-%s" % answer), dead,
                     options={"sip": {"options_answer": answer}})
        gw.start(wait_link=False)
        try:
            r = b.d.ua.send_request("OPTIONS", "sip:127.0.0.1:%d"
                                    % gw.sip_port, target=gw.sip_addr,
                                    timeout=5)
            check(r is not None and r.status == want,
                  "options_answer=%s: %r", answer, r)
        finally:
            gw.stop()


def check_clean_shutdown(b):
    """SIGTERM: gateway exits 0 with no sanitizer report."""
    b.stop()


def main():
    t = util.TestRunner("health")
    b = Bed()
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    for f in (check_up, check_link_down, check_link_back,
              check_options_always):
        t.run(f, b)
    t.run(check_clean_shutdown, b)
    t.finish()


if __name__ == "__main__":
    main()
