/*
 * Address mapping between SIP URIs and XMPP JIDs (RFC 7247 §6, XEP-0106).
 *
 * Pure code: no sockets, no event loop, no logging, no globals. Every
 * function reports failure through its return value and, where a human
 * needs the reason, a malloc'ed *cause string the caller frees.
 *
 * The table (see sipxmpp-mapping(5)) holds three kinds of rules, looked up
 * in this order, first match wins:
 *   user    sip:alice@sip.example   alice.smith@chat.example
 *           one SIP address-of-record <-> one bare JID, both ways;
 *   domain  sip.example             sip.example
 *           every user of a SIP domain <-> the same localpart (RFC 7247
 *           §6.4/§6.5 translation) in an XMPP domain, both ways;
 *   embed   gw.sip.example          gw.xmpp.example   [separator]
 *           a foreign address carried in the localpart:
 *             XMPP -> SIP: alice\40sip.other@gw.xmpp.example -> sip:alice@sip.other
 *             SIP -> XMPP: sip:bob%40jabber.org@gw.sip.example -> bob@jabber.org
 *           and, as the last resort for addresses no other rule maps,
 *             sip:carol@sip.other <-> carol\40sip.other@gw.xmpp.example
 *             bob@jabber.org <-> sip:bob%40jabber.org@gw.sip.example.
 *           The optional separator "*" additionally accepts Kamailio's
 *           form sip:bob*jabber.org@gw.sip.example on input;
 *   room    conf.sip.example    conference.xmpp.example
 *           the rooms of a XEP-0045 service, translated like a domain
 *           rule: sip:devs@conf.sip.example <-> the room
 *           devs@conference.xmpp.example, and the occupant's nick in
 *           the gr parameter, sip:devs@conf.sip.example;gr=bob <->
 *           devs@conference.xmpp.example/bob. Room addresses are not
 *           users: map_sip_to_xmpp and map_xmpp_to_sip answer MAP_ROOM
 *           for them, and map_room_from_sip/map_room_from_xmpp say what
 *           they are.
 * An address that no rule maps is refused (MAP_NO_RULE), never guessed.
 */
#ifndef SIPXMPP_MAPPING_H
#define SIPXMPP_MAPPING_H

#include <stddef.h>

enum map_result {
	MAP_OK = 0,
	MAP_NO_RULE = -1,	/* well-formed, but no rule covers it: 404 / item-not-found */
	MAP_MALFORMED = -2,	/* not a valid URI / JID: 400 / jid-malformed */
	MAP_SIPS = -3,		/* sips: URI, RFC 7247 §8 forbids translating it */
	MAP_NOMEM = -4,
	MAP_ROOM = -5,		/* a room or occupant of a room rule: not a
				 * user; see map_room_from_sip() */
};

struct map_table;

/* A SIP address split into its parts (all strings owned by the struct). */
struct sip_addr {
	char *scheme;	/* "sip", "sips", "im" or "pres" (lowercase) */
	char *user;	/* percent-DECODED user part, UTF-8; NULL if none */
	char *host;	/* lowercase host, IPv6 without brackets */
	int port;	/* 0 if absent */
	char *gr;	/* value of the gr URI parameter (decoded), or NULL */
};

/* A JID split into its parts. The localpart keeps its XEP-0106 escapes. */
struct jid {
	char *local;	/* NULL if none */
	char *domain;
	char *resource;	/* NULL if none */
};

/*
 * table.c, table_build.c: the rule table. Return 0, or -1 with
 * *cause = "NAME:LINE: reason" (cause may be NULL). A loaded table is
 * never modified, so any number of readers may share it; on reload,
 * build a new one and swap the pointer.
 */
void map_table_free(struct map_table *table);
size_t map_table_size(const struct map_table *table);

/*
 * table_build.c: the same parse in one go or in slices. A builder reads
 * text that the caller keeps unchanged until it frees the builder; each
 * step does a bounded part of the work (counts up to 16 * max_lines
 * lines to size the table, or parses up to max_lines lines) and returns
 * 1 while work remains, 0 with the finished table in *out, or -1 with
 * *cause: the very table and cause that map_table_parse gives for the
 * same text. Free the builder in every case. map_table_read reads a
 * file in one go (malloc'ed *text); map_table_load is read + parse.
 */
struct map_table_builder;

int map_table_parse(const char *text, size_t len, const char *name,
    struct map_table **out, char **cause);
int map_table_load(const char *path, struct map_table **out, char **cause);
int map_table_read(const char *path, char **text, size_t *len, char **cause);
int map_table_builder_new(const char *text, size_t len, const char *name,
    struct map_table_builder **out, char **cause);
int map_table_builder_step(struct map_table_builder *builder,
    size_t max_lines, struct map_table **out, char **cause);
size_t map_table_builder_lines(const struct map_table_builder *builder);
void map_table_builder_free(struct map_table_builder *builder);

