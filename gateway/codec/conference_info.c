/*
 * RFC 4575 conference-info documents, written: the NOTIFY bodies of the
 * conference event package for a room's SIP subscribers. Also the names
 * of the values, the subscriber's version rule (§4.6) and an equality
 * (what a round trip through conference_info_parse must keep).
 *
 * A document is written whole or not at all: a value that is not UTF-8
 * or holds a character XML cannot carry (a nick is anyone's choice)
 * makes the build fail with the buffer put back, never a body a client
 * would choke on. A full document always has <conference-description>
 * and <users> (§5.2 MUST); a deleted element has no children (§4.4).
 */
#include <stdio.h>
#include <string.h>

#include "conference_info.h"

/* Name of a state attribute value. */
const char *
ci_state_name(enum ci_state s)
{
	switch (s) {
	case CI_STATE_FULL:
		return "full";
	case CI_STATE_PARTIAL:
		return "partial";
	case CI_STATE_DELETED:
		return "deleted";
	}
	return NULL;
}

/* Name of an endpoint status (§5.7.2); NULL for NONE. */
const char *
ci_status_name(enum ci_status s)
{
	static const char *const names[] = {
		NULL, "connected", "disconnected", "on-hold",
		"muted-via-focus", "pending", "alerting", "dialing-in",
		"dialing-out", "disconnecting",
	};

	if ((size_t)s >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[s];
}

/* Name of a joining method (§5.7.3); NULL for NONE. */
const char *
ci_joining_name(enum ci_joining j)
{
	static const char *const names[] = {
		NULL, "dialed-in", "dialed-out", "focus-owner",
	};

	if ((size_t)j >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[j];
}

/* Name of a disconnection method (§5.7.5); NULL for NONE. */
const char *
ci_disconnection_name(enum ci_disconnection d)
{
	static const char *const names[] = {
		NULL, "departed", "booted", "failed", "busy",
	};

	if ((size_t)d >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[d];
}

static int says_users(const struct conference_info *ci);

/* Appends ` name="value"`, checked and escaped; -1 if XML cannot carry it. */
static int
attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_appends(sb, " ");
	strbuf_appends(sb, name);
	strbuf_appends(sb, "=\"");
	if (strbuf_append_xml_checked(sb, value, strlen(value), 1) < 0)
		return -1;
	strbuf_appends(sb, "\"");
	return 0;
}

/* Appends ` state="…"` unless it is full, the default (§4.4). */
static int
state_attr(struct strbuf *sb, enum ci_state s)
{
	if (s == CI_STATE_FULL)
		return 0;
	if (ci_state_name(s) == NULL)
		return -1;
	return attr(sb, "state", ci_state_name(s));
}

/* Appends <name>text</name> unless text is NULL. */
static int
element(struct strbuf *sb, const char *name, const char *text)
{
	if (text == NULL)
		return 0;
	strbuf_appends(sb, "<");
	strbuf_appends(sb, name);
	strbuf_appends(sb, ">");
	if (strbuf_append_xml_checked(sb, text, strlen(text), 0) < 0)
		return -1;
	strbuf_appends(sb, "</");
	strbuf_appends(sb, name);
	strbuf_appends(sb, ">");
	return 0;
}

/* <endpoint/> (§5.7), in the schema's order of children. */
static int
build_endpoint(struct strbuf *sb, const struct ci_endpoint *e)
{
	strbuf_appends(sb, "<endpoint");
	if (e->entity != NULL && attr(sb, "entity", e->entity) < 0)
		return -1;
	if (state_attr(sb, e->state) < 0)
		return -1;
	if (e->state == CI_STATE_DELETED) {
		strbuf_appends(sb, "/>");
		return 0;
	}
	strbuf_appends(sb, ">");
	if (element(sb, "display-text", e->display_text) < 0 ||
	    element(sb, "status", ci_status_name(e->status)) < 0 ||
	    element(sb, "joining-method",
	    ci_joining_name(e->joining_method)) < 0)
		return -1;
	if (e->joining_when != NULL) {
		strbuf_appends(sb, "<joining-info>");
		if (element(sb, "when", e->joining_when) < 0)
			return -1;
		strbuf_appends(sb, "</joining-info>");
	}
	if (element(sb, "disconnection-method",
	    ci_disconnection_name(e->disconnection_method)) < 0)
		return -1;
	if (e->disconnection_when != NULL || e->disconnection_reason != NULL) {
		strbuf_appends(sb, "<disconnection-info>");
		if (element(sb, "when", e->disconnection_when) < 0 ||
		    element(sb, "reason", e->disconnection_reason) < 0)
			return -1;
		strbuf_appends(sb, "</disconnection-info>");
	}
	strbuf_appends(sb, "</endpoint>");
	return 0;
}

/* <user/> (§5.6): entity is its key and required. */
static int
build_user(struct strbuf *sb, const struct ci_user *u)
{
	if (u->entity == NULL || *u->entity == '\0')
		return -1;
	if (ci_state_name(u->state) == NULL)
		return -1;
	/* The RFC's examples say a user's state even when full. */
	strbuf_appends(sb, "<user");
	if (attr(sb, "entity", u->entity) < 0)
		return -1;
	strbuf_appends(sb, " state=\"");
	strbuf_appends(sb, ci_state_name(u->state));
	strbuf_appends(sb, "\"");
	if (u->state == CI_STATE_DELETED) {
		strbuf_appends(sb, "/>");
		return 0;
	}
	strbuf_appends(sb, ">");
	if (element(sb, "display-text", u->display_text) < 0)
		return -1;
	if (u->n_roles > CI_MAX_ROLES)
		return -1;
	if (u->n_roles > 0) {
		strbuf_appends(sb, "<roles>");
		for (size_t i = 0; i < u->n_roles; i++)
			if (u->roles[i] == NULL ||
			    element(sb, "entry", u->roles[i]) < 0)
				return -1;
		strbuf_appends(sb, "</roles>");
	}
	for (size_t i = 0; i < u->n_endpoints; i++) {
		/* §4.4: a full parent has full children. */
		if (u->state == CI_STATE_FULL &&
		    u->endpoints[i].state != CI_STATE_FULL)
			return -1;
		if (build_endpoint(sb, &u->endpoints[i]) < 0)
			return -1;
	}
	strbuf_appends(sb, "</user>");
	return 0;
}

/*
 * Appends a whole document (RFC 4575 §5):
 *   <?xml …?><conference-info xmlns entity state version>
 *     <conference-description><display-text/><subject/></…>
 *     <conference-state><user-count/></…>
 *     <users [state]><user entity state>…</user></users>
 *   </conference-info>
 * Returns -1 with sb unchanged if the entity or a user's entity is
 * missing, a value is out of range, a string is not XML text, or an
 * allocation failed.
 */
int
conference_info_build(struct strbuf *sb, const struct conference_info *ci)
{
	size_t start = sb->len;
	char num[24];
	int full;

	if (sb->failed || ci == NULL || ci->entity == NULL ||
	    *ci->entity == '\0' || ci_state_name(ci->state) == NULL)
		return -1;
	full = ci->state == CI_STATE_FULL;
	strbuf_appends(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<conference-info xmlns=\"" CONFERENCE_INFO_NS "\"");
	if (attr(sb, "entity", ci->entity) < 0)
		goto fail;
	strbuf_appends(sb, " state=\"");
	strbuf_appends(sb, ci_state_name(ci->state));
	snprintf(num, sizeof(num), "%lu", (unsigned long)ci->version);
	strbuf_appends(sb, "\" version=\"");
	strbuf_appends(sb, num);
	if (ci->state == CI_STATE_DELETED) {
		/* §4.4: the conference is gone; children would be ignored. */
		strbuf_appends(sb, "\"/>\n");
		goto done;
	}
	strbuf_appends(sb, "\">");
	if (full || ci->display_text != NULL || ci->subject != NULL) {
		strbuf_appends(sb, "<conference-description>");
		if (element(sb, "display-text", ci->display_text) < 0 ||
		    element(sb, "subject", ci->subject) < 0)
			goto fail;
		strbuf_appends(sb, "</conference-description>");
	}
	if (ci->user_count >= 0) {
		snprintf(num, sizeof(num), "%ld", ci->user_count);
		strbuf_appends(sb, "<conference-state><user-count>");
		strbuf_appends(sb, num);
		strbuf_appends(sb, "</user-count></conference-state>");
	}
	if (says_users(ci)) {
		/* §4.4: a full parent has full children. */
		if (full && ci->users_state != CI_STATE_FULL)
			goto fail;
		strbuf_appends(sb, "<users");
		if (state_attr(sb, ci->users_state) < 0)
			goto fail;
		strbuf_appends(sb, ">");
		for (size_t i = 0; i < ci->n_users; i++) {
			if (ci->users_state == CI_STATE_FULL &&
			    ci->users[i].state != CI_STATE_FULL)
				goto fail;
			if (build_user(sb, &ci->users[i]) < 0)
				goto fail;
		}
		strbuf_appends(sb, "</users>");
	}
	strbuf_appends(sb, "</conference-info>\n");
done:
	if (sb->failed)
		goto fail;
	return 0;
fail:
	if (!sb->failed && sb->buf != NULL) {
		sb->len = start;
		sb->buf[start] = '\0';
	}
	return -1;
}

/*
 * RFC 4575 §4.6, the subscriber's rule: a document older than or equal
 * to what we hold is discarded; full and deleted replace; a partial must
 * be exactly the next version, and one that skips means we missed one
 * (refresh the subscription for full state). Before any full document,
 * a partial cannot be applied either.
 */
enum ci_verdict
conference_info_check_version(int have_local, uint32_t local,
    enum ci_state state, uint32_t version)
{
	if (!have_local)
		return state == CI_STATE_PARTIAL ? CI_RESYNC : CI_APPLY;
	if (version <= local)
		return CI_DISCARD;
	if (state != CI_STATE_PARTIAL)
		return CI_APPLY;
	return version == local + 1 ? CI_APPLY : CI_RESYNC;
}

/* Both NULL, or both the same string. */
static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Two endpoints say the same. */
static int
endpoint_equal(const struct ci_endpoint *a, const struct ci_endpoint *b)
{
	return same(a->entity, b->entity) && a->state == b->state &&
	    same(a->display_text, b->display_text) && a->status == b->status &&
	    a->joining_method == b->joining_method &&
	    same(a->joining_when, b->joining_when) &&
	    a->disconnection_method == b->disconnection_method &&
	    same(a->disconnection_when, b->disconnection_when) &&
	    same(a->disconnection_reason, b->disconnection_reason);
}

/* Two users say the same. */
static int
user_equal(const struct ci_user *a, const struct ci_user *b)
{
	if (!same(a->entity, b->entity) || a->state != b->state ||
	    !same(a->display_text, b->display_text) ||
	    a->n_roles != b->n_roles || a->n_endpoints != b->n_endpoints)
		return 0;
	for (size_t i = 0; i < a->n_roles; i++)
		if (!same(a->roles[i], b->roles[i]))
			return 0;
	for (size_t i = 0; i < a->n_endpoints; i++)
		if (!endpoint_equal(&a->endpoints[i], &b->endpoints[i]))
			return 0;
	return 1;
}

/* Whether the document says <users>: a full one always does. */
static int
says_users(const struct conference_info *ci)
{
	return ci->has_users || ci->state == CI_STATE_FULL || ci->n_users > 0;
}

/* 1 when two documents say the same (truncated aside). */
int
conference_info_equal(const struct conference_info *a,
    const struct conference_info *b)
{
	if (says_users(a) != says_users(b))
		return 0;
	if (!same(a->entity, b->entity) || a->state != b->state ||
	    a->version != b->version ||
	    !same(a->display_text, b->display_text) ||
	    !same(a->subject, b->subject) || a->user_count != b->user_count ||
	    a->users_state != b->users_state || a->n_users != b->n_users)
		return 0;
	for (size_t i = 0; i < a->n_users; i++)
		if (!user_equal(&a->users[i], &b->users[i]))
			return 0;
	return 1;
}
