/*
 * The mapping's answers for the XMPP link's requests (service_iq.c):
 * the XEP-0100 §6.3 prompt, a SIP address to the JID its messages come
 * from, in each form a person types it, and each refusal with its RFC
 * 6120 condition; and which JIDs of our domain are contacts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bridge.h"
#include "mapping.h"

static const char table[] =
    "domain sip.test sip.test\n"
    "domain xmpp.test xmpp.test\n"
    "embed gw.sip.test gw.sip.test\n";

/* A gateway with only the mapping table: all service_iq.c reads. */
static int
setup(void **state)
{
	struct gateway *gw = calloc(1, sizeof(*gw));
	char *cause = NULL;

	if (gw == NULL || map_table_parse(table, strlen(table), "test",
	    &gw->map, &cause) != 0) {
		free(cause);
		free(gw);
		return -1;
	}
	*state = gw;
	return 0;
}

/* Frees what setup made. */
static int
teardown(void **state)
{
	struct gateway *gw = *state;

	map_table_free(gw->map);
	free(gw);
	return 0;
}

/* The prompt's answer for address: the JID, or NULL and the condition. */
static void
expect(struct gateway *gw, const char *address, const char *jid,
    const char *condition)
{
	const char *cond = NULL;
	char *got = bridge_service_prompt(gw, address, &cond);

	if (jid != NULL) {
		assert_non_null(got);
		assert_string_equal(got, jid);
	} else {
		assert_null(got);
		assert_string_equal(cond, condition);
	}
	free(got);
}

/* A SIP address as a URI, as user@host, with blanks around it. */
static void
test_prompt_forms(void **state)
{
	struct gateway *gw = *state;

	expect(gw, "sip:romeo@sip.test", "romeo@sip.test", NULL);
	expect(gw, "romeo@sip.test", "romeo@sip.test", NULL);
	expect(gw, " \tsip:romeo@sip.test\n", "romeo@sip.test", NULL);
	expect(gw, "sip:Romeo@SIP.test", "Romeo@sip.test", NULL);
	/* A domain without a rule goes through the embed rule. */
	expect(gw, "sip:alice@elsewhere.example",
	    "alice\\40elsewhere.example@gw.sip.test", NULL);
}

/* What the mapping refuses, with the condition the user sees. */
static void
test_prompt_refusals(void **state)
{
	struct gateway *gw = *state;
	char big[1100];

	expect(gw, "sips:romeo@sip.test", NULL, "forbidden");
	expect(gw, "sip:", NULL, "jid-malformed");
	expect(gw, "", NULL, "jid-malformed");
	expect(gw, "   ", NULL, "jid-malformed");
	expect(gw, "mailto:romeo@sip.test", NULL, "jid-malformed");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect(gw, big, NULL, "jid-malformed");
}

/* Contacts: what the mapping gives a SIP address, nothing else. */
static void
test_contact(void **state)
{
	struct gateway *gw = *state;

	assert_int_equal(bridge_service_contact(gw, "romeo@sip.test"), 1);
	assert_int_equal(bridge_service_contact(gw,
	    "alice\\40elsewhere.example@gw.sip.test"), 1);
	assert_int_equal(bridge_service_contact(gw, "a\\5cb@sip.test"), 0);
	assert_int_equal(bridge_service_contact(gw, "@sip.test"), 0);
	assert_int_equal(bridge_service_contact(gw, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_forms),
		cmocka_unit_test(test_prompt_refusals),
		cmocka_unit_test(test_contact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
