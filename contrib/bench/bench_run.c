/*
 * One scenario against one gateway, start to finish:
 *
 *   set up    a private directory, the bench's SIP and XMPP ends (or a
 *             Prosody and the bench as its second component), the
 *             gateway's config and mapping table, the gateway itself;
 *   start     probe MESSAGEs until one is answered 200: the gateway's
 *             startup time, and proof the path works before load starts;
 *   presence  for the presence scenarios, the subscriptions first
 *             (bench_run_subs.c, through bench_presence.c), paced by a
 *             window; "subscriptions" then only samples the gateway's
 *             memory;
 *   load      open or closed loop (bench_load.c); /proc sampled when the
 *             measured interval begins, when sending stops and when the
 *             last answer is in; SIGHUP in the middle for "mapping";
 *   tear down SIGTERM the gateway (its exit status is part of the verdict),
 *             stop Prosody, remove the directory.
 *
 * Each step has a deadline; a gateway that dies or never links up ends
 * the scenario with a note, never a hang.
 *
 * This file holds the scenario table, the ends' callbacks, the load's
 * hooks and the run from start to finish. Its parts: the gateway's
 * start-up in bench_run_gateway.c, the subscriptions in bench_run_subs.c,
 * the figures and the verdict in bench_run_results.c; they share struct
 * run (bench.h).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bench.h"

#define GW_STOP_MS	20000
#define ROOM_WINDOW	32	/* room messages outstanding, by default */

const struct scenario scenarios[] = {
	{ "sip-to-xmpp", "SIP MESSAGE -> XMPP <message/>, answered 200 after "
	    "the ping barrier", 1, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "xmpp-to-sip", "XMPP <message/> -> SIP MESSAGE, answered 200 by the "
	    "bench's UAS", 0, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "mapping", "N mapping entries: startup, SIGHUP reload time, traffic "
	    "stall during the reload (SIP -> XMPP traffic)", 1, 1,
	    PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "notify-to-presence", "SIP NOTIFY (PIDF) -> XMPP <presence/> in "
	    "--users subscriptions of XMPP users to SIP users", 1, 0,
	    PRESENCE_NOTIFY, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "presence-to-watchers", "XMPP <presence/> -> NOTIFY to --watchers "
	    "SIP watcher dialogs of --watched XMPP users", 0, 0,
	    PRESENCE_WATCHERS, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "subscriptions", "--subs live subscriptions held each way (XMPP "
	    "watching SIP, SIP watching XMPP): RSS per subscription", 1, 0,
	    PRESENCE_HOLD, NULL, BRANCH_PLAIN, ROOM_NONE },
	{ "flood-random", "sip-to-xmpp with 160-character random Via "
	    "branches: the reference for flood-collide", 1, 0, PRESENCE_NONE,
	    NULL, BRANCH_RANDOM, ROOM_NONE },
	{ "flood-collide", "sip-to-xmpp with Via branches of that length "
	    "that all collide under FNV-1a (hash flooding of the "
	    "transaction and completed-response tables)", 1, 0, PRESENCE_NONE,
	    NULL, BRANCH_COLLIDE, ROOM_NONE },
	{ "room-fanout", "the bench is an XEP-0045 room with --room-participants "
	    "SIP participants: a room message -> one stanza to each "
	    "participant's occupant -> a MESSAGE to each", 0, 0,
	    PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_FANOUT },
	{ "sip-to-room", "a SIP participant's MESSAGE to the room -> "
	    "groupchat, answered 200 once the room reflects it", 1, 0,
	    PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_SAY },
	{ NULL, NULL, 0, 0, PRESENCE_NONE, NULL, BRANCH_PLAIN, ROOM_NONE },
};

/* Appends to the result's note: what the reader of the table must know. */
void
run_note(struct run *r, const char *fmt, ...)
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
		run_note(r, "XMPP stream lost during the run");
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

	if (r->rp != NULL && !is_error) {
		room_peers_message(r->rp, it);
		return;
	}
	if (r->load == NULL || stanza_seq(it, &seq) != 0)
		return;		/* probes, and anything not ours */
	if (is_error) {
		/* The first says why; the count is in the table. */
		if (!r->error_seen++)
			run_note(r, "first error stanza: %.*s",
			    it->len > 300 ? 300 : (int)it->len, it->data);
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
	if (r->rp != NULL && room_peers_response(r->rp, seq, status))
		return;
	if (r->load != NULL && r->sc->s2x)
		load_complete(r->load, seq, status);
}

