/*
 * Logging: one small API used everywhere. Levels are syslog's priorities;
 * the level is checked before any formatting is done, so a disabled
 * log_debug() on the per-message path costs one comparison.
 */
#ifndef SIPXMPP_LOG_H
#define SIPXMPP_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Highest syslog priority that is emitted (LOG_ERR .. LOG_DEBUG). */
extern int log_verbosity;

/* log.c */
void log_init(int to_stderr, int verbosity, const char *ident);
void log_set_verbosity(int verbosity);
int log_level_parse(const char *name);
void log_emit(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vemit(int prio, const char *fmt, va_list ap);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void log_route_libraries(void);

#define log_warnx(...) do {						\
	if (log_verbosity >= LOG_WARNING)				\
		log_emit(LOG_WARNING, __VA_ARGS__);			\
} while (0)
#define log_info(...) do {						\
	if (log_verbosity >= LOG_INFO)					\
		log_emit(LOG_INFO, __VA_ARGS__);			\
} while (0)
#define log_debug(...) do {						\
	if (log_verbosity >= LOG_DEBUG)					\
		log_emit(LOG_DEBUG, __VA_ARGS__);			\
} while (0)
#define log_error(...) log_emit(LOG_ERR, __VA_ARGS__)

#endif
