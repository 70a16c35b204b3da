/*
 * The "none" store: keeps nothing, so a restart forgets every
 * subscription. For deployments that want no state on disk.
 */
#include <stddef.h>

#include "store.h"

/* Nothing to open. */
static int
none_open(struct store *st, const char *location, char **cause)
{
	(void)location;
	(void)cause;
	st->priv = NULL;
	return (0);
}

/* Forgets the record at once. */
static int
none_put(struct store *st, enum store_kind kind, const char *key,
    const char *value)
{
	(void)st;
	(void)kind;
	(void)key;
	(void)value;
	return (0);
}

/* Nothing to remove. */
static int
none_del(struct store *st, enum store_kind kind, const char *key)
{
	(void)st;
	(void)kind;
	(void)key;
	return (0);
}

/* There is never a record to walk. */
static int
none_each(struct store *st, enum store_kind kind, store_each_cb cb,
    void *arg)
{
	(void)st;
	(void)kind;
	(void)cb;
	(void)arg;
	return (0);
}

/* Nothing to write. */
static int
none_commit(struct store *st)
{
	(void)st;
	return (0);
}

/* Nothing to free. */
static void
none_close(struct store *st)
{
	(void)st;
}

const struct store_backend store_backend_none = {
	.name = "none",
	.open = none_open,
	.put = none_put,
	.del = none_del,
	.each = none_each,
	.commit = none_commit,
	.close = none_close
};
