/*
 * SIP over TLS (RFC 3261 §26, RFC 5630): the OpenSSL contexts and what
 * sip_tcp.c asks of TLS for one connection. The record layer is OpenSSL's,
 * under libevent's bufferevent_openssl; framing, limits and deadlines are
 * the TCP connection's own (sip_tcp.c), so a TLS peer is held to the same
 * bounds as a TCP one.
 *
 * - TLS 1.2 and newer only; no renegotiation (a peer could make us redo
 *   the expensive half of a handshake at will), no compression (CRIME).
 * - As a client we check the chain against tls_ca_file (else the system's
 *   CAs) and the name per RFC 5922 (sip_tls_name.c) in the verify
 *   callback, so a wrong peer fails the handshake before any byte of ours
 *   reaches it (§7.3: close at once).
 * - As a server we ask for a client certificate only with
 *   tls_verify_client (mutual TLS), and then insist on one (§7.4).
 * - The contexts are built anew on SIGHUP; a certificate or key that does
 *   not load, or a key that does not match, is refused with a log line
 *   and the contexts in use are kept. Open connections keep theirs (each
 *   SSL holds a reference on its context).
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "sip_tls.h"
#include "sip_transport_int.h"

_Static_assert(SIP_PROTO_TLS == CONFIG_PROTO_TLS,
    "sip_transport.h and config.h name TLS alike");

/* Index of the expected peer name in each client SSL's ex_data. */
static int name_index = -1;

/* Joins OpenSSL's queued errors into why (and empties the queue). */
static void
ssl_errors(char *why, size_t size)
{
	unsigned long e;
	size_t used = 0;

	why[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if (used + 2 < size) {
			if (used > 0) {
				why[used++] = ';';
				why[used++] = ' ';
			}
			ERR_error_string_n(e, why + used, size - used);
			used = strlen(why);
		}
	}
	if (why[0] == '\0')
		snprintf(why, size, "unknown error");
}

/*
 * The client's verify callback: OpenSSL's chain verdict, and at the
 * peer's own certificate (depth 0) the RFC 5922 name check against the
 * name the connection was opened for.
 */
static int
verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl;
	const char *name;

	if (!ok || X509_STORE_CTX_get_error_depth(store) != 0)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(store,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (name = SSL_get_ex_data(ssl, name_index)) == NULL)
		return ok;		/* a server checking a client */
	if (sip_tls_name_matches(X509_STORE_CTX_get_current_cert(store),
	    name))
		return 1;
	X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
	return 0;
}

/* What both contexts share: versions, options, our certificate. */
static int
ctx_common(SSL_CTX *ctx, const struct config *cfg, char *why, size_t size)
{
	char err[256];

	/* RFC 8996 retires TLS 1.0 and 1.1; the issue asks for 1.2+. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto ssl;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* OpenSSL 3 makes a close without close_notify an error, which
	 * libevent does not take for the EOF it is (SIP ends no message
	 * that way: framing is by Content-Length). */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (cfg->sip_tls_ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->sip_tls_ca_file,
		    NULL) != 1) {
			ssl_errors(err, sizeof(err));
			snprintf(why, size, "tls_ca_file %s: %s",
			    cfg->sip_tls_ca_file, err);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		goto ssl;
	if (cfg->sip_tls_certificate == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(ctx,
	    cfg->sip_tls_certificate) != 1) {
		ssl_errors(err, sizeof(err));
		snprintf(why, size, "tls_certificate %s: %s",
		    cfg->sip_tls_certificate, err);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->sip_tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(err, sizeof(err));
		snprintf(why, size, "tls_key %s: %s", cfg->sip_tls_key, err);
		return -1;
	}
	return 0;
ssl:
	ssl_errors(err, sizeof(err));
	snprintf(why, size, "%s", err);
	return -1;
}

