/*
 * The libstrophe side of the component link: its one connection driven by
 * our libevent loop instead of xmpp_run(), its socket watched, its log
 * mapped to ours, and the workarounds it needs. When to connect, and what
 * a lost link means, is xmpp_link.c's.
 *
 * How libstrophe 0.12.2 is driven (read from its behaviour, see
 * tests/interop/test_xmpp_link.py):
 * - xmpp_run_once(ctx, 0) writes what is queued, fires its timed handlers,
 *   then select()s its sockets with a zero timeout and handles one read or
 *   the end of a TCP connect. We call it when our socket is readable, when
 *   it is writable and we have something to write (or a connect pending),
 *   and every 100 ms for libstrophe's own timers. Never re-entrantly
 *   (handlers run inside it) and never with a timeout: the loop is ours.
 * - The socket comes to us through the sockopt callback, called from
 *   inside xmpp_connect_component() with a pointer to the very variable
 *   libstrophe keeps using, before connect(). That callback has no user
 *   pointer, hence the one static below.
 * - Component connections never get a stream management state, and 0.12.2
 *   dereferences it on every send, received stanza and disconnect: the
 *   state is borrowed from a throwaway client connection
 *   (xmpp_link_sm_state_ensure).
 * - select() aborts the process for a descriptor >= FD_SETSIZE; such a
 *   socket is moved onto a low descriptor we keep in reserve.
 * - Sends before the handshake completes, or while disconnected, are
 *   dropped without a word; our own state says when sending is allowed,
 *   and xmpp_link_send() checks the queue really grew.
 */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>
#include <strophe.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

#define POKE_MS			2	/* connect and handshake steps */

/*
 * The link whose libstrophe call is running, for the sockopt callback
 * (libstrophe gives it no user pointer). Set only around our calls into
 * libstrophe, saved and restored, single-threaded.
 */
static struct xmpp_link *current_link;

/* libstrophe's log, mapped to ours; its chatter (stanzas!) is debug. */
static void
strophe_log_cb(void *userdata, xmpp_log_level_t level, const char *area,
    const char *msg)
{
	int prio;

	(void)userdata;
	switch (level) {
	case XMPP_LEVEL_ERROR:
		prio = LOG_ERR;
		break;
	case XMPP_LEVEL_WARN:
		prio = LOG_WARNING;
		break;
	default:
		prio = LOG_DEBUG;
		break;
	}
	if (prio <= log_verbosity)
		log_emit(prio, "libstrophe: %s: %s", area, msg);
}

/* Keeps one descriptor below FD_SETSIZE in reserve, if we can. */
void
xmpp_link_spare_fd_reserve(struct xmpp_link *link)
{
	int fd;

	if (link->spare_fd >= 0)
		return;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fd >= FD_SETSIZE) {
		close(fd);
		return;
	}
	link->spare_fd = fd;
}

/*
 * libstrophe hands us each new socket before connect(). We record it,
 * move it below FD_SETSIZE if needed (select() would abort the process),
 * and set the options a latency-sensitive link wants.
 */
