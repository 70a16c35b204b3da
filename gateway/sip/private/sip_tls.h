/*
 * SIP over TLS: the RFC 5922 name check, for the transport and its unit
 * test. Private to sip/, as OpenSSL's types are: the floors above see
 * TLS only as a transport named in the configuration.
 */
#ifndef SIPXMPP_SIP_TLS_H
#define SIPXMPP_SIP_TLS_H

#include <openssl/x509.h>

/* sip_tls_name.c */
int sip_tls_name_matches(X509 *cert, const char *name);

#endif
