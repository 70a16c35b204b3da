/*
 * Event, Subscription-State and Expires as peers write them (RFC 6665
 * §8.2.1, §8.2.3, §4.1.3; RFC 3261 §20.19): the RFCs' own spellings, what
 * Kamailio, Asterisk and softphones send, and what must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip_event.h"

#define DELTA_MAX	2147483647L	/* RFC 3261 §25.1: 2**31 - 1 */

/* Parses value as Subscription-State, which must succeed. */
static struct sub_state_hdr
state_of(const char *value)
{
	struct sub_state_hdr h;

	assert_int_equal(sip_sub_state_parse(value, &h), 0);
	return h;
}

/* Parses value as Event, which must succeed. */
static struct event_hdr
event_of(const char *value)
{
	struct event_hdr e;

	assert_int_equal(sip_event_parse(value, &e), 0);
	return e;
}

/* RFC 3856 §6.1: the package name is "presence", with no id. */
static void
event_presence(void **state)
{
	struct event_hdr e = event_of("presence");

	(void)state;
	assert_string_equal(e.package, "presence");
	assert_string_equal(e.id, "");
}

/* RFC 6665 §8.2.1: "id" tells subscriptions of one dialog apart. */
static void
event_with_id(void **state)
{
	struct event_hdr e = event_of("presence;id=abc");

	(void)state;
	assert_string_equal(e.package, "presence");
	assert_string_equal(e.id, "abc");
	e = event_of("presence;id=\"1234@host\"");
	assert_string_equal(e.id, "1234@host");
	e = event_of("presence;id=\"a\\\"b\"");	/* quoted-pair */
	assert_string_equal(e.id, "a\"b");
}

/*
 * RFC 6665 §8.2.1, RFC 3857: a template package keeps its dot, so
 * "presence.winfo" is not "presence" (the caller answers 489).
 */
static void
event_template_package(void **state)
{
	struct event_hdr e = event_of("presence.winfo");

	(void)state;
	assert_string_equal(e.package, "presence.winfo");
	assert_string_not_equal(e.package, "presence");
	e = event_of("message-summary");
	assert_string_equal(e.package, "message-summary");
}

/* Real peers: any case, spaces around ';' and '=', unknown parameters. */
static void
event_real_peer_spellings(void **state)
{
	struct event_hdr e;

	(void)state;
	e = event_of("Presence");
	assert_string_equal(e.package, "presence");
	e = event_of("PRESENCE ; id = x1 ; foo=bar;flag");
	assert_string_equal(e.package, "presence");
	assert_string_equal(e.id, "x1");
	e = event_of("  presence\t");
	assert_string_equal(e.package, "presence");
	e = event_of("presence;foo=\"x;y=z\";id=7");
	assert_string_equal(e.id, "7");
	e = event_of("presence;ID=Case");	/* the value keeps its case */
	assert_string_equal(e.id, "Case");
}

/* An unknown parameter with a long value is not our business. */
static void
event_long_unknown_param(void **state)
{
	char buf[512];
	struct event_hdr e;

	(void)state;
	snprintf(buf, sizeof(buf), "presence;x-vendor-correlation=\"%0300d\";"
	    "id=9", 0);
	e = event_of(buf);
	assert_string_equal(e.id, "9");
	snprintf(buf, sizeof(buf), "presence;x-%0200d=1", 0);
	e = event_of(buf);
	assert_string_equal(e.package, "presence");
}

/* Ids up to SIP_EVENT_MAX_ID fit; longer ones are refused, not cut. */
static void
event_id_bound(void **state)
{
	char buf[256];
	struct event_hdr e;

	(void)state;
	snprintf(buf, sizeof(buf), "presence;id=%0*d", SIP_EVENT_MAX_ID, 0);
	e = event_of(buf);
	assert_int_equal(strlen(e.id), SIP_EVENT_MAX_ID);
	snprintf(buf, sizeof(buf), "presence;id=%0*d", SIP_EVENT_MAX_ID + 1,
	    0);
	assert_int_equal(sip_event_parse(buf, &e), -1);
	snprintf(buf, sizeof(buf), "presence;id=\"%0*d\"", SIP_EVENT_MAX_ID + 1,
	    0);
	assert_int_equal(sip_event_parse(buf, &e), -1);
}

