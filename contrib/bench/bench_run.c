/*
 * One scenario against one gateway, start to finish:
 *
 *   set up    a private directory, the bench's SIP and XMPP ends (or a
 *             Prosody and the bench as its second component), the
 *             gateway's config and mapping table, the gateway itself;
 *   start     probe MESSAGEs until one is answered 200: the gateway's
 *             startup time, and proof the path works before load starts;
 *   presence  for the presence scenarios, the subscriptions first
 *             (bench_presence.c), paced by a window; "subscriptions" then
 *             only samples the gateway's memory;
 *   load      open or closed loop (bench_load.c); /proc sampled when the
 *             measured interval begins, when sending stops and when the
 *             last answer is in; SIGHUP in the middle for "mapping";
 *   tear down SIGTERM the gateway (its exit status is part of the verdict),
 *             stop Prosody, remove the directory.
 *
 * Each step has a deadline; a gateway that dies or never links up ends
 * the scenario with a note, never a hang.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"

#define PROBE_EVERY_US	2000
#define GW_STOP_MS	20000

#define SETUP_STALL_MS	10000	/* set-up gives up after this long idle */

const struct scenario scenarios[] = {
	{ "sip-to-xmpp", "SIP MESSAGE -> XMPP <message/>, answered 200 after "
	    "the ping barrier", 1, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN },
	{ "xmpp-to-sip", "XMPP <message/> -> SIP MESSAGE, answered 200 by the "
	    "bench's UAS", 0, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN },
	{ "mapping", "N mapping entries: startup, SIGHUP reload time, traffic "
	    "stall during the reload (SIP -> XMPP traffic)", 1, 1,
	    PRESENCE_NONE, NULL, BRANCH_PLAIN },
	{ "notify-to-presence", "SIP NOTIFY (PIDF) -> XMPP <presence/> in "
	    "--users subscriptions of XMPP users to SIP users", 1, 0,
	    PRESENCE_NOTIFY, NULL, BRANCH_PLAIN },
	{ "presence-to-watchers", "XMPP <presence/> -> NOTIFY to --watchers "
	    "SIP watcher dialogs of --watched XMPP users", 0, 0,
	    PRESENCE_WATCHERS, NULL, BRANCH_PLAIN },
	{ "subscriptions", "--subs live subscriptions held each way (XMPP "
	    "watching SIP, SIP watching XMPP): RSS per subscription", 1, 0,
	    PRESENCE_HOLD, NULL, BRANCH_PLAIN },
	{ "flood-random", "sip-to-xmpp with 160-character random Via "
	    "branches: the reference for flood-collide", 1, 0, PRESENCE_NONE,
	    NULL, BRANCH_RANDOM },
	{ "flood-collide", "sip-to-xmpp with Via branches of that length "
	    "that all collide under FNV-1a (hash flooding of the "
	    "transaction and completed-response tables)", 1, 0, PRESENCE_NONE,
	    NULL, BRANCH_COLLIDE },
	{ NULL, NULL, 0, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN },
};

struct run {
	const struct bench_opts *o;
	const struct scenario *sc;
	struct result	*res;
	struct event_base *base;
	char		*dir;
	char		 gw_log[1024];
	pid_t		 gw_pid;
	int		 own_gw;
	struct prosody	 px;
	int		 have_px;
	struct xmpp_end	*xe;
	struct sip_end	*se;
	struct load	*load;
	struct presence_peers *pp;
	struct presence_stats pst0;	/* counters when the load began */
	/* start-up */
	int64_t		 t_spawn, t_link, t_first_ok;
	struct event	*probe_ev, *deadline_ev;
	uint64_t	 probe_n;
	int		 timed_out;
	int		 break_on_up;
	/* samples: measured interval begins, sending stops, all answered */
	struct proc_sample gw_s[3], px_s[3], me_s[3];
	int64_t		 ts[3];
	/* reload */
	struct event	*reload_ev;
	int64_t		 t_hup, t_hup_wall;
	off_t		 log_off;
	char		 xml[4096];
};

