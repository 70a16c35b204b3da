/*
 * Building a table in slices (map_table_builder), as a reload does
 * between the turns of the event loop: whatever the slice size, the
 * same text gives the very same table, or the very same error with the
 * same line number, as map_table_parse in one go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mapping_internal.h"

/* Slice sizes to try: one line at a time, odd sizes that split the
 * text anywhere, and more than the whole text. */
static const size_t slice_sizes[] = { 1, 2, 3, 7, 64, 1000, SIZE_MAX };

/* Asserts that two indexes hold the same slots. */
static void
assert_same_index(const struct strindex *a, const struct strindex *b)
{
	assert_int_equal(a->mask, b->mask);
	assert_int_equal(a->count, b->count);
	if (a->slots == NULL || b->slots == NULL) {
		assert_ptr_equal(a->slots, b->slots);
		return;
	}
	assert_memory_equal(a->slots, b->slots,
	    ((size_t)a->mask + 1) * sizeof(*a->slots));
}

/* Asserts that two tables are the same, byte for byte where it counts:
 * rules, strings and indexes. */
static void
assert_same_table(const struct map_table *a, const struct map_table *b)
{
	int side;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->nrules, b->nrules);
	assert_int_equal(a->embed, b->embed);
	assert_int_equal(a->arena_len, b->arena_len);
	if (a->arena_len > 0)
		assert_memory_equal(a->arena, b->arena, a->arena_len);
	if (a->nrules > 0)
		assert_memory_equal(a->rules, b->rules,
		    a->nrules * sizeof(*a->rules));
	for (side = 0; side < 2; side++) {
		assert_same_index(&a->users[side], &b->users[side]);
		assert_same_index(&a->domains[side], &b->domains[side]);
	}
	assert_same_index(&a->user_hosts, &b->user_hosts);
}

/* Builds text in slices of max_lines; returns what the last step
 * returned, the table in *out or the reason in *cause. Checks on the
 * way that the steps that count lines parse none and are as few as
 * promised, and that every other step but the last parses exactly
 * max_lines lines. */
static int
build_in_slices(const char *text, size_t len, size_t max_lines,
    struct map_table **out, char **cause)
{
	struct map_table_builder *b = NULL;
	size_t before, counting = 0, lines = 1, i, per_step;
	int rc;

	if (map_table_builder_new(text, len, "t", &b, cause) == -1) {
		assert_null(b);
		return -1;
	}
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	do {
		before = map_table_builder_lines(b);
		rc = map_table_builder_step(b, max_lines, out, cause);
		if (rc == 1) {
			assert_null(*out);
			if (map_table_builder_lines(b) == before)
				counting++;
			else
				assert_int_equal(map_table_builder_lines(b) -
				    before, max_lines);
		}
	} while (rc == 1);
	/* 16 lines counted for each one a step may parse */
	per_step = max_lines > SIZE_MAX / 16 ? SIZE_MAX : 16 * max_lines;
	assert_true(counting <= lines / per_step + 1);
	/* Once finished, a builder has nothing more to give. */
	{
		struct map_table *again = NULL;

		assert_int_equal(map_table_builder_step(b, 1, &again, NULL),
		    -1);
		assert_null(again);
	}
	map_table_builder_free(b);
	return rc;
}

/* Asserts that every slice size gives what the one-shot parse gives. */
static void
expect_same_in_slices(const char *text, size_t len)
{
	struct map_table *whole = NULL, *sliced = NULL;
	char *whole_cause = NULL, *sliced_cause = NULL;
	size_t i;
	int rc;

	rc = map_table_parse(text, len, "t", &whole, &whole_cause);
	for (i = 0; i < sizeof(slice_sizes) / sizeof(slice_sizes[0]); i++) {
		assert_int_equal(build_in_slices(text, len, slice_sizes[i],
		    &sliced, &sliced_cause), rc);
		if (rc == 0) {
			assert_non_null(sliced);
			assert_null(sliced_cause);
			assert_same_table(whole, sliced);
			map_table_free(sliced);
		} else {
			assert_null(sliced);
			assert_non_null(sliced_cause);
			assert_string_equal(sliced_cause, whole_cause);
			free(sliced_cause);
		}
		sliced = NULL;
		sliced_cause = NULL;
	}
	map_table_free(whole);
	free(whole_cause);
}

/* Every kind of rule, comments, blank lines, CRLF, escapes, case to
 * fold, hosts shared and not, and no final newline. */
static const char mixed[] =
    "# a table with a bit of everything\n"
    "\n"
    "domain\tsip.example\t\txmpp.example   # trailing comment\r\n"
    "user sip:alice@Sip.Example Alice.Smith@Chat.Example.\n"
    "  # indented comment\n"
    "user sip:chan@irc.example c#chan@chat.example\n"
    "user sip:f%C3%BCr@sip.other f\xc3\xbcr@chat.example\n"
    "user sip:o'hara@sip.other o\\27hara@chat.example\n"
    "user sip:%41lice@sip.other alice2@chat.example\n"
    "user sip:bob@SIP.OTHER BOB@chat.example\n"
    "domain example.org example.org\n"
    "user sip:+15551234@sip.example dave@example.org\n"
    "embed gw.sip.example gw.xmpp.example separator=*";

