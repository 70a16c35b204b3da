/*
 * The state store: records survive a restart once committed, vanish with
 * a crash if not, and a bad or foreign file is refused with a reason
 * instead of being used or crashing the daemon.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

#include "store.h"

static char tmpdir[] = "/tmp/sipxmpp-store-XXXXXX";

/* What a walk saw: "\nkey=value" per record, and how many. */
struct seen {
	char	 text[8192];
	size_t	 count;
	size_t	 stop_at;	/* stop after this many; 0: never */
};

/* Makes the temporary directory all tests write their files into. */
static int
setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

/* Removes the temporary directory and every file left in it. */
static int
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
static const char *
tmp_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return (path);
}

/* Opens a store that must open. */
static struct store *
open_ok(const char *spec)
{
	char *cause = NULL;
	struct store *st = store_open(spec, &cause);

	if (st == NULL)
		fail_msg("%s: %s", spec, cause == NULL ? "no cause" : cause);
	assert_null(cause);
	return (st);
}

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

/* Records what a walk hands out. */
static int
seen_cb(void *arg, const char *key, const char *value)
{
	struct seen *s = arg;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof s->text - len, "\n%s=%s", key, value);
	s->count++;
	return (s->stop_at != 0 && s->count >= s->stop_at);
}

/* Walks kind and returns what was seen. */
static struct seen
walk(struct store *st, enum store_kind kind)
{
	struct seen s;

	memset(&s, 0, sizeof s);
	assert_int_equal(store_each(st, kind, seen_cb, &s), 0);
	return (s);
}

/* Asserts that kind holds exactly the records listed in want. */
static void
expect_records(struct store *st, enum store_kind kind, size_t count,
    const char *want)
{
	struct seen s = walk(st, kind);

	if (s.count != count || strcmp(s.text, want) != 0)
		fail_msg("kind %d: %zu records \"%s\", expected %zu \"%s\"",
		    kind, s.count, s.text, count, want);
}

/* A callback that must never run. */
static int
never_cb(void *arg, const char *key, const char *value)
{
	(void)arg;
	fail_msg("record %s=%s in a store that keeps nothing", key, value);
	return (1);
}

/* A watcher subscribes, is seen, unsubscribes; the batch is counted. */
static void
test_put_each_del_commit(void **state)
{
	struct store *st;

	(void)state;
	st = open_ok(tmp_path("basic.db"));
	assert_int_equal(store_uncommitted(st), 0);
	assert_int_equal(store_commit(st), 0);	/* nothing pending */
	expect_records(st, STORE_WATCHER, 0, "");

	assert_int_equal(store_put(st, STORE_WATCHER, "alice@sip.example",
	    "bob@xmpp.example;expires=3600"), 0);
	assert_int_equal(store_put(st, STORE_WATCHER, "carol@sip.example",
	    "bob@xmpp.example;expires=600"), 0);
	assert_int_equal(store_uncommitted(st), 2);
	/* The batch's own writes are visible before the commit. */
	expect_records(st, STORE_WATCHER, 2,
	    "\nalice@sip.example=bob@xmpp.example;expires=3600"
	    "\ncarol@sip.example=bob@xmpp.example;expires=600");
	expect_records(st, STORE_SUBSCRIPTION, 0, "");
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_uncommitted(st), 0);

	assert_int_equal(store_del(st, STORE_WATCHER, "alice@sip.example"),
	    0);
	/* Deleting what is not there is no error, but is counted. */
	assert_int_equal(store_del(st, STORE_WATCHER, "nobody@sip.example"),
	    0);
	assert_int_equal(store_uncommitted(st), 2);
	expect_records(st, STORE_WATCHER, 1,
	    "\ncarol@sip.example=bob@xmpp.example;expires=600");
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_uncommitted(st), 0);
	expect_records(st, STORE_WATCHER, 1,
	    "\ncarol@sip.example=bob@xmpp.example;expires=600");
	store_close(st);
}

