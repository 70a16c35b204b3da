/*
 * SIP over one stream connection, TCP or TLS, for the bench's SIP ends
 * (--sip-transport tcp|tls; bench_sip.c decides what goes on it).
 *
 * Plain sockets and OpenSSL directly, on the bench's one libevent loop,
 * non-blocking. Bytes in are framed by Content-Length with the gateway's
 * own reassembly (sip_stream.c of sipxmpp_codec, RFC 3261 §18.3), so the
 * bench reads the gateway's stream exactly as the gateway reads a peer's;
 * a keep-alive CRLFCRLF gets its CRLF (RFC 5626 §4.4.1). Bytes out are
 * appended to one buffer and written when the owner flushes (once per
 * batch, as the UDP path does with sendmmsg): one write, and over TLS as
 * few records as the buffer allows.
 *
 * A connection that fails (refused, reset, a framing or TLS error) is
 * reported once through closed_cb, from a callback of its own, never
 * from inside the owner's call: the owner may free it there.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "sip_frame.h"
#include "sip_stream.h"

#define READ_SIZE	65536
#define READ_ROUNDS	16		/* reads per wake-up, then yield */
#define MSG_MAX		65536		/* largest message we take */
#define OUT_MAX		(64u << 20)	/* what may wait to be written */
#define TLS_CHUNK	(256u << 10)	/* one SSL_write at most */

struct sconn {
	struct event_base *base;
	struct sconn_handlers h;
	void		*arg;
	int		 fd;
	SSL		*ssl;
	struct event	*rev, *wev, *dead_ev;
	int		 connected;	/* TCP connect() done */
	int		 dead;
	char		 why[160];
	char		*out;		/* [out_off, out_len) to write */
	size_t		 out_off, out_len, out_cap;
	size_t		 ssl_retry;	/* an SSL_write to repeat: its size */
	struct sip_stream in;
	struct sconn_stats st;
};

struct slisten {
	struct event_base *base;
	SSL_CTX		*ctx;
	struct sconn_handlers h;
	void		*arg;
	int		 fd, port;
	struct event	*ev;
};

static char	 rbuf[READ_SIZE];	/* one loop, one reader at a time */

static void	 io_cb(evutil_socket_t, short, void *);

/* Reports the connection dead, once, from its own callback. */
static void
dead_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;

	(void)fd;
	(void)what;
	if (c->h.closed_cb != NULL)
		c->h.closed_cb(c->arg, c, c->why);
}

/* Ends the connection's I/O; closed_cb will say why. */
static void
fail(struct sconn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->dead)
		return;
	c->dead = 1;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	event_del(c->rev);
	event_del(c->wev);
	event_active(c->dead_ev, EV_TIMEOUT, 0);
}

/* The reason of an SSL call that returned r <= 0; 0 if it only waits. */
static int
ssl_failed(struct sconn *c, int r, const char *what)
{
	int e = SSL_get_error(c->ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return 0;	/* the read event is always on */
	case SSL_ERROR_WANT_WRITE:
		event_add(c->wev, NULL);
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		fail(c, "closed by the gateway (close_notify)");
		return 1;
	case SSL_ERROR_SYSCALL:
		fail(c, "TLS %s: %s", what, errno != 0 ? strerror(errno) :
		    "connection closed");
		return 1;
	default:
		fail(c, "TLS %s: %s", what, tls_error());
		return 1;
	}
}

/* Hands out every whole message the stream holds. */
static void
drain(struct sconn *c)
{
	struct sip_stream_item it;
	int r;

	while (!c->dead) {
		r = sip_stream_next(&c->in, &it);
		if (r == SIP_FRAME_NEED_MORE)
			return;
		if (r == SIP_FRAME_KEEPALIVE) {
			if (it.ping)
				(void)sconn_write(c, "\r\n", 2);
			continue;
		}
		if (r != SIP_FRAME_OK) {
			fail(c, "framing: %s", sip_frame_result_str(r));
			return;
		}
		c->st.messages_in++;
		if (c->h.message_cb != NULL)
			c->h.message_cb(c->arg, c, it.buf, it.len);
	}
}

