/*
 * RFC 4575 conference-info documents, read: for the tests (the RFC's own
 * examples must survive a round trip through conference_info_build) and
 * the fuzzer, and for any caller that is handed one. Hostile input: the
 * body is capped, must be UTF-8, may not carry a DOCTYPE (so no entity
 * can expand), libxml2 runs without network (XML_PARSE_NONET), elements
 * are matched by namespace URI, never by prefix, and users, endpoints and
 * roles past their bounds are skipped (truncated says so).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cause.h"
#include "conference_info.h"
#include "xml_read.h"
#include "strbuf.h"

#define NS	CONFERENCE_INFO_NS

/* Results of the readers: 0, a protocol error, or out of memory. */
#define BAD	(-1)
#define NOMEM	(-2)

/* 1 if n is an element called name in the conference-info namespace. */
static int
is_el(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The text of an element, trimmed of XML whitespace, malloc'ed. */
static char *
text_of(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s, *e;
	char *r;

	if (t == NULL)
		return NULL;
	s = (const char *)t;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	r = strndup(s, (size_t)(e - s));
	xmlFree(t);
	return r;
}

/* Sets *dst to n's text unless already set: the first one counts. */
static int
take_text(const xmlNode *n, char **dst)
{
	if (*dst != NULL)
		return 0;
	return (*dst = text_of(n)) == NULL ? NOMEM : 0;
}

/* Copies attribute name of n into *dst (NULL if absent). */
static int
take_attr(const xmlNode *n, const char *name, char **dst)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);

	if (v == NULL)
		return 0;
	*dst = strdup((const char *)v);
	xmlFree(v);
	return *dst == NULL ? NOMEM : 0;
}

/* The state attribute (§4.4): absent is full; anything else is BAD. */
static int
read_state(const xmlNode *n, enum ci_state *out)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"state");
	int r = BAD;

	*out = CI_STATE_FULL;
	if (v == NULL)
		return 0;
	for (int s = CI_STATE_FULL; s <= CI_STATE_DELETED; s++)
		if (strcmp((const char *)v, ci_state_name(s)) == 0) {
			*out = (enum ci_state)s;
			r = 0;
		}
	xmlFree(v);
	return r;
}

/*
 * An enumerated element's value, by its names (index 0 is NONE); a
 * value we do not know is NONE: the schema lets these lists grow.
 */
static int
read_enum(const xmlNode *n, const char *(*name)(int), int last, int *out)
{
	char *t = text_of(n);

	if (t == NULL)
		return NOMEM;
	*out = 0;
	for (int i = 1; i <= last; i++)
		if (strcmp(t, name(i)) == 0)
			*out = i;
	free(t);
	return 0;
}

/* Adapters: the name functions by int. */
static const char *
status_name(int i)
{
	return ci_status_name((enum ci_status)i);
}

static const char *
joining_name(int i)
{
	return ci_joining_name((enum ci_joining)i);
}

static const char *
disconnection_name(int i)
{
	return ci_disconnection_name((enum ci_disconnection)i);
}

/* Frees what one endpoint holds. */
static void
endpoint_clear(struct ci_endpoint *e)
{
	free(e->entity);
	free(e->display_text);
	free(e->joining_when);
	free(e->disconnection_when);
	free(e->disconnection_reason);
	memset(e, 0, sizeof(*e));
}

/* Frees what one user holds. */
static void
user_clear(struct ci_user *u)
{
	free(u->entity);
	free(u->display_text);
	for (size_t i = 0; i < u->n_roles; i++)
		free(u->roles[i]);
	for (size_t i = 0; i < u->n_endpoints; i++)
		endpoint_clear(&u->endpoints[i]);
	free(u->endpoints);
	memset(u, 0, sizeof(*u));
}

