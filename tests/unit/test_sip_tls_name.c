/*
 * RFC 5922 §7.1-7.2 name checks (sip_tls_name.c) on certificates made
 * here: sip URIs in subjectAltName first, dNSName only without them, the
 * subject CN only without any subjectAltName; whole values, any case, no
 * wildcards; numeric hops against iPAddress.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sip_tls.h"

static EVP_PKEY *key;

/* A self-signed certificate with subject CN cn (NULL: none) and the
 * subjectAltName san in openssl's syntax (NULL: no extension). */
static X509 *
make_cert(const char *cn, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	if (cn != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN",
		    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
	X509_set_issuer_name(x, name);
	if (san != NULL) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL,
		    NID_subject_alt_name, san);

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* Whether a certificate made of cn and san is accepted for name. */
static int
accepts(const char *cn, const char *san, const char *name)
{
	X509 *x = make_cert(cn, san);
	int r = sip_tls_name_matches(x, name);

	X509_free(x);
	return r;
}

static int
setup(void **state)
{
	(void)state;
	key = EVP_EC_gen("P-256");
	return key == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	return 0;
}

/* dNSName: the whole name, in any case; no suffix, no wildcard. */
static void
test_dns(void **state)
{
	(void)state;
	assert_true(accepts(NULL, "DNS:proxy.example.com", "proxy.example.com"));
	assert_true(accepts(NULL, "DNS:Proxy.Example.COM", "proxy.example.com"));
	assert_true(accepts(NULL, "DNS:a.example,DNS:proxy.example.com",
	    "proxy.example.com"));
	assert_false(accepts(NULL, "DNS:example.com", "proxy.example.com"));
	assert_false(accepts(NULL, "DNS:proxy.example.com", "example.com"));
	assert_false(accepts(NULL, "DNS:xproxy.example.com",
	    "proxy.example.com"));
	/* §7.2: no wildcards. */
	assert_false(accepts(NULL, "DNS:*.example.com", "proxy.example.com"));
	assert_false(accepts(NULL, "DNS:proxy.example.com", ""));
}

/* sip URIs without userpart are identities, and once one is present
 * the dNSNames no longer count. */
static void
test_sip_uri(void **state)
{
	(void)state;
	assert_true(accepts(NULL, "URI:sip:example.com", "example.com"));
	assert_true(accepts(NULL, "URI:SIP:Example.com", "example.com"));
	assert_true(accepts(NULL, "URI:sip:example.com:5061;transport=tls",
	    "example.com"));
	/* A userpart or another scheme: no identity. */
	assert_false(accepts(NULL, "URI:sip:alice@example.com",
	    "example.com"));
	assert_false(accepts(NULL, "URI:sips:example.com", "example.com"));
	assert_false(accepts(NULL, "URI:https://example.com/",
	    "example.com"));
	/* With no usable sip URI, the dNSName counts. */
	assert_true(accepts(NULL, "URI:sips:other.test,DNS:example.com",
	    "example.com"));
	assert_true(accepts(NULL, "URI:sip:alice@other.test,DNS:example.com",
	    "example.com"));
	/* A sip URI identity present: the dNSNames do not count. */
	assert_false(accepts(NULL, "URI:sip:other.test,DNS:example.com",
	    "example.com"));
	assert_true(accepts(NULL, "URI:sip:other.test,URI:sip:example.com",
	    "example.com"));
}

/* The CN counts only when there is no subjectAltName at all. */
static void
test_common_name(void **state)
{
	(void)state;
	assert_true(accepts("proxy.example.com", NULL, "proxy.example.com"));
	assert_true(accepts("PROXY.example.com", NULL, "proxy.example.com"));
	assert_false(accepts("proxy.example.com", "DNS:other.test",
	    "proxy.example.com"));
	assert_false(accepts("proxy.example.com", "URI:sip:other.test",
	    "proxy.example.com"));
	assert_false(accepts("proxy.example.com", "email:a@other.test",
	    "proxy.example.com"));
	assert_false(accepts("*.example.com", NULL, "proxy.example.com"));
	assert_false(accepts(NULL, NULL, "proxy.example.com"));
}

/* A next hop named by its address: iPAddress, exactly. */
static void
test_address(void **state)
{
	(void)state;
	assert_true(accepts(NULL, "IP:192.0.2.7", "192.0.2.7"));
	assert_true(accepts(NULL, "IP:2001:db8::7", "2001:db8::7"));
	assert_true(accepts(NULL, "DNS:a.test,IP:192.0.2.7", "192.0.2.7"));
	assert_false(accepts(NULL, "IP:192.0.2.8", "192.0.2.7"));
	assert_false(accepts(NULL, "DNS:a.test", "192.0.2.7"));
	assert_false(sip_tls_name_matches(NULL, "a.test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_sip_uri),
		cmocka_unit_test(test_common_name),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
