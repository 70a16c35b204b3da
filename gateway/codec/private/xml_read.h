/*
 * Reading an XML body a peer sent (PIDF, conference-info) the one
 * hardened way: no declaration (DOCTYPE, entities: billion laughs, XXE),
 * UTF-8 checked before libxml2 sees it, no network, no CDATA nodes.
 * Private to codec/.
 */
#ifndef SIPXMPP_XML_READ_H
#define SIPXMPP_XML_READ_H

#include <stddef.h>

#include <libxml/tree.h>

/* xml_read.c */
xmlDoc *xml_read_body(const char *body, size_t len, const char *what,
    char **cause);

#endif