/* <endpoint/> (§5.7); children of a deleted one are ignored (§4.4). */
static int
read_endpoint(const xmlNode *n, struct ci_endpoint *e)
{
	int r, v;

	if ((r = read_state(n, &e->state)) != 0 ||
	    (r = take_attr(n, "entity", &e->entity)) != 0)
		return r;
	if (e->state == CI_STATE_DELETED)
		return 0;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (is_el(c, "display-text"))
			r = take_text(c, &e->display_text);
		else if (is_el(c, "status")) {
			if ((r = read_enum(c, status_name,
			    CI_STATUS_DISCONNECTING, &v)) == 0)
				e->status = (enum ci_status)v;
		} else if (is_el(c, "joining-method")) {
			if ((r = read_enum(c, joining_name,
			    CI_JOINING_FOCUS_OWNER, &v)) == 0)
				e->joining_method = (enum ci_joining)v;
		} else if (is_el(c, "disconnection-method")) {
			if ((r = read_enum(c, disconnection_name,
			    CI_DISCONNECTION_BUSY, &v)) == 0)
				e->disconnection_method =
				    (enum ci_disconnection)v;
		} else if (is_el(c, "joining-info")) {
			for (const xmlNode *d = c->children; d != NULL &&
			    r == 0; d = d->next)
				if (is_el(d, "when"))
					r = take_text(d, &e->joining_when);
		} else if (is_el(c, "disconnection-info")) {
			for (const xmlNode *d = c->children; d != NULL &&
			    r == 0; d = d->next)
				if (is_el(d, "when"))
					r = take_text(d,
					    &e->disconnection_when);
				else if (is_el(d, "reason"))
					r = take_text(d,
					    &e->disconnection_reason);
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* <user/> (§5.6): entity is its key; a user without one is BAD. */
static int
read_user(const xmlNode *n, struct ci_user *u, int *truncated)
{
	int r = 0;

	if ((r = read_state(n, &u->state)) != 0 ||
	    (r = take_attr(n, "entity", &u->entity)) != 0)
		return r;
	if (u->entity == NULL || *u->entity == '\0')
		return BAD;
	if (u->state == CI_STATE_DELETED)
		return 0;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (is_el(c, "display-text"))
			r = take_text(c, &u->display_text);
		else if (is_el(c, "roles")) {
			for (const xmlNode *d = c->children; d != NULL &&
			    r == 0; d = d->next) {
				if (!is_el(d, "entry"))
					continue;
				if (u->n_roles == CI_MAX_ROLES) {
					*truncated = 1;
					continue;
				}
				if ((u->roles[u->n_roles] = text_of(d)) ==
				    NULL)
					r = NOMEM;
				else
					u->n_roles++;
			}
		} else if (is_el(c, "endpoint")) {
			struct ci_endpoint *e;

			if (u->n_endpoints == CI_MAX_ENDPOINTS) {
				*truncated = 1;
				continue;
			}
			if (u->endpoints == NULL && (u->endpoints = calloc(
			    CI_MAX_ENDPOINTS, sizeof(*u->endpoints))) == NULL)
				return NOMEM;
			e = &u->endpoints[u->n_endpoints];
			if ((r = read_endpoint(c, e)) != 0) {
				endpoint_clear(e);
				return r;
			}
			u->n_endpoints++;
			/* §4.4: a full parent has full children. */
			if (u->state == CI_STATE_FULL &&
			    e->state != CI_STATE_FULL)
				return BAD;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

/* <users/> (§5.5), growing the array as users come, up to CI_MAX_USERS. */
static int
read_users(const xmlNode *n, struct conference_info *ci)
{
	size_t cap = 0;
	struct ci_user *grown;
	int r;

	if ((r = read_state(n, &ci->users_state)) != 0)
		return r;
	ci->has_users = 1;
	if (ci->users_state == CI_STATE_DELETED)
		return 0;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!is_el(c, "user"))
			continue;
		if (ci->n_users == CI_MAX_USERS) {
			ci->truncated = 1;
			continue;
		}
		if (ci->n_users == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > CI_MAX_USERS)
				cap = CI_MAX_USERS;
			if ((grown = reallocarray(ci->users, cap,
			    sizeof(*grown))) == NULL)
				return NOMEM;
			ci->users = grown;
		}
		memset(&ci->users[ci->n_users], 0, sizeof(ci->users[0]));
		if ((r = read_user(c, &ci->users[ci->n_users],
		    &ci->truncated)) != 0) {
			user_clear(&ci->users[ci->n_users]);
			return r;
		}
		ci->n_users++;
		if (ci->users_state == CI_STATE_FULL &&
		    ci->users[ci->n_users - 1].state != CI_STATE_FULL)
			return BAD;
	}
	return 0;
}

/* <conference-description/> (§5.3): display-text and subject. */
static int
read_description(const xmlNode *n, struct conference_info *ci)
{
	int r = 0;

	for (const xmlNode *c = n->children; c != NULL && r == 0; c = c->next)
		if (is_el(c, "display-text"))
			r = take_text(c, &ci->display_text);
		else if (is_el(c, "subject"))
			r = take_text(c, &ci->subject);
	return r;
}

/* A non-negative decimal up to max, whole text; -1 otherwise. */
static long long
decimal(const char *s, long long max)
{
	long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	return v;
}

/* <conference-state><user-count/> (§5.4). */
static int
read_conference_state(const xmlNode *n, struct conference_info *ci)
{
	char *t;
	long long v;

	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!is_el(c, "user-count") || ci->user_count >= 0)
			continue;
		if ((t = text_of(c)) == NULL)
			return NOMEM;
		v = decimal(t, 0x7fffffff);
		free(t);
		if (v < 0)
			return BAD;
		ci->user_count = (long)v;
	}
	return 0;
}

