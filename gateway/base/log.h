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

/*
 * Trace categories (OpenSMTPD's -T): every step of a state machine and
 * every message or NOTIFY carried is worth a line when one looks for a
 * fault, and far too many lines at 100,000 subscriptions otherwise. Each
 * category is switched on at run time (sipxmppd -T, [gateway] trace);
 * the names are in log_trace_names[]. The bits must keep the values the
 * option table's trace names give them (config_options.c; test_log.c
 * checks that the two agree).
 */
#define TRACE_SIP		0x01	/* connections, stray requests */
#define TRACE_XMPP		0x02	/* link states, stanzas ignored */
#define TRACE_MESSAGE		0x04	/* each message carried */
#define TRACE_PRESENCE		0x08	/* subscriptions, NOTIFYs, FSMs */
#define TRACE_ROOM		0x10	/* room memberships: joins, FSM, fan-out */
#define TRACE_ALL		0x1f

/* Categories switched on (TRACE_* bits). */
extern unsigned log_tracing;

struct log_trace_name {
	const char	*name;
	unsigned	 mask;
};

/* { "sip", TRACE_SIP }, ... then { "all", TRACE_ALL }, NULL-ended. */
extern const struct log_trace_name log_trace_names[];

/* Longest line written; the rest of a longer one is cut. */
#define LOG_LINE_MAX		8192

/* Per call site of a *_limited() line: a burst, then one a second. */
#define LOG_LIMIT_BURST		10
#define LOG_LIMIT_MS		1000

struct log_limit {
	int		 started;
	unsigned	 tokens;
	long long	 refilled_ms;
	unsigned long	 suppressed;	/* held back since the last line */
};

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
void log_emit_limited(struct log_limit *ll, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_set_clock_for_test(long long (*fn)(void));
void log_set_tracing(unsigned mask);
void log_trace_emit(unsigned category, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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

/*
 * A trace line of one category: written whatever log_level says (the
 * category is the switch), at LOG_DEBUG, as "trace <category>: ...". The
 * mask is tested before the arguments are evaluated, so a category that
 * is off costs one test on the per-message path.
 */
#define log_trace(category, ...) do {					\
	if (log_tracing & (category))					\
		log_trace_emit((category), __VA_ARGS__);		\
} while (0)

/*
 * The same, for lines a peer can cause at will (a refused request): each
 * call site has its own token bucket (log.c), so a flood of refusals
 * writes a few lines and a count, not a line a packet.
 */
#define log_limited(prio, ...) do {					\
	static struct log_limit log_limit_;				\
	if (log_verbosity >= (prio))					\
		log_emit_limited(&log_limit_, (prio), __VA_ARGS__);	\
} while (0)
#define log_warnx_limited(...) log_limited(LOG_WARNING, __VA_ARGS__)
#define log_info_limited(...) log_limited(LOG_INFO, __VA_ARGS__)

#endif
