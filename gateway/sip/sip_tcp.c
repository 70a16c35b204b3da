/*
 * SIP over TCP and TLS: listeners and connections on libevent bufferevents
 * (a TLS one is a bufferevent_openssl that sip_tls.c makes; everything
 * past the handshake is the same code, limits included).
 *
 * Every connection's input goes through a sip_stream (sip_stream.c), which
 * hands out whole messages. A peer is trusted with nothing:
 * - Output is bounded: once more than tcp_output_limit bytes wait for a
 *   peer, the connection is not read (no new requests, so no new answers)
 *   until the backlog falls to a quarter of it, and a backlog that does
 *   not get there within tcp_write_timeout_s closes the connection. A peer
 *   that sends requests and never reads its answers used to grow our
 *   memory without bound.
 * - A message that has begun must be complete within tcp_message_timeout_s
 *   (a slow-drip client holds a connection and a buffer otherwise).
 * - Incoming connections stop being accepted (the listeners are disabled,
 *   the kernel's backlog holds the rest) while max_connections less the
 *   outgoing reserve are open, so clients cannot use the descriptors the
 *   gateway needs for its own connections (to the proxy). An accept() that
 *   fails (EMFILE) disables the listeners for a growing pause instead of
 *   spinning: libevent would call us again at once, forever.
 * - A TLS handshake must finish within tls_handshake_timeout_s.
 * Replies to a request go out on the connection it came in on (RFC 3261
 * §18.2.2); requests to a peer reuse an open connection to its address
 * (over TLS: one opened for the same name). Connections we open send a
 * CRLFCRLF ping when idle for keepalive_s (RFC 5626 §4.4.1).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "sip_frame.h"
#include "sip_transport_int.h"

#define ACCEPT_BACKOFF_MIN_MS	100
#define READ_BUDGET		65536	/* bytes one readable event may take */
#define ACCEPT_BACKOFF_MAX_MS	2000
#define OUTGOING_RESERVE_MAX	32

static void conn_close(struct sip_conn *c, const char *why);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_close_after_flush(struct sip_conn *c, const char *why);
static void conn_process(struct sip_conn *c);

/*
 * Incoming connections allowed: max_connections less a reserve (an eighth,
 * at most 32) that only the gateway's own outgoing connections may use.
 */
size_t
sip_tcp_incoming_limit(const struct config *cfg)
{
	size_t max = (size_t)cfg->sip_max_connections, reserve = max / 8;

	if (reserve > OUTGOING_RESERVE_MAX)
		reserve = OUTGOING_RESERVE_MAX;
	return max - reserve;
}

/* Sets TCP_NODELAY: SIP messages are small and latency matters. */
static void
set_nodelay(evutil_socket_t fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Enables the listeners if nothing pauses them, disables them otherwise. */
static void
listeners_update(struct sip_transport *t)
{
	for (int i = 0; i < t->n_tcp; i++) {
		if (t->accept_pause != 0)
			evconnlistener_disable(t->tcp[i].lev);
		else
			evconnlistener_enable(t->tcp[i].lev);
	}
}

/* Ends an accept back-off: try again (a new failure pauses longer). */
static void
accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_transport *t = arg;

	(void)fd;
	(void)what;
	t->accept_pause &= ~ACCEPT_PAUSE_ERROR;
	listeners_update(t);
}

