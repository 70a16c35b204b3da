/*
 * sipxmppd configuration: an INI file whose every key is declared once in
 * the option table (config_options.c) with its type, bounds, default and
 * help. Parsing, validation, --check-config, the annotated example and the
 * sipxmppd.conf(5) option list all come from that table.
 */
#ifndef SIPXMPP_CONFIG_H
#define SIPXMPP_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum size_limit_policy {
	SIZE_LIMIT_ALWAYS,	/* RFC 3428: 1300 bytes unless every hop is congestion-controlled */
	SIZE_LIMIT_UDP,		/* only when the next hop is UDP */
	SIZE_LIMIT_NEVER,
};

enum xmpp_message_type {
	XMPP_TYPE_NORMAL,	/* RFC 7572 §5: pager messages are normal (default) */
	XMPP_TYPE_CHAT,
};

enum options_answer {
	OPTIONS_ANSWER_LINK,	/* 503 while the XMPP link is down (default) */
	OPTIONS_ANSWER_ALWAYS,	/* 200 whatever the link */
};

#define CONFIG_MAX_LISTEN 16

/*
 * SIP over TLS (RFC 3261 §26) as a listen transport: TCP underneath, but
 * not an IP protocol number, so a value no IPPROTO_* can take (they are
 * 8 bits). sip_transport.h names it SIP_PROTO_TLS.
 */
#define CONFIG_PROTO_TLS	0x10000
/* [sip] trusted_peers, parsed (config_trust.c). */
#define CONFIG_TRUST_MAX	64
#define CONFIG_TRUST_NAME_MAX	254	/* a DNS name and its NUL */

struct config_trust_entry {
	int family;		/* AF_INET, AF_INET6; 0: a TLS peer name */
	unsigned char addr[16];	/* network order, host bits zero */
	int prefix;		/* bits of addr that must match */
	char name[CONFIG_TRUST_NAME_MAX];	/* tls:NAME */
};

struct config_trust {
	struct config_trust_entry e[CONFIG_TRUST_MAX];
	int n;			/* 0: "none", nobody is trusted */
};

struct config_listen {
	int transport;		/* IPPROTO_UDP, IPPROTO_TCP or CONFIG_PROTO_TLS */
	char host[64];		/* numeric address, IPv6 without brackets */
	int port;
};

struct config {
	char *path;			/* file it was read from */

	/* [gateway] */
	int log_level;			/* syslog priority */
	char *log_target;		/* "stderr" or "syslog" */
	int trace;			/* TRACE_* categories (log.h) */
	char *mapping_file;		/* resolved relative to the config file */
	int shutdown_grace_ms;		/* time to answer pending transactions */

	/* [sip] */
	struct config_listen listen[CONFIG_MAX_LISTEN];
	int n_listen;
	char *sip_outbound_proxy;	/* "sip:host[:port][;transport=tcp|tls]",
					   "sips:host[:port]" or NULL */
	char *sip_contact_host;		/* host for Via/Contact (IPv6 unbracketed);
					   NULL: first listener */
	char *sip_dns_server;		/* "addr[:port]" for RFC 3263 look-ups;
					   NULL: /etc/resolv.conf */
	int sip_t1_ms;			/* RFC 3261 T1; Timer F is 64 * T1 */
	int sip_max_message_bytes;	/* cap on one SIP message on a stream */
	int sip_tcp_idle_timeout_s;
	int sip_max_connections;
	int sip_tcp_output_limit;	/* unsent bytes before we stop reading */
	int sip_tcp_write_timeout_s;	/* for that backlog to drain */
	int sip_tcp_message_timeout_s;	/* for a begun message to complete */
	int sip_udp_receive_buffer;	/* SO_RCVBUF of the UDP sockets */
	enum options_answer sip_options_answer;	/* health for dispatchers */
	char *sip_tls_certificate;	/* PEM chain we present; NULL: none */
	char *sip_tls_key;		/* its private key (PEM) */
	char *sip_tls_ca_file;		/* PEM CAs we trust; NULL: system's */
	int sip_tls_verify_client;	/* mutual TLS on tls: listeners */
	int sip_tls_handshake_timeout_s;	/* for a handshake to finish */
	int sip_keepalive_s;		/* RFC 5626 CRLFCRLF on our streams */
	char *sip_trusted_peers;	/* RFC 3325 trust domain (config_trust.c) */
	int sip_source_requests_per_s;	/* per untrusted source; 0: no limit */
	int sip_source_request_burst;
	int sip_source_max_connections;	/* per untrusted source; 0: none */

	/* [xmpp] */
	char *xmpp_host;		/* name or address, IPv6 unbracketed */
	int xmpp_port;
	char *xmpp_component;		/* component JID = our XMPP domain */
	char *xmpp_secret;		/* from secret, or read from secret_file */
	char *xmpp_secret_file;		/* NULL: the secret is in this file */
	int xmpp_reconnect_min_ms;
	int xmpp_reconnect_max_ms;
	int xmpp_max_send_queue;	/* stanzas queued before we push back */
	int xmpp_max_stanza_bytes;	/* larger incoming stanzas are refused */

	/* [message] */
	int message_error_window_ms;	/* wait for an XMPP error before 200 */
	enum xmpp_message_type message_type;
	int message_size_limit;		/* 1300 by RFC 3428 */
	enum size_limit_policy message_size_policy;
	int message_max_pending;	/* SIP MESSAGEs awaiting their answer */
	int message_max_pending_per_sender;	/* of those, one sender's */
	int message_retry_after_s;	/* Retry-After on 503 when XMPP is down */

