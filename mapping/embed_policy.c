/*
 * What the embed rule may reach, XMPP -> SIP. Its own form lets any XMPP
 * user write the SIP host: "x\40127.0.0.1:5060@gw.xmpp.example" would
 * make the gateway send (and retransmit) requests to any host and port,
 * its own loopback and the operator's private networks included: an open
 * relay. So by default an embedded address must name a host by a DNS
 * name, without a port (RFC 3263 finds the port), and not "localhost"
 * (RFC 6761 §6.3). The rule's options lift each restriction:
 *   allow_ports        an explicit port;
 *   allow_ip_literals  an IPv4 address or [IPv6] reference, public ones;
 *   allow_private      loopback, private, link-local, unspecified,
 *                      multicast and reserved addresses, and localhost.
 * Options sit on the rule (not in sipxmppd.conf) because they qualify
 * that rule only, and are reloaded with it on SIGHUP.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "mapping_internal.h"

static const struct {
	const char	*name;
	unsigned	 flag;
} options[] = {
	{ "allow_ports", EMBED_ALLOW_PORTS },
	{ "allow_ip_literals", EMBED_ALLOW_IP_LITERALS },
	{ "allow_private", EMBED_ALLOW_PRIVATE },
};

/* The flag an option word names, or 0. */
unsigned
embed_option_flag(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == len &&
		    memcmp(options[i].name, s, len) == 0)
			return options[i].flag;
	return 0;
}

/* The option words of flags, space-separated, for map_explain. */
void
embed_option_names(unsigned flags, char *out, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		size_t n = strlen(options[i].name);

		if (!(flags & options[i].flag) || used + n + 2 > size)
			continue;
		out[used++] = ' ';
		memcpy(out + used, options[i].name, n);
		used += n;
		out[used] = '\0';
	}
}

/*
 * Whether an IPv4 address is one a relay must not reach: RFC 6890's
 * special-purpose blocks that are not globally reachable, and multicast
 * and broadcast (RFC 5771, RFC 919).
 */
static int
ipv4_special(uint32_t a)
{
	static const struct {
		uint32_t net;
		int	 bits;
	} blocks[] = {
		{ 0x00000000, 8 },	/* "this network", 0.0.0.0 */
		{ 0x0a000000, 8 },	/* RFC 1918 */
		{ 0x64400000, 10 },	/* shared address space (CGN) */
		{ 0x7f000000, 8 },	/* loopback */
		{ 0xa9fe0000, 16 },	/* link-local */
		{ 0xac100000, 12 },	/* RFC 1918 */
		{ 0xc0000000, 24 },	/* IETF protocol assignments */
		{ 0xc0a80000, 16 },	/* RFC 1918 */
		{ 0xc6120000, 15 },	/* benchmarking */
		{ 0xe0000000, 4 },	/* multicast */
		{ 0xf0000000, 4 },	/* reserved, and broadcast */
	};

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - blocks[i].bits);

		if ((a & mask) == blocks[i].net)
			return 1;
	}
	return 0;
}

/* Reads a dotted quad in decimal; a leading zero counts as special, since
 * some resolvers read it as octal (010.0.0.1 would be 8.0.0.1). */
static int
ipv4_read(const char *s, size_t len, uint32_t *out, int *ambiguous)
{
	uint32_t a = 0;
	size_t i = 0;

	*ambiguous = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		if (i + 1 < len && s[i] == '0' && s[i + 1] >= '0' &&
		    s[i + 1] <= '9')
			*ambiguous = 1;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || v > 255)
			return -1;
		a = a << 8 | v;
	}
	*out = a;
	return i == len ? 0 : -1;
}

/* Whether a 16-byte IPv6 address is not globally reachable (RFC 6890,
 * RFC 4291 §2.5): looking through the forms that carry an IPv4 one. */
static int
ipv6_special(const unsigned char b[16])
{
	static const unsigned char zero[10];
	uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
	    (uint32_t)b[14] << 8 | b[15];

	if (memcmp(b, zero, 10) == 0) {
		if (b[10] == 0xff && b[11] == 0xff)
			return ipv4_special(v4);	/* ::ffff:a.b.c.d */
		if (b[10] == 0 && b[11] == 0)
			return 1;	/* ::, ::1, deprecated ::a.b.c.d */
	}
	/* NAT64 64:ff9b::/96 (RFC 6052) reaches the IPv4 address. */
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    memcmp(b + 4, zero, 8) == 0)
		return ipv4_special(v4);
	if (b[0] == 0xff)
		return 1;			/* multicast ff00::/8 */
	if ((b[0] & 0xfe) == 0xfc)
		return 1;			/* unique local fc00::/7 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return 1;			/* link-local fe80::/10 */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return 1;			/* site-local fec0::/10 */
	/* 6to4 2002::/16 (RFC 3056) carries an IPv4 address too. */
	if (b[0] == 0x20 && b[1] == 0x02)
		return ipv4_special((uint32_t)b[2] << 24 |
		    (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	return 0;
}

/* Whether a DNS name is the loopback's (RFC 6761 §6.3). */
static int
name_is_localhost(const char *s, size_t len)
{
	static const char lh[] = "localhost";
	size_t n = sizeof(lh) - 1;

	if (len == n)
		return memcmp(s, lh, n) == 0;
	return len > n && s[len - n - 1] == '.' &&
	    memcmp(s + len - n, lh, n) == 0;
}

/*
 * Checks an embedded SIP host (lowercase, valid per sip_host_valid, an
 * IPv6 reference in brackets) and port (0: none) against the rule's
 * allow flags. 0 if the gateway may send there; -1 and *why if not.
 */
int
embed_host_allowed(const char *host, size_t len, int port, unsigned allow,
    const char **why)
{
	unsigned char b6[16];
	char tmp[64];
	uint32_t v4;
	size_t i;
	int ambiguous, special;

	if (port != 0 && !(allow & EMBED_ALLOW_PORTS)) {
		*why = "an explicit port (the rule has no allow_ports)";
		return -1;
	}
	/* sip_host_valid: a name's top label starts with a letter. */
	for (i = len; i > 0 && host[i - 1] != '.'; i--)
		;
	if (len > 0 && host[0] != '[' && ((host[i] >= 'a' && host[i] <= 'z') ||
	    (host[i] >= 'A' && host[i] <= 'Z'))) {
		if (name_is_localhost(host, len) &&
		    !(allow & EMBED_ALLOW_PRIVATE)) {
			*why = "the loopback name localhost (the rule has no "
			    "allow_private)";
			return -1;
		}
		return 0;
	}
	if (!(allow & EMBED_ALLOW_IP_LITERALS)) {
		*why = "an IP address (the rule has no allow_ip_literals)";
		return -1;
	}
	if (host[0] == '[') {
		if (len < 3 || len - 2 >= sizeof(tmp))
			goto bad;
		memcpy(tmp, host + 1, len - 2);
		tmp[len - 2] = '\0';
		if (inet_pton(AF_INET6, tmp, b6) != 1)
			goto bad;
		special = ipv6_special(b6);
	} else {
		if (ipv4_read(host, len, &v4, &ambiguous) < 0)
			goto bad;
		special = ambiguous || ipv4_special(v4);
	}
	if (special && !(allow & EMBED_ALLOW_PRIVATE)) {
		*why = "a loopback, private, link-local or otherwise "
		    "non-public address (the rule has no allow_private)";
		return -1;
	}
	return 0;
bad:
	*why = "an unreadable IP address";
	return -1;
}
