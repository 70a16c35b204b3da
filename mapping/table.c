/*
 * The rule table (sipxmpp-mapping(5)): what each line means, the table's
 * layout (an arena of strings, the rules, the hash indexes) and the
 * lookups. A table is immutable once built; table_build.c drives the
 * lines through here, in one go or in slices.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

#define MAX_FIELDS	8

/* Separators accepted by "embed ... separator=C": characters a SIP user
 * part carries unescaped and a domain never contains. */
static const char separators[] = "*!~$+=";

/* Sets *cause to "NAME:LINE: reason" (or "NAME: reason" outside any
 * line) and returns -1. */
int
table_fail(struct table_parser *ps, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	if (ps->cause == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->line > 0)
		n = asprintf(ps->cause, "%s:%u: %s", ps->name, ps->line, msg);
	else
		n = asprintf(ps->cause, "%s: %s", ps->name, msg);
	if (n == -1)
		*ps->cause = NULL;
	return -1;
}

/* Copies s into the arena, NUL-terminated; its offset goes to *off. */
static int
arena_add(struct map_table *t, const char *s, size_t len, uint32_t *off)
{
	size_t need = t->arena_len + len + 1, cap;
	char *p;

	if (need > UINT32_MAX)
		return -1;
	if (need > t->arena_cap) {
		cap = t->arena_cap > 0 ? t->arena_cap : 4096;
		while (cap < need)
			cap *= 2;
		if ((p = realloc(t->arena, cap)) == NULL)
			return -1;
		t->arena = p;
		t->arena_cap = cap;
	}
	memcpy(t->arena + t->arena_len, s, len);
	t->arena[t->arena_len + len] = '\0';
	*off = (uint32_t)t->arena_len;
	t->arena_len = need;
	return 0;
}

