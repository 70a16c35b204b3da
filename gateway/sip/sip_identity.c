/*
 * Who sent a request, as our trust domain (RFC 3325 §2.3, [sip]
 * trusted_peers) lets us say it. A request from a trusted peer names its
 * sender with P-Asserted-Identity (§9.1), else with From; a request from
 * anyone else is never taken on its P-Asserted-Identity (§8: a UAS "MUST
 * NOT use" it), whatever it carries. The router refuses such requests
 * anyway when they carry a message or a subscription; the rule is kept
 * here as well so that no later relaxation can let a forged assertion
 * through.
 *
 * Privacy (§7, §9.3): XMPP is outside the trust domain. A request whose
 * Privacy lists "id" asks that its asserted identity go no further, so
 * the gateway does not reveal it: the sender is the From, as the user
 * chose to show it (usually anonymous, which the mapping then refuses).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_osip.h"
#include "sip_stack_int.h"

/* Whether a Privacy value (RFC 3323 §4.2: priv-values joined by ';') lists id. */
int
sip_privacy_id(const char *privacy)
{
	const char *p = privacy;

	while (p != NULL && *p != '\0') {
		size_t n;

		p += strspn(p, " \t;");
		n = strcspn(p, " \t;");
		if (n == 2 && strncasecmp(p, "id", 2) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/*
 * The first sip:/sips: URI of the request's P-Asserted-Identity, printed
 * as the From URI is (RFC 3325 §9.1: one sip/sips and one tel value at
 * most; a tel: value says nothing an XMPP address can be made of).
 * Values libosip2 cannot read as a name-addr are passed over. NULL if
 * none; the caller frees it.
 */
char *
sip_asserted_uri(const osip_message_t *m)
{
	osip_header_t *h = NULL;

	for (int pos = 0; osip_message_header_get_byname(m,
	    "p-asserted-identity", pos, &h) >= 0; pos++) {
		osip_from_t *id = NULL;
		char *s = NULL;

		if (h == NULL || h->hvalue == NULL ||
		    osip_from_init(&id) != 0)
			continue;
		if (osip_from_parse(id, h->hvalue) == 0 && id->url != NULL &&
		    id->url->scheme != NULL &&
		    (strcasecmp(id->url->scheme, "sip") == 0 ||
		    strcasecmp(id->url->scheme, "sips") == 0))
			s = sip_uri_string(id->url);
		osip_from_free(id);
		if (s != NULL)
			return s;
	}
	return NULL;
}

/*
 * The sender, from what a request says and whether its source is
 * trusted: the asserted identity only from a trusted peer and without
 * Privacy: id.
 */
const char *
sip_sender_choose(int trusted, const char *asserted, const char *privacy,
    const char *from)
{
	if (trusted && asserted != NULL && !sip_privacy_id(privacy))
		return asserted;
	return from;
}

/*
 * Applies the trust of the request's source to a MESSAGE's fields: what
 * an untrusted peer asserted is dropped before anyone can read it.
 */
void
sip_message_fields_trust(struct sip_message_fields *f, int trusted)
{
	f->trusted = trusted;
	if (!trusted)
		f->asserted_uri = NULL;		/* RFC 3325 §8 */
	f->sender_uri = sip_sender_choose(trusted, f->asserted_uri,
	    f->privacy, f->from_uri);
}

/* The request's source address, as text for a log line. */
void
sip_tx_source(const struct sip_tx *tx, char *out, size_t len)
{
	sip_peer_format(&tx->peer, out, len);
}

/* Whether the request came from a [sip] trusted_peers member. */
int
sip_tx_trusted(const struct sip_tx *tx)
{
	return tx->trusted;
}

/*
 * Who sent the request of a server transaction (SUBSCRIBE, NOTIFY…):
 * see above. NULL if it has neither a usable identity nor a From, or the
 * request was let go; the caller frees it.
 */
char *
sip_tx_sender_uri(const struct sip_tx *tx)
{
	char *asserted = NULL, *from;

	if (tx->req == NULL)
		return NULL;
	from = tx->req->from != NULL ? sip_uri_string(tx->req->from->url) :
	    NULL;
	/* Not even read from an untrusted peer (§8). */
	if (tx->trusted)
		asserted = sip_asserted_uri(tx->req);
	if (asserted != NULL && sip_sender_choose(tx->trusted, asserted,
	    sip_header_value(tx->req, "privacy", NULL), from) == asserted) {
		free(from);
		return asserted;
	}
	free(asserted);
	return from;
}