static void note(struct run *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to the result's note: what the reader of the table must know. */
static void
note(struct run *r, const char *fmt, ...)
{
	size_t n = strlen(r->res->note);
	va_list ap;

	if (n > 0 && n + 2 < sizeof(r->res->note)) {
		r->res->note[n++] = ';';
		r->res->note[n++] = ' ';
		r->res->note[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(r->res->note + n, sizeof(r->res->note) - n, fmt, ap);
	va_end(ap);
}

/* ---- the ends' callbacks ------------------------------------------- */

/* The component stream is up (server end: the gateway linked). */
static void
xmpp_up_cb(void *arg)
{
	struct run *r = arg;

	if (r->t_link == 0)
		r->t_link = now_ns();
	if (r->break_on_up)
		event_base_loopbreak(r->base);
}

/* The stream went away: a run in progress says so in its note. */
static void
xmpp_down_cb(void *arg)
{
	struct run *r = arg;

	if (r->load != NULL && load_phase(r->load) < LOAD_DONE)
		note(r, "XMPP stream lost during the run");
}

/* Sequence number of a stanza: seq= in the body, else L<seq> as id. */
static int
stanza_seq(const struct xml_item *it, uint64_t *seq)
{
	char id[32];

	if (bench_find_seq(it->data, it->len, seq) == 0)
		return 0;
	if (xml_attr_copy(it->tag, it->tag_len, "id", id, sizeof(id)) == 0 &&
	    id[0] == 'L') {
		char *end;

		*seq = strtoull(id + 1, &end, 10);
		return *end == '\0' ? 0 : -1;
	}
	return -1;
}

/* A message from the gateway: a delivery, or an error for one of ours. */
static void
xmpp_message_cb(void *arg, const struct xml_item *it, int is_error)
{
	struct run *r = arg;
	uint64_t seq;

	if (r->load == NULL || stanza_seq(it, &seq) != 0)
		return;		/* probes, and anything not ours */
	if (is_error) {
		if (!r->sc->s2x)
			load_complete(r->load, seq, LOAD_STATUS_ERROR_STANZA);
		return;
	}
	if (r->sc->s2x)
		load_delivered(r->load, seq);
}

/* A final response at the UAC. */
static void
sip_response_cb(void *arg, enum sip_call_kind kind, uint64_t seq,
    int status)
{
	struct run *r = arg;

	if (kind == SIP_CALL_PROBE) {
		if (status == 200 && r->t_first_ok == 0) {
			r->t_first_ok = now_ns();
			event_base_loopbreak(r->base);
		}
		return;
	}
	if (r->load != NULL && r->sc->s2x)
		load_complete(r->load, seq, status);
}

/* A MESSAGE at the UAS: an XMPP -> SIP message arrived. */
static void
sip_message_cb(void *arg, uint64_t seq, int has_seq)
{
	struct run *r = arg;

	if (r->load == NULL || !has_seq || r->sc->s2x)
		return;
	load_complete(r->load, seq, 200);
}

/* The presence hooks: everything goes to the presence peers, if any. */
static void
xmpp_presence_cb(void *arg, const struct xml_item *it)
{
	struct run *r = arg;

	if (r->pp != NULL)
		presence_stanza_cb(r->pp, it);
}

static int
sip_request_cb(void *arg, const struct sip_msg *m, char *extra, size_t size)
{
	struct run *r = arg;

	return r->pp != NULL ? presence_request_cb(r->pp, m, extra, size) :
	    405;
}

static void
sip_request_done_cb(void *arg, const struct sip_msg *m, int status)
{
	struct run *r = arg;

	if (r->pp != NULL)
		presence_request_done_cb(r->pp, m, status);
}

static void
sip_uas_response_cb(void *arg, const struct sip_msg *m)
{
	struct run *r = arg;

	if (r->pp != NULL)
		presence_response_cb(r->pp, m);
}

/* ---- what one message is ------------------------------------------- */

/* Spreads message seq over n addresses, not in lock-step. */
static unsigned int
spread(uint64_t seq, unsigned int n)
{
	return n > 0 ? (unsigned int)((seq * 2654435761u) % n) : 0;
}

/* Sends load message seq in the scenario's direction. */
static int
send_cb(void *arg, uint64_t seq)
{
	struct run *r = arg;
	const struct bench_opts *o = r->o;
	char from[32], to[32], pad[2048];
	unsigned int users = o->users > 0 ? (unsigned int)o->users : 1;
	int n, plen;

	if (r->sc->presence == PRESENCE_NOTIFY)
		return presence_send_notify(r->pp, seq);
	if (r->sc->presence == PRESENCE_WATCHERS)
		return presence_send_presence(r->pp, seq);
	if (r->sc->s2x) {
		if (r->sc->mapping && o->mapping_entries > 0)
			snprintf(from, sizeof(from), "u%u", spread(seq,
			    (unsigned int)o->mapping_entries));
		else
			snprintf(from, sizeof(from), "u%u", spread(seq,
			    users));
		snprintf(to, sizeof(to), "x%u", (unsigned int)(seq % users));
		return sip_end_send_message(r->se, SIP_CALL_LOAD, seq, from,
		    to, (size_t)o->body_size);
	}
	plen = o->body_size - 24;
	if (plen < 0)
		plen = 0;
	if (plen > (int)sizeof(pad) - 1)
		plen = (int)sizeof(pad) - 1;
	memset(pad, 'x', (size_t)plen);
	n = snprintf(r->xml, sizeof(r->xml), "<message from='x%u@"
	    BENCH_XMPP_DOMAIN "/bench' to='u%u@" BENCH_COMPONENT "' "
	    "id='L%" PRIu64 "'><body>seq=%" PRIu64 " %.*s</body></message>",
	    (unsigned int)(seq % users), spread(seq, users), seq, seq, plen,
	    pad);
	if (n < 0 || (size_t)n >= sizeof(r->xml))
		return -1;
	return xmpp_end_send(r->xe, r->xml, (size_t)n);
}

/* End of a send burst: the batched datagrams leave. */
static void
flush_cb(void *arg)
{
	struct run *r = arg;

	sip_end_flush(r->se);
	xmpp_end_flush(r->xe);
}

/* Samples every process at one of the three instants. */
static void
sample(struct run *r, int i)
{
	r->ts[i] = now_ns();
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &r->gw_s[i]);
	if (r->have_px)
		(void)proc_sample(r->px.pid, &r->px_s[i]);
	proc_self_sample(&r->me_s[i]);
}

/* SIGHUP in the middle of the measured interval ("mapping"). */
static void
reload_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	struct stat st;

	(void)fd;
	(void)what;
	r->log_off = stat(r->gw_log, &st) == 0 ? st.st_size : 0;
	r->t_hup_wall = wall_ms();
	r->t_hup = now_ns();
	if (kill(r->gw_pid, SIGHUP) != 0)
		note(r, "SIGHUP failed: %s", strerror(errno));
}

/* callgrind_control -z (zero) or -d (dump) on the gateway. */
static void
callgrind_control(struct run *r, const char *what)
{
	char cmd[128];

	if (r->o->callgrind == NULL || !r->own_gw)
		return;
	snprintf(cmd, sizeof(cmd), "callgrind_control %s %d >/dev/null 2>&1",
	    what, (int)r->gw_pid);
	if (system(cmd) != 0)
		note(r, "%s failed", cmd);
}

/* Instructions the gateway ran since the zeroing, from its dump. */
static double
callgrind_total(struct run *r)
{
	char pattern[1100], line[256];
	unsigned long long total = 0;
	glob_t g;
	FILE *f;

	snprintf(pattern, sizeof(pattern), "%s.%d.*", r->o->callgrind,
	    (int)r->gw_pid);
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0)
		return -1;
	f = fopen(g.gl_pathv[g.gl_pathc - 1], "r");
	globfree(&g);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "summary: %llu", &total) == 1 ||
		    sscanf(line, "totals: %llu", &total) == 1)
			break;
	fclose(f);
	return total > 0 ? (double)total : -1;
}

