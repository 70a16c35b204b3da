/*
 * log_libraries.c: libevent's and libosip2's diagnostics into our log.
 */
#ifndef SIPXMPP_LOG_LIBRARIES_H
#define SIPXMPP_LOG_LIBRARIES_H

void log_route_libraries(void);

#endif
