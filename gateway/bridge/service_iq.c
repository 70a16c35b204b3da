/*
 * The mapping's answers to the requests the XMPP link serves for the
 * gateway (xmpp_link_iq.c): is a JID of our domain a contact, and what
 * JID does a SIP address get (XEP-0100 §6.3 jabber:iq:gateway). Both go
 * through the same table as messages and presence, so the JID the
 * prompt gives is the one the SIP user's messages come from.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "mapping.h"

#define ADDRESS_MAX	1024	/* a SIP address longer is refused */

/* 1 when bare_jid, of our domain, maps to a SIP address: a contact. */
int
bridge_service_contact(void *arg, const char *bare_jid)
{
	struct gateway *gw = arg;
	char *uri = NULL;
	int r;

	if (gw->map == NULL || bare_jid == NULL)
		return 0;
	r = map_xmpp_to_sip(gw->map, bare_jid, &uri, NULL);
	free(uri);
	return r == MAP_OK;
}

/*
 * The RFC 6120 condition for a mapping refusal, as the message bridge
 * answers the same refusals on SIP (RFC 7247 §7 maps 400 to bad-request
 * family, 403 to forbidden, 404 to item-not-found).
 */
static const char *
refusal(int r)
{
	switch (r) {
	case MAP_SIPS:
		return "forbidden";		/* RFC 7247 §8 */
	case MAP_MALFORMED:
		return "jid-malformed";		/* STANDARDS §2.23 */
	case MAP_NOMEM:
		return "resource-constraint";
	default:
		return "item-not-found";
	}
}

/*
 * XEP-0100 §6.3: the JID for what a user typed as a SIP address,
 * malloc'ed, or NULL and *condition. A bare user@host is taken as
 * sip:user@host, as a person writes it; blanks around it are dropped.
 */
char *
bridge_service_prompt(void *arg, const char *address, const char **condition)
{
	struct gateway *gw = arg;
	char *uri = NULL, *jid = NULL;
	size_t len;
	int r;

	*condition = "item-not-found";
	if (gw->map == NULL)
		return NULL;
	while (isspace((unsigned char)*address))
		address++;
	len = strlen(address);
	while (len > 0 && isspace((unsigned char)address[len - 1]))
		len--;
	if (len == 0 || len > ADDRESS_MAX) {
		*condition = "jid-malformed";
		return NULL;
	}
	if ((uri = malloc(len + 5)) == NULL) {
		*condition = "resource-constraint";
		return NULL;
	}
	if (memchr(address, ':', len) == NULL) {
		memcpy(uri, "sip:", 4);
		memcpy(uri + 4, address, len);
		uri[len + 4] = '\0';
	} else {
		memcpy(uri, address, len);
		uri[len] = '\0';
	}
	if ((r = map_sip_to_xmpp(gw->map, uri, &jid, NULL)) != MAP_OK) {
		*condition = refusal(r);
		jid = NULL;
	}
	free(uri);
	return jid;
}
