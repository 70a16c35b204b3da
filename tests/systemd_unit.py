#!/usr/bin/python3
"""contrib/systemd/sipxmppd.service runs the daemon unprivileged and
hardened (issue 12 item 6). systemd cannot run here, so the unit is read:

- the hardening keys are present with their values (a dynamic user, no
  new privileges, a read-only system, no home, a private /tmp, only the
  address families SIP and the component link need, no capabilities);
  CAP_NET_BIND_SERVICE appears only in the commented drop-in;
- StateDirectory is the directory of the default [presence] state_file,
  and the secret is handed over as a credential;
- where systemd-analyze exists: `verify` accepts the unit (with the built
  sipxmppd in place of /usr/sbin/sipxmppd) and `security --offline` rates
  its exposure at 2.0 or below.

usage: systemd_unit.py SOURCE_DIR [SIPXMPPD]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, message):
    """Record a failed expectation; all are reported at the end."""
    if not cond:
        failures.append(message)


def read_unit(path):
    """{section: {key: [values in order]}}, and the comment lines."""
    sections, comments, cur = {}, [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#") or line.startswith(";"):
                comments.append(line.lstrip("#; "))
                continue
            m = re.match(r"\[(.+)\]$", line)
            if m:
                cur = sections.setdefault(m.group(1), {})
                continue
            key, _, value = line.partition("=")
            cur.setdefault(key.strip(), []).append(value.strip())
    return sections, comments


def last(service, key):
    """The value systemd uses for a single-valued key, or None."""
    values = service.get(key)
    return values[-1] if values else None


def main():
    src = sys.argv[1]
    binary = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    unit = os.path.join(src, "contrib", "systemd", "sipxmppd.service")
    sections, comments = read_unit(unit)
    service = sections.get("Service", {})

    for key, want in (("DynamicUser", "yes"), ("NoNewPrivileges", "yes"),
                      ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                      ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
                      ("RestrictSUIDSGID", "yes"), ("UMask", "0077"),
                      ("StateDirectory", "sipxmpp")):
        check(last(service, key) == want, "%s=%s, not %r" % (
            key, want, last(service, key)))
    families = set((last(service, "RestrictAddressFamilies") or "").split())
    check(families and families <= {"AF_INET", "AF_INET6", "AF_UNIX"},
          "RestrictAddressFamilies=%r" % sorted(families))
    # An empty assignment: no capability in the bounding set at all.
    check(last(service, "CapabilityBoundingSet") == "",
          "CapabilityBoundingSet=%r, not empty"
          % last(service, "CapabilityBoundingSet"))
    check(not last(service, "AmbientCapabilities"),
          "AmbientCapabilities=%r outside the drop-in"
          % last(service, "AmbientCapabilities"))
    check("AmbientCapabilities=CAP_NET_BIND_SERVICE" in comments,
          "no commented drop-in for ports below 1024")
    check(last(service, "User") in (None, ""), "User= set beside "
          "DynamicUser")

    # The default state file lives in the StateDirectory.
    with open(os.path.join(src, "config", "sipxmppd.conf")) as f:
        m = re.search(r"^#?state_file = (\S+)$", f.read(), re.M)
    check(m is not None and os.path.dirname(m.group(1)) ==
          "/var/lib/" + (last(service, "StateDirectory") or ""),
          "state_file %r is not in StateDirectory" % (m and m.group(1)))
    # The secret as a credential, at the path the unit's comment names.
    cred = last(service, "LoadCredential") or ""
    check(cred.startswith("xmpp-secret:"), "LoadCredential=%r" % cred)
    check("secret_file = /run/credentials/sipxmppd.service/xmpp-secret"
          in comments, "the unit does not say where secret_file points")

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("systemd-analyze not found: verify and security skipped")
    else:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sipxmppd.service")
            with open(unit) as f:
                text = f.read()
            if binary:
                text = text.replace("/usr/sbin/sipxmppd", binary)
            with open(path, "w") as f:
                f.write(text)
            if binary:
                r = subprocess.run([analyze, "verify", "--man=no", path],
                                   capture_output=True, text=True,
                                   timeout=60)
                check(r.returncode == 0 and not r.stderr.strip(),
                      "systemd-analyze verify: %d\n%s" % (r.returncode,
                                                          r.stderr))
            r = subprocess.run([analyze, "security", "--offline=true",
                                "--threshold=20", path],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, "systemd-analyze security: exposure "
                  "over 2.0:\n%s%s" % (r.stdout[-3000:], r.stderr))

    for f in failures:
        print("FAIL %s" % f)
    print("%s: %s" % (unit, "hardened" if not failures else
                      "%d problems" % len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
