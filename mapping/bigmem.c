/*
 * The large arrays of a table: its two user indexes, its rules and
 * strings, and the text it is read from; 100,000 rules take some 15 MB.
 * On the VMs we measured on, first touching a 4 KiB page costs 12-15 us
 * and a TLB miss on the random index probes is dear too: faults alone
 * took longer than the parse (60 ms against 20), and transparent huge
 * pages then cut the rest by a third. So big_populate backs a range in
 * one MADV_POPULATE_WRITE (Linux >= 5.14) instead of page by page, and
 * big_alloc can align an array for huge pages (MADV_HUGEPAGE, honoured
 * in THP's "always" and "madvise" modes). Huge pages are for a
 * table built in one go only: a huge page fault zeroes 2 MiB at once
 * and may first have to compact memory, and with them a reload between
 * messages showed turns of 13-18 ms (2 runs of 3; at most 10 ms
 * without). Both are hints: without them, the arrays are plain memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapping_internal.h"

#define HUGE_PAGE	(2u * 1024 * 1024)
/* Below this, the faults cost less than the system call. */
#define POPULATE_MIN	(256u * 1024)

/* Allocates size bytes that free() releases; with huge, from 2 MiB up,
 * aligned on a huge page and marked for huge pages. */
void *
big_alloc(size_t size, int huge)
{
	void *p;

	if (!huge || size < HUGE_PAGE)
		return malloc(size);
	if (posix_memalign(&p, HUGE_PAGE, size) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size - size % HUGE_PAGE, MADV_HUGEPAGE);
#endif
	return p;
}

/* Asks the kernel to back the whole pages inside [p, p + len) now. */
void
big_populate(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page, start, end;
	long size;

	if (p == NULL || len < POPULATE_MIN ||
	    (size = sysconf(_SC_PAGESIZE)) <= 0)
		return;
	page = (uintptr_t)size;
	start = ((uintptr_t)p + page - 1) & ~(page - 1);
	end = ((uintptr_t)p + len) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}