/* The load's milestones: sample /proc, send SIGHUP, end the loop. */
static void
phase_cb(void *arg, enum load_phase phase)
{
	struct run *r = arg;
	struct timeval tv;

	switch (phase) {
	case LOAD_MEASURE:
		callgrind_control(r, "-z");
		sample(r, 0);
		if (r->sc->mapping && r->reload_ev != NULL) {
			double at = r->o->reload_at >= 0 ? r->o->reload_at :
			    r->o->load.duration_s / 2;

			tv.tv_sec = (time_t)at;
			tv.tv_usec = (suseconds_t)((at - (double)tv.tv_sec) *
			    1e6);
			evtimer_add(r->reload_ev, &tv);
		}
		break;
	case LOAD_DRAIN:
		sample(r, 1);
		break;
	case LOAD_DONE:
		sample(r, 2);
		callgrind_control(r, "-d");
		event_base_loopbreak(r->base);
		break;
	default:
		break;
	}
}

/* ---- start-up --------------------------------------------------------- */

/* Sends one probe MESSAGE (2 ms apart) until one is answered 200. */
static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	if (r->gw_pid > 0 && !proc_alive(r->gw_pid)) {
		note(r, "the gateway exited during start-up (see %s)",
		    r->gw_log);
		event_base_loopbreak(r->base);
		return;
	}
	(void)sip_end_send_message(r->se, SIP_CALL_PROBE, r->probe_n++, "u0",
	    "x0", 16);
	sip_end_flush(r->se);
}

/* A start-up step took too long. */
static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	r->timed_out = 1;
	event_base_loopbreak(r->base);
}

