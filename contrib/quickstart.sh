#!/usr/bin/env bash
# sipxmpp quickstart: a complete SIP <-> XMPP setup on this machine's
# loopback, in one directory, in one command.
#
#   contrib/quickstart.sh [DIR]        install deps, build, configure, start
#   contrib/quickstart.sh stop [DIR]   stop everything it started
#   contrib/quickstart.sh status [DIR] show what runs and where
#
# DIR defaults to ./quickstart. It gets a Prosody (XMPP server for
# xmpp.example, with the gateway as component sip.example and a MUC
# service conference.xmpp.example holding the room "lobby"), a Kamailio
# (SIP registrar and proxy for sip.example that routes xmpp.example to the
# gateway), sipxmppd between them, their configs, data, logs and pid files.
# Nothing outside DIR is touched except Debian packages (install-deps.sh)
# and the build/ directory of this source tree. Everything listens on
# 127.0.0.1 only. Made for a fresh Debian 12, run as root.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CMD=start
case "${1:-}" in
start | stop | status)
	CMD=$1
	shift
	;;
esac
DIR=${1:-./quickstart}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

SIP_DOMAIN=sip.example
XMPP_DOMAIN=xmpp.example
# Rooms (XEP-0045): Prosody's MUC service, and the SIP domain its rooms
# have on the SIP side (mapping rule "room").
MUC_DOMAIN=conference.$XMPP_DOMAIN
ROOM_DOMAIN=conf.$SIP_DOMAIN
PY=/usr/bin/python3

die() {
	echo "quickstart: $*" >&2
	exit 1
}

