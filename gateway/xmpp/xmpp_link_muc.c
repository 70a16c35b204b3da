/*
 * What rooms add to the stanzas the link reads (the pure half, like
 * xmpp_link_stanza.c): the muc#user <x/> of XEP-0045 §16.4 on presence
 * and messages (status codes, item, actor, reason, destroy, mediated
 * invitations), XEP-0249 direct invitations, XEP-0203 delays, XEP-0359
 * ids, and disco#info answers (is this address a room, XEP-0045 §6.4).
 *
 * Everything is the room's (or anyone's) word: unknown values become
 * UNSET, status codes a bounded set of bits, repeated elements count
 * once (the first), and every string points into the stanza or into the
 * parsed struct's owned texts, so nothing grows with what was sent.
 */
#include <string.h>
#include <strings.h>

#include <strophe.h>

#include "xmpp_link.h"
#include "xmpp_link_stanza_int.h"

#define NS_MUC_USER	"http://jabber.org/protocol/muc#user"
#define NS_CONFERENCE	"jabber:x:conference"
#define NS_DELAY	"urn:xmpp:delay"
#define NS_SID		"urn:xmpp:sid:0"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

#define COUNT_CAP	1000	/* counters of repeated elements stop here */

/* The XEP-0045 §16.6 codes we know, and their bits. */
static const struct {
	int code;
	unsigned int bit;
} status_codes[] = {
	{ 100, XMPP_MUC_S100 }, { 101, XMPP_MUC_S101 },
	{ 102, XMPP_MUC_S102 }, { 103, XMPP_MUC_S103 },
	{ 104, XMPP_MUC_S104 }, { 110, XMPP_MUC_S110 },
	{ 170, XMPP_MUC_S170 }, { 171, XMPP_MUC_S171 },
	{ 172, XMPP_MUC_S172 }, { 173, XMPP_MUC_S173 },
	{ 174, XMPP_MUC_S174 }, { 201, XMPP_MUC_S201 },
	{ 210, XMPP_MUC_S210 }, { 301, XMPP_MUC_S301 },
	{ 303, XMPP_MUC_S303 }, { 307, XMPP_MUC_S307 },
	{ 321, XMPP_MUC_S321 }, { 322, XMPP_MUC_S322 },
	{ 332, XMPP_MUC_S332 }, { 333, XMPP_MUC_S333 },
};

/* The bit of a status code, 0 for a code we do not know. */
unsigned int
xmpp_muc_status_bit(int code)
{
	for (size_t i = 0; i < sizeof(status_codes) / sizeof(status_codes[0]);
	    i++)
		if (status_codes[i].code == code)
			return status_codes[i].bit;
	return 0;
}

/* True when elem is a tag called name in namespace ns. */
static int
is_el(xmpp_stanza_t *elem, const char *ns, const char *name)
{
	const char *n, *s;

	if (!xmpp_stanza_is_tag(elem))
		return 0;
	n = xmpp_stanza_get_name(elem);
	s = xmpp_stanza_get_ns(elem);
	return n != NULL && s != NULL && strcmp(n, name) == 0 &&
	    strcmp(s, ns) == 0;
}

/* The first child tag called name in ns (the parent's own, usually). */
static xmpp_stanza_t *
child(xmpp_stanza_t *parent, const char *ns, const char *name)
{
	xmpp_stanza_t *c;

	for (c = xmpp_stanza_get_children(parent); c != NULL;
	    c = xmpp_stanza_get_next(c))
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

/* The text of the first child called name, or NULL. */
static const char *
child_text(struct xmpp_link_parsed *p, xmpp_stanza_t *parent,
    const char *ns, const char *name)
{
	xmpp_stanza_t *c = child(parent, ns, name);

	return c != NULL ? xmpp_link_elem_text(p, c) : NULL;
}

/* A status code attribute: exactly three digits, else -1. */
static int
status_code(const char *s)
{
	if (s == NULL || strlen(s) != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* XEP-0045 §5.2 affiliations. */
static enum xmpp_muc_affiliation
affiliation(const char *s)
{
	static const char *const names[] = {
		"none", "outcast", "member", "admin", "owner",
	};

	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]);
	    i++)
		if (strcmp(s, names[i]) == 0)
			return (enum xmpp_muc_affiliation)(i + 1);
	return XMPP_MUC_AFF_UNSET;
}

