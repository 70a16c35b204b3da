#!/usr/bin/python3
"""A SIP user watches a Jabber user's presence (RFC 8048 §5.3).

romeo's SIP UA SUBSCRIBEs to sip:juliet@xmpp.test through Kamailio, which
record-routes it to the gateway. The gateway answers 200 and NOTIFYs at
once (pending, no body; RFC 6665 §4.2.1.2), and asks juliet. When she
approves, NOTIFY active; then every presence of hers becomes a PIDF
NOTIFY (one tuple per resource, id ID-<resource>, basic, note from
<status> with xml:lang, embedded <show/>, priority scaled to 0..1, RPID
away/busy). Offline is basic closed; refresh, unsubscribe (terminated;
reason=timeout), fetch, rejection (terminated;reason=rejected) and the
423/489/481 refusals follow RFC 6665.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                                   # noqa: E402
from harness.presence import PresenceBed, is_from          # noqa: E402
from harness.sip_ua import header_param                    # noqa: E402
from harness.util import check                             # noqa: E402

JULIET = "sip:juliet@xmpp.test"
WAIT = 5.0


class State:
    """What the checks hand on to each other."""
    sub = None          # romeo's subscription to juliet
    sub2 = None         # his second one, after unsubscribing


def wait_notify(sub, pred, start, what, b, timeout=WAIT):
    n = sub.wait_notify(pred, timeout, start=start)
    check(n is not None, "no %s; NOTIFYs: %r\ngateway log:\n%s", what,
          sub.notifies[start:], util.tail(b.gateway.log_path, 30))
    return n


def with_tuple(tid, basic=None, pred=None):
    """Predicate: an active NOTIFY whose PIDF has tuple tid (with basic,
    and pred(tuple) if given)."""
    def f(n):
        if n.state != "active" or not n.body.strip():
            return False
        t = n.pidf.tuple(tid)
        if t is None or (basic is not None and t.basic != basic):
            return False
        return pred is None or pred(t)
    return f


def check_subscribe_pending(b, s):
    """SUBSCRIBE through Kamailio: 200 (Expires, To-tag, Contact), an
    immediate NOTIFY pending with no body, and juliet is asked."""
    mark = b.juliet.presence_mark()
    s.sub = b.romeo.subscribe(JULIET, expires=600)
    r = s.sub.response
    check(r is not None and r.status == 200, "SUBSCRIBE: %r", r)
    check(header_param(r.get("to", ""), "tag"), "no To-tag: %r",
          r.get("to"))
    check(r.get("contact"), "no Contact in the 200")
    granted = int(r.get("expires", "-1"))
    check(0 < granted <= 600, "Expires %r", r.get("expires"))
    n = wait_notify(s.sub, None, 0, "first NOTIFY", b)
    check(n.state == "pending", "first NOTIFY %r", n)
    check(n.expires is not None and 0 < n.expires <= granted,
          "expires %r", n.expires)
    check(not n.body.strip(), "pending NOTIFY has a body: %r", n.body)
    check(n.event and n.event.split(";")[0].strip() == "presence",
          "Event %r", n.event)
    check(len(n.msg.get_all("via")) >= 2, "NOTIFY not through Kamailio: %r",
          n.msg.get_all("via"))
    p = b.juliet.wait_presence(is_from("romeo@sip.test", "subscribe"), WAIT,
                               start=mark)
    check(p is not None, "juliet was not asked: %r",
          b.juliet.received_presences(start=mark))


def check_200_copies_record_route(b, s):
    """RFC 3261 §12.1.1: the gateway's 200 carries the Record-Route the
    SUBSCRIBE came with (the watcher takes its route set from the 2xx
    when that comes before the first NOTIFY)."""
    r = s.sub.response
    check(r.get_all("record-route"), "the 200 lacks Kamailio's "
          "Record-Route:\n%s", r.raw.decode("utf-8", "replace"))
    check(any("lr" in rr for rr in s.sub.route_set),
          "no route through Kamailio: %r", s.sub.route_set)


def check_approve_active(b, s):
    """juliet approves: NOTIFY active, then her presence as PIDF with one
    tuple ID-balcony, basic open."""
    mark = s.sub.mark()
    b.juliet.subscribed("romeo@sip.test")
    n = wait_notify(s.sub, lambda n: n.state == "active", mark,
                    "NOTIFY active", b)
    check(n.expires is not None and n.expires > 0, "expires %r", n.expires)
    n = wait_notify(s.sub, with_tuple("ID-balcony", "open"), mark,
                    "NOTIFY with juliet's PIDF", b)
    check(n.content_type and "application/pidf+xml" in n.content_type,
          "Content-Type %r", n.content_type)
    check(n.pidf.entity in ("sip:juliet@xmpp.test", "pres:juliet@xmpp.test"),
          "entity %r", n.pidf.entity)


def check_show_status_priority(b, s):
    """away + status (xml:lang en) + priority 5: note, embedded show,
    priority 5/127, RPID <away/>."""
    mark = s.sub.mark()
    b.juliet.send_presence(show="away", status="At the window",
                           priority=5, lang="en")
    n = wait_notify(s.sub, with_tuple("ID-balcony", "open",
                                      lambda t: t.note == "At the window"),
                    mark, "NOTIFY with the note", b)
    t = n.pidf.tuple("ID-balcony")
    check(t.show == "away", "embedded show %r:\n%s", t.show, n.body)
    check(t.note_lang == "en", "note xml:lang %r:\n%s", t.note_lang, n.body)
    check(t.priority is not None and abs(t.priority - 5 / 127) < 0.01,
          "priority %r:\n%s", t.priority, n.body)
    check("away" in n.pidf.activities, "RPID activities %r:\n%s",
          n.pidf.activities, n.body)


def check_dnd_is_busy(b, s):
    """dnd -> RPID <busy/>, show dnd; a negative priority is left out."""
    mark = s.sub.mark()
    b.juliet.send_presence(show="dnd", status="Do not disturb",
                           priority=-1)
    n = wait_notify(s.sub, with_tuple("ID-balcony", "open",
                                      lambda t: t.show == "dnd"),
                    mark, "NOTIFY dnd", b)
    check("busy" in n.pidf.activities, "activities %r", n.pidf.activities)
    t = n.pidf.tuple("ID-balcony")
    check(t.priority is None, "negative priority carried: %r", t.priority)
    check(t.note == "Do not disturb", "note %r", t.note)


def check_second_resource(b, s):
    """juliet logs in a second resource: two tuples; it leaves: its tuple
    goes closed or away while ID-balcony stays."""
    mark = s.sub.mark()
    garden = b.d.user("juliet", jid="juliet@xmpp.test/garden")
    n = wait_notify(s.sub, lambda n: with_tuple("ID-garden", "open")(n) and
                    n.pidf.tuple("ID-balcony") is not None, mark,
                    "NOTIFY with both resources", b)
    mark = s.sub.mark()
    garden.close()
    n = wait_notify(s.sub, lambda n: n.state == "active" and n.body.strip()
                    and n.pidf.basics.get("ID-garden") in (None, "closed"),
                    mark, "NOTIFY without garden", b)
    check(n.pidf.basics.get("ID-balcony") == "open", "balcony: %r",
          n.pidf.basics)


def check_offline_is_closed(b, s):
    """juliet goes unavailable: basic closed; she comes back: open."""
    mark = s.sub.mark()
    b.juliet.send_presence(type="unavailable")
    wait_notify(s.sub, lambda n: n.state == "active" and n.body.strip() and
                set(n.pidf.basics.values()) <= {"closed"}, mark,
                "NOTIFY closed", b)
    mark = s.sub.mark()
    b.juliet.send_presence(status="Back again")
    wait_notify(s.sub, with_tuple("ID-balcony", "open",
                                  lambda t: t.note == "Back again"),
                mark, "NOTIFY open again", b)


def check_refresh(b, s):
    """In-dialog refresh: 200, then a NOTIFY with the cached PIDF."""
    mark = s.sub.mark()
    r = s.sub.refresh(900)
    check(r is not None and r.status == 200, "refresh: %r", r)
    wait_notify(s.sub, with_tuple("ID-balcony", "open",
                                  lambda t: t.note == "Back again"),
                mark, "NOTIFY after refresh", b)


def check_423(b, s):
    """Expires below min_expires (60): 423 with Min-Expires."""
    ua = b.sip_user("benvolio")
    sub = ua.subscribe(JULIET, expires=5)
    r = sub.response
    check(r is not None and r.status == 423, "got %r", r)
    check(int(r.get("min-expires", "0")) >= 6, "Min-Expires %r",
          r.get("min-expires"))


def check_489(b, s):
    """An event package other than presence: 489 + Allow-Events."""
    ua = b.sip_user("balthasar")
    sub = ua.subscribe(JULIET, expires=600, event="dialog",
                       accept="application/dialog-info+xml")
    r = sub.response
    check(r is not None and r.status == 489, "got %r", r)
    check("presence" in (r.get("allow-events") or ""), "Allow-Events %r",
          r.get("allow-events"))


def check_481(b, s):
    """An in-dialog SUBSCRIBE for a dialog the gateway does not know."""
    ruri = (s.sub.remote_target if s.sub is not None else None) or JULIET
    r = b.romeo.send_request(
        "SUBSCRIBE", ruri,
        to_uri="<%s>;tag=no-such-dialog" % JULIET,
        headers=[("Event", "presence"), ("Expires", "600")],
        target=b.gateway.sip_addr)
    check(r is not None and r.status == 481, "got %r", r)


def check_fetch(b, s):
    """Out-of-dialog SUBSCRIBE Expires 0 (romeo is authorized): 200 and
    one NOTIFY terminated;reason=timeout with juliet's presence."""
    ua = b.romeo
    sub = ua.subscribe(JULIET, expires=0)
    check(sub.status == 200, "fetch: %r", sub.response)
    n = wait_notify(sub, None, 0, "fetch NOTIFY", b)
    check(n.state == "terminated" and n.reason == "timeout", "%r", n)
    check(n.body.strip() and n.pidf.basics.get("ID-balcony") == "open",
          "fetch body: %r", n.body)
    time.sleep(0.5)
    check(len(sub.notifies) == 1, "more NOTIFYs: %r", sub.notifies)


