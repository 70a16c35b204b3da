/*
 * Unit tests for config/: what the option table writes. The checked-in
 * example (config/sipxmppd.conf) and the man page's option list
 * (man/sipxmppd.conf.5) must be exactly what it generates: a stale one
 * fails, and the generated text is left in the test's directory as
 * sipxmppd.conf.expected or sipxmppd.conf.5.expected, to be copied over
 * it. And what --check-config prints can be loaded back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixtures.h"

/* Reads a whole file into a NUL-terminated buffer. */
static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Output of a writer function as a string. */
static char *
capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return buf;
}

/* Writes what a generated file should contain next to the test, so a
 * failing test can be fixed with one cp. */
static void
write_expected(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* The checked-in example loads, and describes the loopback deployment. */
static void
test_example_loads(void **state)
{
	struct config cfg;
	char *cause = NULL;

	(void)state;
	if (config_load(SIPXMPP_SOURCE_DIR "/config/sipxmppd.conf", &cfg,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cfg.xmpp_component, "sip.example");
	assert_string_equal(cfg.xmpp_secret, "changeme");
	assert_string_equal(cfg.xmpp_host, "127.0.0.1");
	assert_int_equal(cfg.xmpp_port, 5347);
	assert_int_equal(cfg.n_listen, 2);
	assert_string_equal(cfg.listen[0].host, "127.0.0.1");
	assert_int_equal(cfg.listen[0].port, 5070);
	assert_string_equal(cfg.mapping_file,
	    SIPXMPP_SOURCE_DIR "/config/mapping.table");
	assert_int_equal(cfg.message_size_limit, 1300);
	config_free(&cfg);
}

/* The checked-in example is exactly what the table generates. */
static void
test_example_is_generated(void **state)
{
	char *want = capture(config_write_example);
	char *have = read_all(SIPXMPP_SOURCE_DIR "/config/sipxmppd.conf",
	    NULL);

	(void)state;
	if (strcmp(want, have) != 0) {
		write_expected("sipxmppd.conf.expected", want);
		fail_msg("config/sipxmppd.conf is stale; the generated one is "
		    "in sipxmppd.conf.expected of the test's directory");
	}
	/* And it documents every option. */
	for (size_t i = 0; i < config_n_options; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "\n%s%s =",
		    config_options[i].example != NULL ? "" : "#",
		    config_options[i].key);
		assert_non_null(strstr(have, needle));
	}
	free(want);
	free(have);
}

/* The man page's option list is exactly what the table generates. */
static void
test_man_is_generated(void **state)
{
	static const char begin[] = ".\\\" BEGIN OPTIONS";
	static const char end[] = ".\\\" END OPTIONS";
	char *want = capture(config_write_man_options);
	char *page = read_all(SIPXMPP_SOURCE_DIR "/man/sipxmppd.conf.5",
	    NULL);
	char *b, *e;

	(void)state;
	b = strstr(page, begin);
	assert_non_null(b);
	b = strchr(b, '\n');
	assert_non_null(b);
	b++;
	e = strstr(b, end);
	assert_non_null(e);
	if ((size_t)(e - b) != strlen(want) ||
	    strncmp(b, want, (size_t)(e - b)) != 0) {
		FILE *f = fopen("sipxmppd.conf.5.expected", "w");

		if (f != NULL) {
			fwrite(page, 1, (size_t)(b - page), f);
			fputs(want, f);
			fputs(e, f);
			fclose(f);
		}
		fail_msg("man/sipxmppd.conf.5 is stale; the generated one is "
		    "in sipxmppd.conf.5.expected of the test's directory");
	}
	for (size_t i = 0; i < config_n_options; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), ".It Ic %s No =",
		    config_options[i].key);
		assert_non_null(strstr(page, needle));
	}
	free(want);
	free(page);
}

/* What --check-config prints can be read back, secrets masked. */
static void
test_effective_round_trip(void **state)
{
	struct config a, b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	load_ok("[gateway]\nlog_level = debug\n"
	    "[sip]\nlisten = udp:[::1]:5071,tcp:192.0.2.1:5072\n"
	    "outbound_proxy = sip:p.example;transport=tcp\n"
	    "[xmpp]\ncomponent = sip.example\nsecret = hunter2\n"
	    "reconnect_max_ms = 600\n"
	    "[message]\nxmpp_type = chat\nsize_limit_applies = never\n", &a);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_write_effective(f, &a);
	fclose(f);
	assert_null(strstr(buf, "hunter2"));
	assert_non_null(strstr(buf, "secret = ********\n"));
	assert_non_null(strstr(buf,
	    "listen = udp:[::1]:5071 tcp:192.0.2.1:5072\n"));
	assert_non_null(strstr(buf, "contact_host =\n"));
	assert_non_null(strstr(buf, "log_level = debug\n"));

	assert_int_equal(config_load_buffer("/etc/x/test.conf", buf, len, &b,
	    NULL), 0);
	assert_string_equal(b.xmpp_secret, "********");
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		char *x = NULL, *y = NULL;
		size_t xl, yl;
		FILE *fx = open_memstream(&x, &xl), *fy = open_memstream(&y,
		    &yl);

		config_option_print(fx, &a, o);
		config_option_print(fy, &b, o);
		fclose(fx);
		fclose(fy);
		if (!(o->flags & CONFIG_SECRET))
			assert_string_equal(x, y);
		free(x);
		free(y);
	}
	free(buf);
	config_free(&a);
	config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_example_is_generated),
		cmocka_unit_test(test_man_is_generated),
		cmocka_unit_test(test_effective_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
