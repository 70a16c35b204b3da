/*
 * Matching a 2xx from its raw bytes (RFC 3261 §17.1.3): status, the top
 * Via's branch and the CSeq method, or a refusal that leaves the response
 * to libosip2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip_scan.h"

static int
scan(const char *text, struct sip_scan_response *r)
{
	return sip_scan_response(text, strlen(text), r);
}

static void
test_plain(void **state)
{
	struct sip_scan_response r;

	(void)state;
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKab1;rport=5070\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKother\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
	    "Call-ID: x@y\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.branch, "z9hG4bKab1");
	assert_string_equal(r.method, "MESSAGE");
}

/* Compact names, LF only, blanks in CSeq, two Via values in one line. */
static void
test_compact(void **state)
{
	struct sip_scan_response r;

	(void)state;
	assert_int_equal(scan("SIP/2.0 202 Accepted\n"
	    "v: SIP/2.0/UDP h:5070;rport=1;branch=z9hG4bK9, SIP/2.0/TCP k;branch=x\n"
	    "CSeq:  7   MESSAGE\n\n", &r), 0);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.branch, "z9hG4bK9");
	assert_string_equal(r.method, "MESSAGE");
}

/* Whatever it does not follow plainly is left to the full parser. */
static void
test_refused(void **state)
{
	struct sip_scan_response r;

	(void)state;
	/* A request. */
	assert_int_equal(scan("MESSAGE sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 MESSAGE\r\n\r\n",
	    &r), -1);
	/* Folding. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n ;rport\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	/* No branch on the top Via, even if a later value has one. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h, SIP/2.0/UDP k;branch=z9hG4bK1\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	/* No CSeq; two CSeqs; a CSeq without method. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 MESSAGE\r\n"
	    "CSeq: 2 MESSAGE\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1\r\n\r\n", &r), -1);
	/* A line that is not a header; a broken status line. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\nnonsense\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 MESSAGE\r\n\r\n",
	    &r), -1);
	assert_int_equal(scan("SIP/2.0 2x0 OK\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200", &r), -1);
	/* Bytes the parser would keep in the branch (found by fuzz_sip_scan). */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\377\377 ;rport\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "CSeq: 1 MESSAGE\377\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1 h;rport\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "CSeq: 1 MESSAGE;x\r\n\r\n", &r), -1);
	/* Blanks around the parameter: libosip2 reads those its own way. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h ; branch = z9hG4bK1\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	/* The first branch parameter decides, even without a value. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP h;branch;branch=z9hG4bK1\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", &r), -1);
	/* A branch longer than we ever send. */
	assert_int_equal(scan("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch="
	    "z9hG4bK0123456789012345678901234567890123456789012345678901234567"
	    "\r\nCSeq: 1 MESSAGE\r\n\r\n", &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
