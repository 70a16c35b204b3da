/*
 * Just enough XML to be the other end of an XEP-0114 stream: find where
 * each top-level element (stanza) ends, read a few attributes of its start
 * tag, and the text of a leaf such as <handshake/>. No tree, no copies,
 * no entity expansion: the bench must cost far less per stanza than the
 * gateway it measures, and it only ever reads what the gateway (or
 * Prosody) writes. Still bounded: nothing reads past len, and an element
 * larger than max is refused.
 */
#include <ctype.h>
#include <string.h>

#include "bench.h"

/* Where the markup item starting at b[p] == '<' ends (index after it). */
static size_t
markup_end(const char *b, size_t len, size_t p, int *kind)
{
	const char *e;
	char quote = 0;
	size_t i;

	/* kind: 0 start tag, 1 end tag, 2 empty tag, 3 skipped (PI etc.) */
	if (p + 1 >= len)
		return 0;
	if (b[p + 1] == '?' || b[p + 1] == '!') {
		const char *close = b[p + 1] == '?' ? "?>" : NULL;

		*kind = 3;
		if (close == NULL) {
			if (len - p >= 4 && memcmp(b + p, "<!--", 4) == 0)
				close = "-->";
			else if (len - p >= 9 &&
			    memcmp(b + p, "<![CDATA[", 9) == 0)
				close = "]]>";
			else if (len - p < 9)
				return 0;	/* cannot tell yet */
			else
				return (size_t)-1;	/* DOCTYPE: refused */
		}
		e = memmem(b + p + 2, len - p - 2, close, strlen(close));
		return e == NULL ? 0 : (size_t)(e - b) + strlen(close);
	}
	*kind = b[p + 1] == '/' ? 1 : 0;
	for (i = p + 1; i < len; i++) {
		if (quote != 0) {
			if (b[i] == quote)
				quote = 0;
		} else if (b[i] == '\'' || b[i] == '"')
			quote = b[i];
		else if (b[i] == '>') {
			if (*kind == 0 && b[i - 1] == '/')
				*kind = 2;
			return i + 1;
		}
	}
	return 0;
}

/* Copies the element name of a tag (after '<' or '</'). */
static void
tag_name(const char *tag, size_t len, char *out, size_t size)
{
	size_t i = 1, n = 0;

	if (i < len && tag[i] == '/')
		i++;
	while (i < len && n + 1 < size && !isspace((unsigned char)tag[i]) &&
	    tag[i] != '>' && tag[i] != '/')
		out[n++] = tag[i++];
	out[n] = '\0';
}

/*
 * Finds the next item of the stream in buf[0..len). Before the stream
 * header (in_stream 0) that is the <stream:stream> start tag; after it,
 * a whole top-level element or the stream's end. *used is how many bytes
 * the item (and what preceded it) took; 0 when more is needed.
 */
enum xml_item_kind
xml_scan(const char *buf, size_t len, int in_stream, size_t max,
    struct xml_item *it, size_t *used)
{
	size_t p = 0, start, end;
	int kind, depth;

	*used = 0;
	memset(it, 0, sizeof(*it));
	for (;;) {
		/* Text between stanzas: whitespace keep-alives. */
		while (p < len && buf[p] != '<')
			p++;
		if (p >= len)
			return XML_NEED_MORE;
		end = markup_end(buf, len, p, &kind);
		if (end == (size_t)-1)
			return XML_BAD;
		if (end == 0)
			return p > max ? XML_BAD : XML_NEED_MORE;
		if (kind == 3) {		/* <?xml?>, comments */
			p = end;
			*used = p;
			continue;
		}
		break;
	}
	start = p;
	it->tag = buf + start;
	it->tag_len = end - start;
	tag_name(it->tag, it->tag_len, it->name, sizeof(it->name));
	if (kind == 1) {
		*used = end;
		it->kind = XML_STREAM_CLOSE;
		return it->kind;
	}
	if (!in_stream) {
		if (kind != 0)
			return XML_BAD;
		*used = end;
		it->data = it->tag;
		it->len = it->tag_len;
		it->kind = XML_STREAM_OPEN;
		return it->kind;
	}
	depth = kind == 0 ? 1 : 0;
	p = end;
	while (depth > 0) {
		while (p < len && buf[p] != '<')
			p++;
		if (p - start > max)
			return XML_BAD;
		if (p >= len)
			return XML_NEED_MORE;
		end = markup_end(buf, len, p, &kind);
		if (end == (size_t)-1)
			return XML_BAD;
		if (end == 0)
			return len - start > max ? XML_BAD : XML_NEED_MORE;
		if (kind == 0)
			depth++;
		else if (kind == 1)
			depth--;
		p = end;
	}
	it->data = buf + start;
	it->len = p - start;
	*used = p;
	it->kind = XML_ELEMENT;
	return it->kind;
}

/* Finds attribute name in a start tag; its raw (still escaped) value. */
int
xml_attr(const char *tag, size_t tag_len, const char *name,
    const char **val, size_t *val_len)
{
	size_t nlen = strlen(name), i = 1;
	char quote;

	/* Skip the element name. */
	while (i < tag_len && !isspace((unsigned char)tag[i]) &&
	    tag[i] != '>' && tag[i] != '/')
		i++;
	while (i < tag_len) {
		size_t a;

		while (i < tag_len && isspace((unsigned char)tag[i]))
			i++;
		a = i;
		while (i < tag_len && tag[i] != '=' && tag[i] != '>' &&
		    !isspace((unsigned char)tag[i]))
			i++;
		if (i >= tag_len || tag[i] != '=')
			return -1;
		if (i - a == nlen && memcmp(tag + a, name, nlen) == 0)
			a = (size_t)-1;		/* found: remember */
		i++;
		if (i >= tag_len || (tag[i] != '\'' && tag[i] != '"'))
			return -1;
		quote = tag[i++];
		{
			const char *q = memchr(tag + i, quote, tag_len - i);

			if (q == NULL)
				return -1;
			if (a == (size_t)-1) {
				*val = tag + i;
				*val_len = (size_t)(q - (tag + i));
				return 0;
			}
			i = (size_t)(q - tag) + 1;
		}
	}
	return -1;
}

/* An attribute's raw value as a C string; -1 if absent or too long. */
int
xml_attr_copy(const char *tag, size_t tag_len, const char *name, char *out,
    size_t size)
{
	const char *v;
	size_t n;

	if (xml_attr(tag, tag_len, name, &v, &n) != 0 || n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/* The text between a leaf element's start and end tags. */
int
xml_inner_text(const struct xml_item *it, const char **text, size_t *len)
{
	const char *end;

	if (it->kind != XML_ELEMENT || it->tag_len >= it->len)
		return -1;		/* empty element: no text */
	*text = it->data + it->tag_len;
	end = memchr(*text, '<', it->len - it->tag_len);
	if (end == NULL)
		return -1;
	*len = (size_t)(end - *text);
	return 0;
}

/* The bench's sequence number, written "seq=N" in every body it sends. */
int
bench_find_seq(const char *buf, size_t len, uint64_t *seq)
{
	const char *p = memmem(buf, len, "seq=", 4);
	const char *end = buf + len;
	uint64_t v = 0;
	int digits = 0;

	if (p == NULL)
		return -1;
	for (p += 4; p < end && *p >= '0' && *p <= '9' && digits < 19;
	    p++, digits++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (digits == 0)
		return -1;
	*seq = v;
	return 0;
}
