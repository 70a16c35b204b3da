/*
 * pidf_parse on arbitrary bytes. What parses must map to XMPP, build
 * back into PIDF that parses again, with the same tuples: id, priority
 * and show exactly, basic open staying open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pidf.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NULL id reads back as the empty string. */
static const char *
id_or_empty(const char *id)
{
	return id != NULL ? id : "";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct presence_doc doc, again;
	struct pidf_xmpp *v;
	struct strbuf sb;
	char *copy, *cause = NULL;
	size_t n;

	/* An exact-size copy, so that a read past the end is caught. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (pidf_parse(copy, size, &doc, &cause) != 0) {
		if (cause == NULL || doc.tuples != NULL || doc.n != 0)
			abort();
		free(cause);
		free(copy);
		return 0;
	}
	if (cause != NULL || doc.n > PIDF_MAX_TUPLES)
		abort();
	if (pidf_to_xmpp(&doc, &v, &n) == 0) {
		if (pidf_pick_best(v, n) >= n)
			abort();
		/* The stanzas the presence bridge makes of them (§6.3). */
		for (size_t i = 0; i < n; i++) {
			struct im_presence pr;
			struct strbuf st;

			memset(&pr, 0, sizeof(pr));
			pr.from = "romeo@sip.test";
			pr.to = "juliet@xmpp.test";
			pr.type = v[i].available ? NULL : "unavailable";
			pr.show = v[i].available ?
			    presence_show_name(v[i].show) : NULL;
			pr.status = v[i].status;
			pr.status_lang = v[i].lang;
			pr.priority = v[i].priority;
			pr.has_priority = v[i].priority >= 0;
			strbuf_init(&st);
			if (stanza_build_presence(&st, &pr) != 0 &&
			    v[i].status == NULL && v[i].lang == NULL)
				abort();
			strbuf_free(&st);
		}
		free(v);
	}
	strbuf_init(&sb);
	if (pidf_build(&sb, doc.entity != NULL ? doc.entity : "",
	    doc.tuples, doc.n) != 0)
		abort();
	if (pidf_parse(sb.buf, sb.len, &again, &cause) != 0)
		abort();
	if (again.n != doc.n)
		abort();
	for (size_t i = 0; i < doc.n; i++) {
		const struct presence_tuple *a = &doc.tuples[i];
		const struct presence_tuple *b = &again.tuples[i];

		if (strcmp(id_or_empty(a->id), b->id) != 0 ||
		    a->priority != b->priority || a->show != b->show ||
		    (a->basic == PRESENCE_BASIC_OPEN) !=
		    (b->basic == PRESENCE_BASIC_OPEN) ||
		    (a->note == NULL) != (b->note == NULL))
			abort();
	}
	pidf_doc_free(&again);
	strbuf_free(&sb);
	pidf_doc_free(&doc);
	free(copy);
	return 0;
}
