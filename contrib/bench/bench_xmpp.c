/*
 * Both ends of an XEP-0114 component stream, as the bench needs them.
 *
 * Server end (xmpp_end_listen): the bench is the XMPP server the gateway
 * connects to. It sends the stream header with a fresh id, checks the
 * handshake (XEP-0114 §3: lower-case hex SHA-1 of id + secret), answers
 * every iq get (the gateway's XEP-0199 pings, its delivery barrier) with a
 * result, and hands messages to the scenario.
 *
 * Client end (xmpp_end_connect): the bench is a second component of a real
 * Prosody (--via-prosody), so traffic goes gateway -> Prosody -> bench.
 *
 * The socket is ours, not a bufferevent's: input is read straight into
 * the scan buffer, output gathers in an evbuffer and leaves in one write
 * per batch (end of a read, end of a send burst), and the write event is
 * armed only when the kernel did not take everything. A busy stream thus
 * costs a read and a write per batch, not per stanza, and the bench's own
 * cost stays small next to the gateway's.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/evp.h>

#include "bench.h"

#define MAX_STANZA	(1024 * 1024)
#define READ_CHUNK	(64 * 1024)
#define NS_STREAMS	"http://etherx.jabber.org/streams"

enum xe_state {
	XE_IDLE,		/* server: listening, nobody connected */
	XE_CONNECTING,		/* client: TCP connect under way */
	XE_HEADER,		/* waiting for the peer's stream header */
	XE_HANDSHAKE,		/* waiting for <handshake/> */
	XE_READY,
	XE_FAILED,
};

struct xmpp_end {
	struct event_base *base;
	int		 server;
	char		*component;
	char		*secret;
	struct xmpp_end_handlers h;
	void		*arg;
	struct evconnlistener *lev;
	int		 port;
	evutil_socket_t	 fd;		/* -1: no connection */
	struct event	*rev, *wev;
	struct evbuffer	*out;
	int		 wev_armed;
	enum xe_state	 state;
	char		 stream_id[40];
	char		*in;
	size_t		 in_len, in_cap;
	struct xmpp_end_stats st;
	char		 err[256];
};

/* Lower-case hex SHA-1 of id + secret: the XEP-0114 handshake value. */
static int
handshake_digest(const char *id, const char *secret, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r = -1;

	if (ctx == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, id, strlen(id)) == 1 &&
	    EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20) {
		for (unsigned int i = 0; i < mdlen; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
		r = 0;
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

/* Queues raw text on the stream; it leaves at the next flush. */
static void
put(struct xmpp_end *e, const char *s, size_t len)
{
	if (e->fd < 0)
		return;
	evbuffer_add(e->out, s, len);
	e->st.bytes_out += len;
}

/* Closes the socket and its events. */
static void
close_conn(struct xmpp_end *e)
{
	if (e->rev != NULL)
		event_free(e->rev);
	if (e->wev != NULL)
		event_free(e->wev);
	e->rev = e->wev = NULL;
	e->wev_armed = 0;
	if (e->fd >= 0)
		evutil_closesocket(e->fd);
	e->fd = -1;
	if (e->out != NULL)
		evbuffer_drain(e->out, evbuffer_get_length(e->out));
}

/* Drops the connection; the server end goes back to listening. */
static void
drop(struct xmpp_end *e, const char *why)
{
	int was_ready = e->state == XE_READY;

	if (why != NULL && e->err[0] == '\0')
		snprintf(e->err, sizeof(e->err), "%s", why);
	close_conn(e);
	e->in_len = 0;
	e->state = e->server ? XE_IDLE : XE_FAILED;
	bench_log("xmpp: stream %s%s%s", was_ready ? "closed" : "failed",
	    why != NULL ? ": " : "", why != NULL ? why : "");
	if (was_ready && e->h.down_cb != NULL)
		e->h.down_cb(e->arg);
}

/* Refuses the stream with a stream error (RFC 6120 §4.9). */
static void
stream_error(struct xmpp_end *e, const char *cond)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "<stream:error><%s xmlns='urn:ietf:"
	    "params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
	    cond);
	put(e, buf, (size_t)n);
	snprintf(e->err, sizeof(e->err), "stream error %s", cond);
	e->state = XE_FAILED;
	if (e->rev != NULL)
		event_del(e->rev);
}

/* The stream is up: both ends agreed on the secret. */
static void
ready(struct xmpp_end *e)
{
	e->state = XE_READY;
	bench_log("xmpp: %s end of component %s ready",
	    e->server ? "server" : "client", e->component);
	if (e->h.up_cb != NULL)
		e->h.up_cb(e->arg);
}

