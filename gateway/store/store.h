/*
 * Persistent state (subscriptions of both directions, XMPP authorizations)
 * behind a small backend interface: SQLite by default, "none" to keep
 * nothing. Records are opaque text values under (kind, key); the bridges
 * serialize their own records. Writes are batched: everything put or
 * deleted since the last store_commit() is written in one transaction,
 * so the caller commits once per loop turn, not once per change.
 */
#ifndef SIPXMPP_STORE_H
#define SIPXMPP_STORE_H

#include <stddef.h>

/* What a record is; the numbers are stored, never renumber them. */
enum store_kind {
	STORE_WATCHER = 1,	/* a SIP watcher of an XMPP user (S2X) */
	STORE_SUBSCRIPTION = 2,	/* an XMPP user's SUBSCRIBE dialog (X2S) */
	STORE_AUTHORIZATION = 3,	/* an XMPP user's yes/no to a SIP watcher */
	STORE_ROOM_MEMBER = 4	/* a SIP user in a room (issue 13 item 7) */
};

struct store;

/* Called once per record by store_each(); a non-zero return stops it. */
typedef int (*store_each_cb)(void *arg, const char *key, const char *value);

/* One backend: store_sqlite.c, store_none.c. */
struct store_backend {
	const char *name;
	int (*open)(struct store *st, const char *location, char **cause);
	int (*put)(struct store *st, enum store_kind kind, const char *key,
	    const char *value);
	int (*del)(struct store *st, enum store_kind kind, const char *key);
	int (*each)(struct store *st, enum store_kind kind, store_each_cb cb,
	    void *arg);
	int (*commit)(struct store *st);
	void (*close)(struct store *st);
};

struct store {
	const struct store_backend *backend;
	void *priv;		/* the backend's own state */
	size_t uncommitted;	/* puts and dels since the last commit */
};

/* store.c */
struct store *store_open(const char *spec, char **cause);
int store_put(struct store *st, enum store_kind kind, const char *key,
    const char *value);
int store_del(struct store *st, enum store_kind kind, const char *key);
int store_each(struct store *st, enum store_kind kind, store_each_cb cb,
    void *arg);
int store_commit(struct store *st);
size_t store_uncommitted(const struct store *st);
void store_close(struct store *st);

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_none;

#endif
