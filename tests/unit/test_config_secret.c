/*
 * Unit tests for config/: the component's secret and how values are
 * read (whole, trimmed, no control characters, never echoed when
 * secret); [xmpp] secret_file, its modes and its first line; the
 * warning when the configuration file exposes the secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "config_fixtures.h"

/* Secrets are never echoed; values are taken whole (no inline
 * comments), trimmed at both ends. */
static void
test_secret_and_values(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[xmpp]\ncomponent = sip.example\n"
	    "secret =   a secret ;not a comment # either  \n", &cfg);
	assert_string_equal(cfg.xmpp_secret, "a secret ;not a comment # either");
	config_free(&cfg);

	load_ok("[xmpp]\ncomponent = sip.example\nsecret = tab\there\n", &cfg);
	assert_string_equal(cfg.xmpp_secret, "tab\there");
	config_free(&cfg);

	assert_load_error("[xmpp]\ncomponent = sip.example\n"
	    "secret = bad\x01secret\n",
	    "test.conf:3: bad value for [xmpp] secret: contains a control "
	    "character");
	assert_load_error("[xmpp]\ncomponent = sip.exa\x7fmple\n",
	    "test.conf:2: bad value 'sip.exa\x7fmple' for [xmpp] component: "
	    "contains a control character");
	/* Long values are cut in the message. */
	assert_load_error("[gateway]\nlog_target = "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567\n",
	    "test.conf:2: bad value '"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "...' for [gateway] log_target: expected stderr or syslog");
}

/* A scratch directory for files the loader reads; removed by rm_tree. */
static char *
make_dir(void)
{
	char tmpl[] = "/tmp/test_config.XXXXXX", *dir;

	assert_non_null(mkdtemp(tmpl));
	dir = strdup(tmpl);
	assert_non_null(dir);
	return dir;
}

/* Writes len bytes to dir/name with the given mode (umask aside). */
static void
put_file(const char *dir, const char *name, const char *text, size_t len,
    mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Loads text as dir/test.conf: a relative secret_file is in dir. */
static int
load_in(const char *dir, const char *text, struct config *cfg, char **cause)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/test.conf", dir);
	return config_load_buffer(path, text, strlen(text), cfg, cause);
}

/* Loads text in dir; it must fail with "dir/test.conf:" + expected, where
 * every "%s" of expected is dir. */
static void
assert_error_in(const char *dir, const char *text, const char *expected)
{
	struct config cfg;
	char *cause = NULL, want[1024], fmt[600];

	snprintf(fmt, sizeof(fmt), "%%s/test.conf:%s", expected);
	snprintf(want, sizeof(want), fmt, dir, dir, dir);
	if (load_in(dir, text, &cfg, &cause) != -1)
		fail_msg("loaded: %s", text);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	config_free(&cfg);
}

#define SECRET_FILE_CONF(name) \
	"[xmpp]\ncomponent = sip.example\nsecret_file = " name "\n"

/*
 * [xmpp] secret_file: the first line without its line end is the
 * secret; a file group or others may read or write, a missing one, a
 * directory or a FIFO (which must not hang the load), an empty, long or
 * binary first line are refused with the file's path and the reason.
 */
