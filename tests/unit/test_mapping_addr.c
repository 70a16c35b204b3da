/*
 * The strict address parsers: SIP/SIPS/IM/PRES URIs and JIDs, with what
 * they must accept (RFC 3261 §19.1, RFC 5627 GRUUs, RFC 7622) and the
 * hostile inputs they must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"

/* A plain AOR. */
static void
test_sip_plain(void **state)
{
	struct sip_addr a;

	(void)state;
	assert_int_equal(sip_addr_parse("sip:alice@sip.example", &a), MAP_OK);
	assert_string_equal(a.scheme, "sip");
	assert_string_equal(a.user, "alice");
	assert_string_equal(a.host, "sip.example");
	assert_int_equal(a.port, 0);
	assert_null(a.gr);
	sip_addr_clear(&a);
	assert_null(a.user);
}

/* Scheme and host are case-insensitive; the user part is not. A public
 * GRUU (RFC 5627 §3.1) carries its instance in gr. */
static void
test_sip_full(void **state)
{
	struct sip_addr a;

	(void)state;
	assert_int_equal(sip_addr_parse("SIP:Alice@SIP.Example:5070"
	    ";transport=tcp;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
	    ";lr?Subject=hi&Priority=urgent", &a), MAP_OK);
	assert_string_equal(a.scheme, "sip");
	assert_string_equal(a.user, "Alice");
	assert_string_equal(a.host, "sip.example");
	assert_int_equal(a.port, 5070);
	assert_string_equal(a.gr,
	    "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
	sip_addr_clear(&a);

	assert_int_equal(sip_addr_parse("sip:foo@sip.example;gr=bar", &a),
	    MAP_OK);
	assert_string_equal(a.gr, "bar");
	sip_addr_clear(&a);

	/* RFC 5627 §3.2: a valueless gr is a temporary GRUU: no resource */
	assert_int_equal(sip_addr_parse("sip:tgruu.7hs==jd7vnzga5w7fandp"
	    "@example.com;gr", &a), MAP_OK);
	assert_null(a.gr);
	sip_addr_clear(&a);

	assert_int_equal(sip_addr_parse("sip:a@h.example;gr=my%20phone", &a),
	    MAP_OK);
	assert_string_equal(a.gr, "my phone");
	sip_addr_clear(&a);
}

/* User parts are percent-decoded (RFC 7247 §6.4 step 3). */
static void
test_sip_decoding(void **state)
{
	struct sip_addr a;

	(void)state;
	assert_int_equal(sip_addr_parse("sip:f%C3%BC@sip.example", &a),
	    MAP_OK);
	assert_string_equal(a.user, "f\xc3\xbc");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:here%27s_a_wild_%26_%2Fcr%25zy"
	    "%2F_address@example.com", &a), MAP_OK);
	assert_string_equal(a.user, "here's_a_wild_&_/cr%zy/_address");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:bob%40jabber.org@gw.example",
	    &a), MAP_OK);
	assert_string_equal(a.user, "bob@jabber.org");
	assert_string_equal(a.host, "gw.example");
	sip_addr_clear(&a);
	/* user-unreserved characters, raw */
	assert_int_equal(sip_addr_parse("sip:+1-555;phone-context=x?y/z,w"
	    "@sip.example", &a), MAP_OK);
	assert_string_equal(a.user, "+1-555;phone-context=x?y/z,w");
	sip_addr_clear(&a);
}

/* Other schemes and host forms. */
static void
test_sip_forms(void **state)
{
	struct sip_addr a;

	(void)state;
	assert_int_equal(sip_addr_parse("sips:bob@example.com", &a), MAP_OK);
	assert_string_equal(a.scheme, "sips");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("im:alice@example.com", &a), MAP_OK);
	assert_string_equal(a.scheme, "im");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("PRES:alice@example.com?x=y", &a),
	    MAP_OK);
	assert_string_equal(a.scheme, "pres");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:example.com", &a), MAP_OK);
	assert_null(a.user);
	assert_string_equal(a.host, "example.com");
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:alice@[2001:DB8::1]:5060", &a),
	    MAP_OK);
	assert_string_equal(a.host, "2001:db8::1");
	assert_int_equal(a.port, 5060);
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:alice@192.0.2.1:65535", &a),
	    MAP_OK);
	assert_string_equal(a.host, "192.0.2.1");
	assert_int_equal(a.port, 65535);
	sip_addr_clear(&a);
	assert_int_equal(sip_addr_parse("sip:a@x1-2.example.com", &a), MAP_OK);
	sip_addr_clear(&a);
}

