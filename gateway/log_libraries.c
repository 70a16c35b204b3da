/*
 * The hooks that route libevent's and libosip2's own diagnostics into our
 * log (log.c). Kept out of base/log.c so that the common ground links libc
 * only: the daemon, which links both libraries, installs them.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <osipparser2/osip_port.h>

#include "log.h"
#include "log_libraries.h"

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
