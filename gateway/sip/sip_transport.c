/*
 * SIP over UDP on libevent, and the transport's public calls.
 *
 * UDP: one non-blocking socket per configured address, read in batches.
 * TCP and TLS (listeners and connections) live in sip_tcp.c, TLS's own
 * part in sip_tls.c.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "sip_frame.h"
#include "source_limit.h"
#include "sip_transport_int.h"

/* Formats a peer as "udp 192.0.2.1:5060" for log lines. */
void
sip_peer_format(const struct sip_peer *peer, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const char *proto = peer->proto == SIP_PROTO_TLS ? "tls" :
	    peer->proto == IPPROTO_TCP ? "tcp" : "udp";
	int port = 0;

	if (peer->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&peer->addr;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(out, len, "%s %s:%d", proto, host, port);
	} else if (peer->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&peer->addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(out, len, "%s [%s]:%d", proto, host, port);
	} else
		snprintf(out, len, "?");
}

/* Fills a peer from a numeric host (IPv4, IPv6, brackets allowed). */
int
sip_peer_from_host(struct sip_peer *peer, const char *host, int port,
    int proto)
{
	struct addrinfo hints, *res = NULL;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	memset(peer, 0, sizeof(*peer));
	if (n >= sizeof(buf) || port <= 0 || port > 65535)
		return -1;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else
		memcpy(buf, host, n + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_family = AF_UNSPEC;
	if (getaddrinfo(buf, NULL, &hints, &res) != 0 || res == NULL)
		return -1;
	memcpy(&peer->addr, res->ai_addr, res->ai_addrlen);
	peer->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	if (peer->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&peer->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&peer->addr)->sin6_port = htons(port);
	peer->proto = proto;
	return 0;
}

/* Writes one socket's queued datagrams. */
static void
udp_flush(struct sip_udp *u)
{
	struct udp_out *o = &u->out;
	int i = 0, r, lost = 0, err = 0;

	for (int k = 0; k < o->n; k++) {
		o->iov[k].iov_base = o->data + o->off[k];
		o->msg[k].msg_hdr.msg_iov = &o->iov[k];
		o->msg[k].msg_hdr.msg_iovlen = 1;
		o->msg[k].msg_hdr.msg_name = &o->to[k];
	}

	while (i < o->n) {
		r = sendmmsg(u->fd, o->msg + i, (unsigned int)(o->n - i),
		    MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			lost++;
			i++;		/* that one is lost; the rest may go */
		} else
			i += r;
	}
	if (lost > 0)
		/* One line per batch, not per datagram, under overload. */
		log_warnx("sip: %d of %d udp datagrams not sent: %s", lost,
		    o->n, strerror(err));
	o->n = 0;
	o->len = 0;
}

static void
udp_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_transport *t = arg;

	(void)fd;
	(void)what;
	for (int i = 0; i < t->n_udp; i++)
		if (t->udp[i].out.n > 0)
			udp_flush(&t->udp[i]);
}

/* Queues a datagram for this turn's sendmmsg(); -1 if out of memory. */
static int
udp_queue(struct sip_transport *t, struct sip_udp *u,
    const struct sip_peer *to, const char *buf, size_t len)
{
	struct udp_out *o = &u->out;
	struct msghdr *h;

	if (o->n == UDP_OUT_BATCH)
		udp_flush(u);
	if (o->len + len > o->cap) {
		size_t cap = o->cap > 0 ? o->cap : 16384;
		char *p;

		while (cap < o->len + len)
			cap *= 2;
		if ((p = realloc(o->data, cap)) == NULL)
			return -1;
		o->data = p;
		o->cap = cap;
	}
	memcpy(o->data + o->len, buf, len);
	o->off[o->n] = o->len;
	o->iov[o->n].iov_len = len;
	memcpy(&o->to[o->n], &to->addr, to->addrlen);
	h = &o->msg[o->n].msg_hdr;
	memset(h, 0, sizeof(*h));
	h->msg_namelen = to->addrlen;
	o->len += len;
	if (o->n++ == 0)
		event_active(t->ev_flush, EV_TIMEOUT, 0);
	return 0;
}

