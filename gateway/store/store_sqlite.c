/*
 * The SQLite store: one file in WAL mode with synchronous=NORMAL, so a
 * commit costs an append to the WAL, not an fsync. A power cut may lose
 * the last commits but never corrupts the file; a crash of the daemon
 * alone loses only what was not committed.
 *
 *   meta(name, value)            schema_version = STORE_SCHEMA_VERSION
 *   records(kind, key, value)    primary key (kind, key), WITHOUT ROWID
 *
 * Writes are batched: the first put or del after a commit opens a
 * transaction and commit() closes it. The file holds user addresses, so
 * a new one is created mode 0600; the WAL and shared-memory files that
 * SQLite adds take the database file's mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cause.h"
#include "log.h"
#include "store.h"

/* Bump it, and teach open() to upgrade, when the tables change. */
#define STORE_SCHEMA_VERSION	1

/* An open database and the statements prepared for it. */
struct sqlite_store {
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*put;
	sqlite3_stmt	*del;
	sqlite3_stmt	*each;
	sqlite3_stmt	*begin;
	sqlite3_stmt	*commit;
	int		 in_batch;	/* BEGIN done, COMMIT not yet */
	int		 walking;	/* each() is stepping its statement */
};

/*
 * Sets the cause of a failed open from SQLite's last error: a file that
 * SQLite cannot read as a database is told apart from one it cannot
 * reach, since the fix differs (move it away vs. fix the path or rights).
 */
static void
open_cause(struct sqlite_store *s, char **cause)
{
	int rc = sqlite3_errcode(s->db) & 0xff;

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		set_cause_verbatim(cause,
		    "%s: not a sipxmpp state database (%s)", s->path,
		    sqlite3_errmsg(s->db));
	else
		set_cause_verbatim(cause, "%s: cannot open: %s", s->path,
		    sqlite3_errmsg(s->db));
}

/*
 * Creates the file mode 0600 if it does not exist yet, before SQLite
 * would create it 0644. O_EXCL makes this race-free; an existing file
 * (or anything else at that name) is left for SQLite to judge. A missing
 * parent directory is an error: directories are the operator's to make.
 */
static int
create_private(const char *path, char **cause)
{
	int fd;

	if (strcmp(path, ":memory:") == 0)
		return (0);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd >= 0) {
		close(fd);
		return (0);
	}
	if (errno == EEXIST)
		return (0);
	set_cause_verbatim(cause, "%s: cannot open: %s", path, strerror(errno));
	return (-1);
}

/*
 * Runs a statement that returns at most one row and copies the first
 * column of it into buf (empty if there is no row or it is NULL).
 * Returns the SQLite result code of the whole statement.
 */
static int
query_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *stmt;
	const unsigned char *text;
	int rc;

	buf[0] = '\0';
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL)) != SQLITE_OK)
		return (rc);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if ((text = sqlite3_column_text(stmt, 0)) != NULL)
			snprintf(buf, size, "%s", (const char *)text);
		rc = SQLITE_DONE;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);	/* an error stays readable by errmsg */
	return (rc);
}

/* Makes the tables of a new, empty database. */
static int
create_schema(struct sqlite_store *s, char **cause)
{
	char sql[256];

	if (sqlite3_exec(s->db,
	    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);"
	    "CREATE TABLE records(kind INTEGER NOT NULL, key TEXT NOT NULL,"
	    " value TEXT NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof sql, "INSERT INTO meta(name, value)"
	    " VALUES('schema_version', '%d')", STORE_SCHEMA_VERSION);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return (0);

fail:
	open_cause(s, cause);
	return (-1);
}

/*
 * Checks that an existing database is ours and not from a newer
 * sipxmppd, whose records we might misread or damage.
 */