/* Appends a rule slot and returns it, or NULL when out of memory. */
static struct map_rule *
rule_new(struct map_table *t)
{
	struct map_rule *r;
	size_t cap;

	if (t->nrules == t->rules_cap) {
		cap = t->rules_cap > 0 ? t->rules_cap * 2 : 64;
		if (cap > UINT32_MAX - 1 ||
		    (r = reallocarray(t->rules, cap, sizeof(*r))) == NULL)
			return NULL;
		t->rules = r;
		t->rules_cap = cap;
	}
	r = &t->rules[t->nrules];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Copies both keys of a domain or embed rule into the arena. */
static int
store_keys(struct map_table *t, struct map_rule *r, const struct span *key)
{
	int side;

	for (side = 0; side < 2; side++) {
		if (arena_add(t, key[side].p, key[side].len,
		    &r->key[side]) == -1)
			return -1;
		r->key_len[side] = (uint32_t)key[side].len;
	}
	return 0;
}

/* Indexes rule r (the last one rule_new returned, its keys stored)
 * under the given hashes of its keys; the table then owns it. */
static int
rule_commit(struct map_table *t, struct strindex *ix, const uint32_t *hash)
{
	uint32_t id = (uint32_t)t->nrules + 1;
	int side;

	for (side = 0; side < 2; side++)
		if (strindex_insert(&ix[side], hash[side], id) == -1)
			return -1;
	t->nrules++;
	return 0;
}

/* Appends s lowercased (ASCII): domain names compare case-insensitively.
 * Like obuf_put, all of it or nothing and "full". */
static void
put_lower(struct obuf *ob, const char *s, size_t len)
{
	char *d;
	size_t i;

	if (ob->full || len >= ob->cap - ob->len) {
		ob->full = 1;
		return;
	}
	d = ob->p + ob->len;
	for (i = 0; i < len; i++)
		d[i] = ascii_lower(s[i]);
	ob->len += len;
	ob->p[ob->len] = '\0';
}

/*
 * Stores a user rule's strings. Most rules need neither escaping nor
 * case folding: then the URI "sip:" + key holds the SIP key, and the JID
 * is the XMPP key, so each is stored once and the arena stays near the
 * size of the text.
 */
static int
store_user(struct map_table *t, struct map_rule *r, const struct obuf *sb,
    const struct obuf *xb, const struct obuf *jb, const struct obuf *rb)
{
	static const size_t scheme_len = sizeof("sip:") - 1;

	if (arena_add(t, rb->p, rb->len, &r->uri) == -1)
		return -1;
	if (rb->len == sb->len + scheme_len &&
	    memcmp(rb->p + scheme_len, sb->p, sb->len) == 0)
		r->key[SIDE_SIP] = r->uri + (uint32_t)scheme_len;
	else if (arena_add(t, sb->p, sb->len, &r->key[SIDE_SIP]) == -1)
		return -1;
	if (arena_add(t, xb->p, xb->len, &r->key[SIDE_XMPP]) == -1)
		return -1;
	if (jb->len == xb->len && memcmp(jb->p, xb->p, xb->len) == 0)
		r->jid = r->key[SIDE_XMPP];
	else if (arena_add(t, jb->p, jb->len, &r->jid) == -1)
		return -1;
	r->key_len[SIDE_SIP] = (uint32_t)sb->len;
	r->key_len[SIDE_XMPP] = (uint32_t)xb->len;
	r->uri_len = (uint32_t)rb->len;
	r->jid_len = (uint32_t)jb->len;
	return 0;
}

/* Remembers the SIP host (SIDE_HOST) or the XMPP domain (SIDE_XHOST)
 * of user rule id - 1 once, for map_sip_domain_is_mapped() and for the
 * room rules, whose domains no user rule may share. Consecutive rules
 * mostly share a domain, so the last one seen is checked before the
 * index. */
static int
note_user_domain(struct table_parser *ps, uint32_t id, int side)
{
	struct map_table *t = ps->t;
	struct strindex *ix = side == SIDE_HOST ? &t->user_hosts :
	    &t->user_xdomains;
	uint32_t *last_id = &ps->last_host[side == SIDE_HOST ? 0 : 1];
	struct span host = rule_key(t, &t->rules[id - 1], side), last;
	uint32_t hash;

	if (*last_id != 0) {
		last = rule_key(t, &t->rules[*last_id - 1], side);
		if (last.len == host.len && memcmp(last.p, host.p,
		    host.len) == 0)
			return 0;
	}
	*last_id = id;
	hash = strindex_hash(host.p, host.len);
	if (strindex_find(ix, t, side, host.p, host.len, hash) != 0)
		return 0;
	return strindex_insert(ix, hash, id);
}

/* Refuses a user rule in the domain of a room rule: the address would
 * be a user and a room at once. Only looked up once there are rooms. */
static int
user_in_room_domain(struct table_parser *ps, const struct span *key)
{
	static const char *const side_name[2] = { "SIP address", "JID" };
	const struct map_table *t = ps->t;
	const struct map_rule *r;
	const char *at;
	int side;

	if (t->nrooms == 0)
		return 0;
	for (side = 0; side < 2; side++) {
		/* The last @ of the SIP key: the decoded user may hold one. */
		at = key[side].p + key[side].len;
		while (at[-1] != '@')
			at--;
		r = table_find_domain(t, side, at, key[side].len -
		    (size_t)(at - key[side].p));
		if (r != NULL && r->kind == RULE_ROOM)
			return table_fail(ps, "the %s is in the domain of the "
			    "room rule at line %u: a room address cannot be "
			    "a user", side_name[side], r->line);
	}
	return 0;
}

/* user SIP-URI JID: one address-of-record <-> one bare JID. */
static int
parse_user(struct table_parser *ps, const struct span *f)
{
	char user[MAP_URI_MAX + 1], skey[2 * MAP_URI_MAX + 2];
	char xkey[JID_MAX + 1], jid[JID_MAX + 1], uri[4 * MAP_URI_MAX];
	struct map_table *t = ps->t;
	const struct map_rule *old;
	struct map_rule *r;
	struct sip_view sv;
	struct jid_view jv;
	struct obuf ub, sb, xb, jb, rb;
	struct span key[2];
	uint32_t hash[2], id;

	if (sip_view_parse(f[1].p, f[1].len, &sv) == -1)
		return table_fail(ps, "invalid SIP URI");
	if (sv.scheme == SCHEME_SIPS)
		return table_fail(ps,
		    "sips: URIs cannot be mapped (RFC 7247 §8)");
	if (sv.scheme != SCHEME_SIP)
		return table_fail(ps, "user rules take sip: URIs");
	if (sv.user.p == NULL)
		return table_fail(ps, "SIP URI has no user part");
	if (sv.port != 0 || sv.has_params || sv.has_headers)
		return table_fail(ps, "the SIP URI of a user rule takes no "
		    "port, parameters or headers");
	obuf_init(&ub, user, sizeof(user));
	if (pct_decode_into(sv.user.p, sv.user.len, &ub) == -1 ||
	    !utf8_valid(ub.p, ub.len))
		return table_fail(ps,
		    "SIP user part is not UTF-8 text once decoded");
	if (jid_view_parse(f[2].p, f[2].len, &jv) == -1)
		return table_fail(ps, "invalid JID");
	if (jv.local.p == NULL)
		return table_fail(ps, "JID has no localpart");
	if (jv.resource.p != NULL)
		return table_fail(ps,
		    "the JID of a user rule takes no resource");

	obuf_init(&sb, skey, sizeof(skey));
	obuf_put(&sb, ub.p, ub.len);
	obuf_putc(&sb, '@');
	put_lower(&sb, sv.host.p, sv.host.len);
	obuf_init(&xb, xkey, sizeof(xkey));
	put_lower(&xb, jv.local.p, jv.local.len);
	obuf_putc(&xb, '@');
	put_lower(&xb, jv.domain.p, jv.domain.len);
	if (sb.full || xb.full)
		return table_fail(ps, "rule too long");
	/* The lowercase domain and host, from the keys just made. */
	obuf_init(&jb, jid, sizeof(jid));
	obuf_put(&jb, jv.local.p, jv.local.len);
	obuf_put(&jb, xb.p + jv.local.len, xb.len - jv.local.len);
	obuf_init(&rb, uri, sizeof(uri));
	obuf_puts(&rb, "sip:");
	pct_encode_user(ub.p, ub.len, &rb);
	obuf_put(&rb, sb.p + ub.len, sb.len - ub.len);
	if (jb.full || rb.full)
		return table_fail(ps, "rule too long");

	hash[SIDE_SIP] = strindex_hash(sb.p, sb.len);
	hash[SIDE_XMPP] = strindex_hash(xb.p, xb.len);
	if ((id = strindex_find(&t->users[SIDE_SIP], t, SIDE_SIP, sb.p, sb.len,
	    hash[SIDE_SIP])) != 0) {
		old = &t->rules[id - 1];
		if (old->key_len[SIDE_XMPP] == xb.len &&
		    memcmp(t->arena + old->key[SIDE_XMPP], xb.p, xb.len) == 0)
			return table_fail(ps, "duplicate of line %u",
			    old->line);
		return table_fail(ps, "SIP address already mapped at line %u",
		    old->line);
	}
	if ((id = strindex_find(&t->users[SIDE_XMPP], t, SIDE_XMPP, xb.p,
	    xb.len, hash[SIDE_XMPP])) != 0)
		return table_fail(ps, "JID already mapped at line %u",
		    t->rules[id - 1].line);
	key[SIDE_SIP].p = sb.p;
	key[SIDE_SIP].len = sb.len;
	key[SIDE_XMPP].p = xb.p;
	key[SIDE_XMPP].len = xb.len;
	if (user_in_room_domain(ps, key) == -1)
		return -1;

	if ((r = rule_new(t)) == NULL)
		return table_fail(ps, "out of memory");
	r->kind = RULE_USER;
	r->line = ps->line;
	r->host_at = (uint32_t)ub.len + 1;
	if (store_user(t, r, &sb, &xb, &jb, &rb) == -1 ||
	    rule_commit(t, t->users, hash) == -1 ||
	    note_user_domain(ps, (uint32_t)t->nrules, SIDE_HOST) == -1 ||
	    note_user_domain(ps, (uint32_t)t->nrules, SIDE_XHOST) == -1)
		return table_fail(ps, "out of memory");
	return 0;
}

/* Reads "jid_form=escaped|percent": the form of the localpart the
 * embed rule writes for a SIP address no other rule maps (both forms
 * are read whatever is written). 1 if opt was no jid_form option. */
static int
parse_jid_form(struct table_parser *ps, struct span opt, int *form)
{
	static const char prefix[] = "jid_form=";
	size_t plen = sizeof(prefix) - 1;
	struct span v;

	if (opt.len < plen || memcmp(opt.p, prefix, plen) != 0)
		return 1;
	if (*form != -1)
		return table_fail(ps, "embed option jid_form given twice");
	v.p = opt.p + plen;
	v.len = opt.len - plen;
	if (v.len == 7 && memcmp(v.p, "escaped", 7) == 0)
		*form = 0;
	else if (v.len == 7 && memcmp(v.p, "percent", 7) == 0)
		*form = 1;
	else
		return table_fail(ps, "jid_form must be escaped or percent");
	return 0;
}

/* Reads one option of an embed rule: "separator=C", "jid_form=F", or
 * one of the allow_* words of embed_policy.c, each at most once. */
static int
parse_embed_option(struct table_parser *ps, struct span opt, char *sep,
    unsigned *allow, int *form)
{
	static const char prefix[] = "separator=";
	size_t plen = sizeof(prefix) - 1;
	unsigned flag;
	int rc;

	if ((flag = embed_option_flag(opt.p, opt.len)) != 0) {
		if (*allow & flag)
			return table_fail(ps, "embed option %.*s given twice",
			    (int)opt.len, opt.p);
		*allow |= flag;
		return 0;
	}
	if ((rc = parse_jid_form(ps, opt, form)) != 1)
		return rc;
	if (opt.len < plen || memcmp(opt.p, prefix, plen) != 0)
		return table_fail(ps, "unknown embed option (expected "
		    "separator=C, jid_form=escaped|percent, allow_ports, "
		    "allow_ip_literals or allow_private)");
	if (*sep != 0)
		return table_fail(ps, "embed option separator given twice");
	if (opt.len != plen + 1 || opt.p[plen] == '\0' ||
	    strchr(separators, opt.p[plen]) == NULL)
		return table_fail(ps,
		    "separator must be one character of \"%s\"", separators);
	*sep = opt.p[plen];
	return 0;
}

/* The keyword of a rule kind, for messages. */
static const char *
kind_name(enum rule_kind kind)
{
	switch (kind) {
	case RULE_USER:
		return "user";
	case RULE_DOMAIN:
		return "domain";
	case RULE_EMBED:
		return "embed";
	case RULE_ROOM:
		return "room";
	}
	return "?";
}

/* Refuses a room rule whose domains some user rule already uses: its
 * addresses would be users and rooms at once. */
static int
room_has_users(struct table_parser *ps, const struct span *key)
{
	const struct map_table *t = ps->t;
	uint32_t id;

	id = strindex_find(&t->user_hosts, t, SIDE_HOST, key[SIDE_SIP].p,
	    key[SIDE_SIP].len, strindex_hash(key[SIDE_SIP].p,
	    key[SIDE_SIP].len));
	if (id != 0)
		return table_fail(ps, "SIP domain already used by the user "
		    "rule at line %u: a room address cannot be a user",
		    t->rules[id - 1].line);
	id = strindex_find(&t->user_xdomains, t, SIDE_XHOST, key[SIDE_XMPP].p,
	    key[SIDE_XMPP].len, strindex_hash(key[SIDE_XMPP].p,
	    key[SIDE_XMPP].len));
	if (id != 0)
		return table_fail(ps, "XMPP domain already used by the user "
		    "rule at line %u: a room address cannot be a user",
		    t->rules[id - 1].line);
	return 0;
}

/* domain SIP-DOMAIN XMPP-DOMAIN,
 * embed SIP-GATEWAY-DOMAIN XMPP-GATEWAY-DOMAIN [OPTION...], and
 * room SIP-DOMAIN MUC-DOMAIN. Each domain belongs to at most one of
 * these rules, so that every address has exactly one way across and
 * the way back is the same; a room rule's domains also belong to no
 * user rule, so that an address is a room or a user, never both. */
static int
parse_domains(struct table_parser *ps, const struct span *f, size_t n,
    enum rule_kind kind)
{
	static const char *const side_name[2] = { "SIP", "XMPP" };
	char sdom[MAP_HOST_MAX + 1], xdom[JID_PART_MAX + 1], sep = 0;
	unsigned allow = 0;
	int form = -1;
	struct map_table *t = ps->t;
	const struct map_rule *old;
	struct map_rule *r;
	struct obuf sb, xb;
	struct span key[2], xd = f[2];
	uint32_t hash[2], id;
	int side;

	if (!sip_host_valid(f[1].p, f[1].len))
		return table_fail(ps, "invalid SIP domain%s", memchr(f[1].p,
		    ':', f[1].len) != NULL ? " (write a domain, not a URI)" :
		    "");
	if (xd.len > 1 && xd.p[xd.len - 1] == '.')
		xd.len--;		/* RFC 7622 §3.2 */
	if (!jid_domain_valid(xd.p, xd.len))
		return table_fail(ps, "invalid XMPP domain");
	if (kind == RULE_EMBED) {
		if (t->embed >= 0)
			return table_fail(ps, "only one embed rule is allowed "
			    "(see line %u)", t->rules[t->embed].line);
		for (size_t i = 3; i < n; i++)
			if (parse_embed_option(ps, f[i], &sep, &allow,
			    &form) == -1)
				return -1;
	}
	obuf_init(&sb, sdom, sizeof(sdom));
	put_lower(&sb, f[1].p, f[1].len);
	obuf_init(&xb, xdom, sizeof(xdom));
	put_lower(&xb, xd.p, xd.len);
	key[SIDE_SIP].p = sb.p;
	key[SIDE_SIP].len = sb.len;
	key[SIDE_XMPP].p = xb.p;
	key[SIDE_XMPP].len = xb.len;
	for (side = 0; side < 2; side++) {
		hash[side] = strindex_hash(key[side].p, key[side].len);
		id = strindex_find(&t->domains[side], t, side, key[side].p,
		    key[side].len, hash[side]);
		if (id == 0)
			continue;
		old = &t->rules[id - 1];
		if (old->kind == kind && old->key_len[!side] ==
		    key[!side].len && memcmp(t->arena + old->key[!side],
		    key[!side].p, key[!side].len) == 0)
			return table_fail(ps, "duplicate of line %u",
			    old->line);
		if (old->kind == RULE_ROOM || kind == RULE_ROOM)
			return table_fail(ps, "%s domain already used by the "
			    "%s rule at line %u: a room domain is a domain of "
			    "its own", side_name[side], kind_name(old->kind),
			    old->line);
		return table_fail(ps, "%s domain already used at line %u",
		    side_name[side], old->line);
	}
	if (kind == RULE_ROOM && room_has_users(ps, key) == -1)
		return -1;

	if ((r = rule_new(t)) == NULL)
		return table_fail(ps, "out of memory");
	r->kind = kind;
	r->line = ps->line;
	r->sep = sep;
	r->allow = (unsigned char)allow;
	r->percent = form == 1;
	if (store_keys(t, r, key) == -1 ||
	    rule_commit(t, t->domains, hash) == -1)
		return table_fail(ps, "out of memory");
	if (kind == RULE_EMBED)
		t->embed = (long)(t->nrules - 1);
	if (kind == RULE_ROOM)
		t->nrooms++;
	return 0;
}

/* Tells whether one of the 8 bytes at s is a space or a tab: a byte
 * equal to c is a zero byte of the word XOR c repeated, and (v - 0x01
 * repeated) & ~v has the high bit of some byte set exactly when v has a
 * zero byte. */
static int
blank_in_word(const char *s)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t highs = 0x8080808080808080u;
	uint64_t w, sp, tab;

	memcpy(&w, s, sizeof(w));
	sp = w ^ (ones * ' ');
	tab = w ^ (ones * '\t');
	return ((((sp - ones) & ~sp) | ((tab - ones) & ~tab)) & highs) != 0;
}

