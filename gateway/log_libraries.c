/*
 * The hooks that route libevent's and libosip2's own diagnostics into our
 * log (log.c). Kept out of base/log.c so that the common ground links libc
 * only: the daemon, which links both libraries, installs them (libosip2's
 * through gateway/sip/, the only floor that sees it).
 */
#include <event2/event.h>

#include "log.h"
#include "log_libraries.h"
#include "sip_stack.h"

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

/* Installs the library log hooks; call once before the libraries run. */
void
log_route_libraries(void)
{
	event_set_log_callback(libevent_log_cb);
	sip_route_library_log();
}
