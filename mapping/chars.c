/*
 * Character classes and the host/domain grammars both address formats
 * are built from: RFC 3261 §25.1 for SIP, RFC 7622 §3.2 for XMPP domains,
 * and the UTF-8 rules (RFC 3629) every JID and decoded SIP user obeys.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "mapping_internal.h"

/* One letter a class, so that the table reads as a grid. */
#define A	(CC_ALNUM | CC_HOST)
#define N	CC_HOST
#define M	CC_MARK
#define U	CC_USER
#define P	CC_PARAM
#define B	CC_MAILBOX
#define H	CC_HEADER
#define X	CC_LOCAL_BAD

const uint16_t map_char_class[256] = {
	/* 0x00-0x1f: C0 controls */
	X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X,
	/* sp         !          "          #          $          %          &          ' */
	X,         M|B|H,     X,         0,         U|P|B|H,   0,         U|P|B|H|X, M|B|H|X,
	/* (          )          *          +          ,          -          .          / */
	M|H,       M|H,       M|B|H,     U|P|B|H,   U,         N|M|B|H,   M|B|H,     U|P|B|H|X,
	/* 0  1  2  3  4  5  6  7 */
	A, A, A, A, A, A, A, A,
	/* 8      9      :      ;      <      =      >      ? */
	A,     A,     P|H|X, U,     X,     U|B|H, X,     U|B|H,
	/* @  A  B  C  D  E  F  G */
	X, A, A, A, A, A, A, A,
	/* H  I  J  K  L  M  N  O */
	A, A, A, A, A, A, A, A,
	/* P  Q  R  S  T  U  V  W */
	A, A, A, A, A, A, A, A,
	/* X      Y      Z      [      \      ]      ^      _ */
	A,     A,     A,     P|H,   0,     P|H,   0,     M|B|H,
	/* `  a  b  c  d  e  f  g */
	0, A, A, A, A, A, A, A,
	/* h  i  j  k  l  m  n  o */
	A, A, A, A, A, A, A, A,
	/* p  q  r  s  t  u  v  w */
	A, A, A, A, A, A, A, A,
	/* x      y      z      {      |      }      ~      DEL */
	A,     A,     A,     0,     0,     0,     M|B|H, X,
	/* 0x80-0xff: in no class */
};

#undef A
#undef N
#undef M
#undef U
#undef P
#undef B
#undef H
#undef X

/* Returns the value of a hexadecimal digit, or -1. */
int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one UTF-8 sequence at s (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF); returns its length or 0 if invalid. */
static size_t
utf8_next(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned long c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Tells whether the 8 bytes at s are all ASCII and none is NUL (the
 * classic has-zero-byte test on the word). */
static int
ascii_word(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return ((w | ((w - ones) & ~w)) & highs) == 0;
}

/* Tells whether s is well-formed UTF-8 without NUL bytes. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if (len - i >= 8 && ascii_word(u + i)) {
			i += 8;
			continue;
		}
		if (u[i] != 0 && u[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_next(u + i, len - i, &cp)) == 0 || cp == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Control characters: C0, DEL and C1. */
static int
is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Non-ASCII space separators (Unicode Zs, Zl, Zp): PRECIS identifiers
 * (RFC 8264 §9.11) disallow them and XEP-0106 has no escape for them. */
static int
is_wide_space(unsigned long cp)
{
	return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000;
}

/* Checks text bound for a localpart before escaping: UTF-8, no controls,
 * no spaces other than U+0020 (which XEP-0106 escapes as \20). */
int
ident_text_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_next(u + i, len - i, &cp)) == 0)
			return 0;
		if (is_control(cp) || is_wide_space(cp))
			return 0;
		i += n;
	}
	return 1;
}

/* Checks text for a resourcepart (RFC 7622 §3.4, OpaqueString): UTF-8
 * without controls. */
