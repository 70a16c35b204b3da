#!/usr/bin/python3
"""The floors of the house, checked (README "Layout").

Include directories make a header of a floor above unreachable, but not a
system header: a codec file could include <event2/event.h> and still
build. This reads every #include under gateway/, mapping/ and config/ and
fails on one that points the wrong way: a folder including our header of
a folder it may not use, another folder's private/ header, or a library
header its floor must not see.

Usage: layering.py SOURCE_DIR (exits 1 and names each wrong arrow).
"""

import os
import re
import sys

# Which of our folders each folder may include from (itself always).
MAY_USE = {
    "base": set(),
    "codec": {"base"},
    "sip": {"codec", "base", "config"},
    "xmpp": {"codec", "base", "config"},
    "store": {"base"},
    "bridge": {"sip", "xmpp", "store", "codec", "base", "mapping", "config"},
    "daemon": {"bridge", "sip", "xmpp", "store", "codec", "base", "mapping",
               "config"},
    "mapping": set(),
    "config": set(),
}

# System and library headers a floor must not include (prefix match).
SOCKETS = ("sys/socket.h", "netdb.h", "sys/select.h", "poll.h")
REFUSED = {
    "base": ("event2/", "strophe.h", "osip2/", "osipparser2/", "sqlite3.h",
             "libxml/") + SOCKETS,
    "codec": ("event2/", "strophe.h", "osip2/", "osipparser2/",
              "sqlite3.h") + SOCKETS,
    "sip": ("strophe.h", "sqlite3.h"),
    "xmpp": ("osip2/", "osipparser2/", "sqlite3.h"),
    "store": ("event2/", "strophe.h", "osip2/", "osipparser2/") + SOCKETS,
    "bridge": ("strophe.h", "sqlite3.h", "osip2/", "osipparser2/",
               "openssl/") + SOCKETS,
    "daemon": ("strophe.h", "sqlite3.h", "osip2/", "osipparser2/",
               "openssl/"),
    "mapping": ("event2/", "strophe.h", "osip2/", "osipparser2/",
                "sqlite3.h", "libxml/") + SOCKETS,
    "config": ("event2/", "strophe.h", "osip2/", "osipparser2/",
               "sqlite3.h") + SOCKETS,
}

# What a folder's public headers (those outside private/) must not
# include, because the floors above include them: the SIP adapter hands
# out struct sip_msg (sip_msg.h), never libosip2's model, so libosip2 is
# seen by gateway/sip/ alone, as libstrophe is by gateway/xmpp/.
PUBLIC_REFUSED = {
    "sip": ("osip2/", "osipparser2/", "openssl/", "event2/"),
    "xmpp": ("strophe.h",),
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(rel):
    """The floor a file of the tree stands on, or None."""
    parts = rel.split("/")
    if parts[0] in ("mapping", "config"):
        return parts[0]
    if parts[0] != "gateway":
        return None
    if len(parts) == 2:
        return "daemon"
    return parts[1]


def sources(top):
    for root in ("gateway", "mapping", "config"):
        for dirpath, _, files in os.walk(os.path.join(top, root)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    path = os.path.join(dirpath, f)
                    yield os.path.relpath(path, top)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = list(sources(top))
    owner = {}		# header name -> (folder, private?)
    for rel in files:
        if rel.endswith(".h"):
            name = os.path.basename(rel)
            if name in owner:
                print(f"layering: two headers named {name}")
                return 1
            owner[name] = (folder_of(rel), "/private/" in rel)
    wrong = []
    for rel in files:
        floor = folder_of(rel)
        if floor not in MAY_USE:
            wrong.append(f"{rel}: folder not in the plan")
            continue
        with open(os.path.join(top, rel), encoding="utf-8") as fp:
            for n, line in enumerate(fp, 1):
                m = INCLUDE.match(line)
                if m is None:
                    continue
                kind, name = m.groups()
                where = f"{rel}:{n}: {name}"
                base = os.path.basename(name)
                if kind == '"' or base in owner and "/" in name:
                    if base not in owner:
                        wrong.append(f"{where}: not a header of ours")
                        continue
                    there, private = owner[base]
                    if there == floor:
                        continue
                    if private:
                        wrong.append(f"{where}: private to {there}/")
                    elif there not in MAY_USE[floor]:
                        wrong.append(f"{where}: {floor} may not use {there}")
                    continue
                if name.startswith(REFUSED[floor]):
                    wrong.append(f"{where}: {floor} may not include it")
                elif (rel.endswith(".h") and "/private/" not in rel and
                      name.startswith(PUBLIC_REFUSED.get(floor, ()))):
                    wrong.append(f"{where}: a public header of {floor}/ "
                                 f"may not include it (private/ may)")
    for w in wrong:
        print(f"layering: wrong way: {w}")
    if wrong:
        return 1
    print(f"layering: {len(files)} files, every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
