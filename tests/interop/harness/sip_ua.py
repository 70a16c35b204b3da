"""A scripted SIP user agent for the interop tests, in pure Python.

One SipUA binds one port on UDP and TCP. As a UAC it sends requests
(MESSAGE, OPTIONS, REGISTER, anything) with a fresh Via branch (RFC 3261
§8.1.1.7, magic cookie z9hG4bK), From tag, Call-ID, CSeq and Max-Forwards,
retransmits over UDP per Timer E and gives up after Timer F (§17.1.2.2),
ignores 1xx and returns the final response. As a UAS it records every
request it receives and answers MESSAGEs with a configurable status, or not
at all. send_raw() puts arbitrary bytes on the wire for robustness tests.

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
        """Send a response to req on the transport it came in on."""
        reason = reason or REASONS.get(status, "Unknown")
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
        if req.transport == "tcp" and req.conn is not None:
            try:
                req.conn.sendall(data)
            except OSError:
                pass
            return
        self.udp.sendto(data, self._response_addr(req))

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
                conn = socket.create_connection(target, timeout=5)
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
    415: "Unsupported Media Type", 480: "Temporarily Unavailable",
    486: "Busy Here", 500: "Server Internal Error",
    501: "Not Implemented", 503: "Service Unavailable",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
}
