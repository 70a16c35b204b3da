/*
 * Whole-address translation through the table: user rules first, then
 * domain rules, then the embed rule (its embedded form, then its
 * last-resort form). Every way across is checked to be the way back
 * too: a translation whose result another rule would send elsewhere is
 * refused, so a reply always reaches the address that wrote.
 *
 * The work happens in stack buffers; a successful call allocates its
 * result and nothing else.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* Records why a translation failed and returns the result code. */
static int
refuse(struct xlate *x, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
refuse(struct xlate *x, int result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
	return result;
}

/* Appends s lowercased (ASCII). */
static void
put_lower(struct obuf *ob, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		obuf_putc(ob, ascii_lower(s[i]));
}

/* Finds the user rule of a SIP user at a lowercase host. */
static const struct map_rule *
find_sip_user(const struct map_table *t, const char *user, size_t ulen,
    const char *host, size_t hlen)
{
	char key[2 * MAP_URI_MAX + 2];
	struct obuf ob;

	obuf_init(&ob, key, sizeof(key));
	obuf_put(&ob, user, ulen);
	obuf_putc(&ob, '@');
	obuf_put(&ob, host, hlen);
	if (ob.full)
		return NULL;
	return table_find_user(t, SIDE_SIP, ob.p, ob.len);
}

/* Finds the user rule of a JID localpart (compared ASCII-case-
 * insensitively: XMPP servers case-fold before they route) at a
 * lowercase domain. */
static const struct map_rule *
find_xmpp_user(const struct map_table *t, const char *local, size_t llen,
    const char *domain, size_t dlen)
{
	char key[JID_MAX + 1];
	struct obuf ob;

	obuf_init(&ob, key, sizeof(key));
	put_lower(&ob, local, llen);
	obuf_putc(&ob, '@');
	obuf_put(&ob, domain, dlen);
	if (ob.full)
		return NULL;
	return table_find_user(t, SIDE_XMPP, ob.p, ob.len);
}

/* Writes the JID local@domain[/resource]; refuses a JID that is
 * already taken by a user rule (its way back would be that rule's). */
static int
emit_jid(const struct map_table *t, struct xlate *x, struct obuf *out,
    struct span local, struct span domain, struct span res)
{
	const struct map_rule *u;

	if ((u = find_xmpp_user(t, local.p, local.len, domain.p,
	    domain.len)) != NULL)
		return refuse(x, MAP_NO_RULE, "the resulting JID belongs to "
		    "the user rule at line %u", u->line);
	obuf_put(out, local.p, local.len);
	obuf_putc(out, '@');
	obuf_put(out, domain.p, domain.len);
	if (res.p != NULL) {
		obuf_putc(out, '/');
		obuf_put(out, res.p, res.len);
	}
	if (out->full)
		return refuse(x, MAP_MALFORMED, "resulting JID too long");
	return MAP_OK;
}

/* The embed rule's own form, SIP -> XMPP: the decoded user part holds a
 * JID, "bob@jabber.org", or with a separator, Kamailio's
 * "bob*jabber.org"; the last @ (or separator) splits it. */
static int
embedded_jid(const struct map_table *t, const struct map_rule *r,
    struct xlate *x, struct obuf *out, struct span user, struct span res)
{
	char local[JID_PART_MAX + 1], dom[JID_PART_MAX + 1];
	const struct map_rule *d;
	struct obuf lb, db;
	struct span ls, ds;
	size_t k;

	for (k = user.len; k > 0 && user.p[k - 1] != '@'; k--)
		;
	if (k == 0 && r->sep != 0)
		for (k = user.len; k > 0 && user.p[k - 1] != r->sep; k--)
			;
	if (k == 0)
		return refuse(x, MAP_NO_RULE, "the user part of a gateway "
		    "address carries no JID");
	ds.p = user.p + k;
	ds.len = user.len - k;
	if (ds.len > 1 && ds.p[ds.len - 1] == '.')
		ds.len--;		/* RFC 7622 §3.2 */
	if (!jid_domain_valid(ds.p, ds.len))
		return refuse(x, MAP_MALFORMED, "the embedded XMPP domain "
		    "is not valid");
	obuf_init(&db, dom, sizeof(dom));
	put_lower(&db, ds.p, ds.len);
	if ((d = table_find_domain(t, SIDE_XMPP, db.p, db.len)) != NULL)
		return refuse(x, MAP_NO_RULE, "the embedded XMPP domain is "
		    "mapped by line %u; use that rule's SIP domain", d->line);
	obuf_init(&lb, local, sizeof(local));
	if (local_sip_to_xmpp(user.p, k - 1, &lb) == -1)
		return refuse(x, MAP_MALFORMED, "the embedded user cannot be "
		    "an XMPP localpart (RFC 7247 §6.4)");
	ls.p = lb.p;
	ls.len = lb.len;
	ds.p = db.p;
	ds.len = db.len;
	return emit_jid(t, x, out, ls, ds, res);
}

/* RFC 7247 §6.4 through the table, into out. A room rule translates
 * as a domain rule does; the callers tell its addresses apart. */
int
xlate_sip_to_xmpp(const struct map_table *t, const char *uri, size_t len,
    struct obuf *out, struct xlate *x)
{
	char user[MAP_URI_MAX + 1], host[MAP_HOST_MAX + 1];
	char gr[MAP_URI_MAX + 1], local[JID_PART_MAX + 1];
	const struct map_rule *r;
	struct sip_view v;
	struct obuf ub, hb, gb, lb;
	struct span us, res = { NULL, 0 }, ls, ds;

	memset(x, 0, sizeof(*x));
	if (sip_view_parse(uri, len, &v) == -1)
		return refuse(x, MAP_MALFORMED, "not a valid SIP URI");
	obuf_init(&ub, user, sizeof(user));
	if (pct_decode_into(v.user.p, v.user.len, &ub) == -1 ||
	    !utf8_valid(ub.p, ub.len))
		return refuse(x, MAP_MALFORMED, "the SIP user part is not "
		    "UTF-8 text once decoded");
	us.p = ub.p;
	us.len = ub.len;
	obuf_init(&hb, host, sizeof(host));
	put_lower(&hb, v.host.p, v.host.len);
	if (v.gr.p != NULL) {
		/* RFC 7247 §6.4 step 8: an AOR-bound GRUU names the resource. */
		obuf_init(&gb, gr, sizeof(gr));
		if (pct_decode_into(v.gr.p, v.gr.len, &gb) == -1 ||
		    gb.len > JID_PART_MAX || !opaque_text_ok(gb.p, gb.len))
			return refuse(x, MAP_MALFORMED, "the gr parameter "
			    "cannot be an XMPP resource");
		res.p = gb.p;
		res.len = gb.len;
	}
	if (v.scheme == SCHEME_SIPS)
		return refuse(x, MAP_SIPS, "a sips: URI must not be "
		    "translated to XMPP (RFC 7247 §8)");
	if (v.user.p == NULL)
		return refuse(x, MAP_NO_RULE, "the SIP URI has no user part");

	if ((r = find_sip_user(t, ub.p, ub.len, hb.p, hb.len)) != NULL) {
		x->rule = r;
		obuf_put(out, t->arena + r->jid, r->jid_len);
		if (res.p != NULL) {
			obuf_putc(out, '/');
			obuf_put(out, res.p, res.len);
		}
		if (out->full)
			return refuse(x, MAP_MALFORMED, "resulting JID too long");
		return MAP_OK;
	}

	obuf_init(&lb, local, sizeof(local));
	if ((r = table_find_domain(t, SIDE_SIP, hb.p, hb.len)) != NULL) {
		x->rule = r;
		if (r->kind == RULE_EMBED)
			return embedded_jid(t, r, x, out, us, res);
		if (local_sip_to_xmpp(ub.p, ub.len, &lb) == -1)
			return refuse(x, MAP_MALFORMED, "the SIP user part "
			    "cannot be an XMPP localpart (RFC 7247 §6.4)");
		ls.p = lb.p;
		ls.len = lb.len;
		ds = rule_key(t, r, SIDE_XMPP);
		return emit_jid(t, x, out, ls, ds, res);
	}

	/* The embed rule's last resort: user@host becomes the localpart,
	 * "user\40host", or with jid_form=percent "user%host" -- unless the
	 * user holds an @ itself: "a@b%host" would read back as the
	 * escaped form at the wrong @ (embed_split), so it stays escaped. */
	if ((r = table_embed(t)) == NULL)
		return refuse(x, MAP_NO_RULE, "no rule maps this SIP domain");
	x->rule = r;
	x->last_resort = 1;
	x->percent = r->percent && memchr(ub.p, '@', ub.len) == NULL;
	obuf_put(&ub, x->percent ? "%" : "@", 1);
	obuf_put(&ub, hb.p, hb.len);
	if (v.port != 0)
		obuf_put(&ub, v.hostport.p + v.host.len,
		    v.hostport.len - v.host.len);
	if (ub.full || local_sip_to_xmpp(ub.p, ub.len, &lb) == -1)
		return refuse(x, MAP_MALFORMED, "the SIP address cannot be "
		    "an XMPP localpart (RFC 7247 §6.4)");
	ls.p = lb.p;
	ls.len = lb.len;
	ds = rule_key(t, r, SIDE_XMPP);
	return emit_jid(t, x, out, ls, ds, res);
}

/* Writes sip:user@hostport[;gr=resource] with the user raw (unescaped)
 * and the host lowercase; refuses an address a user rule owns. */
static int
emit_uri(const struct map_table *t, struct xlate *x, struct obuf *out,
    struct span user, struct span host, struct span port, struct span res)
{
	const struct map_rule *u;

	if ((u = find_sip_user(t, user.p, user.len, host.p, host.len)) != NULL)
		return refuse(x, MAP_NO_RULE, "the resulting SIP address "
		    "belongs to the user rule at line %u", u->line);
	obuf_puts(out, "sip:");
	pct_encode_user(user.p, user.len, out);
	obuf_putc(out, '@');
	obuf_put(out, host.p, host.len);
	obuf_put(out, port.p, port.len);
	if (res.p != NULL) {
		obuf_puts(out, ";gr=");
		pct_encode_param(res.p, res.len, out);
	}
	if (out->full)
		return refuse(x, MAP_MALFORMED, "resulting URI longer than %d "
		    "bytes", MAP_URI_MAX);
	return MAP_OK;
}

/*
 * Where the SIP host starts in the unescaped localpart of a gateway JID
 * (just after the split character), or 0 if it carries no SIP address.
 * Two forms, and exactly one reading of any localpart:
 *   escaped  "alice\40sip.other": the last @ splits (XEP-0106);
 *   percent  "alice%sip.other": the customary form of other transports,
 *            for clients that cannot type a backslash (XEP-0106 §1, the
 *            fallback it names); read only when there is no @ at all,
 *            and the last % splits, since a host holds no %.
 * So "a%b\40c.example" is user "a%b" at c.example, never user "a" at
 * "b@c.example", and no JID names two SIP addresses.
 */
size_t
embed_split(const char *raw, size_t len)
{
	size_t k;

	for (k = len; k > 0 && raw[k - 1] != '@'; k--)
		;
	if (k == 0)
		for (k = len; k > 0 && raw[k - 1] != '%'; k--)
			;
	return k;
}

/* The embed rule's own form, XMPP -> SIP: the unescaped localpart holds
 * a SIP address, "alice@sip.other[:port]" or "alice%sip.other[:port]"
 * (see embed_split). */
static int
embedded_uri(const struct map_table *t, struct xlate *x, struct obuf *out,
    struct span raw, struct span res)
{
	char host[MAP_HOST_MAX + 1];
	const struct map_rule *d;
	const char *why = NULL;
	struct span us, hs, ps;
	struct obuf hb;
	size_t k, hlen;
	int port;

	if ((k = embed_split(raw.p, raw.len)) == 0)
		return refuse(x, MAP_NO_RULE, "the localpart of a gateway "
		    "JID carries no SIP address");
	x->percent = raw.p[k - 1] == '%';
	if (k == 1 || sip_hostport_parse(raw.p + k, raw.len - k, &hlen,
	    &port) == -1)
		return refuse(x, MAP_MALFORMED, "the embedded SIP address is "
		    "not valid");
	obuf_init(&hb, host, sizeof(host));
	put_lower(&hb, raw.p + k, hlen);
	if ((d = table_find_domain(t, SIDE_SIP, hb.p, hb.len)) != NULL)
		return refuse(x, MAP_NO_RULE, "the embedded SIP domain is "
		    "mapped by line %u; use that rule's XMPP domain", d->line);
	/* Not an open relay to any host:port (see embed_policy.c). */
	if (embed_host_allowed(hb.p, hb.len, port, x->rule->allow,
	    &why) == -1)
		return refuse(x, MAP_NO_RULE, "the embedded SIP address names "
		    "%s", why);
	us.p = raw.p;
	us.len = k - 1;
	hs.p = hb.p;
	hs.len = hb.len;
	ps.p = raw.p + k + hlen;
	ps.len = raw.len - k - hlen;
	return emit_uri(t, x, out, us, hs, ps, res);
}

/* RFC 7247 §6.5 through the table, into out; a room rule as a domain
 * rule. */
int
xlate_xmpp_to_sip(const struct map_table *t, const char *jid, size_t len,
    struct obuf *out, struct xlate *x)
{
	char dom[JID_PART_MAX + 1], raw[2 * JID_PART_MAX + 2];
	const struct map_rule *r;
	struct jid_view v;
	struct obuf db, rb;
	struct span rs, hs, none = { "", 0 };

	memset(x, 0, sizeof(*x));
	if (jid_view_parse(jid, len, &v) == -1)
		return refuse(x, MAP_MALFORMED, "not a valid JID");
	if (v.local.p == NULL)
		return refuse(x, MAP_NO_RULE, "the JID has no localpart");
	obuf_init(&db, dom, sizeof(dom));
	put_lower(&db, v.domain.p, v.domain.len);

	if ((r = find_xmpp_user(t, v.local.p, v.local.len, db.p,
	    db.len)) != NULL) {
		x->rule = r;
		obuf_put(out, t->arena + r->uri, r->uri_len);
		if (v.resource.p != NULL) {
			obuf_puts(out, ";gr=");
			pct_encode_param(v.resource.p, v.resource.len, out);
		}
		if (out->full)
			return refuse(x, MAP_MALFORMED, "resulting URI longer "
			    "than %d bytes", MAP_URI_MAX);
		return MAP_OK;
	}

	r = table_find_domain(t, SIDE_XMPP, db.p, db.len);
	if (r == NULL && (r = table_embed(t)) != NULL)
		x->last_resort = 1;
	if (r == NULL)
		return refuse(x, MAP_NO_RULE, "no rule maps this XMPP domain");
	x->rule = r;
	obuf_init(&rb, raw, sizeof(raw));
	if (local_xmpp_to_raw(v.local.p, v.local.len, &rb) == -1)
		return refuse(x, MAP_MALFORMED, "the localpart is not in "
		    "canonical XEP-0106 form");
	rs.p = rb.p;
	rs.len = rb.len;
	if (r->kind == RULE_DOMAIN || r->kind == RULE_ROOM) {
		hs = rule_key(t, r, SIDE_SIP);
		return emit_uri(t, x, out, rs, hs, none, v.resource);
	}
	if (!x->last_resort)
		return embedded_uri(t, x, out, rs, v.resource);

	/* The embed rule's last resort: local@domain becomes the user. */
	obuf_putc(&rb, '@');
	obuf_put(&rb, db.p, db.len);
	if (rb.full)
		return refuse(x, MAP_MALFORMED, "resulting URI too long");
	rs.len = rb.len;
	hs = rule_key(t, r, SIDE_SIP);
	return emit_uri(t, x, out, rs, hs, none, v.resource);
}

/* Copies the reason into *cause if the caller wants it. */
static void
set_cause(char **cause, const struct xlate *x)
{
	if (cause != NULL)
		*cause = strdup(x->why);
}

/* A room rule's address is no user's: the callers that carry a user's
 * message or presence must not send it to a room unawares (a groupchat
 * is joined, not written to), so they get MAP_ROOM and the reason. */
static int
not_a_user(struct xlate *x)
{
	return refuse(x, MAP_ROOM, "a room address (room rule at line %u), "
	    "not a user", x->rule->line);
}

/* Translates a SIP URI (RFC 7247 §6.4) into a JID string. */
int
map_sip_to_xmpp(const struct map_table *table, const char *uri,
    char **jid_out, char **cause)
{
	char buf[JID_MAX + 1];
	struct xlate x;
	struct obuf ob;
	int rc;

	*jid_out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (table == NULL || uri == NULL)
		return MAP_NO_RULE;
	obuf_init(&ob, buf, sizeof(buf));
	rc = xlate_sip_to_xmpp(table, uri, strnlen(uri, MAP_URI_MAX + 1), &ob,
	    &x);
	if (rc == MAP_OK && x.rule->kind == RULE_ROOM)
		rc = not_a_user(&x);
	if (rc != MAP_OK) {
		set_cause(cause, &x);
		return rc;
	}
	if ((*jid_out = strdup(buf)) == NULL)
		return MAP_NOMEM;
	return MAP_OK;
}

/* Translates a JID (RFC 7247 §6.5) into a sip: URI string. */
int
map_xmpp_to_sip(const struct map_table *table, const char *jid,
    char **uri_out, char **cause)
{
	char buf[MAP_URI_MAX + 1];
	struct xlate x;
	struct obuf ob;
	int rc;

	*uri_out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (table == NULL || jid == NULL)
		return MAP_NO_RULE;
	obuf_init(&ob, buf, sizeof(buf));
	rc = xlate_xmpp_to_sip(table, jid, strnlen(jid, JID_MAX + 1), &ob, &x);
	if (rc == MAP_OK && x.rule->kind == RULE_ROOM)
		rc = not_a_user(&x);
	if (rc != MAP_OK) {
		set_cause(cause, &x);
		return rc;
	}
	if ((*uri_out = strdup(buf)) == NULL)
		return MAP_NOMEM;
	return MAP_OK;
}

/* Tells whether a SIP host is one the table speaks for: a domain rule's,
 * the embed rule's gateway domain, or the host of some user rule. The
 * embed rule's last resort does not count. host may be an IPv6 address
 * with or without brackets. */
int
map_sip_domain_is_mapped(const struct map_table *table, const char *host)
{
	char buf[MAP_HOST_MAX + 3];
	struct obuf ob;
	size_t len;

	if (table == NULL || host == NULL)
		return 0;
	len = strnlen(host, MAP_HOST_MAX + 1);
	obuf_init(&ob, buf, sizeof(buf));
	if (host[0] != '[' && memchr(host, ':', len) != NULL) {
		obuf_putc(&ob, '[');
		put_lower(&ob, host, len);
		obuf_putc(&ob, ']');
	} else
		put_lower(&ob, host, len);
	if (ob.full || ob.len == 0)
		return 0;
	return table_find_domain(table, SIDE_SIP, ob.p, ob.len) != NULL ||
	    table_has_user_host(table, ob.p, ob.len);
}

/* Short name of a map_result, for logs. */
const char *
map_result_name(int result)
{
	switch (result) {
	case MAP_OK:
		return "ok";
	case MAP_NO_RULE:
		return "no-rule";
	case MAP_MALFORMED:
		return "malformed";
	case MAP_SIPS:
		return "sips";
	case MAP_NOMEM:
		return "out-of-memory";
	case MAP_ROOM:
		return "room";
	}
	return "unknown";
}

/* Case-insensitive prefix test. */
static int
has_prefix(const char *s, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i] != '\0'; i++)
		if (ascii_lower(s[i]) != prefix[i])
			return 0;
	return 1;
}

