/*
 * The stanzas of a room occupant (XEP-0045), for the room bridge. Like
 * stanza.c: a stanza is written whole or not at all (the buffer put back),
 * every value is checked (UTF-8, XML characters) and escaped. Addresses
 * are checked for the shape each stanza needs: a join, a leave, a nick
 * change and a private message go to an occupant JID (room@service/nick:
 * without a nick the room answers jid-malformed, §7.2.6), a groupchat
 * message and a subject to the bare room JID (§7.4: never to a nick).
 */
#include <stdio.h>
#include <string.h>

#include "stanza.h"
#include "stanza_int.h"
#include "stanza_muc.h"

#define NS_MUC		"http://jabber.org/protocol/muc"
#define NS_MUC_USER	"http://jabber.org/protocol/muc#user"
#define NS_MUC_OWNER	"http://jabber.org/protocol/muc#owner"
#define NS_DATA		"jabber:x:data"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"
#define NS_SID		"urn:xmpp:sid:0"

/* True for room@service/nick: a local part, a domain and a nick. */
static int
is_occupant(const char *jid)
{
	const char *at, *slash;

	if (jid == NULL || (slash = strchr(jid, '/')) == NULL ||
	    slash[1] == '\0')
		return 0;
	at = strchr(jid, '@');
	return at != NULL && at != jid && at < slash && at + 1 < slash;
}

/* True for room@service: a local part and a domain, no resource. */
static int
is_room(const char *jid)
{
	const char *at;

	if (jid == NULL || strchr(jid, '/') != NULL ||
	    (at = strchr(jid, '@')) == NULL)
		return 0;
	return at != jid && at[1] != '\0';
}

/* XEP-0082 date-time characters; the caller formats it, we only guard. */
static int
is_stamp(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr("0123456789-:.TZ+", *s) == NULL)
			return 0;
	return 1;
}

/* Appends name='n' for a non-negative n. */
static void
num_attr(struct strbuf *sb, const char *name, int n)
{
	char num[16];

	if (n < 0)
		return;
	snprintf(num, sizeof(num), "%d", n);
	strbuf_appends(sb, " ");
	strbuf_appends(sb, name);
	strbuf_appends(sb, "='");
	strbuf_appends(sb, num);
	strbuf_appends(sb, "'");
}

/*
 * Entering a room (XEP-0045 §7.2.1): available presence to the occupant
 * JID with <x xmlns='…muc'/>, holding <history/> (§7.2.15) when any
 * limit is given and <password/> (§7.2.6) when one is. Never a type, no
 * <show/>: a SIP participant is simply there. Returns -1 with sb
 * unchanged on a bad address, a bad since, text XML cannot carry, or
 * allocation failure.
 */
