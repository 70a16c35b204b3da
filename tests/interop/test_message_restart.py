#!/usr/bin/python3
"""Zero silent losses across an XMPP server restart.

romeo streams 200 MESSAGEs at ~50/s to juliet@xmpp.test; Prosody is
restarted in the middle. Every MESSAGE must get a final answer; every one
answered 200 must reach juliet (she reconnects; Prosody's offline storage
keeps what arrived while she was away). Messages answered with an error
may or may not have arrived; the sender knows, so nothing is lost silently.
"""

import concurrent.futures
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Deployment            # noqa: E402
from harness.util import check                    # noqa: E402

JULIET = "sip:juliet@xmpp.test"
COUNT = int(os.environ.get("SIPXMPP_RESTART_COUNT", "200"))
RATE = 50.0
RESTART_AT = COUNT // 4


class Stream:
    """The outcome of the message stream, for the checks."""

    def __init__(self):
        self.results = {}           # seq -> status (None: no answer)
        self.tag = util.unique("seq")
        self.restart_error = None
        self.restart_done = threading.Event()


def body_of(stream, i):
    return "%s-%04d" % (stream.tag, i)


def run_stream(d):
    """Send COUNT messages on schedule; restart Prosody at RESTART_AT."""
    s = Stream()
    t0 = time.monotonic() + 0.2

    def restart():
        try:
            d.prosody.restart()
        except Exception as e:
            s.restart_error = e
        finally:
            s.restart_done.set()

    def one(i):
        delay = t0 + i / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if i == RESTART_AT:
            threading.Thread(target=restart, daemon=True).start()
        r = d.ua.send_message(JULIET, body=body_of(s, i),
                              from_uri="sip:romeo@sip.test",
                              target=d.gateway.sip_addr, timeout=40)
        s.results[i] = r.status if r is not None else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=48) as pool:
        list(pool.map(one, range(COUNT)))
    s.restart_done.wait(30)
    return s


def delivered_seqs(d, s):
    """Sequence numbers juliet received (and how many duplicates)."""
    seen, dups = set(), 0
    prefix = s.tag + "-"
    for m in d.juliet.received(lambda m: m.body and
                               m.body.startswith(prefix)):
        i = int(m.body[len(prefix):])
        if i in seen:
            dups += 1
        seen.add(i)
    return seen, dups


def check_stream_across_restart(d):
    """The stream itself: every MESSAGE answered, every 200 delivered."""
    s = run_stream(d)
    check(s.restart_error is None, "Prosody restart failed: %r",
          s.restart_error)
    check(d.juliet.wait_session(30), "juliet did not reconnect")
    ok = sorted(i for i, st in s.results.items() if st == 200)
    err = sorted(i for i, st in s.results.items()
                 if st is not None and st != 200)
    silent = sorted(i for i, st in s.results.items() if st is None)
    # Give offline delivery time to catch up.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen, dups = delivered_seqs(d, s)
        if set(ok) <= seen:
            break
        time.sleep(0.2)
    seen, dups = delivered_seqs(d, s)
    lost = sorted(set(ok) - seen)
    by_status = {}
    for i in err:
        by_status[s.results[i]] = by_status.get(s.results[i], 0) + 1
    after = [i for i in ok if i > RESTART_AT]
    print("restart stream: %d sent, %d answered 200 (%d of them after the "
          "restart began), %d answered with an error %s, %d unanswered; "
          "%d delivered to juliet (%d duplicates, %d of them answered with "
          "an error); %d silently lost"
          % (COUNT, len(ok), len(after), len(err), by_status, len(silent),
             len(seen), dups, len(seen & set(err)), len(lost)), flush=True)
    check(not silent, "MESSAGEs without a final answer: %s", silent[:20])
    check(not lost, "answered 200 but never delivered: %s", lost[:20])
    check(len(ok) > 0, "nothing got through at all")
    for st in by_status:
        # Link down: 503 (+Retry-After); an XMPP error: per Table 2.
        check(300 <= st < 700, "odd status %s", st)


def check_recovered(d):
    """After the restart the link is up again and messages flow."""
    deadline = time.monotonic() + 30
    while True:
        marker = util.unique("after")
        r = d.ua.send_message(JULIET, body=marker,
                              from_uri="sip:romeo@sip.test",
                              target=d.gateway.sip_addr, timeout=15)
        if r is not None and r.status == 200:
            break
        check(time.monotonic() < deadline, "no 200 within 30 s of the "
              "restart; last answer %r", r)
        time.sleep(0.5)
    m = d.juliet.wait_for_message(10, lambda m: m.body == marker)
    check(m is not None, "post-restart message not delivered")


def check_clean_shutdown(d):
    """SIGTERM: exit 0, no sanitizer report."""
    d.stop()


def main():
    t = util.TestRunner("message_restart")
    d = Deployment("restart", gateway_options={
        "xmpp": {"reconnect_min_ms": "200", "reconnect_max_ms": "2000"}})
    try:
        d.start()
    except Exception:
        t.fail_setup("deployment start")
        t.finish()
    t.run(check_stream_across_restart, d)
    t.run(check_recovered, d)
    t.run(check_clean_shutdown, d)
    t.finish()


if __name__ == "__main__":
    main()