/* A package name longer than the buffer is refused, not truncated. */
static void
event_package_bound(void **state)
{
	struct event_hdr e;
	char buf[128];

	(void)state;
	memset(buf, 'p', sizeof(e.package) - 1);
	buf[sizeof(e.package) - 1] = '\0';
	e = event_of(buf);
	assert_int_equal(strlen(e.package), sizeof(e.package) - 1);
	memset(buf, 'p', sizeof(e.package));
	buf[sizeof(e.package)] = '\0';
	assert_int_equal(sip_event_parse(buf, &e), -1);
	assert_string_equal(e.package, "");
}

/* Garbage, empty strings and NULL are refused and leave out cleared. */
static void
event_garbage_refused(void **state)
{
	static const char *const bad[] = {
		"", "   ", ";id=1", "presence id=abc", "presence;",
		"presence;id=", "presence;id=\"open", "presence;=x",
		"pres ence", "\"presence\"", "presence,presence",
		"presence;id=a b", "<presence>", "presence;id=\"x\"junk",
		"presence\r\n", "presence;;id=1",
	};
	struct event_hdr e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 'X', sizeof(e));
		if (sip_event_parse(bad[i], &e) != -1)
			fail_msg("accepted Event: \"%s\"", bad[i]);
		assert_string_equal(e.id, "");
	}
	memset(&e, 'X', sizeof(e));
	assert_int_equal(sip_event_parse(NULL, &e), -1);
	assert_string_equal(e.package, "");
	assert_string_equal(e.id, "");
}

/* RFC 6665 §4.1.3: active with the time left, as Kamailio sends it. */
static void
state_active_expires(void **state)
{
	struct sub_state_hdr h = state_of("active;expires=3600");

	(void)state;
	assert_int_equal(h.state, SUB_STATE_ACTIVE);
	assert_int_equal(h.reason, SUB_REASON_NONE);
	assert_int_equal(h.expires, 3600);
	assert_int_equal(h.retry_after, -1);
	h = state_of("active");
	assert_int_equal(h.state, SUB_STATE_ACTIVE);
	assert_int_equal(h.expires, -1);
	h = state_of("active;expires=0");
	assert_int_equal(h.expires, 0);
}

/* RFC 6665 §4.1.3: pending, as the presence server says before consent. */
static void
state_pending(void **state)
{
	struct sub_state_hdr h = state_of("pending;expires=600");

	(void)state;
	assert_int_equal(h.state, SUB_STATE_PENDING);
	assert_int_equal(h.expires, 600);
	assert_int_equal(h.reason, SUB_REASON_NONE);
}

/* RFC 6665 §4.1.3: every reason code, by name, any case. */
static void
state_terminated_reasons(void **state)
{
	static const struct {
		const char *text;
		enum sub_reason reason;
	} cases[] = {
		{ "terminated;reason=deactivated", SUB_REASON_DEACTIVATED },
		{ "terminated;reason=probation", SUB_REASON_PROBATION },
		{ "terminated;reason=rejected", SUB_REASON_REJECTED },
		{ "terminated;reason=timeout", SUB_REASON_TIMEOUT },
		{ "terminated;reason=giveup", SUB_REASON_GIVEUP },
		{ "terminated;reason=noresource", SUB_REASON_NORESOURCE },
		{ "terminated;reason=invariant", SUB_REASON_INVARIANT },
		{ "Terminated;Reason=Rejected", SUB_REASON_REJECTED },
		{ "TERMINATED ; reason = \"timeout\"", SUB_REASON_TIMEOUT },
		{ "terminated", SUB_REASON_NONE },
		/* §4.1.3: unknown reasons are kept, as OTHER. */
		{ "terminated;reason=moved-away", SUB_REASON_OTHER },
		{ "terminated;reason=other", SUB_REASON_OTHER },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sub_state_hdr h = state_of(cases[i].text);

		assert_int_equal(h.state, SUB_STATE_TERMINATED);
		if (h.reason != cases[i].reason)
			fail_msg("\"%s\": reason %d, want %d", cases[i].text,
			    (int)h.reason, (int)cases[i].reason);
		assert_int_equal(h.expires, -1);
	}
}

/* RFC 6665 §4.1.3: probation and giveup may say when to come back. */
static void
state_retry_after(void **state)
{
	struct sub_state_hdr h =
	    state_of("terminated;retry-after=30;reason=probation");

	(void)state;
	assert_int_equal(h.state, SUB_STATE_TERMINATED);
	assert_int_equal(h.reason, SUB_REASON_PROBATION);
	assert_int_equal(h.retry_after, 30);
	assert_int_equal(h.expires, -1);
	h = state_of("terminated;reason=giveup;retry-after=0");
	assert_int_equal(h.reason, SUB_REASON_GIVEUP);
	assert_int_equal(h.retry_after, 0);
}