int
opaque_text_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_next(u + i, len - i, &cp)) == 0)
			return 0;
		if (is_control(cp))
			return 0;
		i += n;
	}
	return 1;
}

/* RFC 3261 IPv4address: four decimal numbers up to 255. */
static int
ipv4_valid(const char *s, size_t len)
{
	size_t i = 0;
	int part, digits, value;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		digits = value = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			value = value * 10 + (s[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || value > 255)
			return 0;
	}
	return i == len;
}

/* An IPv6 reference "[...]", checked by the C library's parser. */
static int
ipv6_ref_valid(const char *s, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];

	if (len < 4 || s[0] != '[' || s[len - 1] != ']' ||
	    len - 2 >= sizeof(tmp))
		return 0;
	memcpy(tmp, s + 1, len - 2);
	tmp[len - 2] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1;
}

/* RFC 3261 hostname: dot-separated labels of alphanumerics and inner
 * hyphens, the last one starting with a letter. No final dot: nobody
 * writes one, and refusing it keeps one spelling per domain. */
static int
hostname_valid(const char *s, size_t len)
{
	size_t i, start = 0;
	unsigned char c;

	if (len == 0 || len > MAP_HOST_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!char_in((unsigned char)s[i], CC_HOST))
				return 0;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	/* The top label starts with a letter (so "1.2.3" is no host). */
	for (i = len; i > 0 && s[i - 1] != '.'; i--)
		;
	c = (unsigned char)s[i];
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Checks a SIP host: hostname, IPv4 address or [IPv6] reference. */
int
sip_host_valid(const char *s, size_t len)
{
	if (len == 0 || len > MAP_HOST_MAX)
		return 0;
	if (s[0] == '[')
		return ipv6_ref_valid(s, len);
	return ipv4_valid(s, len) || hostname_valid(s, len);
}

/* Splits and checks host[:port]; the port, if any, is 1..65535. */
int
sip_hostport_parse(const char *s, size_t len, size_t *hostlen, int *port)
{
	size_t h, i;
	long value = 0;

	if (len == 0)
		return -1;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return -1;
		h = (size_t)(close - s) + 1;
	} else {
		const char *colon = memchr(s, ':', len);

		h = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (!sip_host_valid(s, h))
		return -1;
	*hostlen = h;
	*port = 0;
	if (h == len)
		return 0;
	/* One spelling per port: no leading zeros. */
	if (s[h] != ':' || len - h - 1 == 0 || len - h - 1 > 5 ||
	    s[h + 1] == '0')
		return -1;
	for (i = h + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		value = value * 10 + (s[i] - '0');
	}
	if (value < 1 || value > 65535)
		return -1;
	*port = (int)value;
	return 0;
}

/* Checks an XMPP domainpart (RFC 7622 §3.2) whose final dot was already
 * stripped: an [IPv6] reference or dot-separated labels of ASCII
 * letters, digits and inner hyphens, or of UTF-8 (IDNA U-labels; the
 * XMPP server does the IDNA2008 checks proper). */
int
jid_domain_valid(const char *s, size_t len)
{
	size_t i, start = 0;
	unsigned char c;
	int wide = 0, any_wide = 0;

	if (len == 0 || len > JID_PART_MAX)
		return 0;
	if (s[0] == '[')
		return ipv6_ref_valid(s, len);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			c = (unsigned char)s[i];
			if (c >= 0x80)
				wide = any_wide = 1;
			else if (!char_in(c, CC_HOST))
				return 0;
			continue;
		}
		/* RFC 1035: 63 octets a label; a U-label's limit applies to
		 * its A-label form, which the server computes. */
		if (i == start || (!wide && i - start > 63) ||
		    s[start] == '-' || s[i - 1] == '-')
			return 0;
		start = i + 1;
		wide = 0;
	}
	/* Only U-labels need the UTF-8 check; most domains are ASCII. */
	return !any_wide || utf8_valid(s, len);
}