static int
sockopt_cb(xmpp_conn_t *conn, void *sockp)
{
	struct xmpp_link *link = current_link;
	int fd = *(int *)sockp, one = 1, old;

	if (link == NULL || link->conn != conn)
		return 0;
	if (fd >= FD_SETSIZE) {
		old = fd;
		if (link->spare_fd < 0 || dup2(fd, link->spare_fd) < 0) {
			log_error("xmpp: socket descriptor %d is beyond "
			    "select()'s limit of %d and no low descriptor is "
			    "left; not connecting", fd, FD_SETSIZE);
			return -1;
		}
		fd = link->spare_fd;
		link->spare_fd = -1;
		close(old);
		*(int *)sockp = fd;
		log_info("xmpp: moved the component socket from descriptor "
		    "%d to %d (select() handles only < %d)", old, fd,
		    FD_SETSIZE);
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* DESIGN.md: small stanzas must not wait for the peer's ACK. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)xmpp_sockopt_cb_keepalive(conn, &fd);
	link->fd = fd;
	link->fd_gen++;
	return 0;
}

/*
 * libstrophe 0.12.2 gives component connections no stream management
 * state and then dereferences it (first send, first stanza, disconnect).
 * A client connection allocates one in xmpp_connect_client() before it
 * resolves anything; with altdomain "" that resolution fails at once, no
 * socket, no DNS query. We take that state and give it to the component
 * connection. Called before every connect: whatever state the connection
 * has is taken out and put back, so this also holds if a later libstrophe
 * frees it on disconnect.
 */
int
xmpp_link_sm_state_ensure(struct xmpp_link *link)
{
	xmpp_sm_state_t *sm;
	xmpp_conn_t *tmp;
	int rc;

	if ((sm = xmpp_conn_get_sm_state(link->conn)) == NULL) {
		if ((tmp = xmpp_conn_new(link->ctx)) == NULL)
			return -1;
		xmpp_conn_set_jid(tmp, "sm-state@invalid");
		rc = xmpp_connect_client(tmp, "", 1, NULL, NULL);
		if (rc == 0) {
			/* Started connecting after all: not what we know. */
			log_error("xmpp: libstrophe's throwaway client "
			    "connection did not fail as expected");
			xmpp_conn_release(tmp);
			return -1;
		}
		sm = xmpp_conn_get_sm_state(tmp);
		xmpp_conn_release(tmp);
		if (sm == NULL) {
			log_error("xmpp: cannot get a stream management state "
			    "from libstrophe (component sends would crash)");
			return -1;
		}
	}
	if (xmpp_conn_set_sm_state(link->conn, sm) != 0) {
		xmpp_free_sm_state(sm);
		return -1;
	}
	return 0;
}

/* The end of a turn that sent stanzas: one write for all of them. */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	if (link->state != LINK_READY) {
		xmpp_link_out_reset(link);
		return;
	}
	xmpp_link_out_hand_over(link);
	xmpp_link_run(link);
}

/* Socket readiness. */
static void
io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	xmpp_link_run(link);
	/*
	 * During the handshake libstrophe queues its own lines (stream
	 * header, handshake) while reading; they do not count in
	 * xmpp_conn_send_queue_len(), so write them out at once.
	 */
	if (link->state == LINK_HANDSHAKE)
		xmpp_link_run(link);
}

/*
 * While connecting, libstrophe sometimes takes a step (the connect's end,
 * a line of its own queued) that no socket event of ours follows, and the
 * link waited for the 100 ms tick: start-up took 25 ms or 125 ms. Until
 * the link is up it is run again every POKE_MS.
 */
static void
poke_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	if (link->state == LINK_TCP || link->state == LINK_HANDSHAKE)
		xmpp_link_run(link);
}

/* The 100 ms tick: libstrophe's timers, and anything left queued. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	if (link->state == LINK_TCP || link->state == LINK_HANDSHAKE ||
	    link->state == LINK_READY || link->state == LINK_CLOSING)
		xmpp_link_run(link);
}

/*
 * Has the TCP connect ended? Asked before libstrophe looks, so that a
 * refused connection is logged as such: libstrophe 0.12.2 reports it as a
 * plain disconnect, the errno only in a debug line. Reading SO_ERROR
 * clears it; libstrophe then still sees the connect fail (ENOTCONN).
 */