# running NAME: true if DIR/NAME.pid names a live process.
running() {
	local f="$DIR/$1.pid"
	[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# stop_one NAME: SIGTERM the pid in DIR/NAME.pid, wait, SIGKILL if needed.
stop_one() {
	local name=$1 f="$DIR/$1.pid" pid _
	if ! running "$name"; then
		rm -f "$f"
		return 0
	fi
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "quickstart: $name (pid $pid) did not stop; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
	echo "stopped $name (pid $pid)"
}

# free_port PREFERRED: PREFERRED if free on UDP and TCP, else the next free.
free_port() {
	"$PY" - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
for p in range(port, port + 200):
    ok = True
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(p)
        sys.exit(0)
sys.exit("no free port near %d" % port)
PY
}

# wait_for FILE REGEX SECONDS PIDNAME: wait for a log line.
wait_for() {
	local file=$1 re=$2 secs=$3 name=$4 _
	for _ in $(seq 1 $((secs * 5))); do
		if grep -Eq "$re" "$file" 2>/dev/null; then
			return 0
		fi
		running "$name" || break
		sleep 0.2
	done
	echo "quickstart: $name did not get ready; last lines of $file:" >&2
	tail -n 30 "$file" >&2 || true
	return 1
}

# wait_tcp PORT SECONDS NAME: wait until 127.0.0.1:PORT accepts.
wait_tcp() {
	local port=$1 secs=$2 name=$3 _
	for _ in $(seq 1 $((secs * 5))); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		running "$name" || break
		sleep 0.2
	done
	return 1
}

# secret: a random word for passwords and the component secret.
secret() {
	head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

do_stop() {
	stop_one sipxmppd
	stop_one kamailio
	stop_one prosody
}

print_instructions() {
	# shellcheck disable=SC1091
	. "$DIR/ports.env"
	cat <<EOF

================================================================
 sipxmpp quickstart is running (everything on 127.0.0.1 only)
================================================================

 SIP softphone (Linphone, Jitsi, baresip, MicroSIP...):
   account / user      romeo@$SIP_DOMAIN   (any user name works)
   domain              $SIP_DOMAIN
   registrar / proxy   127.0.0.1:$KAMAILIO_PORT  (UDP or TCP)
   password            any, or none (no authentication in this demo)
   then write to       sip:juliet@$XMPP_DOMAIN

 Jabber client (Gajim, Dino, Conversations, Psi+...):
   account             juliet@$XMPP_DOMAIN   password $JULIET_PW
                       nurse@$XMPP_DOMAIN    password $NURSE_PW
   server / port       127.0.0.1:$C2S_PORT  (set it by hand: the domain
                       does not resolve)
   encryption          none / allow plaintext (loopback only)
   then write to       romeo@$SIP_DOMAIN

 Group chat in the room lobby@$MUC_DOMAIN (XEP-0045):
   softphone           write to sip:lobby@$ROOM_DOMAIN
                       Your first message joins the room (nick: your
                       display name, else your user name); what others
                       say there comes back from that address, each
                       message as "nick: text". A message that is only
                       /who lists who is there, /nick NAME renames you,
                       /leave leaves, /help lists these.
   Jabber client       join the room lobby@$MUC_DOMAIN

 Presence, both ways (RFC 8048):
   softphone           add sip:juliet@$XMPP_DOMAIN as a buddy (contact)
                       and turn on publishing presence in the account
                       settings (linphonec: publish=1 in its proxy section)
   Jabber client       add romeo@$SIP_DOMAIN as a contact; approve the
                       request that comes back from him

 Without a softphone, from this shell (juliet sees it once logged in):
   sipsak -f $DIR/test-message.sip -s sip:juliet@127.0.0.1:$KAMAILIO_PORT
 How an address is translated:
   $SRC/build/gateway/sipxmppd -c $DIR/sipxmppd.conf --map sip:romeo@$SIP_DOMAIN

 Logs:
   gateway   $DIR/sipxmppd.log
   kamailio  $DIR/kamailio.log
   prosody   $DIR/prosody/prosody.log

 Stop it all:  $SRC/contrib/quickstart.sh stop $DIR
 Status:       $SRC/contrib/quickstart.sh status $DIR
================================================================
EOF
}

do_status() {
	local n
	for n in prosody kamailio sipxmppd; do
		if running "$n"; then
			echo "$n: running (pid $(cat "$DIR/$n.pid"))"
		else
			echo "$n: stopped"
		fi
	done
	if [ -f "$DIR/ports.env" ]; then
		cat "$DIR/ports.env"
	fi
}

write_prosody() {
	mkdir -p "$DIR/prosody/data" "$DIR/prosody/certs"
	cat >"$DIR/prosody/prosody.cfg.lua" <<EOF
-- sipxmpp quickstart: Prosody for $XMPP_DOMAIN on loopback only.
-- See contrib/prosody/sipxmpp-component.cfg.lua for a production snippet.
pidfile = "$DIR/prosody/prosody.pid"
data_path = "$DIR/prosody/data"
certificates = "$DIR/prosody/certs"
log = { info = "$DIR/prosody/prosody.log" }
-- The demo runs as whoever starts it (root on a fresh box).
run_as_root = true
interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
component_ports = { $COMPONENT_PORT }
component_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
-- Nagle off: small stanzas would otherwise wait for delayed ACKs.
network_settings = { nagle = false }
-- Loopback demo: no certificates, plaintext logins allowed.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
allow_registration = false
modules_enabled = { "roster", "saslauth", "disco", "ping", "offline",
	"carbons", "posix", "time", "version", "admin_shell" }
-- prosodyctl shell (used once, to create the room lobby) talks to Prosody
-- over this socket, in its data directory.
admin_socket = "$DIR/prosody/data/prosody.sock"

modules_disabled = { "s2s", "tls" }

VirtualHost "$XMPP_DOMAIN"

-- The gateway: SIP users appear as user@$SIP_DOMAIN.
Component "$SIP_DOMAIN"
	component_secret = "$COMPONENT_SECRET"

-- Group chat (XEP-0045). Rooms are kept across restarts; the gateway's
-- SIP users join them through the mapping's "room" rule.
Component "$MUC_DOMAIN" "muc"
	muc_room_default_persistent = true
	muc_room_locking = false
EOF
}

# Kamailio: registrar, proxy and presence server (presence, presence_xml,
# db_text) for $SIP_DOMAIN, routing $XMPP_DOMAIN to sipxmppd. The config
# comes from the same fixture the interop tests run Kamailio with, so the
# quickstart runs what is tested (see contrib/kamailio/route-xmpp.cfg for
# the part to copy into an existing Kamailio).
write_kamailio() {
	mkdir -p "$DIR/kamailio-run"
	/usr/bin/python3 - "$SRC" "$DIR" "$SIP_DOMAIN" "$XMPP_DOMAIN" \
	    "$ROOM_DOMAIN" "$KAMAILIO_PORT" "$GATEWAY_PORT" <<'PY' || die "cannot write kamailio.cfg"
import sys
src, d, sip_domain, xmpp_domain, room_domain, kport, gport = sys.argv[1:]
sys.path.insert(0, src + "/tests/interop")
from harness.kamailio import Kamailio
k = Kamailio(d, domain=sip_domain, port=int(kport), presence=True,
             routes={xmpp_domain: ("127.0.0.1", int(gport), "udp"),
                     room_domain: ("127.0.0.1", int(gport), "udp")})
k.run_dir = d + "/kamailio-run"
k.write_config()
PY
}

write_gateway() {
	cat >"$DIR/mapping.table" <<EOF
# sipxmpp-mapping(5): who is who on the other side.
# SIP users of $SIP_DOMAIN appear in XMPP as user@$SIP_DOMAIN (the
# gateway's component domain); XMPP users of $XMPP_DOMAIN appear in SIP as
# sip:user@$XMPP_DOMAIN. The rooms of $MUC_DOMAIN are
# sip:room@$ROOM_DOMAIN (sip:lobby@$ROOM_DOMAIN is the room lobby).
domain $SIP_DOMAIN $SIP_DOMAIN
domain $XMPP_DOMAIN $XMPP_DOMAIN
room $ROOM_DOMAIN $MUC_DOMAIN
EOF
	cat >"$DIR/sipxmppd.conf" <<EOF
# sipxmppd.conf(5) for the quickstart.
[gateway]
log_level = info
mapping_file = mapping.table

[sip]
listen = udp:127.0.0.1:$GATEWAY_PORT tcp:127.0.0.1:$GATEWAY_PORT
# XMPP->SIP messages go to Kamailio, which knows where romeo registered.
outbound_proxy = sip:127.0.0.1:$KAMAILIO_PORT;transport=udp

[xmpp]
host = 127.0.0.1
port = $COMPONENT_PORT
component = $SIP_DOMAIN
secret = $COMPONENT_SECRET

[message]
xmpp_type = normal

[presence]
# Subscriptions survive a restart of the gateway in this file.
state_file = presence.db
EOF
	chmod 600 "$DIR/sipxmppd.conf"	# it holds the component secret
	# A MESSAGE for sipsak -f. No newline after the body: sipsak sends the
	# file as it is and Kamailio checks Content-Length exactly.
	local body="Hello Juliet, this is romeo via sipsak."
	printf '%s\n' \
	    "MESSAGE sip:juliet@$XMPP_DOMAIN SIP/2.0" \
	    "From: <sip:romeo@$SIP_DOMAIN>;tag=quickstart" \
	    "To: <sip:juliet@$XMPP_DOMAIN>" \
	    "Call-ID: quickstart-$(secret)@127.0.0.1" \
	    "CSeq: 1 MESSAGE" \
	    "Max-Forwards: 70" \
	    "Content-Type: text/plain;charset=UTF-8" \
	    "Content-Length: ${#body}" \
	    "" >"$DIR/test-message.sip"
	printf '%s' "$body" >>"$DIR/test-message.sip"
}

do_start() {
	if running prosody || running kamailio || running sipxmppd; then
		echo "quickstart: already running in $DIR (stop it with:" \
		    "$0 stop $DIR)"
		print_instructions
		return 0
	fi

	echo "== installing Debian packages (skipped if present)"
	bash "$SRC/contrib/install-deps.sh"

	echo "== building sipxmppd in $SRC/build"
	cmake -S "$SRC" -B "$SRC/build" >/dev/null
	cmake --build "$SRC/build" --target sipxmppd -j"${JOBS:-2}"
	SIPXMPPD="$SRC/build/gateway/sipxmppd"
	[ -x "$SIPXMPPD" ] || die "no $SIPXMPPD after the build"

	# Ports and secrets: chosen once, kept for later runs in this DIR.
	if [ ! -f "$DIR/ports.env" ]; then
		KAMAILIO_PORT=$(free_port 5060)
		GATEWAY_PORT=$(free_port $((KAMAILIO_PORT + 10)))
		C2S_PORT=$(free_port 5222)
		COMPONENT_PORT=$(free_port 5347)
		cat >"$DIR/ports.env" <<EOF
KAMAILIO_PORT=$KAMAILIO_PORT
GATEWAY_PORT=$GATEWAY_PORT
C2S_PORT=$C2S_PORT
COMPONENT_PORT=$COMPONENT_PORT
COMPONENT_SECRET=$(secret)
JULIET_PW=juliet-$(secret | head -c 8)
NURSE_PW=nurse-$(secret | head -c 8)
EOF
		chmod 600 "$DIR/ports.env"
	fi
	# shellcheck disable=SC1091
	. "$DIR/ports.env"

	write_prosody
	write_kamailio
	write_gateway

	echo "== checking configurations"
	"$SIPXMPPD" -c "$DIR/sipxmppd.conf" --check-config
	kamailio -c -f "$DIR/kamailio.cfg" -Y "$DIR/kamailio-run" -w "$DIR" \
	    >"$DIR/kamailio-check.log" 2>&1 ||
	    { cat "$DIR/kamailio-check.log"; die "kamailio config rejected"; }

	echo "== starting prosody (c2s 127.0.0.1:$C2S_PORT," \
	    "component 127.0.0.1:$COMPONENT_PORT)"
	local pcfg="$DIR/prosody/prosody.cfg.lua"
	for u in "juliet:$JULIET_PW" "nurse:$NURSE_PW"; do
		prosodyctl --config "$pcfg" register "${u%%:*}" "$XMPP_DOMAIN" \
		    "${u#*:}" >/dev/null 2>&1 ||
		    die "could not register ${u%%:*}@$XMPP_DOMAIN"
	done
	setsid prosody --config "$pcfg" -F </dev/null \
	    >"$DIR/prosody/console.log" 2>&1 &
	echo $! >"$DIR/prosody.pid"
	wait_tcp "$COMPONENT_PORT" 20 prosody ||
	    { tail -n 30 "$DIR/prosody/prosody.log" "$DIR/prosody/console.log";
	      die "prosody did not start"; }
	# The room lobby, persistent (so a later start finds it already).
	if ! prosodyctl --config "$pcfg" shell muc list "$MUC_DOMAIN" \
	    2>/dev/null | grep -qx "lobby@$MUC_DOMAIN"; then
		prosodyctl --config "$pcfg" shell muc create \
		    "lobby@$MUC_DOMAIN" >"$DIR/prosody/lobby.log" 2>&1 ||
		    { cat "$DIR/prosody/lobby.log";
		      die "could not create the room lobby@$MUC_DOMAIN"; }
	fi

	echo "== starting kamailio (SIP 127.0.0.1:$KAMAILIO_PORT)"
	setsid kamailio -DD -E -f "$DIR/kamailio.cfg" \
	    -P "$DIR/kamailio-run/kamailio.pid" -Y "$DIR/kamailio-run" \
	    -w "$DIR" -m 64 -M 8 </dev/null >"$DIR/kamailio.log" 2>&1 &
	echo $! >"$DIR/kamailio.pid"
	wait_tcp "$KAMAILIO_PORT" 20 kamailio ||
	    { tail -n 30 "$DIR/kamailio.log"; die "kamailio did not start"; }

	echo "== starting sipxmppd (SIP 127.0.0.1:$GATEWAY_PORT)"
	(cd "$DIR" && exec setsid "$SIPXMPPD" -c "$DIR/sipxmppd.conf" \
	    </dev/null >"$DIR/sipxmppd.log" 2>&1) &
	echo $! >"$DIR/sipxmppd.pid"
	wait_for "$DIR/sipxmppd.log" "xmpp link up" 20 sipxmppd ||
	    die "sipxmppd did not connect to prosody (see $DIR/sipxmppd.log)"

	print_instructions
}

case $CMD in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
esac