/* Builds the client and (with a certificate) server contexts. */
static int
contexts_new(const struct config *cfg, SSL_CTX **client, SSL_CTX **server,
    char *why, size_t size)
{
	*client = *server = NULL;
	ERR_clear_error();
	if ((*client = SSL_CTX_new(TLS_client_method())) == NULL) {
		ssl_errors(why, size);
		goto fail;
	}
	if (ctx_common(*client, cfg, why, size) < 0)
		goto fail;
	SSL_CTX_set_verify(*client, SSL_VERIFY_PEER, verify_cb);
	if (cfg->sip_tls_certificate == NULL)
		return 0;
	if ((*server = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_errors(why, size);
		goto fail;
	}
	if (ctx_common(*server, cfg, why, size) < 0)
		goto fail;
	/* No session resumption: every peer is checked by a handshake. */
	SSL_CTX_set_session_cache_mode(*server, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(*server, 0);
	if (cfg->sip_tls_verify_client) {
		STACK_OF(X509_NAME) *cas = NULL;

		if (cfg->sip_tls_ca_file != NULL &&
		    (cas = SSL_load_client_CA_file(cfg->sip_tls_ca_file)) !=
		    NULL)
			SSL_CTX_set_client_CA_list(*server, cas);
		/* RFC 5922 §7.4: ask, and here insist. */
		SSL_CTX_set_verify(*server, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	} else
		SSL_CTX_set_verify(*server, SSL_VERIFY_NONE, NULL);
	return 0;
fail:
	SSL_CTX_free(*client);
	SSL_CTX_free(*server);
	*client = *server = NULL;
	return -1;
}

/* Whether the configuration names TLS: its files are then read at start. */
static int
tls_configured(const struct config *cfg)
{
	for (int i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].transport == CONFIG_PROTO_TLS)
			return 1;
	return cfg->sip_tls_certificate != NULL ||
	    cfg->sip_tls_ca_file != NULL ||
	    (cfg->sip_outbound_proxy != NULL &&
	    (strncasecmp(cfg->sip_outbound_proxy, "sips:", 5) == 0 ||
	    strcasestr(cfg->sip_outbound_proxy, "transport=tls") != NULL));
}

/*
 * Loads the TLS contexts: at start when the configuration names TLS (so a
 * bad file stops the daemon there), else on the first TLS connection a
 * next hop asks for (reading the system's CAs costs some 60 ms, which a
 * gateway without TLS need not pay at every start). -1 (logged) if they
 * do not load.
 */
static int
contexts_load(struct sip_transport *t)
{
	char why[512];

	if (t->tls_client != NULL)
		return 0;
	if (contexts_new(t->cfg, &t->tls_client, &t->tls_server, why,
	    sizeof(why)) < 0) {
		log_error("sip: tls: %s", why);
		return -1;
	}
	return 0;
}

/* Prepares TLS at start; -1 (logged) if configured files do not load. */
int
sip_tls_init(struct sip_transport *t)
{
	if (name_index < 0 && (name_index = SSL_get_ex_new_index(0,
	    "sipxmpp peer name", NULL, NULL, NULL)) < 0) {
		log_error("sip: tls: no SSL ex_data index");
		return -1;
	}
	return tls_configured(t->cfg) ? contexts_load(t) : 0;
}

/*
 * SIGHUP: the certificate, key and CA files read again. New contexts
 * replace the old only if all of them load; else the old stay in use.
 */
int
sip_transport_tls_reload(struct sip_transport *t)
{
	SSL_CTX *client, *server;
	char why[512];

	if (t->tls_client == NULL)
		return 0;	/* nothing loaded yet: the next use reads them */
	if (contexts_new(t->cfg, &client, &server, why, sizeof(why)) < 0) {
		log_warnx("sip: tls: reload refused, keeping the certificates "
		    "in use: %s", why);
		return -1;
	}
	if (server == NULL && t->tls_server != NULL) {
		/* Not reachable while the config cannot change: say so. */
		SSL_CTX_free(client);
		log_warnx("sip: tls: reload refused: no certificate");
		return -1;
	}
	SSL_CTX_free(t->tls_client);
	SSL_CTX_free(t->tls_server);
	t->tls_client = client;
	t->tls_server = server;
	log_info("sip: tls: certificates reloaded");
	return 0;
}

/* Frees the contexts (connections hold their own references). */
void
sip_tls_free(struct sip_transport *t)
{
	SSL_CTX_free(t->tls_client);
	SSL_CTX_free(t->tls_server);
	t->tls_client = t->tls_server = NULL;
}

/* The numeric address of a peer, to check a next hop named by address. */
static void
peer_address(const struct sip_peer *p, char *out, size_t size)
{
	const void *a = p->addr.ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)&p->addr)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)&p->addr)->sin_addr;

	if (evutil_inet_ntop(p->addr.ss_family, a, out, size) == NULL &&
	    size > 0)
		out[0] = '\0';
}