/* Committed records, and those close commits, are there after a restart. */
static void
test_survives_reopen(void **state)
{
	char spec[600];
	struct store *st;

	(void)state;
	st = open_ok(tmp_path("reopen.db"));
	assert_int_equal(store_put(st, STORE_SUBSCRIPTION, "juliet@xmpp.example",
	    "dialog=1234;cseq=7"), 0);
	assert_int_equal(store_put(st, STORE_AUTHORIZATION,
	    "romeo@sip.example", "yes"), 0);
	assert_int_equal(store_commit(st), 0);
	/* Left pending: store_close() commits it. */
	assert_int_equal(store_put(st, STORE_AUTHORIZATION,
	    "tybalt@sip.example", "no"), 0);
	store_close(st);

	/* The same file, named with the explicit backend prefix. */
	snprintf(spec, sizeof spec, "sqlite:%s", tmp_path("reopen.db"));
	st = open_ok(spec);
	assert_int_equal(store_uncommitted(st), 0);
	expect_records(st, STORE_SUBSCRIPTION, 1,
	    "\njuliet@xmpp.example=dialog=1234;cseq=7");
	expect_records(st, STORE_AUTHORIZATION, 2,
	    "\nromeo@sip.example=yes\ntybalt@sip.example=no");
	expect_records(st, STORE_WATCHER, 0, "");
	store_close(st);
}

/* A put replaces the value under the same key; kinds do not mix. */
static void
test_put_overwrites(void **state)
{
	struct store *st;

	(void)state;
	st = open_ok(tmp_path("overwrite.db"));
	assert_int_equal(store_put(st, STORE_WATCHER, "k", "first"), 0);
	assert_int_equal(store_put(st, STORE_SUBSCRIPTION, "k", "other"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_put(st, STORE_WATCHER, "k", "second"), 0);
	expect_records(st, STORE_WATCHER, 1, "\nk=second");
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_put(st, STORE_WATCHER, "k", "third"), 0);
	store_close(st);

	st = open_ok(tmp_path("overwrite.db"));
	expect_records(st, STORE_WATCHER, 1, "\nk=third");
	assert_int_equal(store_del(st, STORE_WATCHER, "k"), 0);
	expect_records(st, STORE_WATCHER, 0, "");
	expect_records(st, STORE_SUBSCRIPTION, 1, "\nk=other");
	/* An empty value is a value. */
	assert_int_equal(store_put(st, STORE_AUTHORIZATION, "e", ""), 0);
	expect_records(st, STORE_AUTHORIZATION, 1, "\ne=");
	store_close(st);
}

/* A callback's non-zero return ends the walk at once. */
static void
test_each_stops(void **state)
{
	char key[32];
	struct store *st;
	struct seen s;
	int i;

	(void)state;
	st = open_ok(tmp_path("stop.db"));
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "user%d@sip.example", i);
		assert_int_equal(store_put(st, STORE_WATCHER, key, "v"), 0);
	}
	memset(&s, 0, sizeof s);
	s.stop_at = 3;
	assert_int_equal(store_each(st, STORE_WATCHER, seen_cb, &s), 0);
	assert_int_equal(s.count, 3);
	/* A stopped walk leaves the store usable: the next one sees all. */
	assert_int_equal(walk(st, STORE_WATCHER).count, 10);
	store_close(st);
}

/* A walk that deletes what it is handed; its first record nests a walk. */
struct expiry {
	struct store	*st;
	int		 nested;	/* nested walks tried */
};

/* Deletes the record it is handed; the first time, nests a walk too. */
static int
delete_cb(void *arg, const char *key, const char *value)
{
	struct expiry *e = arg;
	struct seen s;

	(void)value;
	if (e->nested++ == 0) {
		memset(&s, 0, sizeof s);
		if (store_each(e->st, STORE_WATCHER, seen_cb, &s) != -1)
			fail_msg("a nested store_each() did not fail");
	}
	return (store_del(e->st, STORE_WATCHER, key) == 0 ? 0 : 1);
}

