/*
 * The rule table (sipxmpp-mapping(5)): one rule per line, read in one
 * pass into an arena of strings and four hash indexes, immutable once
 * loaded. A table of 100,000 user rules loads in a few tens of
 * milliseconds; every error names the file and line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapping_internal.h"

#define MAX_FIELDS	5

/* Separators accepted by "embed ... separator=C": characters a SIP user
 * part carries unescaped and a domain never contains. */
static const char separators[] = "*!~$+=";

struct parser {
	struct map_table	*t;
	const char		*name;
	unsigned		 line;
	char			**cause;
};

/* Sets *cause to "NAME:LINE: reason" (or "NAME: reason" outside any
 * line) and returns -1. */
static int
fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct parser *ps, const char *fmt, ...)
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

/* Stores the two keys of rule r (the last one rule_new returned) and
 * indexes it; the table then owns it. */
static int
rule_commit(struct map_table *t, struct map_rule *r, struct strindex *ix,
    const struct span *key, const uint32_t *hash)
{
	uint32_t id = (uint32_t)t->nrules + 1;
	int side;

	for (side = 0; side < 2; side++) {
		if (arena_add(t, key[side].p, key[side].len, &r->key[side]) == -1)
			return -1;
		r->key_len[side] = (uint32_t)key[side].len;
	}
	for (side = 0; side < 2; side++)
		if (strindex_insert(&ix[side], hash[side], id) == -1)
			return -1;
	t->nrules++;
	return 0;
}

/* Appends s lowercased (ASCII): domain names compare case-insensitively. */
static void
put_lower(struct obuf *ob, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		obuf_putc(ob, ascii_lower(s[i]));
}

/* user SIP-URI JID: one address-of-record <-> one bare JID. */
static int
parse_user(struct parser *ps, const struct span *f)
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
		return fail(ps, "invalid SIP URI");
	if (sv.scheme == SCHEME_SIPS)
		return fail(ps, "sips: URIs cannot be mapped (RFC 7247 §8)");
	if (sv.scheme != SCHEME_SIP)
		return fail(ps, "user rules take sip: URIs");
	if (sv.user.p == NULL)
		return fail(ps, "SIP URI has no user part");
	if (sv.port != 0 || sv.has_params || sv.has_headers)
		return fail(ps, "the SIP URI of a user rule takes no port, "
		    "parameters or headers");
	obuf_init(&ub, user, sizeof(user));
	if (pct_decode_into(sv.user.p, sv.user.len, &ub) == -1 ||
	    !utf8_valid(ub.p, ub.len))
		return fail(ps, "SIP user part is not UTF-8 text once decoded");
	if (jid_view_parse(f[2].p, f[2].len, &jv) == -1)
		return fail(ps, "invalid JID");
	if (jv.local.p == NULL)
		return fail(ps, "JID has no localpart");
	if (jv.resource.p != NULL)
		return fail(ps, "the JID of a user rule takes no resource");

	obuf_init(&sb, skey, sizeof(skey));
	obuf_put(&sb, ub.p, ub.len);
	obuf_putc(&sb, '@');
	put_lower(&sb, sv.host.p, sv.host.len);
	obuf_init(&xb, xkey, sizeof(xkey));
	put_lower(&xb, jv.local.p, jv.local.len);
	obuf_putc(&xb, '@');
	put_lower(&xb, jv.domain.p, jv.domain.len);
	obuf_init(&jb, jid, sizeof(jid));
	obuf_put(&jb, jv.local.p, jv.local.len);
	obuf_putc(&jb, '@');
	put_lower(&jb, jv.domain.p, jv.domain.len);
	obuf_init(&rb, uri, sizeof(uri));
	obuf_puts(&rb, "sip:");
	pct_encode_user(ub.p, ub.len, &rb);
	obuf_putc(&rb, '@');
	put_lower(&rb, sv.host.p, sv.host.len);
	if (sb.full || xb.full || jb.full || rb.full)
		return fail(ps, "rule too long");

	key[SIDE_SIP].p = sb.p;
	key[SIDE_SIP].len = sb.len;
	key[SIDE_XMPP].p = xb.p;
	key[SIDE_XMPP].len = xb.len;
	hash[SIDE_SIP] = strindex_hash(sb.p, sb.len);
	hash[SIDE_XMPP] = strindex_hash(xb.p, xb.len);
	if ((id = strindex_find(&t->users[SIDE_SIP], t, SIDE_SIP, sb.p, sb.len,
	    hash[SIDE_SIP])) != 0) {
		old = &t->rules[id - 1];
		if (old->key_len[SIDE_XMPP] == xb.len &&
		    memcmp(t->arena + old->key[SIDE_XMPP], xb.p, xb.len) == 0)
			return fail(ps, "duplicate of line %u", old->line);
		return fail(ps, "SIP address already mapped at line %u",
		    old->line);
	}
	if ((id = strindex_find(&t->users[SIDE_XMPP], t, SIDE_XMPP, xb.p,
	    xb.len, hash[SIDE_XMPP])) != 0)
		return fail(ps, "JID already mapped at line %u",
		    t->rules[id - 1].line);

	if ((r = rule_new(t)) == NULL)
		return fail(ps, "out of memory");
	r->kind = RULE_USER;
	r->line = ps->line;
	r->host_at = (uint32_t)ub.len + 1;
	if (arena_add(t, jb.p, jb.len, &r->jid) == -1 ||
	    arena_add(t, rb.p, rb.len, &r->uri) == -1 ||
	    rule_commit(t, r, t->users, key, hash) == -1)
		return fail(ps, "out of memory");
	r->jid_len = (uint32_t)jb.len;
	r->uri_len = (uint32_t)rb.len;

	/* Remember the host once, for map_sip_domain_is_mapped(). */
	hash[0] = strindex_hash(sb.p + r->host_at, sb.len - r->host_at);
	if (strindex_find(&t->user_hosts, t, SIDE_HOST, sb.p + r->host_at,
	    sb.len - r->host_at, hash[0]) == 0 &&
	    strindex_insert(&t->user_hosts, hash[0], (uint32_t)t->nrules) == -1)
		return fail(ps, "out of memory");
	return 0;
}

