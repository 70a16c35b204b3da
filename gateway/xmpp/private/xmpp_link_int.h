/*
 * Inside the XMPP link: what its files share. xmpp_link.c owns the
 * connection's life (start, stop, reconnection, why it went down,
 * sending), xmpp_link_strophe.c drives libstrophe from our loop (its
 * socket, its log, its quirks), xmpp_link_out.c batches what is sent,
 * xmpp_link_in.c what arrives (messages, IQs), xmpp_link_iq.c the
 * requests it answers, xmpp_link_ping.c the ping
 * barrier, xmpp_link_stanza.c the pure parsing and building.
 *
 * xmpp_link.c and its parts call each other, knowingly, and only inside
 * xmpp/ (private/ is out of other folders' reach): the parts send through
 * xmpp_link_send_text() and report the state (xmpp_link_set_state()),
 * and the link drives them. They are one object, the connection, cut into
 * files by concern; every crossing is declared here.
 * The fuzz harness (tests/fuzz/gateway_script.h) is the one reader from
 * outside, to play the server end without a socket.
 */
#ifndef SIPXMPP_XMPP_LINK_INT_H
#define SIPXMPP_XMPP_LINK_INT_H

#include <sys/queue.h>

#include <event2/event_struct.h>
#include <strophe.h>

#include "xmpp_link.h"

struct event;
struct event_base;
struct config;

#define XMPP_OUT_BATCHES 256	/* batches tracked in libstrophe's queue */

enum link_state {
	LINK_IDLE,		/* not started, or stopped */
	LINK_WAIT,		/* waiting for the reconnect timer */
	LINK_TCP,		/* TCP connect in progress */
	LINK_HANDSHAKE,		/* stream header and XEP-0114 handshake */
	LINK_READY,		/* <handshake/> received: stanzas may flow */
	LINK_CLOSING,		/* xmpp_link_stop() sent </stream:stream> */
};

struct ping {
	TAILQ_ENTRY(ping)	 entry;
	struct xmpp_link	*link;
	struct event		 timer;		/* its answer's deadline */
	xmpp_link_ping_cb	 cb;
	void			*arg;
	char			*to;		/* only it may answer */
	char			 id[32];	/* "sxp-" and 96 random bits */
};
TAILQ_HEAD(ping_list, ping);

struct xmpp_link {
	struct event_base	*base;
	const struct config	*cfg;
	struct xmpp_link_handlers h;
	void			*arg;

	xmpp_ctx_t		*ctx;
	xmpp_conn_t		*conn;
	xmpp_log_t		 logger;

	enum link_state		 state;
	int			 in_run;	/* inside xmpp_run_once() */
	int			 fd;		/* libstrophe's socket, or -1 */
	unsigned int		 fd_gen;	/* bumped for each new socket */
	unsigned int		 watched_gen;	/* fd_gen the events are for */
	int			 watch_fd;	/* our dup of fd, for libevent */
	int			 spare_fd;	/* low fd kept for the guard */
	int			 tcp_errno;	/* why the TCP connect failed */
	int			 handshake_expired;
	int			 attempts;	/* failures since last ready */
	int			 config_error;	/* wait the longest */
	int			 restart;	/* start() while closing */

	struct event		*ev_read;
	struct event		*ev_write;
	int			 write_armed;
	struct event		*ev_tick;
	struct event		*ev_retry;
	struct event		*ev_handshake;

	/* This turn's stanzas, then batches inside libstrophe's queue. */
	struct event		*ev_flush;
	struct event		*ev_poke;	/* runs it while connecting */
	char			*out;
	size_t			 out_len, out_cap;
	size_t			 out_stanzas;	/* in out, not handed yet */
	size_t			 out_handed;	/* in libstrophe's queue */
	unsigned int		 out_counts[XMPP_OUT_BATCHES];
	size_t			 out_head, out_batches;

	struct ping_list	 pings;
	size_t			 n_pings;
	unsigned long		 errors_dropped;	/* reserve full */
	unsigned long		 late_stanzas;	/* came while closing */
};

/* xmpp_link.c */
int xmpp_link_send_text(struct xmpp_link *link, const char *xml,
    size_t len);
void xmpp_link_set_state(struct xmpp_link *link, enum link_state state);

/* xmpp_link_strophe.c */
int xmpp_link_strophe_new(struct xmpp_link *link);
int xmpp_link_strophe_connect(struct xmpp_link *link, xmpp_conn_handler cb,
    int *err);
void xmpp_link_spare_fd_reserve(struct xmpp_link *link);
int xmpp_link_sm_state_ensure(struct xmpp_link *link);
void xmpp_link_run(struct xmpp_link *link);
void xmpp_link_rearm(struct xmpp_link *link);
void xmpp_link_unwatch(struct xmpp_link *link);

/* xmpp_link_in.c */
void xmpp_link_reply_error(struct xmpp_link *link, xmpp_stanza_t *st,
    const char *kind, const char *type, const char *condition,
    const char *text);
/* xmpp_link_iq.c */
void xmpp_link_iq_request(struct xmpp_link *link, xmpp_stanza_t *st);
/* xmpp_link_out.c */
int xmpp_link_out_append(struct xmpp_link *link, const char *xml,
    size_t len);
int xmpp_link_out_hand_over(struct xmpp_link *link);
size_t xmpp_link_out_queued(const struct xmpp_link *link);
void xmpp_link_out_written(struct xmpp_link *link);
void xmpp_link_out_reset(struct xmpp_link *link);
void xmpp_link_out_free(struct xmpp_link *link);

int xmpp_link_stanza_cb(xmpp_conn_t *conn, xmpp_stanza_t *st, void *arg);

/* xmpp_link_ping.c */
int xmpp_link_ping_answered(struct xmpp_link *link, const char *id,
    const char *from);
void xmpp_link_pings_fail(struct xmpp_link *link);

#endif
