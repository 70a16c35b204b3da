/*
 * Nicks for SIP users in rooms: derived from what the SIP side shows of
 * him, and made unique by a suffix when the room says another occupant
 * has it (XEP-0045 §7.2.9, conflict). No I/O.
 */
#include <stdio.h>
#include <string.h>

#include "room_command.h"
#include "room_nick.h"

/* Value of a hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The user part of a sip:/sips: URI, percent-decoded (RFC 3261 §19.1.2)
 * into out; 0, or -1 when there is none or it does not fit.
 */
static int
user_part(const char *uri, char *out, size_t size)
{
	const char *p, *at;
	size_t n = 0;

	if (strncmp(uri, "sip:", 4) == 0)
		p = uri + 4;
	else if (strncmp(uri, "sips:", 5) == 0)
		p = uri + 5;
	else
		return -1;
	if ((at = strchr(p, '@')) == NULL || at == p)
		return -1;
	for (; p < at; p++) {
		int c = (unsigned char)*p;

		if (c == ';' || c == ':')	/* parameters, password */
			break;
		if (c == '%' && p + 2 < at && hexval(p[1]) >= 0 &&
		    hexval(p[2]) >= 0) {
			c = hexval(p[1]) * 16 + hexval(p[2]);
			p += 2;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/*
 * The nick for a SIP user: the display name if it makes a valid nick,
 * else the user part of uri if that does, else "sip-user". Always
 * fills out (size > ROOM_NICK_MAX); returns 0, 1 when the display name
 * was used.
 */
int
room_nick_from_sip(const char *display, const char *uri, char *out,
    size_t size)
{
	char buf[ROOM_NICK_MAX * 4];

	if (size <= ROOM_NICK_MAX)
		return -1;
	if (display != NULL && room_nick_valid(display, strlen(display),
	    NULL)) {
		strcpy(out, display);
		return 1;
	}
	if (uri != NULL && user_part(uri, buf, sizeof(buf)) == 0 &&
	    room_nick_valid(buf, strlen(buf), NULL)) {
		strcpy(out, buf);
		return 0;
	}
	strcpy(out, "sip-user");
	return 0;
}

/* Length of the longest prefix of s, at most max bytes, that ends on a
 * UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * The nick for attempt (0: base itself; k: "base-(k+1)"), the suffix
 * kept within ROOM_NICK_MAX bytes by cutting base on a character
 * boundary. 0, or -1 if out is too small.
 */
int
room_nick_suffixed(const char *base, int attempt, char *out, size_t size)
{
	char suffix[16];
	size_t n, slen;

	if (attempt <= 0) {
		if (strlen(base) >= size)
			return -1;
		strcpy(out, base);
		return 0;
	}
	slen = (size_t)snprintf(suffix, sizeof(suffix), "-%d", attempt + 1);
	n = utf8_cut(base, ROOM_NICK_MAX - slen);
	/* No trailing space before the suffix: room_nick_valid() wants
	 * none at the ends, and "bob -2" reads badly. */
	while (n > 0 && base[n - 1] == ' ')
		n--;
	if (n + slen >= size)
		return -1;
	memcpy(out, base, n);
	memcpy(out + n, suffix, slen + 1);
	return 0;
}