/* Expiry at start-up: a walk that deletes each record it sees. */
static void
test_each_deleting(void **state)
{
	char key[32];
	struct expiry e;
	struct store *st;
	int i;

	(void)state;
	st = open_ok(tmp_path("expire.db"));
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "user%02d@sip.example", i);
		assert_int_equal(store_put(st, STORE_WATCHER, key, "old"), 0);
	}
	assert_int_equal(store_commit(st), 0);
	e.st = st;
	e.nested = 0;
	assert_int_equal(store_each(st, STORE_WATCHER, delete_cb, &e), 0);
	/* Every record was handed out once, and deleted. */
	assert_int_equal(e.nested, 50);
	assert_int_equal(store_uncommitted(st), 50);
	expect_records(st, STORE_WATCHER, 0, "");
	store_close(st);
	st = open_ok(tmp_path("expire.db"));
	expect_records(st, STORE_WATCHER, 0, "");
	store_close(st);
}

/*
 * A child plays the daemon: it commits one record, puts others, tells
 * the parent it got that far, and dies without committing: by _exit()
 * or by SIGKILL. (Under valgrind the _exit() status reports the leak
 * the child dies with, hence the pipe.)
 */
static void
crash_child(const char *path, int kill_it)
{
	struct store *st;
	char ok = 0;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		/* Its own connection: SQLite handles do not cross fork(). */
		st = store_open(path, NULL);
		if (st == NULL ||
		    store_put(st, STORE_WATCHER, "kept", "committed") != 0 ||
		    store_commit(st) != 0 ||
		    store_put(st, STORE_WATCHER, "lost", "pending") != 0 ||
		    store_put(st, STORE_AUTHORIZATION, "lost", "yes") != 0 ||
		    store_del(st, STORE_WATCHER, "kept") != 0 ||
		    store_uncommitted(st) != 3)
			_exit(1);
		if (write(fds[1], "k", 1) != 1)
			_exit(1);
		if (kill_it)
			kill(getpid(), SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &ok, 1), 1);
	assert_int_equal(ok, 'k');
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (kill_it) {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
	} else
		assert_true(WIFEXITED(status));
}

/* The daemon dies between commits: only what it committed survives. */
static void
test_crash_loses_uncommitted(void **state)
{
	struct store *st;
	int kill_it;

	(void)state;
	for (kill_it = 0; kill_it <= 1; kill_it++) {
		unlink(tmp_path("crash.db"));
		crash_child(tmp_path("crash.db"), kill_it);
		st = open_ok(tmp_path("crash.db"));
		expect_records(st, STORE_WATCHER, 1, "\nkept=committed");
		expect_records(st, STORE_AUTHORIZATION, 0, "");
		store_close(st);
	}
}

/* "none" takes every write and keeps none of them. */
static void
test_none_backend(void **state)
{
	struct store *st;

	(void)state;
	st = open_ok("none");
	assert_string_equal(st->backend->name, "none");
	assert_int_equal(store_put(st, STORE_WATCHER, "a", "b"), 0);
	assert_int_equal(store_del(st, STORE_WATCHER, "c"), 0);
	assert_int_equal(store_uncommitted(st), 2);
	assert_int_equal(store_each(st, STORE_WATCHER, never_cb, NULL), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_uncommitted(st), 0);
	assert_int_equal(store_each(st, STORE_WATCHER, never_cb, NULL), 0);
	/* Its argument checks are the same as any backend's. */
	assert_int_equal(store_put(st, (enum store_kind)0, "a", "b"), -1);
	assert_int_equal(store_put(st, STORE_WATCHER, NULL, "b"), -1);
	store_close(st);
	/* And no file called "none" appeared anywhere. */
	assert_int_equal(access("none", F_OK), -1);
}