static int
check_schema(struct sqlite_store *s, char **cause)
{
	char buf[32], *end;
	long version;

	if (query_text(s->db, "SELECT value FROM meta"
	    " WHERE name = 'schema_version'", buf, sizeof buf) != SQLITE_OK) {
		if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_ERROR)
			set_cause_verbatim(cause,
			    "%s: not a sipxmpp state database (%s)", s->path,
			    sqlite3_errmsg(s->db));
		else
			open_cause(s, cause);
		return (-1);
	}
	if (buf[0] == '\0') {
		set_cause_verbatim(cause, "%s: not a sipxmpp state database"
		    " (no schema_version)", s->path);
		return (-1);
	}
	errno = 0;
	version = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf || version < 1) {
		set_cause_verbatim(cause, "%s: not a sipxmpp state database"
		    " (schema_version is not a version)", s->path);
		return (-1);
	}
	if (version > STORE_SCHEMA_VERSION) {
		set_cause_verbatim(cause,
		    "%s: schema version %ld is newer than this"
		    " sipxmppd knows (%d); use a newer sipxmppd or another"
		    " state file", s->path, version, STORE_SCHEMA_VERSION);
		return (-1);
	}
	return (0);
}

/*
 * Makes the schema of a new database or checks that of an old one, in
 * one write transaction so that two daemons started on the same new
 * file do not both create it.
 */
static int
open_schema(struct sqlite_store *s, char **cause)
{
	char buf[32];
	int r = -1;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		open_cause(s, cause);
		return (-1);
	}
	if (query_text(s->db, "SELECT count(*) FROM sqlite_master", buf,
	    sizeof buf) != SQLITE_OK) {
		open_cause(s, cause);
		goto out;
	}
	if (strcmp(buf, "0") == 0)
		r = create_schema(s, cause);
	else
		r = check_schema(s, cause);
	if (r == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK) {
		open_cause(s, cause);
		r = -1;
	}

out:
	if (r != 0)
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return (r);
}

/* Prepares one statement for the whole life of the store. */
static int
prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stmt,
    char **cause)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    stmt, NULL) == SQLITE_OK)
		return (0);
	/* Our tables are missing or differ: someone else's file. */
	set_cause_verbatim(cause, "%s: not a sipxmpp state database (%s)",
	    s->path, sqlite3_errmsg(s->db));
	return (-1);
}

/* Frees everything of s; SQLite rolls back a batch still open. */
static void
sqlite_free(struct sqlite_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->each);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* Opens (or creates) the database at path and prepares its statements. */
static int
sqlite_open(struct store *st, const char *path, char **cause)
{
	struct sqlite_store *s;
	char mode[16];

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		set_cause_verbatim(cause, "%s: out of memory", path);
		free(s);
		return (-1);
	}
	if (create_private(path, cause) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		if (s->db == NULL)
			set_cause_verbatim(cause,
			    "%s: cannot open: out of memory", path);
		else
			open_cause(s, cause);
		goto fail;
	}
	/* The first statement to read the file: garbage shows up here. */
	if (query_text(s->db, "PRAGMA journal_mode=WAL", mode,
	    sizeof mode) != SQLITE_OK) {
		open_cause(s, cause);
		goto fail;
	}
	if (strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0) {
		set_cause_verbatim(cause,
		    "%s: cannot open: journal mode stays %s, not wal", path,
		    mode);
		goto fail;
	}
	if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		open_cause(s, cause);
		goto fail;
	}
	if (open_schema(s, cause) != 0)
		goto fail;
	if (prepare(s, "INSERT OR REPLACE INTO records(kind, key, value)"
	    " VALUES(?1, ?2, ?3)", &s->put, cause) != 0 ||
	    prepare(s, "DELETE FROM records WHERE kind = ?1 AND key = ?2",
	    &s->del, cause) != 0 ||
	    prepare(s, "SELECT key, value FROM records WHERE kind = ?1",
	    &s->each, cause) != 0 ||
	    prepare(s, "BEGIN", &s->begin, cause) != 0 ||
	    prepare(s, "COMMIT", &s->commit, cause) != 0)
		goto fail;
	st->priv = s;
	return (0);

fail:
	sqlite_free(s);
	return (-1);
}

/*
 * After a failed statement: some errors (a full disk, an I/O error, no
 * memory) make SQLite roll the whole transaction back. Then the batch is
 * gone and nothing is pending any more; say so once, loudly.
 */
static void
check_batch(struct store *st, struct sqlite_store *s)
{
	if (!s->in_batch || !sqlite3_get_autocommit(s->db))
		return;
	if (st->uncommitted > 0)
		log_warnx("store: %s: %zu uncommitted change(s) lost",
		    s->path, st->uncommitted);
	s->in_batch = 0;
	st->uncommitted = 0;
}