/* Runs the loop until something breaks it or ms pass. */
static void
run_for(struct run *r, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	r->timed_out = 0;
	evtimer_add(r->deadline_ev, &tv);
	event_base_dispatch(r->base);
	evtimer_del(r->deadline_ev);
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
	    "message", "presence" };
	char sip_listen[64], proxy[64], xport[16], max_subs[24], per_user[24];
	const char *defaults[][3] = {
		{ "gateway", "log_level", "info" },
		{ "gateway", "log_target", "stderr" },
		{ "gateway", "mapping_file", "mapping.table" },
		{ "sip", "listen", sip_listen },
		{ "sip", "outbound_proxy", proxy },
		{ "xmpp", "host", "127.0.0.1" },
		{ "xmpp", "port", xport },
		{ "xmpp", "component", BENCH_COMPONENT },
		{ "xmpp", "secret", BENCH_SECRET },
		{ "xmpp", "reconnect_min_ms", "50" },
		{ "presence", "state_file", "presence.db" },
		{ "presence", "max_subscriptions", max_subs },
		{ "presence", "max_per_user", per_user },
	};
	int used[MAX_GW_OPTS] = { 0 };
	const char *v;
	FILE *f;

	snprintf(sip_listen, sizeof(sip_listen), "udp:127.0.0.1:%d",
	    sip_port);
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%d",
	    sip_end_uas_port(r->se));
	snprintf(xport, sizeof(xport), "%d", xmpp_port);
	/* Room for what the presence scenarios hold, as shipped otherwise. */
	snprintf(max_subs, sizeof(max_subs), "%ld", 100000L +
	    2L * r->o->subs + r->o->watchers + r->o->users);
	snprintf(per_user, sizeof(per_user), "%d", r->o->watchers > 500 ?
	    r->o->watchers : 500);
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
static int
start_gateway(struct run *r)
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
			note(r, "no sipxmppd to run (--sipxmppd)");
			return -1;
		}
		snprintf(conf, sizeof(conf), "%s/sipxmppd.conf", r->dir);
		snprintf(map, sizeof(map), "%s/mapping.table", r->dir);
		snprintf(r->gw_log, sizeof(r->gw_log), "%s/sipxmppd.log",
		    r->dir);
		sip_port = free_port(SOCK_DGRAM);
		xmpp_port = r->have_px ? r->px.component_port :
		    xmpp_end_port(r->xe);
		if (sip_port < 0 || write_mapping(r, map) != 0 ||
		    write_config(r, conf, sip_port, xmpp_port) != 0) {
			note(r, "cannot write the gateway's files in %s",
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
			note(r, "cannot start %s", o->sipxmppd);
			return -1;
		}
		r->own_gw = 1;
		bench_log("gateway: pid %d, SIP udp 127.0.0.1:%d, XMPP port %d",
		    (int)r->gw_pid, sip_port, xmpp_port);
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
			note(r, "no MESSAGE answered 200 within %d ms of start "
			    "(XMPP link %s; see %s)", o->startup_timeout_ms,
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

/* ---- results --------------------------------------------------------- */

/* Share of one core used between samples a and b. */
static double
util(const struct proc_sample *a, const struct proc_sample *b, int64_t t0,
    int64_t t1)
{
	double us = proc_cpu_us(a, b, 1);

	if (us < 0)
		us = proc_cpu_us(a, b, 0);
	if (us < 0 || t1 <= t0)
		return -1;
	return us / ((double)(t1 - t0) / 1e3);
}

/* "503 x12, 408 x3": the error answers by status. */
static void
error_detail(struct result *res, const struct load_result *lr)
{
	size_t n = 0;

	res->error_detail[0] = '\0';
	for (int s = 0; s < LOAD_MAX_STATUS; s++) {
		if (lr->status[s] == 0 || (s >= 200 && s < 300))
			continue;
		char what[16];

		if (s == LOAD_STATUS_ERROR_STANZA)
			snprintf(what, sizeof(what), "error-stanza");
		else
			snprintf(what, sizeof(what), "%d", s);
		n += (size_t)snprintf(res->error_detail + n,
		    n < sizeof(res->error_detail) ? sizeof(res->error_detail) -
		    n : 0, "%s%s x%" PRIu64, n > 0 ? ", " : "", what,
		    lr->status[s]);
		if (n >= sizeof(res->error_detail))
			break;
	}
}

/* The presence figures of a load run: NOTIFYs, their answers, latency. */
static void
collect_presence(struct run *r)
{
	const struct presence_stats *ps = presence_stats(r->pp);
	struct result *res = r->res;
	double us;

	if (r->sc->presence == PRESENCE_NOTIFY) {
		/* Ours: each answered; a failure is an error of the load. */
		res->notifies = ps->load_notify_ok;
		res->notify_errors = ps->load_notify_failed;
		return;
	}
	res->notifies = ps->notifies_in - r->pst0.notifies_in;
	res->notify_errors = ps->terminated - r->pst0.terminated;
	res->notify_p50_ms = (double)hist_percentile(&ps->notify_lat, 50) /
	    1e6;
	res->notify_p99_ms = (double)hist_percentile(&ps->notify_lat, 99) /
	    1e6;
	res->notify_p999_ms = (double)hist_percentile(&ps->notify_lat, 99.9) /
	    1e6;
	res->notify_max_ms = (double)hist_percentile(&ps->notify_lat, 100) /
	    1e6;
	us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 0);
	if (us >= 0 && ps->notify_lat.n > 0)
		res->gw_cpu_us_per_notify = us / (double)ps->notify_lat.n;
}

/* Fills the result from the load's records and the samples. */
static void
collect(struct run *r)
{
	const struct load_result *lr = load_result(r->load);
	struct result *res = r->res;
	double secs = (double)(lr->t_end - lr->t_warm) / 1e9, us;
	int64_t at;

	res->sent = lr->sent;
	res->measured = lr->measured;
	res->ok = lr->ok;
	res->errors = lr->errors;
	res->losses = lr->losses;
	res->delivered = r->sc->s2x && r->sc->presence == PRESENCE_NONE ?
	    lr->delivered : lr->ok;
	res->not_sent = lr->not_sent;
	res->dups = lr->dup_answers + lr->dup_deliveries;
	res->unknown = lr->unknown;
	error_detail(res, lr);
	if (secs > 0) {
		res->offered_per_s = (double)lr->measured / secs;
		/* OK answers that arrived within the measured interval. */
		uint64_t in = 0;

		for (size_t i = 0; i < lr->n_ok_times; i++)
			if (lr->ok_times[i] >= lr->t_warm &&
			    lr->ok_times[i] < lr->t_end)
				in++;
		res->answered_per_s = (double)in / secs;
	}
	res->lat_p50_ms = (double)hist_percentile(&lr->lat, 50) / 1e6;
	res->lat_p99_ms = (double)hist_percentile(&lr->lat, 99) / 1e6;
	res->lat_p999_ms = (double)hist_percentile(&lr->lat, 99.9) / 1e6;
	res->lat_max_ms = (double)hist_percentile(&lr->lat, 100) / 1e6;
	res->lat_mean_ms = lr->lat.n ? lr->lat.sum / (double)lr->lat.n / 1e6 :
	    0;
	res->gw_cpu_us_per_msg = res->gw_cpu_us_per_msg_ns = -1;
	res->gw_cpu_kernel_share = -1;
	res->px_cpu_us_per_msg = res->px_cpu_util = -1;
	if (r->gw_pid > 0 && lr->measured > 0) {
		us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 0);
		res->gw_cpu_us_per_msg = us >= 0 ? us / (double)lr->measured :
		    -1;
		us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 1);
		res->gw_cpu_us_per_msg_ns = us >= 0 ? us /
		    (double)lr->measured : -1;
		res->gw_cpu_util = util(&r->gw_s[0], &r->gw_s[1], r->ts[0],
		    r->ts[1]);
		if (r->gw_s[2].cpu_ticks > r->gw_s[0].cpu_ticks)
			res->gw_cpu_kernel_share =
			    (double)(r->gw_s[2].sys_ticks - r->gw_s[0].sys_ticks) /
			    (double)(r->gw_s[2].cpu_ticks - r->gw_s[0].cpu_ticks);
		res->gw_hwm_kb = r->gw_s[2].hwm_kb;
		res->gw_rss_kb = r->gw_s[2].rss_kb;
	}
	if (r->have_px && lr->measured > 0) {
		us = proc_cpu_us(&r->px_s[0], &r->px_s[2], 1);
		if (us < 0)
			us = proc_cpu_us(&r->px_s[0], &r->px_s[2], 0);
		res->px_cpu_us_per_msg = us >= 0 ? us / (double)lr->measured :
		    -1;
		res->px_cpu_util = util(&r->px_s[0], &r->px_s[1], r->ts[0],
		    r->ts[1]);
		res->px_hwm_kb = r->px_s[2].hwm_kb;
	}
	if (lr->measured > 0) {
		us = proc_cpu_us(&r->me_s[0], &r->me_s[2], 1);
		if (us < 0)
			us = proc_cpu_us(&r->me_s[0], &r->me_s[2], 0);
		res->bench_cpu_us_per_msg = us / (double)lr->measured;
		res->bench_ceiling_per_s = res->bench_cpu_us_per_msg > 0 ?
		    1e6 / res->bench_cpu_us_per_msg : 0;
		res->bench_cpu_util = util(&r->me_s[0], &r->me_s[1], r->ts[0],
		    r->ts[1]);
	}
	res->gw_ir_per_msg = -1;
	if (r->o->callgrind != NULL && lr->measured > 0 &&
	    (us = callgrind_total(r)) > 0)
		res->gw_ir_per_msg = us / (double)lr->measured;
	res->max_gap_ms = (double)load_max_gap(r->load, lr->t_warm,
	    lr->t_end, &at) / 1e6;
	if (r->sc->mapping)
		res->mapping_entries = r->o->mapping_entries;
	if (r->pp != NULL)
		collect_presence(r);
}

