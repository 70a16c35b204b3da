/*
 * SHA-1 (FIPS 180-4 §6.1), for XEP-0115 entity capabilities only: the
 * caps ver string is base64(SHA-1(S)) (XEP-0115 §5.1, §9.1: sha-1 MUST be
 * supported). Not for anything that needs collision resistance.
 */
#ifndef SIPXMPP_SHA1_H
#define SIPXMPP_SHA1_H

#include <stddef.h>

#define SHA1_LEN	20

/* sha1.c */
void sha1(const void *data, size_t len, unsigned char out[SHA1_LEN]);

#endif
