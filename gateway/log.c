/*
 * Logging to stderr (foreground) or syslog, and the hooks that route the
 * libraries' own diagnostics (libevent, libosip2) into the same stream.
 * libstrophe's logger is installed per context by xmpp_link.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <osipparser2/osip_port.h>

#include "log.h"

int log_verbosity = LOG_INFO;
static int log_to_stderr = 1;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* Opens the log; with to_stderr == 0 everything goes to syslog(3). */
void
log_init(int to_stderr, int verbosity, const char *ident)
{
	log_to_stderr = to_stderr;
	log_verbosity = verbosity;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Changes the level, e.g. after a configuration reload. */
void
log_set_verbosity(int verbosity)
{
	log_verbosity = verbosity;
}

/* Maps "error", "warning", "info", "debug" to a priority; -1 if unknown. */
int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	    i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Writes one line at the given priority; the caller checked the level. */
void
log_vemit(int prio, const char *fmt, va_list ap)
{
	if (prio > log_verbosity)
		return;
	if (!log_to_stderr) {
		vsyslog(prio, fmt, ap);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s.%03ld %s: ", stamp, ts.tv_nsec / 1000000L,
	    level_names[prio]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
log_emit(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(prio, fmt, ap);
	va_end(ap);
}

/* Logs a warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	if (log_verbosity < LOG_WARNING)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_WARNING, "%s: %s", msg, strerror(saved));
}

/* Only before the event loop runs: logs the reason with errno and exits. */
void
fatal(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_CRIT, "fatal: %s: %s", msg, strerror(saved));
	exit(1);
}

/* Only before the event loop runs: logs the reason and exits. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/* libevent's internal warnings, with its severities mapped to ours. */
static void
libevent_log_cb(int severity, const char *msg)
{
	int prio = severity == EVENT_LOG_DEBUG ? LOG_DEBUG :
	    severity == EVENT_LOG_MSG ? LOG_INFO :
	    severity == EVENT_LOG_WARN ? LOG_WARNING : LOG_ERR;

	if (prio <= log_verbosity)
		log_emit(prio, "libevent: %s", msg);
}

/*
 * libosip2 prints its traces to stdout unless given a callback; they are
 * debug-grade chatter, except the error levels.
 */
static void
libosip_trace_cb(const char *fi, int li, osip_trace_level_t level,
    const char *chfr, va_list ap)
{
	int prio = level <= OSIP_ERROR ? LOG_WARNING : LOG_DEBUG;
	char msg[1024];

	if (prio > log_verbosity)
		return;
	vsnprintf(msg, sizeof(msg), chfr, ap);
	msg[strcspn(msg, "\r\n")] = '\0';
	log_emit(prio, "libosip2: %s:%d: %s", fi, li, msg);
}

/* Installs the library log hooks; call once before the libraries run. */
void
log_route_libraries(void)
{
	event_set_log_callback(libevent_log_cb);
	/*
	 * Below debug, only libosip2's error levels are switched on: it
	 * then skips its other traces before building their arguments
	 * (about 20,000 instructions per message otherwise).
	 */
	osip_trace_initialize_func(log_verbosity >= LOG_DEBUG ?
	    END_TRACE_LEVEL : OSIP_WARNING, libosip_trace_cb);
}
