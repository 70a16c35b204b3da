/*
 * The option table: every key of sipxmppd.conf, declared once with its
 * type, bounds, default and help. The loader, the validation, the
 * annotated example file and the option list of sipxmppd.conf(5) are all
 * derived from it, so adding an option here is the whole job.
 *
 * Help texts are for operators: say what the option changes and in which
 * unit, in plain ASCII (they end up in roff and in '#' comments).
 */
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "config.h"

/* Values of [gateway] log_level: syslog priorities, as log.h uses them. */
static const struct config_enum_name log_level_names[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
	{ NULL, 0 },
};

/*
 * Values of [gateway] trace: the TRACE_* bits of log.h, which this
 * library does not include (it links libc and inih only); test_log.c
 * checks that both tables give each name the same bits.
 */
static const struct config_enum_name trace_names[] = {
	{ "none", 0 },
	{ "sip", 0x01 },
	{ "xmpp", 0x02 },
	{ "message", 0x04 },
	{ "presence", 0x08 },
	{ "room", 0x10 },
	{ "all", 0x1f },
	{ NULL, 0 },
};

/* RFC 7572 §5: page-mode messages map to type "normal" by default. */
static const struct config_enum_name message_type_names[] = {
	{ "normal", XMPP_TYPE_NORMAL },
	{ "chat", XMPP_TYPE_CHAT },
	{ NULL, 0 },
};

/* Values of [sip] options_answer. */
static const struct config_enum_name options_answer_names[] = {
	{ "link", OPTIONS_ANSWER_LINK },
	{ "always", OPTIONS_ANSWER_ALWAYS },
	{ NULL, 0 },
};

static const struct config_enum_name size_policy_names[] = {
	{ "always", SIZE_LIMIT_ALWAYS },
	{ "udp", SIZE_LIMIT_UDP },
	{ "never", SIZE_LIMIT_NEVER },
	{ NULL, 0 },
};

#define OFF(field) offsetof(struct config, field)

/* Sections in file order; the example and the man page follow it. */
const char *const config_sections[] = {
	"gateway", "sip", "xmpp", "message", "receipts", "presence", "rooms",
	"typing",
	NULL
};

