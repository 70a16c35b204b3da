/*
 * Descriptors for SIP TCP: checked once at start, before anything opens.
 *
 * Every TCP connection is a descriptor. With max_connections at or above
 * the open-file limit (1024 by default on Linux, the same as our default
 * max_connections), accept() failed with EMFILE while connections were
 * still "allowed", and the gateway lost the descriptors its own
 * connections need. The soft limit is raised to the hard one, and
 * max_connections is lowered, with a line saying so, when even that
 * leaves too few for it plus what the gateway itself keeps open.
 */
#include <sys/resource.h>

#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "sip_transport.h"

/*
 * Descriptors the gateway needs besides SIP TCP connections: stdio, up to
 * 2 x CONFIG_MAX_LISTEN SIP sockets, the XMPP socket and its low spare,
 * SQLite's database, journal, WAL and shared memory, the event loop's own.
 */
#define FD_OVERHEAD	(3 + 2 * CONFIG_MAX_LISTEN + 2 + 4 + 8)
#define FD_RAISE_CAP	1048576	/* an "unlimited" hard limit is not taken whole */

/*
 * Raises RLIMIT_NOFILE to its hard limit and fits sip_max_connections
 * under it. Returns 0 (cfg possibly lowered, with a warning logged), or -1
 * with *cause set when the limit leaves no room for a single connection.
 */
int
sip_transport_fd_budget(struct config *cfg, char **cause)
{
	struct rlimit rl;
	rlim_t want;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return 0;
	}
	want = rl.rlim_max;
	if (want == RLIM_INFINITY || want > FD_RAISE_CAP)
		want = FD_RAISE_CAP;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit raised = { want, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl.rlim_cur = want;
		else
			log_warn("cannot raise the open-file limit from %llu "
			    "to %llu", (unsigned long long)rl.rlim_cur,
			    (unsigned long long)want);
	}
	if (rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)cfg->sip_max_connections + FD_OVERHEAD)
		return 0;
	room = (long)rl.rlim_cur - FD_OVERHEAD;
	if (room < 1) {
		config_set_cause(cause, "%s: the open-file limit (ulimit -n) "
		    "is %llu: too low for any SIP TCP connection (the gateway "
		    "keeps %d descriptors for itself)", cfg->path,
		    (unsigned long long)rl.rlim_cur, FD_OVERHEAD);
		return -1;
	}
	log_warnx("%s: [sip] max_connections %d lowered to %ld: the open-file "
	    "limit (ulimit -n, hard limit included) is %llu and the gateway "
	    "keeps %d descriptors for itself", cfg->path,
	    cfg->sip_max_connections, room, (unsigned long long)rl.rlim_cur,
	    FD_OVERHEAD);
	cfg->sip_max_connections = (int)room;
	return 0;
}
