/*
 * The XEP-0114 component link: one libstrophe connection driven by our
 * libevent loop instead of xmpp_run().
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
 *   state is borrowed from a throwaway client connection (sm_state_ensure).
 * - select() aborts the process for a descriptor >= FD_SETSIZE; such a
 *   socket is moved onto a low descriptor we keep in reserve.
 * - Sends before the handshake completes, or while disconnected, are
 *   dropped without a word; our own state says when sending is allowed,
 *   and xmpp_link_send() checks the queue really grew.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <strophe.h>

#include "config.h"
#include "log.h"
#include "xmpp_link_int.h"

#define TICK_MS			100	/* libstrophe timers and stragglers */
#define POKE_MS			2	/* connect and handshake steps */
#define HANDSHAKE_TIMEOUT_MS	10000	/* TCP connect + stream + handshake */
#define MAX_BACKOFF_STEPS	30

static const char *const state_names[] = {
	"idle", "wait", "tcp-connect", "handshake", "ready", "closing",
};

/*
 * The link whose libstrophe call is running, for the sockopt callback
 * (libstrophe gives it no user pointer). Set only around our calls into
 * libstrophe, saved and restored, single-threaded.
 */
static struct xmpp_link *current_link;

static void link_run(struct xmpp_link *);
static void link_rearm(struct xmpp_link *);
static void retry_schedule(struct xmpp_link *, int);

/* Logs every state change, like the bridges' state machines. */
static void
link_set_state(struct xmpp_link *link, enum link_state state)
{
	if (link->state == state)
		return;
	log_debug("xmpp: link %s -> %s", state_names[link->state],
	    state_names[state]);
	link->state = state;
}

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
static void
spare_fd_reserve(struct xmpp_link *link)
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
static int
sm_state_ensure(struct xmpp_link *link)
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

/* Queues text we built ourselves for this turn's batch; -1 if not. */
int
xmpp_link_send_text(struct xmpp_link *link, const char *xml, size_t len)
{
	if (link->state != LINK_READY || xml == NULL)
		return -1;
	return xmpp_link_out_append(link, xml, len);
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
	link_run(link);
}

/* Names of libstrophe's stream error types, for the log. */
static const char *
stream_error_name(xmpp_error_type_t type)
{
	static const char *const names[] = {
		[XMPP_SE_BAD_FORMAT] = "bad-format",
		[XMPP_SE_BAD_NS_PREFIX] = "bad-namespace-prefix",
		[XMPP_SE_CONFLICT] = "conflict",
		[XMPP_SE_CONN_TIMEOUT] = "connection-timeout",
		[XMPP_SE_HOST_GONE] = "host-gone",
		[XMPP_SE_HOST_UNKNOWN] = "host-unknown",
		[XMPP_SE_IMPROPER_ADDR] = "improper-addressing",
		[XMPP_SE_INTERNAL_SERVER_ERROR] = "internal-server-error",
		[XMPP_SE_INVALID_FROM] = "invalid-from",
		[XMPP_SE_INVALID_ID] = "invalid-id",
		[XMPP_SE_INVALID_NS] = "invalid-namespace",
		[XMPP_SE_INVALID_XML] = "invalid-xml",
		[XMPP_SE_NOT_AUTHORIZED] = "not-authorized",
		[XMPP_SE_POLICY_VIOLATION] = "policy-violation",
		[XMPP_SE_REMOTE_CONN_FAILED] = "remote-connection-failed",
		[XMPP_SE_RESOURCE_CONSTRAINT] = "resource-constraint",
		[XMPP_SE_RESTRICTED_XML] = "restricted-xml",
		[XMPP_SE_SEE_OTHER_HOST] = "see-other-host",
		[XMPP_SE_SYSTEM_SHUTDOWN] = "system-shutdown",
		[XMPP_SE_UNDEFINED_CONDITION] = "undefined-condition",
		[XMPP_SE_UNSUPPORTED_ENCODING] = "unsupported-encoding",
		[XMPP_SE_UNSUPPORTED_STANZA_TYPE] = "unsupported-stanza-type",
		[XMPP_SE_UNSUPPORTED_VERSION] = "unsupported-version",
		[XMPP_SE_XML_NOT_WELL_FORMED] = "xml-not-well-formed",
	};

	if ((unsigned int)type < sizeof(names) / sizeof(names[0]) &&
	    names[type] != NULL)
		return names[type];
	return "unknown";
}

