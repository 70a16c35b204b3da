/*
 * PIDF (RFC 3863) <-> neutral presence, the data mapping of RFC 8048 §6.
 * Parsing is lenient about the dialects real clients send (RPID, data
 * model, notes only, odd <basic/>), but matches elements by namespace URI,
 * never by prefix, and refuses DOCTYPEs, entities and oversized bodies.
 *
 * This file reads PIDF and holds the vocabulary of shows; the XMPP view
 * of what it read is made in pidf_xmpp.c (and packed in pidf_pack.c),
 * PIDF is written from XMPP presence in pidf_build.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cause.h"
#include "pidf.h"
#include "pidf_int.h"
#include "xml_read.h"

#define NS_XML		"http://www.w3.org/XML/1998/namespace"

#define PIDF_MAX_DEPTH	8	/* how deep we look for show/activities */

/* 1 if n is an element called name in namespace ns. */
static int
is_el(const xmlNode *n, const char *ns, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->ns == NULL ||
	    n->ns->href == NULL)
		return 0;
	return strcmp((const char *)n->name, name) == 0 &&
	    strcmp((const char *)n->ns->href, ns) == 0;
}

/* 1 if n is an element in namespace ns, whatever its name. */
static int
in_ns(const xmlNode *n, const char *ns)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

/* The text content of an element, whitespace-trimmed, malloc'ed. */
static char *
text_trimmed(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s, *e, *r;

	if (t == NULL)
		return NULL;
	s = (char *)t;
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

/* The note text (untrimmed, as sent) and its xml:lang. */
static int
take_note(const xmlNode *n, char **note, char **lang)
{
	xmlChar *t, *l;

	if (*note != NULL)
		return 0;	/* the first note wins */
	if ((t = xmlNodeGetContent(n)) == NULL)
		return -1;
	*note = strdup((const char *)t);
	xmlFree(t);
	if (*note == NULL)
		return -1;
	l = xmlGetNsProp(n, (const xmlChar *)"lang", (const xmlChar *)NS_XML);
	if (l != NULL) {
		*lang = strdup((const char *)l);
		xmlFree(l);
		if (*lang == NULL)
			return -1;
	}
	return 0;
}

/* The XMPP name of a show value; NULL for NONE. */
const char *
presence_show_name(enum presence_show show)
{
	switch (show) {
	case PRESENCE_SHOW_CHAT:
		return "chat";
	case PRESENCE_SHOW_AWAY:
		return "away";
	case PRESENCE_SHOW_XA:
		return "xa";
	case PRESENCE_SHOW_DND:
		return "dnd";
	default:
		return NULL;
	}
}

/* RFC 6121 §4.7.2.1 show values; -1 for anything else. */
int
presence_show_from_name(const char *name, enum presence_show *show)
{
	static const enum presence_show all[] = { PRESENCE_SHOW_CHAT,
	    PRESENCE_SHOW_AWAY, PRESENCE_SHOW_XA, PRESENCE_SHOW_DND };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, presence_show_name(all[i])) == 0) {
			*show = all[i];
			return 0;
		}
	return -1;
}

/*
 * RPID activity (RFC 4480 §3.2 element name) to show, with the table in
 * STANDARDS.md ("RPID activities -> show"). Returns 1 and sets *show for a
 * known activity, 2 for permanent-absence (unavailable), 0 for anything
 * else, "unknown" included (it says nothing).
 */