/*
 * accept() failed. Out of descriptors (EMFILE, ENFILE) or memory, the
 * pending connection stays in the kernel's queue and the listener is
 * readable again at once: without a pause the loop spins at full CPU and
 * logs every failure. One line per episode, one when it ends.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct sip_transport *t = ((struct sip_listener *)arg)->t;
	struct timeval tv;
	int err = EVUTIL_SOCKET_ERROR();

	(void)lev;
	if (t->accept_errors++ == 0) {
		t->accept_backoff_ms = ACCEPT_BACKOFF_MIN_MS;
		log_warnx("sip: tcp accept: %s (%zu connections open): not "
		    "accepting for a while", evutil_socket_error_to_string(err),
		    t->n_conns);
	}
	t->accept_pause |= ACCEPT_PAUSE_ERROR;
	listeners_update(t);
	tv.tv_sec = t->accept_backoff_ms / 1000;
	tv.tv_usec = (t->accept_backoff_ms % 1000) * 1000;
	evtimer_add(t->ev_accept, &tv);
	if ((t->accept_backoff_ms *= 2) > ACCEPT_BACKOFF_MAX_MS)
		t->accept_backoff_ms = ACCEPT_BACKOFF_MAX_MS;
}

/* Pauses or resumes accepting as incoming connections come and go. */
static void
incoming_update(struct sip_transport *t)
{
	size_t limit = sip_tcp_incoming_limit(t->cfg);

	if (t->n_incoming >= limit && !(t->accept_pause & ACCEPT_PAUSE_FULL)) {
		log_warnx("sip: %zu incoming tcp connections open, the most "
		    "allowed (max_connections %d, the rest kept for outgoing "
		    "ones): not accepting until one closes", t->n_incoming,
		    t->cfg->sip_max_connections);
		t->accept_pause |= ACCEPT_PAUSE_FULL;
		listeners_update(t);
	} else if (t->n_incoming < limit &&
	    (t->accept_pause & ACCEPT_PAUSE_FULL)) {
		log_info("sip: %zu incoming tcp connections open: accepting "
		    "again", t->n_incoming);
		t->accept_pause &= ~ACCEPT_PAUSE_FULL;
		listeners_update(t);
	}
}

/* Arms a connection's deadline (seconds) unless it runs already. */
static void
deadline_arm(struct sip_conn *c, int seconds)
{
	struct timeval tv = { seconds, 0 };

	if (c->deadline_armed)
		return;
	evtimer_add(c->ev_deadline, &tv);
	c->deadline_armed = 1;
}

/* Disarms a connection's deadline. */
static void
deadline_disarm(struct sip_conn *c)
{
	if (!c->deadline_armed)
		return;
	evtimer_del(c->ev_deadline);
	c->deadline_armed = 0;
}

/* A deadline passed: the peer did not read its answers, or dripped. */
static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_conn *c = arg;
	char why[96];

	(void)fd;
	(void)what;
	c->deadline_armed = 0;
	if (c->handshaking) {
		char who[80];

		snprintf(why, sizeof(why), "tls handshake not finished after "
		    "%d s", c->t->cfg->sip_tls_handshake_timeout_s);
		sip_peer_format(&c->peer, who, sizeof(who));
		log_warnx_limited("sip: %s: closing connection %llu: %s", who,
		    (unsigned long long)c->peer.conn_id, why);
		conn_close(c, why);
		return;
	}
	if (c->throttled) {
		char who[80];

		/* A peer that does not read gets no flush either. */
		snprintf(why, sizeof(why), "%zu bytes unsent after %d s: the "
		    "peer does not read", evbuffer_get_length(
		    bufferevent_get_output(c->bev)),
		    c->t->cfg->sip_tcp_write_timeout_s);
		sip_peer_format(&c->peer, who, sizeof(who));
		log_warnx_limited("sip: %s: closing connection %llu: %s", who,
		    (unsigned long long)c->peer.conn_id, why);
		conn_close(c, why);
		return;
	}
	snprintf(why, sizeof(why), "message incomplete after %d s",
	    c->t->cfg->sip_tcp_message_timeout_s);
	conn_close_after_flush(c, why);
}

/*
 * Stops reading a peer whose answers pile up: every request read would
 * add one more. Reading resumes when the backlog falls to a quarter of
 * the limit (conn_write_cb); a backlog that does not, closes it.
 */
static void
conn_throttle(struct sip_conn *c)
{
	size_t limit = (size_t)c->t->cfg->sip_tcp_output_limit;

	if (c->throttled || c->closing)
		return;
	c->throttled = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, limit / 4, 0);
	deadline_disarm(c);
	deadline_arm(c, c->t->cfg->sip_tcp_write_timeout_s);
	if (!c->throttle_logged) {
		char who[80];

		/* Once per connection: a slow peer toggles it often. */
		c->throttle_logged = 1;
		sip_peer_format(&c->peer, who, sizeof(who));
		log_info_limited("sip: %s: connection %llu: %zu bytes "
		    "unsent, not reading until the peer reads", who,
		    (unsigned long long)c->peer.conn_id,
		    evbuffer_get_length(bufferevent_get_output(c->bev)));
	}
}

