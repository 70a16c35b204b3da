/*
 * libosip2's own traces into our log (log.c): it prints them to stdout
 * unless given a callback. Here, beside the rest of the SIP adapter, so
 * that libosip2 is seen by gateway/sip/ alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_port.h>

#include "log.h"
#include "sip_stack.h"

/* Its traces are debug-grade chatter, except the error levels. */
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

/* Installs the hook; call once, after the log level is known. */
void
sip_route_library_log(void)
{
	/*
	 * Below debug, only libosip2's error levels are switched on: it
	 * then skips its other traces before building their arguments
	 * (about 20,000 instructions per message otherwise).
	 */
	osip_trace_initialize_func(log_verbosity >= LOG_DEBUG ?
	    END_TRACE_LEVEL : OSIP_WARNING, libosip_trace_cb);
}