/* A MESSAGE at the UAS: an XMPP -> SIP message arrived. */
static void
sip_message_cb(void *arg, uint64_t seq, int has_seq)
{
	struct run *r = arg;

	if (r->load == NULL || !has_seq || r->sc->s2x ||
	    r->sc->room != ROOM_NONE)
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
	if (r->rp != NULL)
		room_peers_presence(r->rp, it);
}

/* A MESSAGE at the UAS, whole: a room's fan-out reaching a participant. */
static void
sip_message_msg_cb(void *arg, const struct sip_msg *m)
{
	struct run *r = arg;

	if (r->rp != NULL)
		room_peers_sip_message(r->rp, m);
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
	if (r->rp != NULL)
		return room_peers_send(r->rp, seq);
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
	    "id='L%" PRIu64 "'><body>seq=%" PRIu64 " %.*s</body>%s</message>",
	    (unsigned int)(seq % users), spread(seq, users), seq, seq, plen,
	    pad, o->receipts ? "<request xmlns='urn:xmpp:receipts'/>" : "");
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
		run_note(r, "SIGHUP failed: %s", strerror(errno));
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
		run_note(r, "%s failed", cmd);
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

/* ---- the scenario ------------------------------------------------------ */

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
void
run_for(struct run *r, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	r->timed_out = 0;
	evtimer_add(r->deadline_ev, &tv);
	event_base_dispatch(r->base);
	evtimer_del(r->deadline_ev);
}

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
		.message_msg_cb = sip_message_msg_cb,
	};
	static const struct load_ops ops = { send_cb, flush_cb, phase_cb };
	struct event_config *cfg;
	struct load_params lp = o->load;
	struct run r;
	uint64_t lost;
	int status;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	res->sc = sc;
	res->sip_transport = o->sip_transport;
	res->vs_idx = -1;
	/* UDP keeps the plain name: the columns of earlier reports. */
	snprintf(res->scenario, sizeof(res->scenario), "%s%s%s", sc->name,
	    o->sip_transport != SIP_UDP ? "/" : "",
	    o->sip_transport != SIP_UDP ?
	    sip_transport_name(o->sip_transport) : "");
	/* A room's runs, one per size: the size in the column's name. */
	if (sc->room != ROOM_NONE)
		snprintf(res->scenario, sizeof(res->scenario), "%s-%d",
		    sc->name, o->room_n);
	res->via_prosody = o->via_prosody;
	/*
	 * The rooms: closed loop unless told, a window the participants'
	 * queues hold ([rooms] queue_max): the gateway sends each of them
	 * one MESSAGE at a time, so an open loop beyond its pace only fills
	 * the queues and measures the drops.
	 */
	if (sc->room != ROOM_NONE && !o->load_set) {
		lp.rate = 0;
		lp.window = ROOM_WINDOW;
	}
	res->rate = lp.rate;
	res->window = lp.rate > 0 ? 0 : lp.window;
	res->room_n = sc->room != ROOM_NONE ? o->room_n : 0;
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
		run_note(&r, "not implemented yet: %s", sc->pending);
		return -1;
	}
	if (sc->presence != PRESENCE_NONE && o->sip_transport != SIP_UDP) {
		run_note(&r, "the presence scenarios run over UDP only");
		return -1;
	}
	if (sc->room != ROOM_NONE && (o->sip_transport != SIP_UDP ||
	    o->via_prosody || o->pid > 0 || o->room_n < 1)) {
		run_note(&r, "the room scenarios run over UDP, with a gateway "
		    "the bench starts and no Prosody (the bench is the room)");
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
		run_note(&r, "cannot make a directory under /tmp");
		goto out;
	}
	/* TLS: a CA and certificates for localhost, new for every run. */
	if (o->sip_transport == SIP_TLS && tls_make_pki(r.dir) != 0) {
		run_note(&r, "cannot make the TLS certificates: %s",
		    tls_error());
		goto out;
	}
	if ((r.se = sip_end_new(r.base, o->pid > 0 ? o->uas_port : 0,
	    o->sip_transport, r.dir, &sh, &r)) == NULL) {
		run_note(&r, "cannot open the SIP sockets");
		goto out;
	}
	if (sip_end_set_branches(r.se, sc->branches) != 0) {
		run_note(&r, "cannot make the Via branches");
		goto out;
	}
	if (o->via_prosody) {
		char pdir[1100];

		snprintf(pdir, sizeof(pdir), "%s/prosody", r.dir);
		(void)mkdir(pdir, 0755);
		if (prosody_start(&r.px, o->prosody, pdir) != 0) {
			run_note(&r, "cannot start Prosody (%s)", o->prosody);
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
			run_note(&r, "Prosody did not accept the bench "
			    "component %s: %s", BENCH_XMPP_DOMAIN,
			    xmpp_end_error(r.xe)[0] ? xmpp_end_error(r.xe) :
			    "no handshake");
			goto out;
		}
		r.t_link = 0;	/* the gateway's link is not ours to see */
	} else {
		r.xe = xmpp_end_listen(r.base, o->pid > 0 ? o->xmpp_port : 0,
		    BENCH_COMPONENT, BENCH_SECRET, &xh, &r);
		if (r.xe == NULL) {
			run_note(&r, "cannot listen for the component link");
			goto out;
		}
	}
	if (run_start_gateway(&r) != 0)
		goto out;
	if (sc->presence != PRESENCE_NONE && run_setup_presence(&r) != 0)
		goto out;
	if (sc->room != ROOM_NONE && run_setup_room(&r) != 0)
		goto out;
	if (sc->presence == PRESENCE_HOLD) {
		res->hold = 1;
		res->done = 1;
		goto out;
	}

	r.load = load_new(r.base, &lp, &ops, &r);
	if (r.load == NULL)
		goto out;
	if (r.rp != NULL) {
		r.rst0 = *room_peers_stats(r.rp);
		room_peers_set_load(r.rp, r.load);
	}
	if (r.pp != NULL) {
		r.pst0 = *presence_stats(r.pp);
		presence_peers_set_load(r.pp, r.load);
	}
	bench_log("%s: %s for %.1f s (+%.1f s warm-up)", sc->name,
	    lp.rate > 0 ? "open loop" : "closed loop",
	    o->load.duration_s, o->load.warmup_s);
	lost = sip_end_stats(r.se)->conns_lost;
	load_start(r.load);
	event_base_dispatch(r.base);
	res->sip_conns_lost = sip_end_stats(r.se)->conns_lost - lost;
	if (res->sip_conns_lost > 0)
		run_note(&r, "%" PRIu64 " SIP connection(s) lost during the "
		    "run, the last: %s", sip_end_stats(r.se)->conns_lost - lost,
		    sip_end_error(r.se));
	if (load_phase(r.load) != LOAD_DONE) {
		run_note(&r, "run interrupted");
		goto out;
	}
	res->done = 1;
	run_collect(&r);
	if (sc->mapping)
		run_collect_reload(&r);
	if (r.gw_pid > 0 && !proc_alive(r.gw_pid))
		run_note(&r, "the gateway died during the run (see %s)",
		    r.gw_log);
out:
	if (r.own_gw && r.gw_pid > 0) {
		if (proc_stop(r.gw_pid, GW_STOP_MS, &status) == 0) {
			res->gw_exit = WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
			if (res->gw_exit != 0)
				run_note(&r, "the gateway exited with %d on "
				    "SIGTERM (see %s)", res->gw_exit, r.gw_log);
		}
	}
	if (r.have_px)
		prosody_stop(&r.px);
	run_verdict(&r);
	if (r.load != NULL)
		load_free(r.load);
	presence_peers_free(r.pp);
	room_peers_free(r.rp);
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
			bench_warnx("%s: files kept in %s", res->scenario,
			    r.dir);
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
