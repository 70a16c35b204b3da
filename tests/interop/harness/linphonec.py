"""A real SIP softphone for tests: linphonec (Debian's linphone-cli),
headless, registered at a proxy, driven through its command line.

It runs with its own HOME (its database and config live there), no sound
card (it complains and carries on) and no video. `chat URI TEXT` sends a
MESSAGE through the proxy; received messages appear on its output.
"""

import os
import re
import shutil
import subprocess
import threading
import time

from . import util


class Linphonec:
    """One linphonec process registered as identity via proxy (host, port)."""

    def __init__(self, workdir, identity, proxy, port=None, extra_rc=None,
                 log_file=None):
        # extra_rc: {section: {key: value}} added to the rc file;
        # log_file: liblinphone's debug log (-d 6 -l), to read what it did.
        self.extra_rc = extra_rc or {}
        self.log_file = log_file
        self.workdir = workdir
        self.identity = identity
        self.proxy = proxy
        self.port = port or util.free_port()
        self.proc = None
        self.lines = []
        self._cond = threading.Condition()

    @staticmethod
    def available():
        return shutil.which("linphonec") is not None

    def write_config(self):
        """Its rc file: one proxy, registration on, UDP only."""
        os.makedirs(os.path.join(self.workdir, ".local", "share",
                                 "linphone"), exist_ok=True)
        host, port = self.proxy
        sections = {
            "sip": {"sip_port": self.port, "sip_tcp_port": 0,
                    "default_proxy": 0},
            "proxy_0": {"reg_proxy": "<sip:%s:%d>" % (host, port),
                        "reg_route": "<sip:%s:%d;lr>" % (host, port),
                        "reg_identity": self.identity, "reg_expires": 300,
                        "reg_sendregister": 1, "publish": 0},
        }
        # One section each: extra keys join the defaults, not a second
        # section of the same name.
        for section, keys in self.extra_rc.items():
            sections.setdefault(section, {}).update(keys)
        with open(os.path.join(self.workdir, "linphonerc"), "w") as f:
            for section, keys in sections.items():
                f.write("[%s]\n" % section)
                for key, value in keys.items():
                    f.write("%s=%s\n" % (key, value))

    def start(self):
        self.write_config()
        env = dict(os.environ, HOME=self.workdir)
        argv = ["stdbuf", "-oL", "linphonec", "-c",
                os.path.join(self.workdir, "linphonerc")]
        if self.log_file:
            argv += ["-d", "6", "-l", self.log_file]
        self.proc = util.processes.start(
            argv,
            env=env, cwd=self.workdir, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def wait_registered(self, timeout=15.0):
        """Poll `status register` until the REGISTER has succeeded;
        returns the status line, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mark = len(self.lines)
            self.command("status register")
            line = self.wait_output(r"^(linphonec> )?registered", 2.0,
                                    start=mark)
            if line is not None and "registered=-1" not in line \
                    and "registered=0" not in line:
                return line
            time.sleep(0.3)
        return None

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def command(self, text):
        """Type one command line."""
        self.proc.stdin.write((text + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def chat(self, uri, text):
        """Send a MESSAGE to uri."""
        self.command("chat %s %s" % (uri, text))

    def wait_output(self, regex, timeout=10.0, start=0):
        """The first output line from index start matching regex, or None."""
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

    def log_text(self):
        """liblinphone's debug log so far ("" without log_file)."""
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except (TypeError, OSError):
            return ""

    def output(self):
        with self._cond:
            return "\n".join(self.lines)

    def stop(self):
        if self.proc is None:
            return
        try:
            self.command("quit")
        except OSError:
            pass
        proc, self.proc = self.proc, None
        util.processes.stop(proc, timeout=5)
