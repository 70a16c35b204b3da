/*
 * What pidf.c (parsing PIDF, the show vocabulary), pidf_xmpp.c (the XMPP
 * view of a parsed document) and pidf_build.c (PIDF from XMPP presence)
 * share: the namespaces they match or write, and the one ranking of
 * shows both directions must agree on. Nobody else includes this.
 */
#ifndef SIPXMPP_PIDF_INT_H
#define SIPXMPP_PIDF_INT_H

#include "pidf.h"

#define NS_PIDF		"urn:ietf:params:xml:ns:pidf"
#define NS_DM		"urn:ietf:params:xml:ns:pidf:data-model"
#define NS_RPID		"urn:ietf:params:xml:ns:pidf:rpid"
#define NS_JABBER	"jabber:client"

/* pidf.c */
int pidf_show_avail_rank(enum presence_show s);

#endif
