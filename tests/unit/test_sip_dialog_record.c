/*
 * SIP dialogs in the state store: a dialog of either side written as
 * "dialog.key=value" lines and read back as a record reader would, a
 * restored dialog that carries on, and stored values that could not have
 * been written refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "strbuf.h"

#include "sip_dialog_fixtures.h"

/* Compares two optional strings. */
static void
assert_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Reads the "key=value" lines of buf into d, as a record reader would. */
static void
decode_lines(struct sip_dialog *d, const char *buf, int *dialog_lines)
{
	const char *p = buf;

	*dialog_lines = 0;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *eq;
		char key[128], *value;
		size_t n;
		int r;

		assert_non_null(eol);	/* every line is terminated */
		eq = memchr(p, '=', (size_t)(eol - p));
		assert_non_null(eq);
		n = (size_t)(eq - p);
		assert_true(n < sizeof(key));
		memcpy(key, p, n);
		key[n] = '\0';
		value = strndup(eq + 1, (size_t)(eol - eq - 1));
		assert_non_null(value);
		r = sip_dialog_decode_field(d, key, value);
		if (r != 1)
			fail_msg("decode_field(%s, %s) = %d", key, value, r);
		(*dialog_lines)++;
		free(value);
		p = eol + 1;
	}
}

/* Encodes d, decodes it into a fresh dialog, and compares every field. */
static void
round_trip(const struct sip_dialog *d)
{
	struct sip_dialog back;
	struct strbuf sb;
	int lines;

	strbuf_init(&sb);
	assert_int_equal(sip_dialog_encode(d, &sb), 0);
	strbuf_append(&sb, "", 1);
	assert_false(sb.failed);
	memset(&back, 0, sizeof(back));
	decode_lines(&back, sb.buf, &lines);
	assert_true(lines >= 7);
	assert_same(back.call_id, d->call_id);
	assert_same(back.local_tag, d->local_tag);
	assert_same(back.remote_tag, d->remote_tag);
	assert_same(back.local_uri, d->local_uri);
	assert_same(back.remote_uri, d->remote_uri);
	assert_same(back.remote_target, d->remote_target);
	assert_same(back.route_set, d->route_set);
	assert_int_equal(back.local_cseq, d->local_cseq);
	assert_int_equal(back.remote_cseq, d->remote_cseq);
	assert_int_equal(sip_dialog_is_complete(&back),
	    sip_dialog_is_complete(d));
	sip_dialog_clear(&back);
	strbuf_free(&sb);
}

/* Both sides' dialogs survive the store, route sets in their order. */
static void
encode_decode_round_trip(void **state)
{
	struct sip_msg *sub = parse(S2X_SUBSCRIBE), *ours = parse(X2S_SUBSCRIBE);
	struct sip_msg *ok = parse(X2S_200), *n;
	struct sip_dialog d;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, sub, "gw42"), 0);
	n = sip_dialog_request(&d, "NOTIFY");
	sip_msg_free(n);
	round_trip(&d);
	sip_dialog_clear(&d);

	/* Unconfirmed: no remote tag, no route set. */
	assert_int_equal(sip_dialog_uac_init(&d, ours), 0);
	round_trip(&d);
	assert_int_equal(sip_dialog_uac_confirm(&d, ok), 0);
	round_trip(&d);
	sip_dialog_clear(&d);

	sip_msg_free(ok);
	sip_msg_free(ours);
	sip_msg_free(sub);
}

/*
 * After a restart the stored dialog carries on: the next NOTIFY has the
 * same From/To/Call-ID/Route and the next CSeq (presence spec: "CSeq
 * continues upward").
 */
