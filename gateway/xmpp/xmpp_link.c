/*
 * The XEP-0114 component link: one libstrophe connection driven by our
 * libevent loop instead of xmpp_run().
 *
 * This file is the link's life: created, started, stopped and freed,
 * its states, reconnection with back-off, why it went down (for the
 * operator), and sending. How libstrophe is driven by our loop, and what
 * it needs worked around, is xmpp_link_strophe.c.
 */
#include <errno.h>
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
#define HANDSHAKE_TIMEOUT_MS	10000	/* TCP connect + stream + handshake */
#define MAX_BACKOFF_STEPS	30

static const char *const state_names[] = {
	"idle", "wait", "tcp-connect", "handshake", "ready", "closing",
};

static void retry_schedule(struct xmpp_link *, int);

/* Logs every state change, like the bridges' state machines. */
void
xmpp_link_set_state(struct xmpp_link *link, enum link_state state)
{
	if (link->state == state)
		return;
	log_trace(TRACE_XMPP, "link %s -> %s", state_names[link->state],
	    state_names[state]);
	link->state = state;
}

/* Queues text we built ourselves for this turn's batch; -1 if not. */
int
xmpp_link_send_text(struct xmpp_link *link, const char *xml, size_t len)
{
	if (link->state != LINK_READY || xml == NULL)
		return -1;
	return xmpp_link_out_append(link, xml, len);
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
		xmpp_link_set_state(link, LINK_READY);
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
		xmpp_link_spare_fd_reserve(link);
		link->fd = -1;
		link->fd_gen++;
		evtimer_del(link->ev_handshake);
		if (was == LINK_CLOSING || was == LINK_IDLE) {
			xmpp_link_set_state(link, LINK_IDLE);
			log_info("xmpp: link to %s:%d closed",
			    link->cfg->xmpp_host, link->cfg->xmpp_port);
			xmpp_link_pings_fail(link);
			if (link->restart) {
				link->restart = 0;
				link->attempts = 0;
				xmpp_link_set_state(link, LINK_WAIT);
				retry_schedule(link, 0);
			}
			break;
		}
		xmpp_link_set_state(link, LINK_WAIT);
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
	struct timeval tv;
	int rc, err;

	if (link->state != LINK_WAIT)
		return;
	if (!xmpp_conn_is_disconnected(link->conn)) {
		/* The old stream is still closing; try again shortly. */
		retry_schedule(link, 0);
		return;
	}
	xmpp_link_spare_fd_reserve(link);
	link->tcp_errno = 0;
	link->handshake_expired = 0;
	xmpp_conn_set_jid(link->conn, cfg->xmpp_component);
	xmpp_conn_set_pass(link->conn, cfg->xmpp_secret);
	if (xmpp_link_sm_state_ensure(link) != 0) {
		log_error("xmpp: cannot prepare the libstrophe connection");
		retry_schedule(link, 1);
		return;
	}
	log_trace(TRACE_XMPP, "connecting to %s:%d as %s", cfg->xmpp_host,
	    cfg->xmpp_port, cfg->xmpp_component);
	xmpp_link_set_state(link, LINK_TCP);
	rc = xmpp_link_strophe_connect(link, conn_cb, &err);
	if (rc != 0) {
		link->fd = -1;
		link->fd_gen++;
		xmpp_link_set_state(link, LINK_WAIT);
		if (rc == XMPP_EMEM)
			log_warnx("xmpp: cannot connect to %s:%d: out of "
			    "memory", cfg->xmpp_host, cfg->xmpp_port);
		else
			log_warnx("xmpp: cannot connect to %s:%d%s%s",
			    cfg->xmpp_host, cfg->xmpp_port,
			    err != 0 ? ": " : "", err != 0 ? strerror(err) :
			    "");
		xmpp_link_rearm(link);
		retry_schedule(link, 0);
		return;
	}
	tv.tv_sec = HANDSHAKE_TIMEOUT_MS / 1000;
	tv.tv_usec = (HANDSHAKE_TIMEOUT_MS % 1000) * 1000;
	evtimer_add(link->ev_handshake, &tv);
	xmpp_link_rearm(link);
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
	xmpp_link_run(link);
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
	if (xmpp_link_strophe_new(link) != 0)
		goto fail;
	link->ev_retry = evtimer_new(base, retry_cb, link);
	link->ev_handshake = evtimer_new(base, handshake_timeout_cb, link);
	if (link->ev_retry == NULL || link->ev_handshake == NULL)
		goto fail;
	/* Reserved now, while low descriptors are still free. */
	xmpp_link_spare_fd_reserve(link);
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
	xmpp_link_set_state(link, LINK_WAIT);
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
		xmpp_link_set_state(link, LINK_IDLE);
		xmpp_link_pings_fail(link);
		return;
	}
	if (was == LINK_READY)
		/* What was accepted goes out before </stream:stream>. */
		xmpp_link_out_hand_over(link);
	xmpp_link_set_state(link, LINK_CLOSING);
	xmpp_link_pings_fail(link);
	xmpp_disconnect(link->conn);
	xmpp_link_run(link);
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
			xmpp_link_set_state(link, LINK_CLOSING);
		/* Closes a socket still open; conn_cb sees LINK_CLOSING. */
		xmpp_conn_release(link->conn);
		link->conn = NULL;
	}
	xmpp_link_pings_fail(link);
	xmpp_link_unwatch(link);
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

/* True once a stopped link has closed its stream (or never had one). */
int
xmpp_link_is_idle(const struct xmpp_link *link)
{
	return link == NULL || link->state == LINK_IDLE;
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
		xmpp_link_rearm(link);
}
