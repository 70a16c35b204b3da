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

#define CONFIG_MAX_LISTEN 16

struct config_listen {
	int transport;		/* IPPROTO_UDP or IPPROTO_TCP */
	char host[64];		/* numeric address, IPv6 without brackets */
	int port;
};

struct config {
	char *path;			/* file it was read from */

	/* [gateway] */
	int log_level;			/* syslog priority */
	char *log_target;		/* "stderr" or "syslog" */
	char *mapping_file;		/* resolved relative to the config file */
	int shutdown_grace_ms;		/* time to answer pending transactions */

	/* [sip] */
	struct config_listen listen[CONFIG_MAX_LISTEN];
	int n_listen;
	char *sip_outbound_proxy;	/* "sip:host[:port][;transport=tcp]" or NULL */
	char *sip_contact_host;		/* host for Via/Contact; NULL: first listener */
	int sip_max_message_bytes;	/* cap on one SIP message on a stream */
	int sip_tcp_idle_timeout_s;
	int sip_max_connections;

	/* [xmpp] */
	char *xmpp_host;
	int xmpp_port;
	char *xmpp_component;		/* component JID = our XMPP domain */
	char *xmpp_secret;
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
	int message_retry_after_s;	/* Retry-After on 503 when XMPP is down */
};

/* config.c */
void config_init_defaults(struct config *cfg);
int config_load(const char *path, struct config *cfg, char **cause);
void config_free(struct config *cfg);
void config_write_example(FILE *out);
void config_write_man_options(FILE *out);

#endif
