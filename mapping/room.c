/*
 * Room addresses (sipxmpp-mapping(5), "room"): what a SIP URI or a JID
 * names when it is a XEP-0045 room or one of its occupants, for the
 * room bridge. A room rule translates as a domain rule does
 * (translate.c); here the address is classified, the nick checked with
 * causes of its own, and every form the bridge needs is given in one
 * canonical spelling, whichever side the address came from.
 *
 * The nick travels in the gr parameter (RFC 7247 §6.4 step 8 maps gr to
 * the resource, and XEP-0045 §7.2.1 makes the nick the occupant JID's
 * resourcepart): percent-encoded where RFC 3261 paramchar does not allow
 * a byte, decoded on the way in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* Sets *cause (if wanted; NULL if it cannot be built) to the formatted
 * reason and returns result. */
static int
fail(char **cause, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(char **cause, int result, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return result;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return result;
}

/* Copies a failed translation's reason (as translate.c does, none if
 * the copy fails) and returns result. */
static int
fail_x(char **cause, int result, const struct xlate *x)
{
	if (cause != NULL)
		*cause = strdup(x->why);
	return result;
}

/* Copies len bytes of s into a new string, into *out. */
static int
dup_span(const char *s, size_t len, char **out)
{
	if ((*out = malloc(len + 1)) == NULL)
		return -1;
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return 0;
}

/* Fills out from the canonical JID and URI of an address: the bare
 * room is the JID before its first slash (RFC 7622 §3.1), the nick what
 * follows, and the room's URI the bare room translated. */
static int
fill(const struct map_table *t, enum map_room_kind kind, const char *jid,
    const char *uri, struct map_room *out, char **cause)
{
	char buf[MAP_URI_MAX + 1];
	const char *slash = strchr(jid, '/');
	size_t bare = slash != NULL ? (size_t)(slash - jid) : strlen(jid);
	struct xlate x;
	struct obuf ob;
	int rc;

	obuf_init(&ob, buf, sizeof(buf));
	/* Cannot fail where the occupant's own way worked. */
	if ((rc = xlate_xmpp_to_sip(t, jid, bare, &ob, &x)) != MAP_OK)
		return fail_x(cause, rc, &x);
	out->kind = kind;
	if ((out->jid = strdup(jid)) == NULL ||
	    (out->uri = strdup(uri)) == NULL ||
	    dup_span(jid, bare, &out->room_jid) == -1 ||
	    (out->room_uri = strdup(buf)) == NULL ||
	    (slash != NULL && (out->nick = strdup(slash + 1)) == NULL)) {
		map_room_clear(out);
		return MAP_NOMEM;
	}
	return MAP_OK;
}

/*
 * Checks the nick a room address carries in gr: once decoded, an RFC
 * 7622 §3.4 resourcepart (UTF-8 without controls, 1 to 1023 bytes; the
 * grammar already refuses an empty gr=). No other folding: the room
 * service applies its own nickname profile (RFC 7700) and answers a
 * nick it refuses with an error the bridge reports.
 */
static int
nick_check(const struct sip_view *v, char **cause)
{
	char nick[MAP_URI_MAX + 1];
	struct obuf ob;

	if (v->gr.p == NULL)
		return MAP_OK;
	obuf_init(&ob, nick, sizeof(nick));
	if (pct_decode_into(v->gr.p, v->gr.len, &ob) == -1)
		return fail(cause, MAP_MALFORMED, "the nick (gr parameter) "
		    "has a bad %%-escape or a %%00");
	if (!utf8_valid(ob.p, ob.len) || !opaque_text_ok(ob.p, ob.len))
		return fail(cause, MAP_MALFORMED, "the nick (gr parameter) "
		    "is not UTF-8 text without controls (RFC 7622 §3.4)");
	if (ob.len > JID_PART_MAX)
		return fail(cause, MAP_MALFORMED, "the nick (gr parameter) "
		    "is longer than %d bytes (RFC 7622 §3.4)", JID_PART_MAX);
	return MAP_OK;
}

/* Names a room, an occupant or a JID carried by the embed rule by its
 * SIP URI; see mapping.h. */
int
map_room_from_sip(const struct map_table *t, const char *uri,
    struct map_room *out, char **cause)
{
	char host[MAP_HOST_MAX + 1], jid[JID_MAX + 1], back[MAP_URI_MAX + 1];
	const struct map_rule *r;
	struct sip_view v;
	struct xlate x;
	struct obuf hb, jb, ub;
	size_t i, len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cause != NULL)
		*cause = NULL;
	if (t == NULL || uri == NULL)
		return MAP_NO_RULE;
	len = strnlen(uri, MAP_URI_MAX + 1);
	if (sip_view_parse(uri, len, &v) == -1)
		return MAP_OK;		/* no address, no room */
	obuf_init(&hb, host, sizeof(host));
	for (i = 0; i < v.host.len; i++)
		obuf_putc(&hb, ascii_lower(v.host.p[i]));
	/* The embed rule's last resort carries SIP addresses, not rooms;
	 * a domain rule's addresses are users. */
	if (hb.full || (r = table_find_domain(t, SIDE_SIP, hb.p,
	    hb.len)) == NULL || r->kind == RULE_DOMAIN)
		return MAP_OK;

	if (r->kind == RULE_ROOM) {
		if (v.scheme == SCHEME_SIPS)
			return fail(cause, MAP_SIPS, "a sips: URI must not be "
			    "translated to XMPP (RFC 7247 §8)");
		if (v.user.p == NULL)
			return fail(cause, MAP_NO_RULE, "a room address "
			    "names its room in the user part: sip:ROOM@%s",
			    hb.p);
		if ((rc = nick_check(&v, cause)) != MAP_OK)
			return rc;
	}
	obuf_init(&jb, jid, sizeof(jid));
	rc = xlate_sip_to_xmpp(t, uri, len, &jb, &x);
	/* A user rule at the embed rule's domain is a user; an address
	 * refused before any rule was tried is no room's either. */
	if (x.rule == NULL || x.rule->kind == RULE_USER)
		return MAP_OK;
	if (rc != MAP_OK)
		return fail_x(cause, rc, &x);
	/* The way back gives the canonical URI, and proves there is one. */
	obuf_init(&ub, back, sizeof(back));
	if ((rc = xlate_xmpp_to_sip(t, jb.p, jb.len, &ub, &x)) != MAP_OK)
		return fail_x(cause, rc, &x);
	if (r->kind == RULE_EMBED)
		return fill(t, MAP_ROOM_EMBEDDED, jb.p, ub.p, out, cause);
	return fill(t, v.gr.p != NULL ? MAP_ROOM_OCCUPANT : MAP_ROOM_ROOM,
	    jb.p, ub.p, out, cause);
}