/*
 * translate.c: whole-address translation through the table. Return a
 * map_result; on MAP_OK the malloc'ed result, otherwise NULL and (if
 * cause is not NULL) a malloc'ed reason in words. map_sip_to_xmpp takes
 * a sip:/sips:/im:/pres: URI without <>, gives local@domain[/resource]
 * (gr -> resource); map_xmpp_to_sip takes a JID and gives a sip: URI
 * (resource -> ;gr=). Every translation is reversible: the result maps
 * back to the (normalised) input, or the translation is refused.
 */
int map_sip_to_xmpp(const struct map_table *table, const char *uri,
    char **jid_out, char **cause);
int map_xmpp_to_sip(const struct map_table *table, const char *jid,
    char **uri_out, char **cause);
int map_sip_domain_is_mapped(const struct map_table *table, const char *host);
const char *map_result_name(int result);

/*
 * room.c: room addresses (XEP-0045), for the room bridge. The address
 * is classified first:
 *   MAP_ROOM_NONE      no room rule covers it and it is no JID carried
 *                      by the embed rule: a user, see map_sip_to_xmpp;
 *   MAP_ROOM_ROOM      a room of a room rule;
 *   MAP_ROOM_OCCUPANT  one occupant of such a room (nick in gr);
 *   MAP_ROOM_EMBEDDED  a JID carried by the embed rule, which may be a
 *                      room on another service: only its disco#info
 *                      (identity conference/text) can tell, so the
 *                      caller asks; nick is set if a resource was given.
 * Returns MAP_OK with out filled (nothing allocated for NONE), or a
 * map_result and a malloc'ed *cause for a room address that cannot be
 * translated (a bad nick, a nick too long to carry, a sips: URI).
 * Every string is in its canonical form: the JIDs as the SIP side maps
 * them, the URIs as the XMPP side does, so either way gives the same.
 */
enum map_room_kind {
	MAP_ROOM_NONE = 0,
	MAP_ROOM_ROOM,
	MAP_ROOM_OCCUPANT,
	MAP_ROOM_EMBEDDED,
};

struct map_room {
	enum map_room_kind kind;
	char *jid;	/* room JID, or room/nick for an occupant */
	char *uri;	/* sip: URI of the same, with ;gr=nick if any */
	char *room_jid;	/* the bare room JID */
	char *room_uri;	/* the room's sip: URI, no gr */
	char *nick;	/* the nick (resourcepart, UTF-8), or NULL */
};

int map_room_from_sip(const struct map_table *table, const char *uri,
    struct map_room *out, char **cause);
int map_room_from_xmpp(const struct map_table *table, const char *jid,
    struct map_room *out, char **cause);
void map_room_clear(struct map_room *room);
int map_may_be_embedded(const struct map_table *table, const char *uri);
const char *map_room_kind_name(enum map_room_kind kind);

/*
 * For operators (sipxmppd --map ADDRESS): translates a SIP URI (sip:,
 * sips:, im:, pres:) or a JID (bare or xmpp:-prefixed) and describes the
 * rule that did it, "PATH:LINE: domain sip.example xmpp.example" (with
 * " (last-resort form)" for the embed rule's fallback, and for a room
 * rule " (room R)" or " (occupant \"NICK\" of room R)"). A room address
 * is explained, not refused as map_sip_to_xmpp refuses it. On success sets
 * *result and *rule; on failure sets *cause, and *rule if a rule was
 * tried. All malloc'ed.
 */
int map_explain(const struct map_table *table, const char *address,
    char **result, char **rule, char **cause);

/* sip_addr.c, jid.c: parsing addresses; return MAP_OK, MAP_MALFORMED or
 * MAP_NOMEM. The *_clear functions free the parts. */
int sip_addr_parse(const char *uri, struct sip_addr *out);
void sip_addr_clear(struct sip_addr *addr);
int jid_parse(const char *text, struct jid *out);
void jid_clear(struct jid *jid);

/*
 * escape.c: the RFC 7247 §6.4/§6.5 local-part algorithms and XEP-0106.
 * All return malloc'ed strings, NULL on invalid input (or no memory):
 * pct_decode: a bad %xx or %00; localpart_sip_to_xmpp: not UTF-8, a
 * control or non-ASCII space, a leading/trailing space (XEP-0106 §3.2)
 * or longer than 1023 bytes escaped; localpart_xmpp_to_sip: not a valid
 * localpart, or not in the canonical escaped form (such as "a\5cb",
 * which would map to the same SIP user as "a\b"); xep0106_escape: a
 * leading or trailing space. xep0106_unescape never refuses.
 */
char *pct_decode(const char *in, size_t len);	/* NULL on a bad %xx */
char *localpart_sip_to_xmpp(const char *decoded_user);
char *localpart_xmpp_to_sip(const char *escaped_local);
char *xep0106_escape(const char *raw);
char *xep0106_unescape(const char *escaped);

#endif