/* Real peers: spaces, tabs, case, quotes, unknown parameters, flags. */
static void
state_real_peer_spellings(void **state)
{
	struct sub_state_hdr h;

	(void)state;
	h = state_of("Active ; Expires = 599");
	assert_int_equal(h.state, SUB_STATE_ACTIVE);
	assert_int_equal(h.expires, 599);
	h = state_of("\tactive;expires=\"120\"");
	assert_int_equal(h.expires, 120);
	h = state_of("active;foo=bar;expires=60;x-flag;x-q=\"a;b\"");
	assert_int_equal(h.state, SUB_STATE_ACTIVE);
	assert_int_equal(h.expires, 60);
	h = state_of("pending;expires=3600;reason=\"\"");
	assert_int_equal(h.state, SUB_STATE_PENDING);
	assert_int_equal(h.reason, SUB_REASON_OTHER);
	h = state_of("active;expires=60 ");
	assert_int_equal(h.expires, 60);
}

/* A vendor parameter with a long value must not cost us the header. */
static void
state_long_unknown_param(void **state)
{
	char buf[512];
	struct sub_state_hdr h;

	(void)state;
	snprintf(buf, sizeof(buf), "active;x-trace=\"%0200d\";expires=90", 0);
	h = state_of(buf);
	assert_int_equal(h.state, SUB_STATE_ACTIVE);
	assert_int_equal(h.expires, 90);
	snprintf(buf, sizeof(buf), "terminated;reason=rejected;x-%0100d", 0);
	h = state_of(buf);
	assert_int_equal(h.reason, SUB_REASON_REJECTED);
}

/* RFC 6665 §4.1.3 (via §8.2.3): an extension state is kept as OTHER. */
static void
state_extension_value(void **state)
{
	struct sub_state_hdr h = state_of("waiting;expires=10");

	(void)state;
	assert_int_equal(h.state, SUB_STATE_OTHER);
	assert_int_equal(h.expires, 10);
}

/* RFC 3261 §25.1 delta-seconds: huge numbers clamp to 2**31 - 1. */
static void
state_huge_numbers_clamped(void **state)
{
	struct sub_state_hdr h;

	(void)state;
	h = state_of("active;expires=2147483647");
	assert_int_equal(h.expires, DELTA_MAX);
	h = state_of("active;expires=2147483648");
	assert_int_equal(h.expires, DELTA_MAX);
	h = state_of("active;expires=99999999999999999999999999999999999");
	assert_int_equal(h.expires, DELTA_MAX);
	h = state_of("terminated;retry-after=18446744073709551617");
	assert_int_equal(h.retry_after, DELTA_MAX);
	h = state_of("active;expires=0000000000000000000000000000000000042");
	assert_int_equal(h.expires, 42);
}

/* Garbage, empty strings and NULL are refused. */
static void
state_garbage_refused(void **state)
{
	static const char *const bad[] = {
		"", " ", ";expires=5", "active;", "active;expires=",
		"active;expires=abc", "active;expires=-5", "active;expires=+5",
		"active;expires=5s", "active;expires=0x10", "active;expires=1.5",
		"active expires=5", "active;expires=5 garbage",
		"terminated;retry-after=soon", "terminated;retry-after=-1",
		"terminated;reason=\"rejected", "active,pending",
		"active;expires=\"\"", "active;;expires=5", "active\r\n",
		"active;expires=5;", "active;=5",
	};
	struct sub_state_hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sip_sub_state_parse(bad[i], &h) != -1)
			fail_msg("accepted Subscription-State: \"%s\"", bad[i]);
	memset(&h, 'X', sizeof(h));
	assert_int_equal(sip_sub_state_parse(NULL, &h), -1);
	assert_int_equal(h.state, SUB_STATE_OTHER);
	assert_int_equal(h.reason, SUB_REASON_NONE);
	assert_int_equal(h.expires, -1);
	assert_int_equal(h.retry_after, -1);
}

