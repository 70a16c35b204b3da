/*
 * RFC 3263 §4 and RFC 2782 without the network (codec/sip_locate.c): what
 * a URI lets us look up, the NAPTR example of RFC 3263 §4.1, our SRV
 * names, the RFC 2782 order of an SRV answer, and the TTL of an answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip_locate.h"

#define ALL	SIP_LOCATE_ALL
#define NO_TLS	(SIP_LOCATE_UDP | SIP_LOCATE_TCP)

/* Plans uri and checks step, transport and port. */
static void
assert_plan(int sips, const char *host, int port, int tp, int supported,
    enum sip_locate_step step, int transports, int transport, int want_port)
{
	struct sip_locate_uri u = { sips, host, port, tp };
	struct sip_locate_plan p;

	assert_int_equal(sip_locate_plan(&u, supported, &p), 0);
	assert_int_equal(p.step, step);
	assert_int_equal(p.transports, transports);
	assert_int_equal(p.transport, transport);
	assert_int_equal(p.port, want_port);
}

/* RFC 3263 §4.1, §4.2: numeric host or port skip NAPTR and SRV. */
static void
test_plan(void **state)
{
	struct sip_locate_uri u;
	struct sip_locate_plan p;

	(void)state;
	/* sip:user@example.com: NAPTR first; UDP at 5060 as a last resort. */
	assert_plan(0, "example.com", 0, 0, ALL, SIP_LOCATE_STEP_NAPTR, ALL,
	    SIP_LOCATE_UDP, 5060);
	/* sips: TLS only, 5061. */
	assert_plan(1, "example.com", 0, 0, ALL, SIP_LOCATE_STEP_NAPTR,
	    SIP_LOCATE_TLS, SIP_LOCATE_TLS, 5061);
	/* An explicit port: A/AAAA of the host at that port, over UDP. */
	assert_plan(0, "example.com", 5070, 0, ALL, SIP_LOCATE_STEP_ADDRESS,
	    ALL, SIP_LOCATE_UDP, 5070);
	/* Numeric hosts: no DNS at all. */
	assert_plan(0, "192.0.2.1", 0, 0, ALL, SIP_LOCATE_STEP_ADDRESS, ALL,
	    SIP_LOCATE_UDP, 5060);
	assert_plan(0, "2001:db8::1", 0, SIP_LOCATE_TCP, ALL,
	    SIP_LOCATE_STEP_ADDRESS, SIP_LOCATE_TCP, SIP_LOCATE_TCP, 5060);
	assert_plan(1, "192.0.2.1", 0, 0, ALL, SIP_LOCATE_STEP_ADDRESS,
	    SIP_LOCATE_TLS, SIP_LOCATE_TLS, 5061);
	/* transport= with a name: SRV for that transport only. */
	assert_plan(0, "example.com", 0, SIP_LOCATE_TCP, ALL,
	    SIP_LOCATE_STEP_SRV, SIP_LOCATE_TCP, SIP_LOCATE_TCP, 5060);
	assert_plan(1, "example.com", 0, SIP_LOCATE_TCP, ALL,
	    SIP_LOCATE_STEP_SRV, SIP_LOCATE_TLS, SIP_LOCATE_TLS, 5061);
	/* Without TLS a sip: URI still plans (TLS targets are skipped). */
	assert_plan(0, "example.com", 0, 0, NO_TLS, SIP_LOCATE_STEP_NAPTR,
	    ALL, SIP_LOCATE_UDP, 5060);
	/* Refused: sips over UDP; TLS-only URIs without TLS; no host. */
	u = (struct sip_locate_uri){ 1, "example.com", 0, SIP_LOCATE_UDP };
	assert_int_equal(sip_locate_plan(&u, ALL, &p), -1);
	u = (struct sip_locate_uri){ 1, "example.com", 0, 0 };
	assert_int_equal(sip_locate_plan(&u, NO_TLS, &p), -1);
	u = (struct sip_locate_uri){ 0, "192.0.2.1", 0, SIP_LOCATE_TLS };
	assert_int_equal(sip_locate_plan(&u, NO_TLS, &p), -1);
	u = (struct sip_locate_uri){ 0, "", 0, 0 };
	assert_int_equal(sip_locate_plan(&u, ALL, &p), -1);
	u = (struct sip_locate_uri){ 0, "example.com", 70000, 0 };
	assert_int_equal(sip_locate_plan(&u, ALL, &p), -1);
}