/*
 * Says why the link went down, distinctly for each cause an operator can
 * act on, and picks the wait before the next attempt: configuration
 * errors wait the longest, since retrying sooner cannot help.
 */
static void
log_disconnect(struct xmpp_link *link, enum link_state was, int error,
    xmpp_stream_error_t *se)
{
	const struct config *cfg = link->cfg;
	const char *text = se != NULL && se->text != NULL ? se->text : "";
	const char *sep = *text != '\0' ? ": " : "";

	link->config_error = se != NULL &&
	    (se->type == XMPP_SE_NOT_AUTHORIZED ||
	    se->type == XMPP_SE_HOST_UNKNOWN);
	if (was == LINK_READY)
		link->attempts = 0;
	if (se != NULL && se->type == XMPP_SE_NOT_AUTHORIZED) {
		log_error("xmpp: the XMPP server at %s:%d refused the secret "
		    "of component %s (not-authorized%s%s): [xmpp] secret in "
		    "%s must equal the server's component_secret; retrying "
		    "about every %d ms", cfg->xmpp_host, cfg->xmpp_port,
		    cfg->xmpp_component, sep, text,
		    cfg->path != NULL ? cfg->path : "the configuration",
		    cfg->xmpp_reconnect_max_ms);
	} else if (se != NULL && se->type == XMPP_SE_HOST_UNKNOWN) {
		log_error("xmpp: the XMPP server at %s:%d knows no component "
		    "named %s (host-unknown%s%s): declare it on the server "
		    "(Prosody: Component \"%s\") or fix [xmpp] component; "
		    "retrying about every %d ms", cfg->xmpp_host, cfg->xmpp_port,
		    cfg->xmpp_component, sep, text, cfg->xmpp_component,
		    cfg->xmpp_reconnect_max_ms);
	} else if (se != NULL && se->type == XMPP_SE_CONFLICT) {
		log_error("xmpp: the XMPP server says component %s is already "
		    "connected (conflict%s%s): is another sipxmppd running?",
		    cfg->xmpp_component, sep, text);
	} else if (se != NULL) {
		log_warnx("xmpp: the XMPP server closed the link of component "
		    "%s with stream error %s%s%s", cfg->xmpp_component,
		    stream_error_name(se->type), sep, text);
	} else if (link->tcp_errno == ECONNREFUSED) {
		log_warnx("xmpp: connection to %s:%d refused: is the XMPP "
		    "server running, with a component port there?",
		    cfg->xmpp_host, cfg->xmpp_port);
	} else if (link->tcp_errno != 0) {
		log_warnx("xmpp: cannot connect to %s:%d: %s", cfg->xmpp_host,
		    cfg->xmpp_port, strerror(link->tcp_errno));
	} else if (was == LINK_TCP) {
		log_warnx("xmpp: cannot connect to %s:%d%s%s", cfg->xmpp_host,
		    cfg->xmpp_port, error != 0 ? ": " : " (timed out)",
		    error != 0 ? strerror(error) : "");
	} else if (link->handshake_expired) {
		log_warnx("xmpp: no handshake with %s:%d within %d ms",
		    cfg->xmpp_host, cfg->xmpp_port, HANDSHAKE_TIMEOUT_MS);
	} else if (error == 0 || error == ECONNRESET) {
		/* libstrophe reports the server's plain close as a reset. */
		log_warnx("xmpp: the XMPP server at %s:%d closed the link%s",
		    cfg->xmpp_host, cfg->xmpp_port, was == LINK_READY ? "" :
		    " during the handshake");
	} else {
		log_warnx("xmpp: link to %s:%d lost: %s", cfg->xmpp_host,
		    cfg->xmpp_port, strerror(error));
	}
}

