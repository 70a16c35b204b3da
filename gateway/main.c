/*
 * sipxmppd: a SIMPLE <-> XMPP gateway. Reads the configuration and the
 * mapping table, then runs one libevent loop for the SIP stack and the
 * XMPP component link. SIGHUP reloads the mapping table and the TLS
 * certificates; SIGTERM drains what is in flight and stops.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libxml/parser.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "log_libraries.h"
#include "mapping.h"
#include "mapping_reload.h"
#include "sip_stack.h"
#include "sip_transport.h"
#include "strmap.h"
#include "xmpp_link.h"

#define DEFAULT_CONFIG "/etc/sipxmpp/sipxmppd.conf"
#define SHUTDOWN_TICK_MS 50
#define SHUTDOWN_FLUSH_MS 200
#define SHUTDOWN_NOTIFY_TICKS 40	/* of SHUTDOWN_TICK_MS: 2 s */

static struct gateway gw;
static struct event *shutdown_tick;
static struct timespec shutdown_deadline;
static int shutdown_phase;
static int flush_ticks;

/* Prints usage to the given stream. */
static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: sipxmppd [-dhV] [-c file] [-T categories] [--check-config] "
	    "[--map address]\n"
	    "  -c, --config FILE   configuration file (default %s)\n"
	    "  -d, --debug         log debug output to stderr\n"
	    "  -T, --trace LIST    trace categories: sip,xmpp,message,presence "
	    "or all\n"
	    "  -n, --check-config  check the configuration and mapping table, then exit\n"
	    "  -m, --map ADDRESS   show how a SIP URI or JID translates, then exit\n"
	    "  -V, --version       print the version\n", DEFAULT_CONFIG);
}

/* Milliseconds from a to b. */
static long
ms_until(const struct timespec *b)
{
	struct timespec a;

	clock_gettime(CLOCK_MONOTONIC, &a);
	return (b->tv_sec - a.tv_sec) * 1000 + (b->tv_nsec - a.tv_nsec) /
	    1000000;
}

/*
 * Shutdown, step by step: wait (at most shutdown_grace_ms) for messages
 * in flight to be answered normally; then answer the rest; then give the
 * answers a moment to leave before the loop ends.
 */
static void
shutdown_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tick = { 0, SHUTDOWN_TICK_MS * 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	if (shutdown_phase == 1) {
		if (bridge_message_pending(gw.messages) +
		    bridge_room_pending(gw.rooms) > 0 &&
		    ms_until(&shutdown_deadline) > 0) {
			evtimer_add(shutdown_tick, &tick);
			return;
		}
		bridge_message_shutdown(gw.messages);
		bridge_room_shutdown(gw.rooms);
		bridge_presence_shutdown(gw.presence);
		shutdown_phase = 2;
		flush_ticks = 0;
		tick.tv_usec = SHUTDOWN_FLUSH_MS * 1000;
		evtimer_add(shutdown_tick, &tick);
		return;
	}
	/* The last NOTIFYs (terminated) get a moment to be answered. */
	if (bridge_presence_pending(gw.presence) > 0 &&
	    ++flush_ticks < SHUTDOWN_NOTIFY_TICKS) {
		evtimer_add(shutdown_tick, &tick);
		return;
	}
	event_base_loopexit(gw.base, NULL);
}

/* SIGTERM / SIGINT: start the graceful shutdown (a second one hurries). */
static void
sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval now = { 0, 0 };

	(void)what;
	(void)arg;
	if (shutdown_phase > 0) {
		log_info("signal %d again: stopping now", (int)sig);
		shutdown_phase = 1;
		clock_gettime(CLOCK_MONOTONIC, &shutdown_deadline);
		evtimer_add(shutdown_tick, &now);
		return;
	}
	log_info("signal %d: shutting down (%zu messages in flight)", (int)sig,
	    bridge_message_pending(gw.messages));
	gw.shutting_down = 1;
	shutdown_phase = 1;
	sip_stack_stop_listening(gw.sip);
	clock_gettime(CLOCK_MONOTONIC, &shutdown_deadline);
	shutdown_deadline.tv_sec += gw.cfg->shutdown_grace_ms / 1000;
	shutdown_deadline.tv_nsec += (long)(gw.cfg->shutdown_grace_ms % 1000) *
	    1000000L;
	if (shutdown_deadline.tv_nsec >= 1000000000L) {
		shutdown_deadline.tv_sec++;
		shutdown_deadline.tv_nsec -= 1000000000L;
	}
	evtimer_add(shutdown_tick, &now);
}