/* Feeds n bytes read to the reassembly, messages out as they complete. */
static void
take(struct sconn *c, const char *p, size_t n)
{
	size_t k;

	c->st.bytes_in += n;
	while (n > 0 && !c->dead) {
		if ((k = sip_stream_room(&c->in)) == 0) {
			fail(c, "a message over %u bytes", MSG_MAX);
			return;
		}
		if (k > n)
			k = n;
		if (sip_stream_feed(&c->in, p, k) != 0) {
			fail(c, "out of memory");
			return;
		}
		p += k;
		n -= k;
		drain(c);
	}
}

/* Reads what is there (a few rounds, then yields to the loop). */
static void
conn_read(struct sconn *c)
{
	ssize_t n;
	int r;

	for (int round = 0; round < READ_ROUNDS && !c->dead; round++) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if ((r = SSL_read(c->ssl, rbuf, sizeof(rbuf))) <= 0) {
				(void)ssl_failed(c, r, "read");
				return;
			}
			take(c, rbuf, (size_t)r);
			continue;
		}
		n = read(c->fd, rbuf, sizeof(rbuf));
		if (n == 0) {
			fail(c, "closed by the gateway");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(c, "read: %s", strerror(errno));
			return;
		}
		take(c, rbuf, (size_t)n);
		if ((size_t)n < sizeof(rbuf))
			return;
	}
}

/* Writes what waits until done or the socket is full. */
void
sconn_flush(struct sconn *c)
{
	size_t len;
	ssize_t n;
	int r;

	if (c->dead || !c->connected)
		return;
	while (c->out_off < c->out_len) {
		len = c->out_len - c->out_off;
		if (c->ssl != NULL) {
			/* A retry repeats the size that would have blocked. */
			if (c->ssl_retry != 0)
				len = c->ssl_retry;
			else if (len > TLS_CHUNK)
				len = TLS_CHUNK;
			ERR_clear_error();
			r = SSL_write(c->ssl, c->out + c->out_off, (int)len);
			if (r <= 0) {
				c->ssl_retry = len;
				(void)ssl_failed(c, r, "write");
				return;
			}
			c->ssl_retry = 0;
			n = r;
		} else {
			n = send(c->fd, c->out + c->out_off, len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					event_add(c->wev, NULL);
					return;
				}
				if (errno == EINTR)
					continue;
				fail(c, "write: %s", strerror(errno));
				return;
			}
		}
		c->out_off += (size_t)n;
		c->st.bytes_out += (size_t)n;
		c->st.writes++;
	}
	c->out_off = c->out_len = 0;
	event_del(c->wev);
}

/* Queues bytes; they leave at the next sconn_flush(). */
int
sconn_write(struct sconn *c, const char *p, size_t n)
{
	size_t cap;
	char *q;

	if (c->dead)
		return -1;
	if (c->out_off > 0 && c->out_off == c->out_len && c->ssl_retry == 0)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		if (c->out_len + n > OUT_MAX)
			return -1;	/* the gateway stopped reading */
		cap = c->out_cap < 4096 ? 4096 : c->out_cap;
		while (cap < c->out_len + n)
			cap *= 2;
		if ((q = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = q;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* The connect() has finished, for better or worse. */
static void
connected(struct sconn *c)
{
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		fail(c, "connect: %s", strerror(err));
		return;
	}
	c->connected = 1;
	event_del(c->wev);
	if (c->ssl != NULL && c->out_len == 0) {
		/* Nothing to write yet: start the handshake anyway. */
		ERR_clear_error();
		if ((r = SSL_do_handshake(c->ssl)) <= 0)
			(void)ssl_failed(c, r, "handshake");
	}
}

/* The socket is readable or writable: move what can be moved. */
static void
io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sconn *c = arg;

	(void)fd;
	if (!c->connected) {
		if (!(what & EV_WRITE))
			return;
		connected(c);
	}
	/* TLS may want the other direction for either (a handshake). */
	if (!c->dead)
		conn_read(c);
	/* Answers to what was read leave together. */
	if (!c->dead)
		sconn_flush(c);
}

/* A connection on fd (connected or not), TLS if ctx. */
static struct sconn *
conn_new(struct event_base *base, SSL_CTX *ctx, int fd, int server,
    const char *name, const struct sconn_handlers *h, void *arg)
{
	struct sconn *c = xcalloc(1, sizeof(*c));
	int one = 1;

	c->base = base;
	c->fd = fd;
	c->h = *h;
	c->arg = arg;
	c->connected = server;
	sip_stream_init(&c->in, MSG_MAX);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, io_cb, c);
	c->wev = event_new(base, fd, EV_WRITE, io_cb, c);
	c->dead_ev = event_new(base, -1, 0, dead_cb, c);
	if (c->rev == NULL || c->wev == NULL || c->dead_ev == NULL ||
	    event_add(c->rev, NULL) != 0)
		goto fail;
	if (ctx != NULL) {
		if ((c->ssl = SSL_new(ctx)) == NULL ||
		    SSL_set_fd(c->ssl, fd) != 1)
			goto fail;
		if (server)
			SSL_set_accept_state(c->ssl);
		else {
			/* RFC 5922 §7.3: the name we meant to reach. */
			SSL_set_connect_state(c->ssl);
			if (SSL_set_tlsext_host_name(c->ssl, name) != 1 ||
			    SSL_set1_host(c->ssl, name) != 1)
				goto fail;
		}
	}
	return c;
fail:
	bench_warnx("sip: cannot set up a connection: %s", tls_error());
	sconn_free(c);
	return NULL;
}