/* Turns "xmpp:" addresses (RFC 5122) into plain JIDs: drops the scheme
 * and any ?query, and percent-decodes. Returns 0 or -1. */
static int
xmpp_uri_to_jid(const char *s, struct obuf *ob)
{
	size_t len;

	s += 5;
	if (s[0] == '/' && s[1] == '/')
		return -1;		/* an authority: not an address */
	len = strcspn(s, "?#");
	if (len > JID_MAX)
		return -1;
	return pct_decode_into(s, len, ob);
}

/* Appends "a" and "b" to the malloc'ed *desc; frees it on failure. */
static int
append(char **desc, const char *a, const char *b)
{
	char *tmp = NULL;

	if (asprintf(&tmp, "%s%s%s", *desc, a, b) == -1) {
		free(*desc);
		*desc = NULL;
		return -1;
	}
	free(*desc);
	*desc = tmp;
	return 0;
}

/* Says what a room rule's address is, from the JID it maps to:
 * " (room R)" or " (occupant "NICK" of room R)". */
static int
note_room(char **desc, const char *jid)
{
	char room[JID_MAX + 1];
	const char *slash = strchr(jid, '/');
	size_t len = slash != NULL ? (size_t)(slash - jid) : strlen(jid);

	memcpy(room, jid, len);
	room[len] = '\0';
	if (slash == NULL)
		return append(desc, " (room ", room) == -1 ||
		    append(desc, ")", "") == -1 ? -1 : 0;
	return append(desc, " (occupant \"", slash + 1) == -1 ||
	    append(desc, "\" of room ", room) == -1 ||
	    append(desc, ")", "") == -1 ? -1 : 0;
}