/* Reload time from the log, stall from the answers ("mapping"). */
static void
collect_reload(struct run *r)
{
	const struct load_result *lr = load_result(r->load);
	struct result *res = r->res;
	int64_t stamp = 0, at, window_end;

	res->reload_ms = res->stall_ms = res->baseline_gap_ms = -1;
	if (r->t_hup == 0) {
		note(r, "no SIGHUP was sent (measured interval too short?)");
		return;
	}
	if (r->gw_log[0] != '\0' && log_find_line(r->gw_log, r->log_off,
	    "mapping: reloaded", &stamp, NULL) == 0)
		res->reload_ms = (double)(stamp - r->t_hup_wall);
	else if (r->gw_log[0] != '\0' && log_find_line(r->gw_log, r->log_off,
	    "mapping: reload refused", NULL, NULL) == 0)
		note(r, "the gateway refused the reload (see %s)", r->gw_log);
	else
		note(r, "no reload line in the gateway's log");
	/* The stall: the longest silence from just before the signal. */
	window_end = r->t_hup + (int64_t)((res->reload_ms > 0 ?
	    res->reload_ms : 0) * 1e6) + 1000000000LL;
	res->stall_ms = (double)load_max_gap(r->load, r->t_hup - 50000000LL,
	    window_end, &at) / 1e6;
	res->baseline_gap_ms = (double)load_max_gap(r->load, lr->t_warm,
	    r->t_hup - 100000000LL, &at) / 1e6;
}

