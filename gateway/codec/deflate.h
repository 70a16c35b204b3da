/*
 * Content-Encoding: deflate bodies (RFC 3261 §20.12; RFC 9110 §8.4.1.2:
 * the zlib format of RFC 1950, some senders write raw RFC 1951), as
 * Linphone sends its IMDN notifications. Inflated with zlib under a bound
 * on the output, so a small body cannot expand into a large one.
 */
#ifndef SIPXMPP_DEFLATE_H
#define SIPXMPP_DEFLATE_H

#include <stddef.h>

struct strbuf;

/* Results of deflate_inflate(). */
#define DEFLATE_OK		0
#define DEFLATE_BAD		(-1)	/* not a deflate stream, or cut short */
#define DEFLATE_TOO_LARGE	(-2)	/* would inflate past max */
#define DEFLATE_NOMEM		(-3)

int deflate_inflate(const char *in, size_t len, size_t max,
    struct strbuf *out);
const char *deflate_result_name(int r);

#endif