/* The output fell to its low-water mark: read again what waits. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct sip_conn *c = arg;

	if (!c->throttled)
		return;
	c->throttled = 0;
	deadline_disarm(c);
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	bufferevent_enable(bev, EV_READ);
	conn_process(c);
}

/* Moves what libevent read into the stream; -1 if it cannot take it. */
static int
conn_feed(struct sip_conn *c, struct evbuffer *in)
{
	size_t room = sip_stream_room(&c->stream), n;
	struct evbuffer_iovec v;

	if (room == 0 || evbuffer_peek(in, -1, NULL, &v, 1) < 1)
		return -1;
	n = v.iov_len < room ? v.iov_len : room;
	if (sip_stream_feed(&c->stream, v.iov_base, n) < 0)
		return -1;
	evbuffer_drain(in, n);
	return 0;
}

/*
 * Reads more of a plain TCP connection straight into its stream: 1 if it
 * did, 0 if nothing more is to be had now (budget spent, nothing there,
 * EOF or an error, which libevent's next event reports), -1 without
 * memory. libevent 2.1 reads at most 4 KiB a readable event
 * (EVBUFFER_MAX_READ) and freezes the bufferevent's input between its
 * reads: about 15 responses a loop turn, against several 4 KiB reads of
 * the component link, so under XMPP -> SIP load the 200s of a proxy fell
 * behind and the messages in flight grew until max_pending refused new
 * ones (contrib/bench/README.md, "SIP over TCP and TLS"). TLS needs none
 * of it: bufferevent_openssl reads on while records are pending.
 */
static int
conn_read_more(struct sip_conn *c, size_t *budget)
{
	char buf[4096];
	size_t room = sip_stream_room(&c->stream), want = sizeof(buf);
	ssize_t n;

	if (c->tls || *budget == 0 || room == 0)
		return 0;
	if (want > room)
		want = room;
	if (want > *budget)
		want = *budget;
	if ((n = recv(bufferevent_getfd(c->bev), buf, want, 0)) <= 0)
		return 0;
	*budget -= (size_t)n;
	return sip_stream_feed(&c->stream, buf, (size_t)n) == 0 ? 1 : -1;
}

/*
 * Hands up every whole message buffered on a connection, until the input
 * (and READ_BUDGET bytes more of the socket) is used up, the connection's
 * output is over its limit, or the stream cannot be framed any more.
 */
static void
conn_process(struct sip_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const struct config *cfg = c->t->cfg;
	size_t limit = (size_t)cfg->sip_tcp_output_limit;
	size_t budget = READ_BUDGET;
	struct sip_stream_item it;
	int r;

	while (!c->throttled && !c->closing) {
		r = sip_stream_next(&c->stream, &it);
		switch (r) {
		case SIP_FRAME_NEED_MORE:
			if (evbuffer_get_length(in) > 0) {
				if (conn_feed(c, in) < 0) {
					conn_close_after_flush(c, "no memory");
					return;
				}
				continue;
			}
			if ((r = conn_read_more(c, &budget)) != 0) {
				if (r < 0) {
					conn_close_after_flush(c, "no memory");
					return;
				}
				continue;
			}
			/* A message has begun: it has a deadline. */
			if (sip_stream_pending(&c->stream))
				deadline_arm(c, cfg->sip_tcp_message_timeout_s);
			return;
		case SIP_FRAME_KEEPALIVE:
			/* RFC 5626 §4.4.1: a CRLFCRLF ping gets a CRLF pong. */
			if (it.ping)
				bufferevent_write(c->bev, "\r\n", 2);
			continue;
		case SIP_FRAME_OK:
			deadline_disarm(c);
			c->t->recv_cb(c->t->arg, it.buf, it.len, &c->peer, r);
			if (evbuffer_get_length(out) > limit)
				conn_throttle(c);
			continue;
		default:
			/*
			 * A stream we cannot frame cannot be resynchronised:
			 * the header block (if complete) goes up so the stack
			 * can answer 400/513, then the connection closes.
			 */
			if (it.len > 0)
				c->t->recv_cb(c->t->arg, it.buf, it.len,
				    &c->peer, r);
			conn_close_after_flush(c, sip_frame_result_str(r));
			return;
		}
	}
}

