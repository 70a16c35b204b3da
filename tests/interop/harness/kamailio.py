"""A Kamailio fixture: registrar and proxy for the SIP domain, routing the
XMPP domain(s) to the gateway. It runs from its own work directory
(`kamailio -DD -E -f CFG -P PIDFILE -Y RUNDIR -w WORKDIR -m 64 -M 8`) on an
ephemeral port and touches no system path.

The config is assembled from parts (modules, modparams, route blocks): see
add_module(), add_modparam() and the pre_route / extra_routes hooks.

With presence=True it is also the presence server of its domain (RFC 3856,
RFC 3903): presence + presence_xml (force_active=1: every watcher is
authorized, no XCAP) over db_text on a private copy of Debian's table
definitions. PUBLISH and SUBSCRIBE for its users are handled locally;
SUBSCRIBEs for an XMPP domain go to the gateway record-routed, so the
gateway's in-dialog NOTIFYs and the watcher's refreshes pass through here.
"""

import glob
import os
import shutil
import subprocess

from . import util


def module_dir():
    """Where Debian installs Kamailio's modules."""
    found = sorted(glob.glob("/usr/lib/*/kamailio/modules"))
    if not found:
        raise RuntimeError("kamailio modules not found (apt-get install "
                           "kamailio)")
    return found[0]


BASE_MODULES = ["kex", "corex", "tm", "sl", "rr", "pv", "maxfwd", "usrloc",
                "registrar", "textops", "siputils", "xlog", "sanity"]

# Debian's db_text table definitions (package kamailio).
DBTEXT_SOURCE = "/usr/share/kamailio/dbtext/kamailio"

# The tables presence and presence_xml touch (version rows included).
PRESENCE_TABLES = ("version", "presentity", "active_watchers", "watchers",
                   "xcap")