/* XEP-0045 §5.1 roles. */
static enum xmpp_muc_role
role(const char *s)
{
	static const char *const names[] = {
		"none", "visitor", "participant", "moderator",
	};

	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]);
	    i++)
		if (strcmp(s, names[i]) == 0)
			return (enum xmpp_muc_role)(i + 1);
	return XMPP_MUC_ROLE_UNSET;
}

/* <item/> (§16.4): affiliation, role, jid, nick, <actor/>, <reason/>. */
static void
read_item(struct xmpp_link_parsed *p, struct xmpp_in_muc *m,
    xmpp_stanza_t *item)
{
	xmpp_stanza_t *actor;

	m->affiliation = affiliation(xmpp_stanza_get_attribute(item,
	    "affiliation"));
	m->role = role(xmpp_stanza_get_attribute(item, "role"));
	m->item_jid = xmpp_stanza_get_attribute(item, "jid");
	m->item_nick = xmpp_stanza_get_attribute(item, "nick");
	if ((actor = child(item, NS_MUC_USER, "actor")) != NULL) {
		m->actor_jid = xmpp_stanza_get_attribute(actor, "jid");
		m->actor_nick = xmpp_stanza_get_attribute(actor, "nick");
	}
	m->reason = child_text(p, item, NS_MUC_USER, "reason");
}

/*
 * The muc#user <x/>; the first of each child counts, every <status/>
 * adds its bit (a code we do not know is counted, and otherwise ignored:
 * §16.6 keeps adding codes).
 */
static void
read_muc_user(struct xmpp_link_parsed *p, struct xmpp_in_muc *m,
    xmpp_stanza_t *x)
{
	xmpp_stanza_t *c;
	unsigned int bit;
	int have_item = 0;

	if (m->present)
		return;
	m->present = 1;
	for (c = xmpp_stanza_get_children(x); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if (is_el(c, NS_MUC_USER, "status")) {
			bit = xmpp_muc_status_bit(status_code(
			    xmpp_stanza_get_attribute(c, "code")));
			if (bit != 0)
				m->status |= bit;
			else if (m->unknown_status < COUNT_CAP)
				m->unknown_status++;
		} else if (is_el(c, NS_MUC_USER, "item") && !have_item) {
			have_item = 1;
			read_item(p, m, c);
		} else if (is_el(c, NS_MUC_USER, "destroy") && !m->destroyed) {
			m->destroyed = 1;
			m->destroy_jid = xmpp_stanza_get_attribute(c, "jid");
			m->destroy_reason = child_text(p, c, NS_MUC_USER,
			    "reason");
		} else if (is_el(c, NS_MUC_USER, "invite") && !m->invited) {
			m->invited = 1;
			m->invite_from = xmpp_stanza_get_attribute(c, "from");
			m->invite_reason = child_text(p, c, NS_MUC_USER,
			    "reason");
		} else if (is_el(c, NS_MUC_USER, "decline") && !m->declined) {
			m->declined = 1;
			m->decline_from = xmpp_stanza_get_attribute(c, "from");
			m->decline_reason = child_text(p, c, NS_MUC_USER,
			    "reason");
		} else if (is_el(c, NS_MUC_USER, "password") &&
		    m->password == NULL)
			m->password = xmpp_link_elem_text(p, c);
	}
}