static void
decoded_dialog_continues(void **state)
{
	struct sip_msg *sub = parse(S2X_SUBSCRIBE), *a, *b;
	struct sip_dialog d, back;
	struct strbuf sb;
	char *ta, *tb;
	int lines;

	(void)state;
	assert_int_equal(sip_dialog_uas_init(&d, sub, "gw42"), 0);
	sip_msg_free(sip_dialog_request(&d, "NOTIFY"));
	strbuf_init(&sb);
	assert_int_equal(sip_dialog_encode(&d, &sb), 0);
	strbuf_append(&sb, "", 1);
	memset(&back, 0, sizeof(back));
	decode_lines(&back, sb.buf, &lines);
	a = sip_dialog_request(&d, "NOTIFY");
	b = sip_dialog_request(&back, "NOTIFY");
	assert_non_null(a);
	assert_non_null(b);
	ta = to_text(a);
	tb = to_text(b);
	assert_string_equal(ta, tb);
	assert_line(tb, "CSeq: 2 NOTIFY");
	osip_free(ta);
	osip_free(tb);
	sip_msg_free(a);
	sip_msg_free(b);
	sip_dialog_clear(&back);
	sip_dialog_clear(&d);
	strbuf_free(&sb);
	sip_msg_free(sub);
}

/* Keys outside "dialog." belong to other records' fields: 0, untouched. */
static void
decode_ignores_other_keys(void **state)
{
	struct sip_dialog d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sip_dialog_decode_field(&d, "state", "ACTIVE"), 0);
	assert_int_equal(sip_dialog_decode_field(&d, "call_id", "x"), 0);
	assert_int_equal(sip_dialog_decode_field(&d, "dialogue.call_id", "x"),
	    0);
	assert_cleared(&d);
}

/* Stored values that could not have been written are refused. */
static void
decode_refuses_bad_values(void **state)
{
	static const struct {
		const char *key;
		const char *value;
	} bad[] = {
		{ "dialog.local_cseq", "" },
		{ "dialog.local_cseq", "abc" },
		{ "dialog.local_cseq", "-1" },
		{ "dialog.local_cseq", "12x" },
		{ "dialog.local_cseq", "2147483648" },
		{ "dialog.local_cseq", "99999999999999999999999" },
		{ "dialog.remote_cseq", "" },
		{ "dialog.remote_cseq", " 5" },
		{ "dialog.remote_cseq", "4294967296" },
		{ "dialog.route", "" },
		{ "dialog.route", "<sip:a;lr>\n<sip:b;lr>" },
		{ "dialog.bogus", "x" },
		{ "dialog.", "x" },
		/* Strings the encoder never writes: empty or multi-line. */
		{ "dialog.call_id", "" },
		{ "dialog.local_tag", "" },
		{ "dialog.remote_tag", "" },
		{ "dialog.local_uri", "" },
		{ "dialog.remote_uri", "" },
		{ "dialog.remote_target", "" },
		{ "dialog.call_id", "a@b\r\nVia: x" },
		{ "dialog.remote_target", "sip:a@b\r" },
		{ "dialog.local_tag", "t\nu" },
		{ "dialog.route", "<sip:a;lr>\r" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_dialog d;

		memset(&d, 0, sizeof(d));
		if (sip_dialog_decode_field(&d, bad[i].key, bad[i].value) != -1)
			fail_msg("accepted %s=\"%s\"", bad[i].key,
			    bad[i].value);
		sip_dialog_clear(&d);
	}
}

/* Good values are taken; the largest counter is 2**31 - 1. */
static void
decode_takes_good_values(void **state)
{
	struct sip_dialog d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.local_cseq",
	    "2147483647"), 1);
	assert_int_equal(d.local_cseq, 2147483647UL);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.remote_cseq",
	    "0"), 1);
	assert_int_equal(d.remote_cseq, 0);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.call_id",
	    "c1"), 1);
	/* A later line replaces an earlier one. */
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.call_id",
	    "c2"), 1);
	assert_string_equal(d.call_id, "c2");
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.route",
	    "<sip:a;lr>"), 1);
	assert_int_equal(sip_dialog_decode_field(&d, "dialog.route",
	    "<sip:b;lr>"), 1);
	assert_string_equal(d.route_set, "<sip:a;lr>\n<sip:b;lr>");
	assert_false(sip_dialog_is_complete(&d));
	sip_dialog_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_decode_round_trip),
		cmocka_unit_test(decoded_dialog_continues),
		cmocka_unit_test(decode_ignores_other_keys),
		cmocka_unit_test(decode_refuses_bad_values),
		cmocka_unit_test(decode_takes_good_values),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