/* Steps a write statement once, opening the batch first if needed. */
static int
write_step(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	struct sqlite_store *s = st->priv;
	int rc;

	if (!s->in_batch) {
		rc = sqlite3_step(s->begin);
		sqlite3_reset(s->begin);
		if (rc != SQLITE_DONE) {
			log_warnx("store: %s: begin: %s", s->path,
			    sqlite3_errmsg(s->db));
			return (-1);
		}
		s->in_batch = 1;
	}
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc == SQLITE_DONE)
		return (0);
	log_warnx("store: %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	check_batch(st, s);
	return (-1);
}

/* Binds kind and key, the first two parameters of put and del. */
static int
bind_key(sqlite3_stmt *stmt, enum store_kind kind, const char *key)
{
	if (sqlite3_bind_int(stmt, 1, (int)kind) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC) != SQLITE_OK)
		return (-1);
	return (0);
}

/* Adds or replaces a record in the batch. */
static int
sqlite_put(struct store *st, enum store_kind kind, const char *key,
    const char *value)
{
	struct sqlite_store *s = st->priv;

	if (bind_key(s->put, kind, key) != 0 ||
	    sqlite3_bind_text(s->put, 3, value, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
		sqlite3_clear_bindings(s->put);
		return (-1);
	}
	return (write_step(st, s->put, "put"));
}

/* Removes a record in the batch; a missing one is no error. */
static int
sqlite_del(struct store *st, enum store_kind kind, const char *key)
{
	struct sqlite_store *s = st->priv;

	if (bind_key(s->del, kind, key) != 0) {
		sqlite3_clear_bindings(s->del);
		return (-1);
	}
	return (write_step(st, s->del, "del"));
}

/*
 * Walks the records of one kind; the batch's own writes are seen, being
 * on the same connection. A NULL column (a damaged file, or no memory
 * for the text) skips the record rather than ending the walk.
 */
static int
sqlite_each(struct store *st, enum store_kind kind, store_each_cb cb,
    void *arg)
{
	struct sqlite_store *s = st->priv;
	const char *key, *value;
	int rc;

	if (s->walking) {
		log_warnx("store: %s: each() called from its own callback",
		    s->path);
		return (-1);
	}
	if (sqlite3_bind_int(s->each, 1, (int)kind) != SQLITE_OK)
		return (-1);
	s->walking = 1;
	while ((rc = sqlite3_step(s->each)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(s->each, 0);
		value = (const char *)sqlite3_column_text(s->each, 1);
		if (key == NULL || value == NULL)
			continue;
		if (cb(arg, key, value) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	s->walking = 0;
	sqlite3_reset(s->each);
	if (rc == SQLITE_DONE)
		return (0);
	log_warnx("store: %s: each: %s", s->path, sqlite3_errmsg(s->db));
	check_batch(st, s);
	return (-1);
}

/*
 * Ends the batch with COMMIT. If that fails with the transaction still
 * open (the file busy), the batch stays pending for the next commit.
 */
static int
sqlite_commit(struct store *st)
{
	struct sqlite_store *s = st->priv;
	int rc;

	if (!s->in_batch)
		return (0);
	rc = sqlite3_step(s->commit);
	sqlite3_reset(s->commit);
	if (rc == SQLITE_DONE) {
		s->in_batch = 0;
		return (0);
	}
	log_warnx("store: %s: commit: %s", s->path, sqlite3_errmsg(s->db));
	check_batch(st, s);
	return (-1);
}

/* Closes the database; a batch that could not be committed is lost. */
static void
sqlite_close(struct store *st)
{
	struct sqlite_store *s = st->priv;

	if (s == NULL)
		return;
	if (s->in_batch && st->uncommitted > 0)
		log_warnx("store: %s: closed with %zu uncommitted change(s)",
		    s->path, st->uncommitted);
	sqlite_free(s);
	st->priv = NULL;
}

const struct store_backend store_backend_sqlite = {
	.name = "sqlite",
	.open = sqlite_open,
	.put = sqlite_put,
	.del = sqlite_del,
	.each = sqlite_each,
	.commit = sqlite_commit,
	.close = sqlite_close
};
