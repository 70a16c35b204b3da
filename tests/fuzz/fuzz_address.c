/*
 * The address parsers and translators on arbitrary bytes, through a
 * small fixed table. The first byte picks what is exercised:
 *   0  a SIP URI: sip_addr_parse, map_sip_to_xmpp and the way back;
 *   1  a JID: jid_parse, map_xmpp_to_sip and the way back;
 *   2  a local part: percent-decoding, XEP-0106 and RFC 7247 §6.4/§6.5;
 *   3  map_explain;
 * bit 2 of it picks a second table whose embed rule writes the "%"
 * form (jid_form=percent), and has no separator.
 * Invariants that abort: a translation that succeeds comes back to
 * itself; escaping is undone by unescaping; whatever the parsers refuse
 * the translators refuse as malformed; a room address (the room rule)
 * is MAP_ROOM to the user translations and names the same room and nick
 * from either side.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char table_text[] =
    "domain sip.example sip.example\n"
    "domain xmpp.example xmpp.example\n"
    "user sip:alice@sip.example alice.smith@chat.example\n"
    "user sip:a%40b@solo.example a\\40b@chat.example\n"
    "domain chat-sip.example chat.example\n"
    "room conf.sip.example conference.xmpp.example\n"
    "embed gw.sip.example gw.xmpp.example separator=* allow_ports "
    "allow_ip_literals allow_private\n";

static const char percent_text[] =
    "domain sip.example sip.example\n"
    "user sip:a%40b@solo.example a\\40b@chat.example\n"
    "user sip:c@solo.example c%sip.other@gw.xmpp.example\n"
    "room conf.sip.example conference.xmpp.example\n"
    "embed gw.sip.example gw.xmpp.example jid_form=percent allow_ports "
    "allow_ip_literals allow_private\n";

static int use_percent;

/* The fixed table of this input, each parsed once. */
static const struct map_table *
table(void)
{
	static struct map_table *t[2];
	const char *text = use_percent ? percent_text : table_text;

	if (t[use_percent] == NULL && map_table_parse(text, strlen(text),
	    "fixed", &t[use_percent], NULL) == -1)
		abort();
	return t[use_percent];
}

/* Checks what the room lookups say of an address against what the
 * user translation said (user_rc), and that the other side of a room
 * names it back the same. */
static void
room_side(const char *s, int from_sip, int user_rc)
{
	const struct map_table *t = table();
	struct map_room r, b;
	char *cause = NULL;
	int rc;

	rc = from_sip ? map_room_from_sip(t, s, &r, &cause) :
	    map_room_from_xmpp(t, s, &r, &cause);
	if (rc != MAP_OK) {
		/* what the user translation takes fails here only for the
		 * way back, too long for a URI */
		if (cause == NULL || r.jid != NULL || rc == MAP_ROOM ||
		    (user_rc == MAP_OK && rc != MAP_MALFORMED))
			abort();
		free(cause);
		return;
	}
	if (cause != NULL)
		abort();
	/* the user translations refuse exactly the room rule's addresses */
	if ((user_rc == MAP_ROOM) != (r.kind == MAP_ROOM_ROOM ||
	    r.kind == MAP_ROOM_OCCUPANT))
		abort();
	if (r.kind == MAP_ROOM_NONE) {
		if (r.jid != NULL || r.uri != NULL || r.nick != NULL)
			abort();
		return;
	}
	if ((r.nick != NULL) != (r.kind == MAP_ROOM_OCCUPANT ||
	    strchr(r.jid, '/') != NULL))
		abort();
	if ((from_sip ? map_room_from_xmpp(t, r.jid, &b, NULL) :
	    map_room_from_sip(t, r.uri, &b, NULL)) != MAP_OK ||
	    b.kind != r.kind || strcmp(b.jid, r.jid) != 0 ||
	    strcmp(b.uri, r.uri) != 0 || strcmp(b.room_jid, r.room_jid) != 0 ||
	    strcmp(b.room_uri, r.room_uri) != 0)
		abort();
	map_room_clear(&b);
	map_room_clear(&r);
}