/* Answers an iq get or set with an empty result (XEP-0199 §4.2 for pings). */
static void
answer_iq(struct xmpp_end *e, const struct xml_item *it)
{
	const char *id = "", *from = "", *to = "";
	size_t idl = 0, froml = 0, tol = 0;
	char buf[1024];
	int n;

	(void)xml_attr(it->tag, it->tag_len, "id", &id, &idl);
	(void)xml_attr(it->tag, it->tag_len, "from", &from, &froml);
	(void)xml_attr(it->tag, it->tag_len, "to", &to, &tol);
	n = snprintf(buf, sizeof(buf), "<iq type='result' id='%.*s' "
	    "from='%.*s' to='%.*s'/>", (int)idl, id, (int)tol, to, (int)froml,
	    from);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return;
	put(e, buf, (size_t)n);
	e->st.pings_answered++;
}

/* One stanza of a ready stream. */
static void
stanza(struct xmpp_end *e, const struct xml_item *it)
{
	const char *type = NULL;
	size_t tlen = 0;

	if (xml_attr(it->tag, it->tag_len, "type", &type, &tlen) != 0)
		tlen = 0;
	if (strcmp(it->name, "message") == 0) {
		int is_error = tlen == 5 && memcmp(type, "error", 5) == 0;

		if (is_error)
			e->st.errors_in++;
		else
			e->st.messages_in++;
		if (e->h.message_cb != NULL)
			e->h.message_cb(e->arg, it, is_error);
	} else if (strcmp(it->name, "iq") == 0) {
		if ((tlen == 3 && memcmp(type, "get", 3) == 0) ||
		    (tlen == 3 && memcmp(type, "set", 3) == 0))
			answer_iq(e, it);
	} else if (strcmp(it->name, "presence") == 0) {
		if (e->h.presence_cb != NULL)
			e->h.presence_cb(e->arg, it);
	} else if (strcmp(it->name, "stream:error") == 0)
		drop(e, "stream error from the peer");
}

/* The peer's stream header: reply (server) or prove the secret (client). */
static void
header(struct xmpp_end *e, const struct xml_item *it)
{
	char to[256], digest[41], buf[512];
	int n;

	if (strcmp(it->name, "stream:stream") != 0) {
		drop(e, "no stream header");
		return;
	}
	if (e->server) {
		if (xml_attr_copy(it->tag, it->tag_len, "to", to,
		    sizeof(to)) != 0)
			to[0] = '\0';
		for (size_t i = 0; i + 1 < sizeof(e->stream_id) && i < 32; i++)
			e->stream_id[i] = "0123456789abcdef"[arc4random() & 15];
		n = snprintf(buf, sizeof(buf), "<?xml version='1.0'?>"
		    "<stream:stream xmlns:stream='" NS_STREAMS "' "
		    "xmlns='jabber:component:accept' from='%s' id='%s'>",
		    e->component, e->stream_id);
		put(e, buf, (size_t)n);
		if (strcasecmp(to, e->component) != 0) {
			bench_warnx("xmpp: component %s asked for, we serve %s",
			    to, e->component);
			stream_error(e, "host-unknown");
			return;
		}
		e->state = XE_HANDSHAKE;
		return;
	}
	if (xml_attr_copy(it->tag, it->tag_len, "id", e->stream_id,
	    sizeof(e->stream_id)) != 0 ||
	    handshake_digest(e->stream_id, e->secret, digest) != 0) {
		drop(e, "stream header without id");
		return;
	}
	n = snprintf(buf, sizeof(buf), "<handshake>%s</handshake>", digest);
	put(e, buf, (size_t)n);
	e->state = XE_HANDSHAKE;
}

/* <handshake/>: the value (server) or the server's consent (client). */
static void
handshake(struct xmpp_end *e, const struct xml_item *it)
{
	char digest[41];
	const char *text;
	size_t len;

	if (strcmp(it->name, "handshake") != 0) {
		if (strcmp(it->name, "stream:error") == 0)
			snprintf(e->err, sizeof(e->err), "stream error: %.*s",
			    (int)(it->len < 200 ? it->len : 200), it->data);
		drop(e, "no handshake");
		return;
	}
	if (!e->server) {
		ready(e);
		return;
	}
	if (handshake_digest(e->stream_id, e->secret, digest) != 0 ||
	    xml_inner_text(it, &text, &len) != 0 || len != 40 ||
	    memcmp(text, digest, 40) != 0) {
		bench_warnx("xmpp: wrong handshake from the gateway");
		stream_error(e, "not-authorized");
		return;
	}
	put(e, "<handshake/>", 12);
	ready(e);
}