/* Reads the option of an embed rule: "separator=C". */
static int
parse_embed_option(struct parser *ps, struct span opt, char *sep)
{
	static const char prefix[] = "separator=";
	size_t plen = sizeof(prefix) - 1;

	if (opt.len < plen || memcmp(opt.p, prefix, plen) != 0)
		return fail(ps, "unknown embed option (expected separator=C)");
	if (opt.len != plen + 1 || opt.p[plen] == '\0' ||
	    strchr(separators, opt.p[plen]) == NULL)
		return fail(ps, "separator must be one character of \"%s\"",
		    separators);
	*sep = opt.p[plen];
	return 0;
}

/* domain SIP-DOMAIN XMPP-DOMAIN, and
 * embed SIP-GATEWAY-DOMAIN XMPP-GATEWAY-DOMAIN [separator=C]. Each
 * domain belongs to at most one of these rules, so that every address
 * has exactly one way across and the way back is the same. */
static int
parse_domains(struct parser *ps, const struct span *f, size_t n,
    enum rule_kind kind)
{
	static const char *const side_name[2] = { "SIP", "XMPP" };
	char sdom[MAP_HOST_MAX + 1], xdom[JID_PART_MAX + 1], sep = 0;
	struct map_table *t = ps->t;
	const struct map_rule *old;
	struct map_rule *r;
	struct obuf sb, xb;
	struct span key[2], xd = f[2];
	uint32_t hash[2], id;
	int side;

	if (!sip_host_valid(f[1].p, f[1].len))
		return fail(ps, "invalid SIP domain%s", memchr(f[1].p, ':',
		    f[1].len) != NULL ? " (write a domain, not a URI)" : "");
	if (xd.len > 1 && xd.p[xd.len - 1] == '.')
		xd.len--;		/* RFC 7622 §3.2 */
	if (!jid_domain_valid(xd.p, xd.len))
		return fail(ps, "invalid XMPP domain");
	if (kind == RULE_EMBED) {
		if (t->embed >= 0)
			return fail(ps, "only one embed rule is allowed "
			    "(see line %u)", t->rules[t->embed].line);
		if (n == 4 && parse_embed_option(ps, f[3], &sep) == -1)
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
			return fail(ps, "duplicate of line %u", old->line);
		return fail(ps, "%s domain already used at line %u",
		    side_name[side], old->line);
	}

	if ((r = rule_new(t)) == NULL)
		return fail(ps, "out of memory");
	r->kind = kind;
	r->line = ps->line;
	r->sep = sep;
	if (rule_commit(t, r, t->domains, key, hash) == -1)
		return fail(ps, "out of memory");
	if (kind == RULE_EMBED)
		t->embed = (long)(t->nrules - 1);
	return 0;
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

/* Sizes the table for the text in one cheap pass over it, so that the
 * real pass never copies a growing array or rehashes an index: counts
 * lines and, among them, lines that start with "user". */
static int
presize(struct map_table *t, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t lines = 0, users = 0, cap;
	int side;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lines++;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (nl - p > 4 && memcmp(p, "user", 4) == 0)
			users++;
	}
	if (lines > 0 && (t->rules = reallocarray(NULL, lines,
	    sizeof(*t->rules))) == NULL)
		return -1;
	t->rules_cap = lines;
	/* An arena of twice the text holds the keys and strings of typical
	 * rules; it still grows if a table needs more. */
	t->arena_cap = 2 * len + 4096;
	if ((t->arena = malloc(t->arena_cap)) == NULL)
		return -1;
	for (cap = 16; cap < 2 * users; cap *= 2)
		;
	for (side = 0; side < 2 && users > 0; side++) {
		t->users[side].slots = calloc(cap, sizeof(struct strindex_slot));
		if (t->users[side].slots == NULL)
			return -1;
		t->users[side].mask = (uint32_t)cap - 1;
	}
	return 0;
}