static void
test_secret_file(void **state)
{
	char *dir = make_dir(), path[512], big[CONFIG_MAX_LINE + 10];
	struct config cfg;
	char *cause = NULL;

	(void)state;
	put_file(dir, "s", "s3cret \n# a comment\n", 20, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("s"), &cfg, &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "s3cret ");	/* exactly */
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_string_equal(cfg.xmpp_secret_file, path);
	config_free(&cfg);

	/* CRLF, no line end at all, read-only for its owner: all fine. */
	put_file(dir, "crlf", "crlf\r\nnext\r\n", 12, 0400);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("crlf"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "crlf");
	config_free(&cfg);
	put_file(dir, "bare", "bare", 4, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("bare"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "bare");
	config_free(&cfg);

	/* Readable, or only writable, by group or others. */
	put_file(dir, "open", "x\n", 2, 0644);
	assert_error_in(dir, SECRET_FILE_CONF("open"), "3: [xmpp] secret_file "
	    "%s/open: group or others may read or write it (mode 0644): make "
	    "it 0600 or 0400");
	put_file(dir, "group", "x\n", 2, 0640);
	assert_error_in(dir, SECRET_FILE_CONF("group"), "3: [xmpp] "
	    "secret_file %s/group: group or others may read or write it "
	    "(mode 0640): make it 0600 or 0400");
	put_file(dir, "gw", "x\n", 2, 0620);
	assert_error_in(dir, SECRET_FILE_CONF("gw"), "3: [xmpp] secret_file "
	    "%s/gw: group or others may read or write it (mode 0620): make "
	    "it 0600 or 0400");

	assert_error_in(dir, SECRET_FILE_CONF("none"), "3: [xmpp] "
	    "secret_file %s/none: cannot open: No such file or directory");
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_error_in(dir, SECRET_FILE_CONF("d"), "3: [xmpp] secret_file "
	    "%s/d: not a regular file");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_error_in(dir, SECRET_FILE_CONF("fifo"), "3: [xmpp] "
	    "secret_file %s/fifo: not a regular file");

	put_file(dir, "empty", "", 0, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("empty"), "3: [xmpp] "
	    "secret_file %s/empty: the first line is empty");
	put_file(dir, "nl", "\nsecond\n", 8, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("nl"), "3: [xmpp] "
	    "secret_file %s/nl: the first line is empty");
	put_file(dir, "ctl", "a\x01" "b\n", 4, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("ctl"), "3: [xmpp] "
	    "secret_file %s/ctl: first line: contains a control character");
	put_file(dir, "nul", "a\0b\n", 4, 0600);
	assert_error_in(dir, SECRET_FILE_CONF("nul"), "3: [xmpp] "
	    "secret_file %s/nul: NUL byte in the first line");
	/* A NUL after the first line is not the secret's business. */
	put_file(dir, "nul2", "ab\n\0\n", 5, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("nul2"), &cfg,
	    &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "ab");
	config_free(&cfg);

	/* CONFIG_MAX_LINE bytes fit, one more does not. */
	memset(big, 'k', sizeof(big));
	big[CONFIG_MAX_LINE] = '\n';
	put_file(dir, "max", big, CONFIG_MAX_LINE + 1, 0600);
	assert_int_equal(load_in(dir, SECRET_FILE_CONF("max"), &cfg, &cause),
	    0);
	assert_int_equal(strlen(cfg.xmpp_secret), CONFIG_MAX_LINE);
	config_free(&cfg);
	big[CONFIG_MAX_LINE] = 'k';
	big[CONFIG_MAX_LINE + 1] = '\n';
	put_file(dir, "long", big, sizeof(big), 0600);
	assert_error_in(dir, SECRET_FILE_CONF("long"), "3: [xmpp] "
	    "secret_file %s/long: first line too long (more than 4096 "
	    "bytes)");
	memset(big, 'k', sizeof(big));		/* and no line end at all */
	put_file(dir, "long", big, sizeof(big), 0600);
	assert_error_in(dir, SECRET_FILE_CONF("long"), "3: [xmpp] "
	    "secret_file %s/long: first line too long (more than 4096 "
	    "bytes)");

	/* One of the two, not both; an empty value is no value. */
	assert_error_in(dir, "[xmpp]\nsecret_file = s\ncomponent = a\n"
	    "secret = x\n", "4: [xmpp] secret and secret_file are both set: "
	    "keep one");
	assert_int_equal(load_in(dir, "[xmpp]\nsecret_file = s\n"
	    "component = a\nsecret =\n", &cfg, &cause), 0);
	assert_string_equal(cfg.xmpp_secret, "s3cret ");
	config_free(&cfg);
	assert_error_in(dir, "[xmpp]\ncomponent = a\nsecret_file =\n",
	    "1: section [xmpp] lacks the required key 'secret' (or "
	    "'secret_file')");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(dir);
}

/*
 * The warning about the secret in a configuration file every user may
 * read: only when the secret is there, and only for others' read bit.
 */
static void
test_secret_exposed(void **state)
{
	char *dir = make_dir(), path[512];
	struct config cfg;
	unsigned mode = 0;
	char *cause = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/test.conf", dir);
	put_file(dir, "test.conf", XMPP_OK, strlen(XMPP_OK), 0644);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 1);
	assert_int_equal(mode, 0644);
	config_free(&cfg);

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 0);
	config_free(&cfg);

	/* The secret in its own file: the config may be read by all. */
	put_file(dir, "s", "x\n", 2, 0600);
	put_file(dir, "test.conf", SECRET_FILE_CONF("s"),
	    strlen(SECRET_FILE_CONF("s")), 0644);
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_int_equal(config_secret_exposed(&cfg, &mode), 0);
	config_free(&cfg);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_and_values),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_secret_exposed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