/* Judges a finished run for --smoke: everything sent, answered, right. */
static void
verdict(struct run *r)
{
	struct result *res = r->res;
	int ok = res->done && res->sent > 0 && res->ok == res->sent &&
	    res->errors == 0 && res->losses == 0 && res->not_sent == 0 &&
	    res->delivered == res->sent && res->dups == 0;

	if (r->own_gw && res->gw_exit != 0)
		ok = 0;
	if (r->sc->mapping && res->reload_ms < 0)
		ok = 0;
	if (r->sc->presence != PRESENCE_NONE && (res->setup_failed > 0 ||
	    res->notify_errors > 0))
		ok = 0;
	if (r->sc->presence == PRESENCE_NOTIFY && res->notifies != res->sent)
		ok = 0;		/* every NOTIFY of ours answered 200 */
	if (r->sc->presence == PRESENCE_HOLD)
		ok = res->done && res->subs_x2s == (uint64_t)r->o->subs &&
		    res->subs_s2x == (uint64_t)r->o->subs && res->gw_exit == 0;
	res->verdict_ok = ok;
}

/* ---- presence ---------------------------------------------------------- */

/* Bytes of RSS per subscription between two samples; -1 if unknown. */
static double
per_sub(const struct proc_sample *a, const struct proc_sample *b,
    uint64_t n)
{
	if (!a->ok || !b->ok || n == 0)
		return -1;
	return ((double)b->rss_kb - (double)a->rss_kb) * 1024 / (double)n;
}

/* One direction's set-up, timed and costed; how many came up. */
static uint64_t
setup_direction(struct run *r, int s2x, double *secs, double *cpu_us)
{
	struct proc_sample a, b;
	int64_t t0 = now_ns();
	uint64_t up;
	double us;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &a);
	up = s2x ? presence_setup_s2x(r->pp, r->o->setup_window,
	    SETUP_STALL_MS) : presence_setup_x2s(r->pp, r->o->setup_window,
	    SETUP_STALL_MS);
	*secs = (double)(now_ns() - t0) / 1e9;
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &b);
	us = proc_cpu_us(&a, &b, 1);
	if (us < 0)
		us = proc_cpu_us(&a, &b, 0);
	*cpu_us = us >= 0 && up > 0 ? us / (double)up : -1;
	bench_log("presence: %" PRIu64 " %s subscriptions up in %.1f s",
	    up, s2x ? "S2X" : "X2S", *secs);
	return up;
}

/* Lets transient state (completed transactions: 32 s) go, then samples. */
static void
settle(struct run *r, struct proc_sample *s)
{
	if (r->o->settle_s > 0)
		run_for(r, (int)(r->o->settle_s * 1000));
	memset(s, 0, sizeof(*s));
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, s);
}

/*
 * The subscriptions a presence scenario needs, before its load; for
 * "subscriptions" the whole scenario: the gateway's RSS before, after
 * the X2S subscriptions and after the S2X ones, each right after its
 * set-up and after --settle seconds.
 */
