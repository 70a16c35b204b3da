"""Presence dialogs of the scripted SIP user agent (RFC 3856, RFC 3903,
RFC 6665): PresenceUA, the half of SipUA that publishes, subscribes and
answers SUBSCRIBE and NOTIFY; Subscription, a watcher's dialog;
ServerSubscription, a notifier's dialog the test NOTIFYs from.

harness.sip_ua re-exports every name, so tests import from there.
"""

import random
import threading
import time

from .sip_message import (_split_commas, _token, _uri_target,
                          header_param, uri_of, uri_param)


class PresenceUA:
    """The presence methods of SipUA, which inherits them; they use its
    sockets, locks and transactions (send_request, send_built,
    respond)."""

    def publish(self, pidf_text, expires=3600, etag=None, target=None,
                aor=None, transport="udp", content_length=True,
                headers=None, timeout=10.0):
        """PUBLISH presence (RFC 3903 §4) for aor (default self.uri) and
        return the final response (None on timeout).

        pidf_text: the PIDF body, or None/'' for a refresh or removal
        (then etag is needed). content_length=False leaves the header out
        (some UAs do over UDP). A 2xx's SIP-ETag is kept in self.etag.
        """
        aor = aor or self.uri
        extra = [("Event", "presence"), ("Expires", str(expires))]
        if etag:
            extra.append(("SIP-If-Match", etag))
        if not content_length:
            extra.append(("Content-Length", None))
        extra += list(headers or [])
        body = pidf_text or b""
        resp = self.send_request(
            "PUBLISH", aor, from_uri=aor, to_uri=aor, body=body,
            content_type="application/pidf+xml" if body else None,
            headers=extra, transport=transport,
            target=target or self.proxy, timeout=timeout)
        if resp is not None and 200 <= resp.status < 300:
            self.etag = resp.get("sip-etag")
        return resp

    def unpublish(self, etag=None, target=None, content_length=True,
                  timeout=10.0):
        """Remove our published state (RFC 3903 §4.5: Expires 0)."""
        return self.publish(None, expires=0, etag=etag or self.etag,
                            target=target, content_length=content_length,
                            timeout=timeout)

    def subscribe(self, target_uri, expires=600, target=None,
                  from_uri=None, event="presence",
                  accept="application/pidf+xml", transport="udp",
                  headers=None, timeout=10.0, on_notify=None):
        """SUBSCRIBE to target_uri through target (default self.proxy) and
        return a Subscription; its .response is the final answer (None on
        timeout). NOTIFYs of the dialog are answered and recorded, and
        passed to on_notify(sub, Notify) if given (set before sending:
        the first NOTIFY may overtake the 200)."""
        sub = Subscription(self, target_uri, from_uri or self.uri, event,
                           accept, transport,
                           target or self.proxy or _uri_target(target_uri))
        sub.on_notify = on_notify
        with self._cond:
            self.subscriptions.append(sub)
        sub._initial(expires, headers, timeout)
        return sub

    def wait_server_subscription(self, predicate=None, timeout=10.0):
        """A ServerSubscription accepted (subscribe_status 200) matching
        predicate, also one accepted before the call; None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for s in self.server_subscriptions:
                    if predicate is None or predicate(s):
                        return s
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def _presence_request(self, req, retrans=False):
        """Dispatch NOTIFY/SUBSCRIBE of presence dialogs; True if taken.
        A retransmission is answered again, not recorded again."""
        call_id = req.get("call-id", "")
        to_tag = header_param(req.get("to", ""), "tag")
        from_tag = header_param(req.get("from", ""), "tag")
        with self._cond:
            subs = list(self.subscriptions)
            srvs = list(self.server_subscriptions)
        if req.method == "NOTIFY":
            for sub in subs:
                if sub.call_id == call_id and sub.local_tag == to_tag:
                    if retrans:
                        with self._cond:
                            sub.retransmissions += 1
                        self.respond(req, sub.notify_status,
                                     sub.notify_reason)
                    else:
                        sub._on_notify(req)
                    return True
            if self.responder is None:
                # RFC 6665 §4.1.3: no such subscription.
                self.respond(req, 481)
                return True
            return False
        if to_tag is not None:
            for srv in srvs:
                if srv.call_id == call_id and srv.local_tag == to_tag:
                    if retrans:
                        srv._answer(req, srv.refresh_status)
                    else:
                        srv._on_subscribe(req)
                    return True
            return False
        if retrans:
            for srv in srvs:
                if srv.call_id == call_id and srv.remote_tag == from_tag:
                    srv._answer(req, 200)
                    return True
        key = (call_id, from_tag, req.get("cseq", ""))
        answer = self.subscribe_status
        if retrans and key in self._subscribe_answers:
            answer = self._subscribe_answers[key]
        elif callable(answer):
            answer = answer(req)
        self._subscribe_answers[key] = answer
        if answer is None:
            return False
        status, reason, extra = self.subscribe_reason, None, \
            list(self.subscribe_headers)
        if isinstance(answer, tuple):
            status = answer[0]
            reason = answer[1] if len(answer) > 1 else None
            extra = list(answer[2]) if len(answer) > 2 else []
        else:
            status, reason = answer, self.subscribe_reason
        if status >= 300 or status < 200:
            self.respond(req, status, reason, extra)
            return True
        srv = ServerSubscription(self, req)
        with self._cond:
            self.server_subscriptions.append(srv)
            self._cond.notify_all()
        srv._accept(req)
        if self.on_subscription is not None:
            self._spawn(self.on_subscription, srv)
        return True

    def _dialog_send(self, data, branch, transport, route_set, remote_target,
                     target, timeout):
        """Send an in-dialog request to its first hop: the first Route
        (loose routing, RFC 3261 §12.2.1.1), else the remote target."""
        hop = target
        if hop is None:
            first = uri_of(route_set[0]) if route_set else remote_target
            hop = _uri_target(first)
            tp = uri_param(first, "transport")
            if tp:
                transport = tp.lower()
        return self.send_built(data, branch, transport, hop, timeout)


def subscription_state(value):
    """(state, {param: value}) of a Subscription-State header (RFC 6665
    §8.2.3), state lowercased; (None, {}) when absent."""
    if not value:
        return None, {}
    parts = [p.strip() for p in value.split(";")]
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip()
    return parts[0].lower(), params


class Notify:
    """One NOTIFY a watcher received, reduced to what tests check."""

    def __init__(self, msg):
        self.msg = msg
        self.state, self.params = subscription_state(
            msg.get("subscription-state"))
        self.reason = self.params.get("reason")
        self.expires = _int_or_none(self.params.get("expires"))
        self.retry_after = _int_or_none(self.params.get("retry-after"))
        self.event = msg.get("event")
        self.content_type = msg.get("content-type")
        self.body = msg.text
        cseq = msg.get("cseq", "").split()
        self.cseq = int(cseq[0]) if cseq and cseq[0].isdigit() else None
        self.received_at = msg.received_at
        self._pidf = False

    @property
    def pidf(self):
        """The parsed PIDF body (harness.presence.Pidf), None if empty."""
        if self._pidf is False:
            from .presence import parse_pidf
            self._pidf = parse_pidf(self.body)
        return self._pidf

    def __repr__(self):
        return "<NOTIFY %s reason=%s expires=%s cseq=%s body=%d bytes>" % (
            self.state, self.reason, self.expires, self.cseq,
            len(self.body))


def _int_or_none(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


class Subscription:
    """A watcher's subscription dialog (RFC 6665 §4.1): made by
    SipUA.subscribe(). Every NOTIFY of the dialog is recorded (in
    .notifies, in arrival order) and answered with notify_status (200).
    The dialog comes from the 2xx or from the first NOTIFY, whichever is
    first (§4.1.2.4); later NOTIFYs' Contact refreshes the remote target.
    """

    def __init__(self, ua, target_uri, from_uri, event, accept, transport,
                 first_hop):
        self.ua = ua
        self.target_uri = target_uri
        self.from_uri = from_uri
        self.event = event
        self.accept = accept
        self.transport = transport
        self.first_hop = first_hop
        self.call_id = "%s@%s" % (_token(16), ua.host)
        self.local_tag = _token(8)
        self.remote_tag = None
        self.route_set = []            # Route values, in request order
        self.remote_target = None
        ua._cseq += 1
        self.local_cseq = ua._cseq
        self.remote_cseq = None
        self.response = None           # final answer to the first request
        self.responses = []            # final answers to every SUBSCRIBE
        self.notifies = []
        self.notify_status = 200
        self.notify_drop = 0           # leave this many NOTIFYs unanswered
        self.retransmissions = 0       # NOTIFY retransmissions seen
        self.notify_reason = None
        self.on_notify = None          # f(sub, Notify) after answering
        self.cseq_regressions = []     # NOTIFY CSeqs that went backwards
        self._cond = threading.Condition()

    @property
    def status(self):
        """Status of the initial SUBSCRIBE's final response (or None)."""
        return self.response.status if self.response is not None else None

    @property
    def state(self):
        """Subscription-State of the last NOTIFY (None before one)."""
        with self._cond:
            return self.notifies[-1].state if self.notifies else None

    @property
    def last(self):
        """The last NOTIFY, or None."""
        with self._cond:
            return self.notifies[-1] if self.notifies else None

    def mark(self):
        """How many NOTIFYs so far: pass as start= to wait_notify()."""
        with self._cond:
            return len(self.notifies)

    def _initial(self, expires, headers, timeout):
        extra = [("Event", self.event), ("Expires", str(expires))]
        if self.accept:
            extra.append(("Accept", self.accept))
        extra += list(headers or [])
        data, branch = self.ua.build_request(
            "SUBSCRIBE", self.target_uri, self.from_uri, self.target_uri,
            headers=extra, transport=self.transport, call_id=self.call_id,
            cseq=self.local_cseq, from_tag=self.local_tag)
        resp = self.ua.send_built(data, branch, self.transport,
                                  self.first_hop, timeout)
        self.response = resp
        self._on_response(resp)
        return resp

    def _on_response(self, resp):
        if resp is None:
            return
        with self._cond:
            self.responses.append(resp)
            tag = header_param(resp.get("to", ""), "tag")
            if 200 <= resp.status < 300 and (
                    self.remote_tag is None or
                    (self.remote_tag == tag and not self.route_set)):
                # RFC 3261 §12.1.2: route set = Record-Route reversed.
                # Also when a NOTIFY that overtook the 2xx made the
                # dialog but carried no Record-Route (not every proxy
                # record-routes NOTIFYs).
                self.remote_tag = tag
                rr = []
                for v in resp.get_all("record-route"):
                    rr += _split_commas(v)
                self.route_set = list(reversed(rr))
                if resp.get("contact") and self.remote_target is None:
                    self.remote_target = uri_of(resp.get("contact"))
            self._cond.notify_all()

    def _on_notify(self, req):
        n = Notify(req)
        with self._cond:
            if self.remote_tag is None:
                # RFC 6665 §4.1.2.4: a NOTIFY may create the dialog; as
                # its UAS our route set is its Record-Route, in order.
                self.remote_tag = header_param(req.get("from", ""), "tag")
                rr = []
                for v in req.get_all("record-route"):
                    rr += _split_commas(v)
                self.route_set = rr
            if req.get("contact"):
                self.remote_target = uri_of(req.get("contact"))
            if n.cseq is not None:
                if self.remote_cseq is not None and n.cseq <= \
                        self.remote_cseq:
                    self.cseq_regressions.append(n.cseq)
                self.remote_cseq = n.cseq
            self.notifies.append(n)
            self._cond.notify_all()
        with self._cond:
            drop = self.notify_drop > 0
            if drop:
                self.notify_drop -= 1
        if not drop:    # unanswered, the notifier retransmits (Timer E)
            self.ua.respond(req, self.notify_status, self.notify_reason)
        if self.on_notify is not None:
            self.on_notify(self, n)

    def wait_notify(self, predicate=None, timeout=10.0, start=0):
        """The first NOTIFY from index start matching predicate(Notify),
        or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for n in self.notifies[start:]:
                    if predicate is None or predicate(n):
                        return n
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def wait_state(self, state, timeout=10.0, start=0, reason=None):
        """wait_notify() for a Subscription-State (and reason)."""
        return self.wait_notify(
            lambda n: n.state == state and (reason is None or
                                            n.reason == reason),
            timeout, start)

    def request(self, method, headers=None, body=b"", content_type=None,
                target=None, timeout=10.0, cseq=None):
        """Send an in-dialog request (RFC 3261 §12.2.1.1); final response
        or None. target overrides the first hop."""
        with self._cond:
            if cseq is None:
                self.local_cseq += 1
                cseq = self.local_cseq
            route_set = list(self.route_set)
            remote_target = self.remote_target or self.target_uri
            remote_tag = self.remote_tag
        to = "<%s>" % self.target_uri
        if remote_tag:
            to += ";tag=%s" % remote_tag
        extra = [("To", to)]
        extra += [("Route", r) for r in route_set]
        extra += list(headers or [])
        data, branch = self.ua.build_request(
            method, remote_target, self.from_uri, self.target_uri, body,
            content_type, extra, self.transport, self.call_id, cseq,
            self.local_tag)
        return self.ua._dialog_send(data, branch, self.transport, route_set,
                                    remote_target, target, timeout)

    def refresh(self, expires=600, headers=None, target=None, timeout=10.0):
        """In-dialog SUBSCRIBE (RFC 6665 §4.1.2.1); the final response."""
        extra = [("Event", self.event), ("Expires", str(expires))]
        if self.accept:
            extra.append(("Accept", self.accept))
        extra += list(headers or [])
        resp = self.request("SUBSCRIBE", extra, target=target,
                            timeout=timeout)
        self._on_response(resp)
        return resp

    def unsubscribe(self, target=None, timeout=10.0):
        """SUBSCRIBE with Expires: 0 (RFC 6665 §4.1.2.3)."""
        return self.refresh(0, target=target, timeout=timeout)

    def forget(self):
        """Stop answering this dialog's NOTIFYs (they get 481 from then
        on, as from a UA that lost the subscription)."""
        with self.ua._cond:
            if self in self.ua.subscriptions:
                self.ua.subscriptions.remove(self)

    def __repr__(self):
        return "<Subscription %s -> %s %s, %d NOTIFYs>" % (
            self.from_uri, self.target_uri, self.status, len(self.notifies))


class ServerSubscription:
    """A subscription the UA accepted as a notifier (subscribe_status 200):
    the test sends NOTIFYs with notify(). In-dialog SUBSCRIBEs (refresh,
    Expires: 0) are recorded in .requests and answered 200 (or
    refresh_status)."""

    def __init__(self, ua, req):
        self.ua = ua
        self.request_msg = req
        self.call_id = req.get("call-id", "")
        self.local_tag = _token(8)
        self.remote_tag = header_param(req.get("from", ""), "tag")
        self.local_uri = uri_of(req.get("to", ""))
        self.remote_uri = uri_of(req.get("from", ""))
        self.event = (req.get("event") or "presence").split(";")[0].strip()
        self.remote_target = uri_of(req.get("contact", "")) or \
            self.remote_uri
        rr = []
        for v in req.get_all("record-route"):
            rr += _split_commas(v)
        self.record_route = rr
        self.route_set = list(rr)      # UAS: in order (RFC 3261 §12.1.1)
        self.transport = req.transport or "udp"
        self.expires = self._granted(req)
        self.local_cseq = random.randint(1, 1000)
        self.requests = [req]          # SUBSCRIBEs of this dialog
        self.refresh_status = 200
        self.on_request = None         # f(srv, req) after answering one
        self._cond = threading.Condition()

    def _granted(self, req):
        try:
            want = int(req.get("expires", "3600"))
        except ValueError:
            want = 3600
        return min(want, self.ua.subscribe_expires)

    def _answer(self, req, status):
        extra = [("Record-Route", v) for v in self.record_route]
        extra.append(("Contact", "<%s>" % self.ua.contact))
        if 200 <= status < 300:
            extra.append(("Expires", str(self._granted(req))))
        to = req.get("to", "")
        if header_param(to, "tag") is None:
            # respond() would invent a tag; ours names the dialog.
            req.headers = [(n, v + ";tag=%s" % self.local_tag)
                           if n == "to" else (n, v) for n, v in req.headers]
        self.ua.respond(req, status, None, extra)

    def _accept(self, req):
        self._answer(req, 200)

    def _on_subscribe(self, req):
        with self._cond:
            self.requests.append(req)
            self._cond.notify_all()
        if self.refresh_status == 200:
            self.expires = self._granted(req)
        self._answer(req, self.refresh_status)
        if self.on_request is not None:
            self.on_request(self, req)

    def wait_subscribe(self, predicate=None, timeout=10.0, start=1):
        """An in-dialog SUBSCRIBE (index >= start) matching predicate."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.requests[start:]:
                    if predicate is None or predicate(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def notify(self, state="active", body=None, reason=None, expires=None,
               retry_after=None, content_type="application/pidf+xml",
               headers=None, target=None, timeout=10.0):
        """Send a NOTIFY in this dialog (RFC 6665 §4.2.2); final response.

        state: 'active', 'pending' or 'terminated'; expires defaults to
        what was granted (left out for terminated)."""
        sub_state = state
        if state != "terminated":
            sub_state += ";expires=%d" % (self.expires if expires is None
                                          else expires)
        if reason:
            sub_state += ";reason=%s" % reason
        if retry_after is not None:
            sub_state += ";retry-after=%d" % retry_after
        with self._cond:
            self.local_cseq += 1
            cseq = self.local_cseq
        extra = [("From", "<%s>;tag=%s" % (self.local_uri, self.local_tag)),
                 ("To", "<%s>;tag=%s" % (self.remote_uri, self.remote_tag)),
                 ("Event", self.event),
                 ("Subscription-State", sub_state),
                 ("Contact", "<%s>" % self.ua.contact)]
        extra += [("Route", r) for r in self.route_set]
        extra += list(headers or [])
        body = body or b""
        data, branch = self.ua.build_request(
            "NOTIFY", self.remote_target, self.local_uri, self.remote_uri,
            body, content_type if body else None, extra, self.transport,
            self.call_id, cseq)
        return self.ua._dialog_send(data, branch, self.transport,
                                    self.route_set, self.remote_target,
                                    target, timeout)

    def __repr__(self):
        return "<ServerSubscription %s -> %s %s>" % (
            self.remote_uri, self.local_uri, self.event)
