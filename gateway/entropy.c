/*
 * Filling a buffer from getrandom(2) completely: short reads and EINTR
 * are retried until every byte has come from the kernel; any other
 * failure (ENOSYS on a kernel older than 3.17) is the caller's to
 * handle, never papered over with a constant.
 */
#include <sys/random.h>

#include <errno.h>

#include "entropy.h"

static entropy_source_fn source = getrandom;

/* Fills len bytes at buf from the kernel: 0, or -1 with errno set. */
int
entropy_fill(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = source(p, len, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* Nothing read would loop forever; too much is a broken source. */
		if (n == 0 || (size_t)n > len) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Tests only: another source (NULL: getrandom again). */
void
entropy_set_source_for_test(entropy_source_fn fn)
{
	source = fn != NULL ? fn : getrandom;
}
