/*
 * The state store's file: only its owner may read it, and a file that is
 * not ours (a config file, another program's database, a newer schema, a
 * damaged or truncated copy) or a spec that names none is refused with a
 * reason instead of being used or crashing the daemon.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store_fixtures.h"

/* Asserts that spec does not open and that the cause is exactly want. */
static void
open_fails(const char *spec, const char *want)
{
	char *cause = NULL;

	assert_null(store_open(spec, &cause));
	assert_non_null(cause);
	if (strcmp(cause, want) != 0)
		fail_msg("cause \"%s\", expected \"%s\"", cause, want);
	free(cause);
	assert_null(store_open(spec, NULL));	/* no cause wanted: no crash */
}

/* Specs that name no store. */
static void
test_bad_specs(void **state)
{
	(void)state;
	open_fails(NULL, "no state store given");
	open_fails("", "no state store given");
	open_fails("sqlite:", "sqlite: no file name given");
}

/* The state directory was never made: refused, and not made for us. */
static void
test_missing_parent_dir(void **state)
{
	char dir[512], path[600], want[1024];
	struct stat sb;

	(void)state;
	snprintf(dir, sizeof dir, "%s", tmp_path("no-such-dir"));
	snprintf(path, sizeof path, "%s/state.db", dir);
	snprintf(want, sizeof want, "%s: cannot open: %s", path,
	    strerror(ENOENT));
	open_fails(path, want);
	assert_int_equal(stat(dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

/* Writes len bytes of data to the file name in the temporary directory. */
static void
write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(tmp_path(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A configuration file given by mistake as the state file is refused. */
static void
test_not_a_database(void **state)
{
	char text[8192], want[1024];
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof text; i++)
		text[i] = "[presence]\npersist = yes\n"[i % 25];
	write_file("sipxmppd.conf", text, sizeof text - 1);
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (file is not a database)", tmp_path("sipxmppd.conf"));
	open_fails(tmp_path("sipxmppd.conf"), want);

	/* Shorter than an SQLite header. */
	write_file("short.db", "SQLite", 6);
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (file is not a database)", tmp_path("short.db"));
	open_fails(tmp_path("short.db"), want);
}

/* Runs sql on the database at path with bare SQLite. */
static void
sql_on(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Another program's SQLite database is not taken over. */
static void
test_foreign_database(void **state)
{
	char want[1024];

	(void)state;
	sql_on(tmp_path("foreign.db"), "CREATE TABLE contacts(name TEXT);"
	    "INSERT INTO contacts VALUES('alice');");
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (no such table: meta)", tmp_path("foreign.db"));
	open_fails(tmp_path("foreign.db"), want);

	sql_on(tmp_path("norecords.db"), "CREATE TABLE meta(name TEXT"
	    " PRIMARY KEY, value TEXT);"
	    "INSERT INTO meta VALUES('schema_version', '1');");
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (no such table: records)", tmp_path("norecords.db"));
	open_fails(tmp_path("norecords.db"), want);

	sql_on(tmp_path("noversion.db"), "CREATE TABLE meta(name TEXT"
	    " PRIMARY KEY, value TEXT);");
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (no schema_version)", tmp_path("noversion.db"));
	open_fails(tmp_path("noversion.db"), want);
}

/* A file written by a newer sipxmppd is left alone. */
static void
test_newer_schema(void **state)
{
	char want[1024];
	struct store *st;

	(void)state;
	st = open_ok(tmp_path("newer.db"));
	assert_int_equal(store_put(st, STORE_WATCHER, "a", "b"), 0);
	store_close(st);
	sql_on(tmp_path("newer.db"), "UPDATE meta SET value = '99'"
	    " WHERE name = 'schema_version'");
	snprintf(want, sizeof want, "%s: schema version 99 is newer than"
	    " this sipxmppd knows (1); use a newer sipxmppd or another state"
	    " file", tmp_path("newer.db"));
	open_fails(tmp_path("newer.db"), want);

	sql_on(tmp_path("newer.db"), "UPDATE meta SET value = 'one'"
	    " WHERE name = 'schema_version'");
	snprintf(want, sizeof want, "%s: not a sipxmpp state database"
	    " (schema_version is not a version)", tmp_path("newer.db"));
	open_fails(tmp_path("newer.db"), want);

	/* Back to 1: the record is still there, untouched. */
	sql_on(tmp_path("newer.db"), "UPDATE meta SET value = '1'"
	    " WHERE name = 'schema_version'");
	st = open_ok(tmp_path("newer.db"));
	expect_records(st, STORE_WATCHER, 1, "\na=b");
	store_close(st);
}

/* The file holds user addresses: only its owner may read it. */
static void
test_file_mode(void **state)
{
	struct store *st;
	struct stat sb;

	(void)state;
	st = open_ok(tmp_path("private.db"));
	assert_int_equal(store_put(st, STORE_WATCHER, "a", "b"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(stat(tmp_path("private.db"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* SQLite gives the write-ahead log the database file's mode. */
	assert_int_equal(stat(tmp_path("private.db-wal"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
}

/* Overwrites len bytes at off in the file with a pattern. */
static void
scribble(const char *path, off_t off, size_t len)
{
	unsigned char buf[512];
	size_t i, n;
	int fd;

	for (i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	assert_int_equal(lseek(fd, off, SEEK_SET), off);
	for (; len > 0; len -= n) {
		n = len < sizeof buf ? len : sizeof buf;
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	assert_int_equal(close(fd), 0);
}

/* Fills a new database with enough records to span many pages. */
static void
fill(const char *path)
{
	char key[64];
	struct store *st = open_ok(path);
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "user%04d@sip.example", i);
		assert_int_equal(store_put(st, STORE_WATCHER, key,
		    "some value long enough to fill pages quickly"), 0);
	}
	store_close(st);	/* the last close folds the WAL in */
}

/*
 * A damaged file (a bad disk, a bad copy) is refused at open or fails a
 * walk, but never crashes the daemon (ASan and valgrind watch this).
 */
static void
test_damaged_file(void **state)
{
	const char *path;
	struct store *st;
	char *cause;
	size_t n;
	off_t off;
	int failures = 0;

	(void)state;
	for (off = 1024; off <= 64 * 1024; off += 7 * 1024 + 100) {
		path = tmp_path("damaged.db");
		unlink(path);
		fill(path);
		scribble(path, off, 2048);
		cause = NULL;
		if ((st = store_open(path, &cause)) == NULL) {
			assert_non_null(cause);
			assert_non_null(strstr(cause, path));
			free(cause);
			failures++;
			continue;
		}
		n = 0;
		if (store_each(st, STORE_WATCHER, count_cb, &n) != 0)
			failures++;
		/* Writing to it must not crash either. */
		(void)store_put(st, STORE_WATCHER, "after", "damage");
		(void)store_del(st, STORE_WATCHER, "user0001@sip.example");
		store_close(st);
	}
	/* The header page, then a truncated file. */
	scribble(path, 0, 100);
	cause = NULL;
	assert_null(store_open(path, &cause));
	free(cause);
	fill(tmp_path("truncated.db"));
	assert_int_equal(truncate(tmp_path("truncated.db"), 10000), 0);
	if ((st = store_open(tmp_path("truncated.db"), NULL)) != NULL) {
		n = 0;
		if (store_each(st, STORE_WATCHER, count_cb, &n) != 0)
			failures++;
		store_close(st);
	} else
		failures++;
	/* Some of this damage must have been noticed. */
	assert_true(failures > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_missing_parent_dir),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_foreign_database),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_damaged_file),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
