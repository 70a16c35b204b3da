/*
 * Allocation-failure pass over the common ground (issue 11 item 5; the
 * shim and the loop are in alloc_fail.c): strbuf, strmap and log are
 * driven as their unit tests drive them, with allocation n failing for
 * n = 1, 2, ... until a run completes; every run must end in the
 * documented error (or the right result), with no leak and no crash.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "log.h"
#include "source_limit.h"
#include "strbuf.h"
#include "strmap.h"

#define N	200		/* strmap items: several doublings */

struct item {
	struct strmap_node node;
	char key[16];
};

/* Grows a buffer past several doublings; failure sticks in sb.failed. */
static int
sc_strbuf(void)
{
	struct strbuf sb;
	int i, ret;

	strbuf_init(&sb);
	for (i = 0; i < 100; i++) {
		strbuf_appends(&sb, "<a b='");
		strbuf_append_xml_escaped(&sb, "x&y\"z", 5);
		strbuf_appends(&sb, "'/>");
	}
	assert_int_equal(strbuf_append_xml_checked(&sb, "ok", 2, 0),
	    sb.failed ? -1 : 0);
	if (sb.failed)
		ret = -1;
	else {
		assert_int_equal(sb.len, 100 * strlen("<a b='x&amp;y&quot;z'/>")
		    + 2);
		ret = 0;
	}
	strbuf_free(&sb);
	return ret;
}

/* Inserts N keys; a failed growth refuses the insert and keeps the map. */
static int
sc_strmap(void)
{
	static struct item items[N];
	struct strmap m;
	int i, ret = 0;

	strmap_init(&m);
	for (i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "key%d", i);
		if (strmap_insert(&m, &items[i].node, items[i].key) != 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0)
		for (i = 0; i < N; i++)
			assert_ptr_equal(strmap_find(&m, items[i].key),
			    &items[i].node);
	strmap_free(&m);
	return ret;
}

/*
 * Sources come and go; a failed allocation refuses that source
 * (SOURCE_NO_MEMORY) and leaves the table as it was.
 */
static int
sc_source_limits(void)
{
	struct source_limits *sl = source_limits_new(10, 2, 1, 8);
	char key[32];
	unsigned retry;
	int ret = 0;

	if (sl == NULL)
		return -1;
	for (int i = 0; i < 20 && ret == 0; i++) {
		enum source_verdict v;

		snprintf(key, sizeof(key), "192.0.2.%d", i);
		v = source_limits_request(sl, key, i * 1000LL, &retry);
		if (v == SOURCE_NO_MEMORY)
			ret = -1;
		else if (v == SOURCE_OK &&
		    source_limits_connect(sl, key, i * 1000LL) == SOURCE_OK)
			source_limits_disconnect(sl, key);
	}
	assert_true(source_limits_count(sl) <= 8);
	source_limits_free(sl);
	return ret;
}

/* A line longer than the stack buffers: logged, or cut, never lost. */
static int
sc_log(void)
{
	static char big[20000];
	int fd, saved;

	memset(big, 'x', sizeof(big) - 1);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if ((fd = open("/dev/null", O_WRONLY)) != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	log_emit(LOG_INFO, "short %d", 1);
	log_emit(LOG_INFO, "long %s", big);
	fflush(stderr);
	if (saved != -1) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	return 0;
}

/* Logging to stderr at debug; a fixed strmap key. */
static int
setup(void **state)
{
	static const unsigned char key[16] = "0123456789abcdef";

	(void)state;
	log_init(1, LOG_DEBUG, "test_alloc_failure_base");
	strmap_set_key_for_test(key);
	return 0;
}

#define SCENARIO(fn)							\
static void								\
test_##fn(void **state)							\
{									\
	(void)state;							\
	alloc_fail_run(#fn, fn);					\
}
SCENARIO(sc_strbuf)
SCENARIO(sc_strmap)
SCENARIO(sc_log)
SCENARIO(sc_source_limits)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_strbuf),
		cmocka_unit_test(test_sc_strmap),
		cmocka_unit_test(test_sc_log),
		cmocka_unit_test(test_sc_source_limits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
