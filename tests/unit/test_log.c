/*
 * The log as a peer sees it: bytes it chose never reach the log raw
 * (no forged lines through CR/LF, no terminal escapes, no bytes that are
 * not UTF-8), and a flood of refusals from one call site writes a few
 * lines and a count, not one line a packet. Trace lines cost nothing
 * while their category is off and name it when it is on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static char captured[1 << 16];
static int saved_stderr = -1;
static FILE *capture_file;
static long long fake_now;

/* The test's clock: moves only when a test says so. */
static long long
fake_clock(void)
{
	return fake_now;
}

/* From now on stderr goes to a file the test reads back. */
static void
capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* stderr back; what was written, with the number of lines. */
static const char *
capture_end(size_t *lines)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	*lines = 0;
	for (size_t i = 0; i < n; i++)
		*lines += captured[i] == '\n';
	return captured;
}

static int
setup(void **state)
{
	(void)state;
	log_init(1, LOG_DEBUG, "test_log");
	fake_now = 1000000;
	log_set_clock_for_test(fake_clock);
	return 0;
}

/*
 * A To header with CR LF and a fake time stamp, an ANSI colour escape
 * and a bell: one line, each of those bytes as \xNN.
 */
static void
test_forged_line_escaped(void **state)
{
	const char *out;
	size_t lines;

	(void)state;
	capture_start();
	log_info("sip: from %s refused", "<sip:a@b>\r\n12:00:00.000 error: "
	    "admin logged in\x1b[31m\a");
	out = capture_end(&lines);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, "info: sip: from <sip:a@b>\\x0d\\x0a"
	    "12:00:00.000 error: admin logged in\\x1b[31m\\x07 refused\n"));
}

/*
 * UTF-8 is kept; what is not UTF-8 (a Latin-1 reason phrase, an overlong
 * '/', a surrogate, a truncated sequence) and the C1 controls, DEL and
 * TAB are escaped byte by byte.
 */
static void
test_utf8_and_controls(void **state)
{
	const char *out;
	size_t lines;

	(void)state;
	capture_start();
	log_warnx("%s|%s|%s|%s|%s|%s|%s|%s", "caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80", "gef\xfcnden", "\xc0\xaf", "\xed\xa0\x80",
	    "x\xe2\x82", "\xc2\x9b" "2J", "a\x7f" "b", "c\td");
	out = capture_end(&lines);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, "warning: caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80|gef\\xfcnden|\\xc0\\xaf|\\xed\\xa0\\x80|"
	    "x\\xe2\\x82|\\xc2\\x9b2J|a\\x7fb|c\\x09d\n"));
}

/* A line longer than the first buffer is written whole, escaped. */
static void
test_long_line(void **state)
{
	char *arg = malloc(3001);
	const char *out;
	size_t lines;

	(void)state;
	assert_non_null(arg);
	memset(arg, 'a', 3000);
	arg[2999] = '\n';
	arg[3000] = '\0';
	capture_start();
	log_info("long %s end", arg);
	out = capture_end(&lines);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, "aaaa\\x0a end\n"));
	assert_true(strlen(out) > 3000);
	free(arg);
}

/* One call site, as a refusal in the SIP stack would be. */
static void
refuse(int i)
{
	log_info_limited("sip: request %d from 192.0.2.1 refused", i);
}

/* Another. */
static void
refuse_other(int i)
{
	log_info_limited("presence: SUBSCRIBE %d refused", i);
}

/*
 * 1,000 refusals in one burst: LOG_LIMIT_BURST lines, the rest counted;
 * a second later the next line tells how many were held back. Another
 * call site has its own budget.
 */