/*
 * Whether uri may be a JID the embed rule carries: 0 when surely not
 * (there is no embed rule, or its SIP domain appears nowhere in uri,
 * not even in another case), 1 when map_room_from_sip() must tell. The
 * message path asks this of every target, so it parses nothing.
 */
int
map_may_be_embedded(const struct map_table *t, const char *uri)
{
	const struct map_rule *r;
	const char *dom, *p;
	size_t len, i;

	if (t == NULL || uri == NULL || (r = table_embed(t)) == NULL)
		return 0;
	dom = t->arena + r->key[SIDE_SIP];
	len = r->key_len[SIDE_SIP];
	if (len == 0)
		return 1;
	for (p = uri; *p != '\0'; p++) {
		for (i = 0; i < len && p[i] != '\0' &&
		    ascii_lower(p[i]) == dom[i]; i++)
			;
		if (i == len)
			return 1;
	}
	return 0;
}

/* Names a room, an occupant or a JID the embed rule carries by its
 * JID; see mapping.h. */
int
map_room_from_xmpp(const struct map_table *t, const char *jid,
    struct map_room *out, char **cause)
{
	char dom[JID_PART_MAX + 1], uri[MAP_URI_MAX + 1], back[JID_MAX + 1];
	const struct map_rule *r;
	struct jid_view v;
	struct xlate x;
	struct obuf db, ub, jb;
	size_t i, len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cause != NULL)
		*cause = NULL;
	if (t == NULL || jid == NULL)
		return MAP_NO_RULE;
	len = strnlen(jid, JID_MAX + 1);
	if (jid_view_parse(jid, len, &v) == -1)
		return MAP_OK;		/* no address, no room */
	obuf_init(&db, dom, sizeof(dom));
	for (i = 0; i < v.domain.len; i++)
		obuf_putc(&db, ascii_lower(v.domain.p[i]));
	r = table_find_domain(t, SIDE_XMPP, db.p, db.len);
	if (r != NULL && r->kind == RULE_ROOM && v.local.p == NULL)
		return fail(cause, MAP_NO_RULE, "a room JID names its room "
		    "in the localpart: ROOM@%s", db.p);

	obuf_init(&ub, uri, sizeof(uri));
	rc = xlate_xmpp_to_sip(t, jid, len, &ub, &x);
	/* Only a room rule's JIDs and those the embed rule's last resort
	 * carries (any other service's: perhaps a room) are named here. */
	if (x.rule == NULL || !(x.rule->kind == RULE_ROOM ||
	    (x.rule->kind == RULE_EMBED && x.last_resort)))
		return MAP_OK;
	if (rc != MAP_OK) {
		if (rc == MAP_MALFORMED && v.resource.p != NULL &&
		    x.rule->kind == RULE_ROOM)
			return fail(cause, rc, "the nick cannot be carried in "
			    "a SIP URI: %s", x.why);
		return fail_x(cause, rc, &x);
	}
	/* The way back gives the canonical JID (domain in lowercase). */
	obuf_init(&jb, back, sizeof(back));
	if ((rc = xlate_sip_to_xmpp(t, ub.p, ub.len, &jb, &x)) != MAP_OK)
		return fail_x(cause, rc, &x);
	if (x.rule->kind == RULE_EMBED)
		return fill(t, MAP_ROOM_EMBEDDED, jb.p, ub.p, out, cause);
	return fill(t, v.resource.p != NULL ? MAP_ROOM_OCCUPANT :
	    MAP_ROOM_ROOM, jb.p, ub.p, out, cause);
}

/* Frees the strings of a map_room and empties it. */
void
map_room_clear(struct map_room *room)
{
	if (room == NULL)
		return;
	free(room->jid);
	free(room->uri);
	free(room->room_jid);
	free(room->room_uri);
	free(room->nick);
	memset(room, 0, sizeof(*room));
}

/* Short name of a map_room_kind, for logs. */
const char *
map_room_kind_name(enum map_room_kind kind)
{
	switch (kind) {
	case MAP_ROOM_NONE:
		return "none";
	case MAP_ROOM_ROOM:
		return "room";
	case MAP_ROOM_OCCUPANT:
		return "occupant";
	case MAP_ROOM_EMBEDDED:
		return "embedded";
	}
	return "unknown";
}
