/*
 * Spans: a pointer and a length into a caller's buffer, which need not be
 * NUL-terminated and may hold anything, and the few helpers the header
 * parsers (content.c, cpim.c) share. static inline: they run per byte of
 * every message header, and an out-of-line call would cost more than they.
 */
#ifndef SIPXMPP_SPAN_H
#define SIPXMPP_SPAN_H

#include <stddef.h>

struct span {
	const char *ptr;
	size_t len;
};

/* Compares n bytes at p with a lowercase literal, ignoring ASCII case. */
static inline int
span_eq_ci(const char *p, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (lit[i] == '\0')
			return 0;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return lit[i] == '\0';
}

/* Compares a span with a lowercase literal, ignoring ASCII case. */
static inline int
span_is(struct span s, const char *lit)
{
	return span_eq_ci(s.ptr, s.len, lit);
}

/* 1 for the whitespace that may surround values (folding included). */
static inline int
span_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The span p[0..n) without surrounding whitespace. */
static inline struct span
span_trim_bytes(const char *p, size_t n)
{
	struct span s;

	while (n > 0 && span_is_ws(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && span_is_ws(p[n - 1]))
		n--;
	s.ptr = p;
	s.len = n;
	return s;
}

/* The span without surrounding whitespace. */
static inline struct span
span_trim(struct span s)
{
	return span_trim_bytes(s.ptr, s.len);
}

#endif
