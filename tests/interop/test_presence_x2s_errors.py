#!/usr/bin/python3
"""The gateway as a SIP subscriber facing refusals and odd notifiers
(RFC 8048 §5.2, RFC 6665, RFC 7247 Table 3).

No presence server here: the gateway's outbound proxy is a scripted SIP
UA that answers each SUBSCRIBE as the check wants (by the Request-URI's
user), or accepts it and NOTIFYs by hand. juliet@xmpp.test subscribes to
those SIP users and sees:
- 404 -> <presence type='error'> item-not-found; 480 -> recipient-
  unavailable;
- 403 / 489 / 603 -> 'unsubscribed' (authorization refused);
- 423 with Min-Expires -> the SUBSCRIBE is retried with a longer Expires;
- NOTIFY pending -> nothing; active with PIDF -> 'subscribed' + presence;
  an empty active NOTIFY -> nothing more;
- NOTIFY terminated;reason=rejected|noresource -> 'unsubscribed';
  deactivated / timeout;retry-after -> a new SUBSCRIBE, nothing to juliet;
- 481 to an in-dialog refresh (a probe) -> a new dialog;
- unsubscribe -> in-dialog SUBSCRIBE Expires 0.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.gateway import Deployment                     # noqa: E402
from harness.presence import (TEST_PRESENCE_OPTIONS,       # noqa: E402
                              is_from, pidf_away, pidf_open)
from harness.sip_ua import header_param, uri_of            # noqa: E402
from harness.util import check                             # noqa: E402

WAIT = 5.0


class Notifier:
    """How the scripted UA answers a new SUBSCRIBE, by Request-URI user:
    a status, or a list consumed one per SUBSCRIBE (last one sticks);
    200 accepts it as a ServerSubscription."""

    def __init__(self, ua):
        self.ua = ua
        self.plan = {}
        self.seen = []
        ua.subscribe_status = self.answer

    def answer(self, req):
        self.seen.append(req)
        user = uri_of(req.uri).split(":", 1)[-1].split("@")[0]
        plan = self.plan.get(user, 404)
        if isinstance(plan, list):
            return plan.pop(0) if len(plan) > 1 else plan[0]
        return plan

    def subscribes(self, user):
        """New (out-of-dialog) SUBSCRIBEs for user so far."""
        return [r for r in self.seen
                if uri_of(r.uri).startswith("sip:%s@" % user)]

    def wait_subscribes(self, user, count, timeout=WAIT):
        return util.wait_for(
            lambda: len(self.subscribes(user)) >= count and
            self.subscribes(user), timeout,
            what="%d SUBSCRIBEs for %s" % (count, user))

    def server_sub(self, user, index=0, timeout=WAIT):
        """The index-th accepted subscription for user."""
        def find():
            subs = [s for s in self.ua.server_subscriptions
                    if s.local_uri.startswith("sip:%s@" % user)]
            return subs[index] if len(subs) > index else None
        return util.wait_for(find, timeout,
                             what="accepted SUBSCRIBE #%d for %s"
                             % (index, user))


def wait_pres(d, pred, start, what, timeout=WAIT):
    p = d.juliet.wait_presence(pred, timeout, start=start)
    check(p is not None, "juliet got no %s; she got %r\ngateway log:\n%s",
          what, d.juliet.received_presences(start=start),
          util.tail(d.gateway.log_path, 30))
    return p


def subscribe(d, user):
    mark = d.juliet.presence_mark()
    d.juliet.subscribe("%s@sip.test" % user)
    return mark


def check_404_item_not_found(d, n):
    """404 -> presence error item-not-found; the SUBSCRIBE looked right."""
    n.plan["ghost"] = 404
    mark = subscribe(d, "ghost")
    p = wait_pres(d, is_from("ghost@sip.test", "error"), mark, "error")
    check(p.error_condition == "item-not-found", "condition %r: %s",
          p.error_condition, p.xml)
    req = n.subscribes("ghost")[0]
    check(uri_of(req.get("from", "")).split(";")[0] ==
          "sip:juliet@xmpp.test", "From %r", req.get("from"))
    check((req.get("event") or "").split(";")[0].strip() == "presence",
          "Event %r", req.get("event"))
    check("application/pidf+xml" in (req.get("accept") or ""),
          "Accept %r", req.get("accept"))
    check(req.get("expires") == "600", "Expires %r (subscribe_expires)",
          req.get("expires"))
    check(req.get("contact"), "no Contact")
    check(header_param(req.get("to", ""), "tag") is None, "To-tag in %r",
          req.get("to"))


def check_480_recipient_unavailable(d, n):
    """480 -> presence error recipient-unavailable."""
    n.plan["away"] = 480
    mark = subscribe(d, "away")
    p = wait_pres(d, is_from("away@sip.test", "error"), mark, "error")
    check(p.error_condition == "recipient-unavailable", "condition %r",
          p.error_condition)


def check_refusals_unsubscribed(d, n):
    """403, 489 and 603 -> 'unsubscribed' (authorization refused)."""
    for user, status in (("tybalt", 403), ("sampson", 489),
                         ("gregory", 603)):
        n.plan[user] = status
        mark = subscribe(d, user)
        wait_pres(d, is_from("%s@sip.test" % user, "unsubscribed"), mark,
                  "unsubscribed after %d" % status)
        errs = d.juliet.received_presences(
            is_from("%s@sip.test" % user, "error"), mark)
        check(not errs, "%d also gave an error: %r", status, errs)


def check_423_retried(d, n):
    """423 + Min-Expires 1800 -> SUBSCRIBE again with Expires >= 1800."""
    n.plan["paris"] = [(423, None, [("Min-Expires", "1800")]), 200]
    mark = subscribe(d, "paris")
    reqs = n.wait_subscribes("paris", 2)
    check(int(reqs[1].get("expires", "0")) >= 1800, "retry Expires %r",
          reqs[1].get("expires"))
    srv = n.server_sub("paris")
    r = srv.notify("active", pidf_open("sip:paris@sip.test", note="County",
                                       tuple_id="ID-hall"))
    check(r is not None and r.status == 200, "NOTIFY: %r", r)
    wait_pres(d, is_from("paris@sip.test", "subscribed"), mark,
              "subscribed")
    p = wait_pres(d, is_from("paris@sip.test/hall", None), mark,
                  "presence")
    check(p.status == "County", "status %r", p.status)


def check_pending_then_active(d, n):
    """pending -> nothing; active + PIDF -> 'subscribed' then presence;
    an empty active NOTIFY -> no presence."""
    n.plan["nurse"] = 200
    mark = subscribe(d, "nurse")
    srv = n.server_sub("nurse")
    r = srv.notify("pending")
    check(r is not None and r.status == 200, "NOTIFY pending: %r", r)
    time.sleep(1.0)
    got = d.juliet.received_presences(is_from("nurse@sip.test"), mark)
    check(not [p for p in got if p.type != "unavailable"],
          "pending leaked to XMPP: %r", got)
    r = srv.notify("active", pidf_away("sip:nurse@sip.test", note="Lady",
                                       tuple_id="ID-hall"))
    check(r is not None and r.status == 200, "NOTIFY active: %r", r)
    wait_pres(d, is_from("nurse@sip.test", "subscribed"), mark,
              "subscribed")
    p = wait_pres(d, is_from("nurse@sip.test/hall", None), mark, "presence")
    check(p.show == "away" and p.status == "Lady", "%r", p)
    mark = d.juliet.presence_mark()
    r = srv.notify("active")
    check(r is not None and r.status == 200, "empty NOTIFY: %r", r)
    time.sleep(1.0)
    got = d.juliet.received_presences(is_from("nurse@sip.test"), mark)
    check(not got, "empty NOTIFY became %r", got)


def check_terminated_rejected(d, n):
    """NOTIFY terminated;reason=rejected / noresource -> 'unsubscribed'."""
    for user, reason in (("peter", "rejected"), ("abram", "noresource")):
        n.plan[user] = 200
        mark = subscribe(d, user)
        srv = n.server_sub(user)
        srv.notify("active", pidf_open("sip:%s@sip.test" % user,
                                       tuple_id="ID-x"))
        wait_pres(d, is_from("%s@sip.test" % user, "subscribed"), mark,
                  "subscribed")
        mark = d.juliet.presence_mark()
        r = srv.notify("terminated", reason=reason)
        check(r is not None and r.status == 200, "NOTIFY: %r", r)
        wait_pres(d, is_from("%s@sip.test" % user, "unsubscribed"), mark,
                  "unsubscribed after %s" % reason)


def check_terminated_retry(d, n):
    """deactivated, and timeout;retry-after=1 -> a new SUBSCRIBE in a new
    dialog; juliet keeps her authorization (no 'unsubscribed')."""
    for user, reason, retry in (("lawrence", "deactivated", None),
                                ("john", "timeout", 1)):
        n.plan[user] = 200
        mark = subscribe(d, user)
        srv = n.server_sub(user)
        srv.notify("active", pidf_open("sip:%s@sip.test" % user,
                                       note="first", tuple_id="ID-x"))
        wait_pres(d, is_from("%s@sip.test" % user, None), mark, "presence")
        srv.notify("terminated", reason=reason, retry_after=retry)
        reqs = n.wait_subscribes(user, 2, timeout=6.0)
        check(reqs[1].get("call-id") != reqs[0].get("call-id"),
              "same Call-ID: not a new dialog")
        srv2 = n.server_sub(user, 1)
        srv2.notify("active", pidf_open("sip:%s@sip.test" % user,
                                        note="second", tuple_id="ID-x"))
        wait_pres(d, lambda p: is_from("%s@sip.test" % user, None)(p) and
                  p.status == "second", mark, "presence from the new dialog")
        lost = d.juliet.received_presences(
            is_from("%s@sip.test" % user, "unsubscribed"), mark)
        check(not lost, "%s: authorization dropped: %r", reason, lost)


def check_481_on_refresh(d, n):
    """juliet probes nurse (authorized): the gateway refreshes in-dialog;
    481 -> it opens a new dialog and juliet still gets presence."""
    srv = n.server_sub("nurse")
    srv.refresh_status = 481
    before = len(n.subscribes("nurse"))
    mark = d.juliet.presence_mark()
    d.juliet.probe("nurse@sip.test")
    req = srv.wait_subscribe(timeout=WAIT)
    check(req is not None, "no in-dialog refresh after the probe")
    n.wait_subscribes("nurse", before + 1)
    srv2 = n.server_sub("nurse", 1)
    srv2.notify("active", pidf_open("sip:nurse@sip.test", note="Anew",
                                    tuple_id="ID-hall"))
    wait_pres(d, lambda p: is_from("nurse@sip.test", None)(p) and
              p.status == "Anew", mark, "presence from the new dialog")


def check_unsubscribe_in_dialog(d, n):
    """juliet unsubscribes from paris: in-dialog SUBSCRIBE Expires 0 (the
    'unsubscribed' the gateway then sends is dropped by Prosody, her side
    being gone already, RFC 6121 §3.2.3); her roster has no 'to' left."""
    srv = n.server_sub("paris")
    start = len(srv.requests)
    d.juliet.unsubscribe("paris@sip.test")
    req = srv.wait_subscribe(lambda r: r.get("expires") == "0",
                             timeout=WAIT, start=start)
    check(req is not None, "no SUBSCRIBE Expires 0 in the dialog: %r",
          srv.requests[start:])
    check(header_param(req.get("to", ""), "tag") == srv.local_tag,
          "not in the dialog: To %r", req.get("to"))
    check(req.get("call-id") == srv.call_id, "Call-ID %r",
          req.get("call-id"))
    srv.notify("terminated", reason="timeout")
    roster = d.juliet.roster()
    check(roster.get("paris@sip.test", ("none",))[0] in ("none", "from"),
          "roster %r", roster)


def main():
    t = util.TestRunner("presence_x2s_errors")
    d = Deployment("pres-x2s-err", gateway_options={
        "presence": dict(TEST_PRESENCE_OPTIONS)})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    n = Notifier(d.ua)
    for f in (check_404_item_not_found, check_480_recipient_unavailable,
              check_refusals_unsubscribed, check_423_retried,
              check_pending_then_active, check_terminated_rejected,
              check_terminated_retry, check_481_on_refresh,
              check_unsubscribe_in_dialog):
        t.run(f, d, n)
    try:
        d.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
