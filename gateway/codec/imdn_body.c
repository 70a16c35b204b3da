/*
 * Finding an RFC 5438 notification in a SIP MESSAGE body: message/cpim
 * whose inner entity is message/imdn+xml (§7.2.1.1), or the bare
 * document, either of them possibly Content-Encoding: deflate (Linphone
 * compresses its notifications so), inflated under a bound.
 */
#include <string.h>
#include <strings.h>

#include "cause.h"
#include "cpim.h"
#include "deflate.h"
#include "imdn.h"
#include "strbuf.h"

/* A CPIM wrapper adds headers: room for them on top of the document. */
#define WRAPPED_MAX	(IMDN_BODY_MAX + 4096)

/* Whether the media type in s[0..len) (parameters ignored) is want. */
static int
type_is(const char *s, size_t len, const char *want)
{
	size_t n;

	if (s == NULL)
		return 0;
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	for (n = 0; n < len && s[n] != ';' && s[n] != ' ' && s[n] != '\t';)
		n++;
	return n == strlen(want) && strncasecmp(s, want, n) == 0;
}

/* 1 for deflate, 0 for none or identity, -1 for any other coding. */
static int
coding(const char *s, size_t len)
{
	if (s == NULL || len == 0 || type_is(s, len, "identity"))
		return 0;
	return type_is(s, len, "deflate") ? 1 : -1;
}

/*
 * Reads the notification in a MESSAGE body: 1 when it is one (out
 * filled), 0 when the body is not a notification at all (the caller's
 * rules apply), -1 with *cause when it is one we cannot read.
 */
int
imdn_from_message(const char *ctype, const char *cenc, const char *body,
    size_t len, struct imdn *out, char **cause)
{
	struct strbuf outer, inner;
	struct cpim_message m;
	size_t clen = ctype != NULL ? strlen(ctype) : 0;
	int c, r, rc = -1;

	if (!type_is(ctype, clen, "message/cpim") &&
	    !type_is(ctype, clen, IMDN_CONTENT_TYPE))
		return 0;
	if ((c = coding(cenc, cenc != NULL ? strlen(cenc) : 0)) < 0)
		return 0;	/* not ours to read: content.c refuses it */
	strbuf_init(&outer);
	strbuf_init(&inner);
	if (c == 1) {
		if ((r = deflate_inflate(body, len, WRAPPED_MAX, &outer)) !=
		    DEFLATE_OK) {
			set_cause(cause, "imdn: deflate body %s",
			    deflate_result_name(r));
			goto out;
		}
		body = outer.buf;
		len = outer.len;
	}
	if (type_is(ctype, clen, IMDN_CONTENT_TYPE)) {
		rc = imdn_parse(body, len, out, cause) == 0 ? 1 : -1;
		goto out;
	}
	if (len > WRAPPED_MAX || cpim_parse(body, len, &m) != 0 ||
	    !type_is(m.content_type.ptr, m.content_type.len,
	    IMDN_CONTENT_TYPE)) {
		rc = 0;		/* CPIM around something else: content.c's */
		goto out;
	}
	if ((c = coding(m.content_encoding.ptr, m.content_encoding.len)) < 0) {
		set_cause(cause, "imdn: unknown Content-Encoding");
		goto out;
	}
	body = m.body;
	len = m.body_len;
	if (c == 1) {
		if ((r = deflate_inflate(body, len, IMDN_BODY_MAX, &inner)) !=
		    DEFLATE_OK) {
			set_cause(cause, "imdn: deflate entity %s",
			    deflate_result_name(r));
			goto out;
		}
		body = inner.buf;
		len = inner.len;
	}
	rc = imdn_parse(body, len, out, cause) == 0 ? 1 : -1;
out:
	strbuf_free(&outer);
	strbuf_free(&inner);
	return rc;
}