/* Splits a line into whitespace-separated fields; a field that starts
 * with # starts a comment (so a # inside a JID, as in IRC gateway
 * addresses, is kept). Returns the number of fields, or -1 if more
 * than max. */
static int
split_fields(const char *s, size_t len, struct span *f, size_t max)
{
	size_t i = 0, n = 0, start;

	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len || s[i] == '#')
			return (int)n;
		if (n == max)
			return -1;
		start = i;
		while (len - i >= 8 && !blank_in_word(s + i))
			i += 8;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		f[n].p = s + start;
		f[n].len = i - start;
		n++;
	}
}

/* Tells whether a keyword is safe to quote back in an error message. */
static int
printable(struct span s)
{
	size_t i;

	if (s.len > 32)
		return 0;
	for (i = 0; i < s.len; i++)
		if (s.p[i] < 0x21 || s.p[i] > 0x7e)
			return 0;
	return 1;
}

/* Sizes the table for text of len bytes, lines lines, users of them
 * user rules, so that the parse never copies a growing array or
 * rehashes an index (see bigmem.c for the memory). The indexes are
 * backed at once, being written at random. A table built in one go
 * gets huge pages and all its arrays backed at once; one built in
 * slices lets its pages fault in a few at a time. */
int
table_presize(struct map_table *t, size_t len, size_t lines, size_t users,
    int in_one_go)
{
	size_t cap, bytes;
	int side;

	if (lines > SIZE_MAX / sizeof(*t->rules))
		return -1;
	if (lines > 0 && (t->rules = big_alloc(lines * sizeof(*t->rules),
	    in_one_go)) == NULL)
		return -1;
	t->rules_cap = lines;
	/* Twice the text holds the strings of any rules (each string of a
	 * rule is at most as long as the field it comes from); the usual
	 * rules, stored once (store_user), take about the size of the text,
	 * so only that much is backed in advance. */
	t->arena_cap = 2 * len + 4096;
	if ((t->arena = big_alloc(t->arena_cap, in_one_go)) == NULL)
		return -1;
	for (cap = 16; cap < 2 * users; cap *= 2)
		;
	bytes = cap * sizeof(struct strindex_slot);
	for (side = 0; side < 2 && users > 0; side++) {
		if ((t->users[side].slots = big_alloc(bytes,
		    in_one_go)) == NULL)
			return -1;
		big_populate(t->users[side].slots, bytes);
		memset(t->users[side].slots, 0, bytes);
		t->users[side].mask = (uint32_t)cap - 1;
	}
	if (in_one_go) {
		big_populate(t->rules, lines * sizeof(*t->rules));
		big_populate(t->arena, len);
	}
	return 0;
}