/* The root's entity and version (both MUST, §4.3) and its children. */
static int
read_root(const xmlNode *root, struct conference_info *out, char **cause)
{
	xmlChar *v;
	long long version;
	int r;

	if ((r = read_state(root, &out->state)) != 0) {
		set_cause(cause, "conference-info: unknown state");
		return r;
	}
	if ((r = take_attr(root, "entity", &out->entity)) != 0)
		return r;
	if (out->entity == NULL || *out->entity == '\0') {
		set_cause(cause, "conference-info: no entity");
		return BAD;
	}
	v = xmlGetNoNsProp(root, (const xmlChar *)"version");
	version = v != NULL ? decimal((const char *)v, 0xffffffffLL) : -1;
	xmlFree(v);
	if (version < 0) {
		set_cause(cause, "conference-info: no or bad version");
		return BAD;
	}
	out->version = (uint32_t)version;
	if (out->state == CI_STATE_FULL)
		out->has_users = 1;	/* a full document has users (§5.2) */
	if (out->state == CI_STATE_DELETED)
		return 0;		/* children ignored (§4.4) */
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		r = 0;
		if (is_el(c, "conference-description"))
			r = read_description(c, out);
		else if (is_el(c, "conference-state"))
			r = read_conference_state(c, out);
		else if (is_el(c, "users") && out->users == NULL)
			r = read_users(c, out);
		if (r == BAD)
			set_cause(cause, "conference-info: bad %s",
			    (const char *)c->name);
		if (r != 0)
			return r;
		if (out->state == CI_STATE_FULL &&
		    out->users_state != CI_STATE_FULL) {
			set_cause(cause, "conference-info: a full document "
			    "with users not full");
			return BAD;
		}
	}
	return 0;
}

/*
 * Reads an RFC 4575 document into out (conference_info_free() it).
 * Returns 0, or -1 with *cause (if given) saying why: too large, not
 * UTF-8, a DOCTYPE, not well-formed, not conference-info, no entity or
 * version, a state that is none of the three, a user without entity, a
 * full element with a child that is not full (§4.4), or no memory.
 */
int
conference_info_parse(const char *body, size_t len,
    struct conference_info *out, char **cause)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int r = -1;

	if (cause != NULL)
		*cause = NULL;
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->user_count = -1;
	if (body == NULL || len == 0) {
		set_cause(cause, "conference-info: empty body");
		goto out;
	}
	if (len > CI_MAX_BODY) {
		set_cause(cause, "conference-info: body of %zu bytes, "
		    "limit %d", len, CI_MAX_BODY);
		goto out;
	}
	if ((doc = xml_read_body(body, len, "conference-info", cause)) ==
	    NULL)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, "conference-info")) {
		set_cause(cause, "conference-info: root is not "
		    "<conference-info/>");
		goto out;
	}
	switch (read_root(root, out, cause)) {
	case 0:
		r = 0;
		break;
	case BAD:
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "conference-info: bad document");
		break;
	default:
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		set_cause(cause, "conference-info: out of memory");
		break;
	}
out:
	if (r != 0)
		conference_info_free(out);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return r;
}

/* Frees what conference_info_parse() allocated; out is zeroed. */
void
conference_info_free(struct conference_info *ci)
{
	if (ci == NULL)
		return;
	free(ci->entity);
	free(ci->display_text);
	free(ci->subject);
	for (size_t i = 0; i < ci->n_users; i++)
		user_clear(&ci->users[i]);
	free(ci->users);
	memset(ci, 0, sizeof(*ci));
	ci->user_count = -1;
}