static int
setup_presence(struct run *r)
{
	const struct bench_opts *o = r->o;
	struct result *res = r->res;
	struct proc_sample s0, s1, s1s, s2, s2s;
	uint64_t n_x2s = 0, n_w = 0, n_pairs = 0;

	switch (r->sc->presence) {
	case PRESENCE_NOTIFY:
		n_x2s = (uint64_t)o->users;
		break;
	case PRESENCE_WATCHERS:
		n_w = (uint64_t)o->watchers;
		n_pairs = (uint64_t)o->watched;
		break;
	case PRESENCE_HOLD:
		n_x2s = n_w = n_pairs = (uint64_t)o->subs;
		break;
	default:
		return 0;
	}
	r->pp = presence_peers_new(r->base, r->se, r->xe, n_x2s, n_w,
	    n_pairs);
	if (r->pp == NULL)
		return -1;
	memset(&s0, 0, sizeof(s0));
	if (r->gw_pid > 0)
		(void)proc_sample(r->gw_pid, &s0);
	if (n_x2s > 0) {
		res->subs_x2s = setup_direction(r, 0, &res->setup_x2s_s,
		    &res->setup_x2s_cpu_us);
		if (r->sc->presence == PRESENCE_HOLD) {
			memset(&s1, 0, sizeof(s1));
			if (r->gw_pid > 0)
				(void)proc_sample(r->gw_pid, &s1);
			settle(r, &s1s);
			res->rss_before_kb = s0.rss_kb;
			res->rss_x2s_kb = s1.rss_kb;
			res->rss_x2s_settled_kb = s1s.rss_kb;
			res->bytes_per_x2s = per_sub(&s0, &s1s, res->subs_x2s);
			s0 = s1s;
		}
	}
	if (n_w > 0) {
		res->subs_s2x = setup_direction(r, 1, &res->setup_s2x_s,
		    &res->setup_s2x_cpu_us);
		if (r->sc->presence == PRESENCE_HOLD) {
			memset(&s2, 0, sizeof(s2));
			if (r->gw_pid > 0)
				(void)proc_sample(r->gw_pid, &s2);
			settle(r, &s2s);
			res->rss_s2x_kb = s2.rss_kb;
			res->rss_s2x_settled_kb = s2s.rss_kb;
			res->bytes_per_s2x = per_sub(&s0, &s2s, res->subs_s2x);
			res->gw_hwm_kb = s2s.hwm_kb;
			res->gw_rss_kb = s2s.rss_kb;
		}
	}
	res->setup_failed = presence_stats(r->pp)->setup_failed;
	res->settle_s = o->settle_s;
	if (res->setup_failed > 0)
		note(r, "%" PRIu64 " subscriptions could not be set up (see %s)",
		    res->setup_failed, r->gw_log);
	if (r->gw_pid > 0 && !proc_alive(r->gw_pid)) {
		note(r, "the gateway died during the set-up (see %s)",
		    r->gw_log);
		return -1;
	}
	return 0;
}

/* ---- the scenario ------------------------------------------------------ */

/* Runs one scenario; 0 when it ran to the end (whatever it measured). */
int
run_scenario(const struct bench_opts *o, const struct scenario *sc,
    struct result *res)
{
	static const struct xmpp_end_handlers xh = {
		.up_cb = xmpp_up_cb,
		.down_cb = xmpp_down_cb,
		.message_cb = xmpp_message_cb,
		.presence_cb = xmpp_presence_cb,
	};
	static const struct sip_end_handlers sh = {
		.response_cb = sip_response_cb,
		.message_cb = sip_message_cb,
		.request_cb = sip_request_cb,
		.request_done_cb = sip_request_done_cb,
		.uas_response_cb = sip_uas_response_cb,
	};
	static const struct load_ops ops = { send_cb, flush_cb, phase_cb };
	struct event_config *cfg;
	struct run r;
	int status;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	snprintf(res->scenario, sizeof(res->scenario), "%s", sc->name);
	res->via_prosody = o->via_prosody;
	res->rate = o->load.rate;
	res->window = o->load.rate > 0 ? 0 : o->load.window;
	res->duration_s = o->load.duration_s;
	res->users = o->users;
	res->body_size = o->body_size;
	res->gw_exit = -1;
	res->reload_ms = res->stall_ms = res->baseline_gap_ms = -1;
	res->notify_p50_ms = res->notify_p99_ms = res->notify_p999_ms = -1;
	res->notify_max_ms = res->gw_cpu_us_per_notify = -1;
	res->bytes_per_x2s = res->bytes_per_s2x = -1;
	res->setup_x2s_s = res->setup_s2x_s = -1;
	res->setup_x2s_cpu_us = res->setup_s2x_cpu_us = -1;
	if (sc->presence == PRESENCE_WATCHERS) {
		res->watchers = o->watchers;
		res->watched = o->watched;
	}
	r.o = o;
	r.sc = sc;
	r.res = res;
	if (sc->pending != NULL) {
		note(&r, "not implemented yet: %s", sc->pending);
		return -1;
	}
	if (sc->mapping && o->pid > 0 && o->gw_log == NULL)
		bench_warnx("mapping with --pid: no --gw-log, no reload time");

