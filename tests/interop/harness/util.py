"""Small helpers shared by the interop fixtures and tests.

Everything here is about being a good citizen on a shared machine: ports are
ephemeral and checked free on both UDP and TCP, waits are bounded, and every
process a test starts is ended by its pid (never by name) when the test ends,
even when it fails or is interrupted.
"""

import atexit
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback

# Ports handed out by this process: never give the same one twice, so two
# fixtures started back to back cannot collide before either has bound.
_given_ports = set()


def free_port(host="127.0.0.1"):
    """Return a port that is currently free on host for both UDP and TCP."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            if port in _given_ports:
                continue
            udp = socket.socket(family, socket.SOCK_DGRAM)
            try:
                udp.bind((host, port))
            except OSError:
                continue
            finally:
                udp.close()
        finally:
            tcp.close()
        _given_ports.add(port)
        return port
    raise RuntimeError("no free UDP+TCP port found")


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Poll predicate() until it returns a true value; return that value.

    Raises TimeoutError naming `what` when timeout seconds have passed.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


def wait_for_port(port, host="127.0.0.1", timeout=10.0, proc=None):
    """Wait until a TCP connect to host:port succeeds.

    If proc (a Popen) is given and exits meanwhile, fail at once instead of
    waiting for the timeout.
    """
    def probe():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process %d exited with %s while waiting for "
                               "port %d" % (proc.pid, proc.returncode, port))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    return wait_for(probe, timeout, what="tcp %s:%d" % (host, port))


def read_text(path):
    """Return the file's text (undecodable bytes replaced), '' if missing."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def wait_for_log_line(path, regex, timeout=10.0, start=0, proc=None):
    """Wait until a line matching regex appears in the file at path.

    Only text after byte offset `start` is searched, so callers can wait for
    a *new* occurrence (pass log_size() taken before the action). Returns the
    re.Match. Fails early if proc (a Popen) exits.
    """
    pattern = re.compile(regex)

    def probe():
        try:
            with open(path, "rb") as f:
                f.seek(start)
                text = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            text = ""
        for line in text.splitlines():
            m = pattern.search(line)
            if m:
                return m
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process %d exited with %s before log line "
                               "/%s/ appeared in %s:\n%s"
                               % (proc.pid, proc.returncode, regex, path,
                                  tail(path)))
        return None
    return wait_for(probe, timeout, what="/%s/ in %s" % (regex, path))


def log_size(path):
    """Current size of a log file (0 if it does not exist yet)."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def tail(path, lines=40):
    """Last lines of a file, for failure messages."""
    return "\n".join(read_text(path).splitlines()[-lines:])


class ProcessGroup:
    """Processes started by a test, ended by pid at exit.

    Each process is started in its own session so that stopping it also
    reaches the children it forked (Kamailio forks workers) through the
    process group whose id is that pid, and nothing else.
    """

    def __init__(self):
        self.procs = []
        atexit.register(self.stop_all)

    def start(self, argv, log_path=None, env=None, cwd=None,
              stdin=subprocess.DEVNULL, stdout=None, preexec_fn=None):
        """Start argv with stdout+stderr to log_path (or to stdout, e.g.
        subprocess.PIPE, for a program driven through its terminal);
        preexec_fn runs in the child before exec (e.g. setrlimit);
        return the Popen."""
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        if stdout is not None:
            out = stdout
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=stdin, env=env,
                                    cwd=cwd, start_new_session=True,
                                    preexec_fn=preexec_fn)
        finally:
            if log_path and stdout is None:
                out.close()
        self.procs.append(proc)
        return proc

    def adopt(self, proc):
        """Take over a Popen started elsewhere so it is cleaned up too."""
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM, timeout=10.0):
        """Signal proc (and its process group); SIGKILL after timeout.

        Returns the exit status (negative signal number if killed).
        """
        if proc.poll() is None:
            _signal_group(proc, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)
        # Leftover children of a forking daemon share its process group.
        _signal_group(proc, signal.SIGKILL, quiet=True)
        if proc in self.procs:
            self.procs.remove(proc)
        return proc.returncode

    def stop_all(self):
        """Stop every process still registered, newest first."""
        for proc in list(reversed(self.procs)):
            try:
                self.stop(proc, timeout=5.0)
            except Exception:   # cleanup must go on for the others
                traceback.print_exc()


def _signal_group(proc, sig, quiet=False):
    """Send sig to the process group led by proc.pid (its own session)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        if not quiet:
            raise


# One group per test process: fixtures register into it.
processes = ProcessGroup()


class TestRunner:
    """Minimal runner: each check is a function; print a verdict per check
    and a final 'N passed, M failed' line; exit non-zero on any failure.

    Used instead of unittest so a test file reads as a scenario and can share
    expensive fixtures (Prosody, the gateway) between its checks.
    """

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def run(self, func, *args, **kwargs):
        """Run one check; any exception (incl. AssertionError) fails it."""
        label = func.__name__
        t0 = time.monotonic()
        try:
            func(*args, **kwargs)
        except SkipTest as e:
            self.skipped += 1
            print("SKIP %s: %s" % (label, e), flush=True)
            return False
        except Exception:
            self.failed += 1
            self.failures.append(label)
            print("FAIL %s (%.1fs)" % (label, time.monotonic() - t0),
                  flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            return False
        self.passed += 1
        print("ok   %s (%.1fs)" % (label, time.monotonic() - t0), flush=True)
        return True

    def fail_setup(self, what):
        """Count a fixture failure that prevented the checks from running."""
        self.failed += 1
        self.failures.append(what)
        print("FAIL %s" % what, flush=True)
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()

    def finish(self):
        """Print the summary line and exit with the verdict."""
        processes.stop_all()
        if self.failures:
            print("failed: %s" % ", ".join(self.failures))
            print("work directories kept: %s" % " ".join(_workdirs))
        else:
            remove_workdirs()
        extra = ", %d skipped" % self.skipped if self.skipped else ""
        print("%d passed, %d failed%s" % (self.passed, self.failed, extra),
              flush=True)
        sys.exit(1 if self.failed else 0)


class SkipTest(Exception):
    """Raised by a check that cannot run here (missing tool, option)."""


def workdir(name):
    """A fresh private directory for one test's files.

    Kept under $SIPXMPP_TEST_TMP (default: the system temp dir) and left
    behind on failure so the logs can be read.
    """
    import tempfile
    base = os.environ.get("SIPXMPP_TEST_TMP") or None
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix="sipxmpp-%s-" % name, dir=base)
    # Daemons started as root may drop privileges (Prosody becomes the
    # 'prosody' user) and must still read their config here.
    os.chmod(path, 0o755)
    _workdirs.append(path)
    return path


_workdirs = []


def remove_workdirs():
    """Delete this run's work directories (after a fully passing run),
    unless SIPXMPP_KEEP_TMP is set."""
    import shutil
    if os.environ.get("SIPXMPP_KEEP_TMP"):
        return
    for path in _workdirs:
        shutil.rmtree(path, ignore_errors=True)
    del _workdirs[:]


_counter = [0]


def unique(prefix="msg"):
    """A string no other message in this run carries, to match on."""
    _counter[0] += 1
    return "%s-%d-%d-%s" % (prefix, os.getpid(), _counter[0],
                            "%06x" % (int(time.monotonic() * 1e6) & 0xffffff))


def check(cond, message, *args):
    """assert that survives python -O and formats lazily."""
    if not cond:
        raise AssertionError(message % args if args else message)