/* Parses one line (without its newline). */
int
table_parse_line(struct table_parser *ps, const char *s, size_t len)
{
	struct span f[MAX_FIELDS];
	int n;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if ((n = split_fields(s, len, f, MAX_FIELDS)) == -1)
		return table_fail(ps, "too many fields");
	if (n == 0)
		return 0;
	if (f[0].len == 4 && memcmp(f[0].p, "user", 4) == 0) {
		if (n != 3)
			return table_fail(ps, "user takes 2 fields "
			    "(SIP-URI JID), not %d", n - 1);
		return parse_user(ps, f);
	}
	if (f[0].len == 6 && memcmp(f[0].p, "domain", 6) == 0) {
		if (n != 3)
			return table_fail(ps, "domain takes 2 fields "
			    "(SIP-DOMAIN XMPP-DOMAIN), not %d", n - 1);
		return parse_domains(ps, f, (size_t)n, RULE_DOMAIN);
	}
	if (f[0].len == 5 && memcmp(f[0].p, "embed", 5) == 0) {
		if (n < 3)
			return table_fail(ps, "embed takes 2 fields and "
			    "options (SIP-DOMAIN XMPP-DOMAIN [separator=C] "
			    "[jid_form=escaped|percent] [allow_ports] [allow_ip_literals] "
			    "[allow_private]), not %d", n - 1);
		return parse_domains(ps, f, (size_t)n, RULE_EMBED);
	}
	if (f[0].len == 4 && memcmp(f[0].p, "room", 4) == 0) {
		if (n != 3)
			return table_fail(ps, "room takes 2 fields "
			    "(SIP-DOMAIN MUC-DOMAIN), not %d", n - 1);
		return parse_domains(ps, f, (size_t)n, RULE_ROOM);
	}
	if (printable(f[0]))
		return table_fail(ps, "unknown keyword \"%.*s\" (expected "
		    "user, domain, embed or room)", (int)f[0].len, f[0].p);
	return table_fail(ps,
	    "unknown keyword (expected user, domain, embed or room)");
}