	/* Timers finer than epoll's milliseconds (timerfd). */
	if ((cfg = event_config_new()) == NULL)
		return -1;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	r.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (r.base == NULL)
		return -1;
	r.deadline_ev = evtimer_new(r.base, deadline_cb, &r);
	r.reload_ev = evtimer_new(r.base, reload_cb, &r);
	if ((r.dir = tmpdir_make()) == NULL) {
		note(&r, "cannot make a directory under /tmp");
		goto out;
	}
	if ((r.se = sip_end_new(r.base, o->pid > 0 ? o->uas_port : 0, &sh,
	    &r)) == NULL) {
		note(&r, "cannot open the SIP sockets");
		goto out;
	}
	if (sip_end_set_branches(r.se, sc->branches) != 0) {
		note(&r, "cannot make the Via branches");
		goto out;
	}
	if (o->via_prosody) {
		char pdir[1100];

		snprintf(pdir, sizeof(pdir), "%s/prosody", r.dir);
		(void)mkdir(pdir, 0755);
		if (prosody_start(&r.px, o->prosody, pdir) != 0) {
			note(&r, "cannot start Prosody (%s)", o->prosody);
			goto out;
		}
		r.have_px = 1;
		r.xe = xmpp_end_connect(r.base, r.px.component_port,
		    BENCH_XMPP_DOMAIN, BENCH_SECRET, &xh, &r);
		if (r.xe == NULL)
			goto out;
		/* Our own handshake first: the barrier pings need us. */
		r.break_on_up = 1;
		run_for(&r, 15000);
		r.break_on_up = 0;
		if (!xmpp_end_ready(r.xe)) {
			note(&r, "Prosody did not accept the bench component "
			    "%s: %s", BENCH_XMPP_DOMAIN,
			    xmpp_end_error(r.xe)[0] ? xmpp_end_error(r.xe) :
			    "no handshake");
			goto out;
		}
		r.t_link = 0;	/* the gateway's link is not ours to see */
	} else {
		r.xe = xmpp_end_listen(r.base, o->pid > 0 ? o->xmpp_port : 0,
		    BENCH_COMPONENT, BENCH_SECRET, &xh, &r);
		if (r.xe == NULL) {
			note(&r, "cannot listen for the component link");
			goto out;
		}
	}
	if (start_gateway(&r) != 0)
		goto out;
	if (sc->presence != PRESENCE_NONE && setup_presence(&r) != 0)
		goto out;
	if (sc->presence == PRESENCE_HOLD) {
		res->hold = 1;
		res->done = 1;
		goto out;
	}

	r.load = load_new(r.base, &o->load, &ops, &r);
	if (r.load == NULL)
		goto out;
	if (r.pp != NULL) {
		r.pst0 = *presence_stats(r.pp);
		presence_peers_set_load(r.pp, r.load);
	}
	bench_log("%s: %s for %.1f s (+%.1f s warm-up)", sc->name,
	    o->load.rate > 0 ? "open loop" : "closed loop",
	    o->load.duration_s, o->load.warmup_s);
	load_start(r.load);
	event_base_dispatch(r.base);
	if (load_phase(r.load) != LOAD_DONE) {
		note(&r, "run interrupted");
		goto out;
	}
	res->done = 1;
	collect(&r);
	if (sc->mapping)
		collect_reload(&r);
	if (r.gw_pid > 0 && !proc_alive(r.gw_pid))
		note(&r, "the gateway died during the run (see %s)", r.gw_log);
out:
	if (r.own_gw && r.gw_pid > 0) {
		if (proc_stop(r.gw_pid, GW_STOP_MS, &status) == 0) {
			res->gw_exit = WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
			if (res->gw_exit != 0)
				note(&r, "the gateway exited with %d on SIGTERM "
				    "(see %s)", res->gw_exit, r.gw_log);
		}
	}
	if (r.have_px)
		prosody_stop(&r.px);
	verdict(&r);
	if (r.load != NULL)
		load_free(r.load);
	presence_peers_free(r.pp);
	if (r.probe_ev != NULL)
		event_free(r.probe_ev);
	if (r.deadline_ev != NULL)
		event_free(r.deadline_ev);
	if (r.reload_ev != NULL)
		event_free(r.reload_ev);
	xmpp_end_free(r.xe);
	sip_end_free(r.se);
	event_base_free(r.base);
	if (r.dir != NULL) {
		if (o->keep || (o->smoke && !res->verdict_ok))
			bench_warnx("%s: files kept in %s", sc->name, r.dir);
		else
			tmpdir_remove(r.dir);
		free(r.dir);
	}
	return res->done ? 0 : -1;
}

/* The scenario called name, or NULL. */
const struct scenario *
scenario_find(const char *name)
{
	for (const struct scenario *s = scenarios; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}