int
pidf_rpid_activity(const char *name, enum presence_show *show)
{
	static const struct {
		const char *name;
		enum presence_show show;
	} tab[] = {
		{ "appointment", PRESENCE_SHOW_DND },
		{ "busy", PRESENCE_SHOW_DND },
		{ "looking-for-work", PRESENCE_SHOW_DND },
		{ "meeting", PRESENCE_SHOW_DND },
		{ "performance", PRESENCE_SHOW_DND },
		{ "presentation", PRESENCE_SHOW_DND },
		{ "working", PRESENCE_SHOW_DND },
		{ "worship", PRESENCE_SHOW_DND },
		{ "away", PRESENCE_SHOW_AWAY },
		{ "on-the-phone", PRESENCE_SHOW_AWAY },
		{ "playing", PRESENCE_SHOW_AWAY },
		{ "tv", PRESENCE_SHOW_AWAY },
		{ "breakfast", PRESENCE_SHOW_XA },
		{ "dinner", PRESENCE_SHOW_XA },
		{ "holiday", PRESENCE_SHOW_XA },
		{ "in-transit", PRESENCE_SHOW_XA },
		{ "lunch", PRESENCE_SHOW_XA },
		{ "meal", PRESENCE_SHOW_XA },
		{ "shopping", PRESENCE_SHOW_XA },
		{ "sleeping", PRESENCE_SHOW_XA },
		{ "spectator", PRESENCE_SHOW_XA },
		{ "steering", PRESENCE_SHOW_XA },
		{ "travel", PRESENCE_SHOW_XA },
		{ "vacation", PRESENCE_SHOW_XA },
		{ "other", PRESENCE_SHOW_NONE },
	};

	if (strcmp(name, "permanent-absence") == 0)
		return 2;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(name, tab[i].name) == 0) {
			*show = tab[i].show;
			return 1;
		}
	return 0;
}

/* How unavailable a show is, to keep the strongest of several activities. */
static int
show_unavail_rank(enum presence_show s)
{
	switch (s) {
	case PRESENCE_SHOW_DND:
		return 4;
	case PRESENCE_SHOW_XA:
		return 3;
	case PRESENCE_SHOW_AWAY:
		return 2;
	case PRESENCE_SHOW_CHAT:
		return 0;
	default:
		return 1;
	}
}

/* How available a show is: chat > none > away > xa > dnd. */
int
pidf_show_avail_rank(enum presence_show s)
{
	return 4 - show_unavail_rank(s);
}

/*
 * Reads an <rpid:activities/> element: of several activities the least
 * available wins (a person "in a meeting" and "on the phone" is busy).
 * Returns 0 if none is known, 1 with *show set, 2 for permanent-absence.
 */
static int
read_activities(const xmlNode *acts, enum presence_show *show)
{
	int found = 0;

	for (const xmlNode *c = acts->children; c != NULL; c = c->next) {
		enum presence_show s = PRESENCE_SHOW_NONE;
		int r;

		if (!in_ns(c, NS_RPID))
			continue;
		r = pidf_rpid_activity((const char *)c->name, &s);
		if (r == 2)
			return 2;
		if (r == 1 && (!found ||
		    show_unavail_rank(s) > show_unavail_rank(*show))) {
			*show = s;
			found = 1;
		}
	}
	return found;
}

/*
 * Looks under n, a few levels deep, for an embedded jabber:client <show/>
 * (RFC 8048 §6.2) and RPID activities; the first of each counts.
 */
static void
scan_extensions(const xmlNode *n, int depth, int *emb, enum presence_show *es,
    int *act, enum presence_show *as)
{
	if (depth > PIDF_MAX_DEPTH)
		return;
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, NS_JABBER, "show")) {
			char *v = text_trimmed(c);
			enum presence_show s;

			if (!*emb && v != NULL &&
			    presence_show_from_name(v, &s) == 0) {
				*es = s;
				*emb = 1;
			}
			free(v);
		} else if (is_el(c, NS_RPID, "activities")) {
			if (*act == 0)
				*act = read_activities(c, as);
		} else
			scan_extensions(c, depth + 1, emb, es, act, as);
	}
}

/*
 * RFC 3863 §4.1.5 qvalue to 0..127 (RFC 8048 §6.3: the inverse of the
 * §6.2 scaling, round(q * 127)). Lenient about digits past the third;
 * -1 for anything that is not a number in 0..1.
 */
