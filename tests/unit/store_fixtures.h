/*
 * What the state store tests (test_store_*.c) share: a temporary
 * directory for their files, a store that must open, and walks that
 * collect what a kind holds (store_fixtures.c).
 */
#ifndef SIPXMPP_STORE_FIXTURES_H
#define SIPXMPP_STORE_FIXTURES_H

#include <stddef.h>

#include "store.h"

/* What a walk saw: "\nkey=value" per record, and how many. */
struct seen {
	char	 text[8192];
	size_t	 count;
	size_t	 stop_at;	/* stop after this many; 0: never */
};

/* store_fixtures.c */
int setup(void **state);
int teardown(void **state);
const char *tmp_path(const char *name);
struct store *open_ok(const char *spec);
int seen_cb(void *arg, const char *key, const char *value);
struct seen walk(struct store *st, enum store_kind kind);
void expect_records(struct store *st, enum store_kind kind, size_t count,
    const char *want);
int count_cb(void *arg, const char *key, const char *value);

#endif
