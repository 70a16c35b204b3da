/*
 * The table parser on arbitrary text. A refused table must come with a
 * "NAME:..." cause; an accepted one must translate the addresses found
 * in its own text (and a few fixed ones) without crashing, and every
 * translation must come back: s2x(x2s(s2x(u))) == s2x(u), and the same
 * from the XMPP side. A rule that maps one way but not back aborts,
 * except where the embed rule refuses, XMPP -> SIP, an address it may not
 * relay to (an IP literal, a port, a private address: embed_policy.c).
 * Room addresses (room rules, and JIDs the embed rule carries) must name
 * the same room, nick and kind from the other side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks that a SIP address maps to a JID that maps back to a URI
 * with the same JID. */
static void
sip_round_trip(const struct map_table *t, const char *uri)
{
	char *jid = NULL, *back = NULL, *again = NULL, *cause = NULL;

	if (map_sip_to_xmpp(t, uri, &jid, NULL) != MAP_OK)
		return;
	switch (map_xmpp_to_sip(t, jid, &back, &cause)) {
	case MAP_OK:
		break;
	case MAP_MALFORMED:		/* the URI form got too long */
		goto out;
	case MAP_NO_RULE:		/* no relay there, by policy */
		if (cause != NULL && strstr(cause,
		    "embedded SIP address names") != NULL)
			goto out;
		abort();
	default:
		abort();
	}
	if (map_sip_to_xmpp(t, back, &again, NULL) != MAP_OK ||
	    strcmp(again, jid) != 0)
		abort();
out:
	free(cause);
	free(jid);
	free(back);
	free(again);
}

/* The same from the XMPP side. */
static void
xmpp_round_trip(const struct map_table *t, const char *jid)
{
	char *uri = NULL, *back = NULL, *again = NULL;

	if (map_xmpp_to_sip(t, jid, &uri, NULL) != MAP_OK)
		return;
	if (map_sip_to_xmpp(t, uri, &back, NULL) != MAP_OK)
		abort();
	if (map_xmpp_to_sip(t, back, &again, NULL) != MAP_OK ||
	    strcmp(again, uri) != 0)
		abort();
	free(uri);
	free(back);
	free(again);
}

/* Checks that an address the room lookups name is named the same from
 * its other side. */
static void
room_round_trip(const struct map_table *t, const char *addr, int from_sip)
{
	struct map_room r, b;
	char *cause = NULL;
	int rc;

	rc = from_sip ? map_room_from_sip(t, addr, &r, &cause) :
	    map_room_from_xmpp(t, addr, &r, &cause);
	if (rc != MAP_OK) {
		if (cause == NULL || r.jid != NULL)
			abort();
		free(cause);
		return;
	}
	if (r.kind == MAP_ROOM_NONE)
		return;
	if ((from_sip ? map_room_from_xmpp(t, r.jid, &b, NULL) :
	    map_room_from_sip(t, r.uri, &b, NULL)) != MAP_OK ||
	    b.kind != r.kind || strcmp(b.jid, r.jid) != 0 ||
	    strcmp(b.uri, r.uri) != 0 || strcmp(b.room_uri, r.room_uri) != 0)
		abort();
	map_room_clear(&b);
	map_room_clear(&r);
}

/* Tries a token of the table text as an address in the ways it could
 * be one: a URI, a JID, a domain of either side. */
static void
try_token(const struct map_table *t, const char *tok)
{
	char buf[1200];
	char *res = NULL, *rule = NULL, *cause = NULL;

	if (strlen(tok) > 1000)
		return;
	if (strncmp(tok, "sip:", 4) == 0) {
		sip_round_trip(t, tok);
		room_round_trip(t, tok, 1);
		snprintf(buf, sizeof(buf), "%s;gr=x%%20y", tok);
		sip_round_trip(t, buf);
		room_round_trip(t, buf, 1);
	} else {
		room_round_trip(t, tok, 0);
		snprintf(buf, sizeof(buf), "r@%s/n \xc3\xa9;=%%", tok);
		room_round_trip(t, buf, 0);
		snprintf(buf, sizeof(buf), "sip:r@%s;gr=n%%20%%C3%%A9%%3B", tok);
		room_round_trip(t, buf, 1);
		xmpp_round_trip(t, tok);
		snprintf(buf, sizeof(buf), "u@%s", tok);
		xmpp_round_trip(t, buf);
		snprintf(buf, sizeof(buf), "sip:u@%s", tok);
		sip_round_trip(t, buf);
		snprintf(buf, sizeof(buf), "sip:u%%40x.example@%s", tok);
		sip_round_trip(t, buf);
		snprintf(buf, sizeof(buf), "sip:u*x.example@%s", tok);
		sip_round_trip(t, buf);
		snprintf(buf, sizeof(buf), "u\\40x.example@%s/r", tok);
		xmpp_round_trip(t, buf);
	}
	map_explain(t, tok, &res, &rule, &cause);
	free(res);
	free(rule);
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {
		"sip:alice@sip.example", "alice@xmpp.example",
		"sip:bob%40jabber.org@gw.sip.example", "bob@jabber.org",
		"sips:alice@sip.example", "o\\27hara@chat.example/r",
	};
	struct map_table *t = NULL;
	char *cause = NULL, *text, *tok, *save = NULL;
	size_t i;
	int n = 0;

	if (map_table_parse((const char *)data, size, "fuzz", &t,
	    &cause) == -1) {
		if (t != NULL || cause == NULL ||
		    strncmp(cause, "fuzz:", 5) != 0)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL || t == NULL)
		abort();
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		try_token(t, fixed[i]);
	if (size < 4096 && (text = malloc(size + 1)) != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		for (tok = strtok_r(text, " \t\r\n", &save);
		    tok != NULL && n < 24;
		    tok = strtok_r(NULL, " \t\r\n", &save), n++)
			try_token(t, tok);
		free(text);
	}
	map_table_free(t);
	return 0;
}
