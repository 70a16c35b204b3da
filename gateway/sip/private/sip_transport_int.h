/*
 * Inside the SIP transport: what sip_transport.c (UDP, the public calls),
 * sip_tcp.c (TCP and TLS listeners and connections) and sip_tls.c (the
 * OpenSSL contexts, a connection's TLS) share. Nothing else includes this
 * (sip/private/).
 *
 * The two call each other, knowingly: sip_transport.c is the one face of
 * both transports and hands TCP work to sip_tcp.c (sip_tcp_send() and the
 * listener's life), and sip_tcp.c uses the peer helpers both share
 * (sip_peer_format(), sip_peer_from_host()). The loop stays in this pair.
 */
#ifndef SIPXMPP_SIP_TRANSPORT_INT_H
#define SIPXMPP_SIP_TRANSPORT_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "config.h"
#include "sip_stream.h"
#include "sip_transport.h"

#define UDP_BATCH	64
#define UDP_MAX		65535
#define UDP_OUT_BATCH	64	/* datagrams per sendmmsg() */

/*
 * Datagrams sent during one loop turn, written with one sendmmsg() when
 * the turn's events are done (or when full): answering a batch of 64
 * MESSAGEs costs one system call instead of 64. UDP promises no delivery,
 * so a datagram the kernel refuses then is logged and left to the
 * transaction's retransmissions, as a refused sendto() was.
 */
struct udp_out {
	struct mmsghdr msg[UDP_OUT_BATCH];
	struct iovec iov[UDP_OUT_BATCH];
	struct sockaddr_storage to[UDP_OUT_BATCH];
	size_t off[UDP_OUT_BATCH];
	char *data;
	size_t len, cap;
	int n;
};

struct sip_udp {
	int fd;
	int family;
	struct event *ev;
	struct sip_transport *t;
	char host[64];
	int port;
	struct udp_out out;
};

struct sip_listener {
	struct evconnlistener *lev;
	struct sip_transport *t;
	int tls;			/* a tls: listener */
	int family;
	char host[64];
	int port;
};

struct sip_conn {
	TAILQ_ENTRY(sip_conn) entry;
	struct sip_transport *t;
	struct bufferevent *bev;
	struct sip_peer peer;		/* its name points at name below */
	char name[SIP_PEER_NAME_MAX];	/* TLS: the name its peer must prove */
	struct sip_stream stream;	/* what arrived, framed */
	struct event *ev_deadline;	/* handshake, message or write deadline */
	struct event *ev_keepalive;	/* outgoing: RFC 5626 pings */
	int outgoing;
	int tls;
	int handshaking;	/* TLS: handshake not finished */
	int active;		/* traffic since the last keep-alive tick */
	int closing;	/* draining its last reply: no new use */
	int throttled;	/* output over the limit: not reading */
	int deadline_armed;
	int throttle_logged;
	int source_counted;	/* counted against its source's share */
	char source[64];	/* sip_source_key() of the peer */
};

/* Why the listeners are not accepting (any bit set: disabled). */
#define ACCEPT_PAUSE_STOPPED	0x1	/* shutting down */
#define ACCEPT_PAUSE_FULL	0x2	/* every incoming slot taken */
#define ACCEPT_PAUSE_ERROR	0x4	/* accept() failed (EMFILE): back off */

struct sip_transport {
	struct event_base *base;
	const struct config *cfg;
	sip_transport_recv_cb recv_cb;
	sip_transport_closed_cb closed_cb;	/* same arg; NULL: nobody */
	void *arg;
	struct sip_udp udp[CONFIG_MAX_LISTEN];
	int n_udp;
	struct sip_listener tcp[CONFIG_MAX_LISTEN];
	int n_tcp;
	TAILQ_HEAD(, sip_conn) conns;
	size_t n_conns;
	size_t n_incoming;
	uint64_t next_conn_id;
	int accept_pause;		/* ACCEPT_PAUSE_* */
	int accept_backoff_ms;		/* next pause after an accept error */
	unsigned int accept_errors;	/* in this episode, for its last line */
	struct event *ev_accept;	/* ends an accept back-off */
	char *rxbuf;			/* UDP_BATCH datagrams, each + NUL */
	struct mmsghdr rx_msg[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH];
	struct sockaddr_storage rx_from[UDP_BATCH];
	struct event *ev_flush;		/* end of a turn that sent datagrams */
	SSL_CTX *tls_client;		/* our outgoing TLS connections */
	SSL_CTX *tls_server;		/* tls: listeners; NULL: no certificate */
	struct source_limits *sources;	/* per-source limits; NULL: none */
	const struct config_trust *trust;	/* the stack's, for exemptions */
};

/* sip_tcp.c */
int sip_tcp_init(struct sip_transport *t);
int sip_tcp_listen(struct sip_transport *t, const struct config_listen *l);
void sip_tcp_stop_listening(struct sip_transport *t);
void sip_tcp_free(struct sip_transport *t);
int sip_tcp_send(struct sip_transport *t, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id);
size_t sip_tcp_incoming_limit(const struct config *cfg);

/* sip_source.c */
void sip_source_key(const struct sip_peer *peer, char *out, size_t size);
int sip_source_admit_connection(struct sip_conn *c);
void sip_source_release_connection(struct sip_conn *c);

/* sip_tls.c */
int sip_tls_init(struct sip_transport *t);
void sip_tls_free(struct sip_transport *t);
struct bufferevent *sip_tls_bev_new(struct sip_transport *t,
    evutil_socket_t fd, struct sip_conn *c);
void sip_tls_failure(struct sip_conn *c, char *why, size_t size);
void sip_tls_shutdown(struct sip_conn *c);
int sip_tls_peer_proves(const struct sip_conn *c, const char *name);

#endif
