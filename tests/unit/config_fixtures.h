/*
 * What the configuration tests (test_config*.c) share: the smallest
 * valid [xmpp] section, and loading text as the file "test.conf" that
 * must load, or must fail with exactly one message (config_fixtures.c).
 */
#ifndef SIPXMPP_CONFIG_FIXTURES_H
#define SIPXMPP_CONFIG_FIXTURES_H

#include "config.h"

#define XMPP_OK "[xmpp]\ncomponent = sip.example\nsecret = s3cret\n"

/* config_fixtures.c */
int load(const char *text, struct config *cfg, char **cause);
void load_ok(const char *text, struct config *cfg);
void assert_load_error(const char *text, const char *expected);

#endif