/* SIGHUP: load the mapping table anew, between the loop's turns
 * (mapping_reload.c), and the TLS certificates; the old ones stay if the
 * new ones are bad. */
static void
sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	mapping_reload_start(arg);
	sip_stack_tls_reload(gw.sip);
}

/* Warns when everyone may read the secret (sipxmppd.conf(5) secret). */
static void
warn_exposed_secret(const struct config *cfg)
{
	unsigned mode;

	if (config_secret_exposed(cfg, &mode))
		log_warnx("%s holds [xmpp] secret and every user may read it "
		    "(mode %04o): chmod o-r it, or move the secret to "
		    "secret_file", cfg->path, mode);
}

/* --map: prints how one address translates and by which rule. */
static int
explain(const char *address)
{
	char *result = NULL, *rule = NULL, *cause = NULL;
	int r = map_explain(gw.map, address, &result, &rule, &cause);

	if (r == MAP_OK)
		printf("%s -> %s\n  rule: %s\n", address, result,
		    rule != NULL ? rule : "-");
	else
		printf("%s: not translated (%s)%s%s\n", address,
		    map_result_name(r), cause != NULL ? ": " : "",
		    cause != NULL ? cause : "");
	free(result);
	free(rule);
	free(cause);
	return r == MAP_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "map", required_argument, NULL, 'm' },
		{ "trace", required_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = DEFAULT_CONFIG, *map_address = NULL;
	struct xmpp_link_handlers xh = {
		.up_cb = router_xmpp_up,
		.down_cb = router_xmpp_down,
		.message_cb = router_xmpp_message,
		.presence_cb = router_xmpp_presence,
		.disco_info_cb = router_xmpp_disco_info,
		.contact_cb = bridge_service_contact,
		.gateway_prompt_cb = bridge_service_prompt,
	};
	struct sip_stack_handlers sh = { .request_cb = router_sip_request,
	    .message_cb = router_sip_message };
	struct event *ev_term, *ev_int, *ev_hup;
	struct mapping_reload *reload;
	struct config cfg;
	char *cause = NULL;
	int debug = 0, check = 0, ch;
	unsigned trace = 0;
	int mask;

	while ((ch = getopt_long(argc, argv, "c:dnm:T:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'm':
			map_address = optarg;
			break;
		case 'T':
			/*
			 * Several -T add up, as OpenSMTPD's do; the list reads
			 * as [gateway] trace does (its option's names).
			 */
			if (config_flags_parse(config_option_find("gateway",
			    "trace"), optarg, &mask, &cause) != 0) {
				fprintf(stderr, "sipxmppd: -T: %s\n",
				    cause != NULL ? cause : "out of memory");
				free(cause);
				return 2;
			}
			trace |= (unsigned)mask;
			break;
		case 'V':
			printf("sipxmppd %s\n", "0.1.0");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(1, debug ? LOG_DEBUG : LOG_INFO, "sipxmppd");
	if (config_load(config_path, &cfg, &cause) != 0) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : config_path);
		free(cause);
		config_free(&cfg);
		return 1;
	}
	gw.cfg = &cfg;
	/* Before anything opens: descriptors for max_connections. */
	if (sip_transport_fd_budget(&cfg, &cause) != 0) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : config_path);
		free(cause);
		config_free(&cfg);
		return 1;
	}
	if (map_table_load(cfg.mapping_file, &gw.map, &cause) != 0) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : cfg.mapping_file);
		free(cause);
		config_free(&cfg);
		return 1;
	}
	if (check || map_address != NULL) {
		int r = 0;

		if (check) {
			warn_exposed_secret(&cfg);
			printf("%s: OK, %zu mapping rules from %s\n", config_path,
			    map_table_size(gw.map), cfg.mapping_file);
		}
		if (map_address != NULL)
			r = explain(map_address);
		map_table_free(gw.map);
		config_free(&cfg);
		return r;
	}

	if (!debug) {
		log_init(strcmp(cfg.log_target, "syslog") != 0, cfg.log_level,
		    "sipxmppd");
	}
	warn_exposed_secret(&cfg);
	/* -T adds to [gateway] trace: either one switches a category on. */
	log_set_tracing(trace | (unsigned)cfg.trace);
	log_route_libraries();
	xmlInitParser();
	signal(SIGPIPE, SIG_IGN);
	/* The keyed hash of every table peers fill (strmap.c) needs this. */
	if (strmap_seed() != 0)
		fatal("cannot take the hash key from getrandom");
	if ((gw.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	if ((gw.sip = sip_stack_new(gw.base, &cfg, &sh, &gw)) == NULL)
		fatalx("cannot set up the SIP stack");
	if ((gw.messages = bridge_message_new(&gw)) == NULL)
		fatalx("out of memory");
	if ((gw.rooms = bridge_room_new(&gw)) == NULL)
		fatalx("out of memory");
	if ((gw.typing = bridge_typing_new(&gw)) == NULL)
		fatalx("out of memory");
	if ((gw.presence = bridge_presence_new(&gw, &cause)) == NULL)
		fatalx("cannot start presence: %s", cause != NULL ? cause :
		    "out of memory");
	/* Rooms kept in the presence store (issue 13 item 7). */
	bridge_room_restore(gw.rooms);
	if ((gw.xmpp = xmpp_link_new(gw.base, &cfg, &xh, &gw)) == NULL)
		fatalx("cannot set up the XMPP link");
	if (sip_stack_start(gw.sip) != 0)
		fatalx("cannot open the SIP listeners");
	if (xmpp_link_start(gw.xmpp) != 0)
		fatalx("cannot start the XMPP link");
	ev_term = evsignal_new(gw.base, SIGTERM, sigterm_cb, NULL);
	ev_int = evsignal_new(gw.base, SIGINT, sigterm_cb, NULL);
	if ((reload = mapping_reload_new(&gw)) == NULL)
		fatalx("out of memory");
	ev_hup = evsignal_new(gw.base, SIGHUP, sighup_cb, reload);
	shutdown_tick = evtimer_new(gw.base, shutdown_tick_cb, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    shutdown_tick == NULL || evsignal_add(ev_term, NULL) < 0 ||
	    evsignal_add(ev_int, NULL) < 0 || evsignal_add(ev_hup, NULL) < 0)
		fatalx("cannot install signal handlers");
	log_info("sipxmppd started: component %s, %zu mapping rules",
	    cfg.xmpp_component, map_table_size(gw.map));

	event_base_dispatch(gw.base);

	/*
	 * The loop is over. Requests we sent to SIP and still wait for are
	 * reported to their XMPP senders while the link is still up. The
	 * turns run after the stack is freed only carry those answers out:
	 * a <message/> arriving meanwhile gets the shutdown error (the bridge
	 * refuses everything new once shutting_down is set, before the stack
	 * goes), a <presence/> is dropped by the router (gw.sip is NULL),
	 * and a SIP answer has no stack to go through (gateway_answer).
	 */
	gw.shutting_down = 1;
	sip_stack_free(gw.sip);
	gw.sip = NULL;
	for (int i = 0; i < 50 && xmpp_link_queue_len(gw.xmpp) > 0; i++) {
		struct timeval ten = { 0, 10000 };

		event_base_loopexit(gw.base, &ten);
		event_base_dispatch(gw.base);
	}
	if (gw.presence_dropped > 0)
		log_info("%lu presence stanzas dropped after the SIP stack "
		    "stopped", gw.presence_dropped);
	if (xmpp_link_errors_dropped(gw.xmpp) > 0)
		log_warnx("%lu error stanzas dropped: the send queue was full",
		    xmpp_link_errors_dropped(gw.xmpp));
	/*
	 * Close the stream and wait (a little) for the server's close:
	 * dropping the socket while the server still writes to us would
	 * reset the connection, and the server could lose the last answers
	 * we wrote before it read them.
	 */
	xmpp_link_stop(gw.xmpp);
	for (int i = 0; i < 100 && !xmpp_link_is_idle(gw.xmpp); i++) {
		struct timeval ten = { 0, 10000 };

		event_base_loopexit(gw.base, &ten);
		event_base_dispatch(gw.base);
	}
	if (xmpp_link_late_stanzas(gw.xmpp) > 0)
		log_info("%lu stanzas came after the link began to close: not "
		    "answered", xmpp_link_late_stanzas(gw.xmpp));
	xmpp_link_free(gw.xmpp);
	bridge_message_free(gw.messages);
	bridge_typing_free(gw.typing);
	bridge_room_free(gw.rooms);
	bridge_presence_free(gw.presence);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	mapping_reload_free(reload);
	event_free(shutdown_tick);
	event_base_free(gw.base);
	map_table_free(gw.map);
	config_free(&cfg);
	xmlCleanupParser();
	log_info("sipxmppd stopped");
	return 0;
}