/* Bytes arrived on a connection. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct sip_conn *c = arg;

	(void)bev;
	c->active = 1;
	conn_process(c);
}

/*
 * RFC 5626 §4.4.1: a connection we opened and that carried nothing since
 * the last tick gets a CRLFCRLF ping; the peer's CRLF pong (or anything
 * else) counts as traffic, and the idle timeout ends a dead one.
 */
static void
conn_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->active || c->closing || c->handshaking) {
		c->active = 0;
		return;
	}
	bufferevent_write(c->bev, "\r\n\r\n", 4);
}

/* Closes a draining connection once its last reply has left. */
static void
conn_drained_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_close(arg, "closed after error reply");
}

/*
 * Stops reading a connection we cannot frame any more, and closes it once
 * whatever reply was queued to it (400, 513) has been written, or when
 * the peer has not taken it within the write timeout.
 */
static void
conn_close_after_flush(struct sip_conn *c, const char *why)
{
	struct timeval wto = { c->t->cfg->sip_tcp_write_timeout_s, 0 };
	char who[80];

	sip_peer_format(&c->peer, who, sizeof(who));
	log_warnx_limited("sip: %s: closing connection %llu: %s", who,
	    (unsigned long long)c->peer.conn_id, why);
	c->closing = 1;
	deadline_disarm(c);
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c, why);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, NULL, &wto);
	bufferevent_setcb(c->bev, NULL, conn_drained_cb, conn_event_cb, c);
}

/* Connection events: connected, EOF, errors, idle or write timeout. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sip_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		set_nodelay(bufferevent_getfd(bev));
		if (c->handshaking) {
			char who[80];

			c->handshaking = 0;
			deadline_disarm(c);
			sip_peer_format(&c->peer, who, sizeof(who));
			log_trace(TRACE_SIP, "%s: connection %llu: tls "
			    "established", who,
			    (unsigned long long)c->peer.conn_id);
			conn_process(c);	/* what came with the handshake */
		}
		return;
	}
	if (c->tls && (what & BEV_EVENT_ERROR)) {
		char why[256], who[80];

		sip_tls_failure(c, why, sizeof(why));
		sip_peer_format(&c->peer, who, sizeof(who));
		if (c->handshaking)
			log_warnx_limited("sip: %s: connection %llu: tls "
			    "handshake failed: %s", who,
			    (unsigned long long)c->peer.conn_id, why);
		conn_close(c, why);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING))
		conn_close(c, "reply not taken by the peer");
	else if (what & BEV_EVENT_TIMEOUT)
		conn_close(c, "idle timeout");
	else if (what & BEV_EVENT_EOF)
		conn_close(c, "closed by peer");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/*
 * Wraps a socket (accepted, or -1 to connect later) in a connection; over
 * TLS an outgoing one checks its peer's certificate against name.
 */