/* What a strict parser refuses. */
static void
test_sip_malformed(void **state)
{
	static const char *const bad[] = {
		"", "sip:", "sip:@sip.example", "sip:alice@", "alice@example",
		"http://example.com/", "tel:+15551234", "sip :a@b.example",
		"<sip:alice@sip.example>", " sip:alice@sip.example",
		"sip:alice@sip.example ", "sip:a b@sip.example",
		"sip:a%zz@sip.example",		/* libosip2 would truncate */
		"sip:a%4@sip.example", "sip:a%@sip.example",
		"sip:a%00b@sip.example",	/* NUL */
		"sip:%FF@sip.example",		/* not UTF-8 once decoded */
		"sip:alice:secret@sip.example",	/* password */
		"sip:a\"b@sip.example", "sip:a<b@sip.example",
		"sip:a@b@sip.example", "sip:a#b@sip.example",
		"sip:alice@sip.example:0", "sip:alice@sip.example:65536",
		"sip:alice@sip.example:05060", "sip:alice@sip.example:",
		"sip:alice@sip.example:50a", "sip:alice@sip.example:123456",
		"sip:alice@-sip.example", "sip:alice@sip-.example",
		"sip:alice@sip..example", "sip:alice@.sip.example",
		"sip:alice@sip.example.", "sip:alice@1.2.3",
		"sip:alice@256.1.1.1", "sip:alice@sip_x.example",
		"sip:alice@[::1", "sip:alice@[zz::1]", "sip:alice@[]",
		"sip:alice@::1", "sip:alice@[::1]x",
		"sip:alice@sip.example;", "sip:alice@sip.example;;lr",
		"sip:alice@sip.example;=x", "sip:alice@sip.example;a=",
		"sip:alice@sip.example;gr=a;gr=b", "sip:alice@sip.example;g r",
		"sip:alice@sip.example;gr=%zz", "sip:alice@sip.example?",
		"sip:alice@sip.example?a=<b>",
		"im:example.com", "im:a@b.example:5060", "im:a@b.example;x=y",
		"pres:a(b)@b.example", "sip:a@h\x01.example",
		"sip:alice@sip.example;gr=a%00",
	};
	struct sip_addr a;
	char big[1200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sip_addr_parse(bad[i], &a) != MAP_MALFORMED)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(a.scheme);
	}
	/* more than 1024 bytes */
	memcpy(big, "sip:", 4);
	memset(big + 4, 'a', 1010);
	memcpy(big + 1014, "@sip.example", 13);
	assert_int_equal(sip_addr_parse(big, &a), MAP_MALFORMED);
	/* exactly at the limit is fine */
	memcpy(big + 1012, "@sip.example", 13);
	assert_int_equal(strlen(big), 1024);
	assert_int_equal(sip_addr_parse(big, &a), MAP_OK);
	sip_addr_clear(&a);
	/* a host label of 64 bytes */
	memcpy(big, "sip:a@", 6);
	memset(big + 6, 'h', 64);
	memcpy(big + 70, ".example", 9);
	assert_int_equal(sip_addr_parse(big, &a), MAP_MALFORMED);
	assert_int_equal(sip_addr_parse(NULL, &a), MAP_MALFORMED);
}

