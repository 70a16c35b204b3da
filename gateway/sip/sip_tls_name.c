/*
 * Whether a TLS peer's certificate names the SIP domain we meant to reach
 * (RFC 5922 §7.1-7.3). OpenSSL's X509_check_host() is close but not the
 * same rule: it ignores SIP URIs in subjectAltName, accepts wildcards
 * unless told, and reads the subject CN whenever no dNSName is present,
 * where RFC 5922 reads it only when there is no subjectAltName at all.
 */
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sip_tls.h"

/*
 * RFC 5922 §7.2: the whole value, case-insensitively, no wildcard, no
 * suffix match. An identity holding a NUL (a forged certificate trick)
 * matches nothing.
 */
static int
same_domain(const unsigned char *id, int len, const char *name)
{
	size_t n = strlen(name);

	if (len <= 0 || (size_t)len != n || memchr(id, '\0', n) != NULL)
		return 0;
	return strncasecmp((const char *)id, name, n) == 0;
}

/*
 * RFC 5922 §7.1: a URI of scheme sip without a userpart is the identity of
 * its host. Returns 1 if uri is such a URI (its host in *host, *hlen), 0 if
 * it is something else (another scheme, a userpart: no identity).
 */
static int
sip_uri_domain(const unsigned char *uri, int ulen, const unsigned char **host,
    int *hlen)
{
	int i;

	if (ulen < 5 || strncasecmp((const char *)uri, "sip:", 4) != 0)
		return 0;
	for (i = 4; i < ulen; i++) {
		if (uri[i] == '@')
			return 0;
		if (uri[i] == ':' || uri[i] == ';' || uri[i] == '?' ||
		    uri[i] == '>')
			break;
	}
	*host = uri + 4;
	*hlen = i - 4;
	return 1;
}

/* The certificate's subjectAltName identities against name (§7.1). */
static int
san_matches(const GENERAL_NAMES *sans, const char *name)
{
	int n = sk_GENERAL_NAME_num(sans), have_sip = 0;

	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *host;
		int hlen;

		if (g->type != GEN_URI)
			continue;
		if (!sip_uri_domain(ASN1_STRING_get0_data(g->d.ia5),
		    ASN1_STRING_length(g->d.ia5), &host, &hlen))
			continue;
		have_sip = 1;
		if (same_domain(host, hlen, name))
			return 1;
	}
	/* A dNSName counts only when no sip URI identity is present. */
	if (have_sip)
		return 0;
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

		if (g->type == GEN_DNS && same_domain(
		    ASN1_STRING_get0_data(g->d.ia5),
		    ASN1_STRING_length(g->d.ia5), name))
			return 1;
	}
	return 0;
}

/* No subjectAltName at all: the subject's CN may be used (§7.1, MAY). */
static int
cn_matches(X509 *cert, const char *name)
{
	X509_NAME *subject = X509_get_subject_name(cert);
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(subject, NID_commonName,
	    i)) >= 0) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
		ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);

		if (same_domain(ASN1_STRING_get0_data(v),
		    ASN1_STRING_length(v), name))
			return 1;
	}
	return 0;
}

/*
 * 1 if cert identifies name, 0 if not. A numeric address (a next hop
 * given as sip:192.0.2.1) is outside RFC 5922, which speaks of domains:
 * it must be an iPAddress of the subjectAltName, as RFC 5280 keeps them.
 */
int
sip_tls_name_matches(X509 *cert, const char *name)
{
	GENERAL_NAMES *sans;
	int r;

	if (cert == NULL || name == NULL || name[0] == '\0')
		return 0;
	if (X509_check_ip_asc(cert, name, 0) == 1)
		return 1;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (sans != NULL) {
		r = san_matches(sans, name);
		GENERAL_NAMES_free(sans);
		return r;
	}
	/* X509_get_ext_d2i() returns NULL for a damaged extension too. */
	if (X509_get_ext_by_NID(cert, NID_subject_alt_name, -1) >= 0)
		return 0;
	return cn_matches(cert, name);
}