/* libstrophe's connection events. Never reconnects from in here. */
static void
conn_cb(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
    xmpp_stream_error_t *stream_error, void *arg)
{
	struct xmpp_link *link = arg;
	enum link_state was = link->state;

	(void)conn;
	switch (event) {
	case XMPP_CONN_CONNECT:
		xmpp_link_out_reset(link);
		link_set_state(link, LINK_READY);
		link->attempts = 0;
		link->config_error = 0;
		evtimer_del(link->ev_handshake);
		log_info("xmpp: component %s connected to %s:%d",
		    link->cfg->xmpp_component, link->cfg->xmpp_host,
		    link->cfg->xmpp_port);
		if (link->h.up_cb != NULL)
			link->h.up_cb(link->arg);
		break;
	case XMPP_CONN_RAW_CONNECT:
		break;
	case XMPP_CONN_DISCONNECT:
	case XMPP_CONN_FAIL:
		/* Unwritten stanzas are gone; their pings fail below. */
		xmpp_link_out_reset(link);
		/*
		 * libstrophe has just closed the socket: take its descriptor
		 * back as the low spare now, before accepted SIP connections
		 * (which may fill every number below FD_SETSIZE once the
		 * open-file limit is raised) take it while we wait to retry.
		 */
		spare_fd_reserve(link);
		link->fd = -1;
		link->fd_gen++;
		evtimer_del(link->ev_handshake);
		if (was == LINK_CLOSING || was == LINK_IDLE) {
			link_set_state(link, LINK_IDLE);
			log_info("xmpp: link to %s:%d closed",
			    link->cfg->xmpp_host, link->cfg->xmpp_port);
			xmpp_link_pings_fail(link);
			if (link->restart) {
				link->restart = 0;
				link->attempts = 0;
				link_set_state(link, LINK_WAIT);
				retry_schedule(link, 0);
			}
			break;
		}
		link_set_state(link, LINK_WAIT);
		log_disconnect(link, was, error, stream_error);
		/* Pings see the link down (xmpp_link_is_ready() is 0). */
		xmpp_link_pings_fail(link);
		if (was == LINK_READY && link->h.down_cb != NULL)
			link->h.down_cb(link->arg);
		if (link->state == LINK_WAIT)
			retry_schedule(link, link->config_error);
		break;
	}
}

/* Wait before the next attempt: exponential, capped, with jitter. */
static int
retry_delay(struct xmpp_link *link, int longest)
{
	long min = link->cfg->xmpp_reconnect_min_ms;
	long max = link->cfg->xmpp_reconnect_max_ms;
	long base;

	if (min < 1)
		min = 1;
	if (max < min)
		max = min;
	if (longest)
		base = max;
	else {
		base = min;
		for (int i = 0; i < link->attempts && base < max; i++)
			base *= 2;
		if (base > max)
			base = max;
	}
	if (link->attempts < MAX_BACKOFF_STEPS)
		link->attempts++;
	/*
	 * Uniform in [base/2, base]: gateways that lost the same server do
	 * not all come back in the same millisecond.
	 */
	return (int)(base / 2 + arc4random_uniform((uint32_t)(base -
	    base / 2) + 1));
}

/* Arms the reconnect timer; never connects from the calling context. */
static void
retry_schedule(struct xmpp_link *link, int longest)
{
	struct timeval tv;
	int ms;

	if (link->state != LINK_WAIT)
		return;
	ms = retry_delay(link, longest);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(link->ev_retry, &tv);
	log_info("xmpp: reconnecting to %s:%d in %d ms (attempt %d)",
	    link->cfg->xmpp_host, link->cfg->xmpp_port, ms, link->attempts);
}

/* Starts one connection attempt. */
static void
link_connect(struct xmpp_link *link)
{
	const struct config *cfg = link->cfg;
	struct xmpp_link *saved;
	struct timeval tv;
	int rc, err;

	if (link->state != LINK_WAIT)
		return;
	if (!xmpp_conn_is_disconnected(link->conn)) {
		/* The old stream is still closing; try again shortly. */
		retry_schedule(link, 0);
		return;
	}
	spare_fd_reserve(link);
	link->tcp_errno = 0;
	link->handshake_expired = 0;
	xmpp_conn_set_jid(link->conn, cfg->xmpp_component);
	xmpp_conn_set_pass(link->conn, cfg->xmpp_secret);
	if (sm_state_ensure(link) != 0) {
		log_error("xmpp: cannot prepare the libstrophe connection");
		retry_schedule(link, 1);
		return;
	}
	log_debug("xmpp: connecting to %s:%d as %s", cfg->xmpp_host,
	    cfg->xmpp_port, cfg->xmpp_component);
	link_set_state(link, LINK_TCP);
	saved = current_link;
	current_link = link;
	errno = 0;
	rc = xmpp_connect_component(link->conn, cfg->xmpp_host,
	    (unsigned short)cfg->xmpp_port, conn_cb, link);
	err = errno;
	current_link = saved;
	if (rc != 0) {
		link->fd = -1;
		link->fd_gen++;
		link_set_state(link, LINK_WAIT);
		if (rc == XMPP_EMEM)
			log_warnx("xmpp: cannot connect to %s:%d: out of "
			    "memory", cfg->xmpp_host, cfg->xmpp_port);
		else
			log_warnx("xmpp: cannot connect to %s:%d%s%s",
			    cfg->xmpp_host, cfg->xmpp_port,
			    err != 0 ? ": " : "", err != 0 ? strerror(err) :
			    "");
		link_rearm(link);
		retry_schedule(link, 0);
		return;
	}
	tv.tv_sec = HANDSHAKE_TIMEOUT_MS / 1000;
	tv.tv_usec = (HANDSHAKE_TIMEOUT_MS % 1000) * 1000;
	evtimer_add(link->ev_handshake, &tv);
	link_rearm(link);
}

