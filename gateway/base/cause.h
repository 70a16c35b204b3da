/*
 * Error causes handed back to a caller as a malloc'ed string (cause.c):
 * the one place every "char **cause" out-parameter is filled.
 */
#ifndef SIPXMPP_CAUSE_H
#define SIPXMPP_CAUSE_H

/*
 * Sets *cause (if cause is not NULL) to a message made printable ASCII
 * only: causes that quote a peer's bytes end up in one log or protocol
 * line, so anything else becomes '?'. *cause is NULL if out of memory.
 */
void set_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same, the text as formatted: for causes quoting only our own. */
void set_cause_verbatim(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