/* RFC 3263 §4.1's example, shuffled, with records we must ignore. */
static void
test_naptr_rfc3263(void **state)
{
	struct sip_locate_naptr recs[] = {
		{ 100, 50, "s", "SIP+D2U", "_sip._udp.example.com" },
		{ 90, 50, "s", "SIP+D2T", "_sip._tcp.example.com" },
		{ 10, 10, "u", "E2U+sip", "!^.*$!sip:x@example.com!" },
		{ 50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com" },
		{ 5, 50, "s", "SIP+D2U", "." },
		{ 5, 50, "a", "SIP+D2T", "example.com" },
		{ 5, 50, "s", "SIP+D2S", "_sip._sctp.example.com" },
	};
	struct sip_locate_naptr again[sizeof(recs) / sizeof(recs[0])];
	struct sip_locate_srv_name out[4];
	size_t n;

	(void)state;
	memcpy(again, recs, sizeof(recs));
	/* "the server supports TLS over TCP, TCP, and UDP, in that order". */
	n = sip_locate_naptr(recs, sizeof(recs) / sizeof(recs[0]), ALL, out,
	    4);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].transport, SIP_LOCATE_TLS);
	assert_string_equal(out[0].name, "_sips._tcp.example.com");
	assert_int_equal(out[1].transport, SIP_LOCATE_TCP);
	assert_string_equal(out[1].name, "_sip._tcp.example.com");
	assert_int_equal(out[2].transport, SIP_LOCATE_UDP);
	assert_string_equal(out[2].name, "_sip._udp.example.com");
	/* A SIPS URI keeps only SIPS+D2T; max bounds what is written. */
	memcpy(recs, again, sizeof(recs));
	n = sip_locate_naptr(recs, sizeof(recs) / sizeof(recs[0]),
	    SIP_LOCATE_TLS, out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].name, "_sips._tcp.example.com");
	memcpy(recs, again, sizeof(recs));
	assert_int_equal(sip_locate_naptr(recs, sizeof(recs) /
	    sizeof(recs[0]), ALL, out, 2), 2);
	assert_int_equal(out[1].transport, SIP_LOCATE_TCP);
}

/* Same order: preference decides (RFC 3403 §4.1). */
static void
test_naptr_preference(void **state)
{
	struct sip_locate_naptr recs[] = {
		{ 10, 20, "S", "sip+d2u", "_sip._udp.example.org" },
		{ 10, 10, "s", "SIP+D2T", "_sip._tcp.example.org" },
	};
	struct sip_locate_srv_name out[2];

	(void)state;
	assert_int_equal(sip_locate_naptr(recs, 2, ALL, out, 2), 2);
	assert_string_equal(out[0].name, "_sip._tcp.example.org");
	assert_string_equal(out[1].name, "_sip._udp.example.org");
}

/* RFC 3263 §4.1 without NAPTR: _sips._tcp, _sip._tcp, _sip._udp. */
static void
test_srv_names(void **state)
{
	struct sip_locate_srv_name out[3];

	(void)state;
	assert_int_equal(sip_locate_srv_names("example.com", 0, ALL, out, 3),
	    3);
	assert_string_equal(out[0].name, "_sips._tcp.example.com");
	assert_int_equal(out[0].transport, SIP_LOCATE_TLS);
	assert_string_equal(out[1].name, "_sip._tcp.example.com");
	assert_string_equal(out[2].name, "_sip._udp.example.com");
	assert_int_equal(out[2].transport, SIP_LOCATE_UDP);
	assert_int_equal(sip_locate_srv_names("example.com", 1, ALL, out, 3),
	    1);
	assert_string_equal(out[0].name, "_sips._tcp.example.com");
	assert_int_equal(sip_locate_srv_names("example.com", 0, NO_TLS, out,
	    3), 2);
	assert_string_equal(out[0].name, "_sip._tcp.example.com");
	assert_int_equal(sip_locate_srv_names("example.com", 0,
	    SIP_LOCATE_UDP, out, 3), 1);
	assert_string_equal(out[0].name, "_sip._udp.example.com");
}

/* A random source that returns what the test says. */
static unsigned int
fixed_random(void *arg, unsigned int bound)
{
	unsigned int v = *(unsigned int *)arg;

	return v > bound ? bound : v;
}