/* ":memory:" is SQLite's own name for a store that dies with the process. */
static void
test_memory(void **state)
{
	struct store *st;

	(void)state;
	st = open_ok("sqlite::memory:");
	assert_string_equal(st->backend->name, "sqlite");
	assert_int_equal(store_put(st, STORE_WATCHER, "a", "b"), 0);
	assert_int_equal(store_commit(st), 0);
	expect_records(st, STORE_WATCHER, 1, "\na=b");
	store_close(st);
	assert_int_equal(access(":memory:", F_OK), -1);
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

/* Adds up the lengths of the values. */
static int
length_cb(void *arg, const char *key, const char *value)
{
	size_t *n = arg;

	(void)key;
	*n += strlen(value);
	return (0);
}

/* Arguments outside the contract fail and leave the batch count alone. */
static void
test_bad_arguments(void **state)
{
	static char big[64 * 1024 + 2];
	struct store *st;
	struct seen s;
	size_t n;

	(void)state;
	st = open_ok(tmp_path("args.db"));

	memset(big, 'k', 1025);
	big[1025] = '\0';
	assert_int_equal(store_put(st, STORE_WATCHER, big, "v"), -1);
	assert_int_equal(store_del(st, STORE_WATCHER, big), -1);
	big[1024] = '\0';		/* exactly 1024 bytes: allowed */
	assert_int_equal(store_put(st, STORE_WATCHER, big, "v"), 0);
	assert_int_equal(store_del(st, STORE_WATCHER, big), 0);

	memset(big, 'v', 64 * 1024 + 1);
	big[64 * 1024 + 1] = '\0';
	assert_int_equal(store_put(st, STORE_WATCHER, "k", big), -1);
	big[64 * 1024] = '\0';		/* exactly 64 KiB: allowed */
	assert_int_equal(store_put(st, STORE_WATCHER, "k", big), 0);
	assert_int_equal(store_uncommitted(st), 3);

	assert_int_equal(store_put(st, (enum store_kind)0, "k", "v"), -1);
	assert_int_equal(store_put(st, (enum store_kind)4, "k", "v"), -1);
	assert_int_equal(store_del(st, (enum store_kind)-1, "k"), -1);
	assert_int_equal(store_put(st, STORE_WATCHER, NULL, "v"), -1);
	assert_int_equal(store_put(st, STORE_WATCHER, "k", NULL), -1);
	assert_int_equal(store_del(st, STORE_WATCHER, NULL), -1);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_each(st, (enum store_kind)7, seen_cb, &s),
	    -1);
	assert_int_equal(store_each(st, STORE_WATCHER, NULL, NULL), -1);
	assert_int_equal(s.count, 0);
	assert_int_equal(store_uncommitted(st), 3);
	assert_int_equal(store_put(NULL, STORE_WATCHER, "k", "v"), -1);
	assert_int_equal(store_commit(NULL), -1);
	assert_int_equal(store_uncommitted(NULL), 0);
	store_close(NULL);
	store_close(st);

	/* The 64 KiB value came back whole. */
	st = open_ok(tmp_path("args.db"));
	n = 0;
	assert_int_equal(store_each(st, STORE_WATCHER, length_cb, &n), 0);
	assert_int_equal(n, 64 * 1024);
	store_close(st);
}

/* Counts records. */
static int
count_cb(void *arg, const char *key, const char *value)
{
	size_t *n = arg;

	(void)key;
	(void)value;
	(*n)++;
	return (0);
}

/* A big start-up: 100 000 subscriptions written in one batch. */
static void
test_many_records(void **state)
{
	char key[64], value[64];
	struct store *st;
	size_t n;
	int i;

	(void)state;
	st = open_ok(tmp_path("many.db"));
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "user%06d@sip.example", i);
		snprintf(value, sizeof value, "xmpp%06d@xmpp.example", i);
		assert_int_equal(store_put(st, STORE_WATCHER, key, value), 0);
	}
	assert_int_equal(store_uncommitted(st), 100000);
	n = 0;
	assert_int_equal(store_each(st, STORE_WATCHER, count_cb, &n), 0);
	assert_int_equal(n, 100000);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	st = open_ok(tmp_path("many.db"));
	n = 0;
	assert_int_equal(store_each(st, STORE_WATCHER, count_cb, &n), 0);
	assert_int_equal(n, 100000);
	n = 0;
	assert_int_equal(store_each(st, STORE_SUBSCRIPTION, count_cb, &n), 0);
	assert_int_equal(n, 0);
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
		cmocka_unit_test(test_put_each_del_commit),
		cmocka_unit_test(test_survives_reopen),
		cmocka_unit_test(test_put_overwrites),
		cmocka_unit_test(test_each_stops),
		cmocka_unit_test(test_each_deleting),
		cmocka_unit_test(test_crash_loses_uncommitted),
		cmocka_unit_test(test_none_backend),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_missing_parent_dir),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_foreign_database),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_damaged_file),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
