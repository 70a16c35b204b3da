/*
 * The packed XMPP view of a PIDF document (what the presence bridge keeps
 * to answer probes): every field comes back as it went in, NULL strings
 * stay NULL and empty ones stay empty, and a real document's view packs
 * to what pidf_to_xmpp made of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pidf.h"

/* Two views hold the same entries. */
static void
assert_same_view(const struct pidf_xmpp *a, const struct pidf_xmpp *b,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(a[i].available, b[i].available);
		assert_int_equal(a[i].show, b[i].show);
		assert_int_equal(a[i].priority, b[i].priority);
		if (a[i].resource == NULL)
			assert_null(b[i].resource);
		else
			assert_string_equal(a[i].resource, b[i].resource);
		if (a[i].status == NULL)
			assert_null(b[i].status);
		else
			assert_string_equal(a[i].status, b[i].status);
		if (a[i].lang == NULL)
			assert_null(b[i].lang);
		else
			assert_string_equal(a[i].lang, b[i].lang);
	}
}

/* Fields, NULLs and empty strings survive packing. */
static void
test_fields_roundtrip(void **state)
{
	const struct pidf_xmpp in[] = {
		{ "phone", 1, PRESENCE_SHOW_AWAY, "in a meeting", "en", 5 },
		{ NULL, 0, PRESENCE_SHOW_NONE, NULL, NULL, -1 },
		{ "", 1, PRESENCE_SHOW_DND, "", NULL, 127 },
		{ "pc", 1, PRESENCE_SHOW_CHAT, NULL, "fr", 0 },
	};
	struct pidf_xmpp *out;
	size_t n;
	char *block;

	(void)state;
	block = pidf_xmpp_pack(in, 4);
	assert_non_null(block);
	assert_int_equal(pidf_xmpp_unpack(block, &out, &n), 0);
	assert_int_equal(n, 4);
	assert_same_view(in, out, n);
	free(out);
	free(block);
}

/* An empty view packs and comes back empty. */
static void
test_empty_view(void **state)
{
	struct pidf_xmpp *out = (struct pidf_xmpp *)1;
	size_t n = 7;
	char *block;

	(void)state;
	block = pidf_xmpp_pack(NULL, 0);
	assert_non_null(block);
	assert_int_equal(pidf_xmpp_unpack(block, &out, &n), 0);
	assert_null(out);
	assert_int_equal(n, 0);
	free(block);
}

/* A NOTIFY body's view, packed, is the view of the body. */
static void
test_document_view(void **state)
{
	const char *body =
	    "<presence xmlns='urn:ietf:params:xml:ns:pidf' "
	    "entity='pres:u1@sip.example'>"
	    "<tuple id='phone'><status><basic>open</basic></status>"
	    "<contact priority='0.5'>sip:u1@192.0.2.1</contact>"
	    "<note xml:lang='en'>seq=42</note></tuple>"
	    "<tuple id='desk'><status><basic>closed</basic></status></tuple>"
	    "</presence>";
	struct presence_doc doc;
	struct pidf_xmpp *view, *out;
	size_t n, n_out;
	char *cause = NULL, *block;

	(void)state;
	assert_int_equal(pidf_parse(body, strlen(body), &doc, &cause), 0);
	assert_int_equal(pidf_to_xmpp(&doc, &view, &n), 0);
	assert_int_equal(n, 2);
	block = pidf_xmpp_pack(view, n);
	assert_non_null(block);
	assert_int_equal(pidf_xmpp_unpack(block, &out, &n_out), 0);
	assert_int_equal(n_out, n);
	assert_same_view(view, out, n);
	assert_string_equal(out[0].status, "seq=42");
	assert_int_equal(out[1].available, 0);
	free(out);
	free(view);
	pidf_doc_free(&doc);
	free(block);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_roundtrip),
		cmocka_unit_test(test_empty_view),
		cmocka_unit_test(test_document_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
