/*
 * Internals shared by the files of the mapping module only: bounded
 * output buffers, zero-copy views of parsed addresses, character-class
 * checks, the hash index and the table layout. Nothing here allocates
 * unless it says so; the per-message path works on the stack.
 */
#ifndef SIPXMPP_MAPPING_INTERNAL_H
#define SIPXMPP_MAPPING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mapping.h"

#define MAP_URI_MAX	1024	/* longest SIP URI we read or write */
#define MAP_HOST_MAX	255	/* RFC 1035 §2.3.4, with some slack */
#define JID_PART_MAX	1023	/* RFC 7622 §3.1: at most 1023 bytes a part */
#define JID_MAX		(3 * JID_PART_MAX + 2)
#define TABLE_LINE_MAX	8192	/* longest line of a table file */
#define TABLE_FILE_MAX	(64u * 1024 * 1024)

/* A piece of a longer string, not NUL-terminated. */
struct span {
	const char	*p;
	size_t		 len;
};

/* A fixed-size output buffer that refuses to overflow: once something
 * does not fit, "full" is set and the contents must not be used. */
struct obuf {
	char	*p;
	size_t	 len;
	size_t	 cap;		/* bytes available, the NUL included */
	int	 full;
};

/* Starts an empty buffer over cap bytes of mem. */
static inline void
obuf_init(struct obuf *ob, char *mem, size_t cap)
{
	ob->p = mem;
	ob->len = 0;
	ob->cap = cap;
	ob->full = 0;
	if (cap > 0)
		mem[0] = '\0';
}

/* Appends n bytes, or marks the buffer full if they do not fit. */
static inline void
obuf_put(struct obuf *ob, const char *s, size_t n)
{
	if (ob->full || n >= ob->cap - ob->len) {
		ob->full = 1;
		return;
	}
	memcpy(ob->p + ob->len, s, n);
	ob->len += n;
	ob->p[ob->len] = '\0';
}

/* Appends one byte. */
static inline void
obuf_putc(struct obuf *ob, char c)
{
	if (ob->full || ob->len + 1 >= ob->cap) {
		ob->full = 1;
		return;
	}
	ob->p[ob->len++] = c;
	ob->p[ob->len] = '\0';
}

/* Appends a C string. */
static inline void
obuf_puts(struct obuf *ob, const char *s)
{
	obuf_put(ob, s, strlen(s));
}

/* Lowercases ASCII only: domains fold this way, UTF-8 stays as it is. */
static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

enum uri_scheme {
	SCHEME_SIP,
	SCHEME_SIPS,
	SCHEME_IM,
	SCHEME_PRES,
};

/* A SIP/SIPS/IM/PRES URI, checked against its grammar but not copied. */
struct sip_view {
	enum uri_scheme	 scheme;
	struct span	 user;		/* still %-encoded; p NULL if none */
	struct span	 host;		/* as written, brackets kept */
	struct span	 hostport;	/* host[:port] as written */
	int		 port;		/* 0 if absent */
	struct span	 gr;		/* still %-encoded; p NULL if absent */
	int		 has_params;	/* any ;param at all */
	int		 has_headers;	/* any ?header at all */
};

/* A JID, checked but not copied. The domain span has its final dot
 * stripped but keeps its case. */
struct jid_view {
	struct span	 local;		/* p NULL if none */
	struct span	 domain;
	struct span	 resource;	/* p NULL if none */
};

/* chars.c: the grammar classes of each ASCII byte (bytes >= 0x80 are
 * in none), looked up once per byte on every path that checks text. */
#define CC_ALNUM	0x001	/* RFC 3261 alphanum */
#define CC_MARK		0x002	/* RFC 3261 mark: - _ . ! ~ * ' ( ) */
#define CC_USER		0x004	/* RFC 3261 user-unreserved: & = + $ , ; ? / */
#define CC_PARAM	0x008	/* RFC 3261 param-unreserved: [ ] / : & + $ */
#define CC_MAILBOX	0x010	/* RFC 2822 atext and ".", minus what a URI
				 * must escape: ! $ & ' * + - / = ? _ ~ . */