/* For a room address that does not translate, the room lookup's own
 * reason (of the nick, of a missing room name) replaces the general
 * one, where there is one and memory for it. */
static void
room_cause(const struct map_table *t, int from_sip, const char *in,
    struct xlate *x)
{
	struct map_room r;
	char *why = NULL;

	if ((from_sip ? map_room_from_sip(t, in, &r, &why) :
	    map_room_from_xmpp(t, in, &r, &why)) == MAP_OK) {
		map_room_clear(&r);
		return;
	}
	if (why != NULL)
		snprintf(x->why, sizeof(x->why), "%s", why);
	free(why);
}

/* For operators (sipxmppd --map ADDRESS): translates a SIP URI (sip:,
 * sips:, im:, pres:) or a JID (bare, or as an xmpp: URI) and says which
 * rule did it. On success *result and *rule are set; on failure *cause
 * is, and *rule too when a rule was tried. All three are malloc'ed. */
int
map_explain(const struct map_table *t, const char *address, char **result,
    char **rule, char **cause)
{
	char buf[JID_MAX + MAP_URI_MAX + 2], jbuf[JID_MAX + 1];
	const char *in = address;
	struct xlate x, back;
	struct obuf ob, jb;
	char *desc = NULL;
	int rc, from_sip;

	*result = *rule = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (t == NULL || address == NULL)
		return MAP_NO_RULE;
	obuf_init(&ob, buf, sizeof(buf));
	from_sip = has_prefix(address, "sip:") || has_prefix(address,
	    "sips:") || has_prefix(address, "im:") || has_prefix(address,
	    "pres:");
	if (from_sip)
		rc = xlate_sip_to_xmpp(t, address, strnlen(address,
		    MAP_URI_MAX + 1), &ob, &x);
	else {
		if (has_prefix(address, "xmpp:")) {
			obuf_init(&jb, jbuf, sizeof(jbuf));
			if (xmpp_uri_to_jid(address, &jb) == -1) {
				memset(&x, 0, sizeof(x));
				rc = refuse(&x, MAP_MALFORMED, "not a valid "
				    "xmpp: URI");
				goto done;
			}
			in = jb.p;
		}
		rc = xlate_xmpp_to_sip(t, in, strnlen(in, JID_MAX + 1), &ob, &x);
	}
done:
	if (x.rule != NULL) {
		if ((desc = table_rule_describe(t, x.rule)) == NULL)
			return MAP_NOMEM;
		if (x.last_resort && append(&desc, " (last-resort form)",
		    "") == -1)
			return MAP_NOMEM;
		if (x.percent && append(&desc, " (the \"%\" form: user%host, "
		    "for user@host)", "") == -1)
			return MAP_NOMEM;
		if (rc == MAP_OK && x.rule->kind == RULE_ROOM) {
			/* Named by the JID the SIP side maps to. */
			obuf_init(&jb, jbuf, sizeof(jbuf));
			if (!from_sip && xlate_sip_to_xmpp(t, buf, strlen(buf),
			    &jb, &back) != MAP_OK)
				obuf_puts(&jb, in);
			if (note_room(&desc, from_sip ? buf : jb.p) == -1)
				return MAP_NOMEM;
		}
		*rule = desc;
	}
	if (rc != MAP_OK) {
		room_cause(t, from_sip, in, &x);
		set_cause(cause, &x);
		return rc;
	}
	if ((*result = strdup(buf)) == NULL) {
		free(*rule);
		*rule = NULL;
		return MAP_NOMEM;
	}
	return MAP_OK;
}
