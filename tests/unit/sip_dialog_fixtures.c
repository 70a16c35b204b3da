/*
 * The helpers the SIP dialog tests share: messages parsed as libosip2
 * parses them off the wire, edited copies of them, the requests a dialog
 * builds as text, and the checks on a dialog the tests repeat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "sip_osip.h"

#include "sip_dialog_fixtures.h"

/* Parses SIP text with libosip2, as the stack does; the test fails if not. */
struct sip_msg *
parse(const char *text)
{
	struct sip_msg *m = sip_msg_parse(text, strlen(text));

	if (m == NULL)
		fail_msg("libosip2 refused the test message");
	return m;
}

/*
 * text with every line starting with from replaced by line (or removed if
 * line is NULL). Result malloc'ed.
 */
char *
edit(const char *text, const char *from, const char *line)
{
	size_t cap = strlen(text) + (line != NULL ? strlen(line) : 0) + 3;
	char *out = malloc(cap), *o = out;
	const char *p = text;

	assert_non_null(out);
	while (*p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol != NULL ? (size_t)(eol - p) + 2 : strlen(p);

		if (strncmp(p, from, strlen(from)) == 0) {
			if (line != NULL) {
				o += sprintf(o, "%s\r\n", line);
				line = NULL;	/* once */
			}
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

/* Parses an edited copy of text. */
struct sip_msg *
parse_edited(const char *text, const char *from, const char *line)
{
	char *t = edit(text, from, line);
	struct sip_msg *m = parse(t);

	free(t);
	return m;
}

/* The request serialised by libosip2, malloc'ed. */
char *
to_text(struct sip_msg *m)
{
	char *s = NULL;
	size_t len = 0;

	assert_int_equal(osip_message_to_str(m->osip, &s, &len), 0);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

/* Whether text holds the header line (with its CRLF). */
void
assert_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	if (strstr(text, want) == NULL)
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* Whether every field of d is zero, as after a refusal. */
void
assert_cleared(const struct sip_dialog *d)
{
	assert_null(d->call_id);
	assert_null(d->local_tag);
	assert_null(d->remote_tag);
	assert_null(d->local_uri);
	assert_null(d->remote_uri);
	assert_null(d->remote_target);
	assert_null(d->route_set);
	assert_int_equal(d->local_cseq, 0);
	assert_int_equal(d->remote_cseq, 0);
}

/* libosip2's parser needs its tables before the first message. */
int
setup(void **state)
{
	(void)state;
	return parser_init() == 0 ? 0 : -1;
}
