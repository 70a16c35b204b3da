/*
 * An allocator shim for the allocation-failure pass (issue 11 item 5), in
 * the manner of libre's test runner, written for this project.
 *
 * Test executables that link this file are linked with
 * -Wl,--wrap=malloc,... (tests/unit/CMakeLists.txt): every call to the
 * allocator from our own objects (test file and the static libraries
 * under test) lands here; shared libraries and libc itself keep the real
 * allocator, except libxml2, which the codec driver routes here with
 * xmlMemSetup(). The shim counts allocations and makes the n-th (or the
 * n-th and every later one) return NULL with errno ENOMEM; it keeps the
 * live blocks in a table so that a scenario that returns without freeing
 * what it took is caught, and the caller of each leaked block is named.
 *
 * alloc_fail_run() runs a scenario once unarmed (lazy library state, e.g.
 * libxml2's, is taken then), then for n = 1, 2, ... with allocation n
 * failing, first alone, then from n on, until a run completes without
 * reaching n. Each run must return 0 (result checked by the scenario) or
 * -1 (the documented error) and leave as many live blocks as before.
 *
 * Environment, for a person chasing a failure: ALLOC_FAIL_SCENARIO=name
 * runs that scenario only; ALLOC_FAIL_TRACE prints, for each n, the file
 * and offset of the allocation made to fail (for addr2line -f -e).
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"

void *__real_malloc(size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
int __real_posix_memalign(void **out, size_t align, size_t size);
int __wrap_posix_memalign(void **out, size_t align, size_t size);

#define SLOTS		(1u << 17)	/* live blocks tracked at once */
#define MAX_RUNS	200000		/* allocations in one scenario */
#define TOMB		((void *)1)

struct block {
	void *p;		/* NULL: free slot; TOMB: removed */
	unsigned long serial;	/* allocation number since start */
	void *caller;
};

static struct block blocks[SLOTS];
static size_t live;		/* blocks in the table */
static unsigned long serial;	/* allocations ever made */
static unsigned long count;	/* allocations since arming */
static unsigned long fail_at;	/* 0: none */
static int sticky;		/* fail from fail_at on */
static int reached;		/* fail_at was reached */

/* Slot of p, or of where it would go (first free or tombstone). */
static struct block *
slot(void *p, int insert)
{
	size_t i = ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL % SLOTS;
	struct block *tomb = NULL;
	size_t probes;

	for (probes = 0; probes < SLOTS; probes++, i = (i + 1) % SLOTS) {
		if (blocks[i].p == p)
			return &blocks[i];
		if (blocks[i].p == TOMB && tomb == NULL)
			tomb = &blocks[i];
		if (blocks[i].p == NULL)
			return insert ? (tomb != NULL ? tomb : &blocks[i]) :
			    NULL;
	}
	if (insert && tomb != NULL)
		return tomb;
	if (insert) {
		fprintf(stderr, "alloc_fail: more than %u live blocks\n",
		    SLOTS);
		abort();
	}
	return NULL;
}

/* Remembers a new block. */
static void
track(void *p, void *caller)
{
	struct block *b = slot(p, 1);

	b->p = p;
	b->serial = ++serial;
	b->caller = caller;
	live++;
}

/* Forgets a block; returns 0 if it was not ours (libc's, libxml2's). */
static int
untrack(void *p)
{
	struct block *b = slot(p, 0);

	if (b == NULL)
		return 0;
	b->p = TOMB;
	live--;
	return 1;
}

/* The file that holds code address a (for addr2line). */
static const char *
where(void *a)
{
	Dl_info di;

	return dladdr(a, &di) != 0 && di.dli_fname != NULL ? di.dli_fname :
	    "?";
}

/* Offset of code address a in its file. */
static unsigned long
offset(void *a)
{
	Dl_info di;

	if (dladdr(a, &di) == 0)
		return (unsigned long)a;
	return (unsigned long)((char *)a - (char *)di.dli_fbase);
}