/* RFC 3261 §20.19: Expires is delta-seconds, spaces around allowed. */
static void
expires_values(void **state)
{
	(void)state;
	assert_int_equal(sip_expires_parse("3600"), 3600);
	assert_int_equal(sip_expires_parse("0"), 0);	/* unsubscribe/fetch */
	assert_int_equal(sip_expires_parse(" 600 "), 600);
	assert_int_equal(sip_expires_parse("\t60\t"), 60);
	assert_int_equal(sip_expires_parse("007"), 7);
}

/* Huge Expires values clamp to 2**31 - 1 rather than wrap. */
static void
expires_huge_clamped(void **state)
{
	(void)state;
	assert_int_equal(sip_expires_parse("2147483647"), DELTA_MAX);
	assert_int_equal(sip_expires_parse("2147483648"), DELTA_MAX);
	assert_int_equal(sip_expires_parse("4294967296"), DELTA_MAX);
	assert_int_equal(sip_expires_parse(
	    "123456789012345678901234567890123456789012345678901234567890"),
	    DELTA_MAX);
}

/* Anything but digits is refused: -1, never a guess. */
static void
expires_garbage_refused(void **state)
{
	static const char *const bad[] = {
		"", "  ", "-1", "+5", "abc", "3600s", "36 00", "0x10",
		"1.5", "3600;foo", "\"3600\"", "Thu, 01 Dec 1994 16:00:00 GMT",
		"3600\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sip_expires_parse(bad[i]) != -1)
			fail_msg("accepted Expires: \"%s\"", bad[i]);
	assert_int_equal(sip_expires_parse(NULL), -1);
}

/* The wire names the gateway writes into its own NOTIFYs. */
static void
names(void **state)
{
	(void)state;
	assert_string_equal(sip_sub_state_name(SUB_STATE_ACTIVE), "active");
	assert_string_equal(sip_sub_state_name(SUB_STATE_PENDING), "pending");
	assert_string_equal(sip_sub_state_name(SUB_STATE_TERMINATED),
	    "terminated");
	assert_string_equal(sip_sub_state_name(SUB_STATE_OTHER), "other");
	assert_string_equal(sip_sub_state_name((enum sub_state)99), "other");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_NONE), "");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_DEACTIVATED),
	    "deactivated");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_PROBATION),
	    "probation");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_REJECTED),
	    "rejected");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_TIMEOUT),
	    "timeout");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_GIVEUP), "giveup");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_NORESOURCE),
	    "noresource");
	assert_string_equal(sip_sub_reason_name(SUB_REASON_INVARIANT),
	    "invariant");
	assert_string_equal(sip_sub_reason_name((enum sub_reason)99), "other");
}

/* Each reason name parses back to itself: what we write, we read. */
static void
names_round_trip(void **state)
{
	(void)state;
	for (int r = SUB_REASON_DEACTIVATED; r < SUB_REASON_OTHER; r++) {
		char buf[64];
		struct sub_state_hdr h;

		snprintf(buf, sizeof(buf), "terminated;reason=%s",
		    sip_sub_reason_name((enum sub_reason)r));
		assert_int_equal(sip_sub_state_parse(buf, &h), 0);
		assert_int_equal(h.reason, r);
	}
	for (int s = SUB_STATE_PENDING; s <= SUB_STATE_TERMINATED; s++) {
		struct sub_state_hdr h;

		assert_int_equal(sip_sub_state_parse(
		    sip_sub_state_name((enum sub_state)s), &h), 0);
		assert_int_equal(h.state, s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_presence),
		cmocka_unit_test(event_with_id),
		cmocka_unit_test(event_template_package),
		cmocka_unit_test(event_real_peer_spellings),
		cmocka_unit_test(event_long_unknown_param),
		cmocka_unit_test(event_id_bound),
		cmocka_unit_test(event_package_bound),
		cmocka_unit_test(event_garbage_refused),
		cmocka_unit_test(state_active_expires),
		cmocka_unit_test(state_pending),
		cmocka_unit_test(state_terminated_reasons),
		cmocka_unit_test(state_retry_after),
		cmocka_unit_test(state_real_peer_spellings),
		cmocka_unit_test(state_long_unknown_param),
		cmocka_unit_test(state_extension_value),
		cmocka_unit_test(state_huge_numbers_clamped),
		cmocka_unit_test(state_garbage_refused),
		cmocka_unit_test(expires_values),
		cmocka_unit_test(expires_huge_clamped),
		cmocka_unit_test(expires_garbage_refused),
		cmocka_unit_test(names),
		cmocka_unit_test(names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
