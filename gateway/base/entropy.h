/*
 * Random bytes from the kernel, all of them: getrandom(2) may return
 * fewer bytes than asked for (a signal during a large read) or fail with
 * EINTR, and a caller that used the unfilled rest would hand out
 * constants as tokens or hash keys.
 */
#ifndef SIPXMPP_ENTROPY_H
#define SIPXMPP_ENTROPY_H

#include <sys/types.h>

#include <stddef.h>

/* Where the bytes come from: getrandom(2)'s signature. */
typedef ssize_t (*entropy_source_fn)(void *buf, size_t len,
    unsigned int flags);

/* entropy.c */
int entropy_fill(void *buf, size_t len);
void entropy_bytes(void *buf, size_t n);
void entropy_set_source_for_test(entropy_source_fn fn);

#endif
