/*
 * SIP transports: UDP sockets and TCP listeners/connections on libevent,
 * IPv4 and IPv6. Streams are reassembled by sip_stream.c; whole messages
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

/* Where a message came from, or where one goes. */
struct sip_peer {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	uint64_t conn_id;	/* stream connection; 0 for UDP or "any" */
};

/*
 * frame is SIP_FRAME_OK for a whole message, or the framing failure
 * (sip_frame.h) with only the header block in buf, so the stack can still
 * answer 400/513 when that block parses.
 */
typedef void (*sip_transport_recv_cb)(void *arg, const char *buf,
    size_t len, const struct sip_peer *from, int frame);

/* sip_transport.c */
struct sip_transport *sip_transport_new(struct event_base *base,
    const struct config *cfg, sip_transport_recv_cb recv_cb, void *arg);
int sip_transport_listen(struct sip_transport *t);
void sip_transport_stop_listening(struct sip_transport *t);
void sip_transport_free(struct sip_transport *t);
int sip_transport_send(struct sip_transport *t, const struct sip_peer *to,
    const char *buf, size_t len);
int sip_transport_local(const struct sip_transport *t, int proto, int family,
    const char **host, int *port);
void sip_peer_format(const struct sip_peer *peer, char *out, size_t len);
int sip_peer_from_host(struct sip_peer *peer, const char *host, int port,
    int proto);
size_t sip_transport_connections(const struct sip_transport *t);
const char *const *sip_transport_peer_names(const struct sip_transport *t,
    const struct sip_peer *peer);

/* sip_fdlimit.c */
int sip_transport_fd_budget(struct config *cfg, char **cause);

#endif
