/*
 * SIP over TLS: what the rest of the daemon and the unit tests may see.
 * The transport itself (contexts, connections) is private to sip/.
 */
#ifndef SIPXMPP_SIP_TLS_H
#define SIPXMPP_SIP_TLS_H

#include <openssl/x509.h>

/* sip_tls_name.c */
int sip_tls_name_matches(X509 *cert, const char *name);

#endif
