/*
 * Allocation-failure pass over the address mapping (issue 11 item 5; the
 * shim and the loop are in alloc_fail.c): a table is parsed (at once and
 * by the builder) and addresses are translated both ways and explained,
 * as test_mapping_*.c do, with allocation n failing for n = 1, 2, ...
 * until a run completes. Each run must end in the documented error
 * (-1 or MAP_NOMEM, a cause that speaks of memory if any) or the right
 * result, with no leak and no crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "mapping.h"

static const char fixture[] =
    "domain sip.example sip.example\n"
    "domain xmpp.example xmpp.example\n"
    "user sip:alice@sip.example alice.smith@chat.example\n"
    "domain chat-sip.example chat.example\n"
    "embed gw.sip.example gw.xmpp.example separator=* allow_ports "
    "allow_ip_literals allow_private\n"
    "user sip:bob@solo.example robert@chat.example\n";

/* A refusal for want of memory: its cause, if any, must say so. */
static int
nomem(char *cause)
{
	if (cause != NULL && strstr(cause, "memory") == NULL)
		fail_msg("refused for another reason: %s", cause);
	free(cause);
	return -1;
}

/* One translation; 0 if it gives want, -1 on MAP_NOMEM. */
static int
translate(const struct map_table *t, int s2x, const char *in,
    const char *want)
{
	char *out = NULL, *cause = NULL;
	int r;

	r = s2x ? map_sip_to_xmpp(t, in, &out, &cause) :
	    map_xmpp_to_sip(t, in, &out, &cause);
	if (r == MAP_NOMEM) {
		assert_null(out);
		return nomem(cause);
	}
	if (r != MAP_OK)
		fail_msg("%s: %s (%s)", in, map_result_name(r),
		    cause != NULL ? cause : "no cause");
	assert_string_equal(out, want);
	free(out);
	return 0;
}

/* Parse, translate both ways (user, domain, embed, escapes), explain. */
static int
sc_table_translate(void)
{
	struct map_table *t = NULL;
	char *cause = NULL, *res = NULL, *rule = NULL;
	int r, ret = -1;

	if (map_table_parse(fixture, strlen(fixture), "t", &t, &cause) != 0) {
		assert_null(t);
		return nomem(cause);
	}
	assert_int_equal(map_table_size(t), 6);
	if (translate(t, 1, "sip:alice@sip.example", "alice.smith@chat.example")
	    != 0 ||
	    translate(t, 1, "sip:J%20R@chat-sip.example;gr=home",
	    "J\\20R@chat.example/home") != 0 ||
	    translate(t, 0, "robert@chat.example", "sip:bob@solo.example")
	    != 0 ||
	    translate(t, 0, "x\\40127.0.0.1@gw.xmpp.example",
	    "sip:x@127.0.0.1") != 0 ||
	    translate(t, 1, "sip:x@127.0.0.1:5070",
	    "x\\40127.0.0.1\\3a5070@gw.xmpp.example") != 0)
		goto out;
	r = map_explain(t, "sip:alice@sip.example", &res, &rule, &cause);
	if (r == MAP_NOMEM) {
		assert_null(res);
		assert_null(rule);
		nomem(cause);
		goto out;
	}
	assert_int_equal(r, MAP_OK);
	assert_string_equal(res, "alice.smith@chat.example");
	assert_non_null(rule);
	free(res);
	free(rule);
	free(cause);
	ret = 0;
out:
	map_table_free(t);
	return ret;
}

/* The address parsers and local-part codecs (RFC 7247 §6, XEP-0106). */
static int
sc_addresses(void)
{
	struct sip_addr a;
	struct jid j;
	char *p;
	int r;

	r = sip_addr_parse("sip:f%C3%BC@Chat-SIP.example:5070;gr=my%20phone",
	    &a);
	if (r == MAP_NOMEM)
		return -1;
	assert_int_equal(r, MAP_OK);
	assert_string_equal(a.user, "f\xc3\xbc");
	assert_string_equal(a.host, "chat-sip.example");
	assert_string_equal(a.gr, "my phone");
	sip_addr_clear(&a);
	if ((r = jid_parse("j\\20r@chat.example/home", &j)) == MAP_NOMEM)
		return -1;
	assert_int_equal(r, MAP_OK);
	assert_string_equal(j.resource, "home");
	jid_clear(&j);
	if ((p = pct_decode("a%40b", 5)) == NULL)
		return -1;
	assert_string_equal(p, "a@b");
	free(p);
	if ((p = localpart_sip_to_xmpp("o'hara & co")) == NULL)
		return -1;
	assert_string_equal(p, "o\\27hara\\20\\26\\20co");
	free(p);
	if ((p = localpart_xmpp_to_sip("o\\27hara")) == NULL)
		return -1;
	assert_string_equal(p, "o'hara");
	free(p);
	if ((p = xep0106_escape("a b@c")) == NULL)
		return -1;
	assert_string_equal(p, "a\\20b\\40c");
	free(p);
	if ((p = xep0106_unescape("a\\20b\\40c")) == NULL)
		return -1;
	assert_string_equal(p, "a b@c");
	free(p);
	return 0;
}

/* The builder, two lines a step, and a refused table (cause built). */
static int
sc_table_builder(void)
{
	static const char dup[] =
	    "user sip:a@x.example a@y.example\n"
	    "user sip:b@x.example a@y.example\n";
	struct map_table_builder *b = NULL;
	struct map_table *t = NULL;
	char *cause = NULL;
	int r;

	if (map_table_builder_new(fixture, strlen(fixture), "t", &b,
	    &cause) != 0) {
		map_table_builder_free(b);
		return nomem(cause);
	}
	while ((r = map_table_builder_step(b, 2, &t, &cause)) == 1)
		;
	map_table_builder_free(b);
	if (r != 0) {
		assert_null(t);
		return nomem(cause);
	}
	assert_int_equal(map_table_size(t), 6);
	map_table_free(t);

	t = NULL;
	cause = NULL;
	assert_int_equal(map_table_parse(dup, strlen(dup), "d", &t, &cause),
	    -1);
	assert_null(t);
	/* The cause is the duplicate, or (its own allocation failing) none. */
	if (cause == NULL)
		return -1;
	if (strstr(cause, "memory") != NULL)
		return nomem(cause);
	assert_string_equal(cause, "d:2: JID already mapped at line 1");
	free(cause);
	return 0;
}

#define SCENARIO(fn)							\
static void								\
test_##fn(void **state)							\
{									\
	(void)state;							\
	alloc_fail_run(#fn, fn);					\
}
SCENARIO(sc_table_translate)
SCENARIO(sc_table_builder)
SCENARIO(sc_addresses)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_table_translate),
		cmocka_unit_test(test_sc_table_builder),
		cmocka_unit_test(test_sc_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