int
pidf_priority_parse(const char *q)
{
	long micro = 0, scale = 100000;
	const char *p = q;
	int intpart, digits = 0;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '0' && *p != '1' && *p != '.')
		return -1;
	intpart = *p == '1';
	if (*p != '.') {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			micro += (*p - '0') * scale;
			scale /= 10;
		}
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '\0' || digits == 0)
		return -1;
	if (intpart) {
		if (micro != 0)
			return -1;	/* > 1 */
		micro = 1000000;
	}
	return (int)((micro * 127 + 500000) / 1000000);
}

/* A tuple id to its resource: "ID-" stripped, "_XX" escapes undone. */
char *
pidf_id_decode(const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, i, o = 0;
	char *r;

	if (strncmp(id, "ID-", 3) != 0)
		return strdup(id);	/* not ours: keep as is */
	id += 3;
	len = strlen(id);
	if ((r = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		const char *h, *l;

		if (id[i] == '_' && i + 2 < len + 1 && id[i + 1] != '\0' &&
		    (h = strchr(hex, id[i + 1])) != NULL &&
		    id[i + 2] != '\0' && (l = strchr(hex, id[i + 2])) != NULL) {
			unsigned char c = (unsigned char)
			    (((h - hex) << 4) | (l - hex));

			if (c != '\0') {
				r[o++] = (char)c;
				i += 2;
				continue;
			}
		}
		r[o++] = id[i];
	}
	r[o] = '\0';
	return r;
}

/* Frees what a tuple owns. */
static void
tuple_clear(struct presence_tuple *t)
{
	free(t->id);
	free(t->note);
	free(t->note_lang);
	memset(t, 0, sizeof(*t));
}

/* Frees what a parsed document owns and zeroes it. */
void
pidf_doc_free(struct presence_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n; i++)
		tuple_clear(&doc->tuples[i]);
	free(doc->tuples);
	free(doc->entity);
	free(doc->person_note);
	free(doc->person_note_lang);
	memset(doc, 0, sizeof(*doc));
}

/* Reads one <tuple/> (RFC 3863 §4.1.1). */
static int
read_tuple(const xmlNode *tn, struct presence_tuple *t)
{
	xmlChar *id;
	int emb = 0, act = 0;
	enum presence_show es = PRESENCE_SHOW_NONE, as = PRESENCE_SHOW_NONE;

	memset(t, 0, sizeof(*t));
	t->priority = -1;
	if ((id = xmlGetProp(tn, (const xmlChar *)"id")) != NULL) {
		t->id = pidf_id_decode((const char *)id);
		xmlFree(id);
		if (t->id == NULL)
			return -1;
	}
	for (const xmlNode *c = tn->children; c != NULL; c = c->next) {
		if (is_el(c, NS_PIDF, "status")) {
			for (const xmlNode *b = c->children; b != NULL;
			    b = b->next) {
				char *v;

				if (!is_el(b, NS_PIDF, "basic"))
					continue;
				if ((v = text_trimmed(b)) == NULL)
					return -1;
				/* RFC 3863 §4.1.4: open or closed. */
				if (strcmp(v, "open") == 0)
					t->basic = PRESENCE_BASIC_OPEN;
				else if (strcmp(v, "closed") == 0)
					t->basic = PRESENCE_BASIC_CLOSED;
				free(v);
				break;
			}
		} else if (is_el(c, NS_PIDF, "contact")) {
			xmlChar *q = xmlGetProp(c, (const xmlChar *)"priority");

			if (q != NULL) {
				if (t->priority < 0)
					t->priority = pidf_priority_parse(
					    (const char *)q);
				xmlFree(q);
			}
		} else if (is_el(c, NS_PIDF, "note")) {
			if (take_note(c, &t->note, &t->note_lang) != 0)
				return -1;
		}
	}
	scan_extensions(tn, 0, &emb, &es, &act, &as);
	if (emb) {
		t->show = es;
		t->show_src = PRESENCE_SRC_EMBEDDED;
	} else if (act == 1) {
		t->show = as;
		t->show_src = PRESENCE_SRC_RPID;
	} else if (act == 2)
		t->absent = 1;
	return 0;
}

