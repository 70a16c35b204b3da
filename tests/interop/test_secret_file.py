#!/usr/bin/python3
"""The component secret in its own file (issue 12 item 6), with Prosody.

sipxmppd reads [xmpp] secret_file at start. The checks:

- a secret file group or others may read (0644, 0640) is refused: the
  daemon and --check-config exit 1 with the path, the mode and the fix,
  and never connect;
- a missing file, and secret and secret_file both set, are refused too;
- with the file 0600 (and no secret in the config) the link comes up:
  Prosody accepted the secret read from the file;
- a configuration file every user may read that holds the secret itself
  gets a warning at start and in --check-config; 0600 gets none, nor does
  a world-readable one whose secret is in secret_file.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import util                          # noqa: E402
from harness.gateway import Gateway               # noqa: E402
from harness.prosody import Prosody               # noqa: E402
from harness.util import check                    # noqa: E402

SECRET = "file-s3cret"
FILE_OPTS = {"xmpp": {"secret": None, "secret_file": "component.secret"}}
WARNING = "holds [xmpp] secret and every user may read it"


class Bed:
    """Prosody with the sip.test component; gateways made per check."""

    def __init__(self):
        self.dir = util.workdir("secret_file")
        pdir = os.path.join(self.dir, "prosody")
        os.makedirs(pdir, exist_ok=True)
        os.chmod(pdir, 0o755)
        self.prosody = Prosody(pdir, domain="xmpp.test",
                               components={"sip.test": SECRET})
        self.n = 0

    def gateway(self, options=None, secret_text=None, secret_mode=0o600,
                conf_mode=0o600):
        """A gateway (not started) in a new work dir, its config written
        with conf_mode and, given secret_text, component.secret beside it
        with secret_mode."""
        self.n += 1
        gw = Gateway(os.path.join(self.dir, "gw%d" % self.n),
                     self.prosody.component_port, secret=SECRET,
                     options=options)
        gw.write_config()
        os.chmod(gw.config_path, conf_mode)
        if secret_text is not None:
            path = os.path.join(gw.workdir, "component.secret")
            with open(path, "w") as f:
                f.write(secret_text)
            os.chmod(path, secret_mode)
        return gw


def refused(gw, *expect):
    """The daemon and --check-config both exit 1, saying each of expect."""
    for args in ((), ("--check-config",)):
        try:
            r = gw.run_cli(*args, timeout=5)
        except subprocess.TimeoutExpired:
            check(False, "sipxmppd %s ran on with %s" % (" ".join(args),
                                                         gw.config_path))
        check(r.returncode == 1, "sipxmppd %s: exit %d\n%s", " ".join(args),
              r.returncode, r.stderr)
        for e in expect:
            check(e in r.stderr, "%r not in:\n%s", e, r.stderr)
        check(SECRET not in r.stderr + r.stdout, "the secret was echoed")


def check_group_or_world_readable_refused(b):
    """0644 and 0640 secret files: refused, with the path and the mode."""
    for mode in (0o644, 0o640):
        gw = b.gateway(FILE_OPTS, SECRET + "\n", secret_mode=mode)
        refused(gw, "secret_file %s/component.secret" % gw.workdir,
                "group or others may read or write it (mode %04o): make "
                "it 0600 or 0400" % mode)


def check_missing_and_both_refused(b):
    """No such file; secret and secret_file both set."""
    gw = b.gateway(FILE_OPTS)
    refused(gw, "component.secret: cannot open: No such file or directory")
    gw = b.gateway({"xmpp": {"secret_file": "component.secret"}},
                   SECRET + "\n")
    refused(gw, "[xmpp] secret and secret_file are both set: keep one")


def check_0600_link_up(b):
    """0600, no secret in the config: Prosody takes the file's secret."""
    gw = b.gateway(FILE_OPTS, SECRET + "\n", conf_mode=0o644)
    check("secret =" not in util.read_text(gw.config_path).replace(
        "secret_file =", ""), "the config holds a secret")
    gw.start()      # waits for 'xmpp link up'
    try:
        log = gw.log_text()
        check(WARNING not in log, "warned with the secret in its file:\n%s",
              log)
    finally:
        gw.stop()


def check_world_readable_config_warned(b):
    """The secret in a 0644 config: one warning at start and in
    --check-config; 0600: none."""
    gw = b.gateway(conf_mode=0o644)
    r = gw.run_cli("--check-config")
    check(r.returncode == 0 and WARNING in r.stderr and
          "(mode 0644)" in r.stderr, "--check-config: %d\n%s",
          r.returncode, r.stderr)
    gw.start()
    try:
        log = gw.log_text()
        check(log.count(WARNING) == 1, "warnings at start:\n%s", log)
    finally:
        gw.stop()
    gw = b.gateway(conf_mode=0o600)
    r = gw.run_cli("--check-config")
    check(r.returncode == 0 and WARNING not in r.stderr,
          "--check-config of a 0600 config: %d\n%s", r.returncode, r.stderr)


def main():
    t = util.TestRunner("secret_file")
    b = Bed()
    try:
        b.prosody.start()
    except Exception:
        t.fail_setup("prosody start")
        t.finish()
    try:
        for f in (check_group_or_world_readable_refused,
                  check_missing_and_both_refused, check_0600_link_up,
                  check_world_readable_config_warned):
            t.run(f, b)
    finally:
        b.prosody.stop()
    t.finish()


if __name__ == "__main__":
    main()