/* Creates an empty transport; sockets are opened by sip_transport_listen. */
struct sip_transport *
sip_transport_new(struct event_base *base, const struct config *cfg,
    sip_transport_recv_cb recv_cb, void *arg)
{
	struct sip_transport *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	/* Only the pages datagrams land on are ever touched. */
	if ((t->rxbuf = malloc((size_t)UDP_BATCH * (UDP_MAX + 1))) == NULL) {
		free(t);
		return NULL;
	}
	t->base = base;
	t->cfg = cfg;
	t->recv_cb = recv_cb;
	t->arg = arg;
	t->next_conn_id = 1;
	if (sip_tcp_init(t) < 0 || sip_tls_init(t) < 0 ||
	    (t->ev_flush = event_new(base, -1, 0, udp_flush_cb, t)) == NULL) {
		if (t->ev_accept != NULL)
			event_free(t->ev_accept);
		sip_tls_free(t);
		free(t->rxbuf);
		free(t);
		return NULL;
	}
	return t;
}


/* Frames one datagram and hands it up. */
static void
udp_deliver(struct sip_transport *t, char *buf, size_t n,
    const struct sip_peer *from)
{
	size_t max = (size_t)t->cfg->sip_max_message_bytes;
	struct sip_frame f;
	int r;

	buf[n] = '\0';
	r = sip_frame_datagram(buf, n, max, &f);
	if (r == SIP_FRAME_KEEPALIVE)
		return;
	if (r == SIP_FRAME_OK)
		t->recv_cb(t->arg, buf, f.msg_len, from, r);
	else if (f.header_len > 0)
		t->recv_cb(t->arg, buf, f.header_len, from, r);
	else {
		char who[80];

		sip_peer_format(from, who, sizeof(who));
		log_warnx_limited("sip: %s: dropped %zu-byte datagram: %s",
		    who, n, sip_frame_result_str(r));
	}
}

/*
 * Reads what the socket holds, UDP_BATCH datagrams per recvmmsg() and at
 * most two calls per wake-up, so that TCP and the XMPP link get their turn.
 */
static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_udp *u = arg;
	struct sip_transport *t = u->t;
	struct mmsghdr *m = t->rx_msg;

	(void)what;
	for (int round = 0; round < 2; round++) {
		int n;

		for (int i = 0; i < UDP_BATCH; i++) {
			t->rx_iov[i].iov_base = t->rxbuf + (size_t)i *
			    (UDP_MAX + 1);
			t->rx_iov[i].iov_len = UDP_MAX;
			memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
			m[i].msg_hdr.msg_iov = &t->rx_iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &t->rx_from[i];
			m[i].msg_hdr.msg_namelen = sizeof(t->rx_from[i]);
		}
		n = recvmmsg(fd, m, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("sip: udp recvmmsg");
			return;
		}
		for (int i = 0; i < n; i++) {
			struct sip_peer from;

			memset(&from, 0, sizeof(from));
			memcpy(&from.addr, &t->rx_from[i],
			    m[i].msg_hdr.msg_namelen);
			from.addrlen = m[i].msg_hdr.msg_namelen;
			from.proto = IPPROTO_UDP;
			udp_deliver(t, t->rx_iov[i].iov_base, m[i].msg_len,
			    &from);
		}
		if (n < UDP_BATCH)
			return;
	}
}

/*
 * Sizes a UDP socket's receive buffer: datagrams that arrive while the
 * loop is busy wait there, and the default (about 200 MESSAGEs) dropped
 * some at bursts the loop itself could keep up with.
 */
static void
set_receive_buffer(int fd, int bytes)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (bytes <= 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		log_warn("sip: udp receive buffer");
	/* Linux reports twice what it grants (its bookkeeping included). */
	else if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 &&
	    got / 2 < bytes)
		log_info("sip: udp receive buffer is %d bytes, not %d "
		    "(net.core.rmem_max)", got / 2, bytes);
}