/* The reconnect timer. */
static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	link_connect(arg);
}

/* No handshake in time: close, which ends in a disconnect and a retry. */
static void
handshake_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	if (link->state != LINK_TCP && link->state != LINK_HANDSHAKE)
		return;
	link->handshake_expired = 1;
	xmpp_disconnect(link->conn);
	link_run(link);
}

/* Socket readiness. */
static void
io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xmpp_link *link = arg;

	(void)fd;
	(void)what;
	link_run(link);
	/*
	 * During the handshake libstrophe queues its own lines (stream
	 * header, handshake) while reading; they do not count in
	 * xmpp_conn_send_queue_len(), so write them out at once.
	 */
	if (link->state == LINK_HANDSHAKE)
		link_run(link);
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
		link_run(link);
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
		link_run(link);
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
		link_set_state(link, LINK_HANDSHAKE);
}

/* One turn of libstrophe; never nested. */
static void
link_run(struct xmpp_link *link)
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
	link_rearm(link);
}

/* Stops watching the socket libstrophe had. */
static void
unwatch(struct xmpp_link *link)
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
	unwatch(link);
}

/*
 * Points our events at libstrophe's current socket and asks for
 * writability only while it helps: during the TCP connect, or while
 * stanzas wait in the queue (else a writable socket would spin the loop).
 */