/* JIDs of every shape RFC 7622 §3 allows. */
static void
test_jid_valid(void **state)
{
	struct jid j;

	(void)state;
	assert_int_equal(jid_parse("alice@example.com", &j), MAP_OK);
	assert_string_equal(j.local, "alice");
	assert_string_equal(j.domain, "example.com");
	assert_null(j.resource);
	jid_clear(&j);

	/* RFC 7622 §3.2: the final dot goes, and domains are lowercased */
	assert_int_equal(jid_parse("Example.COM.", &j), MAP_OK);
	assert_null(j.local);
	assert_string_equal(j.domain, "example.com");
	jid_clear(&j);

	/* §3.4: the resource is all after the first slash */
	assert_int_equal(jid_parse("Juliet@Example.com/foo/bar@baz", &j),
	    MAP_OK);
	assert_string_equal(j.local, "Juliet");
	assert_string_equal(j.resource, "foo/bar@baz");
	jid_clear(&j);
	assert_int_equal(jid_parse("example.com/a@b", &j), MAP_OK);
	assert_null(j.local);
	assert_string_equal(j.resource, "a@b");
	jid_clear(&j);

	assert_int_equal(jid_parse("d\\27artagnan@musketeers.lit/elder", &j),
	    MAP_OK);
	assert_string_equal(j.local, "d\\27artagnan");
	jid_clear(&j);
	assert_int_equal(jid_parse("tsch\xc3\xbcss@xmpp.example/my phone",
	    &j), MAP_OK);
	assert_string_equal(j.resource, "my phone");
	jid_clear(&j);
	assert_int_equal(jid_parse("fu@b\xc3\xbc" "cher.example", &j), MAP_OK);
	jid_clear(&j);
	assert_int_equal(jid_parse("x@[2001:db8::1]", &j), MAP_OK);
	assert_string_equal(j.domain, "[2001:db8::1]");
	jid_clear(&j);
	assert_int_equal(jid_parse("#chan%irc.example@irc.gw.example", &j),
	    MAP_OK);
	jid_clear(&j);
}

/* JIDs that must be refused. */
static void
test_jid_malformed(void **state)
{
	static const char *const bad[] = {
		"", "@example.com", "alice@", "alice@example.com/", "/r",
		"a@b@example.com", "a b@example.com", "a\"b@example.com",
		"a&b@example.com", "a'b@example.com", "a:b@example.com",
		"a<b@example.com", "a>b@example.com", "a@-x.example",
		"a@x..example", "a@.", "a@x_y.example", "\xff@example.com",
		"a@example.com/\x01", "a\x01@example.com", "a@exa mple.com",
		"a\xc2\xa0\x62@example.com" /* NBSP, then b */, "a@[::1", "a@[nope]",
		"a@example.com/\xc3",
	};
	struct jid j;
	char big[4200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jid_parse(bad[i], &j) != MAP_MALFORMED)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(j.domain);
	}
	/* RFC 7622 §3.1: 1023 bytes a part */
	memset(big, 'a', 1023);
	memcpy(big + 1023, "@example.com", 13);
	assert_int_equal(jid_parse(big, &j), MAP_OK);
	jid_clear(&j);
	memset(big, 'a', 1024);
	memcpy(big + 1024, "@example.com", 13);
	assert_int_equal(jid_parse(big, &j), MAP_MALFORMED);
	memcpy(big, "a@example.com/", 14);
	memset(big + 14, 'r', 1024);
	big[14 + 1024] = '\0';
	assert_int_equal(jid_parse(big, &j), MAP_MALFORMED);
	memcpy(big, "a@", 2);
	memset(big + 2, 'd', 64);
	memcpy(big + 66, ".example", 9);
	assert_int_equal(jid_parse(big, &j), MAP_MALFORMED);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(jid_parse(big, &j), MAP_MALFORMED);
	assert_int_equal(jid_parse(NULL, &j), MAP_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_plain),
		cmocka_unit_test(test_sip_full),
		cmocka_unit_test(test_sip_decoding),
		cmocka_unit_test(test_sip_forms),
		cmocka_unit_test(test_sip_malformed),
		cmocka_unit_test(test_jid_valid),
		cmocka_unit_test(test_jid_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