/* Reads a person element (RFC 4479 §3.1, or RPID drafts' own). */
static int
read_person(const xmlNode *pn, struct presence_doc *out)
{
	for (const xmlNode *c = pn->children; c != NULL; c = c->next) {
		if (is_el(c, NS_DM, "note") || is_el(c, NS_RPID, "note")) {
			if (take_note(c, &out->person_note,
			    &out->person_note_lang) != 0)
				return -1;
		} else if (is_el(c, NS_RPID, "activities") &&
		    !out->person_activity && !out->person_absent) {
			int r = read_activities(c, &out->person_show);

			if (r == 1)
				out->person_activity = 1;
			else if (r == 2)
				out->person_absent = 1;
		}
	}
	return 0;
}

/*
 * Parses a PIDF body into *out (to be freed with pidf_doc_free). Returns
 * 0, or -1 with *cause set: not XML, DOCTYPE/entities, too big, not a
 * urn:ietf:params:xml:ns:pidf <presence/>, out of memory.
 */
int
pidf_parse(const char *body, size_t len, struct presence_doc *out,
    char **cause)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	xmlChar *ent;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (cause != NULL)
		*cause = NULL;
	if (len > PIDF_MAX_BODY) {
		set_cause(cause, "pidf: body of %zu bytes, limit %d", len,
		    PIDF_MAX_BODY);
		goto out;
	}
	if (len == 0) {
		set_cause(cause, "pidf: empty body");
		goto out;
	}
	if ((doc = xml_read_body(body, len, "pidf", cause)) == NULL)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, NS_PIDF, "presence")) {
		set_cause(cause, "pidf: root is not a PIDF <presence/>");
		goto out;
	}
	if ((ent = xmlGetProp(root, (const xmlChar *)"entity")) != NULL) {
		out->entity = strdup((const char *)ent);
		xmlFree(ent);
		if (out->entity == NULL)
			goto nomem;
	}
	if ((out->tuples = calloc(PIDF_MAX_TUPLES,
	    sizeof(*out->tuples))) == NULL)
		goto nomem;
	for (xmlNode *c = root->children; c != NULL; c = c->next) {
		if (is_el(c, NS_PIDF, "tuple")) {
			if (out->n == PIDF_MAX_TUPLES)
				continue;
			if (read_tuple(c, &out->tuples[out->n]) != 0) {
				tuple_clear(&out->tuples[out->n]);
				goto nomem;
			}
			out->n++;
		} else if (is_el(c, NS_PIDF, "note")) {
			/* RFC 3863 §4.1.7 presence-level note. */
			if (take_note(c, &out->person_note,
			    &out->person_note_lang) != 0)
				goto nomem;
		} else if (is_el(c, NS_DM, "person") ||
		    is_el(c, NS_RPID, "person")) {
			if (read_person(c, out) != 0)
				goto nomem;
		}
	}
	/*
	 * Person-level activities describe the human, so they apply to every
	 * tuple that does not say better (no embedded show, no own activity).
	 * Closed tuples are left alone: XMPP unavailable has no show.
	 */
	for (size_t i = 0; i < out->n; i++) {
		struct presence_tuple *t = &out->tuples[i];

		if (t->show_src != PRESENCE_SRC_NONE || t->absent ||
		    t->basic == PRESENCE_BASIC_CLOSED)
			continue;
		if (out->person_activity) {
			t->show = out->person_show;
			t->show_src = PRESENCE_SRC_RPID;
		} else if (out->person_absent)
			t->absent = 1;
	}
	r = 0;
	goto out;
nomem:
	set_cause(cause, "pidf: out of memory");
out:
	if (r != 0)
		pidf_doc_free(out);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return r;
}