/* Parses one line (without its newline). */
static int
parse_line(struct parser *ps, const char *s, size_t len)
{
	struct span f[MAX_FIELDS];
	int n;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if ((n = split_fields(s, len, f, MAX_FIELDS)) == -1)
		return fail(ps, "too many fields");
	if (n == 0)
		return 0;
	if (f[0].len == 4 && memcmp(f[0].p, "user", 4) == 0) {
		if (n != 3)
			return fail(ps, "user takes 2 fields (SIP-URI JID), "
			    "not %d", n - 1);
		return parse_user(ps, f);
	}
	if (f[0].len == 6 && memcmp(f[0].p, "domain", 6) == 0) {
		if (n != 3)
			return fail(ps, "domain takes 2 fields (SIP-DOMAIN "
			    "XMPP-DOMAIN), not %d", n - 1);
		return parse_domains(ps, f, (size_t)n, RULE_DOMAIN);
	}
	if (f[0].len == 5 && memcmp(f[0].p, "embed", 5) == 0) {
		if (n != 3 && n != 4)
			return fail(ps, "embed takes 2 or 3 fields (SIP-DOMAIN "
			    "XMPP-DOMAIN [separator=C]), not %d", n - 1);
		return parse_domains(ps, f, (size_t)n, RULE_EMBED);
	}
	if (printable(f[0]))
		return fail(ps, "unknown keyword \"%.*s\" (expected user, "
		    "domain or embed)", (int)f[0].len, f[0].p);
	return fail(ps, "unknown keyword (expected user, domain or embed)");
}

/* Parses a whole table from memory; name is used in error messages.
 * Returns 0 and the table in *out, or -1 and the reason in *cause. */
int
map_table_parse(const char *text, size_t len, const char *name,
    struct map_table **out, char **cause)
{
	struct parser ps;
	struct map_table *t;
	const char *p, *end, *nl;
	size_t llen;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (text == NULL) {
		text = "";
		len = 0;
	}
	ps.name = name != NULL ? name : "(table)";
	ps.line = 0;
	ps.cause = cause;
	if (len > TABLE_FILE_MAX)
		return fail(&ps, "larger than %u bytes", TABLE_FILE_MAX);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return fail(&ps, "out of memory");
	ps.t = t;
	t->embed = -1;
	if ((t->name = strdup(ps.name)) == NULL || presize(t, text, len) == -1)
		goto fail;

	for (p = text, end = text + len; p < end; p = nl + 1) {
		ps.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > TABLE_LINE_MAX) {
			fail(&ps, "line longer than %d bytes", TABLE_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', llen) != NULL) {
			fail(&ps, "NUL byte");
			goto fail;
		}
		if (parse_line(&ps, p, llen) == -1)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	if (cause != NULL && *cause == NULL)
		fail(&ps, "out of memory");
	map_table_free(t);
	return -1;
}

/* Reads and parses a table file. */
int
map_table_load(const char *path, struct map_table **out, char **cause)
{
	struct parser ps = { NULL, path, 0, cause };
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(&ps, "%s", strerror(errno));
	if (fstat(fd, &st) == -1) {
		fail(&ps, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(&ps, "not a regular file");
		goto out;
	}
	if ((uintmax_t)st.st_size > TABLE_FILE_MAX) {
		fail(&ps, "larger than %u bytes", TABLE_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fail(&ps, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(&ps, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;		/* shrank under us: parse what we got */
		got += (size_t)n;
	}
	rc = map_table_parse(buf, got, path, out, cause);
out:
	free(buf);
	close(fd);
	return rc;
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
		n = asprintf(&out, "%s:%u: domain %s %s", t->name, r->line,
		    t->arena + r->key[SIDE_SIP], t->arena + r->key[SIDE_XMPP]);
		break;
	case RULE_EMBED:
		if (r->sep != 0)
			n = asprintf(&out, "%s:%u: embed %s %s separator=%c",
			    t->name, r->line, t->arena + r->key[SIDE_SIP],
			    t->arena + r->key[SIDE_XMPP], r->sep);
		else
			n = asprintf(&out, "%s:%u: embed %s %s", t->name,
			    r->line, t->arena + r->key[SIDE_SIP],
			    t->arena + r->key[SIDE_XMPP]);
		break;
	}
	return n == -1 ? NULL : out;
}
