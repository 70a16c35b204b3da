/*
 * [sip] trusted_peers: the members of our trust domain (RFC 3325 §2.3),
 * the SIP proxies that may hand the gateway messages and subscriptions
 * and whose P-Asserted-Identity it believes. A list, separated by spaces
 * or commas, of
 *   ADDRESS         an IPv4 or IPv6 address (one host),
 *   ADDRESS/BITS    an IPv4 or IPv6 network (host bits must be zero),
 *   tls:NAME        a TLS peer whose verified certificate names NAME
 *                   (RFC 5922 §7.2: whole name, no wildcard, any case),
 *   none            nobody (alone): every such request is refused.
 * Parsing and matching are pure: the SIP stack asks config_trust_match()
 * about each request's source.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define SEPARATORS	" \t,"

/* A DNS name as RFC 1123 §2.1 has it (the certificate names compared). */
static int
is_dns_name(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n >= CONFIG_TRUST_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

/* Parses the decimal prefix length at s (n bytes) up to max; -1 if bad. */
static int
parse_bits(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Whether the bits of addr past the first prefix ones are all zero. */
static int
host_bits_zero(const unsigned char *addr, int len, int prefix)
{
	for (int i = prefix; i < len * 8; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

/* One entry of n bytes at tok into *e; *why says what is wrong. */
static int
parse_entry(const char *tok, size_t n, struct config_trust_entry *e,
    char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t alen;
	int len, max;

	memset(e, 0, sizeof(*e));
	if (n > 4 && strncasecmp(tok, "tls:", 4) == 0) {
		if (!is_dns_name(tok + 4, n - 4)) {
			config_set_cause(why, "'%.*s': tls: takes a host name, "
			    "as the peer's certificate names it", (int)n, tok);
			return -1;
		}
		memcpy(e->name, tok + 4, n - 4);
		e->name[n - 4] = '\0';
		return 0;
	}
	slash = memchr(tok, '/', n);
	alen = slash != NULL ? (size_t)(slash - tok) : n;
	if (alen == 0 || alen >= sizeof(buf))
		goto bad;
	memcpy(buf, tok, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, e->addr) == 1) {
		e->family = AF_INET;
		len = 4;
	} else if (inet_pton(AF_INET6, buf, e->addr) == 1) {
		e->family = AF_INET6;
		len = 16;
	} else
		goto bad;
	max = len * 8;
	e->prefix = max;
	if (slash != NULL && (e->prefix = parse_bits(slash + 1,
	    n - alen - 1, max)) < 0) {
		config_set_cause(why, "'%.*s': the prefix length must be "
		    "0..%d", (int)n, tok, max);
		return -1;
	}
	if (!host_bits_zero(e->addr, len, e->prefix)) {
		config_set_cause(why, "'%.*s': bits set past the /%d prefix "
		    "(write the network's first address)", (int)n, tok,
		    e->prefix);
		return -1;
	}
	return 0;
bad:
	config_set_cause(why, "'%.*s': expected an IPv4 or IPv6 address, "
	    "ADDRESS/BITS, tls:NAME or none", (int)n, tok);
	return -1;
}

/*
 * Parses a trusted_peers value into *out. -1 with *why on a bad entry,
 * too many entries, an empty list, or "none" beside other entries.
 */
int
config_trust_parse(const char *text, struct config_trust *out, char **why)
{
	const char *p = text;
	int none = 0, others = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t n;

		p += strspn(p, SEPARATORS);
		if (*p == '\0')
			break;
		n = strcspn(p, SEPARATORS);
		if (n == 4 && strncasecmp(p, "none", 4) == 0)
			none = 1;
		else if (out->n >= CONFIG_TRUST_MAX) {
			config_set_cause(why, "more than %d entries",
			    CONFIG_TRUST_MAX);
			return -1;
		} else {
			if (parse_entry(p, n, &out->e[out->n], why) < 0)
				return -1;
			out->n++;
			others = 1;
		}
		p += n;
	}
	if (none && others) {
		config_set_cause(why, "'none' stands alone");
		return -1;
	}
	if (!none && !others) {
		config_set_cause(why, "empty: name the SIP proxies to trust, "
		    "or none");
		return -1;
	}
	return 0;
}

/* The table's check of [sip] trusted_peers. */
int
config_check_trusted_peers(char *value, char **why)
{
	struct config_trust t;

	return config_trust_parse(value, &t, why);
}

/* Whether the first prefix bits of a and b are the same. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
	int whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a[whole] ^ b[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

/*
 * Whether the address addr of family (AF_INET: 4 bytes, AF_INET6: 16,
 * network order) is in an address entry of the trust list. An IPv4
 * source a dual-stack listener shows as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is matched as IPv4 too. tls:NAME entries match no
 * address: only the transport can prove a name (sip_stack_trusts()).
 */
int
config_trust_match(const struct config_trust *t, int family,
    const void *addr)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const unsigned char *v4 = NULL, *v6 = NULL;

	if (addr != NULL && family == AF_INET)
		v4 = addr;
	else if (addr != NULL && family == AF_INET6) {
		v6 = addr;
		if (memcmp(v6, mapped, sizeof(mapped)) == 0)
			v4 = v6 + 12;
	}
	for (int i = 0; i < t->n; i++) {
		const struct config_trust_entry *e = &t->e[i];

		if (e->family == AF_INET && v4 != NULL &&
		    prefix_equal(e->addr, v4, e->prefix))
			return 1;
		if (e->family == AF_INET6 && v6 != NULL &&
		    prefix_equal(e->addr, v6, e->prefix))
			return 1;
	}
	return 0;
}
