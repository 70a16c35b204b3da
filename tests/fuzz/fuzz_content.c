/*
 * content_to_text on arbitrary bodies. The first byte picks a
 * Content-Type, the second a Content-Encoding, the rest is the body.
 * Whatever comes out as text must be a valid <body/>: the stanza builder
 * has to accept it (and the CPIM subject and language) unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "content.h"
#include "stanza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {
	NULL,
	"text/plain",
	"text/plain; charset=UTF-8",
	"text/plain; charset=ISO-8859-1",
	"text/plain; charset=windows-1252",
	"text/plain; charset=UTF-16",
	"text/plain; charset=Shift_JIS",
	"text/plain; charset=ISO-2022-JP",
	"text/plain; charset=GB18030",
	"text/plain; charset=UTF-7",
	"text/html",
	"text/html; charset=ISO-8859-1",
	"text/html; charset=UTF-16LE",
	"application/xhtml+xml",
	"message/cpim",
	"Message/CPIM",
	"application/im-iscomposing+xml",
	"message/imdn+xml",
	"image/png",
	"text/plain; charset=x-unknown",
	"",
	"garbage",
};

static const char *const encodings[] = {
	NULL, "identity", "deflate", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct content_text out;
	struct strbuf sb;
	const char *type, *enc;
	char *body, *cause = NULL;
	size_t len;
	int r;

	if (size < 2)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	enc = encodings[data[1] % (sizeof(encodings) / sizeof(encodings[0]))];
	len = size - 2;
	if ((body = malloc(len > 0 ? len : 1)) == NULL)
		return 0;
	if (len > 0)
		memcpy(body, data + 2, len);

	xmlInitParser();
	r = content_to_text(type, enc, body, len, &out, &cause);
	if (r == CONTENT_TEXT) {
		struct im_message m = {
			.from = "a@gw.example", .to = "b@example",
			.subject = out.subject, .lang = out.lang,
			.body = out.text, .body_len = out.len,
		};

		if (cause != NULL || out.text == NULL ||
		    strlen(out.text) != out.len ||
		    memchr(out.text, '\r', out.len) != NULL)
			abort();
		strbuf_init(&sb);
		if (stanza_build_message(&sb, &m) != 0 && !sb.failed)
			abort();
		strbuf_free(&sb);
	} else if (cause == NULL && r != CONTENT_NOMEM)
		abort();
	content_text_clear(&out);
	free(cause);
	free(body);
	return 0;
}
