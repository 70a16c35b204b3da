"""TLS for the interop tests: a private PKI made with the openssl command
line (a test CA, certificates for the gateway and Kamailio, a wrong-name
one, one from a CA nobody trusts), and small TLS SIP peers written with
Python's ssl module: a client that sends a request and reads the answer,
and a server that records what arrives and answers keep-alive pings.
"""

import os
import socket
import ssl
import subprocess
import threading
import time

from .sip_ua import _StreamReader, parse_message


def _openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s%s" % (
            " ".join(args), r.stdout, r.stderr))


class Pki:
    """CAs and certificates in one directory. ca(name) makes a CA;
    cert(name, ca, dns=(), ips=(), uris=(), cn=None) one signed by it.
    Files: NAME.pem (certificate), NAME.key (unencrypted key)."""

    def __init__(self, workdir):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)

    def path(self, name, ext="pem"):
        return os.path.join(self.dir, "%s.%s" % (name, ext))

    def ca(self, name):
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                 "-keyout", name + ".key", "-out", name + ".pem",
                 "-subj", "/CN=%s" % name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                 cwd=self.dir)
        return self.path(name)

    def cert(self, name, ca, dns=(), ips=(), uris=(), cn=None):
        """A leaf for servers and clients alike (both EKUs)."""
        sans = ["DNS:%s" % d for d in dns] + ["IP:%s" % i for i in ips] + \
            ["URI:%s" % u for u in uris]
        ext = ["basicConstraints=CA:FALSE",
               "keyUsage=critical,digitalSignature,keyEncipherment",
               "extendedKeyUsage=serverAuth,clientAuth"]
        if sans:
            ext.append("subjectAltName=" + ",".join(sans))
        with open(os.path.join(self.dir, name + ".ext"), "w") as f:
            f.write("\n".join(ext) + "\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 name + ".key", "-out", name + ".csr", "-subj",
                 "/CN=%s" % (cn or name), cwd=self.dir)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                 "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
                 "-extfile", name + ".ext", "-out", name + ".pem",
                 cwd=self.dir)
        os.chmod(self.path(name, "key"), 0o644)   # Kamailio drops to no user
        return self.path(name)


def client_context(ca=None, cert=None, key=None):
    """A client context trusting ca (None: verifying nothing)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca:
        ctx.load_verify_locations(ca)
        ctx.check_hostname = False      # the gateway's name: ours to check
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_connect(port, ctx, host="127.0.0.1", timeout=5.0):
    """A TLS socket to host:port (raises ssl.SSLError if refused)."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname="localhost")
    except Exception:
        raw.close()
        raise


def options_request(port, local_port=5099, call_id=None):
    """An OPTIONS for the gateway as it leaves a TLS client."""
    call_id = call_id or "tls-%d-%f" % (os.getpid(), time.monotonic())
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/TLS 127.0.0.1:%d;branch=z9hG4bK%x\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@sip.test>;tag=tls1\r\n"
            "To: <sip:127.0.0.1:%d>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n" % (
                port, local_port, abs(hash(call_id)), port, call_id)
            ).encode()


def read_responses(sock, want=1, timeout=5.0):
    """Read SIP messages off sock until want have come (or EOF/timeout)."""
    reader = _StreamReader()
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            break
        if not data:
            break
        for raw in reader.feed(data):
            out.append(parse_message(raw))
    return out


def tls_options(port, ctx, timeout=5.0):
    """One OPTIONS over a fresh TLS connection: the response, or None."""
    s = tls_connect(port, ctx, timeout=timeout)
    try:
        s.sendall(options_request(port))
        got = read_responses(s, 1, timeout)
        return got[0] if got else None
    finally:
        s.close()


class TlsServer:
    """A TLS peer on 127.0.0.1 that the gateway connects to: it records
    every decrypted byte, every handshake failure, answers a CRLFCRLF ping
    with CRLF (RFC 5626 §4.4.1) and answers each request with 200."""

    def __init__(self, cert, key, ca=None, require_client_cert=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ctx.load_cert_chain(cert, key)
        if ca:
            self.ctx.load_verify_locations(ca)
        if require_client_cert:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.data = b""
        self.connections = 0       # TCP connections accepted
        self.handshakes = 0        # of those, TLS established
        self.failures = []         # handshake errors, as strings
        self.peer_certs = []
        self.requests = []
        self.pings = 0
        self._stop = False
        self._conns = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                raw, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(raw,),
                             daemon=True).start()

    def _serve(self, raw):
        raw.settimeout(10)
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.lock:
                self.failures.append(str(e))
            raw.close()
            return
        with self.lock:
            self.handshakes += 1
            self.peer_certs.append(s.getpeercert())
            self._conns.append(s)
        reader = _StreamReader()
        try:
            while not self._stop:
                try:
                    data = s.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                with self.lock:
                    self.data += data
                # A ping travels alone between messages (one record).
                if data.strip(b"\r\n") == b"" and b"\r\n\r\n" in data:
                    with self.lock:
                        self.pings += 1
                    s.sendall(b"\r\n")
                for m in reader.feed(data):
                    msg = parse_message(m)
                    with self.lock:
                        self.requests.append(msg)
                    if msg.method and msg.method != "ACK":
                        s.sendall(_ok(msg))
        except (ssl.SSLError, OSError):
            pass
        finally:
            s.close()

    def use_certificate(self, cert, key):
        """Present cert/key from the next connection on."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        self.ctx = ctx

    def drop_connections(self):
        """Close every open connection; returns how many there were."""
        with self.lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return len(conns)

    def close(self):
        self._stop = True
        self.drop_connections()
        try:
            self.sock.close()
        except OSError:
            pass
        self._thread.join(2)


def _ok(req):
    """A 200 for req (Via, From, To, Call-ID, CSeq copied)."""
    lines = ["SIP/2.0 200 OK"]
    for h in ("via", "from", "to", "call-id", "cseq"):
        for v in req.get_all(h):
            name = {"via": "Via", "from": "From", "to": "To",
                    "call-id": "Call-ID", "cseq": "CSeq"}[h]
            if h == "to" and "tag=" not in v:
                v += ";tag=tlsok"
            lines.append("%s: %s" % (name, v))
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