/* XEP-0249 §2: continue is an xs:boolean. */
static int
xs_true(const char *s)
{
	return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

/* Length of the bare part of a JID (before any '/'). */
static size_t
bare_len(const char *jid)
{
	const char *slash = strchr(jid, '/');

	return slash != NULL ? (size_t)(slash - jid) : strlen(jid);
}

/* True when by names the bare JID of from (ASCII case-blind). */
static int
by_sender(const char *by, const char *from)
{
	size_t n;

	if (by == NULL || from == NULL)
		return 0;
	n = bare_len(from);
	return strlen(by) == n && strncasecmp(by, from, n) == 0;
}

/*
 * A child of a <message/> outside the stanza's namespace: 1 when it is
 * one of ours (read into p->msg), 0 when it is someone else's payload.
 */
int
xmpp_link_muc_message_child(struct xmpp_link_parsed *p, xmpp_stanza_t *c)
{
	struct xmpp_in_message *m = &p->msg;
	struct xmpp_in_direct_invite *d = &m->direct_invite;
	const char *by;

	if (is_el(c, NS_MUC_USER, "x")) {
		read_muc_user(p, &m->muc, c);
		return 1;
	}
	if (is_el(c, NS_CONFERENCE, "x")) {
		/* XEP-0249 §2: jid is REQUIRED; without it, no invitation. */
		if (d->jid == NULL &&
		    (d->jid = xmpp_stanza_get_attribute(c, "jid")) != NULL) {
			d->password = xmpp_stanza_get_attribute(c, "password");
			d->reason = xmpp_stanza_get_attribute(c, "reason");
			d->cont = xs_true(xmpp_stanza_get_attribute(c,
			    "continue"));
			d->thread = xmpp_stanza_get_attribute(c, "thread");
		}
		return 1;
	}
	if (is_el(c, NS_DELAY, "delay")) {
		if (m->delay_stamp == NULL) {
			m->delay_stamp = xmpp_stanza_get_attribute(c, "stamp");
			m->delay_from = xmpp_stanza_get_attribute(c, "from");
		}
		return 1;
	}
	if (is_el(c, NS_SID, "origin-id")) {
		if (m->origin_id == NULL)
			m->origin_id = xmpp_stanza_get_attribute(c, "id");
		return 1;
	}
	if (is_el(c, NS_SID, "stanza-id")) {
		/*
		 * XEP-0359 §3: several entities may add one; the room's
		 * (by its own bare JID, the groupchat's from) is the one a
		 * gateway may trust, and only where the room says it
		 * supports urn:xmpp:sid:0 (the caller checks disco).
		 */
		by = xmpp_stanza_get_attribute(c, "by");
		if (m->stanza_id == NULL || (by_sender(by, m->from) &&
		    !by_sender(m->stanza_id_by, m->from))) {
			m->stanza_id = xmpp_stanza_get_attribute(c, "id");
			m->stanza_id_by = by;
		}
		return 1;
	}
	return 0;
}

/* A child of a <presence/> outside its namespace: 1 when it was ours. */
int
xmpp_link_muc_presence_child(struct xmpp_link_parsed *p, xmpp_stanza_t *c)
{
	if (is_el(c, NS_MUC_USER, "x")) {
		read_muc_user(p, &p->pres.muc, c);
		return 1;
	}
	return 0;
}

/* The disco#info features we look for (XEP-0045 §6.4, §17.1). */
static const struct {
	const char *var;
	unsigned int bit;
} disco_features[] = {
	{ "http://jabber.org/protocol/muc", XMPP_DISCO_MUC },
	{ "http://jabber.org/protocol/muc#stable_id",
	    XMPP_DISCO_MUC_STABLE_ID },
	{ "http://jabber.org/protocol/muc#self-ping-optimization",
	    XMPP_DISCO_SELF_PING },
	{ "urn:xmpp:sid:0", XMPP_DISCO_SID },
	{ "muc_membersonly", XMPP_DISCO_MEMBERSONLY },
	{ "muc_passwordprotected", XMPP_DISCO_PASSWORD },
	{ "muc_nonanonymous", XMPP_DISCO_NONANONYMOUS },
	{ "muc_semianonymous", XMPP_DISCO_SEMIANONYMOUS },
	{ "muc_moderated", XMPP_DISCO_MODERATED },
	{ "muc_persistent", XMPP_DISCO_PERSISTENT },
	{ "muc_temporary", XMPP_DISCO_TEMPORARY },
	{ "jabber:x:conference", XMPP_DISCO_CONFERENCE },
	{ "urn:xmpp:ping", XMPP_DISCO_PING },
};

/* The bit of a feature var, 0 for one we do not look for. */
static unsigned int
feature_bit(const char *var)
{
	for (size_t i = 0; var != NULL &&
	    i < sizeof(disco_features) / sizeof(disco_features[0]); i++)
		if (strcmp(var, disco_features[i].var) == 0)
			return disco_features[i].bit;
	return 0;
}

/* True when a JID has a local part: "room@service", not "service". */
static int
has_local(const char *jid)
{
	const char *at;

	if (jid == NULL || (at = strchr(jid, '@')) == NULL)
		return 0;
	return at != jid && (size_t)(at - jid) < bare_len(jid);
}

/*
 * An <iq type='result'/> answering disco#info (XEP-0030 §3.1), or an
 * <iq type='error'/> (an absent room is item-not-found, §6.4) into
 * out->disco. A room is an identity category='conference' type='text'
 * (XEP-0045 §6.4; the service has the same identity, §6.1, so the address
 * must have a local part too). Returns -1 when the stanza is neither.
 */
int
xmpp_link_parse_disco_info(xmpp_stanza_t *st, struct xmpp_link_parsed *out)
{
	struct xmpp_in_disco_info *d = &out->disco;
	xmpp_stanza_t *q, *c, *error;
	const char *type, *cat, *ctype;

	memset(out, 0, sizeof(*out));
	if (st == NULL || !xmpp_stanza_is_tag(st) ||
	    xmpp_stanza_get_name(st) == NULL ||
	    strcmp(xmpp_stanza_get_name(st), "iq") != 0)
		return -1;
	out->ctx = xmpp_stanza_get_context(st);
	type = xmpp_stanza_get_attribute(st, "type");
	d->from = xmpp_stanza_get_attribute(st, "from");
	d->to = xmpp_stanza_get_attribute(st, "to");
	d->id = xmpp_stanza_get_attribute(st, "id");
	if (type != NULL && strcmp(type, "error") == 0) {
		for (c = xmpp_stanza_get_children(st); c != NULL;
		    c = xmpp_stanza_get_next(c))
			if (xmpp_stanza_is_tag(c) &&
			    xmpp_stanza_get_name(c) != NULL &&
			    strcmp(xmpp_stanza_get_name(c), "error") == 0)
				break;
		if ((error = c) == NULL)
			d->error_condition = "undefined-condition";
		else {
			xmpp_link_read_error(out, error);
			d->error_condition = out->msg.error_condition != NULL ?
			    out->msg.error_condition : "undefined-condition";
			d->error_type = out->msg.error_type;
		}
		return 0;
	}
	if (type == NULL || strcmp(type, "result") != 0 ||
	    (q = child(st, NS_DISCO_INFO, "query")) == NULL)
		return -1;
	d->node = xmpp_stanza_get_attribute(q, "node");
	for (c = xmpp_stanza_get_children(q); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if (is_el(c, NS_DISCO_INFO, "identity")) {
			if (d->n_identities < COUNT_CAP)
				d->n_identities++;
			cat = xmpp_stanza_get_attribute(c, "category");
			ctype = xmpp_stanza_get_attribute(c, "type");
			if (!d->is_conference && cat != NULL && ctype != NULL &&
			    strcmp(cat, "conference") == 0 &&
			    strcmp(ctype, "text") == 0) {
				d->is_conference = 1;
				d->name = xmpp_stanza_get_attribute(c, "name");
			}
		} else if (is_el(c, NS_DISCO_INFO, "feature")) {
			if (d->n_features < COUNT_CAP)
				d->n_features++;
			d->features |= feature_bit(
			    xmpp_stanza_get_attribute(c, "var"));
		}
	}
	d->is_room = d->is_conference && has_local(d->from);
	return 0;
}
