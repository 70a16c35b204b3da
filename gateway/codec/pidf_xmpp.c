/*
 * The XMPP view of a parsed PIDF document (RFC 8048 §6.3): one presence
 * per tuple, and the "most available" of them for a bare JID. The view
 * borrows its strings from the document; pidf_pack.c packs it to keep.
 */
#include <stdlib.h>

#include "pidf.h"
#include "pidf_int.h"

/*
 * Whether a tuple makes an available XMPP presence (RFC 8048 §6.3: open
 * -> no type, closed -> unavailable). Our choice for a <basic/> that is
 * neither: available only if the tuple or person says how (an embedded
 * show or an RPID activity), else unavailable, since nothing claims the
 * contact can be reached. RPID permanent-absence is always unavailable.
 */
static int
tuple_available(const struct presence_tuple *t)
{
	if (t->absent)
		return 0;
	if (t->basic == PRESENCE_BASIC_OPEN)
		return 1;
	if (t->basic == PRESENCE_BASIC_CLOSED)
		return 0;
	return t->show_src != PRESENCE_SRC_NONE;
}

/*
 * One XMPP presence per tuple (RFC 8048 §6.3, Table 2); status is the
 * tuple's note, else the person's. No tuple at all gives one presence
 * for the bare JID: available only if the person has an activity.
 * *out is malloc'ed (free it); its strings are borrowed from doc.
 */
int
pidf_to_xmpp(const struct presence_doc *doc, struct pidf_xmpp **out,
    size_t *n)
{
	size_t cnt = doc->n > 0 ? doc->n : 1;
	struct pidf_xmpp *v;

	*out = NULL;
	*n = 0;
	if ((v = calloc(cnt, sizeof(*v))) == NULL)
		return -1;
	if (doc->n == 0) {
		v[0].available = doc->person_activity && !doc->person_absent;
		v[0].show = v[0].available ? doc->person_show :
		    PRESENCE_SHOW_NONE;
		v[0].status = doc->person_note;
		v[0].lang = doc->person_note_lang;
		v[0].priority = -1;
	}
	for (size_t i = 0; i < doc->n; i++) {
		const struct presence_tuple *t = &doc->tuples[i];

		v[i].resource = t->id;
		v[i].available = tuple_available(t);
		v[i].show = v[i].available ? t->show : PRESENCE_SHOW_NONE;
		if (t->note != NULL) {
			v[i].status = t->note;
			v[i].lang = t->note_lang;
		} else {
			v[i].status = doc->person_note;
			v[i].lang = doc->person_note_lang;
		}
		v[i].priority = t->priority;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/*
 * The index of the "most available" presence, for a bare-JID view:
 * available before unavailable, then by show (chat, none, away, xa,
 * dnd), then by priority; the first wins ties. 0 if n is 0.
 */
size_t
pidf_pick_best(const struct pidf_xmpp *v, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++) {
		const struct pidf_xmpp *a = &v[i], *b = &v[best];

		if (a->available != b->available) {
			if (a->available)
				best = i;
			continue;
		}
		if (a->available && pidf_show_avail_rank(a->show) !=
		    pidf_show_avail_rank(b->show)) {
			if (pidf_show_avail_rank(a->show) >
			    pidf_show_avail_rank(b->show))
				best = i;
			continue;
		}
		if (a->priority > b->priority)
			best = i;
	}
	return best;
}
