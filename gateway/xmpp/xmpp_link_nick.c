/*
 * XEP-0172 <nick xmlns='http://jabber.org/protocol/nick'/> on an incoming
 * message or presence: the name the sender wants shown, read here at the
 * edge so that what the bridges get is already fit for a SIP From
 * display-name. The text is untrusted (XEP-0172 §7: not unique, never
 * an identity): controls are dropped, runs of white space made one
 * space, the ends trimmed, and at most XMPP_NICK_MAX bytes kept, cut at
 * a character boundary. An empty result is no name. Of repeated <nick/>
 * the first counts.
 */
#include <string.h>

#include <strophe.h>

#include "xmpp_link.h"
#include "xmpp_link_stanza_int.h"

#define NS_NICK	"http://jabber.org/protocol/nick"

/* Length of the UTF-8 character starting with byte c (expat gave us
 * well-formed UTF-8), 1 for anything else. */
static size_t
char_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Whether the character at s (of n bytes) is a C0 or C1 control or DEL:
 * never shown, and CR LF would end a SIP header. */
static int
is_control(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0] < 0x20 || s[0] == 0x7f;
	return n == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

/* Cleans text into out (size > XMPP_NICK_MAX); returns out, or NULL
 * when nothing is left. */
static const char *
nick_clean(const char *text, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = 0, k, cap = size - 1;
	int space = 0;

	if (cap > XMPP_NICK_MAX)
		cap = XMPP_NICK_MAX;
	while (*s != '\0') {
		k = char_len(*s);
		if (strnlen((const char *)s, k) < k)
			break;			/* cut short: not UTF-8 */
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = n > 0;
			s++;
			continue;
		}
		if (is_control(s, k)) {
			s += k;
			continue;
		}
		if (n + space + k > cap)
			break;
		if (space)
			out[n++] = ' ';
		space = 0;
		memcpy(out + n, s, k);
		n += k;
		s += k;
	}
	out[n] = '\0';
	return n > 0 ? out : NULL;
}

/*
 * If child is a XEP-0172 <nick/>, sets *nick (unless already set) to its
 * cleaned text, kept in p, and returns 1; otherwise returns 0.
 */
int
xmpp_link_nick_child(struct xmpp_link_parsed *p, xmpp_stanza_t *child,
    const char **nick)
{
	const char *ns = xmpp_stanza_get_ns(child);
	const char *name = xmpp_stanza_get_name(child);

	if (ns == NULL || name == NULL || strcmp(ns, NS_NICK) != 0 ||
	    strcmp(name, "nick") != 0)
		return 0;
	if (*nick == NULL)
		*nick = nick_clean(xmpp_link_elem_text(p, child), p->nick,
		    sizeof(p->nick));
	return 1;
}
