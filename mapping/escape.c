/*
 * The local-part algorithms of RFC 7247 §6.4 (SIP -> XMPP) and §6.5
 * (XMPP -> SIP): percent-decoding and -encoding of SIP user parts, and
 * XEP-0106 JID escaping. The *_into forms write into a caller's bounded
 * buffer and allocate nothing; the public forms return malloc'ed strings.
 */
#include <stdlib.h>
#include <string.h>

#include "mapping_internal.h"

/* XEP-0106 §3.2: the characters a localpart cannot hold, in the order of
 * their escapes below; the backslash is last. */
static const char xep0106_chars[] = " \"&'/:<>@\\";
static const char xep0106_codes[][3] = {
	"20", "22", "26", "27", "2f", "3a", "3c", "3e", "40", "5c"
};

static const char hexdigits[] = "0123456789ABCDEF";

/* If s (at a backslash) starts one of the ten escape sequences, returns
 * the character it stands for, else 0. XEP-0106 §3.1: case is
 * significant, so "\2F" is no escape. */
static char
escape_code(const char *s, size_t len)
{
	size_t i;

	if (len < 3 || s[0] != '\\')
		return 0;
	for (i = 0; i < sizeof(xep0106_codes) / sizeof(xep0106_codes[0]); i++)
		if (s[1] == xep0106_codes[i][0] && s[2] == xep0106_codes[i][1])
			return xep0106_chars[i];
	return 0;
}

/* Percent-decodes into ob; -1 on a bad %xx, on %00 (a NUL cannot travel
 * in our strings) or when ob is too small. */
int
pct_decode_into(const char *in, size_t len, struct obuf *ob)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] != '%') {
			if (in[i] == '\0')
				return -1;
			obuf_putc(ob, in[i]);
			continue;
		}
		if (len - i < 3 || (hi = hex_value((unsigned char)in[i + 1])) < 0 ||
		    (lo = hex_value((unsigned char)in[i + 2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		obuf_putc(ob, (char)(hi << 4 | lo));
		i += 2;
	}
	return ob->full ? -1 : 0;
}

/* Appends "%XX" (RFC 3986 §2.1 recommends uppercase digits). */
static void
pct_put(struct obuf *ob, unsigned char c)
{
	char tmp[3] = { '%', hexdigits[c >> 4], hexdigits[c & 15] };

	obuf_put(ob, tmp, 3);
}

/* RFC 7247 §6.5 step 5: percent-encodes everything RFC 3261 does not
 * allow unescaped in a user part (# % [ \ ] ^ ` { | }, controls, space,
 * " : < > @ and every non-ASCII byte). */
void
pct_encode_user(const char *s, size_t len, struct obuf *ob)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (sip_user_char((unsigned char)s[i]))
			obuf_putc(ob, s[i]);
		else
			pct_put(ob, (unsigned char)s[i]);
	}
}

/* Percent-encodes a URI parameter value (the gr of RFC 7247 §6.5 step
 * 8: non-ASCII and everything outside paramchar). */
void
pct_encode_param(const char *s, size_t len, struct obuf *ob)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (sip_param_char((unsigned char)s[i]))
			obuf_putc(ob, s[i]);
		else
			pct_put(ob, (unsigned char)s[i]);
	}
}

/* XEP-0106 escaping into ob: each disallowed character becomes \hexhex,
 * a backslash becomes \5c only where it would otherwise start one of
 * the ten escape sequences (XEP-0106 §4.2 step 3, example 12), anything
 * else is kept. -1 if the text starts or ends with a space (XEP-0106
 * §3.2: \20 MUST NOT begin or end a localpart) or ob overflows. */
int
xep0106_escape_into(const char *raw, size_t len, struct obuf *ob)
{
	const char *hit;
	size_t i, k;

	if (len > 0 && (raw[0] == ' ' || raw[len - 1] == ' '))
		return -1;
	for (i = 0; i < len; i++) {
		hit = raw[i] != '\0' ? strchr(xep0106_chars, raw[i]) : NULL;
		if (hit == NULL || (raw[i] == '\\' &&
		    escape_code(raw + i, len - i) == 0)) {
			obuf_putc(ob, raw[i]);
			continue;
		}
		k = (size_t)(hit - xep0106_chars);
		obuf_putc(ob, '\\');
		obuf_put(ob, xep0106_codes[k], 2);
	}
	return ob->full ? -1 : 0;
}

/* XEP-0106 unescaping into ob: exactly the ten sequences are decoded,
 * partial or unknown ones are kept as they are (XEP-0106 §4.3). */
