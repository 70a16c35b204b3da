/*
 * Text in a body's charset to the text we hand out (content.c): any
 * charset iconv(3) knows converted to UTF-8, then checked (only what
 * XML 1.0 can carry) and copied with LF line ends; text/plain is just
 * that. The charset name comes from the network, so only plain names
 * reach iconv_open, and no conversion may grow a body without bound.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "content.h"
#include "content_int.h"
#include "strbuf.h"

#define CONTENT_MAX_CHARSET	40

/* 1 if the charset needs no conversion: UTF-8, or ASCII (a subset). */
int
content_charset_is_utf8(struct span cs)
{
	return cs.len == 0 || span_is(cs, "utf-8") || span_is(cs, "utf8") ||
	    span_is(cs, "us-ascii") || span_is(cs, "ascii");
}

/*
 * Copies a charset name into buf for iconv_open, refusing anything that
 * is not a plain name: glibc reads "//" suffixes and '/' as conversion
 * options, and the name comes from the network.
 */
static int
charset_name(struct span cs, char *buf, size_t size)
{
	if (cs.len == 0 || cs.len >= size)
		return -1;
	for (size_t i = 0; i < cs.len; i++) {
		char c = cs.ptr[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':' || c == '+'))
			return -1;
	}
	memcpy(buf, cs.ptr, cs.len);
	buf[cs.len] = '\0';
	return 0;
}

/* Doubles iconv's output buffer, within reason. */
static int
grow(char **buf, size_t *cap, char **op, size_t *outleft)
{
	size_t used = (size_t)(*op - *buf);
	char *nbuf;

	if (*cap > (size_t)CONTENT_MAX_BODY * 8)
		return CONTENT_MALFORMED;	/* no charset expands this much */
	if ((nbuf = realloc(*buf, *cap * 2)) == NULL)
		return CONTENT_NOMEM;
	*buf = nbuf;
	*cap *= 2;
	*op = nbuf + used;
	*outleft = *cap - used;
	return CONTENT_TEXT;
}

/*
 * Converts len bytes in charset `cs` to UTF-8, in a malloc'ed buffer
 * (*out, *out_len, not terminated). Returns a content_verdict.
 */
int
content_to_utf8(struct span cs, const char *body, size_t len,
    char **out, size_t *out_len, char **cause)
{
	char name[CONTENT_MAX_CHARSET + 1], *buf = NULL, *in, *op;
	size_t cap, inleft = len, outleft;
	iconv_t cd;
	int ret = CONTENT_MALFORMED;

	if (charset_name(cs, name, sizeof(name)) < 0) {
		set_cause(cause, "unsupported charset \"%.*s\"",
		    (int)(cs.len > 64 ? 64 : cs.len), cs.ptr);
		return CONTENT_UNSUPPORTED;
	}
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1) {
		if (errno == ENOMEM)
			return CONTENT_NOMEM;
		set_cause(cause, "unsupported charset \"%s\"", name);
		return CONTENT_UNSUPPORTED;
	}
	/* Single-byte charsets need at most 3 bytes per byte. */
	cap = len * 3 + 16;
	if ((buf = malloc(cap)) == NULL) {
		ret = CONTENT_NOMEM;
		goto out;
	}
	in = (char *)body;
	op = buf;
	outleft = cap;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			if ((ret = grow(&buf, &cap, &op, &outleft)) !=
			    CONTENT_TEXT)
				goto grow_failed;
			continue;
		}
		ret = CONTENT_MALFORMED;
		if (errno == EILSEQ)
			set_cause(cause, "invalid %s sequence at byte %zu", name,
			    len - inleft);
		else if (errno == EINVAL)
			set_cause(cause, "truncated %s sequence at the end",
			    name);
		else
			set_cause(cause, "cannot convert from %s", name);
		goto out;
	}
	/* Stateful charsets (ISO-2022-*) may owe a final shift sequence. */
	while (iconv(cd, NULL, NULL, &op, &outleft) == (size_t)-1) {
		if (errno != E2BIG) {
			ret = CONTENT_MALFORMED;
			set_cause(cause, "cannot convert from %s", name);
			goto out;
		}
		if ((ret = grow(&buf, &cap, &op, &outleft)) != CONTENT_TEXT)
			goto grow_failed;
	}
	*out = buf;
	*out_len = (size_t)(op - buf);
	buf = NULL;
	ret = CONTENT_TEXT;
	goto out;
grow_failed:
	if (ret == CONTENT_MALFORMED)
		set_cause(cause, "%s text too large once converted", name);
out:
	free(buf);
	iconv_close(cd);
	return ret;
}

/*
 * Checks UTF-8 text and copies it NUL-terminated with CRLF (and lone CR,
 * which an XML parser would turn into LF anyway) as LF.
 */
int
content_finish_text(const char *s, size_t len, const char *what,
    struct content_text *out, char **cause)
{
	size_t bad, n = 0;
	char *t;
	int r;

	if ((r = strbuf_xml_check(s, len, &bad)) != 0) {
		if (r == STRBUF_BAD_UTF8)
			set_cause(cause, "%s: invalid UTF-8 at byte %zu",
			    what, bad);
		else
			set_cause(cause, "%s: character at byte %zu cannot "
			    "be carried in XML", what, bad);
		return CONTENT_MALFORMED;
	}
	if ((t = malloc(len + 1)) == NULL)
		return CONTENT_NOMEM;
	while (len > 0) {
		const char *cr = memchr(s, '\r', len);
		size_t run = cr == NULL ? len : (size_t)(cr - s);

		memcpy(t + n, s, run);
		n += run;
		if (cr == NULL)
			break;
		t[n++] = '\n';
		run++;
		if (run < len && s[run] == '\n')
			run++;
		s += run;
		len -= run;
	}
	t[n] = '\0';
	out->text = t;
	out->len = n;
	return CONTENT_TEXT;
}

/* text/plain: decode, check, copy. UTF-8 goes straight to the check. */
int
content_plain_text(struct span charset, const char *body, size_t len,
    struct content_text *out, char **cause)
{
	char *conv = NULL;
	size_t conv_len;
	int r;

	if (content_charset_is_utf8(charset)) {
		/* A byte order mark is a signature, not text. */
		if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
			body += 3;
			len -= 3;
		}
		return content_finish_text(body, len, "text/plain", out, cause);
	}
	if ((r = content_to_utf8(charset, body, len, &conv, &conv_len,
	    cause)) != CONTENT_TEXT)
		return r;
	r = content_finish_text(conv, conv_len, "text/plain", out, cause);
	free(conv);
	return r;
}