/*
 * Opens a connection to 127.0.0.1:port, TLS if ctx (the certificate must
 * name name). Its outcome comes later: closed_cb if it fails.
 */
struct sconn *
sconn_connect(struct event_base *base, SSL_CTX *ctx, int port,
    const char *name, const struct sconn_handlers *h, void *arg)
{
	struct sockaddr_in sin;
	struct sconn *c;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return NULL;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	if ((c = conn_new(base, ctx, fd, 0, name, h, arg)) == NULL)
		return NULL;
	event_add(c->wev, NULL);	/* the connect's outcome */
	return c;
}

/* The local port of a connection: what its Via sent-by says. */
int
sconn_local_port(const struct sconn *c)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(c->fd, (struct sockaddr *)&sin, &len) != 0)
		return 0;
	return ntohs(sin.sin_port);
}

/* Counters. */
const struct sconn_stats *
sconn_stats(const struct sconn *c)
{
	return &c->st;
}

/* Closes the connection at once (no close_notify: nothing waits on it). */
void
sconn_free(struct sconn *c)
{
	if (c == NULL)
		return;
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->dead_ev != NULL)
		event_free(c->dead_ev);
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	sip_stream_free(&c->in);
	free(c->out);
	free(c);
}

/* A connection to the listener: the owner hears of it. */
static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slisten *l = arg;
	struct sconn *c;
	int cfd;

	(void)fd;
	(void)what;
	while ((cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		/* On failure conn_new() has closed cfd. */
		if ((c = conn_new(l->base, l->ctx, cfd, 1, NULL, &l->h,
		    l->arg)) == NULL)
			continue;
		if (l->h.accept_cb != NULL)
			l->h.accept_cb(l->arg, c);
		else
			sconn_free(c);
	}
}

/* Listens on 127.0.0.1:port (0: any), TLS if ctx. */
struct slisten *
slisten_new(struct event_base *base, SSL_CTX *ctx, int port,
    const struct sconn_handlers *h, void *arg)
{
	struct slisten *l = xcalloc(1, sizeof(*l));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1;

	l->fd = -1;
	l->base = base;
	l->ctx = ctx;
	l->h = *h;
	l->arg = arg;
	if ((l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(l->fd, 64) != 0 ||
	    getsockname(l->fd, (struct sockaddr *)&sin, &len) != 0)
		goto fail;
	l->port = ntohs(sin.sin_port);
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, accept_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) != 0)
		goto fail;
	return l;
fail:
	bench_warnx("sip: cannot listen on 127.0.0.1:%d: %s", port,
	    strerror(errno));
	slisten_free(l);
	return NULL;
}

/* The listener's port. */
int
slisten_port(const struct slisten *l)
{
	return l->port;
}

/* Stops listening (the connections it made are the owner's). */
void
slisten_free(struct slisten *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
