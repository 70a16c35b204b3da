/*
 * The byte-class table every text check runs on: each class is exactly
 * the set its grammar names, written out here as the RFCs spell it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapping_internal.h"

/* Tells whether c is an ASCII letter or digit. */
static int
alnum(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Tells whether c is one of the characters of set (NUL never is). */
static int
in(unsigned c, const char *set)
{
	return c != 0 && strchr(set, (int)c) != NULL;
}

/* Each class against its definition, for all 256 byte values. */
static void
test_classes(void **state)
{
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		/* RFC 3261 §25.1 */
		assert_int_equal(char_in(c, CC_ALNUM), alnum(c));
		assert_int_equal(char_in(c, CC_MARK), in(c, "-_.!~*'()"));
		assert_int_equal(char_in(c, CC_USER), in(c, "&=+$,;?/"));
		assert_int_equal(char_in(c, CC_PARAM), in(c, "[]/:&+$"));
		assert_int_equal(char_in(c, CC_HEADER),
		    in(c, "[]/?:+$-_.!~*'()=&"));
		assert_int_equal(sip_user_char(c),
		    alnum(c) || in(c, "-_.!~*'()&=+$,;?/"));
		assert_int_equal(sip_param_char(c),
		    alnum(c) || in(c, "-_.!~*'()[]/:&+$"));
		/* RFC 2822 atext and ".", minus what a URI escapes */
		assert_int_equal(char_in(c, CC_MAILBOX),
		    in(c, "!$&'*+-/=?_~."));
		/* RFC 7622 §3.3.1, and the controls and space */
		assert_int_equal(char_in(c, CC_LOCAL_BAD),
		    c < 0x20 || c == 0x7f || in(c, " \"&'/:<>@"));
		/* RFC 1035 labels */
		assert_int_equal(char_in(c, CC_HOST), alnum(c) || c == '-');
	}
}

/* The word-at-a-time UTF-8 check agrees with the byte-wise rules
 * wherever a NUL or a multibyte sequence falls in a word. */
static void
test_utf8_words(void **state)
{
	char s[40];
	size_t at;

	(void)state;
	memset(s, 'a', sizeof(s));
	assert_true(utf8_valid(s, sizeof(s)));
	for (at = 0; at < sizeof(s); at++) {
		memset(s, 'a', sizeof(s));
		s[at] = '\0';
		assert_false(utf8_valid(s, sizeof(s)));
		s[at] = '\x7f';
		assert_true(utf8_valid(s, sizeof(s)));
		s[at] = '\x80';
		assert_false(utf8_valid(s, sizeof(s)));
		if (at + 1 < sizeof(s)) {
			memcpy(s + at, "\xc3\xbc", 2);
			assert_true(utf8_valid(s, sizeof(s)));
			memcpy(s + at, "\xc0\x80", 2);	/* overlong NUL */
			assert_false(utf8_valid(s, sizeof(s)));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_utf8_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