/* Scans what arrived and acts on every complete item. */
static void
consume(struct xmpp_end *e)
{
	struct xml_item it;
	size_t off = 0, used;
	enum xml_item_kind k;

	while (e->fd >= 0 && e->state != XE_FAILED && off < e->in_len) {
		k = xml_scan(e->in + off, e->in_len - off,
		    e->state != XE_HEADER, MAX_STANZA, &it, &used);
		if (k == XML_NEED_MORE) {
			off += used;
			break;
		}
		if (k == XML_BAD) {
			drop(e, "unparseable XML on the stream");
			return;
		}
		off += used;
		if (k == XML_STREAM_CLOSE) {
			drop(e, "peer closed the stream");
			return;
		}
		switch (e->state) {
		case XE_HEADER:
			header(e, &it);
			break;
		case XE_HANDSHAKE:
			handshake(e, &it);
			break;
		case XE_READY:
			stanza(e, &it);
			break;
		default:
			break;
		}
	}
	if (e->fd < 0)
		return;
	if (off > 0) {
		memmove(e->in, e->in + off, e->in_len - off);
		e->in_len -= off;
	}
}

/* Writes what is queued; arms the write event for what the kernel left. */
static void
flush_out(struct xmpp_end *e)
{
	if (e->fd < 0 || evbuffer_get_length(e->out) == 0)
		return;
	while (evbuffer_get_length(e->out) > 0) {
		int n = evbuffer_write(e->out, e->fd);

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ENOTCONN))
			break;
		drop(e, "write error");
		return;
	}
	if (evbuffer_get_length(e->out) > 0 && !e->wev_armed) {
		event_add(e->wev, NULL);
		e->wev_armed = 1;
	} else if (evbuffer_get_length(e->out) == 0 && e->wev_armed) {
		event_del(e->wev);
		e->wev_armed = 0;
	}
}

/* Makes room for one more read in the scan buffer. */
static int
reserve(struct xmpp_end *e)
{
	size_t cap = e->in_cap ? e->in_cap : 4 * READ_CHUNK;
	char *p;

	if (e->in_cap - e->in_len >= READ_CHUNK)
		return 0;
	while (cap - e->in_len < READ_CHUNK)
		cap *= 2;
	if (cap > 4 * MAX_STANZA || (p = realloc(e->in, cap)) == NULL)
		return -1;
	e->in = p;
	e->in_cap = cap;
	return 0;
}

/* The stream is TCP-connected (client end): send our stream header. */
static void
connected(struct xmpp_end *e)
{
	char buf[512];
	int n, one = 1;

	(void)setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	e->state = XE_HEADER;
	n = snprintf(buf, sizeof(buf), "<?xml version='1.0'?>"
	    "<stream:stream xmlns='jabber:component:accept' "
	    "xmlns:stream='" NS_STREAMS "' to='%s'>", e->component);
	put(e, buf, (size_t)n);
}

/* Readable: read until the kernel has nothing more, then act on it. */
static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_end *e = arg;
	ssize_t n;

	(void)what;
	for (;;) {
		size_t space;

		if (reserve(e) != 0) {
			drop(e, "input too large");
			return;
		}
		space = e->in_cap - e->in_len;
		n = recv(fd, e->in + e->in_len, space, 0);
		if (n > 0) {
			e->in_len += (size_t)n;
			e->st.bytes_in += (size_t)n;
			if ((size_t)n < space)
				break;		/* short read: drained */
			continue;
		}
		if (n == 0) {
			consume(e);
			drop(e, "connection closed");
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR)
			continue;
		drop(e, "connection error");
		return;
	}
	consume(e);
	flush_out(e);
}

/* Writable: the rest of the output, or the end of a TCP connect. */
static void
write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_end *e = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)what;
	if (e->state == XE_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			drop(e, "cannot connect");
			return;
		}
		connected(e);
	}
	flush_out(e);
}

/* Sets up the events of a new connection on fd (non-blocking). */
static int
attach(struct xmpp_end *e, evutil_socket_t fd)
{
	close_conn(e);
	if (evutil_make_socket_nonblocking(fd) != 0)
		return -1;
	e->fd = fd;
	e->rev = event_new(e->base, fd, EV_READ | EV_PERSIST, read_cb, e);
	e->wev = event_new(e->base, fd, EV_WRITE | EV_PERSIST, write_cb, e);
	if (e->rev == NULL || e->wev == NULL || event_add(e->rev, NULL) != 0) {
		close_conn(e);
		return -1;
	}
	e->in_len = 0;
	e->err[0] = '\0';
	return 0;
}