class Kamailio:
    """Kamailio 5.6 as registrar+proxy for `domain` on 127.0.0.1."""

    def __init__(self, workdir, domain="sip.test", routes=None, port=None,
                 debug=2, presence=False):
        """routes: {xmpp_domain: (host, port[, transport])}, the gateway
        that serves each foreign domain (RFC 7247 §5: the SIP server hands
        requests for the XMPP domain to the gateway).
        presence: also be the presence server for `domain`."""
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.domain = domain
        self.routes = dict(routes or {})
        self.port = port or util.free_port()
        self.debug = debug
        self.modules = list(BASE_MODULES)
        self.modparams = [
            ("usrloc", "db_mode", 0),
            # Linphone and others misbehave with GRUUs from the registrar.
            ("registrar", "gruu_enabled", 0),
            ("rr", "append_fromtag", 1),
            ("tm", "fr_timer", 10000),
        ]
        self.pre_route = ""       # script run first in request_route
        self.extra_routes = ""    # more route[...] blocks
        self.presence = False
        self.db_dir = os.path.join(workdir, "dbtext")
        self.config_path = os.path.join(workdir, "kamailio.cfg")
        self.pid_path = os.path.join(workdir, "kamailio.pid")
        self.run_dir = os.path.join(workdir, "run")
        self.log_path = os.path.join(workdir, "kamailio.log")
        self.proc = None
        self.tls_port = None      # enable_tls()
        self.tls_config_path = os.path.join(workdir, "tls.cfg")
        if presence:
            self.enable_presence()

    def enable_tls(self, cert, key, ca, verify_clients=True, port=None):
        """Listen for SIP over TLS too (module tls, Debian package
        kamailio-tls-modules), presenting cert/key to clients and, as the
        client certificate, to the TLS peers it connects to (mutual TLS);
        peers' certificates are checked against ca both ways."""
        self.tls_port = port or util.free_port()
        self.add_module("tls")
        self.modparams.append(("tls", "config", self.tls_config_path))
        self.tls = {"cert": cert, "key": key, "ca": ca,
                    "verify": "yes" if verify_clients else "no"}

    def render_tls(self):
        """The tls module's own file: one server and one client profile."""
        t = self.tls
        out = []
        for role, verify in (("server", t["verify"]), ("client", "yes")):
            out += ["[%s:default]" % role,
                    "method = TLSv1.2+",
                    "verify_certificate = %s" % verify,
                    "require_certificate = %s" % verify,
                    "private_key = %s" % t["key"],
                    "certificate = %s" % t["cert"],
                    "ca_list = %s" % t["ca"], ""]
        return "\n".join(out)

    def enable_presence(self):
        """Make this Kamailio the presence server of its domain."""
        if self.presence:
            return
        self.presence = True
        url = "text://%s" % os.path.abspath(self.db_dir)
        for m in ("textopsx", "db_text", "presence", "presence_xml"):
            self.add_module(m)
        self.modparams += [
            ("presence", "db_url", url),
            ("presence_xml", "db_url", url),
            # Its Contact in 200s and NOTIFYs: where refreshes come back.
            ("presence", "server_address", self.uri),
            # No pres-rules: every watcher is active at once (no XCAP).
            ("presence_xml", "force_active", 1),
            ("presence_xml", "integrated_xcap_server", 0),
            # Subscriptions in memory, written through: nothing is lost
            # between the db_text flushes and nothing waits for a timer.
            ("presence", "subs_db_mode", 1),
            ("presence", "max_expires", 3600),
            ("presence", "min_expires", 30),
        ]

    @property
    def addr(self):
        """(host, port) of the proxy."""
        return ("127.0.0.1", self.port)

    @property
    def uri(self):
        """The proxy as a loose-routing SIP URI."""
        return "sip:127.0.0.1:%d" % self.port

    def add_module(self, name):
        """Load another module (e.g. 'presence')."""
        if name not in self.modules:
            self.modules.append(name)

    def add_modparam(self, module, name, value):
        """Add a modparam line."""
        self.modparams.append((module, name, value))

    def route_xmpp_domain(self, domain, host, port, transport="udp"):
        """Send requests for an XMPP domain to the gateway at host:port."""
        self.routes[domain] = (host, port, transport)

    def render(self):
        """The kamailio.cfg text."""
        out = [
            "#!KAMAILIO",
            "# written by tests/interop/harness/kamailio.py",
            "debug=%d" % self.debug,
            "log_stderror=yes",
            "fork=yes",
            "children=2",
            "tcp_children=2",
            "auto_aliases=no",
            "listen=udp:127.0.0.1:%d" % self.port,
            "listen=tcp:127.0.0.1:%d" % self.port,
        ]
        if self.tls_port:
            out += ["enable_tls=yes",
                    "listen=tls:127.0.0.1:%d" % self.tls_port]
        out += [
            'alias="%s"' % self.domain,
            'mpath="%s/"' % module_dir(),
            "tcp_connection_lifetime=3605",
            "",
        ]
        for m in self.modules:
            out.append('loadmodule "%s.so"' % m)
        out.append("")
        for mod, name, value in self.modparams:
            if isinstance(value, int):
                out.append('modparam("%s", "%s", %d)' % (mod, name, value))
            else:
                out.append('modparam("%s", "%s", "%s")' % (mod, name, value))
        out.append("")
        pre = self.pre_route
        if self.presence:
            pre = PRESENCE_PRE_ROUTE % {"domain": self.domain} + pre
        out.append(ROUTE_HEAD % {"pre_route": pre,
                                 "indialog": PRESENCE_INDIALOG
                                 if self.presence else "",
                                 "indialog_rr": NOTIFY_RR
                                 if self.presence else ""})
        for dom, target in sorted(self.routes.items()):
            host, port = target[0], target[1]
            tp = target[2] if len(target) > 2 else "udp"
            out.append(XMPP_ROUTE % {"dom": dom, "host": host, "port": port,
                                     "tp": tp, "rr": XMPP_RR
                                     if self.presence else ""})
        out.append(ROUTE_TAIL % {"domain": self.domain})
        if self.presence:
            out.append(PRESENCE_ROUTE)
        out.append(self.extra_routes)
        return "\n".join(out) + "\n"

    def write_config(self):
        """Write kamailio.cfg and create the runtime directory (and, for
        presence, the private db_text tables, once: a restart keeps
        them)."""
        os.makedirs(self.run_dir, exist_ok=True)
        if self.presence and not os.path.isdir(self.db_dir):
            os.makedirs(self.db_dir)
            for t in PRESENCE_TABLES:
                shutil.copyfile(os.path.join(DBTEXT_SOURCE, t),
                                os.path.join(self.db_dir, t))
        with open(self.config_path, "w") as f:
            f.write(self.render())
        if self.tls_port:
            with open(self.tls_config_path, "w") as f:
                f.write(self.render_tls())

    def check_config(self):
        """kamailio -c: raise with its output if the config is bad."""
        r = subprocess.run(["kamailio", "-c", "-f", self.config_path,
                            "-Y", self.run_dir, "-w", self.workdir],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("kamailio -c failed:\n%s%s" % (r.stdout,
                                                              r.stderr))

    def start(self, timeout=15.0):
        """Write the config, check it, start Kamailio, wait for its port."""
        self.write_config()
        self.check_config()
        self.proc = util.processes.start(
            ["kamailio", "-DD", "-E", "-f", self.config_path,
             "-P", self.pid_path, "-Y", self.run_dir, "-w", self.workdir,
             "-m", "64", "-M", "8"],
            log_path=self.log_path, cwd=self.workdir)
        # The pid file is written once the listeners are bound and the
        # workers forked; the TCP port answering confirms it.
        util.wait_for(lambda: os.path.exists(self.pid_path), timeout,
                      what="kamailio pid file")
        util.wait_for_port(self.port, timeout=timeout, proc=self.proc)
        return self

    def stop(self):
        """SIGTERM the main process (and its workers' group)."""
        if self.proc is not None:
            util.processes.stop(self.proc)
            self.proc = None

    def alive(self):
        """True while Kamailio runs."""
        return self.proc is not None and self.proc.poll() is None


ROUTE_HEAD = r"""
request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed request from $si:$sp\n");
		exit;
	}
%(pre_route)s
	# In-dialog requests follow their route set.
	if (has_totag()) {
		if (loose_route()) {
%(indialog_rr)s			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans()) {
				t_relay();
			}
			exit;
		}
%(indialog)s
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			t_relay();
		}
		exit;
	}
	if (is_method("OPTIONS") && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}
"""

XMPP_ROUTE = r"""
	# RFC 7247 §5: %(dom)s is an XMPP domain; its gateway takes it.
	if ($rd == "%(dom)s") {
		xlog("L_INFO", "$rm $ru -> gateway %(host)s:%(port)s\n");
%(rr)s
		$du = "sip:%(host)s:%(port)s;transport=%(tp)s";
		if (!t_relay()) {
			sl_reply_error();
		}
		exit;
	}
"""

ROUTE_TAIL = r"""
	if ($rd == "%(domain)s" || $rd == "127.0.0.1") {
		if (is_method("REGISTER")) {
			if (!save("location")) {
				sl_reply_error();
			}
			exit;
		}
		if (!lookup("location")) {
			sl_send_reply("404", "Not Found");
			exit;
		}
		xlog("L_INFO", "$rm to local user -> $ru\n");
		if (!t_relay()) {
			sl_reply_error();
		}
		exit;
	}
	sl_send_reply("404", "No route to that domain");
	exit;
}
"""

# Presence (enable_presence): PUBLISH/SUBSCRIBE addressed to this server
# (its domain, or its own address for in-dialog refreshes, which carry the
# server_address Contact as Request-URI) are handled here, whatever Route
# they carry (Linphone preloads its outbound proxy as a Route): a Request-
# URI of ours means the request has arrived.
PRESENCE_PRE_ROUTE = r"""
	if (is_method("PUBLISH|SUBSCRIBE") && uri == myself) {
		route(PRESENCE);
		exit;
	}
	if (is_method("PUBLISH") && $rd != "%(domain)s" && uri != myself) {
		# RFC 3903: only our own users publish here.
		sl_send_reply("403", "Not our presentity");
		exit;
	}
"""

# Inside the has_totag() block, after loose_route() failed: an in-dialog
# request (a NOTIFY from the gateway) that reached us without a Route
# header: relay it to its Request-URI, the peer's Contact.
PRESENCE_INDIALOG = r"""
		if (uri != myself) {
			xlog("L_INFO", "in-dialog $rm without route -> $ru\n");
			t_relay();
			exit;
		}"""

# A NOTIFY may create the subscription dialog at the watcher (RFC 6665
# §4.1.2.4: it can overtake the 200), whose route set then comes from the
# NOTIFY's Record-Route: stay on the path for it as for the SUBSCRIBE.
NOTIFY_RR = r"""			if (is_method("NOTIFY")) {
				record_route();
			}
"""

# SUBSCRIBE to the XMPP domain: stay on the path of the dialog (RFC 3261
# §16.6 step 4) so NOTIFYs and refreshes traverse this proxy.
XMPP_RR = r"""		if (is_method("SUBSCRIBE")) {
			record_route();
		}"""

PRESENCE_ROUTE = r"""
route[PRESENCE] {
	# Some UAs leave Content-Length out over UDP (allowed, RFC 3261
	# §18.3) when they un-PUBLISH; presence insists on the header.
	if (!is_present_hf("Content-Length")) {
		append_hf("Content-Length: $bs\r\n");
		msg_apply_changes();
	}
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	if (is_method("PUBLISH")) {
		xlog("L_INFO", "PUBLISH $ru expires=$hdr(Expires) etag=$hdr(SIP-If-Match)\n");
		handle_publish();
	} else {
		xlog("L_INFO", "SUBSCRIBE $ru from $fu expires=$hdr(Expires)\n");
		handle_subscribe();
	}
	t_release();
	exit;
}
"""
