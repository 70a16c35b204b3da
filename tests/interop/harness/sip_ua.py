"""A scripted SIP user agent for the interop tests, in pure Python.

One SipUA binds one port on UDP and TCP. As a UAC it sends requests
(MESSAGE, OPTIONS, REGISTER, anything) with a fresh Via branch (RFC 3261
§8.1.1.7, magic cookie z9hG4bK), From tag, Call-ID, CSeq and Max-Forwards,
retransmits over UDP per Timer E and gives up after Timer F (§17.1.2.2),
ignores 1xx and returns the final response. As a UAS it records every
request it receives and answers MESSAGEs with a configurable status, or not
at all. send_raw() puts arbitrary bytes on the wire for robustness tests.

Presence (RFC 3856, RFC 3903, RFC 6665): publish() sends PUBLISH with a
PIDF body; subscribe() makes the UA a watcher and returns a Subscription
that answers its NOTIFYs, records them and refreshes or ends the dialog;
subscribe_status makes it a notifier that answers SUBSCRIBE with a chosen
status, or accepts it (200) as a ServerSubscription the test NOTIFYs from.

Background threads do the receiving; the test code stays synchronous.
Messages and their helpers are in sip_message.py, presence dialogs in
sip_subscription.py; both are re-exported here, where tests import them.
"""

import queue
import random
import re
import socket
import threading
import time

from . import util
# Re-exported: tests import these from harness.sip_ua.
from .sip_message import (COMPACT, MAX_STREAM_MESSAGE, REASONS,  # noqa: F401
                          RawResult, SipMessage, SipParseError,
                          _StreamReader, _split_commas, _token, _uri_target,
                          header_param, parse_message, uri_of, uri_param)
from .sip_subscription import (Notify, PresenceUA,  # noqa: F401
                               ServerSubscription, Subscription,
                               subscription_state)

T1 = 0.5
T2 = 4.0