	/* [receipts] */
	int receipts_max_tracked;	/* SIP messages whose IMDN we may owe */
	int receipts_track_s;		/* how long such a message is remembered */
	char *receipts_imdn_domains;	/* SIP domains sent CPIM with IMDN */

	/* [presence] */
	int presence_persist;		/* keep subscriptions in state_file */
	char *presence_state_file;	/* SQLite file, resolved like mapping_file */
	int presence_subscribe_expires;	/* Expires of our SUBSCRIBEs (X2S) */
	int presence_min_expires;	/* shorter SIP subscriptions get 423 */
	int presence_max_expires;	/* longer ones are cut down to this */
	int presence_max_subscriptions;	/* both directions together */
	int presence_max_per_user;	/* per XMPP user and per SIP watcher */
	int presence_probe_timeout_ms;	/* wait for an answer to a probe */
	int presence_retry_s;		/* wait before re-subscribing after a
					   transient failure */

	/* [rooms] */
	int rooms_max_per_user;		/* rooms one SIP user may be in */
	int rooms_max_participants;	/* SIP participants of one room */
	int rooms_queue_max;		/* room messages waiting per participant */
	int rooms_history;		/* maxstanzas asked for on join */
	int rooms_nick_prefix;		/* "nick: " before each body */
	int rooms_cpim;			/* message/cpim, nick in CPIM From */
	int rooms_commands;		/* /leave /nick /who /help */
	int rooms_create;		/* create a room that does not exist */
	int rooms_max_failures;		/* failed MESSAGEs in a row: out */
	int rooms_join_timeout_ms;	/* for a join, a leave, a reflection */
	int rooms_notices;		/* joins and leaves as MESSAGEs */
	int rooms_idle_leave_s;		/* quiet this long: leave, 0 never */

	/* [typing] */
	int typing_sip_to_xmpp;		/* isComposing -> chat states */
	int typing_xmpp_to_sip;		/* chat states -> isComposing */
	int typing_min_interval_ms;	/* per pair, per direction */
};

/* Limits on the file itself: every input is hostile, even this one. */
#define CONFIG_MAX_LINE		4096		/* bytes, without the newline */
#define CONFIG_MAX_FILE		(1024 * 1024)	/* bytes */

/*
 * The option table (config_options.c). One entry per key; everything else
 * in this module is driven by it.
 */
enum config_type {
	CONFIG_STRING,		/* text; .check may validate/normalise it */
	CONFIG_INT,		/* decimal integer in .min .. .max */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	CONFIG_ENUM,		/* one of .names; stores the name's .value */
	CONFIG_FLAGS,		/* comma list of .names; stores their OR */
	CONFIG_LISTEN,		/* udp: / tcp: / tls:HOST:PORT list */
	CONFIG_PATH,		/* file; relative to the config file's dir */
};

#define CONFIG_REQUIRED	0x1	/* no default: the file must set it */
#define CONFIG_OPTIONAL	0x2	/* string may be empty, meaning unset (NULL) */
#define CONFIG_SECRET	0x4	/* never echoed in errors or dumps */

struct config_enum_name {
	const char	*name;
	int		 value;
};

struct config_option {
	const char	*section;	/* without brackets */
	const char	*key;
	enum config_type type;
	int		 flags;		/* CONFIG_REQUIRED | ... */
	size_t		 offset;	/* of the field in struct config */
	const char	*def;		/* default in file syntax; NULL: none */
	const char	*example;	/* set in the annotated example, or NULL */
	const char	*arg;		/* placeholder in the man page */
	long long	 min;		/* CONFIG_INT bounds, inclusive */
	long long	 max;
	const struct config_enum_name *names;	/* ENUM, FLAGS; NULL-ended */
	int		(*check)(char *value, char **why); /* CONFIG_STRING */
	const char	*help;		/* for operators: meaning and units */
};

/* config.c */
void config_init_defaults(struct config *cfg);
int config_load(const char *path, struct config *cfg, char **cause);
int config_load_buffer(const char *path, const char *buf, size_t len,
    struct config *cfg, char **cause);
void config_free(struct config *cfg);

/* config_doc.c */
void config_write_example(FILE *out);
void config_write_man_options(FILE *out);
void config_write_effective(FILE *out, const struct config *cfg);

/* config_secret.c */
int config_read_secret_file(struct config *cfg, char **why);
int config_secret_exposed(const struct config *cfg, unsigned *mode);

/* config_options.c */
extern const struct config_option config_options[];
extern const size_t config_n_options;
extern const char *const config_sections[];
const struct config_option *config_option_find(const char *section,
    const char *key);

/* config_trust.c */
int config_trust_parse(const char *text, struct config_trust *out,
    char **why);
int config_trust_match(const struct config_trust *t, int family,
    const void *addr);
int config_check_trusted_peers(char *value, char **why);

/* config_value.c */
int config_option_set(struct config *cfg, const struct config_option *o,
    const char *value, char **why);
void config_option_print(FILE *out, const struct config *cfg,
    const struct config_option *o);
const char *config_enum_name(const struct config_option *o, int value);
int config_flags_parse(const struct config_option *o, const char *value,
    int *out, char **why);
int config_check_log_target(char *value, char **why);
int config_check_host(char *value, char **why);
int config_check_domain(char *value, char **why);
int config_check_sip_proxy(char *value, char **why);
/* config_dns.c */
int config_check_dns_server(char *value, char **why);
void config_set_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
