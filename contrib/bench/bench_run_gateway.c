/*
 * The gateway under test, for one run (bench_run.c): its configuration
 * and mapping table written into the run's directory, with --gw-opt
 * applied; its command line (under a --wrapper or callgrind); starting
 * it, or attaching to a running one (--pid); and probe MESSAGEs every
 * 2 ms until one is answered 200, which times its start-up and proves
 * the path works before any load is sent.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"

#define PROBE_EVERY_US	2000

/* Sends one probe MESSAGE (2 ms apart) until one is answered 200. */
static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	if (r->gw_pid > 0 && !proc_alive(r->gw_pid)) {
		run_note(r, "the gateway exited during start-up (see %s)",
		    r->gw_log);
		event_base_loopbreak(r->base);
		return;
	}
	(void)sip_end_send_message(r->se, SIP_CALL_PROBE, r->probe_n++, "u0",
	    "x0", 16);
	sip_end_flush(r->se);
}

/* One mapping-table line per entry: user sip:uN@sip.test mN@sip.test. */
static int
write_mapping(struct run *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "# written by sipxmpp-bench\n"
	    "domain " BENCH_SIP_DOMAIN " " BENCH_COMPONENT "\n"
	    "domain " BENCH_XMPP_DOMAIN " " BENCH_XMPP_DOMAIN "\n");
	/* The room scenarios: conf.sip.test is the bench's MUC service. */
	if (r->sc->room != ROOM_NONE)
		fprintf(f, "room " BENCH_ROOM_SIP_DOMAIN " " BENCH_MUC_DOMAIN
		    "\n");
	if (r->sc->mapping)
		for (int i = 0; i < r->o->mapping_entries; i++)
			fprintf(f, "user sip:u%d@" BENCH_SIP_DOMAIN " m%d@"
			    BENCH_COMPONENT "\n", i, i);
	return fclose(f) == 0 ? 0 : -1;
}

/* Whether an --gw-opt overrides section.key; its value in *value. */
static int
gw_opt(const struct bench_opts *o, const char *section, const char *key,
    const char **value, int *used)
{
	size_t sl = strlen(section), kl = strlen(key);

	for (int i = 0; i < o->n_gw_opts; i++) {
		const char *s = o->gw_opts[i];

		if (strncmp(s, section, sl) == 0 && s[sl] == '.' &&
		    strncmp(s + sl + 1, key, kl) == 0 && s[sl + 1 + kl] == '=') {
			*value = s + sl + 2 + kl;
			used[i] = 1;
			return 1;
		}
	}
	return 0;
}

/* The gateway's configuration, with --gw-opt applied. */
static int
write_config(struct run *r, const char *path, int sip_port, int xmpp_port)
{
	static const char *const sections[] = { "gateway", "sip", "xmpp",
	    "message", "presence", "rooms" };
	char sip_listen[64], proxy[64], xport[16], max_subs[24], per_user[24];
	char cert[1100], key[1100], ca[1100], room_max[24];
	int tls = r->o->sip_transport == SIP_TLS;
	const char *defaults[][3] = {
		{ "gateway", "log_level", "info" },
		{ "gateway", "log_target", "stderr" },
		{ "gateway", "mapping_file", "mapping.table" },
		{ "sip", "listen", sip_listen },
		{ "sip", "outbound_proxy", proxy },
		/* TLS: the run's PKI (bench_tls.c); empty: not written. */
		{ "sip", "tls_certificate", tls ? cert : "" },
		{ "sip", "tls_key", tls ? key : "" },
		{ "sip", "tls_ca_file", tls ? ca : "" },
		{ "xmpp", "host", "127.0.0.1" },
		{ "xmpp", "port", xport },
		{ "xmpp", "component", BENCH_COMPONENT },
		{ "xmpp", "secret", BENCH_SECRET },
		{ "xmpp", "reconnect_min_ms", "50" },
		{ "presence", "state_file", "presence.db" },
		{ "presence", "max_subscriptions", max_subs },
		{ "presence", "max_per_user", per_user },
		/* The room scenarios' participants, all in one room. */
		{ "rooms", "max_participants", room_max },
	};
	int used[MAX_GW_OPTS] = { 0 };
	const char *v;
	FILE *f;

	snprintf(sip_listen, sizeof(sip_listen), "%s:127.0.0.1:%d",
	    sip_transport_name(r->o->sip_transport), sip_port);
	/*
	 * The UAS is the outbound proxy. Over TLS it is named as a proxy
	 * would be, and the gateway checks its certificate for that name
	 * (RFC 5922 §7.3): localhost, which is 127.0.0.1 here.
	 */
	if (tls)
		snprintf(proxy, sizeof(proxy), "sips:localhost:%d",
		    sip_end_uas_port(r->se));
	else
		snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%d%s",
		    sip_end_uas_port(r->se),
		    r->o->sip_transport == SIP_TCP ? ";transport=tcp" : "");
	snprintf(cert, sizeof(cert), "%s/gateway.pem", r->dir);
	snprintf(key, sizeof(key), "%s/gateway.key", r->dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", r->dir);
	snprintf(xport, sizeof(xport), "%d", xmpp_port);
	/* Room for what the presence scenarios hold, as shipped otherwise. */
	snprintf(max_subs, sizeof(max_subs), "%ld", 100000L +
	    2L * r->o->subs + r->o->watchers + r->o->users);
	snprintf(per_user, sizeof(per_user), "%d", r->o->watchers > 500 ?
	    r->o->watchers : 500);
	snprintf(room_max, sizeof(room_max), "%d", r->o->room_n > 200 ?
	    r->o->room_n : 200);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# written by sipxmpp-bench\n");
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		size_t sl = strlen(sections[s]);

		fprintf(f, "\n[%s]\n", sections[s]);
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]);
		    i++) {
			if (strcmp(defaults[i][0], sections[s]) != 0)
				continue;
			if (!gw_opt(r->o, sections[s], defaults[i][1], &v,
			    used))
				v = defaults[i][2];
			if (v[0] != '\0')
				fprintf(f, "%s = %s\n", defaults[i][1], v);
		}
		/* Options of this section the defaults do not name. */
		for (int i = 0; i < r->o->n_gw_opts; i++) {
			const char *o = r->o->gw_opts[i], *eq;

			if (used[i] || strncmp(o, sections[s], sl) != 0 ||
			    o[sl] != '.' || (eq = strchr(o, '=')) == NULL)
				continue;
			fprintf(f, "%.*s = %s\n", (int)(eq - o - sl - 1),
			    o + sl + 1, eq + 1);
			used[i] = 1;
		}
	}
	for (int i = 0; i < r->o->n_gw_opts; i++)
		if (!used[i])
			bench_warnx("--gw-opt %s: unknown section",
			    r->o->gw_opts[i]);
	return fclose(f) == 0 ? 0 : -1;
}