/* Opens a UDP socket bound to one configured address. */
static int
open_udp(struct sip_transport *t, const struct config_listen *l)
{
	struct sip_udp *u = &t->udp[t->n_udp];
	struct sip_peer p;
	int fd, one = 1;

	if (sip_peer_from_host(&p, l->host, l->port, IPPROTO_UDP) < 0) {
		log_warnx("sip: bad listen address %s", l->host);
		return -1;
	}
	fd = socket(p.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (p.addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	set_receive_buffer(fd, t->cfg->sip_udp_receive_buffer);
	if (bind(fd, (struct sockaddr *)&p.addr, p.addrlen) < 0) {
		log_warn("sip: bind udp %s:%d", l->host, l->port);
		close(fd);
		return -1;
	}
	u->fd = fd;
	u->family = p.addr.ss_family;
	u->t = t;
	snprintf(u->host, sizeof(u->host), "%s", l->host);
	u->port = l->port;
	u->ev = event_new(t->base, fd, EV_READ | EV_PERSIST, udp_read_cb, u);
	if (u->ev == NULL || event_add(u->ev, NULL) < 0) {
		close(fd);
		return -1;
	}
	t->n_udp++;
	log_info("sip: listening on udp %s%s%s:%d",
	    u->family == AF_INET6 ? "[" : "", l->host,
	    u->family == AF_INET6 ? "]" : "", l->port);
	return 0;
}

/* Opens every configured listener; -1 if any fails. */
int
sip_transport_listen(struct sip_transport *t)
{
	for (int i = 0; i < t->cfg->n_listen; i++) {
		const struct config_listen *l = &t->cfg->listen[i];
		int r = l->transport == IPPROTO_UDP ? open_udp(t, l) :
		    sip_tcp_listen(t, l);

		if (r < 0)
			return -1;
	}
	return 0;
}

/* Stops accepting new traffic (graceful shutdown keeps connections). */
void
sip_transport_stop_listening(struct sip_transport *t)
{
	sip_tcp_stop_listening(t);
}

/* Closes everything. */
void
sip_transport_free(struct sip_transport *t)
{
	if (t == NULL)
		return;
	sip_tcp_free(t);
	for (int i = 0; i < t->n_udp; i++) {
		if (t->udp[i].out.n > 0)
			udp_flush(&t->udp[i]);
		free(t->udp[i].out.data);
		event_free(t->udp[i].ev);
		close(t->udp[i].fd);
	}
	if (t->ev_flush != NULL)
		event_free(t->ev_flush);
	sip_tls_free(t);
	source_limits_free(t->sources);	/* every connection gave its share */
	free(t->rxbuf);
	free(t);
}

/* Tells cb (with the receive callback's arg) of every connection closed. */
void
sip_transport_set_closed_cb(struct sip_transport *t,
    sip_transport_closed_cb cb)
{
	t->closed_cb = cb;
}

/*
 * Sends one serialized message; 0 if handed to the kernel or a buffer.
 * conn_id (if not NULL) gets the stream connection it was queued on (0
 * for UDP), so that its closing can be told to whoever waits on it.
 */
int
sip_transport_send(struct sip_transport *t, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id)
{
	if (conn_id != NULL)
		*conn_id = 0;
	if (SIP_PROTO_IS_STREAM(to->proto))
		return sip_tcp_send(t, to, buf, len, conn_id);
	for (int i = 0; i < t->n_udp; i++) {
		if (t->udp[i].family != to->addr.ss_family)
			continue;
		if (udp_queue(t, &t->udp[i], to, buf, len) < 0) {
			log_warnx("sip: no memory to send a datagram");
			return -1;
		}
		return 0;
	}
	log_warnx("sip: no udp socket for that address family");
	return -1;
}

/* The address to advertise in Via for a transport and family. */
int
sip_transport_local(const struct sip_transport *t, int proto, int family,
    const char **host, int *port)
{
	if (proto == IPPROTO_UDP) {
		for (int i = 0; i < t->n_udp; i++)
			if (family == AF_UNSPEC || t->udp[i].family == family) {
				*host = t->udp[i].host;
				*port = t->udp[i].port;
				return 0;
			}
	} else {
		/* TCP's and TLS's listeners share one array. */
		for (int i = 0; i < t->n_tcp; i++)
			if (t->tcp[i].tls == (proto == SIP_PROTO_TLS) &&
			    (family == AF_UNSPEC || t->tcp[i].family == family)) {
				*host = t->tcp[i].host;
				*port = t->tcp[i].port;
				return 0;
			}
	}
	return -1;
}

/* Number of open stream connections (for stats and tests). */
size_t
sip_transport_connections(const struct sip_transport *t)
{
	return t->n_conns;
}

/*
 * Whether the TLS connection peer came over proves name, for the tls:NAME
 * entries of [sip] trusted_peers: its certificate was verified (ours to a
 * next hop always; a client's with tls_verify_client) and names it as RFC
 * 5922 §7.1-7.2 say. 0 for UDP, TCP, or a connection that is gone.
 */
int
sip_transport_peer_proves(const struct sip_transport *t,
    const struct sip_peer *peer, const char *name)
{
	const struct sip_conn *c;

	if (peer->conn_id == 0)
		return 0;
	TAILQ_FOREACH(c, &t->conns, entry)
		if (c->peer.conn_id == peer->conn_id)
			return c->tls && !c->handshaking &&
			    sip_tls_peer_proves(c, name);
	return 0;
}
