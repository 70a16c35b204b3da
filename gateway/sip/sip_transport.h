/*
 * SIP transports: UDP sockets and TCP and TLS listeners/connections on
 * libevent, IPv4 and IPv6. Streams are reassembled by sip_stream.c; whole messages
 * are handed up. Connections are named by a 64-bit id, never by pointer, so a
 * transaction can outlive its connection safely.
 */
#ifndef SIPXMPP_SIP_TRANSPORT_H
#define SIPXMPP_SIP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct config;
struct sip_transport;

/*
 * SIP over TLS (RFC 3261 §26): a stream like TCP, but no IP protocol
 * number; the same value as config.h's CONFIG_PROTO_TLS.
 */
#define SIP_PROTO_TLS	0x10000
/* Whether a peer's transport is a stream (TCP or TLS): no retransmission
 * of our own, responses on its connection (RFC 3261 §17.1.2.2, §18). */
#define SIP_PROTO_IS_STREAM(p)	((p) != IPPROTO_UDP)

/* Longest name a TLS next hop is checked against (a DNS name, RFC 1035). */
#define SIP_PEER_NAME_MAX	256

/* Where a message came from, or where one goes. */
struct sip_peer {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int proto;		/* IPPROTO_UDP, IPPROTO_TCP or SIP_PROTO_TLS */
	uint64_t conn_id;	/* stream connection; 0 for UDP or "any" */
	/*
	 * TLS: the domain its certificate must name (RFC 5922 §7.3: that
	 * of the URI we resolved, not the address); NULL or empty: the
	 * address. Borrowed: whoever keeps a peer beyond the call that
	 * gave it keeps a copy of the name too (a transaction, a
	 * connection), so a peer stays small enough for malloc's fast
	 * bins inside every transaction.
	 */
	const char *name;
};

/*
 * frame is SIP_FRAME_OK for a whole message, or the framing failure
 * (sip_frame.h) with only the header block in buf, so the stack can still
 * answer 400/513 when that block parses.
 */
typedef void (*sip_transport_recv_cb)(void *arg, const char *buf,
    size_t len, const struct sip_peer *from, int frame);
/*
 * A stream connection closed (connect refused, TLS handshake failed,
 * reset, EOF, a deadline): peer names it by conn_id, why says what
 * happened. Called from inside the transport, so the receiver must only
 * take note (arm a timer) and free nothing the transport uses. Never
 * called at shutdown (sip_transport_free).
 */
typedef void (*sip_transport_closed_cb)(void *arg,
    const struct sip_peer *peer, const char *why);

/* sip_transport.c */
struct sip_transport *sip_transport_new(struct event_base *base,
    const struct config *cfg, sip_transport_recv_cb recv_cb, void *arg);
int sip_transport_listen(struct sip_transport *t);
void sip_transport_stop_listening(struct sip_transport *t);
void sip_transport_free(struct sip_transport *t);
void sip_transport_set_closed_cb(struct sip_transport *t,
    sip_transport_closed_cb cb);
int sip_transport_send(struct sip_transport *t, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id);
int sip_transport_local(const struct sip_transport *t, int proto, int family,
    const char **host, int *port);
void sip_peer_format(const struct sip_peer *peer, char *out, size_t len);
int sip_peer_from_host(struct sip_peer *peer, const char *host, int port,
    int proto);
size_t sip_transport_connections(const struct sip_transport *t);
int sip_transport_tls_reload(struct sip_transport *t);
struct config_trust;
int sip_transport_set_source_limits(struct sip_transport *t,
    const struct config_trust *trust);
int sip_transport_admit_request(struct sip_transport *t,
    const struct sip_peer *from, int trusted, long long now_ms,
    unsigned *retry_after_s);
void sip_transport_sweep_sources(struct sip_transport *t, long long now_ms);
int sip_transport_peer_proves(const struct sip_transport *t,
    const struct sip_peer *peer, const char *name);

/* sip_fdlimit.c */
int sip_transport_fd_budget(struct config *cfg, char **cause);

#endif
