/*
 * TLS for the bench's SIP ends (--sip-transport tls): a throwaway PKI made
 * with the OpenSSL API at the start of a run, and the two contexts the
 * bench's connections use.
 *
 * The PKI: a CA, a certificate for the gateway's tls: listener and one for
 * the bench's listener (the gateway's outbound proxy), both naming
 * localhost as a dNSName, as RFC 5922 §7.1 reads it when no sip URI is
 * present (and 127.0.0.1 as an address). The gateway gets the CA as its
 * tls_ca_file, so it checks the bench's certificate for "localhost" as it
 * would a real proxy's; the bench checks the gateway's the same way. Keys
 * are P-256: cheap to make, and what a deployment would likely use.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bench.h"

#define CERT_DAYS	2
#define CERT_NAMES	"DNS:localhost,IP:127.0.0.1"

/* The first queued OpenSSL error, for a note. */
const char *
tls_error(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "no OpenSSL error queued";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* Adds one X.509v3 extension written as openssl.cnf would. */
static int
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok;

	if (e == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

/*
 * A certificate for key, named cn, signed by ca/ca_key (NULL: by itself,
 * as a CA). A leaf is for servers and clients alike.
 */
static X509 *
cert_new(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	int is_ca = ca == NULL;

	if (x == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x),
	    (long)(arc4random() & 0x7fffffff)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)CERT_DAYS * 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, is_ca ? name :
	    X509_get_subject_name(ca)) != 1)
		goto fail;
	X509V3_set_ctx(&v3, is_ca ? x : ca, x, NULL, NULL, 0);
	if (add_ext(x, &v3, NID_basic_constraints, is_ca ?
	    "critical,CA:TRUE" : "CA:FALSE") != 0 ||
	    add_ext(x, &v3, NID_key_usage, is_ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature,keyEncipherment") != 0)
		goto fail;
	if (!is_ca && (add_ext(x, &v3, NID_ext_key_usage,
	    "serverAuth,clientAuth") != 0 ||
	    add_ext(x, &v3, NID_subject_alt_name, CERT_NAMES) != 0))
		goto fail;
	if (X509_sign(x, is_ca ? key : ca_key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

/* Writes cert to dir/name.pem and key to dir/name.key. */
static int
write_pair(const char *dir, const char *name, X509 *cert, EVP_PKEY *key)
{
	char path[1100];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509(f, cert) == 1;
	if (fclose(f) != 0 || !ok)
		return -1;
	if (key == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * Makes the run's PKI in dir: ca.pem, gateway.{pem,key} and
 * bench.{pem,key}. -1 (and an OpenSSL error queued) on failure.
 */
int
tls_make_pki(const char *dir)
{
	static const char *const leaves[] = { "gateway", "bench" };
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *leaf = NULL;
	int r = -1;

	if ((ca_key = EVP_EC_gen("P-256")) == NULL ||
	    (ca = cert_new(ca_key, "sipxmpp-bench CA", NULL, NULL)) == NULL ||
	    write_pair(dir, "ca", ca, NULL) != 0)
		goto out;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		if ((key = EVP_EC_gen("P-256")) == NULL ||
		    (leaf = cert_new(key, leaves[i], ca, ca_key)) == NULL ||
		    write_pair(dir, leaves[i], leaf, key) != 0)
			goto out;
		X509_free(leaf);
		EVP_PKEY_free(key);
		leaf = NULL;
		key = NULL;
	}
	r = 0;
out:
	X509_free(leaf);
	EVP_PKEY_free(key);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return r;
}

/* What both of the bench's contexts share. */
static SSL_CTX *
ctx_new(const SSL_METHOD *method, const char *dir)
{
	char ca[1100], cert[1100], key[1100];
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(method)) == NULL)
		return NULL;
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/bench.pem", dir);
	snprintf(key, sizeof(key), "%s/bench.key", dir);
	/*
	 * Partial writes and a buffer that may move between a write that
	 * would block and its retry: the connection's output buffer grows
	 * while it waits (bench_stream.c).
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/*
 * The bench's client context (to the gateway's tls: listener; the
 * gateway's certificate is checked against the CA, its name by
 * bench_stream.c) and server context (the bench's listener; the gateway
 * is asked for no certificate, as tls_verify_client = no).
 */
int
tls_contexts(const char *dir, SSL_CTX **client, SSL_CTX **server)
{
	*client = ctx_new(TLS_client_method(), dir);
	*server = ctx_new(TLS_server_method(), dir);
	if (*server != NULL)
		SSL_CTX_set_verify(*server, SSL_VERIFY_NONE, NULL);
	if (*client == NULL || *server == NULL) {
		SSL_CTX_free(*client);
		SSL_CTX_free(*server);
		*client = *server = NULL;
		return -1;
	}
	return 0;
}
