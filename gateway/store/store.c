/*
 * The front of the state store: picks a backend from the spec, checks
 * every argument once for all backends, and counts the open batch.
 *
 *   "none"          keep nothing (store_none.c);
 *   "sqlite:PATH"   an SQLite file (store_sqlite.c);
 *   "PATH"          the same; write "./none" for a file called "none".
 *
 * Keys are at most STORE_MAX_KEY bytes and values STORE_MAX_VALUE bytes,
 * both C strings. store_each() hands out only records within those
 * bounds, so a damaged file cannot give a bridge an unbounded value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "store.h"

#define STORE_MAX_KEY	1024
#define STORE_MAX_VALUE	(64 * 1024)

/* A store_each() callback and its argument, behind the bounds check. */
struct each_filter {
	store_each_cb	 cb;
	void		*arg;
};

/* Whether kind is one of the stored kinds (the enum may hold anything). */
static int
kind_valid(enum store_kind kind)
{
	switch (kind) {
	case STORE_WATCHER:
	case STORE_SUBSCRIPTION:
	case STORE_AUTHORIZATION:
	case STORE_ROOM_MEMBER:
		return (1);
	}
	return (0);
}

/* Whether s is a string of at most max bytes. */
static int
text_valid(const char *s, size_t max)
{
	return (s != NULL && strnlen(s, max + 1) <= max);
}

/*
 * Opens the store that spec names. Returns NULL with *cause set (if cause
 * is not NULL) when the spec is wrong or the backend cannot open.
 */
struct store *
store_open(const char *spec, char **cause)
{
	const struct store_backend *backend;
	const char *location;
	struct store *st;

	if (cause != NULL)
		*cause = NULL;
	if (spec == NULL || *spec == '\0') {
		set_cause_verbatim(cause, "no state store given");
		return (NULL);
	}
	if (strcmp(spec, "none") == 0) {
		backend = &store_backend_none;
		location = "";
	} else if (strncmp(spec, "sqlite:", 7) == 0) {
		backend = &store_backend_sqlite;
		location = spec + 7;
		if (*location == '\0') {
			set_cause_verbatim(cause, "sqlite: no file name given");
			return (NULL);
		}
	} else {
		backend = &store_backend_sqlite;
		location = spec;
	}

	if ((st = calloc(1, sizeof *st)) == NULL) {
		set_cause_verbatim(cause, "%s: out of memory", spec);
		return (NULL);
	}
	st->backend = backend;
	if (backend->open(st, location, cause) != 0) {
		if (cause != NULL && *cause == NULL)
			set_cause_verbatim(cause, "%s: cannot open", spec);
		free(st);
		return (NULL);
	}
	return (st);
}

/* Adds or replaces the record (kind, key) in the open batch. */
int
store_put(struct store *st, enum store_kind kind, const char *key,
    const char *value)
{
	if (st == NULL || !kind_valid(kind) ||
	    !text_valid(key, STORE_MAX_KEY) ||
	    !text_valid(value, STORE_MAX_VALUE))
		return (-1);
	if (st->backend->put(st, kind, key, value) != 0)
		return (-1);
	st->uncommitted++;
	return (0);
}

/* Removes the record (kind, key), if there is one, in the open batch. */
int
store_del(struct store *st, enum store_kind kind, const char *key)
{
	if (st == NULL || !kind_valid(kind) || !text_valid(key, STORE_MAX_KEY))
		return (-1);
	if (st->backend->del(st, kind, key) != 0)
		return (-1);
	st->uncommitted++;
	return (0);
}

/* Passes a record on to the caller's callback if it is within bounds. */
static int
each_filter_cb(void *arg, const char *key, const char *value)
{
	struct each_filter *f = arg;

	if (!text_valid(key, STORE_MAX_KEY) ||
	    !text_valid(value, STORE_MAX_VALUE))
		return (0);
	return (f->cb(f->arg, key, value));
}

/*
 * Calls cb for every record of kind, the open batch's writes included,
 * in no promised order. Returns 0 when all were seen or cb stopped the
 * walk, -1 on an error. cb must not call store_each() or store_close();
 * it may put and del, but whether the rest of the walk sees those
 * changes is not defined.
 */
int
store_each(struct store *st, enum store_kind kind, store_each_cb cb,
    void *arg)
{
	struct each_filter f;

	if (st == NULL || !kind_valid(kind) || cb == NULL)
		return (-1);
	f.cb = cb;
	f.arg = arg;
	return (st->backend->each(st, kind, each_filter_cb, &f));
}

/* Writes the open batch, if there is one, in one transaction. */
int
store_commit(struct store *st)
{
	if (st == NULL)
		return (-1);
	if (st->backend->commit(st) != 0)
		return (-1);
	st->uncommitted = 0;
	return (0);
}

/* How many puts and dels wait for store_commit(). */
size_t
store_uncommitted(const struct store *st)
{
	return (st == NULL ? 0 : st->uncommitted);
}

/* Commits what is pending, then closes the store and frees it. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	(void)store_commit(st);
	st->backend->close(st);
	free(st);
}
