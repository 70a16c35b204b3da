/*
 * XEP-0115 entity capabilities and the disco#info tables they hash: the
 * ver of the XEP's own §5.2 example (Exodus 0.9.1), the order it sorts
 * in, the contact's ver against its disco#info text, the node#ver rule
 * (§6.2), and the <c/> a contact's presence carries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caps.h"
#include "stanza.h"
#include "strbuf.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* XEP-0115 §5.2: one identity, four features, given unsorted. */
static void
test_xep0115_example(void **state)
{
	static const struct disco_identity ids[] = {
		{ "client", "pc", NULL, "Exodus 0.9.1" },
	};
	static const char *const features[] = {
		"http://jabber.org/protocol/disco#info",
		"http://jabber.org/protocol/disco#items",
		"http://jabber.org/protocol/muc",
		"http://jabber.org/protocol/caps",
	};
	struct disco_table t = { ids, N(ids), features, N(features) };
	char ver[CAPS_VER_SIZE];

	(void)state;
	assert_int_equal(caps_ver(&t, ver), 0);
	assert_string_equal(ver, "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

/*
 * Identities sort by category, type, lang (§5.1 step 2), whatever the
 * order of the table; a changed feature changes the ver.
 */
static void
test_sort_and_change(void **state)
{
	static const struct disco_identity a[] = {
		{ "client", "pc", "en", "Psi" },
		{ "client", "pc", "el", "Psi" },
		{ "automation", "command-node", NULL, NULL },
	};
	static const struct disco_identity b[] = {
		{ "automation", "command-node", NULL, NULL },
		{ "client", "pc", "el", "Psi" },
		{ "client", "pc", "en", "Psi" },
	};
	static const char *const fa[] = { "z", "a", "m" };
	static const char *const fb[] = { "a", "m", "z" };
	static const char *const fc[] = { "a", "m", "y" };
	struct disco_table ta = { a, N(a), fa, N(fa) };
	struct disco_table tb = { b, N(b), fb, N(fb) };
	struct disco_table tc = { b, N(b), fc, N(fc) };
	char va[CAPS_VER_SIZE], vb[CAPS_VER_SIZE], vc[CAPS_VER_SIZE];

	(void)state;
	assert_int_equal(caps_ver(&ta, va), 0);
	assert_int_equal(caps_ver(&tb, vb), 0);
	assert_int_equal(caps_ver(&tc, vc), 0);
	assert_string_equal(va, vb);
	assert_string_not_equal(va, vc);
	assert_int_equal(strlen(va), 28);
}

/* XEP-0030 §3.1: each table has an identity and lists disco#info once. */
static void
test_tables(void **state)
{
	enum disco_entity who[] = { DISCO_COMPONENT, DISCO_CONTACT };
	size_t i, j, k, n;

	(void)state;
	for (i = 0; i < N(who); i++) {
		const struct disco_table *t = disco_table(who[i]);

		assert_true(t->n_identities >= 1);
		assert_true(t->n_features <= CAPS_MAX_ITEMS);
		for (n = 0, j = 0; j < t->n_features; j++) {
			n += strcmp(t->features[j], NS_DISCO_INFO) == 0;
			for (k = j + 1; k < t->n_features; k++)
				assert_string_not_equal(t->features[j],
				    t->features[k]);
		}
		assert_int_equal(n, 1);
	}
	assert_string_equal(disco_table(DISCO_COMPONENT)->identities[0].category,
	    "gateway");
	assert_string_equal(disco_table(DISCO_CONTACT)->identities[0].category,
	    "client");
}

/* True when the disco#info text lists var. */
static int
lists(const char *xml, const char *var)
{
	char want[256];

	snprintf(want, sizeof(want), "<feature var='%s'/>", var);
	return strstr(xml, want) != NULL;
}

/*
 * The contact's disco#info lists exactly its table, and its ver is the
 * ver of that table: what a client checks (§5.4).
 */
static void
test_contact_disco_info(void **state)
{
	const struct disco_table *t = disco_table(DISCO_CONTACT);
	char ver[CAPS_VER_SIZE];
	struct strbuf sb;
	size_t i;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(caps_build_disco_info(&sb, DISCO_CONTACT, NULL), 0);
	assert_non_null(strstr(sb.buf, "<query xmlns='" NS_DISCO_INFO "'>"
	    "<identity category='client' type='pc'/>"));
	for (i = 0; i < t->n_features; i++)
		assert_true(lists(sb.buf, t->features[i]));
	assert_true(lists(sb.buf, "urn:xmpp:receipts"));
	assert_true(lists(sb.buf, "http://jabber.org/protocol/chatstates"));
	assert_true(lists(sb.buf, "urn:xmpp:chat-markers:0"));
	assert_true(lists(sb.buf, "http://jabber.org/protocol/nick"));
	assert_int_equal(caps_ver(t, ver), 0);
	assert_string_equal(caps_contact_ver(), ver);
	strbuf_free(&sb);
}

/* §6.2: node#ver answered and mirrored; other nodes are not ours. */
static void
test_node(void **state)
{
	char node[128];
	struct strbuf sb;

	(void)state;
	snprintf(node, sizeof(node), "%s#%s", CAPS_NODE, caps_contact_ver());
	assert_true(caps_node_is_ours(NULL, DISCO_CONTACT));
	assert_true(caps_node_is_ours(NULL, DISCO_COMPONENT));
	assert_true(caps_node_is_ours(node, DISCO_CONTACT));
	assert_false(caps_node_is_ours(node, DISCO_COMPONENT));
	assert_false(caps_node_is_ours(CAPS_NODE, DISCO_CONTACT));
	assert_false(caps_node_is_ours(CAPS_NODE "#", DISCO_CONTACT));
	assert_false(caps_node_is_ours(CAPS_NODE "#x", DISCO_CONTACT));
	assert_false(caps_node_is_ours("", DISCO_CONTACT));
	strbuf_init(&sb);
	assert_int_equal(caps_build_disco_info(&sb, DISCO_CONTACT, node), 0);
	assert_non_null(strstr(sb.buf, "node='" CAPS_NODE "#"));
	strbuf_free(&sb);
	/* The component: gateway/simple and what it serves. */
	strbuf_init(&sb);
	assert_int_equal(caps_build_disco_info(&sb, DISCO_COMPONENT, NULL), 0);
	assert_non_null(strstr(sb.buf, "<identity category='gateway' "
	    "type='simple' name='SIP gateway'/>"));
	assert_true(lists(sb.buf, "jabber:iq:gateway"));
	assert_true(lists(sb.buf, "urn:xmpp:ping"));
	strbuf_free(&sb);
}

/* An available presence with caps carries <c/>; one without, none. */
static void
test_presence_c(void **state)
{
	struct im_presence p = { .from = "romeo@sip.test/desk",
	    .to = "juliet@xmpp.test", .caps = 1 };
	char want[256];
	struct strbuf sb;

	(void)state;
	snprintf(want, sizeof(want), "<presence from='romeo@sip.test/desk' "
	    "to='juliet@xmpp.test'><c xmlns='" NS_CAPS "' hash='sha-1' "
	    "node='" CAPS_NODE "' ver='%s'/></presence>", caps_contact_ver());
	strbuf_init(&sb);
	assert_int_equal(stanza_build_presence(&sb, &p), 0);
	assert_string_equal(sb.buf, want);
	strbuf_reset(&sb);
	p.caps = 0;
	assert_int_equal(stanza_build_presence(&sb, &p), 0);
	assert_null(strstr(sb.buf, "<c "));
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xep0115_example),
		cmocka_unit_test(test_sort_and_change),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_contact_disco_info),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_presence_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
