/*
 * Local-part algorithms: percent-decoding, XEP-0106 escaping (every row
 * of its table, every example of its §4-§5) and RFC 7247 §6.4/§6.5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping.h"

/* Asserts that got is want, then frees got. */
static void
expect_str(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* A percent-decode of a NUL-terminated string. */
static char *
decode(const char *s)
{
	return pct_decode(s, strlen(s));
}

/* pct_decode: both hex cases; bad escapes are refused, not truncated. */
static void
test_pct_decode(void **state)
{
	(void)state;
	expect_str(decode("f%C3%BC"), "f\xc3\xbc");
	expect_str(decode("f%c3%bc"), "f\xc3\xbc");
	expect_str(decode("plain"), "plain");
	expect_str(decode(""), "");
	expect_str(decode("%25%40%2F"), "%@/");
	expect_str(pct_decode("ab%41zz", 5), "abA");	/* len respected */
	assert_null(decode("%"));
	assert_null(decode("a%4"));
	assert_null(decode("%zz"));
	assert_null(decode("a%G0b"));
	assert_null(decode("%4%41"));
	assert_null(decode("a%00b"));		/* NUL cannot travel */
}

/* XEP-0106 §3.2/§3.3: each of the ten rows of the table, both ways. */
static void
test_xep0106_table(void **state)
{
	static const struct {
		const char *raw, *esc;
	} rows[] = {
		{ "a b", "a\\20b" }, { "a\"b", "a\\22b" }, { "a&b", "a\\26b" },
		{ "a'b", "a\\27b" }, { "a/b", "a\\2fb" }, { "a:b", "a\\3ab" },
		{ "a<b", "a\\3cb" }, { "a>b", "a\\3eb" }, { "a@b", "a\\40b" },
		/* the backslash: escaped where it would start an escape */
		{ "a\\5cb", "a\\5c5cb" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		expect_str(xep0106_escape(rows[i].raw), rows[i].esc);
		expect_str(xep0106_unescape(rows[i].esc), rows[i].raw);
	}
	expect_str(xep0106_unescape("\\5c"), "\\");
}

/* XEP-0106 §5.1 "JID Examples" table, localparts only. */
static void
test_xep0106_examples(void **state)
{
	static const struct {
		const char *raw, *esc;
	} ex[] = {
		{ "space cadet", "space\\20cadet" },
		{ "call me \"ishmael\"", "call\\20me\\20\\22ishmael\\22" },
		{ "at&t guy", "at\\26t\\20guy" },
		{ "d'artagnan", "d\\27artagnan" },
		{ "/.fanboy", "\\2f.fanboy" },
		{ "::foo::", "\\3a\\3afoo\\3a\\3a" },
		{ "<foo>", "\\3cfoo\\3e" },
		{ "user@host", "user\\40host" },
		{ "c:\\net", "c\\3a\\net" },
		{ "c:\\\\net", "c\\3a\\\\net" },
		{ "c:\\cool stuff", "c\\3a\\cool\\20stuff" },
		{ "c:\\5commas", "c\\3a\\5c5commas" },
		/* §5.2-5.4: the e-mail/SIP/IM address example */
		{ "here's_a_wild_&_/cr%zy/_address",
		  "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address" },
		/* §4.2 step 3: source text that looks like escapes */
		{ "\\3and\\2is\\5cool", "\\5c3and\\2is\\5c5cool" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		expect_str(xep0106_escape(ex[i].raw), ex[i].esc);
		expect_str(xep0106_unescape(ex[i].esc), ex[i].raw);
	}
}

/* XEP-0106 §4.3: partial and unknown sequences are left alone, and
 * case is significant (\2F is not an escape). */
static void
test_xep0106_exceptions(void **state)
{
	static const char *const same[] = {
		"\\2plus\\2is\\4", "foo\\bar", "foob\\41r", "a\\2Fb", "a\\",
		"\\", "a\\4", "\\5C",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		expect_str(xep0106_escape(same[i]), same[i]);
		expect_str(xep0106_unescape(same[i]), same[i]);
	}
	/* XEP-0106 §3.2: \20 never begins or ends a localpart. */
	assert_null(xep0106_escape(" lead"));
	assert_null(xep0106_escape("trail "));
	assert_null(xep0106_escape(" "));
}

/* RFC 7247 §6.4 examples and the SIP -> XMPP local-part rules. */
static void
test_rfc7247_sip_to_xmpp(void **state)
{
	char *d;
	char big[1100];

	(void)state;
	/* sip:f%C3%BC@sip.example -> fü@sip.example */
	d = decode("f%C3%BC");
	expect_str(localpart_sip_to_xmpp(d), "f\xc3\xbc");
	free(d);
	/* sip:o'malley@sip.example -> o\27malley@sip.example */
	expect_str(localpart_sip_to_xmpp("o'malley"), "o\\27malley");
	/* & ' / named by step 5, and the rest of XEP-0106 */
	expect_str(localpart_sip_to_xmpp("a&b'c/d"), "a\\26b\\27c\\2fd");
	expect_str(localpart_sip_to_xmpp("bob@jabber.org"),
	    "bob\\40jabber.org");
	/* characters XMPP allows are kept */
	expect_str(localpart_sip_to_xmpp("!#$%()*+,-.;=?[]^_`{|}~"),
	    "!#$%()*+,-.;=?[]^_`{|}~");

	/* step 4: the decoded octets must be UTF-8 */
	assert_null(localpart_sip_to_xmpp("\xff"));
	assert_null(localpart_sip_to_xmpp("a\xc3"));
	assert_null(localpart_sip_to_xmpp("\xc0\xaf"));		/* overlong */
	assert_null(localpart_sip_to_xmpp("\xed\xa0\x80"));	/* surrogate */
	assert_null(localpart_sip_to_xmpp("\xf4\x90\x80\x80"));	/* > 10FFFF */
	/* no controls or non-ASCII spaces in an identifier */
	assert_null(localpart_sip_to_xmpp("a\x01" "b"));
	assert_null(localpart_sip_to_xmpp("a\x7f"));
	assert_null(localpart_sip_to_xmpp("a\xc2\x85"));		/* NEL */
	assert_null(localpart_sip_to_xmpp("a\xc2\xa0" "b"));	/* NBSP */
	assert_null(localpart_sip_to_xmpp("a\xe3\x80\x80" "b"));
	assert_null(localpart_sip_to_xmpp(" x"));
	assert_null(localpart_sip_to_xmpp("x "));
	assert_null(localpart_sip_to_xmpp(""));

	/* RFC 7622 §3.3: 1023 bytes at most, once escaped */
	memset(big, 'a', 1023);
	big[1023] = '\0';
	d = localpart_sip_to_xmpp(big);
	assert_non_null(d);
	assert_int_equal(strlen(d), 1023);
	free(d);
	big[1023] = 'a';
	big[1024] = '\0';
	assert_null(localpart_sip_to_xmpp(big));
	memset(big, '@', 400);
	big[400] = '\0';
	assert_null(localpart_sip_to_xmpp(big));	/* 1200 escaped */
}

/* RFC 7247 §6.5 examples and the XMPP -> SIP local-part rules. */
static void
test_rfc7247_xmpp_to_sip(void **state)
{
	(void)state;
	/* m\26m@xmpp.example -> sip:m&m@xmpp.example */
	expect_str(localpart_xmpp_to_sip("m\\26m"), "m&m");
	/* tschüss@xmpp.example -> sip:tsch%C3%BCss@xmpp.example */
	expect_str(localpart_xmpp_to_sip("tsch\xc3\xbcss"), "tsch%C3%BCss");
	/* step 5: # % [ \ ] ^ ` { | } are percent-encoded */
	expect_str(localpart_xmpp_to_sip("#%[\\]^`{|}"),
	    "%23%25%5B%5C%5D%5E%60%7B%7C%7D");
	/* and so is what RFC 3261 does not allow in a user part */
	expect_str(localpart_xmpp_to_sip("a\\20b\\22c\\3ad\\3ce\\3ef\\40g"),
	    "a%20b%22c%3Ad%3Ce%3Ef%40g");
	/* unreserved and user-unreserved stay (RFC 3261 §25.1) */
	expect_str(localpart_xmpp_to_sip("Az09-_.!~*\\27()\\26=+$,;?\\2f"),
	    "Az09-_.!~*'()&=+$,;?/");
	/* XEP-0106 §5.3 address (its cr%zy is no valid URI; we encode %) */
	expect_str(localpart_xmpp_to_sip(
	    "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address"),
	    "here's_a_wild_&_/cr%25zy/_address");

	/* not a localpart at all */
	assert_null(localpart_xmpp_to_sip(""));
	assert_null(localpart_xmpp_to_sip("a@b"));
	assert_null(localpart_xmpp_to_sip("a b"));
	assert_null(localpart_xmpp_to_sip("a'b"));
	assert_null(localpart_xmpp_to_sip("\xff"));
	/* not canonical: would collide with another JID's SIP user */
	assert_null(localpart_xmpp_to_sip("a\\5cb"));	/* same as a\b */
	assert_null(localpart_xmpp_to_sip("\\20abc"));	/* XEP-0106 §3.2 */
	assert_null(localpart_xmpp_to_sip("abc\\20"));
	expect_str(localpart_xmpp_to_sip("a\\b"), "a%5Cb");
	expect_str(localpart_xmpp_to_sip("a\\5c5cb"), "a%5C5cb");
}

/* escape then unescape is the identity, for hostile text too. */
static void
test_escape_round_trip(void **state)
{
	static const char *const raw[] = {
		"\\\\\\", "\\5c\\5c", "\\20\\22\\26\\27\\2f\\3a\\3c\\3e\\40",
		"@@@", "x\\", "\\2", "a\\5", "\xc3\xbc\\3a", "::", "a b c",
	};
	char *e, *u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		e = xep0106_escape(raw[i]);
		assert_non_null(e);
		assert_null(strchr(e, ' '));
		assert_null(strchr(e, '@'));
		u = xep0106_unescape(e);
		assert_string_equal(u, raw[i]);
		free(u);
		free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_xep0106_table),
		cmocka_unit_test(test_xep0106_examples),
		cmocka_unit_test(test_xep0106_exceptions),
		cmocka_unit_test(test_rfc7247_sip_to_xmpp),
		cmocka_unit_test(test_rfc7247_xmpp_to_sip),
		cmocka_unit_test(test_escape_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