/* RFC 2782: priority first; "." dropped; weight 0 first in running sum. */
static void
test_srv_order_rfc2782(void **state)
{
	struct sip_locate_srv base[] = {
		{ 20, 0, 5060, "backup.example.com" },
		{ 10, 30, 5060, "big.example.com" },
		{ 10, 0, 5060, "zero.example.com" },
		{ 10, 10, 5060, "small.example.com" },
		{ 10, 10, 5060, "." },
	};
	struct sip_locate_srv recs[5];
	unsigned int r;
	size_t n;

	(void)state;
	/* Running sums in the order zero(0), big(30), small(40): 0 picks
	 * zero, 1..30 big, 31..40 small. */
	memcpy(recs, base, sizeof(base));
	r = 0;
	n = sip_locate_srv_order(recs, 5, fixed_random, &r);
	assert_int_equal(n, 4);
	assert_string_equal(recs[0].target, "zero.example.com");
	assert_string_equal(recs[3].target, "backup.example.com");
	memcpy(recs, base, sizeof(base));
	r = 30;
	sip_locate_srv_order(recs, 5, fixed_random, &r);
	assert_string_equal(recs[0].target, "big.example.com");
	memcpy(recs, base, sizeof(base));
	r = 31;
	sip_locate_srv_order(recs, 5, fixed_random, &r);
	assert_string_equal(recs[0].target, "small.example.com");
	/* Then, of zero(0) and big(30) (sum 30), r = 30 picks big. */
	assert_string_equal(recs[1].target, "big.example.com");
	assert_string_equal(recs[2].target, "zero.example.com");
	assert_string_equal(recs[3].target, "backup.example.com");
	/* A single "." record: the service is decidedly not there. */
	recs[0] = (struct sip_locate_srv){ 0, 0, 0, "." };
	assert_int_equal(sip_locate_srv_order(recs, 1, fixed_random, &r), 0);
}

/* A small deterministic generator (xorshift32). */
static unsigned int
xorshift_random(void *arg, unsigned int bound)
{
	uint32_t *x = arg;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x % (bound + 1);
}

/*
 * Weights 1 and 3. RFC 2782 draws r uniformly in [0, sum] inclusive and
 * takes the first record whose running sum reaches r: light (running 1)
 * for r in 0..1, heavy (running 4) for 2..4, so heavy first 3 times in 5.
 */
static void
test_srv_order_weights(void **state)
{
	uint32_t seed = 2463534242u;
	int heavy = 0, trials = 20000;

	(void)state;
	for (int i = 0; i < trials; i++) {
		struct sip_locate_srv recs[] = {
			{ 0, 1, 5060, "light.example.com" },
			{ 0, 3, 5060, "heavy.example.com" },
		};

		assert_int_equal(sip_locate_srv_order(recs, 2,
		    xorshift_random, &seed), 2);
		heavy += strcmp(recs[0].target, "heavy.example.com") == 0;
	}
	assert_true(heavy > trials * 55 / 100 && heavy < trials * 65 / 100);
}

/* A DNS message: one SRV question, two answers, TTLs 300 and 120. */
static const unsigned char srv_answer[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
	/* _sip._udp.example.com SRV IN */
	4, '_', 's', 'i', 'p', 4, '_', 'u', 'd', 'p',
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 33, 0, 1,
	/* answer 1: name pointer, SRV IN, TTL 300, 0 10 5060 "a" + ptr */
	0xc0, 0x0c, 0, 33, 0, 1, 0, 0, 0x01, 0x2c, 0, 10,
	0, 0, 0, 10, 0x13, 0xc4, 1, 'a', 0xc0, 0x16,
	/* answer 2: TTL 120 */
	0xc0, 0x0c, 0, 33, 0, 1, 0, 0, 0, 120, 0, 10,
	0, 0, 0, 10, 0x13, 0xc4, 1, 'b', 0xc0, 0x16,
};

/* RFC 1035 §4.1: the lowest TTL of the answers; bad messages refused. */
static void
test_answer_ttl(void **state)
{
	unsigned char m[sizeof(srv_answer)];
	unsigned int ttl = 7;

	(void)state;
	assert_int_equal(sip_locate_answer_ttl(srv_answer, sizeof(srv_answer),
	    &ttl), 0);
	assert_int_equal(ttl, 120);
	/* Every truncation is malformed, never read past the end. */
	for (size_t n = 0; n < sizeof(srv_answer); n++)
		assert_int_equal(sip_locate_answer_ttl(srv_answer, n, &ttl),
		    -1);
	/* No answers: 1 (the caller caches the absence briefly). */
	memcpy(m, srv_answer, sizeof(m));
	m[7] = 0;
	assert_int_equal(sip_locate_answer_ttl(m, sizeof(m), &ttl), 1);
	/* RFC 2181 §8: a TTL with its top bit set is 0. */
	memcpy(m, srv_answer, sizeof(m));
	m[12 + 27 + 6] = 0x80;
	assert_int_equal(sip_locate_answer_ttl(m, sizeof(m), &ttl), 0);
	assert_int_equal(ttl, 0);
	/* A reserved label type (0x40) is malformed. */
	memcpy(m, srv_answer, sizeof(m));
	m[12] = 0x44;
	assert_int_equal(sip_locate_answer_ttl(m, sizeof(m), &ttl), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_naptr_rfc3263),
		cmocka_unit_test(test_naptr_preference),
		cmocka_unit_test(test_srv_names),
		cmocka_unit_test(test_srv_order_rfc2782),
		cmocka_unit_test(test_srv_order_weights),
		cmocka_unit_test(test_answer_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
