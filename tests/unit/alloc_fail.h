/*
 * Allocation-failure injection for the unit tests of the pure libraries
 * (see alloc_fail.c). A scenario calls a public API the way the unit
 * tests do and returns 0 if it succeeded with the right result, -1 if the
 * API returned its documented error; anything else is a defect.
 */
#ifndef SIPXMPP_ALLOC_FAIL_H
#define SIPXMPP_ALLOC_FAIL_H

#include <stddef.h>

typedef int (*alloc_scenario_fn)(void);

/* Whether allocations through the hooks below may fail too. */
extern int alloc_fail_hooks_fail;

void *alloc_fail_malloc(size_t size);
void *alloc_fail_realloc(void *p, size_t size);
void alloc_fail_free(void *p);
char *alloc_fail_strdup(const char *s);

/* Called before and after each run: drops a library's cached state. */
extern void (*alloc_fail_settle)(void);

void alloc_fail_run(const char *name, alloc_scenario_fn fn);

#endif
