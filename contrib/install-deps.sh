#!/usr/bin/env bash
# Install the Debian 12 packages sipxmpp needs to build, test and run its
# quickstart. Idempotent: when every package is already installed it does
# not touch apt at all. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake pkg-config
	libosip2-dev libstrophe-dev libxml2-dev libevent-dev libinih-dev
	libsqlite3-dev
	# RFC 3263 next hops: NAPTR and SRV look-ups (gateway/sip/sip_dns.c)
	libc-ares-dev
	# Content-Encoding: deflate bodies, IMDN from Linphone (gateway/codec/deflate.c)
	zlib1g-dev
	# unit tests, sanitizers, fuzzing, memcheck
	libcmocka-dev clang libclang-rt-14-dev valgrind
	# the benchmark's XEP-0114 handshake (SHA-1), contrib/bench
	libssl-dev
	# interop tests and quickstart: real peers
	prosody python3 python3-slixmpp sipsak kamailio kamailio-presence-modules
	kamailio-tls-modules
	# a name server serving NAPTR/SRV for tests/interop/test_dns.py
	dnsmasq-base
	# real softphones: Linphone's command-line form; baresip (over TLS)
	linphone-cli baresip
	# man pages (man -l), procps for pgrep-free process checks
	man-db procps
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		SUDO=sudo
	else
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# Packaged daemons must not start system-wide services as a side effect:
# the tests and the quickstart run their own instances on their own ports.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
fi
rc=0
$SUDO apt-get install -y --no-install-recommends "${missing[@]}" || rc=$?
if [ -n "$policy" ]; then
	$SUDO rm -f "$policy"
fi
exit $rc