/* Splits the wrapper command on blanks and appends the gateway's argv. */
static char **
gateway_argv(const struct bench_opts *o, const char *conf, char **store)
{
	char **argv = xcalloc(64, sizeof(*argv));
	int n = 0;

	*store = NULL;
	if (o->callgrind != NULL) {
		char *w;
		size_t len = strlen(o->callgrind) + 128;

		w = xcalloc(1, len);
		snprintf(w, len, "valgrind --tool=callgrind --quiet "
		    "--callgrind-out-file=%s.%%p", o->callgrind);
		*store = w;
		for (char *save = NULL, *tok = strtok_r(w, " ", &save);
		    tok != NULL && n < 8;
		    tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	} else if (o->wrapper != NULL && o->wrapper[0] != '\0') {
		char *w = xstrdup(o->wrapper), *tok, *save = NULL;

		*store = w;
		for (tok = strtok_r(w, " \t", &save); tok != NULL && n < 56;
		    tok = strtok_r(NULL, " \t", &save))
			argv[n++] = tok;
	}
	argv[n++] = (char *)o->sipxmppd;
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)conf;
	argv[n] = NULL;
	return argv;
}

/* Brings the gateway (and Prosody) up; 0 once a probe got its 200. */
int
run_start_gateway(struct run *r)
{
	const struct bench_opts *o = r->o;
	char conf[1024], map[1024], *wstore;
	char **argv;
	int sip_port, xmpp_port;

	if (o->pid > 0) {
		/* Attached: the gateway is configured for our ports. */
		r->gw_pid = o->pid;
		if (o->gw_log != NULL)
			snprintf(r->gw_log, sizeof(r->gw_log), "%s", o->gw_log);
		sip_end_set_target(r->se, o->gw_sip_port);
		r->t_spawn = now_ns();
	} else {
		if (o->sipxmppd == NULL || access(o->sipxmppd, X_OK) != 0) {
			run_note(r, "no sipxmppd to run (--sipxmppd)");
			return -1;
		}
		snprintf(conf, sizeof(conf), "%s/sipxmppd.conf", r->dir);
		snprintf(map, sizeof(map), "%s/mapping.table", r->dir);
		snprintf(r->gw_log, sizeof(r->gw_log), "%s/sipxmppd.log",
		    r->dir);
		sip_port = free_port(o->sip_transport == SIP_UDP ?
		    SOCK_DGRAM : SOCK_STREAM);
		xmpp_port = r->have_px ? r->px.component_port :
		    xmpp_end_port(r->xe);
		if (sip_port < 0 || write_mapping(r, map) != 0 ||
		    write_config(r, conf, sip_port, xmpp_port) != 0) {
			run_note(r, "cannot write the gateway's files in %s",
			    r->dir);
			return -1;
		}
		sip_end_set_target(r->se, sip_port);
		argv = gateway_argv(o, conf, &wstore);
		r->t_spawn = now_ns();
		r->gw_pid = proc_spawn(argv, r->gw_log, r->dir);
		free(argv);
		free(wstore);
		if (r->gw_pid < 0) {
			run_note(r, "cannot start %s", o->sipxmppd);
			return -1;
		}
		r->own_gw = 1;
		bench_log("gateway: pid %d, SIP %s 127.0.0.1:%d, XMPP port %d",
		    (int)r->gw_pid, sip_transport_name(o->sip_transport),
		    sip_port, xmpp_port);
	}
	{
		struct timeval tv = { 0, PROBE_EVERY_US };

		r->probe_ev = event_new(r->base, -1, EV_PERSIST, probe_cb, r);
		event_add(r->probe_ev, &tv);
	}
	run_for(r, o->startup_timeout_ms);
	event_del(r->probe_ev);
	if (r->t_first_ok == 0) {
		if (r->res->note[0] == '\0')
			run_note(r, "no MESSAGE answered 200 within %d ms of "
			    "start (XMPP link %s; see %s)",
			    o->startup_timeout_ms,
			    r->t_link != 0 || r->have_px ? "up" : "never up",
			    r->gw_log);
		return -1;
	}
	if (r->own_gw && r->t_link != 0)
		r->res->startup_link_ms = (double)(r->t_link - r->t_spawn) /
		    1e6;
	if (r->own_gw)
		r->res->startup_first_ok_ms = (double)(r->t_first_ok -
		    r->t_spawn) / 1e6;
	/* Let the probes' own answers settle before measuring. */
	run_for(r, 50);
	return 0;
}