/*
 * A bufferevent speaking TLS on fd (accepted), or on a socket that
 * bufferevent_socket_connect() opens (fd -1, outgoing). An outgoing one
 * checks the peer against c->name, else its numeric address, and
 * sends that name as SNI (RFC 5922 §7.8) when it is a domain.
 */
struct bufferevent *
sip_tls_bev_new(struct sip_transport *t, evutil_socket_t fd,
    struct sip_conn *c)
{
	struct bufferevent *bev;
	SSL_CTX *ctx;
	SSL *ssl;

	if (c->outgoing && contexts_load(t) < 0)
		return NULL;
	ctx = c->outgoing ? t->tls_client : t->tls_server;

	if (ctx == NULL) {
		log_warnx_limited("sip: tls: no %s", c->outgoing ?
		    "client context" : "certificate to serve with");
		return NULL;
	}
	if ((ssl = SSL_new(ctx)) == NULL) {
		ERR_clear_error();
		return NULL;
	}
	if (c->outgoing) {
		if (c->name[0] == '\0')
			peer_address(&c->peer, c->name, sizeof(c->name));
		else if (SSL_set_tlsext_host_name(ssl, c->name) != 1)
			ERR_clear_error();	/* SNI is a SHOULD */
		if (SSL_set_ex_data(ssl, name_index, c->name) != 1) {
			SSL_free(ssl);
			return NULL;
		}
	}
	bev = bufferevent_openssl_socket_new(t->base, fd, ssl, c->outgoing ?
	    BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* A peer that just closes the socket is an EOF, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Why a TLS connection failed: the certificate verdict, else OpenSSL's. */
void
sip_tls_failure(struct sip_conn *c, char *why, size_t size)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	unsigned long e;
	long v;
	size_t used;

	why[0] = '\0';
	if (ssl != NULL && (v = SSL_get_verify_result(ssl)) != X509_V_OK)
		snprintf(why, size, "certificate refused: %s%s%s",
		    X509_verify_cert_error_string(v),
		    v == X509_V_ERR_HOSTNAME_MISMATCH ? " for " : "",
		    v == X509_V_ERR_HOSTNAME_MISMATCH ? c->name : "");
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		if (why[0] != '\0')
			continue;	/* drained: the first one says it */
		snprintf(why, size, "tls: ");
		used = strlen(why);
		ERR_error_string_n(e, why + used, size - used);
	}
	ERR_clear_error();
	if (why[0] == '\0')
		snprintf(why, size, "%s", evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/* Sends close_notify, once, as the connection goes (RFC 5923 §8.3). */
void
sip_tls_shutdown(struct sip_conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	if (ssl != NULL && !c->handshaking && SSL_is_init_finished(ssl)) {
		SSL_set_quiet_shutdown(ssl, 0);
		(void)SSL_shutdown(ssl);
	}
	ERR_clear_error();
}

/*
 * Whether c's peer proved name with its certificate (RFC 5922 §7.1-7.2).
 * The handshake has checked the chain: a next hop's always, a client's
 * only under tls_verify_client, without which a client sends none (and
 * OpenSSL's verdict, X509_V_OK by default, would mean nothing).
 */
int
sip_tls_peer_proves(const struct sip_conn *c, const char *name)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	X509 *cert;

	if (ssl == NULL || (!c->outgoing && !c->t->cfg->sip_tls_verify_client))
		return 0;
	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL ||
	    SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	return sip_tls_name_matches(cert, name);
}