int
stanza_muc_join(struct strbuf *sb, const char *from, const char *occupant,
    const char *id, const struct muc_history *h, const char *password)
{
	size_t start = sb->len;
	int want_history;

	if (sb->failed || !is_occupant(occupant))
		return -1;
	if (h != NULL && h->since != NULL && !is_stamp(h->since))
		return -1;
	want_history = h != NULL && (h->maxchars >= 0 || h->maxstanzas >= 0 ||
	    h->seconds >= 0 || h->since != NULL);
	if (stanza_open(sb, "presence", from, occupant, id) < 0)
		goto fail;
	strbuf_appends(sb, "><x xmlns='" NS_MUC "'");
	if (!want_history && password == NULL)
		strbuf_appends(sb, "/>");
	else {
		strbuf_appends(sb, ">");
		if (want_history) {
			strbuf_appends(sb, "<history");
			num_attr(sb, "maxchars", h->maxchars);
			num_attr(sb, "maxstanzas", h->maxstanzas);
			num_attr(sb, "seconds", h->seconds);
			if (h->since != NULL &&
			    stanza_attr(sb, "since", h->since) < 0)
				goto fail;
			strbuf_appends(sb, "/>");
		}
		if (password != NULL && stanza_element(sb, "password",
		    password, strlen(password)) < 0)
			goto fail;
		strbuf_appends(sb, "</x>");
	}
	strbuf_appends(sb, "</presence>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/*
 * Leaving (XEP-0045 §7.14): unavailable presence to our occupant JID,
 * with an optional <status/> the others see.
 */
int
stanza_muc_leave(struct strbuf *sb, const char *from, const char *occupant,
    const char *id, const char *status)
{
	struct im_presence pr;

	if (sb->failed || !is_occupant(occupant))
		return -1;
	memset(&pr, 0, sizeof(pr));
	pr.from = from;
	pr.to = occupant;
	pr.id = id;
	pr.type = "unavailable";
	pr.status = status;
	return stanza_build_presence(sb, &pr);
}

/*
 * Changing nick (XEP-0045 §7.6): available presence to the new occupant
 * JID, nothing else; the room answers 303 from the old nick and 110 from
 * the new one, or conflict.
 */
int
stanza_muc_nick(struct strbuf *sb, const char *from, const char *new_occupant,
    const char *id)
{
	struct im_presence pr;

	if (sb->failed || !is_occupant(new_occupant))
		return -1;
	memset(&pr, 0, sizeof(pr));
	pr.from = from;
	pr.to = new_occupant;
	pr.id = id;
	return stanza_build_presence(sb, &pr);
}

/*
 * A message carrying a body and XEP-0359 §3's <origin-id/>, which the
 * room must keep on its reflection: how we know our own message came
 * back (XEP-0045 §7.4) even where the room does not keep our id.
 */
static int
body_message(struct strbuf *sb, const char *from, const char *to,
    const char *id, const char *type, const char *body, size_t len,
    const char *origin_id, int muc_user)
{
	size_t start = sb->len;

	if (body == NULL)
		return -1;
	if (stanza_open(sb, "message", from, to, id) < 0 ||
	    stanza_attr(sb, "type", type) < 0)
		goto fail;
	strbuf_appends(sb, ">");
	if (stanza_element(sb, "body", body, len) < 0)
		goto fail;
	if (origin_id != NULL) {
		strbuf_appends(sb, "<origin-id xmlns='" NS_SID "'");
		if (stanza_attr(sb, "id", origin_id) < 0)
			goto fail;
		strbuf_appends(sb, "/>");
	}
	if (muc_user)
		strbuf_appends(sb, "<x xmlns='" NS_MUC_USER "'/>");
	strbuf_appends(sb, "</message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/* Saying something in the room (XEP-0045 §7.4): groupchat to the bare JID. */
int
stanza_muc_groupchat(struct strbuf *sb, const char *from, const char *room,
    const char *id, const char *body, size_t len, const char *origin_id)
{
	if (sb->failed || !is_room(room))
		return -1;
	return body_message(sb, from, room, id, "groupchat", body, len,
	    origin_id, 0);
}

/*
 * A private message to one occupant (XEP-0045 §7.5): type chat (never
 * groupchat: the room answers bad-request) to room@service/nick, with the
 * empty muc#user <x/> the sender SHOULD add.
 */
int
stanza_muc_private(struct strbuf *sb, const char *from, const char *occupant,
    const char *id, const char *body, size_t len, const char *origin_id)
{
	if (sb->failed || !is_occupant(occupant))
		return -1;
	return body_message(sb, from, occupant, id, "chat", body, len,
	    origin_id, 1);
}

/*
 * Changing the subject (XEP-0045 §8.1): groupchat with <subject/> and no
 * body; "" clears it. The room refuses it (forbidden) unless allowed.
 */
int
stanza_muc_subject(struct strbuf *sb, const char *from, const char *room,
    const char *id, const char *subject)
{
	size_t start = sb->len;

	if (sb->failed || !is_room(room) || subject == NULL)
		return -1;
	if (stanza_open(sb, "message", from, room, id) < 0)
		goto fail;
	strbuf_appends(sb, " type='groupchat'>");
	if (stanza_element(sb, "subject", subject, strlen(subject)) < 0)
		goto fail;
	strbuf_appends(sb, "</message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/* Opens <iq from to id type>; an iq MUST have an id (RFC 6120 §8.2.3). */
static int
iq_open(struct strbuf *sb, const char *from, const char *to, const char *id,
    const char *type)
{
	if (id == NULL || *id == '\0')
		return -1;
	if (stanza_open(sb, "iq", from, to, id) < 0)
		return -1;
	strbuf_appends(sb, " type='");
	strbuf_appends(sb, type);
	strbuf_appends(sb, "'>");
	return 0;
}

/*
 * Asking what an address is (XEP-0030 §3.1): a room answers with the
 * identity conference/text and its features (XEP-0045 §6.4). node is
 * left out when NULL ("x-roomuser-item" asks for a reserved nick, §7.12).
 */
int
stanza_muc_disco_info(struct strbuf *sb, const char *from, const char *to,
    const char *id, const char *node)
{
	size_t start = sb->len;

	if (sb->failed)
		return -1;
	if (iq_open(sb, from, to, id, "get") < 0)
		goto fail;
	strbuf_appends(sb, "<query xmlns='" NS_DISCO_INFO "'");
	if (node != NULL && stanza_attr(sb, "node", node) < 0)
		goto fail;
	strbuf_appends(sb, "/></iq>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/*
 * Unlocking a room we just created (status 201) as an instant room
 * (XEP-0045 §10.1.2): the owner submits an empty configuration form and
 * the room takes its defaults; until then others get item-not-found.
 */
int
stanza_muc_unlock(struct strbuf *sb, const char *from, const char *room,
    const char *id)
{
	size_t start = sb->len;

	if (sb->failed || !is_room(room))
		return -1;
	if (iq_open(sb, from, room, id, "set") < 0)
		goto fail;
	strbuf_appends(sb, "<query xmlns='" NS_MUC_OWNER "'><x xmlns='"
	    NS_DATA "' type='submit'/></query></iq>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}