#define CC_HEADER	0x020	/* RFC 3261 hnv-unreserved, unreserved marks
				 * and the "=" "&" "?" between headers */
#define CC_LOCAL_BAD	0x040	/* never in a JID localpart (RFC 7622
				 * §3.3.1): controls, space, " & ' / : < > @ */
#define CC_HOST		0x080	/* in a hostname label: alphanumerics, - */

extern const uint16_t map_char_class[256];

/* Tells whether byte c belongs to one of the CC_* classes in mask. */
static inline int
char_in(unsigned char c, unsigned mask)
{
	return (map_char_class[c] & mask) != 0;
}

/* RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ). */
static inline int
sip_user_char(unsigned char c)
{
	return char_in(c, CC_ALNUM | CC_MARK | CC_USER);
}

/* RFC 3261 §25.1: paramchar = param-unreserved / unreserved / escaped. */
static inline int
sip_param_char(unsigned char c)
{
	return char_in(c, CC_ALNUM | CC_MARK | CC_PARAM);
}

int	utf8_valid(const char *s, size_t len);
int	ident_text_ok(const char *s, size_t len);
int	opaque_text_ok(const char *s, size_t len);
int	sip_host_valid(const char *s, size_t len);
int	sip_hostport_parse(const char *s, size_t len, size_t *hostlen,
	    int *port);
int	jid_domain_valid(const char *s, size_t len);

/* embed_policy.c: what the embed rule may reach, XMPP -> SIP. */
#define EMBED_ALLOW_PORTS	0x01
#define EMBED_ALLOW_IP_LITERALS	0x02
#define EMBED_ALLOW_PRIVATE	0x04
unsigned embed_option_flag(const char *s, size_t len);
void	embed_option_names(unsigned flags, char *out, size_t size);
int	embed_host_allowed(const char *host, size_t len, int port,
	    unsigned allow, const char **why);
int	hex_value(unsigned char c);

/* escape.c: bounded, allocation-free forms of the public functions. */
int	pct_decode_into(const char *in, size_t len, struct obuf *ob);
void	pct_encode_user(const char *s, size_t len, struct obuf *ob);
void	pct_encode_param(const char *s, size_t len, struct obuf *ob);
int	xep0106_escape_into(const char *raw, size_t len, struct obuf *ob);
void	xep0106_unescape_into(const char *esc, size_t len, struct obuf *ob);
int	local_sip_to_xmpp(const char *decoded, size_t len, struct obuf *ob);
int	local_xmpp_to_raw(const char *local, size_t len, struct obuf *ob);

/* sip_addr.c, jid.c */
int	sip_view_parse(const char *uri, size_t len, struct sip_view *v);
int	jid_view_parse(const char *s, size_t len, struct jid_view *v);
int	jid_local_valid(const char *s, size_t len);

/* bigmem.c: the large arrays of a table. */
void	*big_alloc(size_t size, int huge);
void	 big_populate(void *p, size_t len);

/* index.c: open-addressing hash index from string keys to rule numbers. */
struct strindex {
	struct strindex_slot {
		uint32_t	hash;
		uint32_t	id;	/* rule number + 1; 0 is empty */
	}		*slots;
	uint32_t	 mask;
	uint32_t	 count;
};

struct map_table;
uint32_t	strindex_hash(const char *s, size_t len);
int		strindex_insert(struct strindex *ix, uint32_t hash,
		    uint32_t id);
uint32_t	strindex_find(const struct strindex *ix,
		    const struct map_table *t, int side, const char *key,
		    size_t len, uint32_t hash);
void		strindex_free(struct strindex *ix);

/* table.c: the loaded table. */
enum rule_kind {
	RULE_USER,
	RULE_DOMAIN,
	RULE_EMBED,
	RULE_ROOM,		/* a domain rule whose addresses are rooms */
};

#define SIDE_SIP	0
#define SIDE_XMPP	1
#define SIDE_HOST	2	/* the host in a user rule's SIP key */
#define SIDE_XHOST	3	/* the domain in a user rule's XMPP key */