static struct sip_conn *
conn_new(struct sip_transport *t, evutil_socket_t fd,
    const struct sockaddr *sa, socklen_t salen, int outgoing, int tls,
    const char *name)
{
	struct timeval idle = { t->cfg->sip_tcp_idle_timeout_s, 0 };
	struct timeval ka = { t->cfg->sip_keepalive_s, 0 };
	struct sip_conn *c;

	if (t->n_conns >= (size_t)t->cfg->sip_max_connections) {
		log_warnx_limited("sip: connection limit (%d) reached",
		    t->cfg->sip_max_connections);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->t = t;
	c->outgoing = outgoing;
	c->tls = c->handshaking = tls;
	memcpy(&c->peer.addr, sa, salen);
	c->peer.addrlen = salen;
	c->peer.proto = tls ? SIP_PROTO_TLS : IPPROTO_TCP;
	if (name != NULL)
		snprintf(c->name, sizeof(c->name), "%s", name);
	c->peer.name = c->name;
	c->bev = tls ? sip_tls_bev_new(t, fd, c) :
	    bufferevent_socket_new(t->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_deadline = evtimer_new(t->base, conn_deadline_cb, c);
	if (outgoing && ka.tv_sec > 0)
		c->ev_keepalive = event_new(t->base, -1, EV_PERSIST,
		    conn_keepalive_cb, c);
	if (c->bev == NULL || c->ev_deadline == NULL ||
	    (outgoing && ka.tv_sec > 0 && c->ev_keepalive == NULL)) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->ev_deadline != NULL)
			event_free(c->ev_deadline);
		if (c->ev_keepalive != NULL)
			event_free(c->ev_keepalive);
		free(c);
		return NULL;
	}
	sip_stream_init(&c->stream, (size_t)t->cfg->sip_max_message_bytes);
	c->peer.conn_id = t->next_conn_id++;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (tls)
		deadline_arm(c, t->cfg->sip_tls_handshake_timeout_s);
	if (c->ev_keepalive != NULL)
		event_add(c->ev_keepalive, &ka);
	TAILQ_INSERT_TAIL(&t->conns, c, entry);
	t->n_conns++;
	if (!outgoing) {
		t->n_incoming++;
		incoming_update(t);
	}
	return c;
}

/* Closes and forgets a connection. */
static void
conn_close(struct sip_conn *c, const char *why)
{
	struct sip_transport *t = c->t;
	char who[80];

	sip_peer_format(&c->peer, who, sizeof(who));
	log_trace(TRACE_SIP, "%s: connection %llu closed: %s", who,
	    (unsigned long long)c->peer.conn_id, why);
	/*
	 * RFC 3261 §17.1.4: the requests this connection carried, or held
	 * while connecting, will get no answer on it; their transactions
	 * hear of it now rather than at Timer F (the stack only arms timers
	 * here, so c and t are still ours to free below).
	 */
	if (t->closed_cb != NULL)
		t->closed_cb(t->arg, &c->peer, why);
	TAILQ_REMOVE(&t->conns, c, entry);
	t->n_conns--;
	if (c->tls)
		sip_tls_shutdown(c);
	bufferevent_free(c->bev);
	event_free(c->ev_deadline);
	if (c->ev_keepalive != NULL)
		event_free(c->ev_keepalive);
	sip_stream_free(&c->stream);
	sip_source_release_connection(c);
	if (!c->outgoing) {
		t->n_incoming--;
		incoming_update(t);
	}
	free(c);
}

