/*
 * The bench's SIP user agents over TCP or TLS (--sip-transport): what
 * bench_sip.c builds and reads, carried on stream connections
 * (bench_stream.c) instead of datagrams.
 *
 * SIP -> XMPP: the UAC opens ONE connection to the gateway's tcp: or tls:
 * listener and sends every MESSAGE on it; the gateway answers on the same
 * connection (RFC 3261 §18.2.2). XMPP -> SIP: the UAS listens, as the
 * gateway's outbound proxy (sip:127.0.0.1:PORT;transport=tcp or
 * sips:localhost:PORT); the gateway connects to it once and sends every
 * MESSAGE on that connection, which the UAS answers on. A failed
 * connection is counted and its reason kept; the UAC connects again at
 * its next send (the start-up probes go out before the gateway listens).
 */
#include <string.h>

#include <openssl/ssl.h>

#include "bench.h"
#include "bench_sip_int.h"

/* A whole message from the gateway on our connection to it. */
static void
uac_message_cb(void *arg, struct sconn *c, const char *msg, size_t len)
{
	(void)c;
	sip_uac_input(arg, msg, len);
}

/* A whole message on a connection the gateway opened to the UAS. */
static void
uas_message_cb(void *arg, struct sconn *c, const char *msg, size_t len)
{
	sip_uas_input(arg, msg, len, NULL, c);
}

/* A connection failed or closed: forget it, keep why. */
static void
closed_cb(void *arg, struct sconn *c, const char *why)
{
	struct sip_end *s = arg;
	int uac = c == s->uac_conn;

	snprintf(s->error, sizeof(s->error), "%s connection: %s",
	    uac ? "UAC" : "UAS", why);
	bench_log("sip: %s", s->error);
	s->st.conns_lost++;
	if (uac)
		s->uac_conn = NULL;
	for (int i = 0; i < s->n_uas_conns; i++)
		if (s->uas_conns[i] == c) {
			s->uas_conns[i] = s->uas_conns[--s->n_uas_conns];
			break;
		}
	sconn_free(c);
}

/* The gateway connected to the UAS. */
static void
accept_cb(void *arg, struct sconn *c)
{
	struct sip_end *s = arg;

	if (s->n_uas_conns == MAX_UAS_CONNS) {
		bench_warnx("sip: more than %d connections from the gateway",
		    MAX_UAS_CONNS);
		sconn_free(c);
		return;
	}
	s->uas_conns[s->n_uas_conns++] = c;
	s->st.conns_accepted++;
}

static const struct sconn_handlers uac_handlers = {
	.message_cb = uac_message_cb,
	.closed_cb = closed_cb,
};

static const struct sconn_handlers uas_handlers = {
	.message_cb = uas_message_cb,
	.closed_cb = closed_cb,
	.accept_cb = accept_cb,
};

/* The TLS contexts (from tls_dir) and the UAS's listener on uas_port. */
int
sip_stream_open(struct sip_end *s, int uas_port, const char *tls_dir)
{
	if (s->tp == SIP_TLS && (tls_dir == NULL ||
	    tls_contexts(tls_dir, &s->cctx, &s->sctx) != 0)) {
		bench_warnx("sip: no TLS contexts: %s", tls_error());
		return -1;
	}
	if ((s->uas_lst = slisten_new(s->base, s->sctx, uas_port,
	    &uas_handlers, s)) == NULL)
		return -1;
	s->uas_port = slisten_port(s->uas_lst);
	return 0;
}

/*
 * The UAC's connection to the gateway, opened if there is none; its
 * local port is what the Via says. -1 if even connect() failed.
 */
int
sip_stream_uac(struct sip_end *s)
{
	if (s->uac_conn != NULL)
		return 0;
	if ((s->uac_conn = sconn_connect(s->base, s->cctx,
	    ntohs(s->target.sin_port), "localhost", &uac_handlers,
	    s)) == NULL) {
		s->st.send_errors++;
		return -1;
	}
	s->uac_port = sconn_local_port(s->uac_conn);
	return 0;
}

/* Writes what waits on every connection. */
void
sip_stream_flush(struct sip_end *s)
{
	if (s->uac_conn != NULL)
		sconn_flush(s->uac_conn);
	for (int i = 0; i < s->n_uas_conns; i++)
		sconn_flush(s->uas_conns[i]);
}

/* Closes every connection, the listener and the contexts. */
void
sip_stream_close(struct sip_end *s)
{
	sconn_free(s->uac_conn);
	s->uac_conn = NULL;
	for (int i = 0; i < s->n_uas_conns; i++)
		sconn_free(s->uas_conns[i]);
	s->n_uas_conns = 0;
	slisten_free(s->uas_lst);
	s->uas_lst = NULL;
	SSL_CTX_free(s->cctx);
	SSL_CTX_free(s->sctx);
	s->cctx = s->sctx = NULL;
}
