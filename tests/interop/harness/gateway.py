"""The sipxmppd fixture: writes a config and a mapping table into a work
directory, starts the built daemon in the foreground with debug logging,
waits for its SIP listeners and the XMPP component link, and on stop checks
that it shut down cleanly (exit 0) with no sanitizer report in its log.
"""

import os
import re
import shlex
import signal
import subprocess

from . import util

SOURCE_DIR = os.environ.get("SIPXMPP_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# The test deployment: SIP users are reachable as JIDs in the component's
# domain, XMPP users as sip: URIs in the XMPP domain (RFC 7247 §5 federation).
DEFAULT_MAPPING = [
    "domain sip.test sip.test",
    "domain xmpp.test xmpp.test",
]

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


def sipxmppd_path():
    """The daemon under test: $SIPXMPPD, else build/gateway/sipxmppd."""
    return os.environ.get("SIPXMPPD") or os.path.join(
        SOURCE_DIR, "build", "gateway", "sipxmppd")


def sanitizer_env(env=None):
    """Environment for running a possibly sanitized binary: reports go to
    stderr (our log), leaks are checked, the first UB error stops it."""
    env = dict(os.environ if env is None else env)
    env.setdefault("ASAN_OPTIONS",
                   "detect_leaks=1:abort_on_error=0:print_summary=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.setdefault("LSAN_OPTIONS", "exitcode=23")
    return env


class GatewayError(Exception):
    """The daemon did not start, or did not stop cleanly."""


class Gateway:
    """One sipxmppd process on its own UDP+TCP SIP port."""

    def __init__(self, workdir, xmpp_port, component="sip.test",
                 secret="s3cr3t", outbound_proxy=None, mapping=None,
                 transports=("udp", "tcp"), options=None, sip_port=None,
                 xmpp_host="127.0.0.1", nofile=None, trace="all",
                 tls_port=None):
        """outbound_proxy: (host, port[, transport]) or a sip: URI string.
        options: {section: {key: value}} merged over the defaults; a value
        of None removes that key. nofile: the daemon's open-file limit
        (soft and hard), as `ulimit -n` would set it. trace: the -T
        categories (None: no -T); the tests read the trace lines of
        every state change, NOTIFY and message, so all are on.
        tls_port: the port of a "tls" transport (TCP's port space is
        shared, so it cannot be sip_port); one is picked if needed."""
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.xmpp_port = xmpp_port
        self.xmpp_host = xmpp_host
        self.component = component
        self.secret = secret
        self.outbound_proxy = outbound_proxy
        self.mapping = list(DEFAULT_MAPPING if mapping is None else mapping)
        self.transports = transports
        self.options = options or {}
        self.sip_port = sip_port or util.free_port()
        self.tls_port = tls_port or (util.free_port()
                                     if "tls" in transports else None)
        self.config_path = os.path.join(workdir, "sipxmppd.conf")
        self.mapping_path = os.path.join(workdir, "mapping.table")
        self.log_path = os.path.join(workdir, "sipxmppd.log")
        self.binary = sipxmppd_path()
        self.nofile = nofile
        self.trace = trace
        self.proc = None

    @property
    def sip_addr(self):
        """(host, port) to send SIP requests to."""
        return ("127.0.0.1", self.sip_port)

    def port_of(self, transport):
        """The port a transport listens on."""
        return self.tls_port if transport == "tls" else self.sip_port

    # ---- files ---------------------------------------------------------

    def config_sections(self):
        """The config as {section: {key: value}} (ordered)."""
        proxy = self.outbound_proxy
        if isinstance(proxy, tuple):
            host, port = proxy[0], proxy[1]
            tp = proxy[2] if len(proxy) > 2 else "udp"
            proxy = "sip:%s:%d;transport=%s" % (host, port, tp)
        sections = {
            "gateway": {
                "log_level": "debug",
                "mapping_file": os.path.basename(self.mapping_path),
            },
            "sip": {
                "listen": " ".join("%s:127.0.0.1:%d" % (t, self.port_of(t))
                                   for t in self.transports),
                "outbound_proxy": proxy,
            },
            "xmpp": {
                "host": self.xmpp_host,
                "port": str(self.xmpp_port),
                "component": self.component,
                "secret": self.secret,
            },
            "presence": {
                # Relative to the config file: the gateway's work dir, so
                # a restarted gateway in the same dir finds its state.
                "state_file": "presence.db",
            },
            "message": {
                "ack_timeout_ms": "5000",
                "xmpp_type": "normal",
                "size_limit": "1300",
                "size_limit_applies": "always",
            },
        }
        for sec, kv in self.options.items():
            sections.setdefault(sec, {}).update(kv)
        return sections

    def write_config(self):
        """Write sipxmppd.conf and mapping.table into the work dir."""
        lines = ["# written by tests/interop/harness/gateway.py"]
        for sec, kv in self.config_sections().items():
            lines.append("")
            lines.append("[%s]" % sec)
            for k, v in kv.items():
                if v is not None:
                    lines.append("%s = %s" % (k, v))
        # Made 0600, as an operator keeps a file holding the XMPP secret
        # (sipxmppd warns about a world-readable one); a test's own
        # chmod of it stays.
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.write_mapping()

    def write_mapping(self, rules=None):
        """(Re)write the mapping table; rules replace self.mapping if given."""
        if rules is not None:
            self.mapping = list(rules)
        with open(self.mapping_path, "w") as f:
            f.write("# sipxmpp-mapping(5), written by the test harness\n")
            f.write("\n".join(self.mapping) + "\n")

    # ---- process -------------------------------------------------------

    def run_cli(self, *args, timeout=10.0):
        """Run `sipxmppd -c CONF ARGS...`; return CompletedProcess."""
        if not os.path.exists(self.config_path):
            self.write_config()
        return subprocess.run([self.binary, "-c", self.config_path] +
                              list(args), capture_output=True, text=True,
                              timeout=timeout, env=sanitizer_env())

    def start(self, timeout=15.0, wait_link=True):
        """Start the daemon and wait until it serves SIP (and XMPP)."""
        if not os.access(self.binary, os.X_OK):
            raise GatewayError("no sipxmppd binary at %s (build it, or set "
                               "SIPXMPPD)" % self.binary)
        self.write_config()
        check = self.run_cli("--check-config")
        if check.returncode != 0:
            raise GatewayError("--check-config rejected %s:\n%s%s\n--- "
                               "config ---\n%s" % (
                                   self.config_path, check.stdout,
                                   check.stderr, util.read_text(
                                       self.config_path)))
        start = util.log_size(self.log_path)
        # $SIPXMPPD_WRAPPER, e.g. "valgrind --error-exitcode=97 ...",
        # runs the daemon under a checker; its verdict is the exit code.
        wrapper = shlex.split(os.environ.get("SIPXMPPD_WRAPPER", ""))
        self.proc = util.processes.start(
            wrapper + [self.binary, "-c", self.config_path, "-d"] +
            (["-T", self.trace] if self.trace else []),
            log_path=self.log_path, env=sanitizer_env(), cwd=self.workdir,
            preexec_fn=self._limits)
        for t in self.transports:
            util.wait_for_log_line(
                self.log_path,
                r"sip: listening on %s 127\.0\.0\.1:%d" % (t, self.port_of(t)),
                timeout, start=start, proc=self.proc)
        if wait_link:
            self.wait_link_up(timeout, start=start)
        return self

    def _limits(self):
        """In the child: apply the open-file limit, if one was asked for."""
        if self.nofile is not None:
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (self.nofile, self.nofile))

    def wait_link_up(self, timeout=15.0, start=0):
        """Wait for a 'xmpp link up' log line after byte offset start."""
        return util.wait_for_log_line(self.log_path, r"xmpp link up",
                                      timeout, start=start, proc=self.proc)

    def wait_link_down(self, timeout=15.0, start=0):
        """Wait for a 'xmpp link down' log line after byte offset start."""
        return util.wait_for_log_line(self.log_path, r"xmpp link down",
                                      timeout, start=start, proc=self.proc)

    def wait_log(self, regex, timeout=10.0, start=0):
        """Wait for a log line matching regex after byte offset start."""
        return util.wait_for_log_line(self.log_path, regex, timeout,
                                      start=start, proc=self.proc)

    def log_mark(self):
        """Byte offset of the end of the log, for wait_log(start=...)."""
        return util.log_size(self.log_path)

    def log_text(self, start=0):
        """The log from byte offset start."""
        return _read_from(self.log_path, start)

    def alive(self):
        """True while the daemon runs."""
        return self.proc is not None and self.proc.poll() is None

    def reload(self):
        """SIGHUP: reload the mapping table (and the TLS certificates)."""
        os.kill(self.proc.pid, signal.SIGHUP)

    def check_sanitizers(self):
        """Raise if the log holds an ASan/UBSan/LSan report."""
        text = util.read_text(self.log_path)
        for marker in SANITIZER_MARKERS:
            if marker in text:
                idx = text.index(marker)
                raise GatewayError("sanitizer report in %s:\n%s"
                                   % (self.log_path,
                                      text[max(0, idx - 2000):idx + 4000]))

    def stop(self, check=True, timeout=15.0):
        """SIGTERM and wait; with check, demand exit 0 and a clean log."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        was_running = proc.poll() is None
        rc = util.processes.stop(proc, signal.SIGTERM, timeout)
        if check:
            self.check_sanitizers()
            if not was_running:
                raise GatewayError("sipxmppd had already exited with %s; "
                                   "log tail:\n%s" % (
                                       rc, util.tail(self.log_path)))
            if rc != 0:
                raise GatewayError("sipxmppd exited with %s on SIGTERM; log "
                                   "tail:\n%s" % (rc, util.tail(self.log_path)))
        return rc


def _read_from(path, start):
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def find_log(text, regex):
    """All matches of regex in a log text, for assertions on log lines."""
    return re.findall(regex, text, re.M)


SECRET = "gw-s3cr3t"
USERS = (("juliet", "juliet-pw"), ("nurse", "nurse-pw"))


class Deployment:
    """The usual test bed: Prosody for xmpp.test with the sip.test
    component, sipxmppd linked to it, a scripted SIP UA 'romeo@sip.test'
    that is also the gateway's outbound proxy (so XMPP->SIP MESSAGEs land
    in it), and juliet@xmpp.test logged in.

    Tests use d.ua, d.gateway, d.prosody, d.juliet, d.user(name).
    """

    def __init__(self, name, users=USERS, gateway_options=None, mapping=None,
                 juliet_resource="balcony", outbound_proxy="ua",
                 prosody_config="", sip_port=None, gateway_nofile=None,
                 gateway_trace="all", gateway_transports=("udp", "tcp")):
        self.name = name
        # The gateway's listen transports ("tls" needs [sip] tls_* options).
        self.gateway_transports = tuple(gateway_transports)
        # sipxmppd -T (None: none); may be changed before start().
        self.gateway_trace = gateway_trace
        self.users = tuple(users)
        self.passwords = dict(self.users)
        self.gateway_options = gateway_options or {}
        self.mapping = mapping
        self.juliet_resource = juliet_resource
        self.outbound_proxy = outbound_proxy
        self.prosody_config = prosody_config
        self.sip_port = sip_port
        self.gateway_nofile = gateway_nofile
        self.dir = util.workdir(name)
        self.prosody = None
        self.gateway = None
        self.ua = None
        self.juliet = None
        self._xmpp_users = []

    def start(self):
        """Start Prosody, the UA, the gateway, and log juliet in."""
        from .prosody import Prosody
        from .sip_ua import SipUA
        pdir = os.path.join(self.dir, "prosody")
        os.makedirs(pdir, exist_ok=True)
        os.chmod(pdir, 0o755)
        self.prosody = Prosody(pdir, domain="xmpp.test",
                               components={"sip.test": SECRET},
                               users=self.users,
                               extra_config=self.prosody_config)
        self.prosody.start()
        self.ua = SipUA(user="romeo", domain="sip.test")
        proxy = self.outbound_proxy
        if proxy == "ua":
            proxy = ("127.0.0.1", self.ua.port, "udp")
        elif proxy == "ua-tcp":
            proxy = ("127.0.0.1", self.ua.port, "tcp")
        self.gateway = Gateway(os.path.join(self.dir, "gateway"),
                               self.prosody.component_port,
                               secret=SECRET, outbound_proxy=proxy,
                               mapping=self.mapping,
                               options=self.gateway_options,
                               sip_port=self.sip_port,
                               nofile=self.gateway_nofile,
                               trace=self.gateway_trace,
                               transports=self.gateway_transports)
        self.gateway.start()
        if "juliet" in self.passwords:
            jid = "juliet@xmpp.test"
            if self.juliet_resource:
                jid += "/" + self.juliet_resource
            self.juliet = self.user("juliet", jid=jid)
        return self

    def user(self, name, jid=None):
        """Log another XMPP user of xmpp.test in; closed by stop()."""
        from .xmpp_user import XmppUser
        u = XmppUser(name)
        self._xmpp_users.append(u)
        u.connect(jid or "%s@xmpp.test" % name, self.passwords[name],
                  "127.0.0.1", self.prosody.c2s_port)
        return u

    def restart_gateway(self, options=None, mapping=None):
        """Stop the gateway (checked) and start a new one with other
        options on the same SIP port."""
        port = self.gateway.sip_port
        self.gateway.stop()
        if options is not None:
            self.gateway_options = options
        if mapping is not None:
            self.mapping = mapping
        proxy = self.gateway.outbound_proxy
        self.gateway = Gateway(self.gateway.workdir,
                               self.prosody.component_port, secret=SECRET,
                               outbound_proxy=proxy, mapping=self.mapping,
                               options=self.gateway_options, sip_port=port,
                               trace=self.gateway_trace,
                               transports=self.gateway_transports,
                               tls_port=self.gateway.tls_port)
        self.gateway.start()
        return self.gateway

    def stop(self):
        """Stop everything; raise if the gateway did not exit cleanly."""
        err = None
        for u in self._xmpp_users:
            try:
                u.close()
            except Exception as e:     # keep cleaning up
                err = err or e
        if self.ua is not None:
            self.ua.close()
        try:
            if self.gateway is not None:
                self.gateway.stop(check=True)
        finally:
            if self.prosody is not None:
                try:
                    self.prosody.stop()
                except Exception as e:
                    err = err or e
        if err:
            raise err