static int trace = -1;		/* ALLOC_FAIL_TRACE set: name each site */

/* Decides whether this allocation (made from caller) fails. */
static int
fail_now(void *caller)
{
	if (fail_at == 0)
		return 0;
	count++;
	if (count == fail_at || (sticky && count > fail_at)) {
		if (trace == -1)
			trace = getenv("ALLOC_FAIL_TRACE") != NULL;
		if (trace && count == fail_at)
			fprintf(stderr, "alloc_fail: %lu fails at %s+%#lx\n",
			    count, where(caller), offset(caller));
		reached = 1;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

/* malloc for a caller: may fail, else tracked. */
static void *
do_malloc(size_t size, void *caller)
{
	void *p;

	if (fail_now(caller))
		return NULL;
	if ((p = __real_malloc(size > 0 ? size : 1)) != NULL)
		track(p, caller);
	return p;
}

/* realloc for a caller: on failure p stays as it was, as with realloc. */
static void *
do_realloc(void *p, size_t size, void *caller)
{
	void *q;
	int ours;

	if (p == NULL)
		return do_malloc(size, caller);
	if (fail_now(caller))
		return NULL;
	ours = untrack(p);
	if ((q = __real_realloc(p, size > 0 ? size : 1)) == NULL) {
		if (ours)
			track(p, caller);
		return NULL;
	}
	if (ours)
		track(q, caller);
	return q;
}

/* The malloc our objects call (--wrap=malloc); the others alike. */
void *
__wrap_malloc(size_t size)
{
	return do_malloc(size, __builtin_return_address(0));
}

/* calloc: overflow refused, zeroed. */
void *
__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = do_malloc(n * size, __builtin_return_address(0))) != NULL)
		memset(p, 0, n * size);
	return p;
}

/* realloc. */
void *
__wrap_realloc(void *p, size_t size)
{
	return do_realloc(p, size, __builtin_return_address(0));
}

/* reallocarray: overflow refused. */
void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return do_realloc(p, n * size, __builtin_return_address(0));
}

/* posix_memalign (mapping/bigmem.c, for huge tables). */
int
__wrap_posix_memalign(void **out, size_t align, size_t size)
{
	int r;

	if (fail_now(__builtin_return_address(0)))
		return ENOMEM;
	if ((r = __real_posix_memalign(out, align, size)) == 0)
		track(*out, __builtin_return_address(0));
	return r;
}

/* free: forgets the block if it is ours. */
void
__wrap_free(void *p)
{
	if (p == NULL)
		return;
	untrack(p);
	__real_free(p);
}

/* strndup, through the counted malloc. */
char *
__wrap_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p;

	if ((p = do_malloc(len + 1, __builtin_return_address(0))) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* strdup, through the counted malloc. */
char *
__wrap_strdup(const char *s)
{
	size_t len = strlen(s);
	char *p;

	if ((p = do_malloc(len + 1, __builtin_return_address(0))) == NULL)
		return NULL;
	memcpy(p, s, len + 1);
	return p;
}

/* vasprintf for a caller. */
static int
do_vasprintf(char **out, const char *fmt, va_list ap, void *caller)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((*out = do_malloc((size_t)n + 1, caller)) == NULL)
		return -1;
	return vsnprintf(*out, (size_t)n + 1, fmt, ap);
}

/* vasprintf, through the counted malloc. */
int
__wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	return do_vasprintf(out, fmt, ap, __builtin_return_address(0));
}

/* asprintf, through the counted malloc. */
int
__wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = do_vasprintf(out, fmt, ap, __builtin_return_address(0));
	va_end(ap);
	return n;
}

int alloc_fail_hooks_fail;

/*
 * For libraries routed here by a hook (xmlMemSetup): their blocks are
 * counted (a document we forget to free is a leak), but they fail only
 * if alloc_fail_hooks_fail says the library survives it.
 */
