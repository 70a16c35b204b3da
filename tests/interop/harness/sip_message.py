"""SIP messages for the interop harness: parsing whole messages and
framing them out of a TCP stream (RFC 3261 §7, §18.3), the header and
URI helpers tests use on what they receive, and the reason phrases and
first-hop rule (a URI's host and port) the user agent sends with.

harness.sip_ua re-exports every name, so tests import from there.
"""

import random
import re
import string


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