static void
test_burst_limited(void **state)
{
	const char *out;
	char want[128];
	size_t lines;

	(void)state;
	capture_start();
	for (int i = 0; i < 1000; i++)
		refuse(i);
	refuse_other(0);
	out = capture_end(&lines);
	assert_int_equal(lines, LOG_LIMIT_BURST + 1);
	assert_non_null(strstr(out, "request 9 from"));
	assert_null(strstr(out, "request 10 from"));
	assert_null(strstr(out, "suppressed"));
	assert_non_null(strstr(out, "SUBSCRIBE 0 refused\n"));

	fake_now += LOG_LIMIT_MS;
	capture_start();
	refuse(1000);
	refuse(1001);
	out = capture_end(&lines);
	snprintf(want, sizeof(want), "request 1000 from 192.0.2.1 refused "
	    "(%d similar lines suppressed)\n", 1000 - LOG_LIMIT_BURST);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, want));

	/* An hour of quiet refills the bucket, no more than its size. */
	fake_now += 3600 * 1000;
	capture_start();
	for (int i = 0; i < 100; i++)
		refuse(i);
	out = capture_end(&lines);
	assert_int_equal(lines, LOG_LIMIT_BURST);
	assert_non_null(strstr(out, "(1 similar lines suppressed)"));
}

/*
 * A sustained flood, 10,000 refusals a second for a minute, writes one
 * line a second at most after the burst.
 */
static void
test_sustained_flood(void **state)
{
	size_t lines;

	(void)state;
	fake_now += 3600 * 1000;
	capture_start();
	for (int s = 0; s < 60; s++) {
		for (int i = 0; i < 10000; i++)
			refuse(i);
		fake_now += 1000;
	}
	(void)capture_end(&lines);
	assert_true(lines <= LOG_LIMIT_BURST + 60);
}

static int evaluated;

/* An argument that counts how often it was evaluated. */
static const char *
counted(const char *s)
{
	evaluated++;
	return s;
}

/*
 * A category that is off evaluates none of its arguments and writes
 * nothing, even at log_level debug; one that is on writes its lines as
 * "trace <name>: ", escaped like any other, whatever the level says.
 */
static void
test_trace_categories(void **state)
{
	const char *out;
	size_t lines;

	(void)state;
	log_set_verbosity(LOG_DEBUG);
	log_set_tracing(0);
	evaluated = 0;
	capture_start();
	for (int i = 0; i < 100000; i++)
		log_trace(TRACE_PRESENCE, "%s watching %s: %s -> %s",
		    counted("juliet@xmpp.test"), counted("romeo@sip.test"),
		    "NONE", "SUBSCRIBING");
	out = capture_end(&lines);
	assert_int_equal(evaluated, 0);
	assert_int_equal(lines, 0);

	/* sip on: presence stays silent, sip is written with its name. */
	log_set_tracing(TRACE_SIP);
	capture_start();
	log_trace(TRACE_PRESENCE, "%s", counted("juliet@xmpp.test"));
	log_trace(TRACE_SIP, "%s: connection %d accepted",
	    counted("tcp 192.0.2.1:5060"), 7);
	out = capture_end(&lines);
	assert_int_equal(evaluated, 1);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(out, " debug: trace sip: tcp 192.0.2.1:5060: "
	    "connection 7 accepted\n"));

	/* The level does not hold a trace back; escaping still applies. */
	log_set_verbosity(LOG_ERR);
	log_set_tracing(TRACE_PRESENCE | TRACE_MESSAGE);
	capture_start();
	log_info("not at level error");
	log_trace(TRACE_PRESENCE, "NOTIFY %s (%s)", "sip:a@b\r\nforged",
	    "active");
	log_trace(TRACE_MESSAGE, "%s -> %s sent as %s", "sip:a@b", "c@d",
	    "m1");
	log_trace(TRACE_XMPP, "link %s -> %s", "LINK_TCP", "LINK_READY");
	out = capture_end(&lines);
	assert_int_equal(lines, 2);
	assert_null(strstr(out, "not at level"));
	assert_non_null(strstr(out, "trace presence: NOTIFY "
	    "sip:a@b\\x0d\\x0aforged (active)\n"));
	assert_non_null(strstr(out, "trace message: sip:a@b -> c@d sent as "
	    "m1\n"));

	/* all is every category; bits outside the set are ignored. */
	log_set_tracing(0xffffffffu);
	assert_int_equal(log_tracing, TRACE_ALL);
	log_set_tracing(0);
	log_set_verbosity(LOG_DEBUG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_line_escaped),
		cmocka_unit_test(test_utf8_and_controls),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_burst_limited),
		cmocka_unit_test(test_sustained_flood),
		cmocka_unit_test(test_trace_categories),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