void *
alloc_fail_malloc(size_t size)
{
	void *p;

	if (alloc_fail_hooks_fail)
		return do_malloc(size, __builtin_return_address(0));
	if ((p = __real_malloc(size > 0 ? size : 1)) != NULL)
		track(p, __builtin_return_address(0));
	return p;
}

/* realloc for a hooked library; fails only with alloc_fail_hooks_fail. */
void *
alloc_fail_realloc(void *p, size_t size)
{
	unsigned long saved = fail_at;
	void *q;

	if (!alloc_fail_hooks_fail)
		fail_at = 0;
	q = do_realloc(p, size, __builtin_return_address(0));
	fail_at = saved;
	return q;
}

/* free for a hooked library. */
void
alloc_fail_free(void *p)
{
	__wrap_free(p);
}

/* strdup for a hooked library. */
char *
alloc_fail_strdup(const char *s)
{
	size_t len = strlen(s);
	char *p;

	if ((p = alloc_fail_malloc(len + 1)) != NULL)
		memcpy(p, s, len + 1);
	return p;
}

/* Names the callers of the blocks allocated after mark and still live. */
static void
report_leaks(unsigned long mark)
{
	Dl_info di;
	size_t i;

	for (i = 0; i < SLOTS; i++) {
		if (blocks[i].p == NULL || blocks[i].p == TOMB ||
		    blocks[i].serial <= mark)
			continue;
		if (dladdr(blocks[i].caller, &di) == 0)
			memset(&di, 0, sizeof(di));
		print_error("  leaked block %p allocated in %s "
		    "(addr2line -f -e %s %#lx)\n", blocks[i].p,
		    di.dli_sname != NULL ? di.dli_sname : "a static function",
		    where(blocks[i].caller), offset(blocks[i].caller));
	}
}

void (*alloc_fail_settle)(void);

/* One armed run; fails the test on a crash-free defect. */
static int
run_once(const char *name, alloc_scenario_fn fn, unsigned long n, int st)
{
	size_t before;
	unsigned long mark = serial;
	int r;

	if (alloc_fail_settle != NULL)
		alloc_fail_settle();
	before = live;
	count = 0;
	reached = 0;
	sticky = st;
	fail_at = n;
	r = fn();
	fail_at = 0;
	if (alloc_fail_settle != NULL)
		alloc_fail_settle();
	if (r != 0 && r != -1)
		fail_msg("%s: allocation %lu%s failing: returned %d", name, n,
		    st ? " on" : "", r);
	if (!reached && r != 0)
		fail_msg("%s: allocation %lu never reached, yet failed", name,
		    n);
	if (live != before) {
		report_leaks(mark);
		fail_msg("%s: allocation %lu%s failing: %zu block(s) leaked "
		    "(returned %d)", name, n, st ? " on" : "",
		    live - before, r);
	}
	return reached;
}

/* Runs a scenario unarmed, then with each allocation failing in turn. */
void
alloc_fail_run(const char *name, alloc_scenario_fn fn)
{
	const char *only = getenv("ALLOC_FAIL_SCENARIO");
	unsigned long n;
	int st;

	/* ALLOC_FAIL_SCENARIO=name runs only that one (for a debugger). */
	if (only != NULL && strcmp(only, name) != 0)
		return;
	fail_at = 0;		/* a failed test may have left it armed */
	/* Unarmed: must succeed; lazy library state is taken here. */
	if (fn() != 0)
		fail_msg("%s: fails without allocation failure", name);
	for (st = 0; st <= 1; st++) {
		for (n = 1; n < MAX_RUNS; n++)
			if (!run_once(name, fn, n, st))
				break;
		if (n == MAX_RUNS)
			fail_msg("%s: more than %d allocations", name,
			    MAX_RUNS);
		if (st == 0)
			print_message("%s: %lu allocation(s) failed in turn\n",
			    name, n - 1);
	}
}
