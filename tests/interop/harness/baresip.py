"""A second real softphone for tests: baresip (Debian's baresip-core),
headless, driven through its ctrl_tcp module (JSON in netstrings on a TCP
port: commands in, responses and events out). Its own -f directory holds
the config, one account and one contact, nothing from the system.

`/message TEXT` sends a MESSAGE to the current contact (the only one).
Its stdio module (on a pipe: it says it cannot set up the terminal and
carries on) prints each MESSAGE it receives as `FROM: "TEXT"`; that and
its SIP trace (-s) appear on its output, which the fixture keeps line by
line. Its TLS listener is one port above sip_listen's.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

from . import util

MODULE_PATH = "/usr/lib/baresip/modules"

# The first line of a message in its SIP trace (-s).
TRACE_HEAD = re.compile(r"^(UDP|TCP|TLS) (\S+) -> (\S+)$")


def sip_port_pair():
    """A port free for UDP and TCP whose next one is free for TCP too:
    baresip listens for UDP and TCP on sip_listen's port and for TLS on
    the next one."""
    for _ in range(100):
        port = util.free_port()
        if port + 1 in util._given_ports:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        finally:
            s.close()
        util._given_ports.add(port + 1)
        return port
    raise RuntimeError("no two free ports in a row")


class Baresip:
    """One baresip process with one account, aor, and one contact."""

    def __init__(self, workdir, aor, contact, outbound, cafile=None,
                 certificate=None, transport="tls"):
        """aor: the account's SIP URI (sip:romeo@sip.test); contact: the
        URI /message writes to; outbound: the proxy's URI (with
        ;transport=...); cafile: the CAs its TLS checks servers against;
        certificate: a PEM file with its certificate and key, offered to
        servers that ask for one."""
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.aor = aor
        self.contact = contact
        self.outbound = outbound
        self.cafile = cafile
        self.certificate = certificate
        self.transport = transport
        self.sip_port = sip_port_pair()
        # baresip 1.0 puts its TLS listener one above sip_listen's port.
        self.tls_port = self.sip_port + 1
        self.ctrl_port = util.free_port()
        self.proc = None
        self.lines = []
        self._cond = threading.Condition()
        self._ctrl = None
        self._token = 0
        self.events = []          # ctrl_tcp's JSON objects, in order

    @staticmethod
    def available():
        return shutil.which("baresip") is not None and \
            os.path.exists(os.path.join(MODULE_PATH, "ctrl_tcp.so"))

    def write_config(self):
        """config, accounts and contacts in its -f directory: no audio
        device (none is needed for messages), stdio for its output, the
        command menu and ctrl_tcp, its SIP on loopback."""
        cfg = ["poll_method\t\tepoll",
               "sip_listen\t\t127.0.0.1:%d" % self.sip_port,
               "module_path\t\t%s" % MODULE_PATH,
               "module\t\t\tstdio.so",
               "module\t\t\tg711.so",
               "module_tmp\t\taccount.so",
               "module_app\t\tmenu.so",
               "module_app\t\tcontact.so",
               "module_app\t\tctrl_tcp.so",
               "ctrl_tcp_listen\t\t127.0.0.1:%d" % self.ctrl_port]
        if self.cafile:
            cfg.append("sip_cafile\t\t%s" % self.cafile)
        if self.certificate:
            cfg.append("sip_certificate\t\t%s" % self.certificate)
        with open(os.path.join(self.workdir, "config"), "w") as f:
            f.write("\n".join(cfg) + "\n")
        # RFC 3261 §8.1.2: the outbound proxy as the account's first hop.
        acc = '<%s;transport=%s>;outbound="%s";regint=600;pubint=0;' \
            'mwi=no' % (self.aor, self.transport, self.outbound)
        with open(os.path.join(self.workdir, "accounts"), "w") as f:
            f.write(acc + "\n")
        with open(os.path.join(self.workdir, "contacts"), "w") as f:
            f.write('"peer" <%s>\n' % self.contact)

    def start(self, timeout=10.0):
        """Start it with SIP trace (-s); wait for its control port."""
        self.write_config()
        self.proc = util.processes.start(
            ["stdbuf", "-oL", "baresip", "-f", self.workdir, "-s"],
            cwd=self.workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        util.wait_for_port(self.ctrl_port, timeout=timeout, proc=self.proc)
        self._ctrl = socket.create_connection(("127.0.0.1", self.ctrl_port),
                                              timeout=5)
        self._ctrl.settimeout(None)
        threading.Thread(target=self._read_ctrl, args=(self._ctrl,),
                         daemon=True).start()
        return self

    def _read_ctrl(self, sock):
        """Netstrings off the control connection: LEN ":" JSON ","."""
        buf = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                colon = buf.find(b":")
                if colon < 0 or not buf[:colon].isdigit():
                    break
                end = colon + 1 + int(buf[:colon])
                if len(buf) <= end:
                    break
                try:
                    obj = json.loads(buf[colon + 1:end].decode("utf-8"))
                except ValueError:
                    obj = {"unparsed": buf[colon + 1:end]}
                buf = buf[end + 1:]
                with self._cond:
                    self.events.append(obj)
                    self._cond.notify_all()

    def wait_registered(self, timeout=15.0):
        """Its status line for the account's REGISTER, e.g.
        "romeo@sip.test: {0/TLS/v4} 200 OK (...)", parsed into
        (transport, status); None if none came within timeout."""
        line = self.wait_output(r"^\S+: \{\d+/\w+/v\d\} \d{3} ", timeout)
        if line is None:
            return None
        m = re.search(r"\{\d+/(\w+)/v\d\} (\d{3}) ", line)
        return m.group(1), int(m.group(2))

    def wait_event(self, predicate, timeout=10.0, start=0):
        """The first ctrl_tcp object from index start for which
        predicate holds, or None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self.events[start:]:
                    if predicate(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def command(self, name, params=""):
        """Send one ctrl_tcp command (JSON in a netstring); returns its
        token, which its response in events carries."""
        self._token += 1
        body = json.dumps({"command": name, "params": params,
                           "token": str(self._token)},
                          ensure_ascii=False).encode("utf-8")
        self._ctrl.sendall(b"%d:%s," % (len(body), body))
        return str(self._token)

    def message(self, text, timeout=5.0):
        """/message: a MESSAGE to the current (only) contact. Returns
        ctrl_tcp's response to the command (None if none came)."""
        token = self.command("message", text)
        return self.wait_event(lambda e: e.get("response") and
                               e.get("token") == token, timeout)

    def wait_output(self, regex, timeout=10.0, start=0):
        """The first output line from index start matching regex, or
        None."""
        pat = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if pat.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def sip_trace(self, start=0):
        """The SIP messages its -s trace shows from output index start, as
        (transport, source, destination, text): each is a block of a
        line "TLS 127.0.0.1:A -> 127.0.0.1:B", the message, and a colour
        reset (ESC[;m) at its end."""
        out = []
        cur = None
        for line in self.output(start).split("\n"):
            m = TRACE_HEAD.match(line)
            if m:
                cur = [m.group(1), m.group(2), m.group(3), []]
                continue
            if cur is None:
                continue
            end = "\x1b[;m" in line
            cur[3].append(line.replace("\x1b[;m", ""))
            if end:
                out.append((cur[0], cur[1], cur[2], "\n".join(cur[3])))
                cur = None
        return out

    def mark(self):
        """An index into the output for wait_output(start=...)."""
        with self._cond:
            return len(self.lines)

    def output(self, start=0):
        with self._cond:
            return "\n".join(self.lines[start:])

    def stop(self):
        """SIGTERM (it unregisters and exits), by pid."""
        if self._ctrl is not None:
            self._ctrl.close()
            self._ctrl = None
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        util.processes.stop(proc, timeout=5)
