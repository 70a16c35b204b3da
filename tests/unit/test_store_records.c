/*
 * The state store's records: put, walk and delete in batches; committed
 * records survive a restart and uncommitted ones vanish with a crash; a
 * walk that stops or deletes; the "none" and in-memory stores; arguments
 * outside the contract; a big batch.
 */
#include <sys/types.h>
#include <sys/wait.h>

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

#include "store_fixtures.h"

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

/* A callback that must never run. */
static int
never_cb(void *arg, const char *key, const char *value)
{
	(void)arg;
	fail_msg("record %s=%s in a store that keeps nothing", key, value);
	return (1);
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
	assert_int_equal(store_put(st, (enum store_kind)5, "k", "v"), -1);
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
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_many_records),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