const struct config_option config_options[] = {
	/* [gateway] */
	{
		.section = "gateway", .key = "log_level",
		.type = CONFIG_ENUM, .offset = OFF(log_level),
		.def = "info", .arg = "level", .names = log_level_names,
		.help = "Least severe messages that are logged: error logs "
		    "only failures, debug also every message the gateway "
		    "carries.",
	},
	{
		.section = "gateway", .key = "log_target",
		.type = CONFIG_STRING, .offset = OFF(log_target),
		.def = "stderr", .arg = "target",
		.check = config_check_log_target,
		.help = "Where log messages go: stderr, or syslog (facility "
		    "daemon).",
	},
	{
		.section = "gateway", .key = "trace",
		.type = CONFIG_FLAGS, .offset = OFF(trace),
		.def = "none", .arg = "categories", .names = trace_names,
		.help = "Trace categories to log, whatever log_level says: "
		    "sip (connections opened and closed, stray requests), "
		    "xmpp (link states, stanzas ignored), message (each "
		    "message carried, each way), presence (every state "
		    "change of every subscription, each NOTIFY and presence "
		    "stanza). Trace lines read 'trace presence: ...' at "
		    "priority debug. sipxmppd -T adds categories to these.",
	},
	{
		.section = "gateway", .key = "mapping_file",
		.type = CONFIG_PATH, .offset = OFF(mapping_file),
		.def = "mapping.table", .example = "mapping.table",
		.arg = "file",
		.help = "Address mapping table, see sipxmpp-mapping(5). A "
		    "relative name is taken relative to the directory of "
		    "this configuration file.",
	},
	{
		.section = "gateway", .key = "shutdown_grace_ms",
		.type = CONFIG_INT, .offset = OFF(shutdown_grace_ms),
		.def = "3000", .arg = "ms", .min = 0, .max = 60000,
		.help = "On SIGTERM or SIGINT, how long the gateway keeps "
		    "running to answer the messages still in flight before "
		    "it exits, in milliseconds.",
	},

	/* [sip] */
	{
		.section = "sip", .key = "listen",
		.type = CONFIG_LISTEN, .offset = OFF(listen),
		.def = "udp:127.0.0.1:5070 tcp:127.0.0.1:5070",
		.example = "udp:127.0.0.1:5070 tcp:127.0.0.1:5070",
		.arg = "addresses",
		.help = "Addresses to receive SIP on: a list, separated by "
		    "spaces or commas, of udp:HOST:PORT, tcp:HOST:PORT and "
		    "tls:HOST:PORT (SIP over TLS, RFC 3261 section 26; needs "
		    "tls_certificate and tls_key), "
		    "with a numeric HOST; an IPv6 address goes in brackets, "
		    "as in udp:[::1]:5070. At most 16 addresses.",
	},
	{
		.section = "sip", .key = "outbound_proxy",
		.type = CONFIG_STRING, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_outbound_proxy), .arg = "uri",
		.check = config_check_sip_proxy,
		.help = "SIP proxy through which every request the gateway "
		    "sends is routed, as sip:HOST[:PORT][;transport=udp|tcp|"
		    "tls] or sips:HOST[:PORT] (TLS, port 5061 by default; the "
		    "proxy's certificate must name HOST, and listen needs a "
		    "tls: address). "
		    "Empty: requests go to the host of their Request-URI.",
	},
	{
		.section = "sip", .key = "contact_host",
		.type = CONFIG_STRING, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_contact_host), .arg = "host",
		.check = config_check_host,
		.help = "Host name or address the gateway puts in the Via and "
		    "Contact headers it sends, for peers that must reach it "
		    "under another name than its listening address (NAT, "
		    "wildcard listeners). Empty: the listener's address.",
	},
	{
		.section = "sip", .key = "dns_server",
		.type = CONFIG_STRING, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_dns_server), .arg = "addr[:port]",
		.check = config_check_dns_server,
		.help = "Name server asked for the NAPTR, SRV and address "
		    "records that locate a SIP next hop (RFC 3263) when there "
		    "is no outbound proxy, as ADDR, ADDR:PORT or [IPV6]:PORT. "
		    "Empty: the servers in /etc/resolv.conf.",
	},
	{
		.section = "sip", .key = "t1_ms",
		.type = CONFIG_INT, .offset = OFF(sip_t1_ms),
		.def = "500", .arg = "milliseconds", .min = 100, .max = 2000,
		.help = "RFC 3261 timer T1, the round-trip estimate: a request "
		    "the gateway sends over UDP is retransmitted after T1, "
		    "2*T1, ... (at most every 4 s) and given up after 64*T1 "
		    "(Timer F, 32 s by default), which also ends a "
		    "subscription whose NOTIFY went unanswered. Lower it only "
		    "on a fast network.",
	},
	{
		.section = "sip", .key = "max_message_bytes",
		.type = CONFIG_INT, .offset = OFF(sip_max_message_bytes),
		.def = "65536", .arg = "bytes", .min = 1500, .max = 1048576,
		.help = "Largest SIP message, headers and body, that the "
		    "gateway accepts, in bytes. A TCP peer that sends a "
		    "larger one is disconnected.",
	},
	{
		.section = "sip", .key = "tcp_idle_timeout_s",
		.type = CONFIG_INT, .offset = OFF(sip_tcp_idle_timeout_s),
		.def = "300", .arg = "seconds", .min = 1, .max = 86400,
		.help = "A TCP connection on which nothing arrives for this "
		    "many seconds is closed.",
	},
	{
		.section = "sip", .key = "max_connections",
		.type = CONFIG_INT, .offset = OFF(sip_max_connections),
		.def = "1024", .arg = "number", .min = 1, .max = 65535,
		.help = "Most SIP TCP connections open at the same time. An "
		    "eighth of them (at most 32) is kept for the connections "
		    "the gateway opens itself (to the outbound proxy); while "
		    "the rest are taken by incoming ones, no new connection "
		    "is accepted until one closes. At start the open-file "
		    "limit is raised to its hard limit, and this number is "
		    "lowered, with a warning, if the limit cannot hold it.",
	},
	{
		.section = "sip", .key = "tcp_output_limit",
		.type = CONFIG_INT, .offset = OFF(sip_tcp_output_limit),
		.def = "262144", .arg = "bytes", .min = 4096,
		.max = 67108864,
		.help = "Bytes that may wait to be sent on one SIP TCP "
		    "connection. Beyond that the gateway stops reading from "
		    "the connection (a peer that does not read its answers "
		    "gets no more) until a quarter of it is left.",
	},
	{
		.section = "sip", .key = "tcp_write_timeout_s",
		.type = CONFIG_INT, .offset = OFF(sip_tcp_write_timeout_s),
		.def = "10", .arg = "seconds", .min = 1, .max = 3600,
		.help = "A SIP TCP connection whose unsent bytes stay over "
		    "tcp_output_limit for this many seconds is closed, as is "
		    "one closing whose last answer is not taken in that time.",
	},
	{
		.section = "sip", .key = "tcp_message_timeout_s",
		.type = CONFIG_INT, .offset = OFF(sip_tcp_message_timeout_s),
		.def = "10", .arg = "seconds", .min = 1, .max = 3600,
		.help = "A SIP TCP peer that has begun a message (its headers "
		    "or its body) must send the whole of it within this "
		    "many seconds, or the connection is closed.",
	},
	{
		.section = "sip", .key = "udp_receive_buffer",
		.type = CONFIG_INT, .offset = OFF(sip_udp_receive_buffer),
		.def = "1048576", .arg = "bytes", .min = 65536,
		.max = 67108864,
		.help = "Receive buffer of each SIP UDP socket (SO_RCVBUF): what "
		    "waits while the gateway is busy, about 1,000 MESSAGEs "
		    "per MiB. Larger absorbs longer bursts but lets requests "
		    "queue longer under overload; the kernel caps it at "
		    "net.core.rmem_max.",
	},
	{
		.section = "sip", .key = "tls_certificate",
		.type = CONFIG_PATH, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_tls_certificate), .arg = "file",
		.help = "PEM file holding the certificate the gateway presents "
		    "on TLS (its own first, then any intermediate CA "
		    "certificates): to peers on tls: listeners, and to the "
		    "next hops it connects to when they ask for one (mutual "
		    "TLS). Required with a tls: listener. Its names should be "
		    "those peers reach the gateway by (RFC 5922: "
		    "subjectAltName DNS or sip:HOST). Read again on SIGHUP.",
	},
	{
		.section = "sip", .key = "tls_key",
		.type = CONFIG_PATH, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_tls_key), .arg = "file",
		.help = "PEM file holding the private key of tls_certificate, "
		    "unencrypted. Keep it readable by the gateway only. Read "
		    "again on SIGHUP; a certificate and key that do not load "
		    "or do not match are refused and the previous ones kept.",
	},
	{
		.section = "sip", .key = "tls_ca_file",
		.type = CONFIG_PATH, .flags = CONFIG_OPTIONAL,
		.offset = OFF(sip_tls_ca_file), .arg = "file",
		.help = "PEM file of the certificate authorities whose "
		    "certificates the gateway accepts from TLS peers (next "
		    "hops, and clients with tls_verify_client). Empty: the "
		    "system's default CAs. Read again on SIGHUP.",
	},
	{
		.section = "sip", .key = "tls_verify_client",
		.type = CONFIG_BOOL, .offset = OFF(sip_tls_verify_client),
		.def = "no", .arg = "yes|no",
		.help = "Mutual TLS: with yes, a peer connecting to a tls: "
		    "listener must present a certificate signed by a CA of "
		    "tls_ca_file, or the handshake fails. With no, no "
		    "certificate is asked for.",
	},
	{
		.section = "sip", .key = "tls_handshake_timeout_s",
		.type = CONFIG_INT, .offset = OFF(sip_tls_handshake_timeout_s),
		.def = "10", .arg = "seconds", .min = 1, .max = 300,
		.help = "A TLS connection, incoming or outgoing, whose "
		    "handshake has not finished within this many seconds is "
		    "closed (a peer that connects and says nothing holds a "
		    "descriptor otherwise).",
	},
	{
		.section = "sip", .key = "keepalive_s",
		.type = CONFIG_INT, .offset = OFF(sip_keepalive_s),
		.def = "90", .arg = "seconds", .min = 0, .max = 3600,
		.help = "RFC 5626 keep-alive: on a TCP or TLS connection the "
		    "gateway opened, a CRLFCRLF ping is sent after this many "
		    "seconds without traffic (the peer answers CRLF). 0: no "
		    "pings. Pings from peers are always answered.",
	},

	{
		.section = "sip", .key = "options_answer",
		.type = CONFIG_ENUM, .offset = OFF(sip_options_answer),
		.def = "link", .arg = "when", .names = options_answer_names,
		.help = "How OPTIONS requests, which a proxy's dispatcher "
		    "sends to see whether the gateway is up, are answered: "
		    "link, 200 while the link to the XMPP server is up and "
		    "503 (Service Unavailable) with Retry-After "
		    "([message] retry_after_s) while it is down, so that "
		    "traffic goes to a gateway that can deliver it; always, "
		    "200 whatever the link.",
	},
	{
		.section = "sip", .key = "trusted_peers",
		.type = CONFIG_STRING, .offset = OFF(sip_trusted_peers),
		.def = "127.0.0.0/8 ::1", .example = "127.0.0.0/8 ::1",
		.arg = "peers", .check = config_check_trusted_peers,
		.help = "The SIP proxies the gateway trusts (RFC 3325 trust "
		    "domain): only requests from them may carry messages and "
		    "subscriptions (MESSAGE, SUBSCRIBE, NOTIFY, PUBLISH from "
		    "anyone else are answered 403 and never reach XMPP; "
		    "OPTIONS is answered to all), and only their "
		    "P-Asserted-Identity names the sender. A list, separated "
		    "by spaces or commas, of IPv4 or IPv6 addresses, "
		    "networks as ADDRESS/BITS (10.1.2.0/24, fd00::/8), and "
		    "tls:NAME for a peer whose verified TLS certificate names "
		    "NAME; or none. THE DEFAULT TRUSTS LOOPBACK ONLY: a proxy "
		    "on another host must be listed here, and every user of "
		    "this host can send as anyone.",
	},
	{
		.section = "sip", .key = "source_requests_per_s",
		.type = CONFIG_INT, .offset = OFF(sip_source_requests_per_s),
		.def = "50", .arg = "requests", .min = 0, .max = 1000000,
		.help = "Requests a second one source that is not a trusted "
		    "peer may send (a token bucket per IPv4 address or IPv6 "
		    "/64, refilled at this rate, holding "
		    "source_request_burst); past it the source is answered "
		    "503 with Retry-After, logged once a second, while "
		    "every other source is served. 0: no limit. Trusted "
		    "peers are not limited: they carry every user's "
		    "traffic (limit users at the proxy).",
	},
	{
		.section = "sip", .key = "source_request_burst",
		.type = CONFIG_INT, .offset = OFF(sip_source_request_burst),
		.def = "100", .arg = "requests", .min = 1, .max = 1000000,
		.help = "How many requests a source that is not a trusted "
		    "peer may send at once, after a quiet while, before "
		    "source_requests_per_s applies.",
	},
	{
		.section = "sip", .key = "source_max_connections",
		.type = CONFIG_INT, .offset = OFF(sip_source_max_connections),
		.def = "8", .arg = "connections", .min = 0, .max = 100000,
		.help = "TCP and TLS connections one source (an IPv4 address "
		    "or IPv6 /64) that is not a trusted peer by address may "
		    "hold open to the gateway, beside max_connections for "
		    "all: one more is closed at once, logged once a second. "
		    "0: no limit.",
	},

	/* [xmpp] */
	{
		.section = "xmpp", .key = "host",
		.type = CONFIG_STRING, .offset = OFF(xmpp_host),
		.def = "127.0.0.1", .example = "127.0.0.1", .arg = "host",
		.check = config_check_host,
		.help = "XMPP server to connect to as a component (XEP-0114): "
		    "a host name or address. The component link is not "
		    "encrypted; keep it on the loopback interface or a "
		    "private network.",
	},
	{
		.section = "xmpp", .key = "port",
		.type = CONFIG_INT, .offset = OFF(xmpp_port),
		.def = "5347", .example = "5347", .arg = "port",
		.min = 1, .max = 65535,
		.help = "TCP port of the XMPP server's component listener "
		    "(Prosody: component_ports).",
	},
	{
		.section = "xmpp", .key = "component",
		.type = CONFIG_STRING, .flags = CONFIG_REQUIRED,
		.offset = OFF(xmpp_component), .example = "sip.example",
		.arg = "domain", .check = config_check_domain,
		.help = "Name of the component as the XMPP server knows it "
		    "(Prosody: Component \"name\"), in lowercase. It is the "
		    "gateway's XMPP domain: messages to addresses in it are "
		    "carried to SIP.",
	},
	{
		.section = "xmpp", .key = "secret",
		.type = CONFIG_STRING, .flags = CONFIG_OPTIONAL | CONFIG_SECRET,
		.offset = OFF(xmpp_secret), .example = "changeme",
		.arg = "secret",
		.help = "Shared secret of the component (Prosody: "
		    "component_secret). Spaces at either end are not part "
		    "of it. Either this or secret_file must be set, not "
		    "both. Keep this file unreadable to other users: "
		    "sipxmppd warns at start when everyone may read it.",
	},
	{
		.section = "xmpp", .key = "secret_file",
		.type = CONFIG_PATH, .flags = CONFIG_OPTIONAL,
		.offset = OFF(xmpp_secret_file),
		.arg = "file",
		.help = "File whose first line, without its line end, is the "
		    "shared secret of the component, read once at start (a "
		    "SIGHUP does not read it again). It must be a regular "
		    "file that only its owner may read or write (mode 0600 "
		    "or 0400): sipxmppd refuses to start otherwise. A "
		    "relative name is taken relative to the directory of "
		    "this configuration file.",
	},
	{
		.section = "xmpp", .key = "reconnect_min_ms",
		.type = CONFIG_INT, .offset = OFF(xmpp_reconnect_min_ms),
		.def = "500", .arg = "ms", .min = 10, .max = 600000,
		.help = "Wait before reconnecting after the link to the XMPP "
		    "server is lost, in milliseconds. The wait doubles, with "
		    "some jitter, after each failed attempt.",
	},
	{
		.section = "xmpp", .key = "reconnect_max_ms",
		.type = CONFIG_INT, .offset = OFF(xmpp_reconnect_max_ms),
		.def = "30000", .arg = "ms", .min = 10, .max = 3600000,
		.help = "Longest wait between two reconnection attempts, in "
		    "milliseconds. Must not be smaller than "
		    "reconnect_min_ms.",
	},
	{
		.section = "xmpp", .key = "max_send_queue",
		.type = CONFIG_INT, .offset = OFF(xmpp_max_send_queue),
		.def = "10000", .arg = "stanzas", .min = 1, .max = 1000000,
		.help = "Most stanzas waiting to be written to the XMPP "
		    "server. While the queue is full, new SIP messages are "
		    "refused instead of queued.",
	},
	{
		.section = "xmpp", .key = "max_stanza_bytes",
		.type = CONFIG_INT, .offset = OFF(xmpp_max_stanza_bytes),
		.def = "262144", .arg = "bytes", .min = 4096, .max = 16777216,
		.help = "Largest stanza accepted from the XMPP server, in "
		    "bytes; larger ones are refused.",
	},

	/* [message] */
	{
		.section = "message", .key = "ack_timeout_ms",
		.type = CONFIG_INT, .offset = OFF(message_error_window_ms),
		.def = "5000", .arg = "ms", .min = 100, .max = 30000,
		.help = "How long the gateway waits for the XMPP side to "
		    "confirm or refuse a message before it answers the SIP "
		    "sender, in milliseconds. Keep it well below the 32 "
		    "seconds after which SIP senders give up (Timer F).",
	},
	{
		.section = "message", .key = "xmpp_type",
		.type = CONFIG_ENUM, .offset = OFF(message_type),
		.def = "normal", .arg = "type", .names = message_type_names,
		.help = "Type of the XMPP messages made from SIP MESSAGE "
		    "requests: normal, as RFC 7572 section 5 says for "
		    "page-mode messages, or chat, which some clients "
		    "display better.",
	},
	{
		.section = "message", .key = "size_limit",
		.type = CONFIG_INT, .offset = OFF(message_size_limit),
		.def = "1300", .arg = "bytes", .min = 200, .max = 1048576,
		.help = "Largest SIP MESSAGE request the gateway sends, in "
		    "bytes; a larger XMPP message is refused with "
		    "policy-violation (RFC 7572 section 6). RFC 3428 sets "
		    "1300 unless every hop is congestion-controlled.",
	},
	{
		.section = "message", .key = "size_limit_applies",
		.type = CONFIG_ENUM, .offset = OFF(message_size_policy),
		.def = "always", .arg = "when", .names = size_policy_names,
		.help = "When size_limit is enforced: always; udp, only when "
		    "the next SIP hop is reached over UDP; or never.",
	},
	{
		.section = "message", .key = "max_pending",
		.type = CONFIG_INT, .offset = OFF(message_max_pending),
		.def = "10000", .arg = "messages", .min = 1, .max = 1000000,
		.help = "Most messages in flight at once, in each direction: "
		    "SIP MESSAGEs waiting for the XMPP side (further ones "
		    "get 503) and XMPP messages waiting for the SIP answer "
		    "(further ones get resource-constraint).",
	},
	{
		.section = "message", .key = "max_pending_per_sender",
		.type = CONFIG_INT,
		.offset = OFF(message_max_pending_per_sender),
		.def = "1000", .arg = "messages", .min = 0, .max = 1000000,
		.help = "Most of the max_pending messages one sender may have "
		    "in flight in each direction (by bare JID from XMPP, by "
		    "From URI from SIP), so one sender cannot take every "
		    "slot: further ones get resource-constraint (type wait) "
		    "or 503 with Retry-After. 0: no per-sender limit.",
	},
	{
		.section = "message", .key = "retry_after_s",
		.type = CONFIG_INT, .offset = OFF(message_retry_after_s),
		.def = "5", .arg = "seconds", .min = 1, .max = 3600,
		.help = "Retry-After, in seconds, of the 503 (Service "
		    "Unavailable) answer that SIP senders, and OPTIONS "
		    "([sip] options_answer), get while the link to the XMPP "
		    "server is down.",
	},

	/* [receipts] */
	{
		.section = "receipts", .key = "max_tracked",
		.type = CONFIG_INT, .offset = OFF(receipts_max_tracked),
		.def = "4096", .arg = "messages", .min = 0, .max = 1000000,
		.help = "Most SIP messages remembered at once so that the "
		    "XMPP recipient's receipts (XEP-0184 <received/>, "
		    "XEP-0333 <displayed/>) can go back to the SIP sender as "
		    "RFC 5438 IMDN notifications; the oldest is forgotten "
		    "first, and a receipt for a forgotten one is dropped. 0: "
		    "no receipts are asked of XMPP recipients.",
	},
	{
		.section = "receipts", .key = "track_s",
		.type = CONFIG_INT, .offset = OFF(receipts_track_s),
		.def = "3600", .arg = "seconds", .min = 1, .max = 604800,
		.help = "How long a SIP message that asked for IMDN "
		    "notifications is remembered for its receipts.",
	},
	{
		.section = "receipts", .key = "imdn_domains",
		.type = CONFIG_STRING, .flags = CONFIG_OPTIONAL,
		.offset = OFF(receipts_imdn_domains), .arg = "domains",
		.help = "SIP domains whose user agents read message/cpim and "
		    "RFC 5438 IMDN (Linphone does), separated by spaces or "
		    "commas: messages from XMPP to them go as message/cpim "
		    "with imdn.Message-ID and Disposition-Notification, and "
		    "their delivered and displayed notifications become "
		    "XEP-0184 <received/> and XEP-0333 <displayed/>. Empty "
		    "(the default): every SIP user gets text/plain, which a "
		    "client that does not read CPIM needs.",
	},

	/* [presence] */
	{
		.section = "presence", .key = "persist",
		.type = CONFIG_BOOL, .offset = OFF(presence_persist),
		.def = "yes", .arg = "yes|no",
		.help = "Whether subscriptions and authorizations are kept in "
		    "state_file, so that a restarted gateway resumes them. "
		    "With no, a restart forgets them and SIP watchers must "
		    "subscribe again.",
	},
	{
		.section = "presence", .key = "state_file",
		.type = CONFIG_PATH, .offset = OFF(presence_state_file),
		.def = "/var/lib/sipxmpp/presence.db",
		.example = "/var/lib/sipxmpp/presence.db", .arg = "file",
		.help = "SQLite database of the presence state; created if "
		    "missing. A relative name is taken relative to the "
		    "directory of this configuration file.",
	},
	{
		.section = "presence", .key = "subscribe_expires",
		.type = CONFIG_INT, .offset = OFF(presence_subscribe_expires),
		.def = "3600", .arg = "seconds", .min = 60, .max = 86400,
		.help = "Expires the gateway asks for in the SUBSCRIBE requests "
		    "it sends for XMPP users; it refreshes them before they "
		    "run out while the XMPP user is online.",
	},
	{
		.section = "presence", .key = "min_expires",
		.type = CONFIG_INT, .offset = OFF(presence_min_expires),
		.def = "60", .arg = "seconds", .min = 1, .max = 3600,
		.help = "Shortest subscription a SIP watcher may ask for; "
		    "shorter ones are refused with 423 (Interval Too Brief) "
		    "and Min-Expires.",
	},
	{
		.section = "presence", .key = "max_expires",
		.type = CONFIG_INT, .offset = OFF(presence_max_expires),
		.def = "7200", .arg = "seconds", .min = 60, .max = 86400,
		.help = "Longest subscription a SIP watcher gets; longer "
		    "requests are granted this long (RFC 6665 section "
		    "4.2.1.1).",
	},
	{
		.section = "presence", .key = "max_subscriptions",
		.type = CONFIG_INT, .offset = OFF(presence_max_subscriptions),
		.def = "100000", .arg = "count", .min = 0, .max = 10000000,
		.help = "Most subscriptions held at once, both directions "
		    "together; further SUBSCRIBE requests get 503 and further "
		    "XMPP subscription requests get resource-constraint. 0 "
		    "turns presence off.",
	},
	{
		.section = "presence", .key = "max_per_user",
		.type = CONFIG_INT, .offset = OFF(presence_max_per_user),
		.def = "500", .arg = "count", .min = 1, .max = 100000,
		.help = "Most subscriptions one XMPP user may hold toward SIP "
		    "contacts, and one SIP watcher toward XMPP users (RFC 8048 "
		    "section 8: limits against amplification).",
	},
	{
		.section = "presence", .key = "probe_timeout_ms",
		.type = CONFIG_INT, .offset = OFF(presence_probe_timeout_ms),
		.def = "2000", .arg = "ms", .min = 100, .max = 30000,
		.help = "How long the gateway waits for the XMPP server to "
		    "answer a presence probe: before it answers a SIP fetch "
		    "(Expires 0) without cached presence, and before it "
		    "refreshes a subscription (RFC 8048 section 8.1).",
	},
	{
		.section = "presence", .key = "retry_s",
		.type = CONFIG_INT, .offset = OFF(presence_retry_s),
		.def = "30", .arg = "seconds", .min = 1, .max = 3600,
		.help = "How long the gateway waits before it subscribes again "
		    "after a transient failure (423, 481, a timeout, or a "
		    "subscription terminated with a reason that allows a "
		    "retry), unless the SIP side said how long.",
	},
	/* [rooms]: SIP users in XMPP rooms (XEP-0045), page mode */
	{
		.section = "rooms", .key = "max_per_user",
		.type = CONFIG_INT, .offset = OFF(rooms_max_per_user),
		.def = "20", .arg = "rooms", .min = 0, .max = 1000,
		.help = "Most rooms one SIP user may be in at once; a MESSAGE "
		    "that would join one more gets 403. 0: SIP users join no "
		    "room at all.",
	},
	{
		.section = "rooms", .key = "max_participants",
		.type = CONFIG_INT, .offset = OFF(rooms_max_participants),
		.def = "200", .arg = "users", .min = 1, .max = 100000,
		.help = "Most SIP users of this gateway in one room; one more "
		    "gets 403.",
	},
	{
		.section = "rooms", .key = "queue_max",
		.type = CONFIG_INT, .offset = OFF(rooms_queue_max),
		.def = "200", .arg = "messages", .min = 1, .max = 100000,
		.help = "Most room messages waiting for one SIP participant "
		    "(he gets one MESSAGE at a time, in the room's order). "
		    "Beyond it messages are dropped, and once the queue has "
		    "drained he gets one MESSAGE saying how many he missed.",
	},
	{
		.section = "rooms", .key = "history",
		.type = CONFIG_INT, .offset = OFF(rooms_history),
		.def = "10", .arg = "messages", .min = 0, .max = 1000,
		.help = "How many of the room's past messages a SIP user gets "
		    "when he joins (XEP-0045 history maxstanzas); 0: none.",
	},
	{
		.section = "rooms", .key = "nick_prefix",
		.type = CONFIG_BOOL, .offset = OFF(rooms_nick_prefix),
		.def = "yes", .arg = "yes|no",
		.help = "Whether a room message reaches SIP as \"nick: text\", "
		    "so that softphones which show only the From URI still "
		    "tell who spoke. The nick is always the From display "
		    "name.",
	},
	{
		.section = "rooms", .key = "cpim",
		.type = CONFIG_BOOL, .offset = OFF(rooms_cpim),
		.def = "no", .arg = "no|yes",
		.help = "Whether room and private messages reach SIP "
		    "participants as message/cpim (RFC 3862): the occupant "
		    "who spoke in the CPIM From (\"nick\" <room URI;gr=nick>), "
		    "the participant in To, the time said (the room's stamp "
		    "for history) in DateTime, text/plain inside, and no "
		    "\"nick: \" prefix. For clients that show the CPIM From; "
		    "others would show the CPIM headers.",
	},
	{
		.section = "rooms", .key = "commands",
		.type = CONFIG_BOOL, .offset = OFF(rooms_commands),
		.def = "yes", .arg = "yes|no",
		.help = "Whether a MESSAGE to a room whose whole body is /leave, "
		    "/nick NAME, /who or /help is a command to the gateway "
		    "rather than a message to the room.",
	},
	{
		.section = "rooms", .key = "create_rooms",
		.type = CONFIG_BOOL, .offset = OFF(rooms_create),
		.def = "no", .arg = "yes|no",
		.help = "Whether a MESSAGE to a room that does not exist creates "
		    "it (with the service's default configuration). With no, "
		    "it gets 404 and the room the service made for the join "
		    "is left at once.",
	},
	{
		.section = "rooms", .key = "max_failures",
		.type = CONFIG_INT, .offset = OFF(rooms_max_failures),
		.def = "3", .arg = "count", .min = 1, .max = 1000,
		.help = "A SIP participant whose room MESSAGEs fail this many "
		    "times in a row (408, 480, 404, 503) is taken out of the "
		    "room, so that no ghost occupant swallows its messages.",
	},
	{
		.section = "rooms", .key = "join_timeout_ms",
		.type = CONFIG_INT, .offset = OFF(rooms_join_timeout_ms),
		.def = "10000", .arg = "ms", .min = 1000, .max = 30000,
		.help = "How long the gateway waits for a room to accept a join, "
		    "to confirm a leave, or to reflect a message back (the "
		    "proof of its delivery) before the SIP side gets 504.",
	},
	{
		.section = "rooms", .key = "notices",
		.type = CONFIG_BOOL, .offset = OFF(rooms_notices),
		.def = "no", .arg = "yes|no",
		.help = "Whether occupants' joins, leaves and nick changes reach "
		    "SIP participants as short MESSAGEs from the room (\"bob "
		    "joined\", \"bob left\", \"bob is now robert\"). "
		    "Conference subscribers (RFC 4575) get them in their "
		    "NOTIFYs either way.",
	}, {
		.section = "rooms", .key = "idle_leave_s",
		.type = CONFIG_INT, .offset = OFF(rooms_idle_leave_s),
		.def = "0", .arg = "seconds", .min = 0, .max = 2592000,
		.help = "A SIP user who has written nothing to a room for this "
		    "long leaves it and gets a MESSAGE saying so (writing "
		    "to the room joins again). 0: he stays until he leaves, "
		    "is taken out, or his MESSAGEs keep failing.",
	},

	/* [typing] */
	{
		.section = "typing", .key = "sip_to_xmpp",
		.type = CONFIG_BOOL, .offset = OFF(typing_sip_to_xmpp),
		.def = "yes", .arg = "yes|no",
		.help = "Whether RFC 3994 isComposing MESSAGEs from SIP become "
		    "XEP-0085 chat states (active -> composing, idle -> "
		    "paused). With no they are answered 415, as RFC 3994 "
		    "section 7 expects, and the sender stops sending them.",
	}, {
		.section = "typing", .key = "xmpp_to_sip",
		.type = CONFIG_BOOL, .offset = OFF(typing_xmpp_to_sip),
		.def = "yes", .arg = "yes|no",
		.help = "Whether XEP-0085 chat states from XMPP become "
		    "isComposing MESSAGEs to SIP (composing -> active with "
		    "a 60 s refresh; active, paused, inactive, gone -> "
		    "idle). With no they are dropped.",
	}, {
		.section = "typing", .key = "min_interval_ms",
		.type = CONFIG_INT, .offset = OFF(typing_min_interval_ms),
		.def = "1000", .arg = "milliseconds", .min = 0, .max = 600000,
		.help = "Least time between two typing notifications for one "
		    "pair of users in one direction: a change that comes "
		    "sooner waits for the end of the interval and is sent "
		    "then, unless a later one undid it, so a storm of "
		    "states is thinned. 0: only repeats are dropped.",
	},
};

const size_t config_n_options =
    sizeof(config_options) / sizeof(config_options[0]);

/* Finds the table entry for section/key; NULL if there is none. */
const struct config_option *
config_option_find(const char *section, const char *key)
{
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];

		if (strcmp(o->section, section) == 0 &&
		    strcmp(o->key, key) == 0)
			return o;
	}
	return NULL;
}
