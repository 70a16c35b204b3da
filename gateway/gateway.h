/*
 * The daemon: router.c dispatches what arrives to the bridges (bridge.h
 * holds the shared state, struct gateway).
 */
#ifndef SIPXMPP_GATEWAY_H
#define SIPXMPP_GATEWAY_H

#include "bridge.h"

struct sip_msg;
struct sip_tx;
struct sip_message_fields;
struct xmpp_in_message;
struct xmpp_in_presence;
struct xmpp_in_disco_info;

/* router.c: the first stop of every SIP request and XMPP stanza. */
void router_sip_request(void *arg, struct sip_tx *tx,
    const struct sip_msg *req);
void router_sip_message(void *arg, struct sip_tx *tx,
    const struct sip_message_fields *fields);
void router_xmpp_message(void *arg, const struct xmpp_in_message *msg);
void router_xmpp_presence(void *arg, const struct xmpp_in_presence *pres);
void router_xmpp_disco_info(void *arg, const struct xmpp_in_disco_info *d);
void router_xmpp_up(void *arg);
void router_xmpp_down(void *arg);

/* health.c: OPTIONS answered 503 while the XMPP link is down. */
int health_options_refused(struct gateway *gw);

#endif