/* The gateway connected (again): the newest connection wins. */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct xmpp_end *e = arg;
	int one = 1;

	(void)lev;
	(void)sa;
	(void)salen;
	if (e->fd >= 0)
		drop(e, "replaced by a new connection");
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (attach(e, fd) != 0) {
		evutil_closesocket(fd);
		return;
	}
	e->state = XE_HEADER;
}

/* Common part of both constructors. */
static struct xmpp_end *
end_new(struct event_base *base, int server, const char *component,
    const char *secret, const struct xmpp_end_handlers *h, void *arg)
{
	struct xmpp_end *e = xcalloc(1, sizeof(*e));

	e->base = base;
	e->server = server;
	e->fd = -1;
	if ((e->out = evbuffer_new()) == NULL) {
		bench_warnx("out of memory");
		exit(2);
	}
	e->component = xstrdup(component);
	e->secret = xstrdup(secret);
	if (h != NULL)
		e->h = *h;
	e->arg = arg;
	return e;
}

/* Listens on 127.0.0.1:port (0: any free port) as the XMPP server. */
struct xmpp_end *
xmpp_end_listen(struct event_base *base, int port, const char *component,
    const char *secret, const struct xmpp_end_handlers *h, void *arg)
{
	struct xmpp_end *e = end_new(base, 1, component, secret, h, arg);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	e->lev = evconnlistener_new_bind(base, accept_cb, e,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    16, (struct sockaddr *)&sin, sizeof(sin));
	if (e->lev == NULL ||
	    getsockname(evconnlistener_get_fd(e->lev), (struct sockaddr *)&sin,
	    &len) != 0) {
		bench_warnx("xmpp: cannot listen on 127.0.0.1:%d", port);
		xmpp_end_free(e);
		return NULL;
	}
	e->port = ntohs(sin.sin_port);
	e->state = XE_IDLE;
	return e;
}

/* Connects to 127.0.0.1:port as component (client end, Prosody mode). */
struct xmpp_end *
xmpp_end_connect(struct event_base *base, int port, const char *component,
    const char *secret, const struct xmpp_end_handlers *h, void *arg)
{
	struct xmpp_end *e = end_new(base, 0, component, secret, h, arg);
	struct sockaddr_in sin;
	evutil_socket_t fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	e->port = port;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || attach(e, fd) != 0) {
		if (fd >= 0 && e->fd < 0)
			evutil_closesocket(fd);
		goto fail;
	}
	e->state = XE_CONNECTING;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		connected(e);
	else if (errno != EINPROGRESS)
		goto fail;
	/* The write event says when the connect is done. */
	event_add(e->wev, NULL);
	e->wev_armed = 1;
	return e;
fail:
	bench_warnx("xmpp: cannot connect to 127.0.0.1:%d", port);
	xmpp_end_free(e);
	return NULL;
}

/* The port we listen on (server) or connect to (client). */
int
xmpp_end_port(const struct xmpp_end *e)
{
	return e->port;
}

/* True once the handshake is done. */
int
xmpp_end_ready(const struct xmpp_end *e)
{
	return e != NULL && e->state == XE_READY;
}

/* Queues one stanza; -1 when the stream is not up. */
int
xmpp_end_send(struct xmpp_end *e, const char *xml, size_t len)
{
	if (e == NULL || e->state != XE_READY)
		return -1;
	put(e, xml, len);
	e->st.stanzas_out++;
	return 0;
}

/* Writes what was queued since the last flush. */
void
xmpp_end_flush(struct xmpp_end *e)
{
	if (e != NULL)
		flush_out(e);
}

/* Counters. */
const struct xmpp_end_stats *
xmpp_end_stats(const struct xmpp_end *e)
{
	return &e->st;
}

/* Why the stream failed, or "". */
const char *
xmpp_end_error(const struct xmpp_end *e)
{
	return e->err;
}

/* Closes everything. */
void
xmpp_end_free(struct xmpp_end *e)
{
	if (e == NULL)
		return;
	close_conn(e);
	if (e->out != NULL)
		evbuffer_free(e->out);
	if (e->lev != NULL)
		evconnlistener_free(e->lev);
	free(e->in);
	free(e->component);
	free(e->secret);
	free(e);
}
