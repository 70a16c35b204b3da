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
"""

import queue
import random
import re
import socket
import string
import threading
import time

from . import util

T1 = 0.5
T2 = 4.0

# RFC 3261 §7.3.3 compact forms (and RFC 3265/3515/4028/4474 ones).
COMPACT = {
    "v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
    "l": "content-length", "c": "content-type", "s": "subject",
    "k": "supported", "e": "content-encoding", "o": "event",
    "u": "allow-events", "r": "refer-to", "b": "referred-by",
    "x": "session-expires", "a": "accept-contact", "j": "reject-contact",
    "d": "request-disposition", "y": "identity", "n": "identity-info",
}

MAX_STREAM_MESSAGE = 1 << 20


def _token(n=10):
    """Random alphanumerics for tags, branches and Call-IDs."""
    return "".join(random.choice(string.ascii_letters + string.digits)
                   for _ in range(n))


class SipMessage:
    """A parsed SIP request or response.

    headers is a list of (lowercase long name, value) in wire order; get()
    and get_all() look names up case-insensitively, compact forms included.
    """

    def __init__(self):
        self.is_request = False
        self.method = None
        self.uri = None
        self.status = None
        self.reason = None
        self.headers = []
        self.body = b""
        self.raw = b""
        self.transport = None
        self.source = None        # (host, port) it came from
        self.conn = None          # TCP connection it came on (UAS replies)
        self.received_at = None

    def get(self, name, default=None):
        """First value of header `name`, or default."""
        name = COMPACT.get(name.lower(), name.lower())
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def get_all(self, name):
        """All values of header `name`, comma-joined lines split for Via."""
        name = COMPACT.get(name.lower(), name.lower())
        return [v for n, v in self.headers if n == name]

    @property
    def text(self):
        """Body decoded as UTF-8 (replacement on errors)."""
        return self.body.decode("utf-8", "replace")

    @property
    def cseq_method(self):
        """Method part of CSeq."""
        cseq = self.get("cseq", "")
        parts = cseq.split()
        return parts[1].upper() if len(parts) > 1 else None

    def __repr__(self):
        if self.is_request:
            return "<SIP %s %s>" % (self.method, self.uri)
        return "<SIP %s %s>" % (self.status, self.reason)


class SipParseError(Exception):
    """The bytes are not a SIP message we can read."""


def parse_message(data):
    """Parse one whole SIP message (bytes) into a SipMessage."""
    msg = SipMessage()
    msg.raw = data
    sep = data.find(b"\r\n\r\n")
    seplen = 4
    if sep < 0:
        sep = data.find(b"\n\n")
        seplen = 2
    if sep < 0:
        head, body = data, b""
    else:
        head, body = data[:sep], data[sep + seplen:]
    lines = head.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    while lines and lines[0] == "":
        lines.pop(0)
    if not lines:
        raise SipParseError("empty message")
    start = lines[0]
    m = re.match(r"^SIP/2\.0\s+(\d{3})\s*(.*)$", start)
    if m:
        msg.status = int(m.group(1))
        msg.reason = m.group(2)
    else:
        m = re.match(r"^([A-Za-z!%*_+`'~.-]+)\s+(\S+)\s+SIP/2\.0$", start)
        if not m:
            raise SipParseError("bad start line %r" % start[:80])
        msg.is_request = True
        msg.method = m.group(1).upper()
        msg.uri = m.group(2)
    # Unfold continuation lines (RFC 3261 §7.3.1).
    unfolded = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += " " + line.strip()
        else:
            unfolded.append(line)
    for line in unfolded:
        if ":" not in line:
            continue
        name, value = line.split(":", 1)
        name = name.strip().lower()
        name = COMPACT.get(name, name)
        value = value.strip()
        if name == "via":
            # Several Via values may share one line.
            for v in _split_commas(value):
                msg.headers.append((name, v))
        else:
            msg.headers.append((name, value))
    clen = msg.get("content-length")
    if clen is not None:
        try:
            n = int(clen)
            if 0 <= n <= len(body):
                body = body[:n]
        except ValueError:
            pass
    msg.body = body
    return msg


def _split_commas(value):
    """Split a header value at commas outside quotes and <>."""
    out, cur, quote, angle = [], "", False, False
    for ch in value:
        if ch == '"':
            quote = not quote
        elif ch == "<" and not quote:
            angle = True
        elif ch == ">" and not quote:
            angle = False
        if ch == "," and not quote and not angle:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def header_param(value, name):
    """Value of ;name=value in a header (None if absent, '' if no value)."""
    # Parameters after the URI's closing '>' or anywhere if no <>.
    gt = value.rfind(">")
    params = value[gt + 1:] if gt >= 0 else value
    for p in params.split(";")[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            if k.strip().lower() == name.lower():
                return v.strip().strip('"')
        elif p.strip().lower() == name.lower():
            return ""
    return None


def uri_of(value):
    """The URI inside a name-addr (<...>) or the addr-spec itself."""
    m = re.search(r"<([^>]*)>", value)
    if m:
        return m.group(1)
    return value.split(";", 1)[0].strip()


def uri_param(uri, name):
    """Value of a URI parameter (;name=value) or None."""
    base = uri.split("?", 1)[0]
    for p in base.split(";")[1:]:
        k, _, v = p.partition("=")
        if k.lower() == name.lower():
            return v
    return None


class _StreamReader:
    """Frames SIP messages out of a TCP byte stream (RFC 3261 §18.3)."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        """Add bytes; return the list of whole messages now available."""
        self.buf += data
        out = []
        while True:
            # CRLF keep-alives between messages (RFC 5626 §3.5.1).
            stripped = self.buf.lstrip(b"\r\n")
            self.buf = stripped
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_STREAM_MESSAGE:
                    raise SipParseError("header block too large")
                return out
            head = self.buf[:end].decode("utf-8", "replace")
            clen = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() in ("content-length", "l"):
                    try:
                        clen = int(value.strip())
                    except ValueError:
                        raise SipParseError("bad Content-Length")
            if clen < 0 or clen > MAX_STREAM_MESSAGE:
                raise SipParseError("bad Content-Length")
            total = end + 4 + clen
            if len(self.buf) < total:
                return out
            out.append(self.buf[:total])
            self.buf = self.buf[total:]


class RawResult:
    """What came back after send_raw(): bytes received, whether the peer
    closed the connection (TCP), and the parsed responses."""

    def __init__(self, data, closed, responses):
        self.data = data
        self.closed = closed
        self.responses = responses

    def __repr__(self):
        return "<RawResult %d bytes closed=%s %r>" % (len(self.data),
                                                      self.closed,
                                                      self.responses)


class SipUA:
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

    # ---- presence ------------------------------------------------------

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


def _uri_target(uri):
    """(host, port) from a sip: URI, for requests sent without a proxy."""
    m = re.match(r"sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?", uri)
    if not m:
        raise ValueError("cannot route to %r" % uri)
    return (m.group(1).strip("[]"), int(m.group(2) or 5060))


REASONS = {
    100: "Trying", 180: "Ringing", 200: "OK", 202: "Accepted",
    400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout",
    415: "Unsupported Media Type", 423: "Interval Too Brief",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    486: "Busy Here", 489: "Bad Event", 500: "Server Internal Error",
    501: "Not Implemented", 503: "Service Unavailable",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
}
