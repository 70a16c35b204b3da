/*
 * The helpers the state store tests share: the temporary directory every
 * test writes its files into, made before the first test and emptied
 * after the last; opening a store that must open; walks that collect or
 * count what a kind holds.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixtures.h"

/* The directory, made by setup() from this template. */
static char tmpdir[] = "/tmp/sipxmpp-store-XXXXXX";

/* Makes the temporary directory all tests write their files into. */
int
setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

/* Removes the temporary directory and every file left in it. */
int
teardown(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return (rmdir(tmpdir));
}

/* The path of a file called name in the temporary directory. */
const char *
tmp_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return (path);
}

/* Opens a store that must open. */
struct store *
open_ok(const char *spec)
{
	char *cause = NULL;
	struct store *st = store_open(spec, &cause);

	if (st == NULL)
		fail_msg("%s: %s", spec, cause == NULL ? "no cause" : cause);
	assert_null(cause);
	return (st);
}

/* Records what a walk hands out. */
int
seen_cb(void *arg, const char *key, const char *value)
{
	struct seen *s = arg;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof s->text - len, "\n%s=%s", key, value);
	s->count++;
	return (s->stop_at != 0 && s->count >= s->stop_at);
}

/* Walks kind and returns what was seen. */
struct seen
walk(struct store *st, enum store_kind kind)
{
	struct seen s;

	memset(&s, 0, sizeof s);
	assert_int_equal(store_each(st, kind, seen_cb, &s), 0);
	return (s);
}

/* Asserts that kind holds exactly the records listed in want. */
void
expect_records(struct store *st, enum store_kind kind, size_t count,
    const char *want)
{
	struct seen s = walk(st, kind);

	if (s.count != count || strcmp(s.text, want) != 0)
		fail_msg("kind %d: %zu records \"%s\", expected %zu \"%s\"",
		    kind, s.count, s.text, count, want);
}

/* Counts records. */
int
count_cb(void *arg, const char *key, const char *value)
{
	size_t *n = arg;

	(void)key;
	(void)value;
	(*n)++;
	return (0);
}