def check_unsubscribe(b, s):
    """Expires 0 in the dialog: 200, NOTIFY terminated;reason=timeout
    saying closed, and juliet gets unavailable from romeo@sip.test."""
    jmark = b.juliet.presence_mark()
    mark = s.sub.mark()
    r = s.sub.unsubscribe()
    check(r is not None and r.status == 200, "unsubscribe: %r", r)
    n = wait_notify(s.sub, lambda n: n.state == "terminated", mark,
                    "NOTIFY terminated", b)
    check(n.reason == "timeout", "reason %r", n.reason)
    if n.body.strip():
        check(set(n.pidf.basics.values()) <= {"closed"}, "body %r",
              n.body)
    p = b.juliet.wait_presence(is_from("romeo@sip.test", "unavailable"),
                               WAIT, start=jmark)
    check(p is not None, "juliet got %r",
          b.juliet.received_presences(start=jmark))


def check_resubscribe_remembered(b, s):
    """romeo subscribes again: juliet approved before, so the first
    NOTIFY is active at once, and she is not asked again."""
    jmark = b.juliet.presence_mark()
    sub = b.romeo.subscribe(JULIET, expires=600)
    check(sub.status == 200, "SUBSCRIBE: %r", sub.response)
    n = wait_notify(sub, None, 0, "first NOTIFY", b)
    check(n.state == "active", "first NOTIFY %r", n)
    asked = b.juliet.received_presences(
        is_from("romeo@sip.test", "subscribe"), jmark)
    check(not asked, "juliet asked again: %r", asked)
    s.sub2 = sub


