/*
 * What the XMPP link tests (test_xmpp_link*.c) share: the libstrophe
 * context they parse stanzas and hash handshakes with, made once per run
 * (xmpp_link_fixtures.c).
 */
#ifndef SIPXMPP_XMPP_LINK_FIXTURES_H
#define SIPXMPP_XMPP_LINK_FIXTURES_H

#include <strophe.h>

/* xmpp_link_fixtures.c */
extern xmpp_ctx_t *sctx;

int setup_ctx(void **state);
int teardown_ctx(void **state);

#endif