void
xep0106_unescape_into(const char *esc, size_t len, struct obuf *ob)
{
	size_t i;
	char c;

	for (i = 0; i < len; i++) {
		if (esc[i] == '\\' && (c = escape_code(esc + i, len - i)) != 0) {
			obuf_putc(ob, c);
			i += 2;
		} else
			obuf_putc(ob, esc[i]);
	}
}

/* RFC 7247 §6.4 steps 4-5 on an already percent-decoded user part:
 * check it is UTF-8 text a localpart may hold, then XEP-0106-escape it
 * (which covers the & ' / the RFC names). -1 if it cannot be a localpart
 * or is longer than RFC 7622 allows once escaped. */
int
local_sip_to_xmpp(const char *decoded, size_t len, struct obuf *ob)
{
	size_t start = ob->len;

	if (len == 0 || !ident_text_ok(decoded, len))
		return -1;
	if (xep0106_escape_into(decoded, len, ob) == -1)
		return -1;
	if (ob->len - start > JID_PART_MAX)
		return -1;
	return 0;
}

/* RFC 7247 §6.5 step 3: unescapes a localpart into ob. Refuses (-1) a
 * localpart that is not in the canonical form our own escaping would
 * produce (such as "a\5cb" for "a\b"): two JIDs would otherwise map to
 * one SIP address, and the way back could not be the way there. */
int
local_xmpp_to_raw(const char *local, size_t len, struct obuf *ob)
{
	char again[JID_PART_MAX + 1];
	struct obuf chk;
	size_t start = ob->len;

	xep0106_unescape_into(local, len, ob);
	if (ob->full)
		return -1;
	obuf_init(&chk, again, sizeof(again));
	if (xep0106_escape_into(ob->p + start, ob->len - start, &chk) == -1)
		return -1;
	if (chk.len != len || memcmp(chk.p, local, len) != 0)
		return -1;
	return 0;
}

/* Percent-decodes len bytes of in; NULL on a bad %xx or %00 (libosip2
 * silently truncates those; we refuse them) or out of memory. */
char *
pct_decode(const char *in, size_t len)
{
	struct obuf ob;
	char *out;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	obuf_init(&ob, out, len + 1);
	if (pct_decode_into(in, len, &ob) == -1) {
		free(out);
		return NULL;
	}
	return out;
}

/* XEP-0106-escapes raw; NULL if it starts or ends with a space or out
 * of memory. */
char *
xep0106_escape(const char *raw)
{
	size_t len = strlen(raw);
	struct obuf ob;
	char *out;

	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(3 * len + 1)) == NULL)
		return NULL;
	obuf_init(&ob, out, 3 * len + 1);
	if (xep0106_escape_into(raw, len, &ob) == -1) {
		free(out);
		return NULL;
	}
	return out;
}

/* XEP-0106-unescapes; NULL only when out of memory. */
char *
xep0106_unescape(const char *escaped)
{
	size_t len = strlen(escaped);
	struct obuf ob;
	char *out;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	obuf_init(&ob, out, len + 1);
	xep0106_unescape_into(escaped, len, &ob);
	return out;
}

/* RFC 7247 §6.4 for a decoded SIP user part: the escaped localpart, or
 * NULL if the user part cannot become one. */
char *
localpart_sip_to_xmpp(const char *decoded_user)
{
	char buf[JID_PART_MAX + 1];
	struct obuf ob;

	obuf_init(&ob, buf, sizeof(buf));
	if (local_sip_to_xmpp(decoded_user, strlen(decoded_user), &ob) == -1)
		return NULL;
	return strdup(buf);
}

/* RFC 7247 §6.5 for an escaped localpart: the percent-encoded SIP user
 * part, or NULL if the localpart is invalid or not canonically escaped. */
char *
localpart_xmpp_to_sip(const char *escaped_local)
{
	char raw[JID_PART_MAX + 1], buf[3 * JID_PART_MAX + 1];
	size_t len = strlen(escaped_local);
	struct obuf rob, ob;

	if (!jid_local_valid(escaped_local, len))
		return NULL;
	obuf_init(&rob, raw, sizeof(raw));
	if (local_xmpp_to_raw(escaped_local, len, &rob) == -1)
		return NULL;
	obuf_init(&ob, buf, sizeof(buf));
	pct_encode_user(rob.p, rob.len, &ob);
	if (ob.full)
		return NULL;
	return strdup(buf);
}