/* Frees a table (NULL is fine). */
void
map_table_free(struct map_table *t)
{
	int side;

	if (t == NULL)
		return;
	for (side = 0; side < 2; side++) {
		strindex_free(&t->users[side]);
		strindex_free(&t->domains[side]);
	}
	strindex_free(&t->user_hosts);
	strindex_free(&t->user_xdomains);
	free(t->rules);
	free(t->arena);
	free(t->name);
	free(t);
}

/* Number of rules in the table. */
size_t
map_table_size(const struct map_table *t)
{
	return t != NULL ? t->nrules : 0;
}

/* Finds the user rule whose SIDE_* key is key. */
const struct map_rule *
table_find_user(const struct map_table *t, int side, const char *key,
    size_t len)
{
	uint32_t id;

	id = strindex_find(&t->users[side], t, side, key, len,
	    strindex_hash(key, len));
	return id != 0 ? &t->rules[id - 1] : NULL;
}

/* Finds the domain or embed rule for a lowercase domain of one side. */
const struct map_rule *
table_find_domain(const struct map_table *t, int side, const char *domain,
    size_t len)
{
	uint32_t id;

	id = strindex_find(&t->domains[side], t, side, domain, len,
	    strindex_hash(domain, len));
	return id != 0 ? &t->rules[id - 1] : NULL;
}