struct map_rule {
	enum rule_kind	 kind;
	unsigned	 line;
	char		 sep;		/* embed: extra separator, or 0 */
	unsigned char	 allow;		/* embed: EMBED_ALLOW_* options */
	unsigned char	 percent;	/* embed: jid_form=percent, writes
					 * "alice%sip.example" localparts */
	/* Lookup keys, offsets into the arena. User rules: the decoded SIP
	 * user "@" host, and the ASCII-lowercased localpart "@" domain.
	 * Domain, embed and room rules: the two domains. */
	uint32_t	 key[2];
	uint32_t	 key_len[2];
	uint32_t	 host_at;	/* user rules: where the host starts */
	/* User rules: the URI and the JID exactly as we send them. */
	uint32_t	 uri, uri_len;
	uint32_t	 jid, jid_len;
};

struct map_table {
	char		*name;
	char		*arena;
	size_t		 arena_len;
	size_t		 arena_cap;
	struct map_rule	*rules;
	size_t		 nrules;
	size_t		 rules_cap;
	struct strindex	 users[2];	/* user rules by SIDE_* key */
	struct strindex	 domains[2];	/* domain, embed and room rules */
	struct strindex	 user_hosts;	/* one user rule per SIP host */
	struct strindex	 user_xdomains;	/* one user rule per XMPP domain */
	long		 embed;		/* rule number, -1 if none */
	size_t		 nrooms;	/* room rules */
};

/* The key a rule is indexed under on one side (SIDE_*). */
static inline struct span
rule_key(const struct map_table *t, const struct map_rule *r, int side)
{
	struct span s;

	if (side == SIDE_HOST) {
		s.p = t->arena + r->key[SIDE_SIP] + r->host_at;
		s.len = r->key_len[SIDE_SIP] - r->host_at;
	} else if (side == SIDE_XHOST) {
		/* The first @: a localpart holds none (RFC 7622 §3.3.1). */
		const char *k = t->arena + r->key[SIDE_XMPP];
		const char *at = memchr(k, '@', r->key_len[SIDE_XMPP]);

		s.p = at + 1;
		s.len = r->key_len[SIDE_XMPP] - (size_t)(s.p - k);
	} else {
		s.p = t->arena + r->key[side];
		s.len = r->key_len[side];
	}
	return s;
}

/* Where a table being built has got to: table_build.c feeds it lines,
 * table.c turns each into a rule or an error. */
struct table_parser {
	struct map_table	*t;
	const char		*name;	/* for error messages */
	unsigned		 line;	/* of the line being parsed, from 1 */
	char			**cause;
	uint32_t		 last_host[2];	/* user rule (number + 1)
						 * whose SIP host, XMPP domain
						 * was last noted */
};

int			 table_fail(struct table_parser *ps, const char *fmt,
			    ...) __attribute__((format(printf, 2, 3)));
int			 table_parse_line(struct table_parser *ps,
			    const char *s, size_t len);
int			 table_presize(struct map_table *t, size_t len,
			    size_t lines, size_t users, int in_one_go);
const struct map_rule	*table_find_user(const struct map_table *t, int side,
			    const char *key, size_t len);
const struct map_rule	*table_find_domain(const struct map_table *t,
			    int side, const char *domain, size_t len);
const struct map_rule	*table_embed(const struct map_table *t);
int			 table_has_user_host(const struct map_table *t,
			    const char *host, size_t len);
int			 table_has_user_xdomain(const struct map_table *t,
			    const char *domain, size_t len);
char			*table_rule_describe(const struct map_table *t,
			    const struct map_rule *r);

/* translate.c: one translation into a bounded buffer, and how it went
 * (room.c builds on these). */
struct xlate {
	const struct map_rule	*rule;		/* rule used or tried */
	int			 last_resort;	/* embed rule, fallback form */
	int			 percent;	/* embed rule, "%" form read or
						 * written */
	char			 why[160];	/* reason, on failure */
};

int	xlate_sip_to_xmpp(const struct map_table *t, const char *uri,
	    size_t len, struct obuf *out, struct xlate *x);
size_t	embed_split(const char *raw, size_t len);
int	xlate_xmpp_to_sip(const struct map_table *t, const char *jid,
	    size_t len, struct obuf *out, struct xlate *x);

#endif