static void
link_rearm(struct xmpp_link *link)
{
	int want;

	if (link->watched_gen != link->fd_gen) {
		unwatch(link);
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

/* Creates the link; nothing connects before xmpp_link_start(). */
struct xmpp_link *
xmpp_link_new(struct event_base *base, const struct config *cfg,
    const struct xmpp_link_handlers *handlers, void *arg)
{
	struct xmpp_link *link;

	if (base == NULL || cfg == NULL || cfg->xmpp_component == NULL ||
	    cfg->xmpp_secret == NULL || cfg->xmpp_host == NULL)
		return NULL;
	if ((link = calloc(1, sizeof(*link))) == NULL)
		return NULL;
	link->base = base;
	link->cfg = cfg;
	if (handlers != NULL)
		link->h = *handlers;
	link->arg = arg;
	link->fd = -1;
	link->watch_fd = -1;
	link->spare_fd = -1;
	TAILQ_INIT(&link->pings);
	link->ping_salt = arc4random();
	link->logger.handler = strophe_log_cb;
	link->logger.userdata = link;

	xmpp_initialize();
	if ((link->ctx = xmpp_ctx_new(NULL, &link->logger)) == NULL ||
	    (link->conn = xmpp_conn_new(link->ctx)) == NULL)
		goto fail;
	/* XEP-0114 has neither TLS nor XEP-0198. */
	(void)xmpp_conn_set_flags(link->conn, XMPP_CONN_FLAG_DISABLE_TLS |
	    XMPP_CONN_FLAG_DISABLE_SM);
	xmpp_conn_set_sockopt_callback(link->conn, sockopt_cb);
	xmpp_handler_add(link->conn, xmpp_link_stanza_cb, NULL, NULL, NULL, link);

	link->ev_tick = event_new(base, -1, EV_PERSIST, tick_cb, link);
	link->ev_retry = evtimer_new(base, retry_cb, link);
	link->ev_handshake = evtimer_new(base, handshake_timeout_cb, link);
	link->ev_flush = event_new(base, -1, 0, flush_cb, link);
	link->ev_poke = evtimer_new(base, poke_cb, link);
	if (link->ev_tick == NULL || link->ev_retry == NULL ||
	    link->ev_handshake == NULL || link->ev_flush == NULL ||
	    link->ev_poke == NULL)
		goto fail;
	/* Reserved now, while low descriptors are still free. */
	spare_fd_reserve(link);
	return link;
fail:
	xmpp_link_free(link);
	return NULL;
}

/* Starts connecting; failures are retried, so this only fails on setup. */
int
xmpp_link_start(struct xmpp_link *link)
{
	struct timeval tick = { 0, TICK_MS * 1000 };

	if (link->state == LINK_CLOSING) {
		/* The old stream is still closing: connect when it is. */
		link->restart = 1;
		return 0;
	}
	if (link->state != LINK_IDLE)
		return 0;
	if (event_add(link->ev_tick, &tick) != 0)
		return -1;
	link->attempts = 0;
	link_set_state(link, LINK_WAIT);
	link_connect(link);
	return 0;
}

/*
 * Closes the stream (</stream:stream>, written now if the socket takes
 * it) and stops reconnecting. Pending pings fail; down_cb is not called,
 * the caller knows. The socket itself is closed by the server's answer or
 * by xmpp_link_free().
 */
void
xmpp_link_stop(struct xmpp_link *link)
{
	enum link_state was;

	if (link == NULL || link->state == LINK_IDLE ||
	    link->state == LINK_CLOSING)
		return;
	was = link->state;
	link->restart = 0;
	evtimer_del(link->ev_retry);
	evtimer_del(link->ev_handshake);
	if (was == LINK_WAIT) {
		link_set_state(link, LINK_IDLE);
		xmpp_link_pings_fail(link);
		return;
	}
	if (was == LINK_READY)
		/* What was accepted goes out before </stream:stream>. */
		xmpp_link_out_hand_over(link);
	link_set_state(link, LINK_CLOSING);
	xmpp_link_pings_fail(link);
	xmpp_disconnect(link->conn);
	link_run(link);
}

/* Frees the link; must not be called from one of its callbacks. */
void
xmpp_link_free(struct xmpp_link *link)
{
	if (link == NULL)
		return;
	xmpp_link_stop(link);
	if (link->conn != NULL) {
		if (link->state != LINK_IDLE)
			link_set_state(link, LINK_CLOSING);
		/* Closes a socket still open; conn_cb sees LINK_CLOSING. */
		xmpp_conn_release(link->conn);
		link->conn = NULL;
	}
	xmpp_link_pings_fail(link);
	unwatch(link);
	if (link->ev_tick != NULL)
		event_free(link->ev_tick);
	if (link->ev_retry != NULL)
		event_free(link->ev_retry);
	if (link->ev_handshake != NULL)
		event_free(link->ev_handshake);
	if (link->ev_flush != NULL)
		event_free(link->ev_flush);
	if (link->ev_poke != NULL)
		event_free(link->ev_poke);
	xmpp_link_out_free(link);
	if (link->ctx != NULL)
		xmpp_ctx_free(link->ctx);
	if (link->spare_fd >= 0)
		close(link->spare_fd);
	free(link);
}

/* True while stanzas may be sent: the handshake is done. */
int
xmpp_link_is_ready(const struct xmpp_link *link)
{
	return link != NULL && link->state == LINK_READY;
}

/*
 * Queues one stanza the caller built (with from in our domain). -1 when
 * the link is not ready or the queue is full: the caller answers 503
 * rather than letting stanzas vanish or pile up without bound.
 */
int
xmpp_link_send(struct xmpp_link *link, const char *xml, size_t len)
{
	if (link == NULL || link->state != LINK_READY || xml == NULL)
		return -1;
	if (xmpp_link_out_queued(link) >=
	    (size_t)link->cfg->xmpp_max_send_queue) {
		log_debug("xmpp: send queue full (%zu stanzas)",
		    xmpp_link_out_queued(link));
		return -1;
	}
	return xmpp_link_send_text(link, xml, len);
}

/* Stanzas waiting to be written. */
size_t
xmpp_link_queue_len(const struct xmpp_link *link)
{
	if (link == NULL || link->conn == NULL)
		return 0;
	return xmpp_link_out_queued(link);
}

/* Our XMPP domain: the component's name. */
const char *
xmpp_link_domain(const struct xmpp_link *link)
{
	return link->cfg->xmpp_component;
}

/* Re-arms the write watch after sends made outside the link's callbacks. */
void
xmpp_link_flush(struct xmpp_link *link)
{
	if (link != NULL && !link->in_run)
		link_rearm(link);
}
