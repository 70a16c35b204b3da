/*
 * The S2X cache (RFC 8048 §6.2): an XMPP user W's presence, per resource,
 * as her SIP watchers are told it, and the PIDF built from it (Table 1).
 * Data on the pair only: who is told, and when, is presence_s2x.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "presence_int.h"
#include "stanza.h"
#include "strbuf.h"
#include "xmpp_link.h"

#define MAX_CACHE	16	/* tuples kept per pair */

/* Frees one cached tuple's strings. */
static void
tuple_free(struct presence_tuple *t)
{
	free(t->id);
	free(t->note);
	free(t->note_lang);
	memset(t, 0, sizeof(*t));
}

/* Forgets W's presence as C saw it. */
void
s2x_cache_clear(struct presence_pair *p)
{
	for (size_t i = 0; i < p->n_cache; i++)
		tuple_free(&p->cache[i]);
	free(p->cache);
	p->cache = NULL;
	p->n_cache = 0;
	p->cache_known = 0;
}

/*
 * The PIDF for W's cached presence (RFC 8048 §6.2, Table 1), about entity
 * (W's SIP address); p may be NULL when closed.
 */
int
s2x_build_pidf(struct strbuf *sb, const char *entity,
    const struct presence_pair *p, int closed)
{
	if (entity == NULL)
		entity = "";
	if (closed) {
		struct presence_tuple t;

		memset(&t, 0, sizeof(t));
		t.basic = PRESENCE_BASIC_CLOSED;
		t.priority = -1;
		return pidf_build(sb, entity, &t, 1);
	}
	return pidf_build(sb, entity, p->cache, p->n_cache);
}

/* The cached tuple for resource, added if new (NULL if the cache is full
 * of open tuples). */
static struct presence_tuple *
cache_slot(struct presence_pair *p, const char *resource)
{
	struct presence_tuple *t;

	for (size_t i = 0; i < p->n_cache; i++)
		if (strcmp(p->cache[i].id, resource) == 0)
			return &p->cache[i];
	if (p->n_cache >= MAX_CACHE) {
		/* Make room by forgetting a resource that went offline. */
		for (size_t i = 0; i < p->n_cache; i++)
			if (p->cache[i].basic != PRESENCE_BASIC_OPEN) {
				tuple_free(&p->cache[i]);
				p->cache[i] = p->cache[--p->n_cache];
				break;
			}
		if (p->n_cache >= MAX_CACHE)
			return NULL;
	}
	if ((t = realloc(p->cache, (p->n_cache + 1) * sizeof(*t))) == NULL)
		return NULL;
	p->cache = t;
	t = &p->cache[p->n_cache];
	memset(t, 0, sizeof(*t));
	if ((t->id = strdup(resource)) == NULL)
		return NULL;
	t->priority = -1;
	p->n_cache++;
	return t;
}

/*
 * W's presence as C may see it (RFC 8048 §6.2): one tuple per resource;
 * an unavailable resource stays as a closed tuple so the PIDF says so.
 */
void
s2x_cache_put(struct presence_pair *p, const struct xmpp_in_presence *pr)
{
	const char *slash = strchr(pr->from, '/');
	const char *res = slash != NULL ? slash + 1 : "";
	int available = pr->type == NULL;
	enum presence_show show = PRESENCE_SHOW_NONE;
	struct presence_tuple *t;

	if (!available && *res == '\0') {
		/* Bare unavailable: every resource is gone. */
		for (size_t i = 0; i < p->n_cache; i++) {
			p->cache[i].basic = PRESENCE_BASIC_CLOSED;
			p->cache[i].show = PRESENCE_SHOW_NONE;
		}
		if (p->n_cache == 0 && (t = cache_slot(p, "")) != NULL)
			t->basic = PRESENCE_BASIC_CLOSED;
	} else if ((t = cache_slot(p, res)) != NULL) {
		t->basic = available ? PRESENCE_BASIC_OPEN :
		    PRESENCE_BASIC_CLOSED;
		if (pr->show != NULL &&
		    presence_show_from_name(pr->show, &show) < 0)
			show = PRESENCE_SHOW_NONE;
		t->show = available ? show : PRESENCE_SHOW_NONE;
		/* §6.2: a negative priority MUST NOT be mapped. */
		t->priority = available && pr->has_priority &&
		    pr->priority >= 0 ? pr->priority : -1;
		free(t->note);
		free(t->note_lang);
		t->note = pr->status != NULL ? strdup(pr->status) : NULL;
		t->note_lang = pr->status_lang != NULL ?
		    strdup(pr->status_lang) : NULL;
		/* A closed bare tuple says nothing once a resource is on. */
		if (available)
			for (size_t i = 0; i < p->n_cache; i++)
				if (p->cache[i].id[0] == '\0' &&
				    p->cache[i].basic != PRESENCE_BASIC_OPEN) {
					tuple_free(&p->cache[i]);
					p->cache[i] = p->cache[--p->n_cache];
					break;
				}
	}
	p->cache_known = 1;
}