/* Valid tables, small and large, built in slices of every size. */
static void
test_same_table(void **state)
{
	const size_t n = 5000;
	char *text, *p;
	size_t i;

	(void)state;
	expect_same_in_slices(mixed, strlen(mixed));
	expect_same_in_slices("", 0);
	expect_same_in_slices("\n\n# only comments\n", 17);

	assert_non_null(text = malloc(n * 100));
	p = text;
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0)
			p += sprintf(p, "domain d%zu.example x%zu.example\n",
			    i, i);
		p += sprintf(p, "user sip:U%zu@Host%zu.example "
		    "u%zu.Name@xmpp.example\n", i, i % 3, i);
	}
	expect_same_in_slices(text, (size_t)(p - text));
	free(text);
}

/* Errors carry the line they are on, whichever slice it falls in. */
static void
test_same_error(void **state)
{
	static const char nul_text[] = "domain a.example b.example\n\0\n";
	static const char *const bad[] = {
		"user sip:a@b.example a@c.example\n"
		"user sip:b@b.example b@c.example\n"
		"user sip:c@b.example c@c.example\n"
		"user sip:d@b.example a@C.example\n",
		"domain a.example b.example\n\n\n\nfrob x y\n",
		"user sip:a@b.example a@c.example\n# c\n"
		"user sips:b@b.example b@c.example\n",
		"embed gw.example gwx.example\n\nembed g.example gx.example\n",
		nul_text,
	};
	static const size_t bad_len[] = { 0, 0, 0, 0, sizeof(nul_text) - 1 };
	char big[200];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = bad_len[i] != 0 ? bad_len[i] : strlen(bad[i]);
		expect_same_in_slices(bad[i], len);
	}

	/* The line numbers themselves, as the one-shot parse gives them. */
	{
		struct map_table *t = NULL;
		char *cause = NULL;

		assert_int_equal(build_in_slices(bad[0], strlen(bad[0]), 1,
		    &t, &cause), -1);
		assert_string_equal(cause, "t:4: JID already mapped at line 1");
		free(cause);
		assert_int_equal(build_in_slices(bad[1], strlen(bad[1]), 2,
		    &t, &cause), -1);
		assert_string_equal(cause, "t:5: unknown keyword \"frob\" "
		    "(expected user, domain, embed or room)");
		free(cause);
		assert_int_equal(build_in_slices(bad[4], bad_len[4], 1,
		    &t, &cause), -1);
		assert_string_equal(cause, "t:2: NUL byte");
		free(cause);
	}

	/* Too large: refused before any line is read. */
	{
		struct map_table_builder *b = NULL;
		char *cause = NULL;

		assert_int_equal(map_table_builder_new(big, TABLE_FILE_MAX + 1,
		    "t", &b, &cause), -1);
		assert_null(b);
		assert_string_equal(cause, "t: larger than 67108864 bytes");
		free(cause);
	}
}

/* A step of 0 lines makes no progress but is no error; a builder freed
 * half way frees what it built; a NULL cause is fine. */
static void
test_progress(void **state)
{
	struct map_table_builder *b = NULL;
	struct map_table *t = NULL;

	(void)state;
	assert_int_equal(map_table_builder_new(mixed, strlen(mixed), "t", &b,
	    NULL), 0);
	assert_int_equal(map_table_builder_step(b, 0, &t, NULL), 1);
	assert_int_equal(map_table_builder_lines(b), 0);
	/* the first step counts the 13 lines, the next parses */
	assert_int_equal(map_table_builder_step(b, 4, &t, NULL), 1);
	assert_int_equal(map_table_builder_lines(b), 0);
	assert_int_equal(map_table_builder_step(b, 4, &t, NULL), 1);
	assert_int_equal(map_table_builder_lines(b), 4);
	assert_null(t);
	map_table_builder_free(b);
	map_table_builder_free(NULL);

	assert_int_equal(map_table_builder_new(NULL, 0, NULL, &b, NULL), 0);
	assert_int_equal(map_table_builder_step(b, 1, &t, NULL), 1);
	assert_null(t);
	assert_int_equal(map_table_builder_step(b, 1, &t, NULL), 0);
	assert_non_null(t);
	assert_int_equal(map_table_size(t), 0);
	map_table_free(t);
	map_table_builder_free(b);
}

/* map_table_read hands over the file as it is; errors name the path. */
static void
test_read(void **state)
{
	char path[] = "/tmp/sipxmpp-build-XXXXXX", *text = NULL, *cause = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, mixed, strlen(mixed)),
	    (ssize_t)strlen(mixed));
	close(fd);
	assert_int_equal(map_table_read(path, &text, &len, &cause), 0);
	assert_null(cause);
	assert_int_equal(len, strlen(mixed));
	assert_memory_equal(text, mixed, len);
	free(text);
	unlink(path);

	assert_int_equal(map_table_read(path, &text, &len, &cause), -1);
	assert_null(text);
	assert_int_equal(len, 0);
	assert_non_null(strstr(cause, ": No such file or directory"));
	assert_memory_equal(cause, path, strlen(path));
	free(cause);
	assert_int_equal(map_table_read("/", &text, &len, &cause), -1);
	assert_string_equal(cause, "/: not a regular file");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_table),
		cmocka_unit_test(test_same_error),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