static void
tcp_connect_check(struct xmpp_link *link)
{
	struct pollfd pfd = { .fd = link->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (link->fd < 0 || poll(&pfd, 1, 0) <= 0)
		return;
	if (getsockopt(link->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0)
		link->tcp_errno = err;
	else if (pfd.revents & POLLOUT)
		xmpp_link_set_state(link, LINK_HANDSHAKE);
}

/* One turn of libstrophe; never nested. */
void
xmpp_link_run(struct xmpp_link *link)
{
	struct xmpp_link *saved;

	if (link->in_run)
		return;
	if (link->state == LINK_TCP)
		tcp_connect_check(link);
	link->in_run = 1;
	saved = current_link;
	current_link = link;
	/*
	 * libstrophe prints each line before any filter sees it, among them
	 * a copy of every batch it writes ("SENT:", 7 % of a bridged
	 * message's instructions). While the link is up, whatever it could
	 * warn about also ends the link, which conn_cb logs: below debug it
	 * has no handler then.
	 */
	if (link->state == LINK_READY && log_verbosity < LOG_DEBUG)
		link->logger.handler = NULL;
	xmpp_run_once(link->ctx, 0);
	link->logger.handler = strophe_log_cb;
	current_link = saved;
	link->in_run = 0;
	xmpp_link_out_written(link);
	xmpp_link_rearm(link);
}

/* Stops watching the socket libstrophe had. */
void
xmpp_link_unwatch(struct xmpp_link *link)
{
	if (link->ev_read != NULL)
		event_free(link->ev_read);
	if (link->ev_write != NULL)
		event_free(link->ev_write);
	link->ev_read = link->ev_write = NULL;
	if (link->watch_fd >= 0)
		close(link->watch_fd);
	link->watch_fd = -1;
	link->write_armed = 0;
}

/*
 * Watches libstrophe's current socket through our own duplicate of it:
 * libstrophe closes its descriptor inside xmpp_run_once(), before we can
 * tell libevent, and a closed descriptor (or its number, reused) must
 * never be in the epoll set.
 */
static void
watch(struct xmpp_link *link)
{
	link->watch_fd = fcntl(link->fd, F_DUPFD_CLOEXEC, 0);
	if (link->watch_fd < 0)
		goto fail;
	link->ev_read = event_new(link->base, link->watch_fd,
	    EV_READ | EV_PERSIST, io_cb, link);
	link->ev_write = event_new(link->base, link->watch_fd,
	    EV_WRITE | EV_PERSIST, io_cb, link);
	if (link->ev_read == NULL || link->ev_write == NULL ||
	    event_add(link->ev_read, NULL) != 0)
		goto fail;
	return;
fail:
	/* The 100 ms tick still drives the link, slowly. */
	log_warn("xmpp: cannot watch the component socket");
	xmpp_link_unwatch(link);
}

/*
 * Points our events at libstrophe's current socket and asks for
 * writability only while it helps: during the TCP connect, or while
 * stanzas wait in the queue (else a writable socket would spin the loop).
 */
void
xmpp_link_rearm(struct xmpp_link *link)
{
	int want;

	if (link->watched_gen != link->fd_gen) {
		xmpp_link_unwatch(link);
		link->watched_gen = link->fd_gen;
		if (link->fd >= 0)
			watch(link);
	}
	if ((link->state == LINK_TCP || link->state == LINK_HANDSHAKE) &&
	    !evtimer_pending(link->ev_poke, NULL)) {
		struct timeval tv = { 0, POKE_MS * 1000 };

		evtimer_add(link->ev_poke, &tv);
	}
	if (link->ev_write == NULL)
		return;
	want = link->state == LINK_TCP ||
	    xmpp_conn_send_queue_len(link->conn) > 0;
	if (want && !link->write_armed) {
		event_add(link->ev_write, NULL);
		link->write_armed = 1;
	} else if (!want && link->write_armed) {
		event_del(link->ev_write);
		link->write_armed = 0;
	}
}

/*
 * The libstrophe half of xmpp_link_new(): context, connection (with our
 * sockopt callback and stanza handler) and the events that drive it.
 */
int
xmpp_link_strophe_new(struct xmpp_link *link)
{
	link->logger.handler = strophe_log_cb;
	link->logger.userdata = link;

	xmpp_initialize();
	if ((link->ctx = xmpp_ctx_new(NULL, &link->logger)) == NULL ||
	    (link->conn = xmpp_conn_new(link->ctx)) == NULL)
		return -1;
	/* XEP-0114 has neither TLS nor XEP-0198. */
	(void)xmpp_conn_set_flags(link->conn, XMPP_CONN_FLAG_DISABLE_TLS |
	    XMPP_CONN_FLAG_DISABLE_SM);
	xmpp_conn_set_sockopt_callback(link->conn, sockopt_cb);
	xmpp_handler_add(link->conn, xmpp_link_stanza_cb, NULL, NULL, NULL, link);

	link->ev_tick = event_new(link->base, -1, EV_PERSIST, tick_cb, link);
	link->ev_flush = event_new(link->base, -1, 0, flush_cb, link);
	link->ev_poke = evtimer_new(link->base, poke_cb, link);
	if (link->ev_tick == NULL || link->ev_flush == NULL ||
	    link->ev_poke == NULL)
		return -1;
	return 0;
}

/*
 * Starts libstrophe's connect; the sockopt callback, called from inside,
 * finds the link in current_link. libstrophe's result; *err is the errno
 * the attempt left.
 */
int
xmpp_link_strophe_connect(struct xmpp_link *link, xmpp_conn_handler cb,
    int *err)
{
	const struct config *cfg = link->cfg;
	struct xmpp_link *saved;
	int rc;

	saved = current_link;
	current_link = link;
	errno = 0;
	rc = xmpp_connect_component(link->conn, cfg->xmpp_host,
	    (unsigned short)cfg->xmpp_port, cb, link);
	*err = errno;
	current_link = saved;
	return rc;
}