/* Accepts a TCP connection (a TLS one from a tls: listener). */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sip_listener *l = arg;
	struct sip_transport *t = l->t;
	struct sip_conn *c;

	(void)lev;
	if (t->accept_errors > 0) {
		log_info("sip: tcp accept works again (%u failures)",
		    t->accept_errors);
		t->accept_errors = 0;
	}
	/* Taken from the queue before the listeners were paused: refused. */
	if (t->n_incoming >= sip_tcp_incoming_limit(t->cfg)) {
		evutil_closesocket(fd);
		return;
	}
	set_nodelay(fd);
	if ((c = conn_new(t, fd, sa, (socklen_t)salen, 0, l->tls,
	    NULL)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if (sip_source_admit_connection(c) < 0) {
		conn_close(c, "its source holds its share of connections");
		return;
	}
	if (log_verbosity >= LOG_DEBUG) {
		char who[80];

		sip_peer_format(&c->peer, who, sizeof(who));
		log_trace(TRACE_SIP, "%s: connection %llu accepted", who,
		    (unsigned long long)c->peer.conn_id);
	}
}

/* Prepares what TCP needs before any listener opens. */
int
sip_tcp_init(struct sip_transport *t)
{
	TAILQ_INIT(&t->conns);
	t->ev_accept = evtimer_new(t->base, accept_retry_cb, t);
	return t->ev_accept == NULL ? -1 : 0;
}

/* Opens a TCP or TLS listener on one configured address. */
int
sip_tcp_listen(struct sip_transport *t, const struct config_listen *l)
{
	struct sip_listener *s = &t->tcp[t->n_tcp];
	struct sip_peer p;

	if (sip_peer_from_host(&p, l->host, l->port, IPPROTO_TCP) < 0) {
		log_warnx("sip: bad listen address %s", l->host);
		return -1;
	}
	s->t = t;
	s->tls = l->transport == SIP_PROTO_TLS;
	s->lev = evconnlistener_new_bind(t->base, accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC |
	    (p.addr.ss_family == AF_INET6 ? LEV_OPT_BIND_IPV6ONLY : 0), 128,
	    (struct sockaddr *)&p.addr, (int)p.addrlen);
	if (s->lev == NULL) {
		log_warn("sip: bind %s %s:%d", s->tls ? "tls" : "tcp",
		    l->host, l->port);
		return -1;
	}
	evconnlistener_set_error_cb(s->lev, accept_error_cb);
	s->family = p.addr.ss_family;
	snprintf(s->host, sizeof(s->host), "%s", l->host);
	s->port = l->port;
	t->n_tcp++;
	log_info("sip: listening on %s %s%s%s:%d", s->tls ? "tls" : "tcp",
	    s->family == AF_INET6 ? "[" : "", l->host,
	    s->family == AF_INET6 ? "]" : "", l->port);
	return 0;
}

/* Stops accepting new connections (graceful shutdown keeps the open ones). */
void
sip_tcp_stop_listening(struct sip_transport *t)
{
	t->accept_pause |= ACCEPT_PAUSE_STOPPED;
	listeners_update(t);
}

/* Closes every connection and listener. */
void
sip_tcp_free(struct sip_transport *t)
{
	struct sip_conn *c;

	/* The stack has ended its transactions itself: nobody to tell. */
	t->closed_cb = NULL;
	while ((c = TAILQ_FIRST(&t->conns)) != NULL)
		conn_close(c, "shutdown");
	for (int i = 0; i < t->n_tcp; i++)
		evconnlistener_free(t->tcp[i].lev);
	if (t->ev_accept != NULL)
		event_free(t->ev_accept);
}

/* Compares two socket addresses (family, address, port). */
static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

/*
 * Whether an open connection may carry a message for to: the same
 * transport, and over TLS a connection checked for the same name (RFC
 * 5922 §7.3) or, for a peer named by address only, any.
 */
static int
conn_fits(const struct sip_conn *c, const struct sip_peer *to)
{
	if (c->closing || c->peer.proto != to->proto ||
	    !same_addr(&c->peer.addr, &to->addr))
		return 0;
	return !c->tls || to->name == NULL || to->name[0] == '\0' ||
	    strcasecmp(c->name, to->name) == 0;
}

/* Finds the connection to use for a peer, opening one if needed. */
static struct sip_conn *
conn_for(struct sip_transport *t, const struct sip_peer *to)
{
	struct sip_conn *c;

	TAILQ_FOREACH(c, &t->conns, entry)
		if (to->conn_id != 0 && c->peer.conn_id == to->conn_id)
			return c;
	TAILQ_FOREACH(c, &t->conns, entry)
		if (conn_fits(c, to))
			return c;
	c = conn_new(t, -1, (const struct sockaddr *)&to->addr, to->addrlen, 1,
	    to->proto == SIP_PROTO_TLS, to->name);
	if (c == NULL)
		return NULL;
	if (bufferevent_socket_connect(c->bev,
	    (const struct sockaddr *)&to->addr, (int)to->addrlen) < 0) {
		conn_close(c, "connect failed");
		return NULL;
	}
	return c;
}

/*
 * Queues one message on the peer's connection, whose id goes to conn_id
 * (if not NULL). Past the output limit the connection stops being read,
 * whatever wrote to it: our own requests (NOTIFYs) pile up as answers do.
 */
int
sip_tcp_send(struct sip_transport *t, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id)
{
	struct sip_conn *c = conn_for(t, to);

	if (c == NULL)
		return -1;
	if (conn_id != NULL)
		*conn_id = c->peer.conn_id;
	c->active = 1;
	if (bufferevent_write(c->bev, buf, len) < 0)
		return -1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    (size_t)t->cfg->sip_tcp_output_limit)
		conn_throttle(c);
	return 0;
}
