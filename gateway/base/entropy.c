/*
 * Filling a buffer from getrandom(2) completely: short reads and EINTR
 * are retried until every byte has come from the kernel; any other
 * failure (ENOSYS on a kernel older than 3.17) is the caller's to
 * handle, never papered over with a constant.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "entropy.h"
#include "log.h"

#define ENTROPY_POOL 4096

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

/*
 * Random bytes for tokens and stanza ids, from a pool refilled by
 * entropy_fill(): one system call per few hundred tokens instead of one
 * per token. The one failure left, a kernel without getrandom(), main()
 * has already refused to start on (strmap_seed()), so it is fatal here
 * rather than tokens that repeat.
 */
void
entropy_bytes(void *buf, size_t n)
{
	static unsigned char pool[ENTROPY_POOL];
	static size_t left;
	unsigned char *out = buf;

	while (n > 0) {
		size_t take;

		if (left == 0) {
			if (entropy_fill(pool, sizeof(pool)) < 0) {
				log_error("getrandom failed: %s",
				    strerror(errno));
				abort();
			}
			left = sizeof(pool);
		}
		take = n < left ? n : left;
		memcpy(out, pool + sizeof(pool) - left, take);
		/* Bytes handed out are never handed out again. */
		memset(pool + sizeof(pool) - left, 0, take);
		left -= take;
		out += take;
		n -= take;
	}
}

/* Tests only: another source (NULL: getrandom again). */
void
entropy_set_source_for_test(entropy_source_fn fn)
{
	source = fn != NULL ? fn : getrandom;
}