/* SIP side: parser agrees with translator; the way back holds. */
static void
sip_side(const char *s)
{
	const struct map_table *t = table();
	struct sip_addr a;
	char *jid = NULL, *uri = NULL, *again = NULL, *cause = NULL;
	int prc, rc;

	prc = sip_addr_parse(s, &a);
	rc = map_sip_to_xmpp(t, s, &jid, &cause);
	if (prc == MAP_MALFORMED && rc != MAP_MALFORMED)
		abort();
	room_side(s, 1, rc);
	if (prc == MAP_OK) {
		/* a sips: URI is refused, as such or as malformed */
		if (strcmp(a.scheme, "sips") == 0 ? (rc != MAP_SIPS &&
		    rc != MAP_MALFORMED) : rc == MAP_SIPS)
			abort();
		sip_addr_clear(&a);
	}
	if (rc != MAP_OK) {
		if (cause == NULL || jid != NULL)
			abort();
		free(cause);
		return;
	}
	rc = map_xmpp_to_sip(t, jid, &uri, NULL);
	if (rc == MAP_OK) {
		if (map_sip_to_xmpp(t, uri, &again, NULL) != MAP_OK ||
		    strcmp(again, jid) != 0)
			abort();
	} else if (rc != MAP_MALFORMED)	/* only "too long" is excused */
		abort();
	free(jid);
	free(uri);
	free(again);
}

/* XMPP side, the same. */
static void
xmpp_side(const char *s)
{
	const struct map_table *t = table();
	struct jid j;
	char *uri = NULL, *jid = NULL, *again = NULL, *cause = NULL;
	int prc, rc;

	prc = jid_parse(s, &j);
	rc = map_xmpp_to_sip(t, s, &uri, &cause);
	if (prc == MAP_MALFORMED && rc != MAP_MALFORMED)
		abort();
	room_side(s, 0, rc);
	if (prc == MAP_OK)
		jid_clear(&j);
	if (rc != MAP_OK) {
		if (cause == NULL || uri != NULL)
			abort();
		free(cause);
		return;
	}
	if (map_sip_to_xmpp(t, uri, &jid, NULL) != MAP_OK)
		abort();
	if (map_xmpp_to_sip(t, jid, &again, NULL) != MAP_OK ||
	    strcmp(again, uri) != 0)
		abort();
	free(uri);
	free(jid);
	free(again);
}

/* Local parts: the escaping functions undo each other. */
static void
local_side(const char *s, size_t len)
{
	char *d, *e, *u, *l, *back;

	if ((d = pct_decode(s, len)) != NULL) {
		if ((l = localpart_sip_to_xmpp(d)) != NULL) {
			/* our own output is canonical, so it goes back */
			if ((back = localpart_xmpp_to_sip(l)) == NULL)
				abort();
			free(back);
			free(l);
		}
		free(d);
	}
	if ((e = xep0106_escape(s)) != NULL) {
		if (strchr(e, '@') != NULL || strchr(e, ' ') != NULL ||
		    (u = xep0106_unescape(e)) == NULL)
			abort();
		if (strcmp(u, s) != 0)
			abort();
		free(u);
		free(e);
	}
	if ((u = xep0106_unescape(s)) != NULL)
		free(u);
	if ((l = localpart_xmpp_to_sip(s)) != NULL)
		free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *res = NULL, *rule = NULL, *cause = NULL;

	if (size < 1 || size > 65536)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	use_percent = (data[0] & 4) != 0;
	switch (data[0] & 3) {
	case 0:
		sip_side(s);
		break;
	case 1:
		xmpp_side(s);
		break;
	case 2:
		local_side(s, strlen(s));
		break;
	case 3:
		if (map_explain(table(), s, &res, &rule, &cause) == MAP_OK &&
		    (res == NULL || rule == NULL || cause != NULL))
			abort();
		free(res);
		free(rule);
		free(cause);
		break;
	}
	free(s);
	return 0;
}