/* Tells whether some user rule has an address at this lowercase host. */
int
table_has_user_host(const struct map_table *t, const char *host, size_t len)
{
	return strindex_find(&t->user_hosts, t, SIDE_HOST, host, len,
	    strindex_hash(host, len)) != 0;
}

/* Tells whether some user rule has a JID in this lowercase domain. */
int
table_has_user_xdomain(const struct map_table *t, const char *domain,
    size_t len)
{
	return strindex_find(&t->user_xdomains, t, SIDE_XHOST, domain, len,
	    strindex_hash(domain, len)) != 0;
}

/* The embed rule, or NULL. */
const struct map_rule *
table_embed(const struct map_table *t)
{
	return t->embed >= 0 ? &t->rules[t->embed] : NULL;
}

/* Describes a rule for operators: "NAME:LINE: domain a.example b.example".
 * Returns a malloc'ed string or NULL. */
char *
table_rule_describe(const struct map_table *t, const struct map_rule *r)
{
	char *out = NULL;
	int n = -1;

	switch (r->kind) {
	case RULE_USER:
		n = asprintf(&out, "%s:%u: user %s %s", t->name, r->line,
		    t->arena + r->uri, t->arena + r->jid);
		break;
	case RULE_DOMAIN:
	case RULE_ROOM:
		n = asprintf(&out, "%s:%u: %s %s %s", t->name, r->line,
		    kind_name(r->kind), t->arena + r->key[SIDE_SIP],
		    t->arena + r->key[SIDE_XMPP]);
		break;
	case RULE_EMBED: {
		char sep[16] = "", allow[64];

		if (r->sep != 0)
			snprintf(sep, sizeof(sep), " separator=%c", r->sep);
		embed_option_names(r->allow, allow, sizeof(allow));
		n = asprintf(&out, "%s:%u: embed %s %s%s%s%s", t->name,
		    r->line, t->arena + r->key[SIDE_SIP],
		    t->arena + r->key[SIDE_XMPP], sep,
		    r->percent ? " jid_form=percent" : "", allow);
		break;
	}
	}
	return n == -1 ? NULL : out;
}