def check_rejection(b, s):
    """mercutio subscribes, juliet refuses: NOTIFY terminated;
    reason=rejected without a body."""
    ua = b.sip_user("mercutio")
    jmark = b.juliet.presence_mark()
    sub = ua.subscribe(JULIET, expires=600)
    check(sub.status == 200, "SUBSCRIBE: %r", sub.response)
    wait_notify(sub, lambda n: n.state == "pending", 0, "pending", b)
    p = b.juliet.wait_presence(is_from("mercutio@sip.test", "subscribe"),
                               WAIT, start=jmark)
    check(p is not None, "juliet not asked")
    mark = sub.mark()
    b.juliet.unsubscribed("mercutio@sip.test")
    n = wait_notify(sub, lambda n: n.state == "terminated", mark,
                    "NOTIFY terminated", b)
    check(n.reason == "rejected", "reason %r", n.reason)
    check(not n.body.strip(), "body %r", n.body)


def check_revocation(b, s):
    """juliet cancels romeo's authorization: terminated;reason=rejected
    in his live dialog."""
    sub = s.sub2
    check(sub is not None, "no second subscription")
    mark = sub.mark()
    b.juliet.unsubscribed("romeo@sip.test")
    n = wait_notify(sub, lambda n: n.state == "terminated", mark,
                    "NOTIFY terminated", b)
    check(n.reason == "rejected", "reason %r", n.reason)


def check_cseq_order(b, s):
    """Every NOTIFY of a dialog had a higher CSeq than the one before."""
    for sub in (s.sub, s.sub2):
        if sub is not None:
            check(not sub.cseq_regressions, "CSeq went back: %r",
                  sub.cseq_regressions)


def main():
    t = util.TestRunner("presence_sip_watches_xmpp")
    b = PresenceBed("pres-s2x")
    try:
        b.start()
    except Exception:
        t.fail_setup("kamailio + deployment start")
        t.finish()
    s = State()
    if t.run(check_subscribe_pending, b, s):
        t.run(check_200_copies_record_route, b, s)
    if s.sub is not None and s.sub.status == 200 and \
            t.run(check_approve_active, b, s):
        for f in (check_show_status_priority, check_dnd_is_busy,
                  check_second_resource, check_offline_is_closed,
                  check_refresh, check_fetch, check_unsubscribe,
                  check_resubscribe_remembered, check_rejection,
                  check_revocation):
            t.run(f, b, s)
    for f in (check_423, check_489, check_481, check_cseq_order):
        t.run(f, b, s)
    try:
        b.stop()
    except Exception:
        t.fail_setup("clean stop")
    t.finish()


if __name__ == "__main__":
    main()