class SipUA(PresenceUA):
    """A SIP user agent on one UDP+TCP port of 127.0.0.1."""

    def __init__(self, host="127.0.0.1", port=None, user="romeo",
                 domain="sip.test", name=None):
        self.host = host
        self.port = port or util.free_port(host)
        self.user = user
        self.domain = domain
        self.name = name or user
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # The host as it is written in a URI or Via (RFC 3261 §19.1.1).
        self.hostport_host = "[%s]" % host if ":" in host else host
        self.uri = "sip:%s@%s" % (user, domain)
        self.contact = "sip:%s@%s:%d" % (user, self.hostport_host, self.port)

        # UAS behaviour: status for MESSAGE (None = never answer), or a
        # responder(req) -> (status, reason, [(name, value)]) | None.
        self.message_status = 200
        self.message_reason = None
        self.message_delay = 0.0
        self.responder = None

        # Presence. proxy: default (host, port) for publish()/subscribe().
        # subscribe_status: None (SUBSCRIBE gets 501 as before), a final
        # status to answer every new SUBSCRIBE with (subscribe_headers
        # added, e.g. Min-Expires for 423), or 200 to accept it as a
        # ServerSubscription; or a function(req) returning one of those
        # or (status, reason, [(header, value)]), per request;
        # subscribe_expires caps what a 200 grants;
        # on_subscription(srv) then runs in a thread of its own (e.g. to
        # send the immediate NOTIFY, RFC 6665 §4.2.1.2).
        self.proxy = None
        self.etag = None
        self.subscribe_status = None
        self.subscribe_reason = None
        self.subscribe_headers = []
        self.subscribe_expires = 3600
        self.on_subscription = None
        self.subscriptions = []         # Subscription objects (watcher)
        self.server_subscriptions = []  # ServerSubscription (notifier)
        self._subscribe_answers = {}    # new SUBSCRIBE -> what it got

        self.requests = []              # every request received, in order
        self.unparsed = []              # datagrams/streams we could not parse
        self._cond = threading.Condition()
        self._pending = {}              # branch -> queue of responses
        self._pending_lock = threading.Lock()
        self._tcp_conns = {}            # (host, port) -> socket we dialled
        self._tcp_lock = threading.Lock()
        self._closing = False
        self._threads = []
        self._cseq = random.randint(1, 1000)

        self.udp = socket.socket(self.family, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.tcp = socket.socket(self.family, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, self.port))
        self.tcp.listen(16)
        self._spawn(self._udp_loop)
        self._spawn(self._accept_loop)

    # ---- lifecycle -------------------------------------------------

    def _spawn(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True,
                             name="sipua-%s" % self.name)
        t.start()
        self._threads.append(t)
        return t

    def close(self):
        """Close every socket; background threads end by themselves."""
        self._closing = True
        for s in [self.udp, self.tcp] + list(self._tcp_conns.values()):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- receiving ---------------------------------------------------

    def _udp_loop(self):
        while not self._closing:
            try:
                data, addr = self.udp.recvfrom(65535)
            except OSError:
                return
            if data.strip(b"\r\n") == b"":
                continue    # keep-alive
            self._dispatch(data, "udp", addr, None)

    def _accept_loop(self):
        while not self._closing:
            try:
                conn, addr = self.tcp.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._stream_loop, conn, addr)

    def _stream_loop(self, conn, addr):
        reader = _StreamReader()
        while not self._closing:
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            try:
                msgs = reader.feed(data)
            except SipParseError as e:
                self.unparsed.append((b"", str(e)))
                break
            for m in msgs:
                self._dispatch(m, "tcp", addr, conn)
        try:
            conn.close()
        except OSError:
            pass
        with self._tcp_lock:
            for k, v in list(self._tcp_conns.items()):
                if v is conn:
                    del self._tcp_conns[k]

    def _dispatch(self, data, transport, addr, conn):
        try:
            msg = parse_message(data)
        except SipParseError as e:
            self.unparsed.append((data, str(e)))
            return
        msg.transport = transport
        msg.source = addr
        msg.conn = conn
        msg.received_at = time.monotonic()
        if msg.is_request:
            self._on_request(msg)
            return
        via = msg.get("via", "")
        branch = header_param(via, "branch")
        with self._pending_lock:
            q = self._pending.get(branch)
        if q is not None:
            q.put(msg)

    # ---- UAS ----------------------------------------------------------

    def _on_request(self, req):
        if req.method == "ACK":
            with self._cond:
                self.requests.append(req)
                self._cond.notify_all()
            return
        with self._cond:
            # A retransmission (same branch, same method) is not a new
            # request: answer again but record once (RFC 3261 §17.2.3).
            branch = header_param(req.get("via", ""), "branch")
            retrans = any(header_param(r.get("via", ""), "branch") == branch
                          and r.method == req.method
                          for r in self.requests)
            if not retrans:
                self.requests.append(req)
            self._cond.notify_all()
        answer = None
        if req.method in ("NOTIFY", "SUBSCRIBE") and \
                self._presence_request(req, retrans):
            return
        if self.responder is not None:
            answer = self.responder(req)
        elif req.method == "MESSAGE":
            if self.message_status is not None:
                answer = (self.message_status, self.message_reason, [])
        elif req.method == "OPTIONS":
            answer = (200, "OK", [("Allow", "MESSAGE, OPTIONS")])
        else:
            answer = (501, "Not Implemented", [("Allow", "MESSAGE, OPTIONS")])
        if answer is None:
            return
        status, reason, extra = (tuple(answer) + (None, []))[:3]
        if self.message_delay and req.method == "MESSAGE":
            time.sleep(self.message_delay)
        self.respond(req, status, reason, extra or [])

    def respond(self, req, status, reason=None, extra=(), body=b""):
        """Send a response to req on the transport it came in on. A
        reason given as bytes goes on the wire as it is (hostile peers)."""
        raw_reason = reason if isinstance(reason, bytes) else None
        reason = "-" if raw_reason is not None else \
            reason or REASONS.get(status, "Unknown")
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        for via in req.get_all("via"):
            lines.append("Via: %s" % via)
        to = req.get("to", "")
        if header_param(to, "tag") is None and status > 100:
            to += ";tag=%s" % _token(8)
        lines.append("From: %s" % req.get("from", ""))
        lines.append("To: %s" % to)
        lines.append("Call-ID: %s" % req.get("call-id", ""))
        lines.append("CSeq: %s" % req.get("cseq", ""))
        for n, v in extra:
            lines.append("%s: %s" % (n, v))
        if isinstance(body, str):
            body = body.encode("utf-8")
        lines.append("Content-Length: %d" % len(body))
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
        if raw_reason is not None:
            data = (b"SIP/2.0 %d " % status) + raw_reason + \
                data[data.index(b"\r\n"):]
        if req.transport == "tcp" and req.conn is not None:
            try:
                req.conn.sendall(data)
            except OSError:
                pass
            return
        try:
            self.udp.sendto(data, self._response_addr(req))
        except OSError:
            pass        # closed meanwhile: the peer will retransmit or time out

    @staticmethod
    def _response_addr(req):
        """RFC 3261 §18.2.2 with RFC 3581 rport: where a UDP response goes."""
        via = req.get("via", "")
        m = re.match(r"SIP/2\.0/\w+\s+([^;:\s]+|\[[^\]]+\])(?::(\d+))?", via)
        port = int(m.group(2)) if m and m.group(2) else 5060
        if header_param(via, "rport") is not None:
            port = req.source[1]
        return (req.source[0], port)

    def wait_for_request(self, predicate=None, timeout=10.0, method=None):
        """Wait for a received request matching method and predicate.

        Returns the first such request recorded (also ones that arrived
        before the call); None on timeout.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.requests:
                    if method and r.method != method:
                        continue
                    if predicate is None or predicate(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def received(self, method="MESSAGE"):
        """A snapshot of the requests received with that method."""
        with self._cond:
            return [r for r in self.requests if r.method == method]

    def clear(self):
        """Forget the requests received so far."""
        with self._cond:
            self.requests.clear()

    # ---- UAC ----------------------------------------------------------

    def _via(self, transport, branch):
        return "SIP/2.0/%s %s:%d;branch=%s;rport" % (
            transport.upper(), self.hostport_host, self.port, branch)

    def build_request(self, method, request_uri, from_uri=None, to_uri=None,
                      body=b"", content_type=None, headers=None,
                      transport="udp", call_id=None, cseq=None,
                      from_tag=None, branch=None):
        """Build request bytes and return (bytes, branch).

        headers: dict or list of (name, value); a value of None removes a
        header this function would otherwise add (e.g. Max-Forwards).
        """
        method = method.upper()
        from_uri = from_uri or self.uri
        to_uri = to_uri or request_uri
        branch = branch or "z9hG4bK" + _token(16)
        if cseq is None:
            self._cseq += 1
            cseq = self._cseq
        if isinstance(body, str):
            body = body.encode("utf-8")
        from_value = from_uri if "<" in from_uri else "<%s>" % from_uri
        to_value = to_uri if "<" in to_uri else "<%s>" % to_uri
        std = [
            ("Via", self._via(transport, branch)),
            ("Max-Forwards", "70"),
            ("From", "%s;tag=%s" % (from_value, from_tag or _token(8))),
            ("To", to_value),
            ("Call-ID", call_id or "%s@%s" % (_token(16), self.host)),
            ("CSeq", "%d %s" % (cseq, method)),
        ]
        if method in ("REGISTER", "INVITE", "SUBSCRIBE"):
            std.append(("Contact", "<%s%s>" % (
                self.contact, ";transport=tcp" if transport == "tcp" else "")))
        if body or content_type:
            std.append(("Content-Type",
                        content_type or "text/plain;charset=UTF-8"))
        std.append(("Content-Length", str(len(body))))
        items = list(headers.items()) if isinstance(headers, dict) \
            else list(headers or [])
        override = {n.lower(): v for n, v in items}
        lines = ["%s %s SIP/2.0" % (method, request_uri)]
        for n, v in std:
            if n.lower() in override:
                continue
            lines.append("%s: %s" % (n, v))
        cl = None
        for n, v in items:
            if v is None:
                continue
            if n.lower() == "content-length":
                cl = "%s: %s" % (n, v)
                continue
            lines.append("%s: %s" % (n, v))
        if cl:
            lines.append(cl)
        elif "content-length" not in override:
            # keep Content-Length last, as most stacks do
            idx = [i for i, l in enumerate(lines)
                   if l.lower().startswith("content-length:")]
            if idx:
                lines.append(lines.pop(idx[0]))
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body
        return data, branch

    def send_request(self, method, request_uri, from_uri=None, to_uri=None,
                     body=b"", content_type=None, headers=None,
                     transport="udp", target=None, timeout=None,
                     call_id=None, cseq=None, provisional=None):
        """Send a request and wait for its final response.

        target: (host, port) to send to (default: the Request-URI host).
        Returns the final SipMessage, or None when Timer F (64*T1) or
        `timeout` ran out. provisional: list to collect 1xx into.
        """
        target = target or _uri_target(request_uri)
        data, branch = self.build_request(method, request_uri, from_uri,
                                          to_uri, body, content_type, headers,
                                          transport, call_id, cseq)
        return self.send_built(data, branch, transport, target, timeout,
                               provisional)

    def send_built(self, data, branch, transport, target, timeout=None,
                   provisional=None):
        """Send prepared request bytes as a client transaction."""
        timeout = 64 * T1 if timeout is None else timeout
        q = queue.Queue()
        with self._pending_lock:
            self._pending[branch] = q
        try:
            deadline = time.monotonic() + timeout
            if transport == "tcp":
                self._tcp_send(target, data)
                interval = None     # reliable: no retransmission
            else:
                self.udp.sendto(data, target)
                interval = T1
            next_tx = time.monotonic() + interval if interval else None
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return None
                wake = deadline if next_tx is None else min(deadline, next_tx)
                try:
                    resp = q.get(timeout=max(0.0, wake - now))
                except queue.Empty:
                    if next_tx is not None and time.monotonic() >= next_tx:
                        # RFC 3261 §17.1.2.2 Timer E: double up to T2.
                        self.udp.sendto(data, target)
                        interval = min(interval * 2, T2)
                        next_tx = time.monotonic() + interval
                    continue
                if resp.status < 200:
                    if provisional is not None:
                        provisional.append(resp)
                    if next_tx is not None:
                        # Proceeding: keep retransmitting, at T2.
                        interval = T2
                        next_tx = time.monotonic() + T2
                    continue
                if resp.status >= 300 and data.startswith(b"INVITE "):
                    self._ack_non2xx(data, resp, transport, target)
                return resp
        finally:
            with self._pending_lock:
                self._pending.pop(branch, None)

    def _ack_non2xx(self, invite, resp, transport, target):
        """RFC 3261 §17.1.1.3: ACK a non-2xx final response to an INVITE,
        in the same transaction (same branch), To carrying the response's
        tag, so the server stops retransmitting it."""
        req = parse_message(invite)
        lines = ["ACK %s SIP/2.0" % req.uri,
                 "Via: %s" % req.get("via"),
                 "Max-Forwards: 70",
                 "From: %s" % req.get("from"),
                 "To: %s" % resp.get("to", req.get("to")),
                 "Call-ID: %s" % req.get("call-id"),
                 "CSeq: %s ACK" % req.get("cseq", "1").split()[0],
                 "Content-Length: 0"]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        try:
            if transport == "tcp":
                self._tcp_send(target, data)
            else:
                self.udp.sendto(data, target)
        except OSError:
            pass

    def send_message(self, to_uri, from_uri=None, body="",
                     content_type="text/plain;charset=UTF-8", headers=None,
                     transport="udp", target=None, timeout=None,
                     request_uri=None, call_id=None):
        """Send a MESSAGE (RFC 3428) and return the final response."""
        return self.send_request("MESSAGE", request_uri or to_uri,
                                 from_uri=from_uri, to_uri=to_uri, body=body,
                                 content_type=content_type, headers=headers,
                                 transport=transport, target=target,
                                 timeout=timeout, call_id=call_id)

    def register(self, registrar, aor=None, expires=300, transport="udp",
                 target=None, timeout=10.0):
        """REGISTER our contact for aor (default self.uri) at registrar."""
        aor = aor or self.uri
        return self.send_request(
            "REGISTER", registrar, from_uri=aor, to_uri=aor,
            headers=[("Expires", str(expires))], transport=transport,
            target=target, timeout=timeout)

    def _tcp_send(self, target, data):
        """Send on our connection to target, dialling it if needed."""
        with self._tcp_lock:
            conn = self._tcp_conns.get(target)
            if conn is None:
                # From our own address, as our UDP socket sends: a UA on
                # 127.0.0.3 is seen as 127.0.0.3 over TCP too.
                conn = socket.create_connection(
                    target, timeout=5, source_address=(self.host, 0))
                conn.settimeout(None)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._tcp_conns[target] = conn
                self._spawn(self._stream_loop, conn, target)
        try:
            conn.sendall(data)
        except OSError:
            with self._tcp_lock:
                self._tcp_conns.pop(target, None)
            raise

    # ---- raw bytes ----------------------------------------------------

    def send_raw(self, data, transport="udp", target=None, wait=1.0):
        """Put arbitrary bytes on the wire from a fresh socket.

        Returns a RawResult with what came back within `wait` seconds and,
        for TCP, whether the peer closed the connection.
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        received = b""
        closed = False
        if transport == "tcp":
            s = socket.create_connection(target, timeout=5)
            try:
                try:
                    s.sendall(data)
                except OSError:
                    closed = True
                deadline = time.monotonic() + wait
                while not closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        chunk = s.recv(65536)
                    except socket.timeout:
                        break
                    except OSError:
                        closed = True
                        break
                    if not chunk:
                        closed = True
                        break
                    received += chunk
            finally:
                s.close()
            responses = []
            try:
                reader = _StreamReader()
                responses = [parse_message(m) for m in reader.feed(received)]
            except SipParseError:
                pass
            return RawResult(received, closed, responses)
        s = socket.socket(self.family, socket.SOCK_DGRAM)
        try:
            s.bind((self.host, 0))
            s.sendto(data, target)
            responses = []
            deadline = time.monotonic() + wait
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                try:
                    chunk, _ = s.recvfrom(65535)
                except (socket.timeout, OSError):
                    break
                received += chunk
                try:
                    responses.append(parse_message(chunk))
                except SipParseError:
                    pass
        finally:
            s.close()
        return RawResult(received, False, responses)
